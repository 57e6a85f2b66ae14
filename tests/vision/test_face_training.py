"""Triplet mining, P×K batches and train_encoder on top of fit (checkpoints, resume)."""
import itertools

import numpy as np
import pytest

import npdeep
from npdeep.tensor import Tensor
from npdeep.vision.face import Encoder
from npdeep.vision.face_evaluation import pair_distances, roc_auc
from npdeep.vision.face_training import (IdentityBatches, mine_triplets,
                                         pairwise_squared_distances, train_encoder,
                                         triplet_accuracy, triplet_mining_loss)

from harness import assert_gradcheck


def d2(E, i, j):
    return float(sum((E[i, k] - E[j, k]) ** 2 for k in range(E.shape[1])))


def mine_loop(E, labels, mining):
    """The three strategies one anchor (and pair) at a time, as their definitions read."""
    m = len(E)
    triplets = []
    for a in range(m):
        positives = [p for p in range(m) if p != a and labels[p] == labels[a]]
        negatives = [n for n in range(m) if labels[n] != labels[a]]
        if not positives or not negatives:
            continue
        if mining == "batch-all":
            triplets += [(a, p, n) for p in positives for n in negatives]
        elif mining == "hard":
            p = max(positives, key=lambda p: (d2(E, a, p), -p))
            n = min(negatives, key=lambda n: (d2(E, a, n), n))
            triplets.append((a, p, n))
        else:
            for p in positives:
                farther = [n for n in negatives if d2(E, a, n) > d2(E, a, p)]
                if farther:
                    n = min(farther, key=lambda n: (d2(E, a, n), n))
                else:
                    n = max(negatives, key=lambda n: (d2(E, a, n), -n))
                triplets.append((a, p, n))
    return sorted(triplets)


def as_triplets(indices):
    return sorted(zip(*(i.tolist() for i in indices)))


def test_pairwise_squared_distances_match_loop():
    E = np.random.default_rng(0).standard_normal((5, 3))
    D = pairwise_squared_distances(E)
    for i, j in itertools.product(range(5), repeat=2):
        assert D[i, j] == pytest.approx(d2(E, i, j), abs=1e-12)


def test_mining_on_crafted_embeddings():
    # One dimension: person 0 at 0.0 and 0.3, person 1 at 0.4 and 1.0, person 2 at 3.0 and 3.1.
    E = np.array([[0.0], [0.3], [0.4], [1.0], [3.0], [3.1]])
    labels = np.array([0, 0, 1, 1, 2, 2])
    a, p, n = mine_triplets(E, labels, "hard")
    # Anchor 1 (0.3): positive 0 (d² 0.09), closest negative 2 (d² 0.01): a hard triplet.
    # Anchor 2 (0.4): positive 3 (d² 0.36), closest negative 1 (d² 0.01).
    assert as_triplets((a, p, n))[:4] == [(0, 1, 2), (1, 0, 2), (2, 3, 1), (3, 2, 1)]
    semi = dict(((a_, p_), n_) for a_, p_, n_ in as_triplets(mine_triplets(E, labels,
                                                                           "semi-hard")))
    # (0, 1): d² 0.09; negatives at d² 0.16 (2), 1 (3): the semi-hard one is 2 (0.09 < 0.16
    # < 0.09 + 0.2).
    assert semi[(0, 1)] == 2
    # (2, 3): d² 0.36; negatives 1 (0.01), 0 (0.16), 4 (6.76): none is farther but 4.
    assert semi[(2, 3)] == 4
    # (1, 0): d² 0.09; negative 2 is at 0.01, closer than the positive: 3 (0.49) is the
    # closest farther one.
    assert semi[(1, 0)] == 3
    # Person 2 is far from everyone: its pairs take the closest farther negative, 3.
    assert semi[(4, 5)] == 3 and semi[(5, 4)] == 3
    all_triplets = as_triplets(mine_triplets(E, labels, "batch-all"))
    assert len(all_triplets) == 6 * 1 * 4
    assert all(labels[a_] == labels[p_] != labels[n_] and a_ != p_
               for a_, p_, n_ in all_triplets)


