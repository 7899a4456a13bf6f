"""Checks that keras_aegan's step and a native step do the same work.

For one backend and configuration: builds the keras_aegan model, copies
its initial weights (BatchNorm statistics included) and its data scaler
into the native implementation of that backend, then runs K steps on
both with the same batches and the same explicit noise (keras_aegan
through `model.fit({"x": x, "noise": {...}})`, one step per `fit()`),
and reports the largest differences of every logged loss and of the
final weights.

    python -m benchmarks.check_equivalence --backend torch --config mlp
    python -m benchmarks.check_equivalence            # all of them

Each case runs twice:

- `sgd` (the strict check): both sides with `keras.optimizers.SGD` /
  plain SGD at the library's learning rates, and before every step the
  native loop gets keras_aegan's current weights and BatchNorm
  statistics, so each step is compared from the same state. Every loss
  of every step must agree to 1e-5 relative (the first-step tolerance
  of keras_aegan's parity test, `tests/parity/parity_test.py`), and each
  network's update `w_after - w_before` to `SGD_UPDATE_RTOL = 5e-3`
  relative (2-norm over its trained weights). Rounding alone gives up
  to 8e-4 on conv32 (PyTorch: Keras's channels-last convolutions
  against native NCHW ones; both equally far from a float64 run) and
  4.5e-3 between XLA and non-XLA TensorFlow (so the native TensorFlow
  loop compiles like keras_aegan here: with the same setting the two
  agree to 6e-6, or bit for bit under XLA). A 1% change of one loss
  weight fails the loss check (`--mutate` shows it).
- `adam`: the library's default optimizers against the native loop's
  Adam with Keras's formula (for PyTorch a small `_foreach` Adam;
  `--torch-adam torch` uses the benchmark's `torch.optim.Adam`, which
  puts epsilon elsewhere), both running freely from the same start.
  Only the discriminator phase of the first step starts from identical
  weights, and its losses must agree to 1e-5. Adam's first updates are
  about `lr * sign(g)` whatever the size of `g`, so a weight whose
  gradient is below float32 rounding noise (up to ~2e-3 absolute on
  conv32, measured against float64 for keras_aegan and the native loop
  alike) moves by `lr` either way, and with BatchNorm the differences
  grow about tenfold per step: the other losses and the weights are
  reported, not failed.

BatchNorm moving statistics are reported apart from trained weights:
PyTorch's BatchNorm updates moving variances with the unbiased batch
variance (`n / (n - 1)` times Keras's); JAX and TensorFlow match Keras.
Exit status 1 when a case fails.
"""

import json
import sys

import numpy as np

from benchmarks import _process
from benchmarks import specs

MODULE = "benchmarks.check_equivalence"
_DISCRIMINATOR_LOSSES = specs.DISCRIMINATOR_TERMS + ("discriminator_loss",)
LOSS_RTOL = 1e-5
SGD_UPDATE_RTOL = 5e-3


def native_module(backend):
    if backend == "torch":
        from benchmarks import native_torch as module
    elif backend == "jax":
        from benchmarks import native_jax as module
    else:
        from benchmarks import native_tf as module
    return module


def _weight_kinds(config, role):
    """Per weight of a network: True for BN moving statistics."""
    kinds = []
    for layer, _, _ in specs.layer_shapes(config, role):
        kind = layer[0]
        if kind == "bn":
            kinds += [False, False, True, True]
        elif kind == "dense":
            kinds += [False] * (2 if layer[2] else 1)
        elif kind in ("conv", "tconv"):
            kinds += [False] * (2 if layer[4] else 1)
    return kinds


def _matches_library_defaults(config):
    """Whether the networks have the shapes of the library's defaults."""
    from keras_aegan import networks

    width = 64 if config.name.startswith("conv32") else 128
    role_names = {"image_discriminator": "data_discriminator"}
    for role in specs.ROLES:
        net = networks.default_network(
            role_names.get(role, role),
            config.data_shape,
            config.latent_dim,
            width,
        )
        shapes = [tuple(v.shape) for v in net.weights]
        if shapes != specs.keras_weight_shapes(config, role):
            return False
    return True


