"""Evaluation metrics and the course's tools for structuring machine-learning projects.

- :mod:`npdeep.metrics.classification`: accuracy, precision, recall, F1, confusion matrix and
  a classification report;
- :mod:`npdeep.metrics.project`: :func:`diagnose` (avoidable bias, variance, data mismatch,
  overfitting to dev and what to do about the largest), :func:`select` (one optimizing metric
  subject to satisficing ones) and :class:`ErrorAnalysis` (the error-analysis spreadsheet).
"""
from npdeep.metrics.classification import (accuracy, classification_report, confusion_matrix,
                                           f1_score, precision, recall)
from npdeep.metrics.project import GAPS, REMEDIES, Diagnosis, ErrorAnalysis, diagnose, select

__all__ = [
    "accuracy", "precision", "recall", "f1_score", "confusion_matrix", "classification_report",
    "diagnose", "Diagnosis", "select", "ErrorAnalysis", "GAPS", "REMEDIES",
]
