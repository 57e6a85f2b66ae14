"""Stopping hopeless trials early: the median stopping rule.

The course's "caviar" style trains many models and keeps the good ones; most of a random
search's trials are not among them, and their dev curves say so after a few epochs. The
median rule (Golovin et al., "Google Vizier", KDD 2017, section 3.2.2) stops a trial at epoch
t when its best dev score so far is worse than the median of the other trials' best scores
up to epoch t.

The other trials are those already finished when the trial was started (its ``peers``), so
the rule needs no communication with a running study; for the local executor that is every
earlier trial, which keeps a study repeatable.
"""
from __future__ import annotations

import math
import statistics

from npdeep.validation import check_int


class MedianStopping:
    """Stop at epoch t ≥ grace_epochs − 1 when best(scores[:t+1]) is worse than the median of
    the peers' best(scores[:t+1]), given at least ``min_trials`` peers that reached epoch t.

    Args:
        grace_epochs: epochs every trial trains before the rule may stop it.
        min_trials: finished trials needed before the rule applies.

    Example:
        >>> random_search(objective, space, 20, stopping=MedianStopping(grace_epochs=3))
    """

    def __init__(self, grace_epochs: int = 2, min_trials: int = 3):
        self.grace_epochs = check_int(grace_epochs, "grace_epochs", "MedianStopping", 1)
        self.min_trials = check_int(min_trials, "min_trials", "MedianStopping", 1)

    @staticmethod
    def _best(scores, mode: str) -> float:
        finite = [s for s in scores if s is not None and math.isfinite(s)]
        if not finite:
            return -math.inf if mode == "max" else math.inf
        return max(finite) if mode == "max" else min(finite)

    def should_stop(self, scores: list, peers: list, mode: str = "max") -> bool:
        """Whether a trial with dev ``scores`` (one per epoch so far) should stop now."""
        t = len(scores) - 1
        if t + 1 < self.grace_epochs:
            return False
        peer_bests = [self._best(p[:t + 1], mode) for p in peers if len(p) > t]
        if len(peer_bests) < self.min_trials:
            return False
        median = statistics.median(peer_bests)
        mine = self._best(scores, mode)
        return mine < median if mode == "max" else mine > median

    def to_dict(self) -> dict:
        return {"rule": "median", "grace_epochs": self.grace_epochs,
                "min_trials": self.min_trials}

    def __repr__(self) -> str:
        return f"MedianStopping(grace_epochs={self.grace_epochs}, min_trials={self.min_trials})"


def stopping_from_dict(data):
    """The inverse of ``MedianStopping.to_dict`` (None for none)."""
    if data is None:
        return None
    return MedianStopping(data["grace_epochs"], data["min_trials"])
