"""Training a face Encoder with the triplet loss: P×K batches and triplet mining.

The course: "choose triplets that are hard to train on". Random triplets mostly satisfy
d(A, P) + α ≤ d(A, N) already and teach nothing, so the triplets are chosen within each
mini-batch from the encodings the network gives right now (online mining, FaceNet §3.2;
Hermans et al. 2017, "In Defense of the Triplet Loss"). Each batch holds P identities × K
images, so that every anchor has K − 1 positives and (P − 1)·K negatives to choose from.

Distances d are the squared Euclidean distances of the loss, d(i, j) = ‖f(xᵢ) − f(xⱼ)‖².
"""
from __future__ import annotations

import numpy as np

from npdeep import backend
from npdeep.functional.triplet import triplet_loss
from npdeep.optim.adam import Adam
from npdeep.train.fit import fit
from npdeep.validation import check_choice, check_float, check_int

MINING = ("semi-hard", "hard", "batch-all")


def pairwise_squared_distances(E: np.ndarray) -> np.ndarray:
    """D[i, j] = ‖E[i] − E[j]‖² for the rows of E (m, d): (m, m), symmetric, 0 on the diagonal.

    NOTE: ‖a‖² + ‖b‖² − 2a·b (one GEMM) can come out slightly negative by cancellation for
    near-equal rows; it is clipped at 0.
    """
    E = np.asarray(E, dtype=np.float64)
    squares = np.sum(E * E, axis=1)
    D = squares[:, None] + squares[None, :] - 2.0 * (E @ E.T)
    np.maximum(D, 0.0, out=D)
    np.fill_diagonal(D, 0.0)
    return D


def _masks(labels: np.ndarray):
    same = labels[:, None] == labels[None, :]
    positive = same & ~np.eye(len(labels), dtype=bool)  # (a, p): same person, not a itself
    return positive, ~same                               # (a, n): another person


def mine_triplets(embeddings, labels, mining: str = "semi-hard", alpha: float = 0.2) -> tuple:
    """The triplets (anchor, positive, negative) of one batch to train on, as indices.

    - "semi-hard" (FaceNet §3.2): every anchor-positive pair (a, p), with the negative
      closest to a among those farther than p: d(a, p) < d(a, n), and semi-hard when also
      d(a, n) < d(a, p) + α (otherwise the pair is satisfied and its loss is 0). A pair
      with no negative farther than p takes the farthest negative instead (the least hard:
      the hardest ones early in training make the encoder collapse, FaceNet §3.2).
    - "hard" (batch hard, Hermans et al. 2017): for every anchor, its farthest positive and
      its closest negative — one triplet per anchor.
    - "batch-all": every valid triplet of the batch (those already satisfied add 0).

    Args:
        embeddings: (m, d) encodings of the batch.
        labels: (m,) identities; only equality matters.
        mining: "semi-hard", "hard" or "batch-all".
        alpha: the margin α (semi-hard mining's upper bound; it does not change the choice).

    Returns:
        (anchors, positives, negatives): int64 arrays of one length (0 when the batch holds
        one identity, or no identity with two images).

    Raises:
        ValueError: for embeddings not (m, d), labels not (m,), or an unknown mining.

    Example:
        >>> a, p, n = mine_triplets(Z.data, Y_batch, "semi-hard")
        >>> J = triplet_loss(Z[a], Z[p], Z[n])
    """
    where = "mine_triplets"
    check_choice(mining, "mining", where, MINING)
    check_float(alpha, "alpha", where, low=0.0)
    embeddings, labels = np.asarray(embeddings), np.asarray(labels)
    if embeddings.ndim != 2 or labels.shape != (len(embeddings),):
        raise ValueError(f"{where}: expected embeddings (m, d) and labels (m,), but got "
                         f"{embeddings.shape} and {labels.shape}")
    D = pairwise_squared_distances(embeddings)
    positive, negative = _masks(labels)
    if mining == "batch-all":
        a, p, n = np.nonzero(positive[:, :, None] & negative[:, None, :])
        return a.astype(np.int64), p.astype(np.int64), n.astype(np.int64)
    if mining == "hard":
        usable = positive.any(axis=1) & negative.any(axis=1)
        anchors = np.flatnonzero(usable)
        p = np.where(positive, D, -np.inf)[anchors].argmax(axis=1)
        n = np.where(negative, D, np.inf)[anchors].argmin(axis=1)
        return anchors.astype(np.int64), p.astype(np.int64), n.astype(np.int64)
    a, p = np.nonzero(positive & negative.any(axis=1)[:, None])  # every usable (a, p) pair
    d_ap = D[a, p][:, None]                                       # (pairs, 1)
    d_an = D[a]                                                   # (pairs, m)
    farther = negative[a] & (d_an > d_ap)
    semi_hard = np.where(farther, d_an, np.inf).argmin(axis=1)
    easiest = np.where(negative[a], d_an, -np.inf).argmax(axis=1)
    n = np.where(farther.any(axis=1), semi_hard, easiest)
    return a.astype(np.int64), p.astype(np.int64), n.astype(np.int64)


