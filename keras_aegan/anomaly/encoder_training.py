"""f-AnoGAN's izi_f: an encoder trained against a frozen GAN."""

import keras
import numpy as np

from keras_aegan.networks.defaults import default_network
from keras_aegan.utils.validation import check_in_range
from keras_aegan.utils.validation import check_positive
from keras_aegan.utils.validation import check_positive_int


def _preorder(layer):
    """`layer` and every layer nested in it, parents first."""
    found = [layer]
    for child in getattr(layer, "layers", ()):
        found += _preorder(child)
    return found


class frozen:
    """Context manager: the networks are not trainable inside it.

    Keras runs a non-trainable BatchNormalization with its moving
    statistics, so the frozen networks also run in inference mode. On
    exit every nested layer's `trainable` flag is what it was before
    (parents are restored first: setting a parent's flag sets its
    children's).
    """

    def __init__(self, *networks):
        self.layers = [layer for net in networks for layer in _preorder(net)]

    def __enter__(self):
        self.saved = [(layer, layer.trainable) for layer in self.layers]
        for layer, _ in self.saved:
            layer.trainable = False
        return self

    def __exit__(self, *exc):
        for layer, trainable in self.saved:
            layer.trainable = trainable
        return False


def train_encoder(
    scorer,
    x,
    kappa=1.0,
    epochs=20,
    batch_size=64,
    learning_rate=1e-4,
    encoder=None,
    verbose=0,
):
    """Trains an encoder for a GAN without one (f-AnoGAN's `izi_f`).

    The encoder `E` learns to invert the scorer's generator `G` on the
    data: it minimises `mean((x - G(E(x)))^2) + kappa * mean((f(x) -
    f(G(E(x))))^2)` over the training data, `f` the discriminator's
    features (the scorer's `feature_network()`), with `G` and the
    discriminator frozen (not trained, BatchNorm on its moving
    statistics) and left exactly as they were. With `kappa=0` this is
    f-AnoGAN's `izi` (no discriminator needed). Training is a plain
    Keras `fit()` of a functional model `x -> (G(E(x)), f(G(E(x))) -
    f(x))` on data in the networks' units.

    Args:
        scorer: A `keras_aegan.anomaly.ModelScorer` of the trained GAN
            (its generator is the one the scores use: the moving
            average where the model keeps one).
        x: Training data in the data's units, `(n, *data_shape)`.
        kappa: Weight of the feature residual (f-AnoGAN: 1).
        epochs: Training epochs.
        batch_size: Batch size.
        learning_rate: Adam step size (`beta_1=0.5`).
        encoder: The encoder network to train, or None for the model's
            default encoder for its data shape and code size (named
            `"izif_encoder"`).
        verbose: Passed to `fit()`.

    Returns:
        The trained encoder, a `keras.Model` from network units to codes.

    Example:

    ```python
    scorer = ModelScorer(trained_dcgan)
    encoder = train_encoder(scorer, x_normal, epochs=10)
    scorer = ModelScorer(trained_dcgan, encoder=encoder)
    ```

    Reference:
        - [Schlegl et al., "f-AnoGAN: Fast unsupervised anomaly detection
          with generative adversarial networks", 2019](
          https://doi.org/10.1016/j.media.2019.01.010)
    """
    check_in_range("kappa", kappa, 0.0, np.inf)
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    check_positive("learning_rate", learning_rate)
    model = scorer.model
    data_shape = tuple(model.data_shape)
    if encoder is None:
        encoder = default_network(
            "encoder",
            data_shape,
            model.latent_dim,
            width=getattr(model, "width", None),
            name="izif_encoder",
        )
    generator = scorer.generator
    features = scorer.feature_network() if kappa > 0 else None
    x_units = scorer.network_units(x)
    inputs = keras.Input(data_shape, name="x")
    x_rec = generator(encoder(inputs))
    outputs = {"reconstruction": x_rec}
    targets = {"reconstruction": x_units}
    losses = {"reconstruction": "mse"}
    weights = {"reconstruction": 1.0}
    if features is not None:
        outputs["feature_residual"] = keras.layers.Subtract()(
            [features(x_rec), features(inputs)]
        )
        shape = (len(x_units),) + tuple(features.output.shape[1:])
        targets["feature_residual"] = np.zeros(shape, "float32")
        losses["feature_residual"] = "mse"
        weights["feature_residual"] = float(kappa)
    networks = (generator,) + (() if features is None else (features,))
    with frozen(*networks):
        chain = keras.Model(inputs, outputs, name="izif")
        chain.compile(
            optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
            loss=losses,
            loss_weights=weights,
        )
        chain.fit(
            x_units,
            targets,
            epochs=epochs,
            batch_size=batch_size,
            verbose=verbose,
        )
    return encoder
