"""How npdeep asks glibc's malloc to keep freed memory for the next training step.

A training step allocates the same large arrays every iteration (activations, their
gradients, the column blocks of a convolution: 0.1 to 30 MB each) and frees them when the
step ends. glibc's malloc serves an array above its *mmap threshold* with fresh pages from the
kernel and returns them at ``free``; below it, from its heap, whose free top it also returns
to the kernel once it exceeds the *trim threshold*. Either way the next step touches new
pages: one page fault and a zeroing per 4 KiB, as costly as the arithmetic. glibc moves both
thresholds by itself as it sees blocks freed, so whether a program pays this depends on the
order of its first allocations. Measured on a 2-core machine, float32, ms per step (median of
40) and page faults per step, the same script with and without these settings:

    LeNet-5, Adam, batch 128         10.4 ms, 3,042 faults  ->  5.4 ms, 0 faults
    conv 3x3 same 32x32x32x16 -> 32   5.5 ms, 1,507 faults  ->  2.8 ms, 0 faults
    2-layer bidirectional LSTM       23.8 ms,   490 faults  -> 21.2 ms, 3 faults

The same LeNet-5 script ran at 5 ms when it happened to make one forward pass without
gradients first: that was the "slow state" the benchmarks kept falling into.

So at import npdeep fixes both thresholds (``mallopt``, the same as glibc's
``MALLOC_MMAP_THRESHOLD_`` and ``MALLOC_TRIM_THRESHOLD_`` variables): blocks up to 32 MiB
come from the heap, and up to 256 MiB of freed heap is kept for reuse instead of being handed
back. The price is memory: a process keeps up to that much freed memory per malloc arena
(one per thread that allocates), as PyTorch's caching allocators keep theirs.

It changes nothing where glibc is absent (macOS, Windows, musl), and nothing when the user
chose for themselves: ``NPDEEP_MALLOC=0`` turns it off, and glibc's ``MALLOC_*_`` threshold
variables, or a glibc.malloc tunable in ``GLIBC_TUNABLES``, leave malloc as they set it.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os

__all__ = ["MMAP_THRESHOLD", "TRIM_THRESHOLD", "malloc_settings", "tune_malloc", "users_choice"]

MMAP_THRESHOLD = 32 * 2**20  # glibc's own ceiling for its moving threshold on 64-bit systems
TRIM_THRESHOLD = 256 * 2**20  # as much as npdeep's buffer pool may keep (functional.buffers)

# mallopt's parameter numbers (glibc's malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_USER_VARIABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_")

_settings = {"applied": False, "reason": "not tried yet"}


def _glibc():
    """glibc's C library, or None (another libc, or none found)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version.restype = ctypes.c_char_p
        libc.gnu_get_libc_version()  # absent from musl and the BSDs' libcs
        libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
        return libc
    except (OSError, AttributeError):
        return None


def users_choice(environ) -> str | None:
    """The environment variable by which the user chose malloc's settings, or None.

    glibc's MALLOC_*_ variables, and GLIBC_TUNABLES where it sets a glibc.malloc tunable (it
    may hold other tunables only, such as glibc.cpu ones, which leave malloc to npdeep).
    """
    for name in _USER_VARIABLES:
        if environ.get(name):
            return name
    if "glibc.malloc." in environ.get("GLIBC_TUNABLES", ""):
        return "GLIBC_TUNABLES"
    return None


def tune_malloc(environ=None) -> dict:
    """Fix glibc's mmap and trim thresholds (see the module docstring); once per process.

    Args:
        environ: the environment to read the opt-outs from (default ``os.environ``).

    Returns:
        what :func:`malloc_settings` returns.
    """
    environ = os.environ if environ is None else environ
    if environ.get("NPDEEP_MALLOC", "1") == "0":
        _settings.update(applied=False, reason="NPDEEP_MALLOC=0")
        return malloc_settings()
    chosen = users_choice(environ)
    if chosen:
        _settings.update(applied=False, reason=f"left as the environment sets it ({chosen})")
        return malloc_settings()
    libc = _glibc()
    if libc is None:
        _settings.update(applied=False, reason="not glibc")
        return malloc_settings()
    # Setting either stops glibc from moving the other, so the mmap threshold goes first: a
    # refused value (a 32-bit glibc caps it lower) leaves malloc as it was.
    ok = (libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
          and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1)
    _settings.update(applied=ok, reason="set" if ok else "mallopt refused the values",
                     mmap_threshold=MMAP_THRESHOLD, trim_threshold=TRIM_THRESHOLD)
    return malloc_settings()


def malloc_settings() -> dict:
    """What :func:`tune_malloc` did: {"applied": bool, "reason": str, and the two thresholds
    in bytes where it set them}."""
    return dict(_settings)
