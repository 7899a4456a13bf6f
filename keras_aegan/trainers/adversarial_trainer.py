"""AdversarialTrainer: a keras.Model whose train step is a list of phases."""

import contextlib
import copy
import numbers
import os
import warnings

import keras
import numpy as np

from keras_aegan import networks
from keras_aegan.backend import PhaseTrainer
from keras_aegan.backend import build_scope
from keras_aegan.backend import replica_position
from keras_aegan.layers.data_scaler import DataScaler
from keras_aegan.layers.noise_seeds import NoiseSeeds
from keras_aegan.losses.objective import ObjectiveAttribute
from keras_aegan.networks.autoencoder import check_networks_given
from keras_aegan.trainers import data_checks
from keras_aegan.trainers.ema import AUTO_EMA_DECAY
from keras_aegan.trainers.ema import ExponentialMovingAverage
from keras_aegan.trainers.ema import check_ema_arguments
from keras_aegan.trainers.ema import clone_network
from keras_aegan.trainers.fit_methods import FitMethods
from keras_aegan.trainers.generator_methods import GeneratorMethods
from keras_aegan.trainers.nonfinite import SKIPS_KEY
from keras_aegan.trainers.nonfinite import NonFinitePolicy
from keras_aegan.trainers.phase_optimizers import PhaseOptimizers
from keras_aegan.trainers.position import TrainingPosition
from keras_aegan.utils.atomic import atomic_path
from keras_aegan.utils.validation import check_positive_int

NOISE_SOURCES = ("device", "host")
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


