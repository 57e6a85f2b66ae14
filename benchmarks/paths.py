"""Which path npdeep's step took: batch split across threads, compiled kernels, or neither.

npdeep decides per call (a batch too small for two threads runs unsplit; the compiled
kernels run only where numba is installed and turned on), so the harness watches one untimed
call instead of guessing: while it runs, ``npdeep.threads.map_blocks`` and the functions of
``npdeep.kernels`` are wrapped by spies that record how many blocks a call was split into and
which kernels ran. Everything is put back afterwards. An npdeep without those modules (an old
checkout) simply reports the plain NumPy path.
"""
from __future__ import annotations

import sys

_NOT_KERNELS = {"active", "available", "path", "use"}


def _rebind(original, spy, patches: list) -> None:
    """Point every npdeep module's name for ``original`` at ``spy`` (remembered in patches)."""
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "npdeep" or name.startswith("npdeep.")):
            continue
        for attr, value in list(vars(module).items()):
            if value is original:
                patches.append((module, attr, original))
                setattr(module, attr, spy)


def observe(fn) -> dict:
    """Run fn once, watching npdeep's batch split and compiled kernels.

    Returns:
        {"blocks": the most blocks one call was split into (1: never split),
         "kernels": sorted names of the npdeep.kernels functions that ran}.
    """
    seen = {"blocks": 1, "kernels": set()}
    patches = []
    threads = sys.modules.get("npdeep.threads")
    if threads is not None and callable(getattr(threads, "map_blocks", None)):
        map_blocks = threads.map_blocks

        def spy_map_blocks(block_fn, blocks, *args, **kwargs):
            seen["blocks"] = max(seen["blocks"], len(blocks))
            return map_blocks(block_fn, blocks, *args, **kwargs)
        _rebind(map_blocks, spy_map_blocks, patches)
    kernels = sys.modules.get("npdeep.kernels")
    for name in getattr(kernels, "__all__", ()):
        kernel = getattr(kernels, name, None)
        if name in _NOT_KERNELS or not callable(kernel):
            continue

        def spy_kernel(*args, _kernel=kernel, _name=name, **kwargs):
            seen["kernels"].add(_name)
            return _kernel(*args, **kwargs)
        _rebind(kernel, spy_kernel, patches)
    try:
        fn()
    finally:
        for module, attr, original in reversed(patches):
            setattr(module, attr, original)
    return {"blocks": seen["blocks"], "kernels": sorted(seen["kernels"])}


def label(observed: dict, algorithm: str | None = None, blas_threads: int | None = None) -> str:
    """A short name for the table: e.g. "im2col split2 blas1", "numba split2", "numpy blas2"."""
    parts = [algorithm] if algorithm else []
    if observed["kernels"]:
        parts.append("numba")
    if observed["blocks"] > 1:
        parts.append(f"split{observed['blocks']}")
    if not parts:
        parts.append("numpy")
    if blas_threads is not None:
        parts.append(f"blas{blas_threads}")
    return " ".join(parts)
