"""Course 5, week 1: a character-level language model of first names, then new names.

    x⟨t⟩ one-hot (m, V) -> LSTM a⟨t⟩ (m, n_a) -> z⟨t⟩ = Wya·a⟨t⟩ + by -> softmax -> ŷ⟨t⟩

trained on 32,033 names (one per line: padded, masked batches), 10% held out. The held-out
cross-entropy per character is compared with a bigram model's on the same split (the course's
dinosaur names, at the scale of Karpathy's makemore); then names are drawn from the softmax.

    python examples/char_names.py --minutes 2 --out results/
"""
from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np

import npdeep
import npdeep.functional as F
from npdeep.cli.charlm import TimeLimit
from npdeep.models import char_rnn
from npdeep.text import BigramModel, LineBatches, Vocabulary, nats_per_token, sample

NAMES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data",
                     "names", "names_ssa2018.txt")


def split_names(names: list, dev_fraction: float, seed: int) -> tuple:
    """(train, dev): a seeded random dev_fraction of the names held out."""
    order = np.random.default_rng(seed).permutation(len(names))
    n_dev = int(round(dev_fraction * len(names)))
    return [names[i] for i in order[n_dev:]], [names[i] for i in order[:n_dev]]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=NAMES, help="one name per line")
    parser.add_argument("--cell", default="lstm", choices=("lstm", "gru", "rnn"))
    parser.add_argument("--n-a", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--minutes", type=float, default=None,
                        help="time budget (no epoch starts that would end past it)")
    parser.add_argument("--mini-batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--patience", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None,
                        help="use only the first LIMIT names (a quick check)")
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=".", help="folder for the loss curve")
    args = parser.parse_args(argv)

    with open(args.data, encoding="utf-8") as f:
        names = [line.strip() for line in f if line.strip()]
    names = names[:args.limit] if args.limit else names
    train_names, dev_names = split_names(names, 0.1, args.seed)
    vocab = Vocabulary.build(train_names)
    npdeep.manual_seed(args.seed)
    model = char_rnn(len(vocab), args.n_a, cell=args.cell)
    print(f"{len(train_names)} train and {len(dev_names)} dev names, {len(vocab)} tokens")
    print(model)
    optimizer = npdeep.optim.Adam(model.parameters(), learning_rate=args.learning_rate)
    started = time.perf_counter()
    callbacks = [npdeep.EarlyStopping("dev_cost", patience=args.patience)]
    if args.minutes:
        callbacks.append(TimeLimit(args.minutes))
    history = npdeep.fit(model, F.cross_entropy, optimizer,
                         LineBatches(train_names, vocab, mini_batch_size=args.mini_batch_size),
                         dev=LineBatches(dev_names, vocab, mini_batch_size=1024, shuffle=False,
                                         pad_to="longest"),
                         epochs=args.epochs, callbacks=callbacks, metrics=(), clip_norm=5.0,
                         verbose=2, seed=args.seed)
    dev_nats = nats_per_token(model, vocab, dev_names)
    result = {"dev_nats_per_char": dev_nats, "dev_perplexity": math.exp(dev_nats),
              "epochs": len(history.epochs), "seconds": time.perf_counter() - started}
    for smoothing in ("add-one", "kneser-ney"):
        bigram = BigramModel(vocab, smoothing=smoothing).fit(train_names)
        result[f"bigram_{smoothing}_perplexity"] = bigram.perplexity(dev_names)
    print(f"{result['epochs']} epochs in {result['seconds']:.0f} s")
    print(f"held-out perplexity per character: {result['dev_perplexity']:.3f} "
          f"({dev_nats:.4f} nats); bigram: {result['bigram_add-one_perplexity']:.3f} "
          f"add-one, {result['bigram_kneser-ney_perplexity']:.3f} Kneser-Ney")
    result["samples"] = sample(model, vocab, n=args.samples, seed=args.seed)
    seen = set(names)
    for name in result["samples"]:
        print(f"  {name}{'' if name in seen else '   (new)'}")
    os.makedirs(args.out, exist_ok=True)
    try:
        history.plot(os.path.join(args.out, "char_names_curves.png"),
                     title="character LSTM on names (cost: nats per character)")
    except ImportError:
        pass
    return result


if __name__ == "__main__":
    main()
