"""The benchmark harness's logic: rotation, round dropping, ratios and their spread.

No timing is asserted: the sides are fakes whose "times" come from a fake clock.
"""
import itertools
import sys
import types

import numpy as np
import pytest

from benchmarks import harness, paths, system
from benchmarks.__main__ import select
from benchmarks.floor import (Gemm, conv_algorithm, conv_algorithms, conv_gemms, dense_gemms,
                              floor_step, winograd_gemms)


def test_rotation_puts_every_side_first_equally_often():
    sides = ["npdeep", "torch", "torch_cl", "floor"]
    firsts = [harness.rotation(sides, r)[0] for r in range(8)]
    assert firsts == sides + sides
    assert harness.rotation(sides, 1) == ["torch", "torch_cl", "floor", "npdeep"]
    assert harness.rotation(["npdeep", "torch"], 3) == ["torch", "npdeep"]


def test_spread_is_median_and_quartiles():
    s = harness.spread([1.0, 2.0, 3.0, 4.0, 5.0])
    assert s == {"median": 3.0, "q25": 2.0, "q75": 4.0}
    assert harness.spread([]) is None


def _records(ratios, others, npdeep_ms=2.0):
    return [{"order": ["npdeep", "torch"], "ms": {"npdeep": npdeep_ms, "torch": q * npdeep_ms},
             "others_cores": o, "dropped": harness.is_loaded(o, 0.1)}
            for q, o in zip(ratios, others)]


def test_summary_uses_per_round_ratios_of_kept_rounds_only():
    # Round 3 is loaded (0.5 cores used by others): its ratio 9.0 must not count.
    records = _records([1.0, 1.2, 9.0, 1.4, 1.1, 1.3], [0.0, 0.02, 0.5, 0.05, 0.0, 0.01])
    out = harness.summarize(records, rounds=5)
    assert (out["kept"], out["dropped"], out["attempted"]) == (5, 1, 6)
    assert out["ratio"]["median"] == pytest.approx(1.2)
    assert out["ratio"]["q25"] == pytest.approx(1.1)
    assert out["ratio"]["q75"] == pytest.approx(1.3)
    assert out["npdeep_ms"] == 2.0
    assert out["ratio_cl"] is None and out["floor"] is None
    assert out["reliable"]
    # Beside an UNRELIABLE warning: every round, the loaded one included.
    assert out["all_rounds"]["ratio"]["median"] == pytest.approx(1.25)
    assert out["all_rounds"]["ratio"]["q75"] == pytest.approx(1.375)
    assert out["all_rounds"]["others_cores"]["median"] == pytest.approx(0.015)


def test_ratio_is_the_median_of_quotients_not_the_quotient_of_medians():
    # npdeep and torch both slow in the same rounds: per-round quotients are all 1.
    records = [{"order": ["npdeep", "torch"], "ms": {"npdeep": t, "torch": t},
                "others_cores": 0.0, "dropped": False} for t in (1.0, 5.0, 9.0)]
    records[0]["ms"]["torch"] = 1.0
    assert harness.summarize(records, 3)["ratio"]["median"] == 1.0


def test_floor_and_channels_last_quotients():
    records = [{"order": list(harness.SIDES),
                "ms": {"npdeep": 4.0, "torch": 2.0, "torch_cl": 3.0, "floor": 1.0},
                "others_cores": None, "dropped": False}] * 3
    out = harness.summarize(records, 3)
    assert out["ratio"]["median"] == 0.5    # torch / npdeep
    assert out["ratio_cl"]["median"] == 0.75
    assert out["floor"]["median"] == 4.0    # npdeep / floor


def test_unknown_load_drops_nothing():
    assert not harness.is_loaded(None, 0.1)
    assert harness.is_loaded(0.11, 0.1) and not harness.is_loaded(0.1, 0.1)


@pytest.mark.parametrize("n_loaded, reliable", [(0, True), (3, True), (4, False), (9, False)])
def test_too_many_dropped_rounds_make_the_row_unreliable(n_loaded, reliable):
    # 10 clean rounds plus n_loaded loaded ones; the cap is 25% of the attempted rounds:
    # 3 of 13 is under it, 4 of 14 over.
    others = [0.0] * 10 + [1.0] * n_loaded
    out = harness.summarize(_records([1.0] * len(others), others), rounds=10)
    assert out["dropped"] == n_loaded
    assert out["reliable"] is reliable


def test_too_few_kept_rounds_make_the_row_unreliable():
    out = harness.summarize(_records([1.0] * 4, [0.0] * 4), rounds=15)
    assert out["kept"] == 4 and not out["reliable"]
    nothing = harness.summarize(_records([1.0] * 3, [1.0] * 3), rounds=3)
    assert nothing["kept"] == 0 and nothing["npdeep_ms"] is None and nothing["ratio"] is None
    assert not nothing["reliable"]


class FakeMeter:
    """Other processes' CPU for each successive round."""

    def __init__(self, loads):
        self.loads = iter(loads)

    def start(self):
        pass

    def stop(self):
        return next(self.loads)


