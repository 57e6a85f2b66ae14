"""npdeep's intra-op threads: how many cores an op may use, and the pool that splits a batch.

The execution model (issue 8; figures measured on a 2-core machine, shared and loaded, as the
minimum over repeats of npdeep alone, float32, forward + backward):

- ``set_num_threads(n)`` / ``get_num_threads()`` as in PyTorch. The default is the number of
  cores this process may run on (``os.sched_getaffinity``), so a test run or a job pinned to
  fewer cores never starts more threads than it has.
- The batch-split ops (conv2d, max_pool2d and avg_pool2d, batch_norm; forward and backward)
  cut the batch into at most n contiguous blocks of whole examples, fixed by the batch size
  and n, and run each block start to finish in its own thread: im2col, GEMMs, col2im,
  elementwise. NumPy releases the GIL inside copies, ufunc loops and BLAS calls, so the blocks
  run on different cores. A hand-off costs about 40 µs (waking a sleeping thread), so each op
  has a minimum of work per block (MIN_FLOPS_PER_THREAD, MIN_ELEMENTS_PER_THREAD) below which
  it runs unsplit, in the caller. Two ops split other work the same way, into blocks fixed
  by the shapes and n: conv2d's "rows" method (5x5 layers on batch-last images, LeNet-5's)
  splits output rows, whose images are all in each row, and the fused recurrent layers
  split the batch but run each block's whole time loop in one compiled call.
- BLAS threads, chosen once, never per call (raising the count restarts OpenBLAS's worker,
  which then spins for about 0.13 s of CPU after every product and steals the core a split
  block needs):

  * until an op first splits a batch, NumPy's BLAS runs at n threads. A process that only
    multiplies large matrices (an MLP) keeps BLAS's own threads, which win there: MLP
    784-256-128-10, Adam, batch 128, 0.94 ms a step at two BLAS threads against 1.37-1.42
    with one (a batch split of its GEMMs measured no better than one thread);
  * the first time an op splits a batch with n > 1, BLAS is pinned to ONE thread for the rest
    of the process: the split's n threads are the parallelism, and two-thread BLAS inside
    them would oversubscribe the cores. ``set_num_threads`` applies the same rule.

  Per op, the old unsplit code at two BLAS threads -> the split at two threads (one-thread
  BLAS), ms, over three measurements (im2col + GEMM, the compiled path off): conv 3x3 same
  32x32x32x16->32 10.8-11.6 -> 6.0-6.4; conv 3x3 same 32x16x16x64->64 14.2-14.7 -> 11.3-11.9;
  max pool 2x2 64x28x28x6 0.46-0.48 -> 0.36-0.39; avg pool 0.34-0.36 -> 0.30-0.32; batch norm
  32x16x16x64 5.2-5.5 -> 0.94-1.03 (1.31 at one thread: most of that gain is fewer fresh
  temporaries, not the split); LeNet-5 step, batch 128, 7.6-12.6 -> 7.1-7.8 (the old figure
  varies with the load: BLAS's spinning worker competes with other processes for the second
  core). Conv 5x5 valid 64x28x28x1->6 (1.16-1.20 -> 1.18-1.24) and conv 4x4 same
  16x64x64x3->8 (2.30-2.37 -> 2.41-2.61) gain from neither: their products have 6 and 8
  output channels, too thin to be anything but memory-bound, and on this machine two threads
  of memory-bound GEMMs run no faster than one. The split is kept for them: it beats
  one-thread BLAS unsplit (1.25 and 3.25 ms), the only other choice once BLAS is pinned.
  Where numba is installed these two now take the direct method (no GEMM: compiled loops,
  npdeep.functional.conv_direct), which the split does speed up: 4x4 same 16x64x64x3->8,
  im2col split 2.36 -> direct 1.22 at two threads (2.27 at one), measured in one process,
  interleaved. The kernels must get C-contiguous arrays (a block is an offset into the
  batch's): a strided view compiled to scalar loops and ran the split 3x slower than one
  thread.
- Results never depend on timing. Every block writes its own slice of the output, and
  per-block partial sums (a convolution's dW and db, batch norm's statistics) are added in
  block order after all blocks finish. So for a given thread count a run is bit-for-bit
  repeatable. A different thread count cuts the batch differently, which changes the order of
  the sums over the batch (dW = dW_block0 + dW_block1 + ...) and the widths of the GEMMs:
  results then differ by float rounding only (a few 1e-7 relative in float32), as they would
  between two BLAS libraries. Pooling has no sums over the batch: it is the same bit for bit
  at any thread count.

BLAS threads are set through threadpoolctl when it is importable, else through ctypes to the
OpenBLAS that NumPy bundles; NumPy stays npdeep's only required dependency. When neither
finds the BLAS (an MKL or Accelerate build), npdeep leaves it as it is.
"""
from __future__ import annotations

import ctypes
import glob
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np

__all__ = ["get_num_threads", "set_num_threads", "batch_blocks", "map_blocks"]


def _available_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


_num_threads: int | None = None  # None: not chosen yet, the default applies
_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()
_local = threading.local()  # .inside: this thread is running a block already
_blas_threads: int | None = None  # what npdeep last set BLAS to (None: never touched)
_split_used = False  # an op has split a batch with n > 1: BLAS stays at one thread


def blas_pinned() -> bool:
    """Whether BLAS is pinned to one thread for good (an op has split a batch with n > 1)."""
    return _split_used