def check(
    backend, config_name, optimizer, steps, seed, jit, torch_adam, mutate=False
):
    """Runs one comparison in this process; returns the result dict.

    Args:
        backend: The running Keras backend.
        config_name: A name in `specs.CONFIGS`.
        optimizer: `"adam"` or `"sgd"` (see the module docstring).
        steps: Number of steps K.
        seed: Seed of weights, data and noise.
        jit: keras_aegan's `jit_compile`; the native TensorFlow loop
            uses what it resolves to.
        torch_adam: PyTorch only: `"keras"` or `"torch"`.
        mutate: Give the native loop a reconstruction weight 1% off the
            library's (10.1 instead of 10), to show the check notices.
    """
    import keras

    from benchmarks import configs

    config = specs.get(config_name)
    b = config.batch_size
    x_all = specs.make_data(config, 4 * b, seed)
    keras.utils.set_random_seed(seed)
    model = configs.build_model(
        config, x_all, seed=seed, jit_compile=jit, optimizer=optimizer
    )
    initial = configs.keras_weights(model)

    native_optimizer = optimizer
    if optimizer == "adam" and backend == "torch" and torch_adam == "keras":
        native_optimizer = "keras_adam"
    kwargs = {"optimizer": native_optimizer}
    if mutate:
        kwargs["loss_weights"] = {"reconstruction_x": 10.1}
    if backend == "tensorflow":
        # Like for like: XLA on both sides or on neither (XLA's fusions
        # round differently from TF's kernels).
        kwargs["jit"] = bool(model.jit_compile)
    native = native_module(backend).NativeAEGAN(config, seed, **kwargs)
    native.set_weights(initial)
    native.set_scaler(*configs.scaler_statistics(model))
    roundtrip = _weight_diffs(config, initial, native.get_weights())

    # With SGD every step starts from the same state on both sides (the
    # native loop gets keras_aegan's weights and BatchNorm statistics
    # before each step), so each step is compared on its own. With Adam
    # both run freely from the same start (the optimizer states are not
    # copied).
    resync = optimizer == "sgd"
    rng = np.random.default_rng(seed + 1)
    rows = []
    per_step = []
    for step in range(steps):
        index = np.arange(step * b, (step + 1) * b) % len(x_all)
        x = x_all[index]
        noise = {
            name: rng.standard_normal((b, config.latent_dim)).astype("float32")
            for name in ("discriminator", "generator")
        }
        start = configs.keras_weights(model) if resync else None
        if resync:
            native.set_weights(start)
        history = model.fit(
            {"x": x, "noise": noise},
            batch_size=b,
            epochs=1,
            shuffle=False,
            verbose=0,
        )
        ours = {k: float(v[-1]) for k, v in history.history.items()}
        theirs = native.logs_to_numpy(
            native.step(native.to_input(x), native.noise_from_numpy(noise))
        )
        for name in specs.LOSS_NAMES:
            a, n = ours[name], theirs[name]
            rows.append(
                {
                    "step": step,
                    "loss": name,
                    "keras_aegan": a,
                    "native": n,
                    "rel": abs(a - n) / max(abs(a), 1e-12),
                }
            )
        if resync:
            per_step.append(
                _weight_diffs(
                    config,
                    configs.keras_weights(model),
                    native.get_weights(),
                    start,
                )
            )
    if not resync:
        per_step.append(
            _weight_diffs(
                config,
                configs.keras_weights(model),
                native.get_weights(),
                initial,
            )
        )
    worst = {
        key: max(d[key] for d in per_step)
        for key in ("trained", "p9999", "update_rel", "moving", "moving_rel")
    }
    worst["where"] = max(per_step, key=lambda d: d["trained"])["where"]
    worst["update_where"] = max(per_step, key=lambda d: d["update_rel"])[
        "update_where"
    ]
    result = {
        "backend": backend,
        "config": config_name,
        "optimizer": optimizer,
        "native_optimizer": native_optimizer,
        "steps": steps,
        "resynced_each_step": resync,
        "mutated": mutate,
        "keras_jit_compile": model.jit_compile,
        "native_jit_compile": kwargs.get("jit"),
        "architecture_matches_library_defaults": _matches_library_defaults(
            config
        ),
        "weight_copy_roundtrip_max_abs": max(
            roundtrip["trained"], roundtrip["moving"]
        ),
        # Under Adam only the discriminator phase of step 0 starts from
        # identical weights on both sides (its update already differs).
        "first_step_loss_max_rel": max(
            r["rel"]
            for r in rows
            if r["step"] == 0 and (resync or r["loss"] in _DISCRIMINATOR_LOSSES)
        ),
        "later_loss_max_rel": max(
            (
                r["rel"]
                for r in rows
                if r["step"] > 0
                or not (resync or r["loss"] in _DISCRIMINATOR_LOSSES)
            ),
            default=0.0,
        ),
        "weights_max_abs": worst["trained"],
        "weights_max_abs_where": worst["where"],
        "weights_p9999_abs": worst["p9999"],
        "update_max_rel": worst["update_rel"],
        "update_max_rel_where": worst["update_where"],
        "moving_stats_max_abs": worst["moving"],
        "moving_stats_max_rel": worst["moving_rel"],
        "losses": rows,
    }
    checks = [
        # Only a configuration that claims the library's networks.
        result["architecture_matches_library_defaults"]
        or not config.library_defaults,
        result["weight_copy_roundtrip_max_abs"] == 0.0,
        result["first_step_loss_max_rel"] <= LOSS_RTOL,
    ]
    if resync:
        checks += [
            result["later_loss_max_rel"] <= LOSS_RTOL,
            result["update_max_rel"] <= SGD_UPDATE_RTOL,
        ]
    result["passed"] = bool(all(checks))
    return result