def test_run_rounds_quiets_before_each_sample_rotates_and_retries_loaded_rounds():
    events, clock = [], itertools.count()

    def side(name):
        return lambda: events.append(("call", name))

    def quiet(name):
        events.append(("quiet", name))

    loads = [0.0, 0.9, 0.0, 0.0]  # the second round is loaded: a fourth round is run
    records = harness.run_rounds({"npdeep": side("npdeep"), "torch": side("torch")},
                                 {"npdeep": 2, "torch": 1}, rounds=3, max_rounds=6,
                                 threshold=0.1, meter=FakeMeter(loads), quiet=quiet,
                                 timer=lambda: next(clock))
    assert [r["dropped"] for r in records] == [False, True, False, False]
    assert [r["order"] for r in records] == [["npdeep", "torch"], ["torch", "npdeep"]] * 2
    # Round 0: quiet, one untimed call, then the timed calls, for each side in turn.
    assert events[:7] == [("quiet", "npdeep"), ("call", "npdeep"), ("call", "npdeep"),
                          ("call", "npdeep"), ("quiet", "torch"), ("call", "torch"),
                          ("call", "torch")]
    # The fake clock ticks once per reading: 1 tick per sample / its number of calls.
    assert records[0]["ms"] == {"npdeep": 500.0, "torch": 1000.0}


def _attempts(loads, rounds, max_rounds):
    records = harness.run_rounds({"npdeep": lambda: None}, {"npdeep": 1}, rounds=rounds,
                                 max_rounds=max_rounds, threshold=0.1, meter=FakeMeter(loads),
                                 quiet=lambda side: None)
    return [r["dropped"] for r in records]


def test_run_rounds_stops_at_max_rounds():
    # 8 attempts at most; 2 loaded rounds (<= 25% of 8) do not stop it early.
    assert _attempts([0, 1, 0, 1, 0, 0, 0, 0, 0], 7, 8) == [False, True, False, True] + [False] * 4


def test_run_rounds_gives_up_once_the_row_cannot_be_reliable():
    # More than 25% of max_rounds = 8 dropped (a third loaded round): stop there.
    assert _attempts([1, 0, 1, 1, 0, 0, 0, 0], 7, 8) == [True, False, True, True]
    assert harness.max_rounds_for(15) == 20 and harness.max_rounds_for(3) == 4


def test_quiet_stops_blas_always_and_sleeps_out_openmp_before_numpy_sides():
    calls = []
    quiet = harness.quiet_for(lambda: calls.append("stop_blas"), 0.02,
                              sleep=lambda s: calls.append(("sleep", s)))
    for side in ("torch", "npdeep", "torch_cl", "floor"):
        quiet(side)
    assert calls == ["stop_blas", "stop_blas", ("sleep", 0.02), "stop_blas", "stop_blas",
                     ("sleep", 0.02)]


def test_select_by_key_and_prefix():
    keys = ["mlp", "conv5x5", "conv3x3", "resnet3x3", "maxpool"]
    assert select(keys, "") == keys
    assert select(keys, "conv3x3") == ["conv3x3"]
    assert select(keys, "maxpool,conv") == ["conv5x5", "conv3x3", "maxpool"]
    with pytest.raises(SystemExit, match="no workload 'lstm'"):
        select(keys, "lstm")


def test_gemm_lists_and_floor_step():
    dense = dense_gemms(128, 784, 256, need_dA_prev=False)
    assert [(g.M, g.K, g.N) for g in dense] == [(128, 784, 256), (256, 128, 784)]
    conv = conv_gemms(32, 32, 32, 16, 32, 3)
    K, P = 3 * 3 * 16, 32 * 32 * 32
    assert [(g.M, g.K, g.N) for g in conv] == [(32, K + 1, P), (K + 1, P, 32), (K, 32, P)]
    assert conv[2].a_order == conv[2].b_order == "F"
    assert Gemm(2, 3, 4).flops == 48
    step = floor_step([Gemm(3, 4, 5, "F", "C")])
    step()  # runs: the operands have matching shapes
    assert floor_step([]) is None
    assert np.isfinite(sum(g.flops for g in conv))


def test_floor_samples_get_their_blas_threads_and_the_count_is_restored():
    class FakeBlas:
        def __init__(self):
            self.n, self.log = 1, []

        def get(self):
            return self.n

        def set(self, n):
            self.n = n
            self.log.append(n)

    blas = FakeBlas()
    seen = {}
    before, after = harness.floor_threads_for(lambda side: None, blas, 2)
    sides = {"npdeep": lambda: seen.setdefault("npdeep", blas.n),
             "floor": lambda: seen.setdefault("floor", blas.n)}
    harness.run_rounds(sides, {"npdeep": 1, "floor": 1}, rounds=2, max_rounds=2, threshold=0.1,
                       meter=FakeMeter([0.0, 0.0]), quiet=before, after=after)
    assert seen == {"npdeep": 1, "floor": 2}
    assert blas.n == 1 and blas.log == [2, 1, 2, 1]