@pytest.mark.parametrize("mining", ["semi-hard", "hard", "batch-all"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mining_matches_loop_reference(mining, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, 9)
    E = rng.standard_normal((9, 4))
    assert as_triplets(mine_triplets(E, labels, mining)) == mine_loop(E, labels, mining)


def test_mining_without_valid_triplets_and_bad_input():
    E = np.eye(3)
    for mining in ("semi-hard", "hard", "batch-all"):
        assert all(len(i) == 0 for i in mine_triplets(E, np.zeros(3), mining))
        assert all(len(i) == 0 for i in mine_triplets(E, np.arange(3), mining))
    with pytest.raises(ValueError, match="The 'mining' parameter of mine_triplets must be one "
                                         "of 'semi-hard', 'hard', 'batch-all'. Got 'easy'"):
        mine_triplets(E, np.arange(3), "easy")
    with pytest.raises(ValueError, match=r"mine_triplets: expected embeddings \(m, d\) and "
                                         r"labels \(m,\), but got \(3, 3\) and \(2,\)"):
        mine_triplets(E, np.arange(2))


def test_triplet_accuracy_by_hand():
    E = np.array([[0.0], [0.3], [0.4], [1.0]])
    labels = np.array([0, 0, 1, 1])
    # 8 triplets; out of order: (1, 0, 2) (0.09 vs 0.01), (2, 3, 1) and (2, 3, 0) (0.36 vs
    # 0.01 and 0.16).
    assert triplet_accuracy(labels, E) == pytest.approx(5 / 8)
    assert triplet_accuracy(np.zeros(4), E) == 1.0


@pytest.mark.parametrize("mining", ["semi-hard", "hard", "batch-all"])
def test_mining_loss_gradcheck_and_empty_batch(mining):
    rng = np.random.default_rng(3)
    labels = np.repeat([0, 1, 2], 2)
    Z = Tensor(rng.standard_normal((6, 3)) * 0.5, requires_grad=True, dtype=np.float64)
    loss_fn = triplet_mining_loss(mining, alpha=0.2)
    assert_gradcheck(lambda z: loss_fn(z, labels), [Z])
    Z.grad = None
    J = loss_fn(Z, np.zeros(6))
    J.backward()
    assert float(J.data) == 0.0 and np.all(Z.grad == 0)


def faces(people=6, per_person=6, shape=(8, 8, 1), nuisance=1.5, seed=0):
    """Each person a random template in the left half of the image; each image adds, in the
    right half, a large random pattern unrelated to the person (a stand-in for lighting and
    pose). Raw pixel distances are dominated by that pattern; an encoder can learn from some
    people to ignore it, and that carries over to people it has never seen."""
    rng = np.random.default_rng(seed)
    n_H, n_W, n_C = shape
    templates = np.zeros((people, *shape))
    templates[:, :, :n_W // 2] = rng.random((people, n_H, n_W // 2, n_C))
    identities = np.repeat(np.arange(people), per_person)
    X = templates[identities] + 0.05 * rng.standard_normal((len(identities), *shape))
    X[:, :, n_W // 2:] += nuisance * rng.random((len(identities), n_H, n_W - n_W // 2, n_C))
    return X.astype(np.float32), identities


def test_identity_batches_hold_p_people_times_k_images():
    X, identities = faces(people=5, per_person=4)
    X[:, 0, 0, 0] = np.arange(len(X))  # each image knows its index
    batches = IdentityBatches(X, identities * 10 + 3, identities_per_batch=3,
                              images_per_identity=2)
    assert len(batches) == 20 // 6
    npdeep.manual_seed(5)
    first = [(Xb.copy(), Yb) for Xb, Yb in batches]
    for X_batch, labels in first:
        index = X_batch[:, 0, 0, 0].astype(int)
        assert X_batch.shape == (6, 8, 8, 1)
        np.testing.assert_array_equal(labels, [0, 0, 1, 1, 2, 2])
        real = identities[index]
        assert len(set(real)) == 3 and len(set(index)) == 6
        assert all(real[2 * k] == real[2 * k + 1] for k in range(3))
    npdeep.manual_seed(5)
    again = list(batches)
    for (X1, _), (X2, _) in zip(first, again):
        np.testing.assert_array_equal(X1, X2)


def test_identity_batches_bad_input():
    X, identities = faces(people=3, per_person=2)
    with pytest.raises(ValueError, match="The 'identities_per_batch' parameter of "
                                         r"IdentityBatches must be an int in \[2, 3\]"):
        IdentityBatches(X, identities, identities_per_batch=4)
    with pytest.raises(ValueError, match="The 'images_per_identity' parameter of "
                                         "IdentityBatches must be an int >= 2"):
        IdentityBatches(X, identities, 2, images_per_identity=1)
    with pytest.raises(ValueError, match="triplets need at least 2"):
        IdentityBatches(X, np.zeros(len(X)), 2, 2)
    with pytest.raises(ValueError, match="every identity has a single image"):
        IdentityBatches(X, np.arange(len(X)), 2, 2)
    with pytest.raises(TypeError, match="transform must be a callable"):
        IdentityBatches(X, identities, 2, 2, transform="flip")


def test_train_encoder_separates_people_it_has_not_seen():
    X, identities = faces(people=28, per_person=4, nuisance=3.0)
    train, test = identities < 20, identities >= 20
    npdeep.manual_seed(0)
    encoder = Encoder((8, 8, 1), embedding_size=8, channels=(8,))

    def auc(E):
        return roc_auc(*_neg(pair_distances(E, identities[test])))

    pixels, before = auc(X[test].reshape(int(test.sum()), -1)), auc(encoder.encode(X[test]))
    # P = 10 > embedding_size = 8: the batch's person numbers are no class indices.
    history = train_encoder(encoder, X[train], identities[train], epochs=8,
                            identities_per_batch=10, images_per_identity=4,
                            batches_per_epoch=4, learning_rate=0.03, verbose=0, seed=0)
    assert history.train["cost"][-1] < history.train["cost"][0] / 5
    assert history.train["triplet_accuracy"][-1] > history.train["triplet_accuracy"][0]
    # Measured: 0.57 untrained, 0.69 on raw pixels, 0.88 trained.
    after = auc(encoder.encode(X[test]))
    assert after > before + 0.2 and after > pixels + 0.1


def _neg(pairs):
    distances, genuine = pairs
    return -distances, genuine


def test_train_encoder_resumes_to_the_uninterrupted_result(tmp_path):
    X, identities = faces(people=4, per_person=4)

    def run(epochs, resume=False, new=True):
        if new:
            npdeep.manual_seed(1)
            run.encoder = Encoder((8, 8, 1), embedding_size=4, channels=(4,))
        return train_encoder(run.encoder, X, identities, epochs=epochs, mining="hard",
                             identities_per_batch=2, images_per_identity=3,
                             batches_per_epoch=2, checkpoint_dir=tmp_path / "run",
                             resume=resume, overwrite=not resume, verbose=0, seed=3)

    run(4, new=True)
    straight = run.encoder.state_dict()
    run(2, new=True)
    history = run(4, resume=True, new=True)  # a fresh encoder picks up the checkpoint
    assert history.epochs == [0, 1, 2, 3]
    for name, value in run.encoder.state_dict().items():
        np.testing.assert_array_equal(value, straight[name], err_msg=name)
    assert (tmp_path / "run" / "checkpoint.safetensors").exists()
