"""Evaluating face encodings on people never seen in training: verification over all pairs
(ROC AUC, accuracy at a threshold) and one-shot 1:K recognition.

Every pair (i, j), i < j, of the evaluation images is a trial: genuine when both show one
person, impostor otherwise; its score is the distance d = ‖f(xᵢ) − f(xⱼ)‖ (smaller: more
alike). The threshold is chosen on the training people's pairs and applied unchanged to
the new ones, as a deployed system would.
"""
from __future__ import annotations

import numpy as np

from npdeep.vision.face import encode
from npdeep.vision.face_training import pairwise_squared_distances


def pair_distances(encodings, identities) -> tuple:
    """The distances and genuine flags of every pair i < j.

    Args:
        encodings: (m, d).
        identities: (m,).

    Returns:
        (distances (m(m−1)/2,), genuine (m(m−1)/2,) bool).
    """
    identities = np.asarray(identities)
    D = pairwise_squared_distances(encodings)  # (m, m), one GEMM, clipped at 0
    i, j = np.triu_indices(len(D), k=1)
    return np.sqrt(D[i, j]), identities[i] == identities[j]


def roc_auc(scores, positive) -> float:
    """The area under the ROC curve by the rank statistic (Mann-Whitney U):

        AUC = (Σ ranks of the positives − n₊(n₊ + 1)/2) / (n₊·n₋)

    the probability that a random positive scores above a random negative, ties counted
    half (tied scores share their average rank).

    Args:
        scores: (n,) higher means "more likely positive" (pass −distance for distances).
        positive: (n,) bool.

    Raises:
        ValueError: when there are no positives or no negatives, or the lengths differ.
    """
    scores = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(positive, dtype=bool)
    if scores.shape != positive.shape or scores.ndim != 1:
        raise ValueError(f"roc_auc: scores and positive must be (n,) of one length, but got "
                         f"{scores.shape} and {positive.shape}")
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"roc_auc: needs positives and negatives, got {n_pos} and {n_neg}")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    # Average rank (1-based) of each run of tied scores.
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    ends = np.r_[starts[1:], len(scores)]
    average = (starts + 1 + ends) / 2.0                 # mean of ranks starts+1 .. ends
    ranks = np.empty(len(scores))
    ranks[order] = np.repeat(average, ends - starts)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def verification_accuracy(distances, genuine, threshold: float) -> dict:
    """At "same person when d ≤ threshold": accuracy over all pairs, the true accept rate
    (genuine pairs accepted), the true reject rate (impostors rejected) and the balanced
    accuracy (their mean; all pairs are mostly impostors, so plain accuracy flatters)."""
    distances, genuine = np.asarray(distances), np.asarray(genuine, dtype=bool)
    accept = distances <= threshold
    tar = float(accept[genuine].mean()) if genuine.any() else float("nan")
    trr = float((~accept[~genuine]).mean()) if (~genuine).any() else float("nan")
    return {"accuracy": float(np.mean(accept == genuine)), "true_accept_rate": tar,
            "true_reject_rate": trr, "balanced_accuracy": (tar + trr) / 2}


def choose_threshold(distances, genuine) -> float:
    """The threshold with the highest balanced accuracy on these pairs (the midpoint between
    neighbouring distances, so that no pair sits exactly on it)."""
    distances, genuine = np.asarray(distances), np.asarray(genuine, dtype=bool)
    values = np.unique(distances)
    candidates = np.r_[values[0] / 2, (values[1:] + values[:-1]) / 2, values[-1] + 1e-6]
    order = np.argsort(distances)
    d_sorted, g_sorted = distances[order], genuine[order]
    # Accepted at candidate c: pairs with d ≤ c, counted with one cumulative sum each.
    accepted = np.searchsorted(d_sorted, candidates, side="right")
    genuine_below = np.r_[0, np.cumsum(g_sorted)][accepted]
    impostor_below = accepted - genuine_below
    n_gen, n_imp = genuine.sum(), (~genuine).sum()
    balanced = (genuine_below / max(n_gen, 1) + (n_imp - impostor_below) / max(n_imp, 1)) / 2
    return float(candidates[int(np.argmax(balanced))])


def recognition_accuracy(encoder, images, identities, threshold=None, enrolled_index=0) -> float:
    """One-shot 1:K recognition: enroll image number ``enrolled_index`` of each person,
    recognize every other image, and return the fraction given the right identity.

    With a threshold, a query farther than it from every enrolled person is "not
    recognized" and counts as an error; without one, the closest identity is the answer.
    """
    images, identities = np.asarray(images), np.asarray(identities)
    people = np.unique(identities)
    enrolled = np.array([np.flatnonzero(identities == k)[enrolled_index] for k in people])
    queries = np.setdiff1d(np.arange(len(images)), enrolled)
    E = encode(encoder, images)
    database = E[enrolled]                                                 # (K, d)
    distances = np.linalg.norm(E[queries][:, None] - database[None], axis=2)  # (q, K)
    best = distances.argmin(axis=1)
    correct = people[best] == identities[queries]
    if threshold is not None:
        correct &= distances[np.arange(len(queries)), best] <= threshold
    return float(correct.mean())


def evaluate_face_encoder(encoder, images_train, identities_train, images_test,
                          identities_test) -> dict:
    """The whole protocol for one encoder: the threshold chosen on the training people's
    pairs, then on the unseen people's pairs the ROC AUC and the accuracies at it, and 1:K
    recognition with one enrolled image each (with and without the threshold).

    Returns:
        {"auc", "threshold", "accuracy", "balanced_accuracy", "true_accept_rate",
        "true_reject_rate", "recognition", "recognition_at_threshold", "train_auc"}.
    """
    d_train, g_train = pair_distances(encode(encoder, images_train), identities_train)
    threshold = choose_threshold(d_train, g_train)
    d_test, g_test = pair_distances(encode(encoder, images_test), identities_test)
    results = {"auc": roc_auc(-d_test, g_test), "threshold": threshold,
               "train_auc": roc_auc(-d_train, g_train)}
    results.update(verification_accuracy(d_test, g_test, threshold))
    results["recognition"] = recognition_accuracy(encoder, images_test, identities_test)
    results["recognition_at_threshold"] = recognition_accuracy(
        encoder, images_test, identities_test, threshold)
    return results
