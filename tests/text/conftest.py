import pytest

from text import recurrent_standin


@pytest.fixture(autouse=True)
def recurrent_layers(monkeypatch):
    """nn.RNN / nn.GRU / nn.LSTM: the real layers, or slow stand-ins where they are missing."""
    recurrent_standin.install(monkeypatch)