def get_num_threads() -> int:
    """The number of threads npdeep's ops may use (default: the cores this process may use)."""
    return _available_cores() if _num_threads is None else _num_threads


def set_num_threads(n: int) -> None:
    """Set the number of threads npdeep's batch-split ops use (as ``torch.set_num_threads``).

    For a given n every run is bit-for-bit repeatable. Changing n changes how the batch is cut
    into blocks, and with it the order of the sums over the batch (the weight and bias
    gradients of a convolution): results then differ by float rounding only.

    NumPy's BLAS is set to n threads, or to one once an op has split a batch in this process
    (see the module's docstring: the count is chosen here, never per call).

    Args:
        n: an int >= 1. 1 runs everything in the calling thread.

    Raises:
        ValueError: when n is not an int >= 1.

    Example:
        >>> npdeep.set_num_threads(1)  # one core, e.g. next to other jobs
    """
    global _num_threads
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"The 'n' parameter of set_num_threads must be an int >= 1. Got {n!r} "
                         "instead.")
    with _lock:
        _num_threads = int(n)
        _shutdown_executor()
    _pin_blas(1 if _split_used else int(n))


# ---------------------------------------------------------------------------- BLAS threads
def _openblas_setter():
    """ctypes function openblas_set_num_threads of the OpenBLAS NumPy bundles, or None."""
    here, libs = _numpy_dirs()
    candidates = []
    for folder in (libs, os.path.join(here, ".dylibs"), here):
        candidates += glob.glob(os.path.join(folder, "*openblas*"))
    names = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
             "openblas_set_num_threads64_", "openblas_set_num_threads")
    for path in candidates:
        try:
            library = ctypes.CDLL(path)  # already loaded by NumPy: the same handle
        except OSError:
            continue
        for name in names:
            setter = getattr(library, name, None)
            if setter is not None:
                setter.argtypes, setter.restype = [ctypes.c_int], None
                return setter
    return None


def _numpy_dirs() -> tuple:
    """The folders NumPy's own shared libraries live in (a bundled BLAS among them)."""
    here = os.path.realpath(os.path.dirname(np.__file__))
    return here, os.path.join(os.path.dirname(here), "numpy.libs")


def _set_blas_threads(n: int) -> bool:
    """Set NumPy's BLAS to n threads, process-wide; True when it was found.

    Only NumPy's BLAS: another copy loaded in the process (SciPy bundles its own) is left as
    it is, since npdeep never calls it.
    """
    try:
        import threadpoolctl
    except ImportError:
        threadpoolctl = None
    if threadpoolctl is not None:
        blas = threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers
        ours = [lib for lib in blas
                if os.path.realpath(lib.filepath).startswith(_numpy_dirs())] or blas
        for lib in ours:
            lib.set_num_threads(n)
        if ours:
            return True
    setter = _openblas_setter()
    if setter is None:
        return False
    setter(n)
    return True


def _pin_blas(n: int) -> None:
    """Set BLAS to n threads unless npdeep already did (never toggled per call)."""
    global _blas_threads
    with _lock:
        if _blas_threads != n:
            _set_blas_threads(n)
            _blas_threads = n


# ---------------------------------------------------------------------------- the pool
def _shutdown_executor() -> None:
    global _executor
    if _executor is not None:
        _executor.shutdown(wait=True)
        _executor = None


def _after_fork() -> None:
    # A forked child has none of its parent's threads: start a fresh pool when needed.
    global _executor, _lock
    _executor, _lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def _get_executor(n: int) -> ThreadPoolExecutor:
    global _executor, _split_used
    if _executor is None:
        _split_used = True
        _pin_blas(1)
        with _lock:
            if _executor is None:
                # n − 1 workers: the calling thread runs the first block itself.
                _executor = ThreadPoolExecutor(max_workers=max(1, n - 1),
                                               thread_name_prefix="npdeep",
                                               initializer=_mark_inside)
    return _executor


def _mark_inside() -> None:
    _local.inside = True


def batch_blocks(m: int, min_per_thread: int = 1) -> list:
    """Cut a batch of m examples into contiguous blocks, one per thread: [(start, stop), ...].

    At most get_num_threads() blocks, each of at least ``min_per_thread`` examples, sizes as
    equal as they can be (the first ones one larger). The cut depends on m, the thread count
    and min_per_thread only, never on timing. Inside a block already running in the pool the
    answer is one block (no nested splits).
    """
    n = get_num_threads()
    if getattr(_local, "inside", False):
        n = 1
    n = max(1, min(n, m // max(1, min_per_thread)))
    size, extra = divmod(m, n)
    blocks, start = [], 0
    for k in range(n):
        stop = start + size + (k < extra)
        blocks.append((start, stop))
        start = stop
    return blocks


def map_blocks(fn, blocks: list) -> list:
    """[fn(block) for block in blocks], the blocks run in parallel; results in block order.

    The calling thread runs the first block, the pool the others. An exception in any block
    is raised here after every block has finished.
    """
    if len(blocks) == 1 or getattr(_local, "inside", False):  # no pool inside the pool
        return [fn(block) for block in blocks]
    executor = _get_executor(get_num_threads())
    futures = [executor.submit(fn, block) for block in blocks[1:]]
    _local.inside = True
    try:
        first = fn(blocks[0])
    finally:
        _local.inside = False
        wait(futures)  # no block may still be writing when this returns or raises
    return [first] + [future.result() for future in futures]
