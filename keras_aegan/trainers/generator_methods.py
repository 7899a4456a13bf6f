"""Sampling methods of every model: call, generate and decode."""

import keras
import numpy as np

from keras_aegan.sampling import latent_sampler
from keras_aegan.trainers import data_checks
from keras_aegan.trainers.refined_sampling import check_percentile
from keras_aegan.trainers.refined_sampling import check_refine
from keras_aegan.trainers.refined_sampling import rejection_sample
from keras_aegan.utils.inference import predict_batches
from keras_aegan.utils.validation import check_positive_int


class GeneratorMethods:
    """Mixed into `AdversarialTrainer`: latent codes to samples.

    Gives `call`, `generate` (prior or `LatentMixture` codes, optionally
    refined by discriminator rejection sampling) and `decode` (NumPy in,
    NumPy out, in the data's units). It relies on the trainer's
    `generator`, `data_scaler`, `latent_dim`, `network_for`,
    `training_position` and input checks.

    Example:

    ```python
    model = keras_aegan.AEGAN()
    model.fit(x, epochs=5)
    images = model.generate(16, seed=0)
    codes = np.random.default_rng(0).normal(size=(16, model.latent_dim))
    decoded = model.decode(codes)
    ```
    """

    def call(self, z, training=False):
        """Maps latent codes to samples in the user's units (float)."""
        return self.data_scaler.inverse(self.generator(z, training=training))

    def generate(
        self,
        n,
        seed=None,
        batch_size=256,
        ema=None,
        refine=None,
        latent=None,
        refine_percentile=None,
    ):
        """Generates `n` samples in the data's range and dtype.

        Args:
            n: Number of samples.
            seed: Seed of the latent batch (NumPy, so the same seed gives
                the same codes on every backend). `None` continues the
                model's own stream.
            batch_size: Batch size of the generator calls.
            ema: `None` (default): the generator's moving average when
                the model keeps one (`ema_decay`, on by default), else its
                trained weights. True: the moving average (an error
                without one). False: the trained weights.
            refine: `None` (default): one generator call per sample.
                `"rejection"`: discriminator rejection sampling (Azadi et
                al. 2019): candidates are accepted with a probability
                that grows with the data discriminator's logit (see
                `keras_aegan.trainers.refined_sampling`); always returns
                exactly `n` samples. Needs a model whose discriminator
                scores a sample alone (`refine_network`).
            latent: `None` (default): codes from the prior `N(0, I)`.
                A fitted `keras_aegan.LatentMixture` (or any object with
                `sample(n, seed)` returning `(n, latent_dim)` codes):
                codes drawn from it, e.g. a mixture fitted to the
                encoded training data.
            refine_percentile: With `refine="rejection"`: the percentile
                of the candidates' scores at which acceptance is one
                half (default 50; Azadi et al. use 95). Higher rejects
                more: sharper samples, fewer of the rarer modes.

        Returns:
            NumPy array of shape `(n, *data_shape)`.
        """
        self._require_built("generate")
        refine = check_refine(refine)
        percentile = check_percentile(refine_percentile, refine)
        n = check_positive_int("n", n)
        draw = latent_sampler(latent, self.latent_dim, type(self).__name__)
        rng = (
            self.training_position.generate_rng
            if seed is None
            else np.random.default_rng(seed)
        )
        if refine is None:
            return self.decode(draw(n, rng), batch_size, ema=ema)
        critic = self._refinement_critic(refine)

        def propose(k):
            return self.decode(draw(k, rng), batch_size, ema=ema)

        def score(samples):
            x = self._to_network_units(samples)
            return np.asarray(predict_batches(critic, x, batch_size)).reshape(
                -1
            )

        return rejection_sample(
            n, propose, score, rng, batch_size, gamma_percentile=percentile
        )

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

    def decode(self, z, batch_size=256, ema=None):
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
        y = predict_batches(generator, z, batch_size)
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
