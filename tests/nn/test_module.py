"""Module: registration, names, modes, state dicts, freezing, summary and printing."""
import numpy as np
import pytest

import npdeep
from npdeep import nn
from npdeep.nn import Module, Parameter


def mlp():
    return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.BatchNorm1d(3), nn.Dropout(keep_prob=0.8),
                         nn.Linear(3, 2))


class TwoLayer(Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(3, 5)
        self.out = nn.Linear(5, 1)
        self.scale = Parameter(np.ones(1))
        self.register_buffer("steps", np.zeros(1))
        self.note = "not registered"

    def forward(self, X):
        return self.out(npdeep.functional.relu(self.hidden(X))) * self.scale


def test_registration_and_names():
    model = TwoLayer()
    names = [n for n, _ in model.named_parameters()]
    assert names == ["scale", "hidden.W", "hidden.b", "out.W", "out.b"]
    assert [n for n, _ in model.named_modules()] == ["", "hidden", "out"]
    assert list(model.children()) == [model.hidden, model.out]
    assert len(model.parameters()) == 5
    assert all(p.requires_grad for p in model.parameters())
    assert "steps" in model.state_dict() and "note" not in model.state_dict()


def test_sequential_names():
    names = [n for n, _ in mlp().named_parameters()]
    assert names == ["0.W", "0.b", "2.gamma", "2.beta", "4.W", "4.b"]
    assert [n for n, *_ in mlp().named_buffers()] == ["2.running_mean", "2.running_var"]


def test_reassigning_replaces_registration():
    model = TwoLayer()
    model.out = nn.Linear(5, 2)
    assert model.out.W.shape == (2, 5)
    model.scale = None  # no longer a parameter
    assert "scale" not in dict(model.named_parameters())
    model.steps = np.ones(1)  # a new array for a buffer stays a buffer
    np.testing.assert_array_equal(model.state_dict()["steps"], [1.0])


def test_shared_parameter_counted_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, shared)
    assert len(model.parameters()) == 2
    assert model.num_parameters() == 6


def test_setattr_before_init_is_explained():
    class Broken(Module):
        def __init__(self):
            self.W = Parameter(np.ones(2))

    with pytest.raises(AttributeError, match=r"Broken: call super\(\).__init__\(\) before"):
        Broken()


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="Module must define forward"):
        Module()(1)


def test_train_eval_propagate():
    model = mlp()
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_eval_changes_dropout_and_batch_norm():
    model = mlp()
    X = npdeep.tensor(np.random.default_rng(0).standard_normal((8, 4)))
    model.eval()
    first, second = model(X).data, model(X).data
    np.testing.assert_array_equal(first, second)  # deterministic in eval mode
    model.train()
    assert not np.array_equal(model(X).data, model(X).data)  # fresh dropout masks


def test_zero_grad():
    model = mlp()
    X = npdeep.tensor(np.random.default_rng(0).standard_normal((8, 4)))
    model(X).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_state_dict_round_trip():
    npdeep.manual_seed(1)
    source = mlp()
    X = npdeep.tensor(np.random.default_rng(0).standard_normal((8, 4)))
    source(X)  # moves the running statistics away from their initial values
    state = source.state_dict()
    assert list(state) == ["0.W", "0.b", "2.gamma", "2.beta", "4.W", "4.b",
                           "2.running_mean", "2.running_var"]
    state["0.W"][...] = 123  # a copy: the model is unchanged
    assert not np.any(source[0].W.data == 123)
    state = source.state_dict()
    npdeep.manual_seed(2)
    target = mlp()
    target.load_state_dict(state)
    for name, value in target.state_dict().items():
        np.testing.assert_array_equal(value, state[name], err_msg=name)
    assert target[2].running_mean is not state["2.running_mean"]
    source.eval(), target.eval()
    np.testing.assert_array_equal(source(X).data, target(X).data)


