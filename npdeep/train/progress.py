"""What fit shows while it trains (Keras's ``verbose`` levels), and Ctrl-C handling.

- ``verbose=0``: nothing.
- ``verbose=1``: a tqdm bar per epoch on stderr with the running cost, replaced when the epoch
  ends by the epoch's line (below). The bar stays short so that an 80-column terminal shows it
  whole; the dev figures, which would not fit beside it, are on the line.
- ``verbose=2``: only the line, one per epoch, on stdout — for logs and pipes, where a bar's
  carriage returns are noise::

      epoch 3/10 - cost 0.1234 - accuracy 0.9700 - dev_cost 0.2100 - dev_accuracy 0.9500 -
      learning_rate 0.001     (one line, wrapped here)

Messages about the run itself ("resuming from epoch 3 of 10") go to stdout at levels 1 and 2.
"""
from __future__ import annotations

import signal
import sys
import threading

VERBOSE_LEVELS = (0, 1, 2)


def check_verbose(verbose, where: str) -> int:
    """``verbose`` as 0, 1 or 2 (booleans are refused: True would silently mean 1)."""
    if isinstance(verbose, bool) or verbose not in VERBOSE_LEVELS:
        raise ValueError(f"The 'verbose' parameter of {where} must be 0 (silent), 1 (a progress "
                         f"bar) or 2 (one line per epoch). Got {verbose!r} instead.")
    return int(verbose)


def _number(value: float) -> str:
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        return f"{value:.4f}"
    return f"{value:.3e}"  # a cost of 3e-6 must not print as 0.0000


def epoch_line(epoch: int, epochs: int, logs: dict) -> str:
    """"epoch 3/10 - cost 0.1234 - ... - learning_rate 0.001" (epochs counted from 1)."""
    parts = [f"epoch {epoch + 1}/{epochs}"]
    for key, value in logs.items():
        if key == "learning_rate":
            parts.append(f"learning_rate {value:g}")
        else:
            name = key[len("train_"):] if key.startswith("train_") else key
            parts.append(f"{name} {_number(value)}")
    return " - ".join(parts)


class Progress:
    """The bar and the per-epoch line of one fit call, as ``verbose`` asks."""

    def __init__(self, verbose: int, epochs: int):
        self.verbose = verbose
        self.epochs = epochs
        self.bar = None
        self.tqdm = None
        if verbose == 1:
            try:
                from tqdm.auto import tqdm
                self.tqdm = tqdm
            except ImportError:  # an optional dependency: the per-epoch line remains
                pass

    def message(self, text: str) -> None:
        """A line about the run (resuming, already complete), shown at verbose >= 1."""
        if self.verbose:
            print(text, file=sys.stdout, flush=True)

    def start(self, epoch: int, n_batches: int, done: int) -> None:
        if self.tqdm is not None:
            # leave=False: the finished bar is erased and the epoch's line takes its place.
            self.bar = self.tqdm(total=n_batches, initial=done, leave=False, file=sys.stderr,
                                 desc=f"epoch {epoch + 1}/{self.epochs}", dynamic_ncols=True)

    def batch(self, step: int, cost_sum: float, seen: int) -> None:
        bar = self.bar
        if bar is not None:
            # Formatting the postfix costs microseconds; every 16th batch keeps it cheap.
            if step % 16 == 0:
                bar.set_postfix_str(f"cost={cost_sum / seen:.4f}", refresh=False)
            bar.update()

    def end(self, epoch: int, logs: dict) -> None:
        self.close()
        if self.verbose:
            print(epoch_line(epoch, self.epochs, logs), file=sys.stdout, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Interrupt:
    """Turn the first Ctrl-C into a stop at the next mini-batch boundary.

    KeyboardInterrupt raised inside an optimizer step would leave the weights half-updated;
    deferring it to the boundary makes the checkpoint saved on Ctrl-C an exact state that
    resumes bit for bit. The handler restores the previous one at once, so a second Ctrl-C
    interrupts immediately.
    """

    def __init__(self, enabled: bool):
        self.requested = False
        self.previous = None
        self.installed = (enabled and threading.current_thread() is threading.main_thread()
                          and signal.getsignal(signal.SIGINT) is signal.default_int_handler)

    def _handler(self, signum, frame) -> None:
        self.requested = True
        signal.signal(signal.SIGINT, self.previous)
        print("\nInterrupted: saving a checkpoint after this mini-batch "
              "(press Ctrl-C again to abort at once)", file=sys.stderr)

    def __enter__(self) -> "Interrupt":
        if self.installed:
            self.previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc) -> None:
        if self.installed and not self.requested:
            signal.signal(signal.SIGINT, self.previous)
