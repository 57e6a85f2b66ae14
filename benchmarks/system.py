"""What the harness needs from the machine: the BLAS library, its worker threads, and CPU time.

Two libraries in one process leave worker threads that keep spinning after each call, and a
spinning worker takes a core from whoever runs next:

- NumPy's bundled OpenBLAS keeps its workers busy-waiting for about 0.1 s of CPU after every
  matrix product. It exports ``blas_thread_shutdown_``, which ends them at once (the next
  product starts new ones); :func:`stop_blas_threads` calls it.
- PyTorch's OpenMP workers spin for a few milliseconds after each op and then sleep; there is
  no call to end them, so the harness sleeps: :func:`spin_seconds` measures how long the
  process keeps using CPU after a call, while it is otherwise idle.

:class:`CpuMeter` measures the CPU that OTHER processes used during a stretch of time, on the
cores this process may run on: the busy time of those cores (``/proc/stat``) less this
process's own (``/proc/self/stat``). A timing taken while someone else used a core is not a
figure on a 2-core machine, and the harness drops it.
"""
from __future__ import annotations

import ctypes
import glob
import os
import time

# /proc/stat columns after "cpuN": user nice system idle iowait irq softirq steal guest ...
# Busy = all but idle and iowait; guest time is already counted in user.
_BUSY_COLUMNS = (0, 1, 2, 5, 6, 7)

_blas = {"loaded": False, "lib": None, "path": None}


def blas_info() -> list:
    """threadpoolctl's description of the loaded BLAS/OpenMP libraries ([] without it)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return threadpool_info()


def openblas_path() -> str | None:
    """The file of the OpenBLAS that NumPy loaded: from threadpoolctl, else numpy.libs."""
    import numpy as np
    for info in blas_info():
        if info.get("internal_api") == "openblas":
            return info["filepath"]
    root = os.path.dirname(os.path.dirname(np.__file__))
    for pattern in ("numpy.libs/*openblas*.so*", "numpy/.libs/*openblas*.so*"):
        found = sorted(glob.glob(os.path.join(root, pattern)))
        if found:
            return found[0]
    return None


def _openblas():
    if not _blas["loaded"]:
        _blas["loaded"] = True
        path = openblas_path()
        if path is not None:
            try:
                lib = ctypes.CDLL(path)
                lib.blas_thread_shutdown_  # noqa: B018  (AttributeError: not exported)
                _blas["lib"], _blas["path"] = lib, path
            except (OSError, AttributeError):
                pass
    return _blas["lib"]


def can_stop_blas_threads() -> bool:
    """Whether :func:`stop_blas_threads` does anything (OpenBLAS exporting the shutdown)."""
    return _openblas() is not None


def stop_blas_threads() -> bool:
    """End OpenBLAS's spinning worker threads now; False where that is not possible."""
    lib = _openblas()
    if lib is None:
        return False
    lib.blas_thread_shutdown_()
    return True


def spin_seconds(fn, window: float = 0.25, poll: float = 0.002, idle_rate: float = 0.05,
                 trials: int = 3) -> float:
    """How long the process keeps using CPU after one call of fn, while it sleeps.

    After the call the process polls its own CPU time (all threads) every ``poll`` seconds
    for ``window`` seconds and returns the end of the last interval in which it used more
    than ``idle_rate`` of a core; the largest of ``trials`` tries. Other processes do not
    count (it is this process's CPU time), so a loaded machine does not distort it much.
    """
    worst = 0.0
    for _ in range(trials):
        time.sleep(window)  # whatever ran before has stopped spinning
        fn()
        start, cpu_start = time.perf_counter(), time.process_time()
        points = [(0.0, 0.0)]
        while points[-1][0] < window:
            time.sleep(poll)
            points.append((time.perf_counter() - start, time.process_time() - cpu_start))
        last = 0.0
        for (t0, c0), (t1, c1) in zip(points, points[1:]):
            if (c1 - c0) > idle_rate * (t1 - t0):
                last = t1
        worst = max(worst, last)
    return worst


def _allowed_cpus() -> set | None:
    try:
        return set(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None


def parse_busy(stat_text: str, cpus: set | None) -> int:
    """Busy clock ticks of the given cores (all when None), from /proc/stat's text."""
    total = 0
    for line in stat_text.splitlines():
        name, *fields = line.split()
        if not name.startswith("cpu") or name == "cpu":
            continue
        if cpus is not None and int(name[3:]) not in cpus:
            continue
        total += sum(int(fields[i]) for i in _BUSY_COLUMNS if i < len(fields))
    return total


def parse_own(stat_text: str) -> int:
    """utime + stime (fields 14 and 15) from /proc/<pid>/stat's text, in clock ticks."""
    # The command name (field 2) may hold spaces and parentheses: split after the last ")".
    fields = stat_text[stat_text.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def busy_ticks(cpus: set | None) -> int | None:
    """Busy clock ticks since boot of the given cores (all cores when None); None off Linux."""
    text = _read("/proc/stat")
    return None if text is None else parse_busy(text, cpus)


def own_ticks() -> int | None:
    """This process's user + system CPU time (all its threads), in clock ticks."""
    text = _read("/proc/self/stat")
    return None if text is None else parse_own(text)


class CpuMeter:
    """CPU used by other processes, in cores, between :meth:`start` and :meth:`stop`.

    Both counters are kept in clock ticks (usually 10 ms), so one reading is uncertain by a
    tick or two: over a round of half a second that is about 0.04 cores, which is why the
    drop threshold is not smaller than about 0.1 cores.
    """

    def __init__(self):
        self.cpus = _allowed_cpus()
        self.hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.available = busy_ticks(self.cpus) is not None and own_ticks() is not None
        self._start = None

    def start(self) -> None:
        if self.available:
            self._start = (time.perf_counter(), busy_ticks(self.cpus), own_ticks())

    def stop(self) -> float | None:
        """Other processes' CPU since start(), as a number of cores kept busy (None: unknown)."""
        if not self.available or self._start is None:
            return None
        wall0, busy0, own0 = self._start
        wall = time.perf_counter() - wall0
        others = (busy_ticks(self.cpus) - busy0) - (own_ticks() - own0)
        return max(others, 0) / self.hz / max(wall, 1e-9)


class BlasThreads:
    """Read and set the BLAS thread count (threadpoolctl); ``available`` is False without it.

    The floor side runs its products on the same number of cores as the other sides
    (npdeep may have pinned BLAS to one thread and split batches itself); the harness sets
    the count for the floor's sample and puts back what it found afterwards.
    """

    def __init__(self):
        try:
            from threadpoolctl import ThreadpoolController
            self._controller = ThreadpoolController().select(user_api="blas")
            self.available = bool(self._controller.lib_controllers)
        except ImportError:
            self._controller, self.available = None, False

    def get(self) -> int | None:
        if not self.available:
            return None
        return self._controller.lib_controllers[0].num_threads

    def set(self, n: int | None) -> None:
        if self.available and n is not None and n != self.get():
            self._controller.limit(limits=n)  # the returned context is not exited: it holds
