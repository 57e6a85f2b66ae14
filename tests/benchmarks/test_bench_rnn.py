"""bench_rnn: its workloads build and run, and the floor counts the layers' FLOPs."""
import pytest

from benchmarks import bench_rnn


@pytest.mark.parametrize("key", list(bench_rnn.RNNS))
def test_workload_runs_and_its_floor_counts_every_product(key):
    _, kind, m, T_x, n_x, n_a, num_layers, bidirectional = bench_rnn.RNNS[key]
    workload = bench_rnn.build_rnn(key)
    workload.sides["npdeep"]()  # (PyTorch's side: its first LSTM call takes seconds)
    G, D = bench_rnn.GATES[kind], 2 if bidirectional else 1
    # forward: G·n_a outputs per step from n_in + n_a inputs; backward: twice that.
    n_ins = [n_x] + [D * n_a] * (num_layers - 1)
    expected = sum(3 * 2 * T_x * m * (n_in + n_a) * G * n_a * D for n_in in n_ins)
    assert sum(g.flops for g in workload.gemms) == expected