def triplet_accuracy(labels, embeddings) -> float:
    """The fraction of the batch's valid triplets (a, p, n) with d(a, p) < d(a, n): 1 when
    every person's images are closer to each other than to anyone else's. A metric for
    ``fit`` (fn(y_true, y_pred) -> float); 1.0 for a batch without valid triplets."""
    embeddings = getattr(embeddings, "data", embeddings)
    D = pairwise_squared_distances(embeddings)
    positive, negative = _masks(np.asarray(labels))
    valid = positive[:, :, None] & negative[:, None, :]
    total = int(valid.sum())
    if total == 0:
        return 1.0
    return float(np.count_nonzero(valid & (D[:, :, None] < D[:, None, :])) / total)


def triplet_mining_loss(mining: str = "semi-hard", alpha: float = 0.2,
                        reduction: str = "mean"):
    """J(Z, Y) for ``fit``: mine the batch's triplets on Z's values, then the triplet loss of
    those triplets, with gradients through Z[anchors], Z[positives], Z[negatives].

    The mining itself is a choice of indices, outside the graph (as in FaceNet). A batch
    with no valid triplet gives J = 0 (still connected to Z, so backward runs).
    """
    check_choice(mining, "mining", "triplet_mining_loss", MINING)
    check_float(alpha, "alpha", "triplet_mining_loss", low=0.0)

    def loss_fn(Z, Y):
        a, p, n = mine_triplets(Z.data, Y, mining, alpha)
        if len(a) == 0:
            return (Z * 0.0).sum()
        return triplet_loss(Z[a], Z[p], Z[n], alpha=alpha, reduction=reduction)

    loss_fn.__name__ = f"triplet_loss[{mining}]"
    return loss_fn


