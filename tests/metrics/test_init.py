"""Tests of npdeep/metrics/__init__.py: every public name is importable from npdeep.metrics."""
import npdeep.metrics as metrics
from npdeep.metrics import classification, project


def test_package_re_exports_both_halves():
    from npdeep.metrics import (GAPS, REMEDIES, Diagnosis, ErrorAnalysis,  # noqa: F401
                                accuracy, classification_report, confusion_matrix, diagnose,
                                f1_score, precision, recall, select)

    assert metrics.accuracy is classification.accuracy
    assert metrics.diagnose is project.diagnose
    assert metrics.ErrorAnalysis is project.ErrorAnalysis
    for name in metrics.__all__:
        assert hasattr(metrics, name), name


def test_metric_names_exclude_helpers_of_the_modules():
    # fit resolves metric names by name; the package must not offer stray module globals
    # such as dataclasses.dataclass or numpy.
    assert not hasattr(metrics, "dataclass")
    assert not hasattr(metrics, "np")