def test_load_state_dict_missing_and_unexpected_keys():
    model = mlp()
    state = model.state_dict()
    del state["0.b"]
    state["5.W"] = np.zeros(1)
    with pytest.raises(KeyError, match=r"Sequential.load_state_dict: missing keys \['0.b'\], "
                                       r"unexpected keys \['5.W'\]"):
        model.load_state_dict(state)
    model.load_state_dict(state, strict=False)  # loads what matches


def test_load_state_dict_shape_mismatch_names_both_shapes():
    model = mlp()
    state = model.state_dict()
    state["4.W"] = np.zeros((5, 3))
    with pytest.raises(ValueError, match=r"Sequential.load_state_dict: shape mismatch for 4.W: "
                                         r"checkpoint \(5, 3\), model \(2, 3\)"):
        model.load_state_dict(state)


def test_load_state_dict_keeps_dtype():
    model = mlp()
    state = {k: v.astype(np.float64) for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    assert all(p.dtype == np.float32 for p in model.parameters())
    assert model[2].running_var.dtype == np.float32


def test_freeze_and_unfreeze():
    model = mlp()
    X = npdeep.tensor(np.random.default_rng(0).standard_normal((8, 4)))
    model[0].freeze()
    assert model.num_parameters() == 4 * 3 + 3 + 3 + 3 + 3 * 2 + 2
    assert model.num_parameters(trainable_only=True) == 3 + 3 + 3 * 2 + 2
    model(X).sum().backward()
    assert model[0].W.grad is None and model[4].W.grad is not None
    model.unfreeze()
    assert all(p.requires_grad for p in model.parameters())


def test_summary_shapes_and_counts():
    model = mlp()
    model[0].freeze()
    lines = []
    assert model.summary((4,), print_fn=lines.append) is None  # printed once, as Keras
    [text] = lines
    assert model.training  # summary() restores the mode
    rows = text.splitlines()
    assert rows[1].split() == ["Layer", "(type)", "Output", "shape", "Param", "#"]
    body = [r for r in rows if r.startswith(tuple("01234"))]
    assert [r.split("  ")[0].strip() for r in body] == [
        "0 (Linear)", "1 (ReLU)", "2 (BatchNorm1d)", "3 (Dropout)", "4 (Linear)"]
    # BatchNorm1d(3): gamma, beta (6 trainable) + running mean and variance (6 non-trainable).
    assert [r.split()[-1] for r in body] == ["15", "0", "12", "0", "8"]
    assert all("(m, 3)" in r for r in body[:4]) and "(m, 2)" in body[4]
    assert "Total params: 35" in text
    # Non-trainable: the frozen Linear(4, 3) (15) and BatchNorm's running statistics (6).
    assert "Trainable params: 14" in text and "Non-trainable params: 21" in text


def test_summary_on_images():
    model = nn.Sequential(nn.BatchNorm2d(3), nn.Flatten(), nn.Linear(48, 2))
    lines = []
    model.summary((4, 4, 3), print_fn=lines.append)
    [text] = lines
    assert "(m, 4, 4, 3)" in text and "(m, 48)" in text and "(m, 2)" in text
    assert "Trainable params: 104" in text and "Non-trainable params: 6" in text


def test_summary_prints_once_and_returns_none(capsys):
    # It printed and returned the table, so a REPL showed it twice.
    assert nn.Sequential(nn.Linear(4, 2)).summary((4,)) is None
    out = capsys.readouterr().out
    assert out.count("Total params: 10") == 1


@pytest.mark.parametrize("model, input_shape, fix", [
    (lambda: nn.Sequential(nn.Linear(4, 2)), (1, 4), r"\(4,\)"),
    (lambda: nn.Sequential(nn.BatchNorm1d(4), nn.Linear(4, 2)), [1, 4], r"\(4,\)"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten()), (1, 8, 8, 1), r"\(8, 8, 1\)"),
    (lambda: nn.Sequential(nn.MaxPool2d(2), nn.Flatten()), (16, 8, 8, 1), r"\(8, 8, 1\)"),
])
def test_summary_refuses_the_batch_axis(model, input_shape, fix):
    # summary((1, 4)) "worked" for Linear(4, ...) (it maps the last axis) and printed
    # (m, 1, 2) shapes.
    with pytest.raises(ValueError, match=r"Sequential.summary: input_shape .* has one axis too "
                                         r"many; it is one example's shape and excludes the "
                                         r"batch axis m .*Did you mean summary\(" + fix):
        model().summary(input_shape, print_fn=lambda text: None)