class IdentityBatches:
    """Mini-batches of P identities × K images each, drawn afresh every epoch.

    For each batch, P distinct identities are drawn, then K distinct images of each (with
    replacement only for a person with fewer than K images). Every draw comes from npdeep's
    RNG when the epoch's iteration starts, so ``npdeep.manual_seed`` repeats a run and fit's
    resume replays an interrupted epoch exactly.

    Yields (X_batch (P·K, n_H, n_W, n_C), Y_batch (P·K,)) with Y_batch the identities
    renumbered 0..P−1 within the batch (mining needs only which images share a person).

    NOTE: Y_batch holds those numbers as floats (exact for any P): fit's pre-flight reads
    integer labels as class indices and checks them against the model's outputs, but a
    person here is no output of the encoder (P may well exceed embedding_size).

    Args:
        images: (m, n_H, n_W, n_C).
        identities: (m,) identities (any hashable values NumPy can compare).
        identities_per_batch: P >= 2 (a negative needs a second person).
        images_per_identity: K >= 2 (a positive needs a second image).
        batches_per_epoch: batches per epoch; default ⌊m / (P·K)⌋ (at least 1), about one
            pass over the images.
        transform: a callable transform(X_batch) -> X_batch (augmentation, e.g.
            ``npdeep.data.transforms.RandomHorizontalFlip()``), applied to every batch.
    """

    def __init__(self, images, identities, identities_per_batch: int = 8,
                 images_per_identity: int = 4, batches_per_epoch: int | None = None,
                 transform=None):
        where = "IdentityBatches"
        if transform is not None and not callable(transform):
            raise TypeError(f"{where}: transform must be a callable transform(X_batch) -> "
                            f"X_batch; got {type(transform).__name__}")
        self.transform = transform
        self.images, identities = np.asarray(images), np.asarray(identities)
        if self.images.ndim != 4 or identities.shape != (len(self.images),):
            raise ValueError(f"{where}: expected images (m, n_H, n_W, n_C) and identities "
                             f"(m,), but got {self.images.shape} and {identities.shape}")
        people, inverse = np.unique(identities, return_inverse=True)
        self.groups = [np.flatnonzero(inverse == k) for k in range(len(people))]
        counts = np.array([len(g) for g in self.groups])
        if len(people) < 2:
            raise ValueError(f"{where}: the images show {len(people)} identity; triplets need "
                             "at least 2 (a negative is another person)")
        self.P = check_int(identities_per_batch, "identities_per_batch", where, 2,
                           len(people))
        self.K = check_int(images_per_identity, "images_per_identity", where, 2)
        if counts.max() < 2:
            raise ValueError(f"{where}: every identity has a single image; triplets need "
                             "people with at least 2 images (an anchor and a positive)")
        default = max(1, len(self.images) // (self.P * self.K))
        self.n_batches = default if batches_per_epoch is None else check_int(
            batches_per_epoch, "batches_per_epoch", where)

    def __len__(self) -> int:
        return self.n_batches

    def __iter__(self):
        rng = backend.rng()
        plan = []
        for _ in range(self.n_batches):
            people = rng.choice(len(self.groups), self.P, replace=False)
            indices = [rng.choice(self.groups[k], self.K, replace=len(self.groups[k]) < self.K)
                       for k in people]
            plan.append(np.concatenate(indices))
        labels = np.repeat(np.arange(self.P, dtype=np.float64), self.K)
        transform = self.transform or (lambda X: X)
        # The transforms' random draws happen here too, at the epoch's start (see above).
        return iter([(transform(self.images[batch]), labels) for batch in plan])


def train_encoder(encoder, images, identities, epochs: int = 10, mining: str = "semi-hard",
                  alpha: float = 0.2, identities_per_batch: int = 8,
                  images_per_identity: int = 4, batches_per_epoch: int | None = None,
                  optimizer=None, learning_rate: float = 1e-3, checkpoint_dir=None,
                  resume: bool = False, overwrite: bool = False, verbose: int = 1,
                  seed=None, callbacks=(), transform=None, schedule=None):
    """Train ``encoder`` (in place) with the triplet loss on batches of P identities × K images.

    This is :func:`npdeep.fit` with two parts of this module plugged in: the mini-batch
    source is :class:`IdentityBatches` and the cost J(Z, Y) is
    :func:`triplet_mining_loss` (mine the batch's triplets on its encodings, then the mean
    triplet loss over them). So fit's machinery comes as is: the progress bar and per-epoch
    lines, the NaN guard, atomic safetensors checkpoints after every epoch and on Ctrl-C,
    and ``resume=True`` continuing to the same result as an uninterrupted run. The logged
    metric is :func:`triplet_accuracy` (the share of the batch's triplets already in order).

    Args:
        encoder: an :class:`~npdeep.vision.face.Encoder` (any Module giving encodings).
        images: (m, n_H, n_W, n_C) training images, NHWC.
        identities: (m,) their identities.
        epochs: passes (of ``batches_per_epoch`` batches) in total, counting resumed ones.
        mining: "semi-hard" (FaceNet), "hard" (batch hard) or "batch-all";
            see :func:`mine_triplets`.
        alpha: the margin α of the triplet loss (0.2, the course's).
        identities_per_batch: P, identities in each batch (>= 2).
        images_per_identity: K, images of each (>= 2).
        batches_per_epoch: default ⌊m / (P·K)⌋.
        transform: augmentation applied to every batch (see :class:`IdentityBatches`).
        optimizer: default Adam(encoder.parameters(), learning_rate).
        learning_rate: the default optimizer's α (ignored when an optimizer is given).
        checkpoint_dir, resume, overwrite, verbose, seed, callbacks, schedule: as in
            :func:`npdeep.fit`.

    Returns:
        npdeep.train.History with train "cost" and "triplet_accuracy" per epoch.

    Raises:
        ValueError: for a bad mining, alpha, P, K or batches_per_epoch, images that are
            not NHWC or do not match the encoder, and everything fit refuses.

    Example:
        >>> encoder = Encoder((56, 46, 1))
        >>> history = train_encoder(encoder, X_train, y_train, epochs=30, mining="semi-hard",
        ...                         identities_per_batch=10, images_per_identity=5,
        ...                         checkpoint_dir="runs/faces", resume=True)
    """
    batches = IdentityBatches(images, identities, identities_per_batch, images_per_identity,
                              batches_per_epoch, transform)
    loss_fn = triplet_mining_loss(mining, alpha)
    if optimizer is None:
        optimizer = Adam(encoder.parameters(), learning_rate=learning_rate)
    return fit(encoder, loss_fn, optimizer, batches, epochs=epochs,
               metrics=(triplet_accuracy,), checkpoint_dir=checkpoint_dir, resume=resume,
               overwrite=overwrite, verbose=verbose, seed=seed, callbacks=callbacks,
               schedule=schedule)
