"""evaluate and predict: eval mode without a graph, in mini-batches, empty inputs."""
import numpy as np
import pytest

import npdeep
from npdeep import functional as F
from npdeep.data import DataLoader
from npdeep.tensor import Tensor
from harness import blobs as _blobs, mlp_and_adam as _setup


def test_predict_is_batched_eval_mode_and_restores_mode():
    X, _ = _blobs(m=50)
    model, _ = _setup(keep_prob=0.5)
    model.train()
    Z = npdeep.predict(model, X, mini_batch_size=7)
    assert Z.shape == (50, 3)
    model.eval()
    with npdeep.no_grad():
        expected = model(Tensor(X)).data
    np.testing.assert_allclose(Z, expected, rtol=1e-6, atol=1e-6)
    model.train()
    npdeep.predict(model, X)
    assert model.training


def test_predict_casts_input_to_model_dtype():
    X, _ = _blobs(m=10)
    model, _ = _setup()
    Z = npdeep.predict(model, X.astype(np.float64))
    assert Z.dtype == np.float32


def test_evaluate_without_loss_and_with_several_metrics():
    X, y = _blobs(m=40)
    model, _ = _setup()
    from npdeep.metrics import f1_score

    def macro_f1(y_true, y_pred):
        return f1_score(y_true, y_pred, average="macro")

    result = npdeep.evaluate(model, (X, y), metrics=("accuracy", macro_f1))
    assert set(result) == {"accuracy", "macro_f1"}
    assert result["macro_f1"] == pytest.approx(macro_f1(y, npdeep.predict(model, X)))


def test_predict_on_no_examples_gives_an_empty_output():
    """nd.predict(m, X[:0]) raised IndexError; it is an empty (0, C) array."""
    X, _ = _blobs(m=10)
    model, _ = _setup()
    model.train()
    Z = npdeep.predict(model, X[:0])
    assert Z.shape == (0, 3) and Z.dtype == np.float32
    assert model.training
    assert npdeep.predict(model, X[:0]).argmax(axis=1).shape == (0,)


def test_predict_on_no_images_gives_an_empty_output():
    npdeep.manual_seed(0)
    model = npdeep.models.lenet5()
    Z = npdeep.predict(model, np.zeros((0, 32, 32, 1), np.float32))
    assert Z.shape == (0, 10)


@pytest.mark.parametrize("make", ["pair", "loader"])
def test_evaluate_on_an_empty_set_is_a_clear_error(make):
    X, y = _blobs(m=10)
    model, _ = _setup()
    data = (X[:0], y[:0]) if make == "pair" else DataLoader((X[:0], y[:0]))
    message = ("evaluate: the data set is empty .* at least one example" if make == "pair"
               else "evaluate: the data loader yields no mini-batches")
    with pytest.raises(ValueError, match=message):
        npdeep.evaluate(model, data, loss_fn=F.cross_entropy)


def test_evaluate_gives_plain_floats_and_accepts_a_loader():
    X, y = _blobs(m=70)
    model, _ = _setup()
    a = npdeep.evaluate(model, (X, y), metrics=("accuracy", "recall"), loss_fn=F.cross_entropy,
                        mini_batch_size=16)
    b = npdeep.evaluate(model, DataLoader((X, y), mini_batch_size=32, shuffle=False),
                        metrics=("accuracy", "recall"), loss_fn=F.cross_entropy)
    assert all(type(v) is float for v in a.values())
    assert a == pytest.approx(b)
    # Against the whole set at once: the mini-batches must add up to the same figures.
    Z = npdeep.predict(model, X)
    assert a["cost"] == pytest.approx(float(F.cross_entropy(Tensor(Z), y).data), rel=1e-6)
    assert a["accuracy"] == npdeep.metrics.accuracy(y, Z)


def test_evaluate_refuses_unknown_metric_names():
    X, y = _blobs(m=10)
    model, _ = _setup()
    with pytest.raises(ValueError, match="evaluate: cannot log metric 'dataclass'"):
        npdeep.evaluate(model, (X, y), metrics=("dataclass",))
