"""The model contract: one function every model's test file can call."""

import dataclasses
import os
import tempfile

import keras
import numpy as np

import keras_aegan
from keras_aegan.trainers.nonfinite import SKIPS_KEY

#: The extra noise of the non-finite probe (see `_probe_class`).
PROBE = "nonfinite_probe"


def run_model_test(
    cls,
    init_kwargs,
    data,
    expected_logs=None,
    batch_size=16,
    epochs=2,
    run_ema_test=True,
    run_nonfinite_test=True,
):
    """Checks that a model class keeps the `AdversarialTrainer` contract.

    In the style of keras-hub's `run_backbone_test`: a model's test calls
    it with small constructor arguments and tiny data, then adds the
    checks of its own losses. Nothing here knows a particular model; it
    reads the model's public phase information (`model.phases`,
    `network_names`, `ema_network_names`, `noise_shapes()`). It asserts:

    1. Fit: `cls(**init_kwargs).fit(data, epochs, batch_size)` logs only
       finite values, and `generate()` gives finite samples shaped like
       the data.
    2. Logs: the history's keys are the phases' declared `terms` plus
       each phase's total (`Phase.total_name`), and equal
       `expected_logs` when it is given (names pinned by the test, not
       read from the model).
    3. Phase isolation: one `train_on_batch` with only one phase active
       (`model.active_phases`) changes every trainable variable of that
       phase's networks, leaves every other network bit-identical
       (weights and BatchNorm statistics) and moves only that phase's
       optimizer; for each phase in turn.
    4. Saving: `model.save()` to a `.keras` file and
       `keras_aegan.load_model()` give the same class, the same network
       variables and bit-identical `generate(n, seed=0)` samples.
    5. Config: `cls.from_config(model.get_config())` has the same config,
       for the built model and for an unbuilt one, and the config
       records every non-`None`, non-network constructor argument.
    6. EMA (when `cls.ema_network_names` is not empty and `run_ema_test`):
       with `ema_decay=0.5`, after training `generate(ema=True)` is
       finite and differs from `generate()`.
    7. Non-finite losses (`run_nonfinite_test`): with
       `on_nonfinite="skip"`, on a subclass of `cls` whose first phase
       adds an extra fed noise to its total (zeros: no change; NaN: a
       NaN total), clean steps log `nonfinite_skips` 0; a NaN step logs
       1, leaves the first phase's networks (weights and BatchNorm
       statistics) and its optimizer bit-identical, still updates every
       other phase's networks, and every model weight (EMA copies
       included) stays finite. Checks 6 and 7 share this model.

    Args:
        cls: The model class (an `AdversarialTrainer` subclass).
        init_kwargs: Constructor arguments (small networks, a `seed`).
        data: NumPy training data, at least `2 * batch_size` samples.
        expected_logs: Optional set of the expected history keys.
        batch_size: Batch size of every step.
        epochs: Epochs of the fit test (each over all of `data`).
        run_ema_test: Run check 6 for models with EMA networks.
        run_nonfinite_test: Run check 7.

    Returns:
        The model trained by checks 1-4, for model-specific checks.

    Example:

    ```python
    def test_contract(ring):
        run_model_test(keras_aegan.DCGAN, {"width": 8, "seed": 0}, ring[:64])
    ```
    """
    data = np.asarray(data)
    if len(data) < 2 * batch_size:
        raise ValueError(
            f"`data` needs at least 2 * batch_size = {2 * batch_size} "
            f"samples. Received: {len(data)}"
        )
    model = cls(**init_kwargs)
    history = model.fit(data, epochs=epochs, batch_size=batch_size, verbose=0)
    _check_logs(model, history.history, expected_logs, epochs)
    samples = model.generate(4, seed=0)
    assert samples.shape == (4,) + data.shape[1:], samples.shape
    assert np.all(np.isfinite(samples)), "generate() is not finite"
    for phase in model.phases:
        _check_phase_isolation(model, phase, data[:batch_size])
    _check_saving(cls, model)
    _check_config(cls, init_kwargs, model)
    ema = run_ema_test and bool(cls.ema_network_names)
    if ema or run_nonfinite_test:
        _check_ema_and_nonfinite(
            cls, init_kwargs, data, batch_size, ema, run_nonfinite_test
        )
    return model


def _check_logs(model, logs, expected_logs, epochs):
    declared = set()
    for phase in model.phases:
        declared.update(phase.terms)
        declared.add(phase.total_name)
    if model.on_nonfinite != "raise":
        declared.add(SKIPS_KEY)
    assert set(logs) == declared, (sorted(logs), sorted(declared))
    if expected_logs is not None:
        assert set(logs) == set(expected_logs), sorted(logs)
    for key, values in logs.items():
        assert len(values) == epochs, (key, values)
        assert np.all(np.isfinite(values)), (key, values)


def _values(variables):
    return [np.array(keras.ops.convert_to_numpy(v)) for v in variables]


def _network_values(model, name):
    return {
        v.path: np.array(keras.ops.convert_to_numpy(v))
        for v in getattr(model, name).variables
    }


def _changed(before, after):
    return {
        path for path in before if not np.array_equal(before[path], after[path])
    }


