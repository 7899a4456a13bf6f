"""AnoGAN's iterative latent search: the slow reference anomaly score."""

import keras
import numpy as np
from keras import ops

from keras_aegan.backend import input_gradients
from keras_aegan.utils.validation import check_int
from keras_aegan.utils.validation import check_positive
from keras_aegan.utils.validation import check_positive_int


class _Residual:
    """`z -> mean((G(z) - x)^2)` per sample, for `input_gradients`.

    Samples do not interact (the generator runs in inference mode), so
    the gradient of the batch sum with respect to `z` is each sample's
    own gradient.
    """

    def __init__(self, generator, target):
        self.generator = generator
        self.target = ops.convert_to_tensor(target, "float32")

    @property
    def non_trainable_variables(self):
        # The backends save and restore this state around the call.
        return self.generator.non_trainable_variables

    def __call__(self, z, training=False):
        out = ops.cast(self.generator(z, training=training), "float32")
        diff = ops.reshape(out - self.target, (ops.shape(out)[0], -1))
        return ops.mean(ops.square(diff), axis=1)


class LatentSearch:
    """Per-sample latent search of AnoGAN, a slow reference anomaly score.

    For each sample `x` (in network units) the code `z` that minimises
    the mean squared residual `mean((x - G(z))^2)` is searched by `steps`
    Adam steps from `z = 0` (the prior's mode, so a sample's result does
    not depend on the other samples of its batch), and the residual at
    the last code is the score. The gradient with respect to `z` comes
    from `keras_aegan.backend.input_gradients`, the same backend-neutral
    input-gradient the gradient penalties use; Adam runs in NumPy. The
    generator is called in inference mode and its weights never change.

    Unlike the one-pass scores of `AnomalyDetector`, the cost grows with
    `steps` (`steps + 1` generator calls and `steps` backward passes per
    batch); it is kept to measure that difference. AnoGAN's optional
    discriminator-feature term is not included: the score is the pixel
    residual only.

    Args:
        generator: A Keras model `z -> x` (network units).
        latent_dim: Size of the code.
        steps: Number of Adam steps per batch (0 scores `G(0)`).
        learning_rate: Adam's step size.
        batch_size: Number of samples searched together.
        beta_1: Adam's first-moment decay.
        beta_2: Adam's second-moment decay.
        epsilon: Adam's denominator offset.

    Example:

    ```python
    search = LatentSearch(model.generator, model.latent_dim, steps=50)
    residuals = search.residuals(x_network_units)  # (n,)
    codes, residuals = search.search(x_network_units)
    ```

    Reference:
        - [Schlegl et al., "Unsupervised Anomaly Detection with
          Generative Adversarial Networks to Guide Marker Discovery",
          2017](https://arxiv.org/abs/1703.05921)
    """

    def __init__(
        self,
        generator,
        latent_dim,
        steps=100,
        learning_rate=0.05,
        batch_size=256,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
    ):
        self.generator = generator
        self.latent_dim = check_positive_int("latent_dim", latent_dim)
        self.steps = check_int("steps", steps, 0)
        self.learning_rate = check_positive("learning_rate", learning_rate)
        self.batch_size = check_positive_int("batch_size", batch_size)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = check_positive("epsilon", epsilon)

    def search(self, x):
        """Searches one code per sample.

        Args:
            x: NumPy array `(n, *data_shape)` in network units.

        Returns:
            `(codes, residuals)`: float32 `(n, latent_dim)` and float64
            `(n,)`, the mean squared residual at each final code.
        """
        x = np.asarray(x, dtype="float32")
        codes, residuals = [], []
        for start in range(0, len(x), self.batch_size):
            z, r = self._search_batch(x[start : start + self.batch_size])
            codes.append(z)
            residuals.append(r)
        return np.concatenate(codes), np.concatenate(residuals)

    def residuals(self, x):
        """The residual after the search, per sample (float64 `(n,)`)."""
        return self.search(x)[1]

    def _search_batch(self, x):
        loss = _Residual(self.generator, x)
        z = np.zeros((len(x), self.latent_dim), "float32")
        m = np.zeros_like(z)
        v = np.zeros_like(z)
        b1, b2 = self.beta_1, self.beta_2
        for t in range(1, self.steps + 1):
            _, (grad,) = input_gradients(
                loss, [ops.convert_to_tensor(z)], training=False
            )
            grad = ops.convert_to_numpy(grad).astype("float32")
            m = b1 * m + (1.0 - b1) * grad
            v = b2 * v + (1.0 - b2) * np.square(grad)
            m_hat = m / (1.0 - b1**t)
            v_hat = v / (1.0 - b2**t)
            z = z - self.learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)
            z = z.astype("float32")
        residual = keras.ops.convert_to_numpy(
            loss(ops.convert_to_tensor(z), training=False)
        )
        return z, residual.astype("float64")