def test_winograd_gemm_list_is_16_products_each_way():
    gemms = winograd_gemms(32, 16, 16, 64, 64)
    P = 32 * 8 * 8  # tiles of 2x2 outputs
    assert [(g.batch, g.M, g.K, g.N) for g in gemms] == [(16, P, 64, 64), (16, 64, P, 64),
                                                         (16, P, 64, 64)]
    assert conv_algorithms(gemms) == "winograd"
    assert conv_algorithms(dense_gemms(4, 3, 2)) is None
    step = floor_step(winograd_gemms(1, 3, 3, 2, 5, need_dA_prev=False))
    step()  # stacks of 16 products with matching shapes


def test_conv_algorithm_reads_the_graph_node():
    class Conv2dWinograd:
        pass

    class Z:
        grad_fn = Conv2dWinograd()
    assert conv_algorithm(Z) == "winograd"
    Z.grad_fn = None
    assert conv_algorithm(Z) == "im2col"


@pytest.mark.parametrize("f, expected", [(5, "rows"), (3, "direct"), (4, "direct")])
def test_conv_algorithm_names_the_direct_methods_of_real_layers(f, expected):
    # LeNet-5's 5x5 layers take the batch-last "rows" method, other thin layers the grid's
    # "direct" one; both replace im2col's products, and their floor lists the same products.
    import npdeep
    from npdeep import functional as F, kernels
    if not kernels.active():
        pytest.skip("the direct methods are compiled loops")
    rng = np.random.default_rng(0)
    A = npdeep.tensor(rng.standard_normal((8, 12, 12, 3), dtype=np.float32))
    W = npdeep.tensor(rng.standard_normal((f, f, 3, 6), dtype=np.float32), requires_grad=True)
    b = npdeep.tensor(np.zeros(6, np.float32), requires_grad=True)
    Z = F.conv2d(A, W, b)
    assert conv_algorithm(Z) == expected
    m, n_H, n_W, n_C = Z.shape
    assert conv_algorithms(conv_gemms(m, n_H, n_W, 3, n_C, f, algorithm=expected)) == expected


def test_observe_sees_the_batch_split_and_kernels_and_puts_them_back(monkeypatch):
    threads = types.ModuleType("npdeep.threads")
    threads.map_blocks = lambda fn, blocks: [fn(b) for b in blocks]
    kernels = types.ModuleType("npdeep.kernels")
    kernels.__all__ = ["path", "max_pool_forward"]
    kernels.path = lambda: "numba"
    kernels.max_pool_forward = lambda x: x + 1
    op = types.ModuleType("npdeep.fake_op")  # imported the name, as conv.py does
    op.map_blocks = threads.map_blocks
    for module in (threads, kernels, op):
        monkeypatch.setitem(sys.modules, module.__name__, module)
    originals = (threads.map_blocks, kernels.max_pool_forward)

    def step():
        op.map_blocks(lambda b: b, [(0, 2), (2, 4)])
        kernels.max_pool_forward(1)

    observed = paths.observe(step)
    assert observed == {"blocks": 2, "kernels": ["max_pool_forward"]}
    assert (op.map_blocks, kernels.max_pool_forward) == originals
    assert threads.map_blocks is originals[0]
    assert paths.label(observed, "im2col") == "im2col numba split2"
    assert paths.label(paths.observe(lambda: None), blas_threads=2) == "numpy blas2"


def test_proc_parsing_counts_busy_columns_of_allowed_cores_and_own_time():
    stat = ("cpu  30 1 20 900 5 1 1 1 0 0\n"
            "cpu0 10 0 10 450 3 1 0 1 0 0\n"   # busy: user nice system irq softirq steal
            "cpu1 20 1 10 450 2 0 1 0 0 0\n"
            "intr 12345\n")
    assert system.parse_busy(stat, {0}) == 22
    assert system.parse_busy(stat, {1}) == 32
    assert system.parse_busy(stat, None) == 54
    own = "4242 (python (a b)) R 1 2 3 4 5 6 7 8 9 10 17 5 0 0 20 0 3\n"
    assert system.parse_own(own) == 22  # utime 17 + stime 5


def test_measure_adds_the_floor_side_and_counts_nominal_flops():
    workload = harness.Workload("k", "a workload", {"npdeep": lambda: None, "torch": None},
                                gemms=[Gemm(2, 2, 2)], flops=100)
    settings = harness.Settings(rounds=2, max_rounds=2, target_ms=0.01, omp_sleep_s=0.0)
    row = harness.measure(workload, settings, FakeMeter([0.0, 0.0]), quiet=lambda side: None)
    assert set(row["calls_per_sample"]) == {"npdeep", "floor"}  # torch None: skipped
    assert (row["gemm_flops"], row["nominal_flops"]) == (16, 100)
    assert row["kept"] == 2 and row["ratio"] is None and row["floor"] is not None