def _weight_diffs(config, a, b, initial=None):
    """Largest differences between two sets of weights.

    With `initial`, also the relative difference of the updates per
    network over its trained weights, `|(a - w0) - (b - w0)| / |a - w0|`
    (2-norms): scale-free, so a missing loss term shows as a share of
    the update while rounding noise stays small.
    """
    trained = moving = moving_rel = update_rel = 0.0
    where = update_where = None
    diffs = []
    for role in specs.ROLES:
        kinds = _weight_kinds(config, role)
        delta_a, delta_ab = [], []
        for i, (u, v) in enumerate(zip(a[role], b[role])):
            if u.shape != v.shape:
                raise ValueError(
                    f"{role} weight {i}: shapes {u.shape} and {v.shape}"
                )
            u, v = u.astype("float64"), v.astype("float64")
            d = np.abs(u - v)
            if kinds[i]:
                moving = max(moving, float(d.max()))
                scale = max(float(np.abs(u).max()), 1e-12)
                moving_rel = max(moving_rel, float(d.max()) / scale)
                continue
            diffs.append(d.ravel())
            if d.max() >= trained:
                trained, where = float(d.max()), f"{role}[{i}] {u.shape}"
            if initial is not None:
                delta_a.append((u - initial[role][i]).ravel())
                delta_ab.append((u - v).ravel())
        if initial is not None:
            norm = np.linalg.norm(np.concatenate(delta_a))
            rel = np.linalg.norm(np.concatenate(delta_ab)) / max(norm, 1e-30)
            if rel >= update_rel:
                update_rel, update_where = float(rel), role
    return {
        "trained": trained,
        "where": where,
        "p9999": float(np.quantile(np.concatenate(diffs), 0.9999)),
        "update_rel": update_rel,
        "update_where": update_where,
        "moving": moving,
        "moving_rel": moving_rel,
    }


