"""Exponential moving averages of networks, kept inside the train step."""

import numbers

import keras

from keras_aegan.utils.validation import check_int


def check_ema_arguments(decay, warmup):
    """Checks `ema_decay` and `ema_warmup`; returns them as float and int."""
    if decay is not None:
        if (
            isinstance(decay, bool)
            or not isinstance(decay, numbers.Real)
            or not 0.0 <= decay < 1.0
        ):
            raise ValueError(
                "`ema_decay` must be None (no EMA) or a number in [0, 1). "
                f"Received: ema_decay={decay!r}"
            )
        decay = float(decay)
    return decay, check_int("ema_warmup", warmup, 0)


def _clone(network, name):
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


class EMASupport:
    """Mixed into `AdversarialTrainer`: EMA copies of chosen networks.

    When the model has `ema_decay` set, `build_for()` creates, for each
    name in the class attribute `ema_network_names`, a non-trainable
    copy `ema_<name>` of that network (same architecture, own variables,
    starting from the network's current values). After the phases of
    every train step, inside the compiled step on every backend, each
    copy's variables move towards the network's:

        ema = d_t * ema + (1 - d_t) * value,
        d_t = ema_decay * min(1, t / ema_warmup)   (d_t = ema_decay when
                                                   ema_warmup is 0)

    where `t` is the number of EMA updates made before (`ema_updates`,
    a model variable). During warm-up the average therefore starts as a
    copy (`d_0 = 0`) and its horizon grows, so the first, poor weights
    are forgotten quickly.

    BatchNorm: the moving mean and variance of the copy are averaged
    with the same `d_t` as its weights (non-float variables, if any, are
    copied). The copy's statistics are thus the average of the live
    statistics over the window its weights average over; they are not
    re-estimated for the averaged weights. (Copying the live statistics
    instead, as some libraries do, pairs averaged weights with the
    statistics of the latest weights only.)

    The copies and `ema_updates` are model variables: they are saved
    with the model and in `BackupAndRestore` checkpoints, restored by a
    resume, and rolled back by `NonFiniteRollback`. They are not
    trained and not seen by any optimizer.
    """

    #: Names of the networks that get an EMA copy when EMA is on.
    ema_network_names = ()

    @property
    def has_ema(self):
        """Whether the model keeps EMA copies (`ema_decay` is not None)."""
        return self.ema_decay is not None

    def _build_ema(self):
        if not self.has_ema or self._ema_pairs is not None:
            return
        pairs = []
        for name in self.ema_network_names:
            network = getattr(self, name)
            attr = f"ema_{name}"
            copy = getattr(self, attr, None)
            if copy is None:
                copy = _clone(network, attr)
                setattr(self, attr, copy)
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
        if self.ema_updates is None:
            self.ema_updates = self.add_weight(
                shape=(),
                initializer="zeros",
                dtype="int32",
                trainable=False,
                name="ema_updates",
            )
        object.__setattr__(self, "_ema_pairs", pairs)

    def _ema_rate(self):
        """`d_t` of the next update, a float32 scalar tensor."""
        decay = keras.ops.convert_to_tensor(self.ema_decay, "float32")
        if not self.ema_warmup:
            return decay
        t = keras.ops.cast(self.ema_updates, "float32")
        return decay * keras.ops.minimum(1.0, t / float(self.ema_warmup))

    def _update_ema(self):
        """Moves every EMA copy one step towards its network."""
        if not self.has_ema:
            return
        d = self._ema_rate()
        rates = {}  # d in each variable dtype, cast once per step
        for live, ema in self._ema_pairs:
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
        self.ema_updates.assign_add(keras.ops.ones((), "int32"))

    def network_for(self, name, ema):
        """The network `name`, or its EMA copy when `ema` is True."""
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
