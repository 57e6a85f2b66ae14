"""Face verification and one-shot recognition on the ORL faces, against eigenfaces.

The course's week-4 application: an Encoder CNN maps a face to f(x), 128 numbers of unit
length, trained with the triplet loss on semi-hard triplets mined in batches of P people ×
K images. It is evaluated on 10 people it has never seen:

- verification (1:1) over every pair of their 100 images (450 genuine, 4,500 impostor):
  ROC AUC, and the accuracies at a threshold chosen on training people only;
- recognition (1:K): one image of each new person enrolled (one-shot), the other 9 each
  recognized as the closest enrolled person.

Side by side: eigenfaces (PCA with 50 components, Turk & Pentland 1991, fitted on the same
training images) in cosine and Euclidean form, and the same Encoder untrained (random
filters, which already give a useful similarity).

    python examples/face_verification.py               # ORL from $NPDEEP_DATA/faces or
                                                       # ../shared/data/faces next to the repo
    python examples/face_verification.py --epochs 10   # a quick look

Images are halved to 56×46 (block averages) for speed. Prints the table and the wall time.

Measured with the defaults (seed 0, 2 shared cores; 77 s of training, 83 s in all):

    model                        AUC  threshold  accuracy  balanced  1:K
    eigenfaces-50 (cosine)     0.953      1.148     0.875     0.893  0.844
    eigenfaces-50 (euclidean)  0.980      7.448     0.888     0.921  0.878
    Encoder, untrained         0.949      0.137     0.870     0.866  0.811
    Encoder, triplet loss      0.994      0.861     0.980     0.909  0.911

The trained encoder ranks pairs best (AUC), but its threshold, chosen on the people it was
trained on (whose images it has pulled tightly together), is a little strict for new people:
it accepts 82% of their genuine pairs and rejects 99.6% of impostors.
"""
from __future__ import annotations

import argparse
import time

import npdeep
from npdeep.data import downsample, load_orl_faces, split_by_identity
from npdeep.data.transforms import Compose, RandomCrop, RandomHorizontalFlip
from npdeep.optim import Adam
from npdeep.vision import Eigenfaces, Encoder, evaluate_face_encoder, train_encoder

COLUMNS = (("auc", "AUC"), ("threshold", "threshold"), ("accuracy", "accuracy"),
           ("balanced_accuracy", "balanced"), ("true_accept_rate", "TAR"),
           ("true_reject_rate", "TRR"), ("recognition", "1:K"),
           ("recognition_at_threshold", "1:K at thr"))


def table(rows: dict) -> str:
    header = f"{'model':<24}" + "".join(f"{title:>11}" for _, title in COLUMNS)
    lines = [header, "-" * len(header)]
    for name, results in rows.items():
        lines.append(f"{name:<24}" + "".join(f"{results[key]:>11.4f}" for key, _ in COLUMNS))
    return "\n".join(lines)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="orl_faces.npz, or the folder holding it")
    parser.add_argument("--epochs", type=int, default=120)
    parser.add_argument("--learning-rate", type=float, default=3e-4)
    parser.add_argument("--mining", default="semi-hard", choices=("semi-hard", "hard",
                                                                  "batch-all"))
    parser.add_argument("--identities-per-batch", type=int, default=10, help="P")
    parser.add_argument("--images-per-identity", type=int, default=5, help="K")
    parser.add_argument("--channels", default="32,64,128,256",
                        help="n_C of the Encoder's CONV-BN-ReLU-POOL blocks")
    parser.add_argument("--factor", type=int, default=2, help="downsampling of the 112×92 images")
    parser.add_argument("--checkpoint-dir", default=None,
                        help="write a checkpoint after every epoch (resume with --resume)")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    images, identities = load_orl_faces(args.data)              # (400, 112, 92, 1)
    if args.factor > 1:
        images = downsample(images, args.factor)                # (400, 56, 46, 1)
    X_train, y_train, X_test, y_test = split_by_identity(images, identities, 30, seed=0)
    print(f"{len(X_train)} images of 30 people train; {len(X_test)} images of 10 others "
          f"evaluate; images {images.shape[1]}×{images.shape[2]}", flush=True)

    rows = {}
    for metric in ("cosine", "euclidean"):
        eigenfaces = Eigenfaces(50, metric=metric).fit(X_train)
        rows[f"eigenfaces-50 ({metric})"] = evaluate_face_encoder(eigenfaces, X_train, y_train,
                                                                  X_test, y_test)
    npdeep.manual_seed(args.seed)
    channels = tuple(int(c) for c in args.channels.split(","))
    encoder = Encoder(images.shape[1:], embedding_size=128, channels=channels)
    print(f"Encoder: {encoder.num_parameters():,} parameters, blocks {channels}")
    rows["Encoder, untrained"] = evaluate_face_encoder(encoder, X_train, y_train, X_test,
                                                       y_test)

    # Mirror images and shifts of up to 3 pixels: the same person, a new picture.
    augment = Compose([RandomHorizontalFlip(), RandomCrop(images.shape[1:3], padding=3)])
    optimizer = Adam(encoder.parameters(), learning_rate=args.learning_rate)
    train_start = time.perf_counter()
    history = train_encoder(encoder, X_train, y_train, epochs=args.epochs, mining=args.mining,
                            identities_per_batch=args.identities_per_batch,
                            images_per_identity=args.images_per_identity,
                            optimizer=optimizer, transform=augment,
                            checkpoint_dir=args.checkpoint_dir, resume=args.resume,
                            verbose=2, seed=args.seed)
    train_seconds = time.perf_counter() - train_start
    rows["Encoder, triplet loss"] = evaluate_face_encoder(encoder, X_train, y_train, X_test,
                                                          y_test)

    print()
    print(table(rows))
    print("AUC, accuracy (all pairs), balanced accuracy, true accept/reject rates: the 10 "
          "unseen people's pairs, at the threshold of best balanced accuracy on the training "
          "people's pairs. 1:K: one enrolled image per unseen person, the closest identity "
          "(and with 'not recognized' above the threshold).")
    wall = time.perf_counter() - start
    print(f"training: {len(history.epochs)} epochs in {train_seconds:.0f} s; "
          f"wall time: {wall:.0f} s ({wall / 60:.1f} min)")
    return {"rows": rows, "history": history, "train_seconds": train_seconds, "wall": wall}


if __name__ == "__main__":
    main()
