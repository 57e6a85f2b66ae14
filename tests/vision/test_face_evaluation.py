"""Verification over all pairs (ROC AUC by ranks, threshold, accuracies) and 1:K recognition."""
import numpy as np
import pytest

from npdeep.vision.face_evaluation import (choose_threshold, evaluate_face_encoder,
                                           pair_distances, recognition_accuracy, roc_auc,
                                           verification_accuracy)


class TableEncoder:
    unit_norm = True

    def __init__(self, table):
        self.table = np.asarray(table, dtype=np.float64)

    def encode(self, images):
        return self.table[np.asarray(images)[:, 0, 0, 0].astype(int)]


def auc_by_pairs(scores, positive):
    """P(score of a positive > score of a negative), ties counted half, over every pair."""
    pos, neg = scores[positive], scores[~positive]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_roc_auc_matches_sklearn_and_the_pair_count_with_ties(seed):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(seed)
    positive = rng.random(200) < 0.3
    scores = np.round(rng.standard_normal(200) + positive, 1)  # rounding makes many ties
    assert len(np.unique(scores)) < 100
    auc = roc_auc(scores, positive)
    assert auc == pytest.approx(sklearn_metrics.roc_auc_score(positive, scores), abs=1e-12)
    assert auc == pytest.approx(auc_by_pairs(scores, positive), abs=1e-12)


def test_roc_auc_extremes_and_errors():
    assert roc_auc(np.array([0.1, 0.2, 0.9]), np.array([False, False, True])) == 1.0
    assert roc_auc(np.array([0.9, 0.2, 0.1]), np.array([False, False, True])) == 0.0
    assert roc_auc(np.ones(4), np.array([True, False, True, False])) == 0.5
    with pytest.raises(ValueError, match="roc_auc: needs positives and negatives, got 0 and 3"):
        roc_auc(np.ones(3), np.zeros(3, bool))


def test_pair_distances_match_a_loop():
    rng = np.random.default_rng(0)
    E, identities = rng.standard_normal((5, 3)), np.array([0, 1, 0, 2, 1])
    distances, genuine = pair_distances(E, identities)
    expected = [(np.linalg.norm(E[i] - E[j]), identities[i] == identities[j])
                for i in range(5) for j in range(i + 1, 5)]
    np.testing.assert_allclose(distances, [d for d, _ in expected], rtol=1e-12)
    np.testing.assert_array_equal(genuine, [g for _, g in expected])


def test_threshold_and_accuracies_by_hand():
    distances = np.array([0.1, 0.2, 0.5, 0.6, 0.9, 1.0, 1.2, 1.4])
    genuine = np.array([True, True, True, False, True, False, False, False])
    threshold = choose_threshold(distances, genuine)
    # Accepting d ≤ 0.55 gets 3/4 genuine and 4/4 impostors; ≤ 0.95 gets 4/4 and 3/4:
    # both 0.875 balanced; the first (smaller) wins.
    assert threshold == pytest.approx(0.55)
    result = verification_accuracy(distances, genuine, threshold)
    assert result == pytest.approx({"accuracy": 7 / 8, "true_accept_rate": 0.75,
                                    "true_reject_rate": 1.0, "balanced_accuracy": 0.875})


def test_recognition_accuracy_one_shot():
    # Person 0 enrolled by image 0 at [1, 0]; person 1 by image 2 at [0, 1]. Image 1 (person
    # 0) is 0.5 rad from [1, 0]; image 3 (person 1) is nearer person 0 (an error).
    table = [[1, 0], [np.cos(0.5), np.sin(0.5)], [0, 1], [np.cos(0.3), np.sin(0.3)],
             [np.cos(1.5), np.sin(1.5)]]
    images = np.arange(5, dtype=float).reshape(5, 1, 1, 1)
    identities = np.array([0, 0, 1, 1, 1])
    encoder = TableEncoder(table)
    assert recognition_accuracy(encoder, images, identities) == pytest.approx(2 / 3)
    # With a threshold below image 1's chord (0.495): it becomes "not recognized".
    assert recognition_accuracy(encoder, images, identities, threshold=0.4) == \
        pytest.approx(1 / 3)


def test_evaluate_face_encoder_reports_every_figure():
    rng = np.random.default_rng(0)
    table = rng.standard_normal((12, 4))
    table /= np.linalg.norm(table, axis=1, keepdims=True)
    images = np.arange(12, dtype=float).reshape(12, 1, 1, 1)
    identities = np.repeat(np.arange(4), 3)
    results = evaluate_face_encoder(TableEncoder(table), images[:6], identities[:6],
                                    images[6:], identities[6:])
    assert set(results) == {"auc", "threshold", "train_auc", "accuracy", "balanced_accuracy",
                            "true_accept_rate", "true_reject_rate", "recognition",
                            "recognition_at_threshold"}
    d, g = pair_distances(table[6:], identities[6:])
    assert results["auc"] == pytest.approx(roc_auc(-d, g))
