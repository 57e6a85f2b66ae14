"""Helpers shared by the CNN examples: finding the data, a plain training loop, accuracy.

The loop is written out (rather than calling npdeep.train.fit) so that each example shows
the course's steps: forward, cost, backward, update.
"""
from __future__ import annotations

import os
import time

import numpy as np

import npdeep
from npdeep import functional as F
from npdeep.data import DataLoader

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def data_root(name: str, root: str | None = None) -> str:
    """``root`` if given, else $NPDEEP_DATA/<name>, else ../shared/data/<name> next to the repo."""
    if root:
        return root
    if os.environ.get("NPDEEP_DATA"):
        return os.path.join(os.environ["NPDEEP_DATA"], name)
    return os.path.join(REPO, "..", "shared", "data", name)


def accuracy(model, X, y) -> float:
    """The fraction of X classified as y (argmax of the logits, eval mode, batch by batch)."""
    return float(np.mean(npdeep.predict(model, X).argmax(axis=-1) == y))


def train(model, optimizer, X, y, epochs: int, mini_batch_size: int = 128, transform=None,
          schedule=None, X_test=None, y_test=None, log=print):
    """Mini-batch training with softmax cross-entropy; logs cost (and test accuracy) per epoch.

    Returns:
        A list of per-epoch dicts: epoch, cost, seconds and (when X_test is given) test_acc.
    """
    loader = DataLoader((X, y), mini_batch_size=mini_batch_size, shuffle=True,
                        transform=transform)
    history = []
    for epoch in range(epochs):
        if schedule is not None:
            schedule.step(optimizer, epoch)
        start, total, m = time.perf_counter(), 0.0, 0
        model.train()
        for X_batch, y_batch in loader:
            optimizer.zero_grad()
            J = F.cross_entropy(model(npdeep.tensor(X_batch)), y_batch)
            J.backward()
            optimizer.step()
            total += float(J.data) * len(y_batch)
            m += len(y_batch)
        record = {"epoch": epoch + 1, "cost": total / m,
                  "seconds": time.perf_counter() - start}
        if X_test is not None:
            record["test_acc"] = accuracy(model, X_test, y_test)
        history.append(record)
        if log is not None:
            extra = f"  test accuracy {record['test_acc']:.4f}" if "test_acc" in record else ""
            log(f"epoch {epoch + 1:2d}/{epochs}  cost {record['cost']:.4f}  "
                f"({record['seconds']:.1f} s){extra}", flush=True)
    return history
