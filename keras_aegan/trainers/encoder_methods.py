"""User methods of models with an encoder: encode, reconstruct, interpolate."""

import numpy as np

from keras_aegan.utils.inference import predict_batches
from keras_aegan.utils.validation import check_positive_int


class EncoderMethods:
    """Mixed into models that have an `encoder` and a `generator`.

    Gives `encode`, `reconstruct` and `interpolate` (NumPy in, NumPy out,
    in the data's units), on top of `AdversarialTrainer`'s `decode`. A
    model whose encoder does not output the code itself (a variational
    encoder outputs the posterior's mean and log-variance) overrides
    `codes_from_encoder_output`.

    Example:

    ```python
    class MyModel(EncoderMethods, AdversarialTrainer):
        network_names = ("generator", "encoder", "discriminator")
        ema_network_names = ("generator", "encoder")
        ...

    codes = model.encode(x)
    ```
    """

    def codes_from_encoder_output(self, outputs):
        """Maps the encoder's NumPy output to codes `(n, latent_dim)`."""
        return outputs

    def encode(self, x, batch_size=256, ema=None):
        """Encodes data (user units) to latent codes `(n, latent_dim)`.

        Args:
            x: NumPy array of samples shaped like the training data.
            batch_size: Batch size of the encoder calls.
            ema: `None` (default): the encoder's moving average when the
                model keeps one, else its trained weights. True: the
                moving average (an error without one). False: the
                trained weights.

        Returns:
            NumPy float32 array.
        """
        self._require_built("encode")
        encoder = self.network_for("encoder", ema)
        outputs = predict_batches(
            encoder, self._to_network_units(x), batch_size
        )
        # float32 whatever the dtype policy (mixed precision networks
        # output float16/bfloat16): codes go back into `decode`.
        return self.codes_from_encoder_output(outputs).astype("float32")

    def reconstruct(self, x, batch_size=256, ema=None):
        """Returns `G(E(x))` in the data's units and dtype.

        Args:
            x: NumPy array of samples shaped like the training data.
            batch_size: Batch size of the network calls.
            ema: Use the moving averages of encoder and generator (see
                `encode`; default: when the model keeps them).

        Returns:
            NumPy array shaped like `x`.
        """
        codes = self.encode(x, batch_size, ema=ema)
        return self.decode(codes, batch_size, ema=ema)

    def interpolate(self, x_a, x_b, steps=8, batch_size=256, ema=None):
        """Decodes straight lines between the codes of two batches.

        Args:
            x_a: Samples `(n, *data_shape)` (or one sample `data_shape`).
            x_b: Samples of the same shape as `x_a`.
            steps: Number of points on each line, ends included (>= 2).
            batch_size: Batch size of the network calls.
            ema: Use the moving averages of encoder and generator (see
                `encode`; default: when the model keeps them).

        Returns:
            NumPy array `(n, steps, *data_shape)` (`(steps, *data_shape)`
            for single samples) in the data's units and dtype.
        """
        steps = check_positive_int("steps", steps)
        if steps < 2:
            raise ValueError(
                f"`steps` must be at least 2. Received: steps={steps}"
            )
        self._require_built("interpolate")
        x_a, x_b = np.asarray(x_a), np.asarray(x_b)
        single = x_a.shape == self.data_shape
        if single:
            x_a, x_b = x_a[None], x_b[None]
        if x_a.shape != x_b.shape:
            raise ValueError(
                "`x_a` and `x_b` must have the same shape. Received: "
                f"{x_a.shape} and {x_b.shape}"
            )
        z_a = self.encode(x_a, batch_size, ema=ema)
        z_b = self.encode(x_b, batch_size, ema=ema)
        t = np.linspace(0.0, 1.0, steps, dtype="float32")[None, :, None]
        z = (1.0 - t) * z_a[:, None] + t * z_b[:, None]
        out = self.decode(z.reshape(-1, self.latent_dim), batch_size, ema=ema)
        out = out.reshape((len(x_a), steps) + self.data_shape)
        return out[0] if single else out
