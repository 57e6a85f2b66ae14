"""Smoke tests of the CNN examples (tiny runs) and the small digits CNN's accuracy."""
import os

import numpy as np
import pytest
from conftest import SHARED_DATA
from harness import load_example


def needs(folder):
    path = os.path.join(SHARED_DATA, folder)
    if not os.path.isdir(path):
        pytest.skip(f"{folder} data not found at {path}")
    return path


def test_small_cnn_digits_reaches_98_percent():
    pytest.importorskip("sklearn")
    result = load_example("small_cnn_digits").main(["--quiet"])
    assert result["test_acc"] >= 0.98


def test_cnn_transfer_smoke(tmp_path):
    pytest.importorskip("sklearn")
    cache = tmp_path / "cache"
    result = load_example("cnn_transfer").main(["--epochs", "1", "--head-epochs", "2",
                                                "--cache-dir", str(cache)])
    assert sorted(os.listdir(cache)) == ["test.npz", "train.npz"]
    assert 0.2 < result["transfer_acc"] <= 1.0 and 0.2 < result["source_acc"] <= 1.0


def test_cnn_visualize_writes_pngs(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    result = load_example("cnn_visualize").main(["--epochs", "1", "--out", str(tmp_path)])
    for key in ("filters", "feature_maps"):
        with open(result[key], "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_lenet5_mnist_smoke():
    root = needs("mnist")
    result = load_example("lenet5_mnist").main(["--data-root", root, "--epochs", "1",
                                                "--train-size", "256", "--test-size", "100"])
    # Seeded: 0.37 after one epoch on 256 images, well above chance (0.1).
    assert result["test_acc"] > 0.2 and len(result["history"]) == 1


def test_resnet_fashion_smoke():
    root = needs("fashion-mnist")
    result = load_example("resnet_fashion").main(["--data-root", root, "--epochs", "1",
                                                  "--train-size", "128", "--test-size", "64",
                                                  "--widths", "4,8"])
    # 1,382 parameters and 128 images learn nothing yet (0.125): check the run itself.
    assert 0.0 <= result["test_acc"] <= 1.0 and len(result["history"]) == 1
    assert np.isfinite(result["history"][0]["cost"])


def test_bench_lenet_torch_model_is_equivalent():
    torch = pytest.importorskip("torch")
    import npdeep
    from benchmarks.bench_lenet import torch_lenet5
    from npdeep import models

    for kwargs in ({}, {"activation": "tanh", "pool": "max"}):
        model = models.lenet5(**kwargs)
        X = np.random.default_rng(0).random((4, 32, 32, 1), dtype=np.float32)
        with torch.no_grad():
            out_t = torch_lenet5(torch, model)(torch.from_numpy(X.transpose(0, 3, 1, 2).copy()))
        np.testing.assert_allclose(model(npdeep.tensor(X)).data, out_t.numpy(), rtol=1e-4,
                                   atol=1e-5)


def test_cli_trains_lenet5_on_digits(tmp_path):
    pytest.importorskip("sklearn")
    import json

    from npdeep import cli

    out = tmp_path / "run"
    assert cli.main(["train", "--data", "digits", "--model", "lenet5", "--epochs", "1",
                     "--out", str(out), "--no-progress"]) == 0
    with open(out / "results.json") as f:
        results = json.load(f)
    assert results["test"]["accuracy"] > 0.3
    assert cli.main(["evaluate", "--run", str(out)]) == 0
