"""Classification metrics: scikit-learn-style functions and streaming classes for training loops.

Functions (same names, signatures and results as scikit-learn): accuracy_score,
precision_score, recall_score, f1_score, fbeta_score, precision_recall_fscore_support,
confusion_matrix, classification_report. Streaming classes with update(preds, target),
compute(), reset(): Accuracy, Precision, Recall, F1Score, FBetaScore, ConfusionMatrix.
"""

from ._prf import UndefinedMetricWarning
from .classification import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    fbeta_score,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)
from .report import classification_report
from .streaming import Accuracy, ConfusionMatrix, F1Score, FBetaScore, Precision, Recall

__all__ = [
    "UndefinedMetricWarning",
    "accuracy_score",
    "precision_score",
    "recall_score",
    "f1_score",
    "fbeta_score",
    "precision_recall_fscore_support",
    "confusion_matrix",
    "classification_report",
    "Accuracy",
    "Precision",
    "Recall",
    "F1Score",
    "FBetaScore",
    "ConfusionMatrix",
]
