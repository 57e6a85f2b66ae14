"""npdeep.threads: the thread count, the batch blocks, the pool, BLAS pinning, repeatability."""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import npdeep
from npdeep import functional as F
from npdeep import models, optim, threads
from npdeep.functional import conv, pool

CORES = threads._available_cores()
needs_two_cores = pytest.mark.skipif(CORES < 2, reason="the split needs two cores to run on")


@pytest.fixture
def restore_threads():
    """Put the thread count back as it was (tests never start more threads than cores)."""
    saved = threads._num_threads
    yield
    with threads._lock:
        threads._num_threads = saved
        threads._shutdown_executor()


@pytest.fixture
def split_small(monkeypatch, restore_threads):
    """Two threads, and blocks of any size, so that even tiny test batches are split."""
    if CORES < 2:
        pytest.skip("the split needs two cores to run on")
    monkeypatch.setattr(conv, "MIN_FLOPS_PER_THREAD", 0)
    monkeypatch.setattr(pool, "MIN_ELEMENTS_PER_THREAD", 0)
    threads.set_num_threads(2)


# ---------------------------------------------------------------------------- the count
def test_default_is_the_cores_this_process_may_use(restore_threads):
    threads._num_threads = None
    assert threads.get_num_threads() == CORES
    if hasattr(os, "sched_getaffinity"):
        assert CORES == len(os.sched_getaffinity(0))


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity (Linux)")
def test_default_follows_a_narrower_affinity():
    """A process pinned to one core (a CI job, `taskset -c 0`) gets one thread."""
    cpu = min(os.sched_getaffinity(0))
    code = (f"import os; os.sched_setaffinity(0, {{{cpu}}}); import npdeep; "
            "print(npdeep.threads.get_num_threads())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "1"


def test_set_num_threads_sets_the_count(restore_threads):
    threads.set_num_threads(1)
    assert threads.get_num_threads() == 1
    threads.set_num_threads(np.int64(CORES))
    assert threads.get_num_threads() == CORES and type(threads.get_num_threads()) is int


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2", None])
def test_set_num_threads_rejects_what_is_not_a_positive_int(bad, restore_threads):
    with pytest.raises(ValueError, match=r"The 'n' parameter of set_num_threads must be an "
                                         rf"int >= 1. Got {bad!r} instead."):
        threads.set_num_threads(bad)


# ---------------------------------------------------------------------------- blocks
@pytest.mark.parametrize("n, m, min_per_thread, expected", [
    (2, 7, 1, [(0, 4), (4, 7)]),
    (2, 64, 1, [(0, 32), (32, 64)]),
    (2, 3, 2, [(0, 3)]),  # too small for two blocks of 2
    (2, 1, 1, [(0, 1)]),
    (1, 64, 1, [(0, 64)]),
    (3, 10, 1, [(0, 4), (4, 7), (7, 10)]),
    (3, 10, 4, [(0, 5), (5, 10)]),
])
def test_batch_blocks_cut_the_batch_evenly(n, m, min_per_thread, expected, restore_threads):
    threads._num_threads = n  # no pool is started: blocks are only computed
    assert threads.batch_blocks(m, min_per_thread) == expected


def test_map_blocks_keeps_block_order_and_uses_no_more_threads(restore_threads):
    threads.set_num_threads(min(2, CORES))
    blocks = threads.batch_blocks(10)
    names = []

    def work(block):
        names.append(threading.current_thread().name)
        return block[1] - block[0]

    assert threads.map_blocks(work, blocks) == [b - a for a, b in blocks]
    workers = [t for t in threading.enumerate() if t.name.startswith("npdeep")]
    assert len(workers) <= threads.get_num_threads() - 1
    assert threading.current_thread().name in names  # the caller runs a block itself


@needs_two_cores
def test_no_nested_split_inside_a_block(restore_threads):
    threads.set_num_threads(2)
    inner = threads.map_blocks(lambda block: threads.batch_blocks(8), [(0, 1), (1, 2)])
    assert inner == [[(0, 8)], [(0, 8)]]
    assert threads.batch_blocks(8) == [(0, 4), (4, 8)]  # the caller is outside again


@needs_two_cores
def test_an_error_in_a_block_is_raised_after_every_block_finished(restore_threads):
    threads.set_num_threads(2)
    finished = []

    def work(block):
        if block == (0, 1):
            raise RuntimeError("block 0 failed")
        threading.Event().wait(0.05)
        finished.append(block)

    with pytest.raises(RuntimeError, match="block 0 failed"):
        threads.map_blocks(work, [(0, 1), (1, 2)])
    assert finished == [(1, 2)]


# ---------------------------------------------------------------------------- BLAS
def test_blas_is_pinned_once_not_per_call(split_small, monkeypatch):
    calls = []
    monkeypatch.setattr(threads, "_set_blas_threads", lambda n: calls.append(n) or True)
    monkeypatch.setattr(threads, "_blas_threads", None)
    A = np.random.default_rng(0).standard_normal((4, 6, 6, 2))
    W = np.random.default_rng(1).standard_normal((3, 3, 2, 3))
    for _ in range(3):
        F.conv2d(npdeep.tensor(A, requires_grad=True), W).sum().backward()
        F.max_pool2d(A, 2)
    assert calls == [1]


def test_blas_reports_one_thread_after_a_split(split_small):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    F.max_pool2d(np.ones((4, 4, 4, 1)), 2)
    blas = [lib for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"
            and os.path.realpath(lib["filepath"]).startswith(threads._numpy_dirs())]
    if not blas:
        pytest.skip("no BLAS library of NumPy's that threadpoolctl knows")
    assert [lib["num_threads"] for lib in blas] == [1] * len(blas)


BLAS_RULE = """
import numpy as np, threadpoolctl
import npdeep
from npdeep import functional as F
def blas():
    return [lib["num_threads"] for lib in threadpoolctl.threadpool_info()
            if lib["user_api"] == "blas" and "numpy" in lib["filepath"]]
npdeep.threads.set_num_threads(1)
print(blas())
npdeep.threads.set_num_threads(2)
print(blas())  # no batch split yet: BLAS's own threads serve large products
F.max_pool2d(np.ones((64, 28, 28, 6), np.float32), 2)  # splits the batch
print(blas())
npdeep.threads.set_num_threads(2)
print(blas())  # once split, one thread for good
"""


@needs_two_cores
def test_blas_runs_n_threads_until_a_batch_is_split_then_one():
    pytest.importorskip("threadpoolctl")
    result = subprocess.run([sys.executable, "-c", BLAS_RULE], capture_output=True, text=True,
                            check=True)
    lines = result.stdout.split()
    if lines[0] == "[]":
        pytest.skip("no BLAS library of NumPy's that threadpoolctl knows")
    assert lines == ["[1]", "[2]", "[1]", "[1]"]


def test_the_ctypes_fallback_finds_numpys_openblas(monkeypatch):
    """Without threadpoolctl npdeep still sets NumPy's bundled OpenBLAS (when it has one)."""
    if threads._openblas_setter() is None:
        pytest.skip("this NumPy does not bundle OpenBLAS")
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import fails
    assert threads._set_blas_threads(1) is True


# ---------------------------------------------------------------------------- repeatability
def lenet_steps(n_threads: int, steps: int = 3, optimizer_class=optim.Adam) -> list:
    """Weights of a LeNet-5 after a few steps (Adam by default) on fixed data, with n_threads
    threads."""
    threads.set_num_threads(n_threads)
    rng = np.random.default_rng(0)
    X = npdeep.tensor(rng.random((6, 32, 32, 1), dtype=np.float32))
    y = rng.integers(0, 10, 6)
    npdeep.manual_seed(0)
    model = models.lenet5(pool="max")
    optimizer = optimizer_class(model.parameters(), learning_rate=1e-2)
    for _ in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(model(X), y).backward()
        optimizer.step()
    return [p.data.copy() for p in model.parameters()]


def test_lenet_training_is_bitwise_repeatable_at_two_threads(split_small):
    first, second = lenet_steps(2), lenet_steps(2)
    assert all(np.array_equal(a, b) for a, b in zip(first, second))


def test_thread_count_changes_lenet_training_by_rounding_only(split_small):
    # NOTE: plain gradient descent, not Adam: Adam's first steps are about
    # learning_rate · sign(gradient), so a gradient that rounding leaves at ±1e-9 instead of
    # 0 moves its weight by a whole step; with GD a rounding difference stays one.
    one, two = lenet_steps(1, optimizer_class=optim.GD), lenet_steps(2, optimizer_class=optim.GD)
    for a, b in zip(one, two):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_blas_pinned_reports_the_module_state(monkeypatch):
    monkeypatch.setattr(threads, "_split_used", False)
    assert threads.blas_pinned() is False
    monkeypatch.setattr(threads, "_split_used", True)
    assert threads.blas_pinned() is True
