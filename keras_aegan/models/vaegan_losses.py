"""VAEGAN's three phase losses, written once in keras.ops."""

from keras import ops

from keras_aegan.losses.divergence import gaussian_kl


def _feature_reconstruction(features_x, features_reconstructed):
    """`0.5 * ||Dis_l(x) - Dis_l(x~)||^2` per sample, averaged over a batch.

    The negative log-likelihood of `Dis_l(x)` under a unit-variance
    Gaussian centred on `Dis_l(x~)`, up to a constant: the paper's
    `L_llike^{Dis_l}`.
    """
    diff = ops.cast(features_x, "float32") - ops.cast(
        features_reconstructed, "float32"
    )
    diff = ops.reshape(diff, (ops.shape(diff)[0], -1))
    return 0.5 * ops.mean(ops.sum(ops.square(diff), axis=1))


class VAEGANLosses:
    """The loss functions of `VAEGAN`'s phases (mixed into `VAEGAN`).

    Uses the model's networks, its `reparameterization` layer,
    `self.adversarial` (the selected objective), `self.penalty_terms`
    (the optional gradient penalty) and `self.loss_weights`. See `VAEGAN`
    for the formulas.
    """

    def _posterior(self, x, training):
        moments = self.encoder(x, training=training)
        d = self.latent_dim
        return moments[:, :d], moments[:, d:]

    def _sample(self, mean, log_var, noise, training):
        return self.reparameterization(
            [mean, log_var], training=training, epsilon=noise["epsilon"]
        )

    def discriminator_loss(self, x, noise, training=True):
        """Loss of the discriminator phase. Returns `(total, terms)`."""
        mean, log_var = self._posterior(x, training)
        z = self._sample(mean, log_var, noise, training)
        x_reconstructed = ops.stop_gradient(
            self.generator(z, training=training)
        )
        x_generated = ops.stop_gradient(
            self.generator(noise["prior"], training=training)
        )
        dis = self._discriminator
        adv = self.adversarial
        dx_real, dx_reconstructed = adv.discriminator_terms(
            dis(x, training=training),
            dis(x_reconstructed, training=training),
        )
        terms = {
            "dx_real": dx_real,
            "dx_reconstructed": dx_reconstructed,
            "dx_generated": adv.discriminator_fake_term(
                dis(x_generated, training=training)
            ),
        }
        extra, penalty_terms = self.penalty_terms(
            {"dx_penalty": (dis, x, x_generated)}, noise, training
        )
        terms.update(penalty_terms)
        fakes = 0.5 * (dx_reconstructed + terms["dx_generated"])
        return dx_real + fakes + extra, terms

    def encoder_loss(self, x, noise, training=True):
        """Loss of the encoder phase. Returns `(total, terms)`."""
        mean, log_var = self._posterior(x, training)
        z = self._sample(mean, log_var, noise, training)
        x_reconstructed = self.generator(z, training=training)
        features = self.discriminator_features
        terms = {
            "kl": gaussian_kl(mean, log_var),
            "feature_reconstruction": _feature_reconstruction(
                features(x, training=training),
                features(x_reconstructed, training=training),
            ),
        }
        total = (
            self.loss_weights["kl"] * terms["kl"]
            + terms["feature_reconstruction"]
        )
        return total, terms

    def generator_loss(self, x, noise, training=True):
        """Loss of the generator phase. Returns `(total, terms)`."""
        mean, log_var = self._posterior(x, training)
        z = ops.stop_gradient(self._sample(mean, log_var, noise, training))
        x_reconstructed = self.generator(z, training=training)
        x_generated = self.generator(noise["prior"], training=training)
        features = self.discriminator_features
        head = self.discriminator_head
        h_reconstructed = features(x_reconstructed, training=training)
        g = self.adversarial.generator_term
        terms = {
            "generator_feature_reconstruction": _feature_reconstruction(
                features(x, training=training), h_reconstructed
            ),
            "gx_reconstructed": g(head(h_reconstructed, training=training)),
            "gx_generated": g(
                self._discriminator(x_generated, training=training)
            ),
        }
        total = (
            self.loss_weights["gamma"]
            * terms["generator_feature_reconstruction"]
            + terms["gx_reconstructed"]
            + terms["gx_generated"]
        )
        return total, terms