def report(result):
    r = result
    strict = r["resynced_each_step"]
    later = f"tolerance {LOSS_RTOL:g}" if strict else "reported only"
    upd = f"tolerance {SGD_UPDATE_RTOL:g}" if strict else "reported only"
    how = (
        "each step from keras_aegan's state"
        if strict
        else "free-running from the same start"
    )
    jit = f"keras_aegan jit_compile={r['keras_jit_compile']}"
    if r["native_jit_compile"] is not None:
        jit += f", native jit_compile={r['native_jit_compile']}"
    head = f"== {r['backend']} / {r['config']} / {r['optimizer']}"
    if r["mutated"]:
        head += " / MUTATED"
    return "\n".join(
        [
            f"{head} (native: {r['native_optimizer']}), {r['steps']} steps "
            f"{how}; {jit}",
            "  networks = library defaults: "
            f"{r['architecture_matches_library_defaults']}; weight copy "
            f"round trip max abs {r['weight_copy_roundtrip_max_abs']:.3g}",
            f"  {'step-0' if strict else 'step-0 Dx/Dz'} losses: max rel "
            f"{r['first_step_loss_max_rel']:.3g} (tolerance {LOSS_RTOL:g})",
            f"  {'later' if strict else 'other'} losses: max rel "
            f"{r['later_loss_max_rel']:.3g} "
            f"({later})",
            f"  updates:       max rel {r['update_max_rel']:.3g} "
            f"({r['update_max_rel_where']}; {upd})",
            f"  weights:       max abs {r['weights_max_abs']:.3g} at "
            f"{r['weights_max_abs_where']}, 99.99th percentile "
            f"{r['weights_p9999_abs']:.3g}",
            "  BN moving statistics: max abs "
            f"{r['moving_stats_max_abs']:.3g}, max rel "
            f"{r['moving_stats_max_rel']:.3g} (reported only)",
            f"  {'PASS' if r['passed'] else 'FAIL'}",
        ]
    )


def main(argv=None):
    parser = _process.make_parser(MODULE, __doc__)
    parser.add_argument(
        "--config", default="all", choices=tuple(specs.CONFIGS) + ("all",)
    )
    parser.add_argument(
        "--optimizer", default="all", choices=("adam", "sgd", "all")
    )
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--torch-adam",
        default="keras",
        choices=("keras", "torch"),
        help="PyTorch's Adam in the adam case: Keras's formula (default) "
        "or torch.optim.Adam (the benchmark's).",
    )
    parser.add_argument(
        "--jit",
        default="auto",
        choices=("auto", "true", "false"),
        help="keras_aegan's jit_compile (the native TensorFlow loop "
        "follows what it resolves to).",
    )
    parser.add_argument(
        "--mutate",
        action="store_true",
        help="Perturb the native loop's reconstruction weight by 1%% (the "
        "check should then fail).",
    )
    parser.add_argument(
        "--json",
        help="Write the results to this file ('{backend}' in the name is "
        "replaced by the backend).",
    )
    args = parser.parse_args(argv)

    if args.backend == "all":
        argv = sys.argv[1:] if argv is None else list(argv)
        rest = _drop_option(argv, "--backend")
        runs = _process.run_per_backend(MODULE, _process.BACKENDS, rest)
        return max(r.returncode for r in runs.values())

    _process.configure_environment(args.backend, threads=1)
    _process.import_framework(args.backend, threads=1)
    jit = {"auto": "auto", "true": True, "false": False}[args.jit]
    names = list(specs.CONFIGS) if args.config == "all" else [args.config]
    optimizers = (
        ["adam", "sgd"] if args.optimizer == "all" else [args.optimizer]
    )
    results = []
    for name in names:
        for optimizer in optimizers:
            result = check(
                args.backend,
                name,
                optimizer,
                args.steps,
                args.seed,
                jit,
                args.torch_adam,
                args.mutate,
            )
            print(report(result), flush=True)
            results.append(result)
    if args.json:
        with open(args.json.replace("{backend}", args.backend), "w") as f:
            json.dump(results, f, indent=1)
    return 0 if all(r["passed"] for r in results) else 1


def _drop_option(argv, name):
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == name:
            skip = True
        elif not arg.startswith(name + "="):
            out.append(arg)
    return out


if __name__ == "__main__":
    sys.exit(main())
