"""Compiling a phase-based model: one optimizer per phase, loss weights."""

import numbers
import warnings

import keras

from keras_aegan.backend import build_scope
from keras_aegan.trainers.nonfinite import SKIPS_KEY
from keras_aegan.trainers.phase_optimizers import PhaseOptimizers

#: The `compile()` arguments besides the phase optimizers.
COMPILE_ARGUMENTS = (
    "loss_weights",
    "run_eagerly",
    "steps_per_execution",
    "jit_compile",
)


def unknown_compile_arguments(model, unknown, optimizer_names):
    """The `TypeError` of a `compile()` given arguments it does not take.

    Args:
        model: The model being compiled.
        unknown: Names of the arguments it does not take.
        optimizer_names: Names of its phase optimizers.

    Returns:
        A `TypeError` naming the unknown and the accepted arguments.

    Example:

    ```python
    raise unknown_compile_arguments(model, ["loss"], ["generator_optimizer"])
    ```
    """
    name = type(model).__name__
    accepted = ", ".join(list(optimizer_names) + list(COMPILE_ARGUMENTS))
    return TypeError(
        f"{name}.compile() got unknown arguments {sorted(unknown)}. {name} "
        "defines its own losses and has one optimizer per phase; it takes "
        f"{accepted}."
    )


class PhaseCompile:
    """`compile()` and its serialization for `AdversarialTrainer`.

    Mixed in before `keras.Model`: builds one optimizer per phase, puts
    them behind a `PhaseOptimizers` holder as `model.optimizer`, creates
    one loss tracker per logged term, and records everything needed to
    compile again after loading.
    """

    #: Model hyperparameters that `compile()` took before they became
    #: constructor arguments (names in `hyperparameters`). `compile()`
    #: still takes them, with a `DeprecationWarning`, until the next
    #: release; `compile_from_config` applies them silently from files
    #: saved before the move.
    deprecated_compile_arguments = ()

    # ----------------------------------------------------------- compiling
    def compile(
        self,
        *,
        loss_weights=None,
        run_eagerly=False,
        steps_per_execution=1,
        jit_compile="auto",
        **optimizers,
    ):
        """Configures training: one optimizer per phase, and loss weights.

        Model hyperparameters are constructor arguments; only the
        optimizers and how the step runs are set here.

        Args:
            loss_weights: Dict mapping loss weight names (see
                `default_loss_weights()`) to non-negative floats.
                Missing entries keep their defaults.
            run_eagerly: Run the step eagerly (for debugging).
            steps_per_execution: Steps per compiled call (TF and JAX).
            jit_compile: `"auto"` (Keras's default per backend), True or
                False.
            **optimizers: One optimizer per phase, by name (see
                `default_optimizers()`): instances, names or config dicts.
                Missing ones (or `None`) get the defaults. Any other
                argument raises a `TypeError`.
        """
        with build_scope(self):
            defaults = self.default_optimizers()
            moved = {
                name: optimizers.pop(name)
                for name in self.deprecated_compile_arguments
                if name in optimizers
            }
            unknown = set(optimizers) - set(defaults)
            if unknown:
                raise unknown_compile_arguments(self, unknown, defaults)
            for name in moved:
                warnings.warn(
                    f"`{type(self).__name__}.compile({name}=...)` is "
                    f"deprecated and will be removed in the next release: "
                    f"pass `{name}` to the constructor, "
                    f"`{type(self).__name__}({name}=...)`.",
                    DeprecationWarning,
                    stacklevel=2,
                )
            if moved:
                self.set_hyperparameters(**moved)
            self._compile_phases_in_scope(
                optimizers,
                loss_weights,
                defaults,
                run_eagerly=run_eagerly,
                steps_per_execution=steps_per_execution,
                jit_compile=jit_compile,
            )

    def _compile_phases_in_scope(
        self, optimizers, loss_weights, defaults, **kwargs
    ):
        # Inside the model's `build_scope`: optimizers and loss trackers
        # belong to its distribution strategy (TensorFlow), also when
        # `fit()` compiles implicitly.
        optimizers = {k: v for k, v in optimizers.items() if v is not None}
        resolved = {}
        for name, default in defaults.items():
            opt = keras.optimizers.get(optimizers.get(name, default))
            if any(opt is other for other in resolved.values()):
                raise ValueError(
                    "Each phase needs its own optimizer instance; the same "
                    f"instance was passed for {name!r} and another phase."
                )
            resolved[name] = opt
        if self.dtype_policy.name == "mixed_float16":
            # float16 gradients underflow: each phase scales its own loss
            # (Keras would wrap only a single `model.optimizer`).
            resolved = {
                name: opt
                if isinstance(opt, keras.optimizers.LossScaleOptimizer)
                else keras.optimizers.LossScaleOptimizer(
                    opt, name=f"{name}_loss_scale"
                )
                for name, opt in resolved.items()
            }
        weights = dict(self.default_loss_weights())
        for key, value in dict(loss_weights or {}).items():
            if isinstance(value, numbers.Real) and value < 0:
                raise ValueError(
                    "Loss weights must be non-negative. Received: "
                    f"{key}={value!r}"
                )
            if key not in weights:
                raise ValueError(
                    f"Unknown loss weight {key!r}. The weights of "
                    f"{type(self).__name__} are {sorted(weights)}."
                )
            weights[key] = float(value)
        self.loss_weights = weights
        super().compile(
            optimizer=PhaseOptimizers(resolved),
            auto_scale_loss=False,
            **kwargs,
        )
        for name, opt in resolved.items():
            setattr(self, name, opt)
        self._loss_trackers = [
            keras.metrics.Mean(name=key) for key in self._log_keys()
        ]
        if self.skips_nonfinite:
            self._loss_trackers.append(keras.metrics.Sum(name=SKIPS_KEY))
        self._aegan_compile_config = {
            "optimizers": {
                k: keras.saving.serialize_keras_object(v)
                for k, v in resolved.items()
            },
            "loss_weights": dict(weights),
            # Model options, which files saved before they became
            # constructor arguments hold (see `compile_from_config`).
            "options": {},
            **kwargs,
        }
        if self._phase_variables is not None:
            self._build_optimizers()

    def get_compile_config(self):
        return self._aegan_compile_config

    def compile_from_config(self, config):
        config = dict(config)
        # `keras.optimizers.deserialize` resolves built-in optimizers by
        # name. The generic deserializer would import the module recorded
        # at save time, which on PyTorch is the torch-only subclass
        # (keras.src.backend.torch.optimizers...), so a file saved under
        # torch would not train under TensorFlow or JAX.
        optimizers = {
            k: keras.optimizers.deserialize(dict(v))
            for k, v in config.pop("optimizers").items()
        }
        options = dict(config.pop("options", {}))
        # Files saved before a hyperparameter moved to the constructor
        # carry it here: apply it as their model was trained, silently.
        moved = {
            name: options.pop(name)
            for name in self.deprecated_compile_arguments
            if name in options
        }
        if moved:
            self.set_hyperparameters(**moved)
        self.compile(**optimizers, **options, **config)

    def _log_keys(self):
        keys = []
        for phase in self.phases:
            keys.extend(phase.terms)
            keys.append(phase.total_name)
        if len(set(keys)) != len(keys):
            raise ValueError(f"Loss term names must be unique. Got {keys}.")
        return keys

    def _build_optimizers(self):
        # Called by `compile()` and `build_for()`, both inside the model's
        # `build_scope`.
        for phase in self.phases:
            opt = getattr(self, phase.optimizer)
            if not opt.built:
                opt.build(self.phase_variables(phase.name))
