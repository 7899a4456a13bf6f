"""AdversarialTrainer: a keras.Model whose train step is a list of phases."""

import contextlib
import copy

import keras
import numpy as np

from keras_aegan import networks
from keras_aegan.backend import PhaseStep
from keras_aegan.backend import build_scope
from keras_aegan.layers.data_scaler import DataScaler
from keras_aegan.layers.noise_seeds import NoiseSeeds
from keras_aegan.networks.autoencoder import check_networks_given
from keras_aegan.trainers import data_checks
from keras_aegan.trainers.atomic_saving import AtomicSaving
from keras_aegan.trainers.data_interface import DataInterface
from keras_aegan.trainers.ema import EMASupport
from keras_aegan.trainers.ema import check_ema_arguments
from keras_aegan.trainers.phase_compile import PhaseCompile
from keras_aegan.trainers.step_helpers import StepHelpers
from keras_aegan.utils.validation import check_positive_int

NOISE_SOURCES = ("device", "host")
NONFINITE_MODES = ("raise", "skip", "rollback")


class AdversarialTrainer(
    PhaseStep,
    StepHelpers,
    EMASupport,
    PhaseCompile,
    DataInterface,
    AtomicSaving,
    keras.Model,
):
    """Base class of the models: a `fit()` whose step is a list of phases.

    A subclass says which networks exist (`network_names`), how to build
    default ones for a data shape (`build_networks`), which phases a step
    runs (`build_phases`) and the default optimizer of each phase
    (`default_optimizers`). Loss functions are written once in `keras.ops`;
    the backend-specific `PhaseStep` base takes gradients of each phase's
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
        ema_decay: `None` (default) keeps no moving average. A number in
            [0, 1) keeps an exponential moving average (EMA) of the
            networks named in `ema_network_names` (for `AEGAN`: the
            generator and the encoder), updated after every train step
            and saved with the model; the user methods take `ema=True`
            to use it. Typical values: 0.99 to 0.9999 (an averaging
            horizon of about `1 / (1 - ema_decay)` steps).
        ema_warmup: Number of steps over which the decay ramps up
            linearly from 0 (a plain copy) to `ema_decay`; 0 uses
            `ema_decay` from the first step. See `EMASupport`.
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
    #: A subclass's own hyperparameters (constructor arguments besides
    #: networks and widths): name -> `check(name, value)`, which returns
    #: the value to store or raises. Set by `set_hyperparameters()` and
    #: saved by `get_config()`.
    hyperparameters = {}

    def __init__(
        self,
        latent_dim,
        seed=None,
        noise="device",
        on_nonfinite="raise",
        ema_decay=None,
        ema_warmup=0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.ema_decay, self.ema_warmup = check_ema_arguments(
            ema_decay, ema_warmup
        )
        self.ema_updates = None
        if on_nonfinite not in NONFINITE_MODES:
            raise ValueError(
                f"`on_nonfinite` must be one of {NONFINITE_MODES}. Received: "
                f"on_nonfinite={on_nonfinite!r}"
            )
        self.on_nonfinite = on_nonfinite
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
        self._generate_rng = np.random.default_rng(seed)
        self._host_rng = np.random.default_rng(seed)
        self._fit_batches = None  # the HostNoiseBatches fit() is reading
        self._loss_trackers = []
        self._aegan_compile_config = None
        self._disabled_phases = ()
        object.__setattr__(self, "_phase_cache", None)
        object.__setattr__(self, "_phase_variables", None)
        object.__setattr__(self, "_frozen_state", None)
        object.__setattr__(self, "_ema_pairs", None)

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
            `keras_aegan.networks.default_network(role, data_shape,
            self.latent_dim, self.width, name=name)`.
        """
        width = getattr(self, "width", None)
        return networks.default_network(
            role, data_shape, self.latent_dim, width, name=name
        )

    def noise_shapes(self):
        """Dict mapping each noise name to the shape of one sample of it.

        By default each phase draws its own standard normal latent batch.
        """
        return {phase.name: (self.latent_dim,) for phase in self.phases}

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
        self._build_ema()
        self.built = True
        if self.compiled:
            self._build_optimizers()

    def build(self, input_shape=None):
        # Networks are built from the data shape by `build_for()`; the
        # model's own input (a latent batch) needs nothing else.
        if self.data_shape is not None and self._phase_variables is None:
            self.build_for(self.data_shape)
        self.built = True

    def get_build_config(self):
        return None

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
