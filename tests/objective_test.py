"""AdversarialObjective: config, noise, argument checks, lazy penalty."""

import keras
import numpy as np
import pytest

import keras_aegan
from keras_aegan.losses import AdversarialObjective
from keras_aegan.losses.augmentation import PARAMS_PER_CALL


def test_config_round_trip():
    objective = AdversarialObjective(
        "hinge",
        penalty="r1",
        penalty_weight=2,
        penalty_interval=4,
        augment="cutout, translation",
        augment_calls=3,
    )
    config = keras.saving.serialize_keras_object(objective)
    clone = keras.saving.deserialize_keras_object(config)
    assert isinstance(clone, AdversarialObjective)
    assert clone.get_config() == objective.get_config()
    assert clone.get_config() == {
        "adversarial_loss": "hinge",
        "penalty": "r1",
        "penalty_weight": 2.0,
        "penalty_interval": 4,
        "augment": "translation,cutout",
        "augment_calls": 3,
    }
    assert clone.loss.name == "hinge"
    assert set(objective.model_config()) == {
        "adversarial_loss",
        "penalty",
        "penalty_weight",
        "penalty_interval",
    }


def test_noise_shapes():
    assert AdversarialObjective().noise_shapes() == {}
    assert AdversarialObjective(penalty="r1").noise_shapes() == {}
    gp = AdversarialObjective(penalty="gp", augment="cutout", augment_calls=5)
    assert gp.noise_shapes() == {
        "penalty": (1,),
        "augment": (5, PARAMS_PER_CALL),
    }
    assert gp.penalty_weight == 10.0


def test_argument_errors():
    with pytest.raises(ValueError, match="Received: penalty='r3'"):
        AdversarialObjective(penalty="r3")
    with pytest.raises(ValueError, match="needs a `penalty`"):
        AdversarialObjective(penalty_weight=1.0)
    with pytest.raises(ValueError, match="Received: penalty_weight=-1"):
        AdversarialObjective(penalty="gp", penalty_weight=-1)
    with pytest.raises(ValueError, match="penalty_interval=0"):
        AdversarialObjective(penalty="gp", penalty_interval=0)
    with pytest.raises(ValueError, match="adversarial_loss='lsgan'"):
        AdversarialObjective("lsgan")
    with pytest.raises(ValueError, match="flip"):
        AdversarialObjective(augment="flip")
    with pytest.raises(ValueError, match="augment_calls=0"):
        AdversarialObjective(augment="cutout", augment_calls=0)
    with pytest.raises(ValueError, match=r"augment.*\(2,\)"):
        AdversarialObjective(augment="cutout").check_augment((2,))


def test_lazy_penalty_counts_steps_on_its_model():
    model = keras_aegan.DCGAN(penalty="r1", penalty_interval=2, width=4)
    model.build_for((2,))
    objective = model.objective
    assert model.penalty_steps is objective.penalty_steps
    assert objective.penalty_steps.path.endswith("penalty_steps")
    d = model.discriminator
    x = np.random.default_rng(0).normal(size=(8, 2)).astype("float32")
    seen = []
    for _ in range(4):
        total, terms = objective.penalty_terms({"p": (d, x, x)}, {})
        seen.append(float(keras.ops.convert_to_numpy(terms["p"])) > 0)
    assert seen == [True, False, True, False]
    assert int(keras.ops.convert_to_numpy(model.penalty_steps)) == 4
    # Outside training the penalty is computed and the counter kept.
    objective.penalty_terms({"p": (d, x, x)}, {}, training=False)
    assert int(keras.ops.convert_to_numpy(model.penalty_steps)) == 4


def test_models_read_their_objective():
    model = keras_aegan.AEGAN(penalty="gp", augment="cutout")
    assert model.objective.augment_calls == 5
    assert (model.penalty, model.augment) == ("gp", "cutout")
    assert model.adversarial_loss == "non_saturating"
    with pytest.raises(AttributeError, match="constructor"):
        model.penalty = "r1"
    assert not hasattr(keras_aegan.BEGAN(), "penalty")
