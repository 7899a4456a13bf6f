"""Divergences between distributions (keras.ops only)."""

from keras import ops


def gaussian_kl(mean, log_var):
    """KL divergence from a diagonal Gaussian to the standard normal.

    For a posterior `q(z | x) = N(mean, diag(exp(log_var)))` and the prior
    `p(z) = N(0, I)`, per sample:

    `KL(q || p) = -0.5 * sum(1 + log_var - mean^2 - exp(log_var))`

    summed over all axes but the first (the latent dimensions), then
    averaged over the batch. This is the prior term of the variational
    autoencoder's evidence lower bound (Kingma & Welling, appendix B).

    Args:
        mean: Tensor `(batch, ...)`, the posterior means.
        log_var: Tensor of the same shape, the posterior log-variances.

    Returns:
        Scalar float32 tensor, in nats per sample.

    Example:

    ```python
    moments = encoder(x)
    mean, log_var = moments[:, :latent_dim], moments[:, latent_dim:]
    prior_loss = gaussian_kl(mean, log_var)
    ```

    Reference:
        - [Kingma & Welling, "Auto-Encoding Variational Bayes", 2014](
          https://arxiv.org/abs/1312.6114)
    """
    mean = ops.cast(mean, "float32")
    log_var = ops.cast(log_var, "float32")
    if tuple(mean.shape) != tuple(log_var.shape):
        raise ValueError(
            "`mean` and `log_var` must have the same shape. Received: "
            f"mean.shape={tuple(mean.shape)}, "
            f"log_var.shape={tuple(log_var.shape)}"
        )
    terms = 1.0 + log_var - ops.square(mean) - ops.exp(log_var)
    per_sample = -0.5 * ops.sum(
        ops.reshape(terms, (ops.shape(terms)[0], -1)), axis=1
    )
    return ops.mean(per_sample)
