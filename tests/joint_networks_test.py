"""Default joint discriminators D(x, z) and their shape checks."""

import keras
import numpy as np
import pytest

from keras_aegan.networks.joint import check_joint_network
from keras_aegan.networks.joint import joint_discriminator


@pytest.mark.parametrize(
    "data_shape, latent_dim, width",
    [((2,), 2, 16), ((16, 16, 1), 8, 4), ((64, 1), 4, 4)],
)
def test_output_depends_on_both_inputs(data_shape, latent_dim, width):
    d = joint_discriminator(data_shape, latent_dim, width)
    check_joint_network(d, "discriminator", data_shape, latent_dim)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4,) + data_shape).astype("float32")
    z = rng.standard_normal((4, latent_dim)).astype("float32")
    out = keras.ops.convert_to_numpy(d([x, z]))
    assert out.shape == (4, 1) and np.all(np.isfinite(out))
    other_x = keras.ops.convert_to_numpy(d([x[::-1], z]))
    other_z = keras.ops.convert_to_numpy(d([x, z[::-1]]))
    assert not np.allclose(out, other_x)
    assert not np.allclose(out, other_z)


def test_serialization_round_trip():
    d = joint_discriminator((16, 16, 1), 8, width=4, name="critic")
    clone = keras.Model.from_config(d.get_config())
    clone.set_weights(d.get_weights())
    assert clone.name == "critic"
    x = np.random.default_rng(1).uniform(-1, 1, (3, 16, 16, 1))
    z = np.random.default_rng(2).standard_normal((3, 8))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(d([x, z], training=False)),
        keras.ops.convert_to_numpy(clone([x, z], training=False)),
        rtol=1e-6,
        atol=1e-6,  # same weights and graph: round-off only
    )


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="latent_dim"):
        joint_discriminator((2,), 0)
    with pytest.raises(ValueError, match="powers of two"):
        joint_discriminator((12, 12, 1), 4)
    d = joint_discriminator((2,), 3, width=8)
    with pytest.raises(ValueError, match="could not be applied to inputs"):
        check_joint_network(d, "discriminator", (2,), 4)
    single = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="`critic` could not be applied"):
        check_joint_network(single, "critic", (2,), 3)
    x, z = keras.Input((2,)), keras.Input((3,))
    two = keras.Model(
        [x, z], keras.layers.Dense(2)(keras.layers.Concatenate()([x, z]))
    )
    with pytest.raises(ValueError, match="outputs of shape \\(batch, 1\\)"):
        check_joint_network(two, "critic", (2,), 3)
