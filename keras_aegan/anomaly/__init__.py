"""Anomaly detection with autoencoding GANs (one-class, PyOD style)."""

from keras_aegan.anomaly.detector import AnomalyDetector
from keras_aegan.anomaly.encoder_training import train_encoder
from keras_aegan.anomaly.latent_search import LatentSearch
from keras_aegan.anomaly.model_scorer import COMBINED_COMPONENTS
from keras_aegan.anomaly.model_scorer import SCORES
from keras_aegan.anomaly.model_scorer import ModelScorer
from keras_aegan.anomaly.model_scorer import model_parts

__all__ = [
    "COMBINED_COMPONENTS",
    "SCORES",
    "AnomalyDetector",
    "LatentSearch",
    "ModelScorer",
    "model_parts",
    "train_encoder",
]
