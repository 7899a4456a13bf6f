"""Exponential moving averages of networks, kept inside the train step."""

import numbers

import keras

from keras_aegan.utils.validation import check_int

#: The EMA decay `ema_decay="auto"` resolves to, per data kind, when the
#: networks are built: the values the quality sweeps measured best
#: (benchmarks/quality/README.md): 0.99 on the digits' 1,380 steps,
#: 0.999 on the ring and grid's 20,000 steps. Sequences were not swept
#: and take the image value.
AUTO_EMA_DECAY = {"image": 0.99, "sequence": 0.99, "vector": 0.999}


def check_ema_arguments(decay, warmup):
    """Checks `ema_decay` and `ema_warmup`; returns them as float and int.

    `decay` may also be `"auto"` (kept as is; see `AUTO_EMA_DECAY`).
    """
    if isinstance(decay, str) and decay == "auto":
        return decay, check_int("ema_warmup", warmup, 0)
    if decay is not None:
        if (
            isinstance(decay, bool)
            or not isinstance(decay, numbers.Real)
            or not 0.0 <= decay < 1.0
        ):
            raise ValueError(
                '`ema_decay` must be None (no EMA), "auto" or a number in '
                "[0, 1). "
                f"Received: ema_decay={decay!r}"
            )
        decay = float(decay)
    return decay, check_int("ema_warmup", warmup, 0)


def clone_network(network, name):
    """A structural copy of `network` with its own (unshared) variables."""
    try:
        clone = keras.models.clone_model(network)
    except Exception as error:  # custom classes without a usable config
        raise ValueError(
            f"ema_decay is set, so network {network.name!r} needs an EMA "
            "copy, but keras.models.clone_model could not copy it "
            f"({type(error).__name__}: {error}). Give its class a "
            "get_config()/from_config() pair, or build the model with "
            "ema_decay=None."
        ) from error
    if not clone.built:
        clone.build(network.input_shape)
    clone.name = name
    clone.trainable = False
    return clone


class ExponentialMovingAverage:
    """EMA copies of a model's networks, updated inside the train step.

    `AdversarialTrainer` holds one as `model.moving_average` when it is
    built with `ema_decay` set. `build(model, names)` creates, for each
    name, a non-trainable copy `ema_<name>` of that network as a model
    attribute (same architecture, own variables, starting from the
    network's current values) and the update counter `ema_updates` (a
    model variable). After the phases of every train step, inside the
    compiled step on every backend, `update()` moves each copy's
    variables towards the network's:

        ema = d_t * ema + (1 - d_t) * value,
        d_t = decay * min(1, t / warmup)   (d_t = decay when warmup is 0)

    where `t` is the number of updates made before. During warm-up the
    average therefore starts as a copy (`d_0 = 0`) and its horizon grows,
    so the first, poor weights are forgotten quickly.

    BatchNorm: the moving mean and variance of the copy are averaged
    with the same `d_t` as its weights (non-float variables, if any, are
    copied). The copy's statistics are thus the average of the live
    statistics over the window its weights average over; they are not
    re-estimated for the averaged weights. (Copying the live statistics
    instead, as some libraries do, pairs averaged weights with the
    statistics of the latest weights only.)

    The copies and the counter are model variables: they are saved with
    the model and in `BackupAndRestore` checkpoints, restored by a
    resume, and rolled back by `NonFiniteRollback`. They are not trained
    and not seen by any optimizer.

    Args:
        decay: The decay, a number in [0, 1).
        warmup: Steps over which the decay ramps up from 0 (0: none).

    Example:

    ```python
    average = ExponentialMovingAverage(0.999, warmup=100)
    average.build(model, ("generator",))  # creates model.ema_generator
    average.update()  # in the train step, after the phases
    ```
    """

    def __init__(self, decay, warmup=0):
        decay, warmup = check_ema_arguments(decay, warmup)
        if decay is None or decay == "auto":
            raise ValueError(
                "ExponentialMovingAverage needs a decay in [0, 1). "
                "Received: decay=None"
            )
        self.decay = decay
        self.warmup = warmup
        self.pairs = None
        self.updates = None

    @property
    def built(self):
        """Whether `build()` has made the copies and the counter."""
        return self.pairs is not None

    def build(self, model, names):
        """Creates the copies `ema_<name>` and the counter (once).

        Copies already set on the model (a loaded model's) are kept and
        take the network's current values.

        Args:
            model: The model owning the networks.
            names: Names of the networks (model attributes) to average.
        """
        if self.built:
            return
        pairs = []
        for name in names:
            network = getattr(model, name)
            attr = f"ema_{name}"
            copy = getattr(model, attr, None)
            if copy is None:
                copy = clone_network(network, attr)
                setattr(model, attr, copy)
            live_vars, ema_vars = network.variables, copy.variables
            if [tuple(v.shape) for v in live_vars] != [
                tuple(v.shape) for v in ema_vars
            ]:
                raise ValueError(
                    f"The EMA copy of {name!r} does not match it: "
                    f"{len(ema_vars)} variables vs {len(live_vars)}."
                )
            for live, ema in zip(live_vars, ema_vars):
                # A copy through NumPy: on JAX an assigned variable may
                # share its buffer, which the compiled step then donates
                # twice.
                ema.assign(keras.ops.convert_to_numpy(live))
                pairs.append((live, ema))
        if getattr(model, "ema_updates", None) is None:
            model.ema_updates = model.add_weight(
                shape=(),
                initializer="zeros",
                dtype="int32",
                trainable=False,
                name="ema_updates",
            )
        self.updates = model.ema_updates
        self.pairs = pairs

    def rate(self):
        """`d_t` of the next update, a float32 scalar tensor."""
        decay = keras.ops.convert_to_tensor(self.decay, "float32")
        if not self.warmup:
            return decay
        t = keras.ops.cast(self.updates, "float32")
        return decay * keras.ops.minimum(1.0, t / float(self.warmup))

    def update(self):
        """Moves every copy one step towards its network."""
        d = self.rate()
        rates = {}  # d in each variable dtype, cast once per step
        for live, ema in self.pairs:
            dtype = ema.dtype
            if "float" not in str(dtype):
                ema.assign(live.value)
                continue
            if dtype not in rates:
                rates[dtype] = keras.ops.cast(d, dtype)
            d_v = rates[dtype]
            value = keras.ops.cast(live.value, dtype)
            # d * ema + (1 - d) * value is exactly `value` when d = 0.
            ema.assign(d_v * ema.value + (1.0 - d_v) * value)
        self.updates.assign_add(keras.ops.ones((), "int32"))
