"""The data side of the trainer: fit/evaluate inputs and the NumPy API."""

import warnings

import keras
import numpy as np

from keras_aegan.backend import prepare_replicas
from keras_aegan.trainers import data_checks
from keras_aegan.trainers.host_noise import HostNoiseBatches
from keras_aegan.trainers.nonfinite import NonFiniteGuard
from keras_aegan.trainers.nonfinite import NonFiniteRollback
from keras_aegan.trainers.refined_sampling import check_refine
from keras_aegan.trainers.refined_sampling import rejection_sample
from keras_aegan.utils.validation import check_positive_int

# Batches read from a non-array dataset to infer shape, range and statistics.
ADAPT_BATCHES = 32


class DataInterface:
    """Validates and adapts data for `fit()`; host-side sampling methods.

    Mixed into `AdversarialTrainer` before `keras.Model`, so `fit()` and
    `evaluate()` check the data, build the model on first use and then
    call Keras's own. The NumPy methods (`generate`, `decode`) run the
    networks' `predict()` and map results back to the user's units.
    """

    # -------------------------------------------------------------- fitting
    def _prepare_fit_data(self, x):
        """Validates `x`, builds the model on first use, returns fit data."""
        if x is None:
            raise ValueError("fit() needs training data. Received: x=None")
        data = x
        if isinstance(x, dict) or _is_array(x):
            arrays, noise = data_checks.split_batch(x)
            arrays = data_checks.to_numpy(arrays)
            spec = data_checks.inspect_array(arrays)
            data = arrays if noise is None else {"x": arrays, "noise": noise}
        else:
            batches, data = data_checks.peek_batches(x, ADAPT_BATCHES)
            spec = data_checks.inspect_batches(batches)
        if self.data_scaler is None:
            self.build_for(spec.sample_shape, spec)
        elif spec.sample_shape != self.data_shape:
            raise ValueError(
                f"This model was built for samples of shape {self.data_shape}"
                f". Received data with sample shape {spec.sample_shape}."
            )
        if isinstance(data, dict):
            self._check_noise(data["noise"], len(data["x"]))
        if self.reference_batch is None:
            self.reference_batch = spec.reference
        if not self.compiled:
            self.compile()
        return data

    def _check_noise(self, noise, n):
        shapes = self.noise_shapes()
        if not isinstance(noise, dict) or set(noise) != set(shapes):
            raise ValueError(
                f"Explicit noise must be a dict with keys {sorted(shapes)}. "
                f"Received: {data_checks.describe(noise)}"
            )
        for key, shape in shapes.items():
            value = np.asarray(noise[key])
            # Explicit noise is used as given: non-finite codes (a way to
            # probe the model) reach the losses and `on_nonfinite`.
            data_checks.check_numeric(value, f"noise {key!r}", finite=False)
            if value.shape != (n,) + tuple(shape):
                raise ValueError(
                    f"Noise {key!r} must have shape {(n,) + tuple(shape)}. "
                    f"Received: shape={value.shape}"
                )

    def fit(self, x=None, y=None, batch_size=None, epochs=1, **kwargs):
        """Trains the model; see `keras.Model.fit`.

        Args:
            x: Training data: a NumPy array (images `(N, H, W, C)` or
                vectors `(N, features)`), a dict `{"x": x, "noise": noise}`
                with explicit per-sample noise, a `tf.data.Dataset`, a
                `keras.utils.PyDataset`, a torch `DataLoader` or a Python
                generator yielding such batches. Labels in `(x, y)`
                batches are ignored.
            y: Not used: adversarial training has no targets. Passing it
                raises a `ValueError`.
            batch_size: Batch size for array data.
            epochs: Number of epochs.
            **kwargs: Other `keras.Model.fit` arguments (callbacks,
                validation_data, shuffle, verbose, ...).

        Returns:
            A `keras.callbacks.History` with every loss term and each
            phase's total.
        """
        if y is not None:
            raise ValueError(
                f"{type(self).__name__} is trained without targets; pass "
                f"only x. Received: y={data_checks.describe(y)}"
            )
        if batch_size is not None:
            check_positive_int("batch_size", batch_size)
        data = self._prepare_fit_data(x)
        data, batch_size = prepare_replicas(self, data, batch_size)
        callbacks = list(kwargs.pop("callbacks", None) or [])
        backup = _find_backup(callbacks)
        resume = backup.restore(self) if backup is not None else None
        epoch, start = _resume_position(resume, kwargs.pop("initial_epoch", 0))
        self._fit_batches = None
        if self.noise == "host" and not isinstance(data, dict):
            data = self._host_batches(data, x, batch_size, kwargs, resume)
            if resume is not None and resume["host_rng"] is not None:
                if resume["epoch_done"]:
                    data.next_epoch()
                else:
                    data.start = start
            batch_size = None
        if start and not (self._fit_batches and self._fit_batches.start):
            warnings.warn(
                "Resuming from a checkpoint taken inside epoch "
                f"{epoch + 1} (after batch {start}). The position in this "
                "data cannot be rebuilt (only array data with noise='host' "
                "can), so the epoch restarts from its first batch with the "
                "saved weights.",
                stacklevel=2,
            )
        guards = self._nonfinite_callbacks(callbacks)
        validation = kwargs.get("validation_data")
        if validation is not None and _is_array(validation):
            kwargs["validation_data"] = self._check_eval_arrays(validation)
        kwargs.update(batch_size=batch_size, callbacks=guards + callbacks)
        if self._fit_batches is None or not self._fit_batches.start:
            return super().fit(
                data, epochs=epochs, initial_epoch=epoch, **kwargs
            )
        # Resuming inside an epoch: Keras runs whole epochs only, so the
        # rest of this one is a fit() of its own, then the others follow.
        backup._partial_epoch = True
        try:
            first = super().fit(
                data, epochs=epoch + 1, initial_epoch=epoch, **kwargs
            )
        finally:
            backup._partial_epoch = False
        if epoch + 1 >= epochs or self.stop_training:
            return first
        history = super().fit(
            data, epochs=epochs, initial_epoch=epoch + 1, **kwargs
        )
        history.epoch = first.epoch + history.epoch
        for key, values in first.history.items():
            history.history[key] = values + history.history.get(key, [])
        return history

    def _host_batches(self, data, x, batch_size, kwargs, resume):
        """The seeded `HostNoiseBatches` of `noise="host"` array data."""
        if not isinstance(data, np.ndarray):
            raise ValueError(
                "noise='host' draws the data order and the noise with "
                "NumPy and needs array data; pass a NumPy array, or "
                "feed noise explicitly as {'x': ..., 'noise': ...}. "
                f"Received: {data_checks.describe(x)}"
            )
        if resume is not None and resume["host_rng"] is not None:
            self._host_rng.bit_generator.state = resume["host_rng"]
        batches = HostNoiseBatches(
            data,
            batch_size or 32,
            kwargs.pop("shuffle", True),
            self._host_rng,
            self.noise_shapes(),
        )
        if resume is not None and resume["batches_per_epoch"] not in (
            None,
            batches.batches_per_epoch,
        ):
            raise ValueError(
                "The checkpoint was taken with "
                f"{resume['batches_per_epoch']} batches per epoch; this "
                f"fit() has {batches.batches_per_epoch}. Resume with the "
                "same data and batch_size, or use a new backup_dir."
            )
        # The dataset already ordered the samples; Keras must not reorder
        # its batches with its own (per-backend) generator.
        kwargs["shuffle"] = False
        self._fit_batches = batches
        return batches

    def _nonfinite_callbacks(self, callbacks):
        """Callbacks enforcing `on_nonfinite`; they run before the user's
        (a checkpoint must never see an unchecked batch)."""
        if self.on_nonfinite == "raise":
            return [NonFiniteGuard(self.phases)]
        if self.on_nonfinite == "rollback" and not any(
            isinstance(c, NonFiniteRollback) for c in callbacks
        ):
            return [NonFiniteRollback()]
        return []

    def evaluate(self, x=None, y=None, batch_size=None, **kwargs):
        """Reports every loss term on `x` without updating any weights.

        Noise comes from a separate evaluation seed generator, so running
        `evaluate()` does not change the training noise stream.

        Args:
            x: Data as for `fit()`.
            y: Not used; must be None.
            batch_size: Batch size for array data.
            **kwargs: Other `keras.Model.evaluate` arguments.

        Returns:
            Scalar or list, or a dict with `return_dict=True`.
        """
        if y is not None:
            raise ValueError(
                f"{type(self).__name__} is evaluated without targets. "
                f"Received: y={data_checks.describe(y)}"
            )
        self._require_built("evaluate")
        if _is_array(x):
            x = self._check_eval_arrays(x)
        return super().evaluate(x, batch_size=batch_size, **kwargs)

    def _check_eval_arrays(self, x):
        x = data_checks.to_numpy(x)
        data_checks.check_numeric(x)
        if tuple(x.shape[1:]) != self.data_shape:
            raise ValueError(
                f"This model was built for samples of shape {self.data_shape}"
                f". Received data with shape {tuple(x.shape)}."
            )
        return x

    def _require_built(self, what):
        if self._phase_variables is None:
            raise ValueError(
                f"{type(self).__name__} is not built yet: call fit() before "
                f"{what}() so the data shape is known."
            )

    # --------------------------------------------------------- user methods
    def call(self, z, training=False):
        """Maps latent codes to samples in the user's units (float)."""
        return self.data_scaler.inverse(self.generator(z, training=training))

    def _latent_batch(self, n, seed):
        n = check_positive_int("n", n)
        rng = (
            self._generate_rng if seed is None else np.random.default_rng(seed)
        )
        return rng.standard_normal((n, self.latent_dim)).astype("float32")

    def generate(self, n, seed=None, batch_size=256, ema=False, refine=None):
        """Generates `n` samples in the data's range and dtype.

        Args:
            n: Number of samples.
            seed: Seed of the latent batch (NumPy, so the same seed gives
                the same codes on every backend). `None` continues the
                model's own stream.
            batch_size: Batch size of the generator calls.
            ema: Use the moving average of the generator (needs a model
                built with `ema_decay`) instead of its trained weights.
            refine: `None` (default): one generator call per sample.
                `"rejection"`: discriminator rejection sampling (Azadi et
                al. 2019): candidates are accepted with a probability
                that grows with the data discriminator's logit (see
                `keras_aegan.trainers.refined_sampling`); always returns
                exactly `n` samples. Needs a model whose discriminator
                scores a sample alone (`refine_network`).

        Returns:
            NumPy array of shape `(n, *data_shape)`.
        """
        self._require_built("generate")
        if check_refine(refine) is None:
            return self.decode(self._latent_batch(n, seed), batch_size, ema=ema)
        n = check_positive_int("n", n)
        critic = self._refinement_critic(refine)
        rng = (
            self._generate_rng if seed is None else np.random.default_rng(seed)
        )

        def propose(k):
            z = rng.standard_normal((k, self.latent_dim)).astype("float32")
            return self.decode(z, batch_size, ema=ema)

        def score(samples):
            x = self._to_network_units(samples)
            return np.asarray(
                critic.predict(x, batch_size=batch_size, verbose=0)
            ).reshape(-1)

        return rejection_sample(n, propose, score, rng, batch_size)

    def _refinement_critic(self, refine):
        name = getattr(self, "refine_network", None)
        if name is None:
            raise ValueError(
                f"{type(self).__name__} has no discriminator that scores a "
                "sample alone, which refined sampling needs (AEGAN, "
                "AlphaGAN and DCGAN have one). Received: "
                f"refine={refine!r}"
            )
        return getattr(self, name)

    def decode(self, z, batch_size=256, ema=False):
        """Maps latent codes `(n, latent_dim)` to samples (NumPy).

        Args:
            z: Latent codes, shape `(n, latent_dim)`.
            batch_size: Batch size of the generator calls.
            ema: Use the generator's moving average (see `generate`).

        Returns:
            NumPy array of shape `(n, *data_shape)` in the data's units.
        """
        self._require_built("decode")
        generator = self.network_for("generator", ema)
        z = self._check_latent(z)
        y = generator.predict(z, batch_size=batch_size, verbose=0)
        return self.data_scaler.to_user_numpy(y)

    def _check_latent(self, z):
        z = data_checks.to_numpy(z)
        data_checks.check_numeric(z, "latent batch")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"Latent codes must have shape (n, {self.latent_dim}). "
                f"Received: shape={z.shape}"
            )
        return z.astype("float32")

    def _to_network_units(self, x):
        x = self._check_eval_arrays(x)
        offset = keras.ops.convert_to_numpy(self.data_scaler.offset)
        scale = keras.ops.convert_to_numpy(self.data_scaler.scale)
        return ((x.astype("float32") - offset) / scale).astype("float32")


def _is_array(x):
    return isinstance(x, (np.ndarray, list)) or (
        hasattr(x, "shape")
        and hasattr(x, "dtype")
        and hasattr(x, "__len__")
        and not hasattr(x, "as_numpy_iterator")
    )


def _find_backup(callbacks):
    from keras_aegan.callbacks.backup import BackupAndRestore

    found = [c for c in callbacks if isinstance(c, BackupAndRestore)]
    if len(found) > 1:
        raise ValueError(
            "fit() takes at most one keras_aegan BackupAndRestore callback. "
            f"Received {len(found)}."
        )
    return found[0] if found else None


def _resume_position(resume, initial_epoch):
    """(first epoch, batches of it already done) for this fit()."""
    if resume is None:
        return initial_epoch, 0
    if resume["epoch_done"]:
        return resume["epoch"] + 1, 0
    return resume["epoch"], resume["batch"]
