"""Saving and loading weights as safetensors, written atomically; never pickle.

A checkpoint is a safetensors file: named arrays plus a string-to-string metadata header.
Loading one reads numbers only, so a file from an untrusted source cannot run code (a pickle
can). Every write goes to a temporary file in the same folder, is flushed to disk, then
renamed over the target: a crash or Ctrl-C mid-write leaves the previous file intact, never a
half-written one. Each array's CRC-32 is stored in the header so that a file damaged after it
was written (a flipped byte, a bad copy) is refused instead of silently loading wrong weights.

The training checkpoint that ``fit`` writes (weights, optimizer moments, RNG, position) uses
this file format too; what goes into it is :mod:`npdeep.train.resume`'s business.

Example:
    >>> npdeep.save(model, "model.safetensors")
    >>> model = npdeep.load(model, "model.safetensors")   # shapes and names are checked
"""
from __future__ import annotations

import json
import os
import tempfile
import zlib

import numpy as np

from npdeep.nn.module import Module

FORMAT_KEY = "npdeep.format"
CRC_KEY = "npdeep.crc32"
# In a training checkpoint (fit's checkpoint_dir) the model's arrays carry this prefix.
MODEL_PREFIX = "model/"


def strip_prefix(arrays: dict, prefix: str) -> dict:
    """The entries of ``arrays`` whose names start with ``prefix``, named without it."""
    return {name[len(prefix):]: a for name, a in arrays.items() if name.startswith(prefix)}


def _safetensors_numpy():
    try:
        import safetensors.numpy
    except ImportError as error:  # an optional dependency: only saving needs it
        raise ImportError("npdeep.save/load need the 'safetensors' package "
                          "(pip install safetensors, or npdeep[train])") from error
    return safetensors.numpy


def _crc32(array: np.ndarray) -> int:
    return zlib.crc32(np.ascontiguousarray(array).view(np.uint8).reshape(-1))


def atomic_write(path, write) -> None:
    """Call ``write(tmp_path)``, fsync the result, then os.replace it onto ``path``.

    The temporary file lives in ``path``'s folder (a rename is atomic only within one file
    system) and is removed on any failure, Ctrl-C included, so ``path`` always holds either
    the old content or the complete new one and no partial file is left behind.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        # Without this, mkstemp's error names the temporary file, not the missing folder.
        raise FileNotFoundError(f"Cannot write '{path}': the folder '{folder}' does not "
                                "exist; create it first (os.makedirs) or pick another path")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        # mkstemp creates the file private (0600); give it the mode a plain open() would.
        os.chmod(tmp, _file_mode(path))
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    _fsync_folder(folder)


def _file_mode(path: str) -> int:
    """The existing file's permissions, or those umask gives a new file."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_text_atomic(path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)

    atomic_write(path, write)


