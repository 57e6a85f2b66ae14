"""benchmarks.machine_state: the probe of the machine's speed printed with every run."""
import math

from benchmarks import machine_state


def test_probe_reports_positive_speeds():
    state = machine_state.probe(repeats=2, n=64, copy_mb=(1, 2))
    assert set(state) == {"copy1_gb_s", "copy2_gb_s", "sgemm_gflops"}
    assert all(math.isfinite(v) and v > 0 for v in state.values())


def test_describe_names_each_figure():
    text = machine_state.describe({"copy16_gb_s": 50.46, "copy256_gb_s": 38.2,
                                   "sgemm_gflops": 121.4})
    assert text == "copy 16 MB 50.5 GB/s, 256 MB 38.2 GB/s; sgemm 121 GFLOP/s"
