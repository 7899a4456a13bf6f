"""The base of GANs whose discriminator is an autoencoder (BEGAN, EBGAN)."""

from keras_aegan.networks import autoencoder
from keras_aegan.trainers.adversarial_trainer import AdversarialTrainer
from keras_aegan.trainers.phase import Phase
from keras_aegan.utils.inference import predict_batches
from keras_aegan.utils.validation import check_positive_int


class AutoencoderDiscriminatorGAN(AdversarialTrainer):
    """Base of the GANs whose discriminator is an autoencoder of the data.

    Three networks: a generator `G: z -> x` and an autoencoder
    discriminator in two halves, `discriminator_encoder: x -> h` (an
    embedding of size `hidden_dim`) and `discriminator_decoder: h -> x`.
    The halves are kept as two networks (not one composed model) so that
    either can be replaced by any Keras model of the right shapes and the
    embedding stays reachable (EBGAN's pull-away term needs it). The
    energy of a sample is a reconstruction error, which a subclass
    defines in its losses.

    One train step has two phases: `discriminator` (updates both halves,
    logs `discriminator_terms`) and `generator` (updates `G`, logs
    `generator_terms`). A subclass sets the two term tuples and writes
    `discriminator_loss`, `generator_loss`, `default_optimizers` and
    `default_hidden_dim`.

    Networks left as `None` are built on the first `fit()`: the
    package's default generator and the default autoencoder (see
    `keras_aegan.networks.autoencoder`: the default encoder to
    `hidden_dim` and a generator-shaped decoder). `width` sets their
    width (MLP units for vectors, default 128; channels of the
    highest-resolution conv block for images, default 32). There is no
    inference encoder, so no `encode`; the discriminator's
    reconstruction is `discriminator_reconstruct(x)`.

    Args:
        latent_dim: Size of the noise. Default: a given generator's input
            size, else `keras_aegan.networks.default_latent_dim`.
        hidden_dim: Size of the discriminator's embedding. Default: the
            output size of a given `discriminator_encoder`, else
            `default_hidden_dim(data_shape)`.
        generator: Optional Keras model `z -> x` (network units: images
            in [-1, 1], vectors standardised).
        discriminator_encoder: Optional Keras model `x -> (batch,
            hidden_dim)`.
        discriminator_decoder: Optional Keras model `(batch, hidden_dim)
            -> x`.
        width: Width of the default networks.
        **kwargs: Passed to `AdversarialTrainer` (`seed`, `noise`,
            `on_nonfinite`, `ema_decay`, `ema_warmup`; the EMA covers the
            generator) and `keras.Model`.

    Example:

    ```python
    class L1EnergyGAN(AutoencoderDiscriminatorGAN):
        discriminator_terms = ("d_real", "d_generated")
        generator_terms = ("g_generated",)

        def default_hidden_dim(self, data_shape):
            return 8

        ...  # default_optimizers, discriminator_loss, generator_loss
    ```
    """

    network_names = (
        "generator",
        "discriminator_encoder",
        "discriminator_decoder",
    )
    ema_network_names = ("generator",)
    #: Names of the terms each phase's loss logs.
    discriminator_terms = ()
    generator_terms = ()

    def __init__(
        self,
        latent_dim=None,
        hidden_dim=None,
        generator=None,
        discriminator_encoder=None,
        discriminator_decoder=None,
        width=None,
        **kwargs,
    ):
        super().__init__(latent_dim=latent_dim, **kwargs)
        self.init_networks(
            width,
            generator=generator,
            discriminator_encoder=discriminator_encoder,
            discriminator_decoder=discriminator_decoder,
        )
        if hidden_dim is None and discriminator_encoder is not None:
            hidden_dim = autoencoder.output_size(
                discriminator_encoder, "discriminator_encoder"
            )
        if hidden_dim is not None:
            hidden_dim = check_positive_int("hidden_dim", hidden_dim)
        self.hidden_dim = hidden_dim

    def default_hidden_dim(self, data_shape):
        """The embedding size when none is given, for a data shape."""
        raise NotImplementedError

    def build_networks(self, data_shape):
        if self.hidden_dim is None:
            self.hidden_dim = self.default_hidden_dim(data_shape)
        self.build_default_networks(data_shape, {"generator": "generator"})
        if (
            self.discriminator_encoder is None
            or self.discriminator_decoder is None
        ):
            encoder, decoder = autoencoder.autoencoder_discriminator(
                data_shape, self.hidden_dim, self.width
            )
            if self.discriminator_encoder is None:
                self.discriminator_encoder = encoder
            if self.discriminator_decoder is None:
                self.discriminator_decoder = decoder
        autoencoder.check_autoencoder(
            self.discriminator_encoder,
            self.discriminator_decoder,
            data_shape,
            self.hidden_dim,
        )

    def build_phases(self):
        return [
            Phase(
                "discriminator",
                networks=("discriminator_encoder", "discriminator_decoder"),
                optimizer="discriminator_optimizer",
                loss=self.discriminator_loss,
                terms=self.discriminator_terms,
            ),
            Phase(
                "generator",
                networks=("generator",),
                optimizer="generator_optimizer",
                loss=self.generator_loss,
                terms=self.generator_terms,
            ),
        ]

    def discriminator_reconstruct(self, x, batch_size=256):
        """Returns the discriminator's reconstruction of `x` (user units).

        Args:
            x: NumPy array of samples shaped like the training data.
            batch_size: Batch size of the network calls.

        Returns:
            NumPy array shaped like `x`.
        """
        self._require_built("discriminator_reconstruct")
        h = predict_batches(
            self.discriminator_encoder, self._to_network_units(x), batch_size
        )
        y = predict_batches(self.discriminator_decoder, h, batch_size)
        return self.data_scaler.to_user_numpy(y)

    def get_config(self):
        config = super().get_config()
        config["hidden_dim"] = self.hidden_dim
        return config