class AdversarialTrainer(
    FitMethods, GeneratorMethods, PhaseTrainer, keras.Model
):
    """Base class of the models: a `fit()` whose step is a list of phases.

    A subclass says which networks exist (`network_names`), how to build
    default ones for a data shape (`build_networks`), which phases a step
    runs (`build_phases`) and the default optimizer of each phase
    (`default_optimizers`). Loss functions are written once in `keras.ops`;
    the backend-specific `PhaseTrainer` base takes gradients of each phase's
    loss with respect to that phase's variables only and applies that
    phase's optimizer.

    The data is mapped to network units by a `DataScaler` fitted on the
    first `fit()`: images to [-1, 1], vectors standardised per feature.
    Noise is drawn from a `keras.random.SeedGenerator` owned by the model,
    or fed explicitly as `fit({"x": x, "noise": {phase_name: z}})`.

    Args:
        latent_dim: Size of the latent code.
        seed: Seed of the model's noise generator (and of `generate()` when
            it is called without a seed). `None` draws a random seed.
        noise: Where training noise is drawn. `"device"` (default): inside
            the compiled step from the model's `keras.random.SeedGenerator`
            (fast, but each backend has its own random stream). `"host"`:
            by a NumPy generator seeded with `seed`, which also shuffles
            the data, so a whole `fit()` on NumPy arrays is reproducible
            across backends up to floating-point differences.
        on_nonfinite: What a non-finite (NaN/Inf) phase loss does.
            `"raise"` (default): `fit()` stops with a `NonFiniteLossError`
            naming the phase and the loss term, at the batch where it
            happened (checked after every batch, like Keras's
            `TerminateOnNaN`); that step's update has been applied, files
            saved before are untouched. `"skip"`: the phase's update
            (weights, optimizer state, its networks' BatchNorm statistics)
            is dropped for that step, on device, and the number of skipped
            phase updates is logged as `nonfinite_skips` (summed per
            epoch). `"rollback"`: as `"skip"`, and then the model and
            optimizer state go back to the last good in-memory snapshot
            and every phase's learning rate is multiplied by a factor
            (see `keras_aegan.callbacks.NonFiniteRollback`, which `fit()`
            adds with its defaults unless you pass one).
        ema_decay: `"auto"` (default), `None` or a number in [0, 1). A
            number keeps an exponential moving average (EMA) of the
            networks named in `ema_network_names` (for `AEGAN`: the
            generator and the encoder), updated after every train step
            and saved with the model (an averaging horizon of about
            `1 / (1 - ema_decay)` steps). `"auto"` picks the decay the
            quality benchmarks measured best for the data kind when the
            networks are built: 0.99 for images and sequences, 0.999 for
            vectors (`ema.AUTO_EMA_DECAY`); a model with no
            `ema_network_names`, or whose networks cannot be copied,
            then keeps none. `None` keeps no moving average. When the
            model keeps one, `generate()`, `decode()` and the encoder
            methods use it unless given `ema=False`.
        ema_warmup: Number of steps over which the decay ramps up
            linearly from 0 (a plain copy) to `ema_decay` (default 100);
            0 uses `ema_decay` from the first step. See
            `ExponentialMovingAverage`.
        **kwargs: Passed to `keras.Model`.

    Example:

    ```python
    class TinyGAN(keras_aegan.AdversarialTrainer):
        network_names = ("generator", "discriminator")

        def build_networks(self, data_shape):
            ...  # set self.generator and self.discriminator

        def build_phases(self):
            return [
                keras_aegan.Phase("discriminator", ("discriminator",),
                                  "discriminator_optimizer", self.d_loss,
                                  terms=("d_real", "d_fake")),
                keras_aegan.Phase("generator", ("generator",),
                                  "generator_optimizer", self.g_loss,
                                  terms=("g_adv",)),
            ]

        def default_optimizers(self):
            return {"discriminator_optimizer": keras.optimizers.Adam(2e-4),
                    "generator_optimizer": keras.optimizers.Adam(2e-4)}
    ```

    `examples/autoencoder_generator.py` is a complete, runnable version.
    """

    #: Names of the networks (model attributes) a subclass defines.
    network_names = ()
    #: Names of the networks that get an EMA copy when EMA is on.
    ema_network_names = ()
    #: Model hyperparameters that `compile()` took before they became
    #: constructor arguments (names in `hyperparameters`). `compile()`
    #: still takes them, with a `DeprecationWarning`, until the next
    #: release; `compile_from_config` applies them silently from files
    #: saved before the move.
    deprecated_compile_arguments = ()
    #: A subclass's own hyperparameters (constructor arguments besides
    #: networks and widths): name -> `check(name, value)`, which returns
    #: the value to store or raises. Set by `set_hyperparameters()` and
    #: saved by `get_config()`.
    hyperparameters = {}
    #: The model's `keras_aegan.losses.AdversarialObjective` (adversarial
    #: loss, gradient penalty, augmentation), or None. Set in `__init__`;
    #: adds its noise to `noise_shapes()` and, with a penalty, builds the
    #: default data discriminator without BatchNorm.
    objective = None
    #: Default widths of the vector networks of some roles (role ->
    #: units), used where `width` is None and the data are vectors; the
    #: other roles get `keras_aegan.networks.DEFAULT_VECTOR_UNITS`.
    default_vector_widths = {}
    # Read-only views of the objective under the models' argument names.
    adversarial_loss = ObjectiveAttribute("adversarial_loss")
    penalty = ObjectiveAttribute("penalty")
    penalty_weight = ObjectiveAttribute("penalty_weight")
    penalty_interval = ObjectiveAttribute("penalty_interval")
    penalty_steps = ObjectiveAttribute("penalty_steps")
    augment = ObjectiveAttribute("augment")
    #: The adversarial loss object, `objective.loss` (its earlier name).
    adversarial = ObjectiveAttribute("loss")

    def __init__(
        self,
        latent_dim,
        seed=None,
        noise="device",
        on_nonfinite="raise",
        ema_decay="auto",
        ema_warmup=100,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.ema_decay, self.ema_warmup = check_ema_arguments(
            ema_decay, ema_warmup
        )
        self.ema_updates = None
        #: The `ExponentialMovingAverage` of `ema_network_names`, made
        #: when the networks are built if `ema_decay` is set; else None.
        self.moving_average = None
        #: The `NonFinitePolicy` of `on_nonfinite`.
        self.nonfinite_policy = NonFinitePolicy(on_nonfinite)
        if noise not in NOISE_SOURCES:
            raise ValueError(
                f"`noise` must be one of {NOISE_SOURCES}. Received: "
                f"noise={noise!r}"
            )
        self.noise = noise
        self.latent_dim = (
            None
            if latent_dim is None
            else check_positive_int("latent_dim", latent_dim)
        )
        if seed is not None:
            if (
                isinstance(seed, bool)
                or not isinstance(seed, (int, np.integer))
                or seed < 0
            ):
                raise ValueError(
                    "`seed` must be None or a non-negative integer. "
                    f"Received: seed={seed!r}"
                )
            seed = int(seed)
        self.seed = seed
        self.noise_seeds = NoiseSeeds(seed, name="noise_seeds")
        self.data_shape = None
        self.data_scaler = None
        self.reference_batch = None
        #: The `TrainingPosition`: host generators and data position.
        self.training_position = TrainingPosition(seed)
        self._loss_trackers = []
        self._aegan_compile_config = None
        self._given_loss_weights = {}
        self._disabled_phases = ()
        object.__setattr__(self, "_phase_cache", None)
        object.__setattr__(self, "_phase_variables", None)
        object.__setattr__(self, "_frozen_state", None)

    # ----------------------------------------------------------------- hooks
    def build_networks(self, data_shape):
        """Creates missing networks for `data_shape` and checks all shapes."""
        raise NotImplementedError

    def build_phases(self):
        """Returns the list of `Phase`s of one train step."""
        raise NotImplementedError

    def default_optimizers(self):
        """Returns a dict mapping each phase optimizer name to an optimizer."""
        raise NotImplementedError

    def default_loss_weights(self):
        """Returns the dict of loss weights used when compile gives none."""
        return {}

    def default_network(self, role, data_shape, name):
        """The default network of a role for `build_default_networks`.

        Args:
            role: A role of `keras_aegan.networks.default_network`.
            data_shape: Shape of one sample.
            name: Name of the network (its model attribute).

        Returns:
            The `objective`'s network where it has one (a penalised data
            discriminator without BatchNorm), else
            `keras_aegan.networks.default_network(role, data_shape,
            self.latent_dim, self.width, name=name)`, where, for vectors
            and `width=None`, `default_vector_widths` may give the role
            its own width.
        """
        width = getattr(self, "width", None)
        if width is None and len(data_shape) == 1:
            width = self.default_vector_widths.get(role)
        if self.objective is not None:
            net = self.objective.default_network(role, data_shape, width, name)
            if net is not None:
                return net
        return networks.default_network(
            role, data_shape, self.latent_dim, width, name=name
        )

    def noise_shapes(self):
        """Dict mapping each noise name to the shape of one sample of it.

        By default each phase draws its own standard normal latent batch;
        then the `objective`'s noise (see `AdversarialObjective`).
        """
        shapes = {phase.name: (self.latent_dim,) for phase in self.phases}
        if self.objective is not None:
            shapes.update(self.objective.noise_shapes())
        return shapes

    # ------------------------------------------------- helpers for models
    def set_hyperparameters(self, **values):
        """Checks and sets hyperparameters declared in `hyperparameters`.

        A model's constructor calls it with its own arguments; later
        calls take effect from the next train step (the step is traced
        again).

        Args:
            **values: Hyperparameter names mapped to values.

        Example:

        ```python
        model = keras_aegan.BEGAN(gamma=0.5)
        model.set_hyperparameters(gamma=0.7)
        ```
        """
        unknown = sorted(set(values) - set(self.hyperparameters))
        if unknown:
            raise TypeError(
                f"{type(self).__name__} has no hyperparameters {unknown}. "
                f"Its hyperparameters are {sorted(self.hyperparameters)}."
            )
        checked = {
            name: self.hyperparameters[name](name, value)
            for name, value in values.items()
        }
        for name, value in checked.items():
            setattr(self, name, value)
        self.train_function = None
        self.test_function = None

    def init_networks(self, width=None, **given):
        """Checks and sets the networks given to a model's constructor.

        Call it in `__init__` after `super().__init__()`. Each network is
        set as a model attribute (`None`: `build_networks` builds the
        default on the first `fit()`); `latent_dim`, when `None`, is read
        from a given `generator`'s input.

        Args:
            width: Width of the default networks: a positive int, or
                `None` for each network's default. Set as `self.width`.
            **given: Network attribute names mapped to Keras models
                (or layers) or `None`.

        Example:

        ```python
        self.init_networks(width, generator=generator, discriminator=None)
        ```
        """
        check_networks_given(**given)
        if width is not None:
            width = check_positive_int("width", width)
        self.width = width
        generator = given.get("generator")
        if self.latent_dim is None and generator is not None:
            self.latent_dim = networks.input_size(generator, "generator")
        for name, network in given.items():
            setattr(self, name, network)

    def build_default_networks(self, data_shape, roles):
        """Builds the missing networks by role and checks every shape.

        For use in `build_networks`. `latent_dim`, when `None`, becomes
        `keras_aegan.networks.default_latent_dim(data_shape)`. Each
        network left `None` is built by `default_network(role, ...)`;
        then every listed network, given or built, is checked to map
        its role's input shape to its output shape.

        Args:
            data_shape: Shape of one sample.
            roles: Dict mapping network attribute names to roles:
                `"generator"` (z -> x), `"encoder"` (x -> z),
                `"data_discriminator"` (x -> 1) or
                `"latent_discriminator"` (z -> 1).

        Example:

        ```python
        self.build_default_networks(
            data_shape,
            {"generator": "generator", "discriminator": "data_discriminator"},
        )
        ```
        """
        if self.latent_dim is None:
            self.latent_dim = networks.default_latent_dim(data_shape)
        z = (self.latent_dim,)
        shapes = {
            "generator": (z, data_shape),
            "encoder": (data_shape, z),
            "data_discriminator": (data_shape, (1,)),
            "latent_discriminator": (z, (1,)),
        }
        for name, role in roles.items():
            if role not in shapes:
                raise ValueError(
                    f"The role of `{name}` must be one of {sorted(shapes)}. "
                    f"Received: {role!r}"
                )
            if getattr(self, name, None) is None:
                setattr(
                    self, name, self.default_network(role, data_shape, name)
                )
            networks.check_network(getattr(self, name), name, *shapes[role])

    # ------------------------------------------------------------ properties
    @property
    def phases(self):
        """The phases of one train step, in order."""
        if self._phase_cache is None:
            object.__setattr__(self, "_phase_cache", list(self.build_phases()))
        return self._phase_cache

    @property
    def active_phases(self):
        """Names of the phases the train step runs (all but disabled)."""
        return tuple(
            p.name for p in self.phases if p.name not in self._disabled_phases
        )

    @active_phases.setter
    def active_phases(self, names):
        known = [p.name for p in self.phases]
        names = tuple(known if names is None else names)
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(
                f"Unknown phase names {unknown}. The phases of "
                f"{type(self).__name__} are {known}."
            )
        self._disabled_phases = tuple(n for n in known if n not in names)
        self.train_function = None  # retrace with the new phase list

    @property
    def data_kind(self):
        """`"image"`, `"sequence"` or `"vector"` once the data is known."""
        if self.data_scaler is None:
            return None
        return self.data_scaler.kind

    @property
    def seed_generator(self):
        """The `SeedGenerator` of the training noise."""
        return self.noise_seeds.training_stream

    @property
    def eval_seed_generator(self):
        """The `SeedGenerator` of `evaluate()`'s noise."""
        return self.noise_seeds.evaluation_stream

    @property
    def metrics(self):
        return list(self._loss_trackers)

    @property
    def on_nonfinite(self):
        """What a non-finite phase loss does (see `NonFinitePolicy`)."""
        return self.nonfinite_policy.mode

    @property
    def has_ema(self):
        """Whether the model keeps EMA copies (`ema_decay` is not None).

        `ema_decay="auto"` counts until the networks are built, when it
        becomes a number or None.
        """
        return self.ema_decay is not None

    def network_for(self, name, ema):
        """The network `name`, or its EMA copy.

        Args:
            name: A network name, e.g. `"generator"`.
            ema: True for the moving average, False for the trained
                network, None for the moving average when the model keeps
                one of this network.
        """
        if ema is None:
            ema = self.has_ema and name in self.ema_network_names
        if not ema:
            return getattr(self, name)
        if not self.has_ema:
            raise ValueError(
                f"ema=True needs a model built with ema_decay set; this "
                f"{type(self).__name__} has ema_decay=None."
            )
        if name not in self.ema_network_names:
            raise ValueError(
                f"{type(self).__name__} keeps EMA copies of "
                f"{list(self.ema_network_names)} only. Received: {name!r}"
            )
        return getattr(self, f"ema_{name}")

    def phase_variables(self, name):
        """The variables the phase called `name` updates."""
        if self._phase_variables is None:
            raise ValueError(
                "The networks are not built yet: call fit() or build_for()."
            )
        return self._phase_variables[name]

    # ------------------------------------------------------------ building
    def build_for(self, data_shape, data_spec=None):
        """Builds scaler, networks, phase variable lists and optimizers.

        Args:
            data_shape: Shape of one sample, e.g. `(16, 16, 1)` or `(2,)`.
            data_spec: Optional `DataSpec` with the data's range/statistics.
        """
        with _dtype_policy(self.dtype_policy), build_scope(self):
            self._build_for(data_shape, data_spec)

    def _build_for(self, data_shape, data_spec):
        data_shape = tuple(int(s) for s in data_shape)
        kind = data_checks.data_kind((None,) + data_shape)
        if self.data_shape is not None and self.data_shape != data_shape:
            raise ValueError(
                f"This model was built for samples of shape {self.data_shape}"
                f". Received data with sample shape {data_shape}."
            )
        self.data_shape = data_shape
        if self.data_scaler is None:
            spec = data_spec or data_checks.DataSpec(
                kind=kind, sample_shape=data_shape, dtype="float32"
            )
            self.data_scaler = DataScaler(
                kind,
                features=data_shape[-1],
                input_range=spec.input_range,
                output_dtype=spec.dtype,
                name="data_scaler",
                # Data in and samples out stay float32 under mixed
                # precision; the networks cast to their compute dtype.
                dtype="float32",
            )
            if kind != "image" and spec.mean is not None:
                self.data_scaler.adapt_statistics(spec.mean, spec.std)
        self.build_networks(data_shape)
        if self.compiled:
            # Defaults that depend on the data kind apply from now on.
            self._resolve_loss_weights()
        variables = {}
        owners = {}
        for phase in self.phases:
            phase_vars = []
            for net_name in phase.networks:
                for v in getattr(self, net_name).trainable_variables:
                    if id(v) in owners:
                        raise ValueError(
                            f"Variable {v.path} is updated by both phase "
                            f"{owners[id(v)]!r} and phase {phase.name!r}."
                        )
                    owners[id(v)] = phase.name
                    phase_vars.append(v)
            if not phase_vars:
                raise ValueError(
                    f"Phase {phase.name!r} has no trainable variables "
                    f"(networks {phase.networks})."
                )
            variables[phase.name] = phase_vars
        frozen = {}
        for phase in self.phases:
            frozen[phase.name] = [
                v
                for net_name in self.network_names
                if net_name not in phase.networks
                for v in getattr(self, net_name).non_trainable_variables
            ]
        object.__setattr__(self, "_phase_variables", variables)
        object.__setattr__(self, "_frozen_state", frozen)
        if self.ema_decay == "auto":
            self._resolve_auto_ema(kind)
        if self.has_ema and self.moving_average is None:
            self.moving_average = ExponentialMovingAverage(
                self.ema_decay, self.ema_warmup
            )
            self.moving_average.build(self, self.ema_network_names)
        self.built = True
        if self.compiled:
            self._build_optimizers()

    def _resolve_auto_ema(self, kind):
        """Turns `ema_decay="auto"` into the data kind's decay or None."""
        self.ema_decay = None
        copies = {}
        for name in self.ema_network_names:
            attr = f"ema_{name}"
            if getattr(self, attr, None) is not None:
                continue  # a loaded model's copy
            try:
                copies[attr] = clone_network(getattr(self, name), attr)
            except ValueError as error:  # custom classes without a config
                warnings.warn(
                    f"ema_decay='auto' keeps no moving average: {error}",
                    stacklevel=3,
                )
                return
        if self.ema_network_names:
            for attr, copy_ in copies.items():
                setattr(self, attr, copy_)
            self.ema_decay = AUTO_EMA_DECAY[kind]

    def build(self, input_shape=None):
        # Networks are built from the data shape by `build_for()`; the
        # model's own input (a latent batch) needs nothing else.
        if self.data_shape is not None and self._phase_variables is None:
            self.build_for(self.data_shape)
        self.built = True

    def get_build_config(self):
        return None

    # ------------------------------------------------------------ the step
    # What every backend's `PhaseTrainer` shares: a step's inputs, the
    # state each phase must restore or may gate, a phase's loss with its
    # logs, the loss trackers. Written in `keras.ops`; the backends differ
    # only in how they take gradients.
    def _prepare_step(self, data, seed_generator):
        """Returns `(x, noise, batch_size)` for one step, in network units."""
        x, noise = data_checks.split_batch(data)
        x = self.data_scaler(x)
        batch_size = keras.ops.shape(x)[0]
        if noise is None:
            noise = {
                name: _replica_rows(shape, batch_size, seed_generator)
                for name, shape in self.noise_shapes().items()
            }
        else:
            noise = {k: keras.ops.cast(v, "float32") for k, v in noise.items()}
        return x, noise, batch_size

    def own_state(self, phase):
        """Non-trainable variables (BatchNorm statistics) a phase moves."""
        return [
            v
            for net_name in phase.networks
            for v in getattr(self, net_name).non_trainable_variables
        ]

    def frozen_state(self, phase):
        """Non-trainable variables a phase must leave untouched.

        These are the non-trainable variables (BatchNorm statistics) of
        the networks the phase does not train: a phase may run them in
        training mode (batch statistics), but their moving statistics only
        move in the phase that trains them.
        """
        return self._frozen_state[phase.name]

    def _phase_loss(self, phase, x, noise, training):
        total, terms = phase.loss(x, noise, training=training)
        if set(terms) != set(phase.terms):
            raise ValueError(
                f"Phase {phase.name!r} declared terms {sorted(phase.terms)} "
                f"but its loss returned {sorted(terms)}."
            )
        logs = dict(terms)
        logs[phase.total_name] = total
        return total, logs

    def _after_phases(self, logs, skips):
        """What a train step does after its phases, on every backend.

        Moves the EMA copies one step (when the model keeps them) and
        logs the number of skipped phase updates (when the non-finite
        policy skips).
        """
        if self.moving_average is not None:
            self.moving_average.update()
        self.nonfinite_policy.log_skips(logs, skips)

    def _run_phases(self):
        return [p for p in self.phases if p.name not in self._disabled_phases]

    # The log (and tracker) counting skipped updates; the backends read
    # it here (they do not import the trainers).
    skips_log_key = SKIPS_KEY

    def _update_trackers(self, logs, batch_size):
        for tracker in self._loss_trackers:
            if tracker.name not in logs:
                # A disabled phase's terms; the skip count in `evaluate()`.
                continue
            if tracker.name == SKIPS_KEY:
                tracker.update_state(logs[SKIPS_KEY])
            else:
                tracker.update_state(
                    logs[tracker.name], sample_weight=batch_size
                )
        return {t.name: t.result() for t in self._loss_trackers}

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
        self._given_loss_weights = dict(loss_weights or {})
        weights = self._resolve_loss_weights()
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
        self._loss_trackers += self.nonfinite_policy.trackers()
        for tracker in self._loss_trackers:
            # Losses and skip counts: lower is better. Keras metrics say
            # so with `_direction` (accuracy: "up"); see `_direct_monitors`.
            tracker._direction = "down"
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

    def _resolve_loss_weights(self):
        """Sets `loss_weights`: the defaults updated with the given ones.

        The defaults may depend on the data kind (`default_loss_weights`
        reads `data_kind`), so `build_for` resolves them again once the
        data is known; weights given to `compile()` always win.
        """
        weights = dict(self.default_loss_weights())
        for key, value in self._given_loss_weights.items():
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
        if self._aegan_compile_config is not None:
            self._aegan_compile_config["loss_weights"] = dict(weights)
        return weights

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

    def _require_built(self, what):
        if self._phase_variables is None:
            raise ValueError(
                f"{type(self).__name__} is not built yet: call fit() before "
                f"{what}() so the data shape is known."
            )

    # ------------------------------------------------------------- saving
    # A local `.keras` or single `.weights.h5` file is written to a
    # temporary file next to it, flushed to disk and renamed over the
    # target (`keras_aegan.utils.atomic.atomic_path`): a process killed
    # while saving leaves the previous file intact and loadable. Remote
    # paths, sharded weights and `overwrite=False` go to Keras unchanged.
    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves the model as a `.keras` file, atomically; see
        `keras.Model.save`.

        Args:
            filepath: Path ending in `.keras`.
            overwrite: Whether to replace an existing file.
            zipped: As in `keras.Model.save`.
            **kwargs: Passed to `keras.Model.save`.
        """
        path = os.fspath(filepath)
        if _atomic(path, ".keras", overwrite) and zipped is not False:
            with atomic_path(path, suffix=".keras") as tmp:
                return super().save(tmp, zipped=zipped, **kwargs)
        return super().save(
            filepath, overwrite=overwrite, zipped=zipped, **kwargs
        )

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Saves all weights to a `.weights.h5` file, atomically; see
        `keras.Model.save_weights`.

        Args:
            filepath: Path ending in `.weights.h5`.
            overwrite: Whether to replace an existing file.
            max_shard_size: As in `keras.Model.save_weights` (sharded
                files are written by Keras, not atomically).
        """
        path = os.fspath(filepath)
        if _atomic(path, ".weights.h5", overwrite) and max_shard_size is None:
            with atomic_path(path, suffix=".weights.h5") as tmp:
                return super().save_weights(tmp)
        return super().save_weights(
            filepath, overwrite=overwrite, max_shard_size=max_shard_size
        )

    # --------------------------------------------------------- serialization
    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "latent_dim": self.latent_dim,
                "seed": self.seed,
                "noise": self.noise,
                "on_nonfinite": self.on_nonfinite,
                "ema_decay": self.ema_decay,
                "ema_warmup": self.ema_warmup,
                "data_shape": self.data_shape,
            }
        )
        config.update(
            {name: getattr(self, name) for name in self.hyperparameters}
        )
        # Set by `init_networks` and the objective: every model that has
        # them takes them as constructor arguments.
        if hasattr(self, "width"):
            config["width"] = self.width
        if self.objective is not None:
            config.update(self.objective.model_config())
        if self.data_scaler is not None:
            config["data_scaler"] = keras.saving.serialize_keras_object(
                self.data_scaler
            )
            for name in self.network_names:
                config[name] = keras.saving.serialize_keras_object(
                    getattr(self, name)
                )
        return config

    @classmethod
    def from_config(cls, config):
        # Keras's deserializers pop from the nested network configs: work
        # on a copy so the caller's config stays as it was.
        config = copy.deepcopy(config)
        scaler = config.pop("data_scaler", None)
        data_shape = config.pop("data_shape", None)
        nets = {
            name: config.pop(name)
            for name in cls.network_names
            if config.get(name) is not None
        }
        model = cls(**config)
        # Networks are set as attributes, so subclasses need not take them
        # as constructor arguments.
        with _dtype_policy(model.dtype_policy):
            for name, net in nets.items():
                net = keras.saving.deserialize_keras_object(net)
                setattr(model, name, net)
        if scaler is not None:
            model.data_scaler = keras.saving.deserialize_keras_object(scaler)
            model.build_for(data_shape)
        return model


@contextlib.contextmanager
def _dtype_policy(policy):
    """Networks made inside take the model's dtype policy.

    Mixed precision is a property of the model (`dtype=` or the global
    policy when it was made); its networks are built later, on the first
    `fit()` or when a saved model is loaded, when the global policy may
    differ.
    """
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def _replica_rows(shape, batch_size, seed_generator):
    """This replica's rows of one normal draw for the global batch.

    With one replica (JAX under `keras.distribution`, which sees the
    global batch, or no distribution at all) that is the draw itself.
    Replicas of a `tf.distribute` strategy or `torch.distributed`
    processes share the seed state, so each draws the whole global batch
    and keeps its own slice: the noise, and so the training, is the same
    as on one device with the global batch.
    """
    index, count = replica_position()
    shape = tuple(shape)
    if count == 1:
        return keras.random.normal((batch_size,) + shape, seed=seed_generator)
    full = keras.random.normal((count, batch_size) + shape, seed=seed_generator)
    return keras.ops.take(full, index, axis=0)


def _atomic(path, suffix, overwrite):
    if "://" in path or not path.endswith(suffix):
        return False
    return overwrite or not os.path.exists(path)