def _check_phase_isolation(model, phase, x):
    before = {n: _network_values(model, n) for n in model.network_names}
    opt_names = sorted({p.optimizer for p in model.phases})
    opt_before = {n: _values(getattr(model, n).variables) for n in opt_names}
    model.active_phases = (phase.name,)
    try:
        model.train_on_batch(x)
    finally:
        model.active_phases = None
    for name in model.network_names:
        changed = _changed(before[name], _network_values(model, name))
        if name in phase.networks:
            # Adam moves every variable whose gradient is not zero.
            trainable = {
                v.path for v in getattr(model, name).trainable_variables
            }
            missing = sorted(trainable - changed)
            assert not missing, (phase.name, name, "not updated", missing)
        else:
            assert not changed, (phase.name, name, "changed", sorted(changed))
    for opt_name, values in opt_before.items():
        now = _values(getattr(model, opt_name).variables)
        moved = not all(np.array_equal(a, b) for a, b in zip(values, now))
        assert moved == (opt_name == phase.optimizer), (phase.name, opt_name)


def _check_saving(cls, model):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        loaded = keras_aegan.load_model(path)
    assert type(loaded) is cls, type(loaded)
    assert loaded.compiled
    for name in model.network_names:
        for a, b in zip(
            _values(getattr(model, name).variables),
            _values(getattr(loaded, name).variables),
            strict=True,
        ):
            np.testing.assert_array_equal(a, b, err_msg=name)
    np.testing.assert_array_equal(
        model.generate(8, seed=0), loaded.generate(8, seed=0)
    )


def _check_config(cls, init_kwargs, model):
    for candidate in (model, cls(**init_kwargs)):
        config = candidate.get_config()
        clone = cls.from_config(config)
        assert type(clone) is cls
        assert clone.get_config() == config
    for key, value in init_kwargs.items():
        if value is not None and not isinstance(value, keras.layers.Layer):
            recorded = config.get(key, "<not in get_config()>")
            assert recorded == value, (key, recorded, value)


def _probe_class(cls):
    """`cls` whose first phase adds the mean of an extra noise to its total.

    The extra noise (`PROBE`) is fed explicitly: zeros leave the total
    unchanged, NaN makes it NaN. Real non-finite codes are no general
    trigger: whether they reach a loss depends on the networks and the
    backend (TensorFlow's compiled ReLU networks can turn NaN codes into
    finite samples).
    """

    class NonFiniteProbe(cls):
        def noise_shapes(self):
            return {**super().noise_shapes(), PROBE: (1,)}

        def build_phases(self):
            phases = list(super().build_phases())
            first = phases[0]

            def loss(x, noise, training=True):
                total, terms = first.loss(x, noise, training=training)
                return total + keras.ops.mean(noise[PROBE]), terms

            return [dataclasses.replace(first, loss=loss)] + phases[1:]

    NonFiniteProbe.__name__ = f"NonFiniteProbe{cls.__name__}"
    return NonFiniteProbe


def _check_ema_and_nonfinite(cls, init_kwargs, data, batch_size, ema, skip):
    kwargs = dict(init_kwargs)
    if ema:
        kwargs["ema_decay"] = 0.5
    if skip:
        kwargs["on_nonfinite"] = "skip"
        cls = _probe_class(cls)
    model = cls(**kwargs)
    model.fit(data, epochs=0, verbose=0)  # builds the networks
    n = 2 * batch_size
    rng = np.random.default_rng(0)
    shapes = model.noise_shapes()
    noise = {
        k: rng.standard_normal((n,) + tuple(s)).astype("float32")
        for k, s in shapes.items()
    }
    if skip:
        noise[PROBE] = np.zeros((n, 1), "float32")
    fit = {"batch_size": batch_size, "shuffle": False, "verbose": 0}
    logs = model.fit({"x": data[:n], "noise": noise}, **fit).history
    if skip:
        assert logs[SKIPS_KEY] == [0.0], logs[SKIPS_KEY]
    if ema:
        averaged = model.generate(8, seed=0, ema=True)
        assert np.all(np.isfinite(averaged)), "generate(ema=True)"
        assert not np.array_equal(
            averaged, model.generate(8, seed=0, ema=False)
        )
    if skip:
        _check_skip(model, data[:batch_size], noise)


def _check_skip(model, x, noise):
    """One step whose first phase's total is NaN: only it is dropped."""
    first = model.phases[0]
    before = {
        name: _network_values(model, name) for name in model.network_names
    }
    shared = [p for p in model.phases if p.optimizer == first.optimizer]
    optimizer = getattr(model, first.optimizer)
    opt_before = _values(optimizer.variables)
    noise = {k: v[: len(x)] for k, v in noise.items()}
    noise[PROBE] = np.full((len(x), 1), np.nan, "float32")
    logs = model.fit(
        {"x": x, "noise": noise}, batch_size=len(x), verbose=0
    ).history
    assert logs[SKIPS_KEY] == [1.0], logs[SKIPS_KEY]
    for phase in model.phases:
        for name in phase.networks:
            changed = _changed(before[name], _network_values(model, name))
            if phase is first:
                assert not changed, (phase.name, name, sorted(changed))
            else:  # the other phases still update
                assert changed, (phase.name, name, "not updated")
    if len(shared) == 1:
        for a, b in zip(opt_before, _values(optimizer.variables)):
            np.testing.assert_array_equal(a, b, err_msg=first.optimizer)
    for variable in model.weights:
        value = keras.ops.convert_to_numpy(variable)
        assert np.all(np.isfinite(value)), variable.path
