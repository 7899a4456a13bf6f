"""AEGAN's two phase losses, written once in keras.ops."""

from keras import ops

from keras_aegan.losses import mean_absolute_error
from keras_aegan.losses import mean_squared_error


class AEGANLosses:
    """The loss functions of `AEGAN`'s phases (mixed into `AEGAN`).

    Uses the model's four networks, `self.adversarial` (the selected
    objective), `self.discriminator_penalties` (the optional gradient
    penalties), `self.loss_weights` and the labels `self.real_label` /
    `self.fake_label`. See `AEGAN` for the formulas.
    """

    def _forward(self, x, z, training):
        x_generated = self.generator(z, training=training)
        z_encoded = self.encoder(x, training=training)
        x_reconstructed = self.generator(z_encoded, training=training)
        z_reconstructed = self.encoder(x_generated, training=training)
        return x_generated, z_encoded, x_reconstructed, z_reconstructed

    def discriminator_loss(self, x, noise, training=True):
        """Loss of the discriminator phase. Returns `(total, terms)`."""
        z = noise["discriminator"]
        fakes = [ops.stop_gradient(t) for t in self._forward(x, z, training)]
        x_generated, z_encoded, x_reconstructed, z_reconstructed = fakes
        dx = self.image_discriminator
        dz = self.latent_discriminator
        adv = self.adversarial
        real, fake = self.real_label, self.fake_label

        def dx_on(images, call):
            images = self.augment_input(images, noise, call, training)
            return dx(images, training=training)

        dx_real, dx_generated = adv.discriminator_terms(
            dx_on(x, 0), dx_on(x_generated, 1), real, fake
        )
        dx_reconstructed = adv.discriminator_fake_term(
            dx_on(x_reconstructed, 2), fake
        )
        dz_prior, dz_encoded = adv.discriminator_terms(
            dz(z, training=training),
            dz(z_encoded, training=training),
            real,
            fake,
        )
        dz_reconstructed = adv.discriminator_fake_term(
            dz(z_reconstructed, training=training), fake
        )
        total = (2.0 * dx_real + dx_generated + dx_reconstructed) / 4.0 + (
            2.0 * dz_prior + dz_encoded + dz_reconstructed
        ) / 4.0
        terms = {
            "dx_real": dx_real,
            "dx_generated": dx_generated,
            "dx_reconstructed": dx_reconstructed,
            "dz_prior": dz_prior,
            "dz_encoded": dz_encoded,
            "dz_reconstructed": dz_reconstructed,
        }
        # The penalties see the generated half of the fakes (G(z), E(x)).
        extra, penalty_terms = self.discriminator_penalties(
            x, z, x_generated, z_encoded, noise, training
        )
        terms.update(penalty_terms)
        return total + extra, terms

    def generator_loss(self, x, noise, training=True):
        """Loss of the generator/encoder phase. Returns `(total, terms)`."""
        z = noise["generator"]
        x_generated, z_encoded, x_reconstructed, z_reconstructed = (
            self._forward(x, z, training)
        )
        dz = self.latent_discriminator
        adv = self.adversarial.generator_term

        def dx(images, call, training):
            images = self.augment_input(images, noise, call, training)
            return self.image_discriminator(images, training=training)

        terms = {
            "reconstruction_x": mean_absolute_error(x, x_reconstructed),
            "reconstruction_z": mean_squared_error(z, z_reconstructed),
            "gx_generated": adv(dx(x_generated, 3, training)),
            "gx_reconstructed": adv(dx(x_reconstructed, 4, training)),
            "gz_encoded": adv(dz(z_encoded, training=training)),
            "gz_reconstructed": adv(dz(z_reconstructed, training=training)),
        }
        w = self.loss_weights
        total = (
            w["reconstruction_x"] * terms["reconstruction_x"]
            + w["reconstruction_z"] * terms["reconstruction_z"]
            + w["adversarial_x"]
            * (terms["gx_generated"] + terms["gx_reconstructed"])
            + w["adversarial_z"]
            * (terms["gz_encoded"] + terms["gz_reconstructed"])
        )
        return total, terms