def test_summary_still_takes_sequences_and_checks_input_shape():
    lines = []
    nn.Sequential(nn.Linear(4, 2)).summary((5, 4), print_fn=lines.append)  # (m, T, n) input
    assert "(m, 5, 2)" in lines[0]
    for bad in ((), (4, 0), "4", None):
        with pytest.raises(ValueError, match="input_shape"):
            nn.Sequential(nn.Linear(4, 2)).summary(bad)


def test_print_model():
    text = repr(mlp())
    assert text == ("Sequential(\n"
                    "  (0): Linear(4, 3, init='he')\n"
                    "  (1): ReLU()\n"
                    "  (2): BatchNorm1d(3, running_avg_beta=0.9, epsilon=1e-05)\n"
                    "  (3): Dropout(keep_prob=0.8)\n"
                    "  (4): Linear(3, 2, init='he')\n"
                    ")")
    nested = repr(nn.Sequential(nn.Sequential(nn.Linear(2, 2)), nn.Tanh()))
    assert "  (0): Sequential(\n    (0): Linear(2, 2, init='he')\n  )" in nested
    assert repr(nn.Linear(2, 3, bias=False)) == "Linear(2, 3, init='he', bias=False)"


def test_sequential_indexing_and_replacing_the_head():
    model = mlp()
    assert len(model) == 5
    assert isinstance(model[0], nn.Linear) and model[-1] is model[4]
    body = model[:3]
    assert isinstance(body, nn.Sequential) and len(body) == 3 and body[0] is model[0]
    model[-1] = nn.Linear(3, 7)
    assert model[4].n_out == 7
    assert [n for n, _ in model.named_parameters()][-2:] == ["4.W", "4.b"]
    assert model(npdeep.tensor(np.ones((2, 4)))).shape == (2, 7)
    model.append(nn.Softmax())
    assert len(model) == 6 and isinstance(model[5], nn.Softmax)
    assert [type(m).__name__ for m in model][:2] == ["Linear", "ReLU"]
    with pytest.raises(IndexError, match="Sequential: index 6 out of range for 6 layers"):
        model[6]


def test_sequential_refuses_non_modules():
    with pytest.raises(TypeError, match="Sequential: layer 1 is a function, not a Module"):
        nn.Sequential(nn.Linear(2, 2), npdeep.functional.relu)


def test_to_casts_parameters_and_buffers():
    model = mlp().to(np.float64)
    assert all(p.dtype == np.float64 for p in model.parameters())
    assert model[2].running_mean.dtype == np.float64
    assert "2.running_mean" in model.state_dict()  # still registered after the cast


def test_parameter_repr_and_default():
    p = Parameter(np.ones(2))
    assert p.requires_grad and repr(p).startswith("Parameter containing:")
    with pytest.raises(TypeError, match="Parameter: cannot make a tensor"):
        Parameter(np.array(["a"]))


@pytest.mark.parametrize("bad", [(), (4, 0), (4, True), (2.0,), 4, "4"])
def test_sequential_checks_its_input_shape_parameter(bad):
    with pytest.raises(ValueError, match=r"The 'input_shape' parameter of Sequential must be a "
                                         r"tuple of ints >= 1 or None .*Got "):
        nn.Sequential(nn.Linear(4, 2), input_shape=bad)
    model = nn.Sequential(nn.Linear(4, 2), input_shape=(np.int64(4),))
    assert model.input_shape == (4,) and type(model.input_shape[0]) is int
    assert nn.Sequential(nn.Linear(4, 2), input_shape=[None, 4]).input_shape == (None, 4)
