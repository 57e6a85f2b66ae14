"""Course 5, week 1: a character-level LSTM on Shakespeare's plays, then a new scene.

    x⟨t⟩ one-hot (m, V) -> LSTM a⟨t⟩, c⟨t⟩ (m, n_a) -> z⟨t⟩ = Wya·a⟨t⟩ + by -> softmax -> ŷ⟨t⟩

on tiny Shakespeare (1.1M characters), the last 10% held out. Running text is cut into m
parallel rows and windows of T = --bptt steps (truncated backpropagation through time); the
model is stateful: each window starts from the state the previous one ended in (detached, so
the gradient flows back at most T steps). Training stops at the time budget (--minutes) or
when the dev cost stops improving. Reports the held-out cross-entropy in nats per character
(nanoGPT's README reports 1.88 for its small character GPT trained about 3 minutes on a
laptop CPU), the loss curve and a 500-character sample.

    python examples/char_shakespeare.py --minutes 10 --out results/
"""
from __future__ import annotations

import argparse
import math
import os
import time

import npdeep
import npdeep.functional as F
from npdeep.cli.charlm import TimeLimit
from npdeep.models import char_rnn
from npdeep.text import BigramModel, StreamBatches, Vocabulary, nats_per_token, sample

TEXT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data",
                    "text", "tinyshakespeare.txt")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=TEXT, help="running text (UTF-8)")
    parser.add_argument("--cell", default="lstm", choices=("lstm", "gru", "rnn"))
    parser.add_argument("--n-a", type=int, default=256)
    parser.add_argument("--num-layers", type=int, default=1)
    parser.add_argument("--bptt", type=int, default=100, help="T, steps per window")
    parser.add_argument("--mini-batch-size", type=int, default=32, help="m, parallel rows")
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=10.0,
                        help="time budget (no epoch starts that would end past it)")
    parser.add_argument("--patience", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None,
                        help="use only the first LIMIT characters (a quick check)")
    parser.add_argument("--sample-length", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=".", help="folder for the loss curve and sample")
    args = parser.parse_args(argv)

    with open(args.data, encoding="utf-8") as f:
        text = f.read()
    text = text[:args.limit] if args.limit else text
    n_dev = len(text) // 10
    train_text, dev_text = text[:-n_dev], text[-n_dev:]
    vocab = Vocabulary.build(train_text)
    npdeep.manual_seed(args.seed)
    model = char_rnn(len(vocab), args.n_a, cell=args.cell, num_layers=args.num_layers,
                     stateful=True)
    train = StreamBatches(train_text, vocab, mini_batch_size=args.mini_batch_size,
                          bptt=args.bptt)
    m_dev = max(1, min(args.mini_batch_size, (len(dev_text) - 1) // args.bptt))
    dev = StreamBatches(dev_text, vocab, mini_batch_size=m_dev, bptt=args.bptt)
    print(f"{len(train_text):,} train and {len(dev_text):,} dev characters, {len(vocab)} "
          f"tokens; {len(train)} windows of {args.mini_batch_size} x {args.bptt} per epoch")
    print(model)
    optimizer = npdeep.optim.Adam(model.parameters(), learning_rate=args.learning_rate)
    started = time.perf_counter()
    callbacks = [npdeep.EarlyStopping("dev_cost", patience=args.patience),
                 TimeLimit(args.minutes)]
    history = npdeep.fit(model, F.cross_entropy, optimizer, train, dev=dev, epochs=args.epochs,
                         callbacks=callbacks, metrics=(), clip_norm=5.0, verbose=2,
                         seed=args.seed)
    seconds = time.perf_counter() - started
    dev_nats = nats_per_token(model, vocab, dev_text)  # the state carried through all of it
    bigram = BigramModel(vocab, smoothing="kneser-ney").fit(train_text)
    result = {"dev_nats_per_char": dev_nats, "dev_perplexity": math.exp(dev_nats),
              "bigram_dev_nats_per_char": bigram.nats_per_token(dev_text),
              "epochs": len(history.epochs), "seconds": seconds,
              "dev_cost_curve": history.dev["cost"]}
    print(f"{result['epochs']} epochs in {seconds:.0f} s; held-out cross-entropy "
          f"{dev_nats:.4f} nats per character (perplexity {math.exp(dev_nats):.3f}; a "
          f"Kneser-Ney bigram model: {result['bigram_dev_nats_per_char']:.4f})")
    result["sample"] = sample(model, vocab, n=1, max_length=args.sample_length, prefix="\n",
                              seed=args.seed)[0]
    print(result["sample"])
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "char_shakespeare_sample.txt"), "w",
              encoding="utf-8") as f:
        f.write(result["sample"])
    try:
        history.plot(os.path.join(args.out, "char_shakespeare_curves.png"),
                     title="character LSTM on tiny Shakespeare (cost: nats per character)")
    except ImportError:
        pass
    return result


if __name__ == "__main__":
    main()