def write_safetensors(path, arrays: dict, metadata: dict | None = None) -> None:
    """Write ``arrays`` (name -> ndarray) and string ``metadata`` to ``path`` atomically."""
    st = _safetensors_numpy()
    arrays = {name: np.ascontiguousarray(a) for name, a in arrays.items()}
    header = dict(metadata or {})
    header[CRC_KEY] = json.dumps({name: _crc32(a) for name, a in arrays.items()})
    atomic_write(path, lambda tmp: st.save_file(arrays, tmp, metadata=header))


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_safetensors(path) -> tuple[dict, dict]:
    """Read a safetensors file: (name -> ndarray, metadata dict).

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: naming the file, if it is truncated, corrupted or not safetensors.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        folder = os.path.dirname(os.path.abspath(path))
        missing = "" if os.path.isdir(folder) else f" (the folder '{folder}' does not exist)"
        raise FileNotFoundError(f"No checkpoint file at '{path}'{missing}")
    _safetensors_numpy()  # a clear ImportError where safetensors is missing
    from safetensors import safe_open
    try:
        with safe_open(path, framework="numpy") as f:
            metadata = dict(f.metadata() or {})
            arrays = {name: f.get_tensor(name) for name in f.keys()}
    except Exception as error:  # SafetensorError and friends: the file is damaged
        raise ValueError(f"'{path}' is not a readable safetensors file (truncated or "
                         f"corrupted?): {error}") from error
    if CRC_KEY in metadata:
        try:
            expected = json.loads(metadata.pop(CRC_KEY))
        except ValueError as error:
            raise ValueError(f"'{path}' is corrupted: its checksum header is not valid JSON"
                             ) from error
        damaged = sorted(name for name, a in arrays.items()
                         if expected.get(name) != _crc32(a))
        if damaged or set(expected) != set(arrays):
            what = damaged or "the list of arrays"
            raise ValueError(f"'{path}' is corrupted: checksum mismatch for {what}; restore "
                             "it from a backup or retrain")
    return arrays, metadata


def _check_module_and_path(module, path, where: str) -> None:
    """Refuse swapped arguments and non-Modules with a message naming the mistake."""
    is_path = isinstance(module, (str, bytes, os.PathLike))
    if is_path and isinstance(path, Module):
        raise TypeError(f"{where}(module, path): the arguments are swapped; the Module comes "
                        f"first: npdeep.{where}(model, {os.fspath(module)!r})")
    if not isinstance(module, Module):
        raise TypeError(f"{where}: module must be an npdeep.nn.Module (its state_dict() is "
                        f"what is {'saved' if where == 'save' else 'loaded'}); got "
                        f"{type(module).__name__}")
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"{where}: path must be a file name (str or os.PathLike); got "
                        f"{type(path).__name__}")


def save(module, path) -> None:
    """Save ``module.state_dict()`` (parameters and buffers) to ``path`` as safetensors.

    The write is atomic (temporary file, fsync, rename): an interrupted save never leaves a
    half-written ``path``.

    Args:
        module: an npdeep.nn.Module.
        path: the file to write, conventionally ``*.safetensors``; its folder must exist.

    Raises:
        TypeError: for swapped arguments (``save(path, model)``) or a module that is not an
            npdeep.nn.Module.
        FileNotFoundError: naming the folder, when ``path``'s folder does not exist.
    """
    _check_module_and_path(module, path, "save")
    write_safetensors(path, module.state_dict(),
                      {FORMAT_KEY: "module", "npdeep.class": type(module).__name__})


def load(module, path):
    """Load weights saved by :func:`save` (or a fit checkpoint) into ``module``, in place.

    Args:
        module: a Module of the same architecture as the one saved.
        path: a file written by :func:`save`, or fit's ``checkpoint.safetensors``.

    Returns:
        ``module`` itself, so that ``model = npdeep.load(model, path)`` keeps the model.

    Raises:
        TypeError: for swapped arguments (``load(path, model)``) or a non-Module.
        FileNotFoundError: if ``path`` does not exist (naming a missing folder too).
        ValueError: for a truncated or corrupted file, or parameter shapes that differ from
            the module's (each listed with both shapes).
        KeyError: listing the missing and unexpected parameter names (another architecture).
    """
    _check_module_and_path(module, path, "load")
    arrays, metadata = read_safetensors(path)
    if metadata.get(FORMAT_KEY) == "training":
        arrays = strip_prefix(arrays, MODEL_PREFIX)
    load_state_into(module, arrays, path)
    return module


def load_state_into(module, state: dict, path) -> None:
    """module.load_state_dict(state), with the file's name added to its error messages."""
    try:
        module.load_state_dict(state)
    except KeyError as error:
        raise KeyError(f"Cannot load '{path}' into this {type(module).__name__}: it was saved "
                       f"from a different architecture. {error.args[0]}") from None
    except ValueError as error:
        raise ValueError(f"Cannot load '{path}' into this {type(module).__name__}: "
                         f"{error}") from None
