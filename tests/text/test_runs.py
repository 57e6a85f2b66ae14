"""Language-model run folders: save, load_language_model, and clear errors."""
import json

import numpy as np
import pytest

from npdeep.text import load_language_model, sample, save_language_model

from text.lm_helpers import trained_names_model


def test_save_then_load_gives_the_same_model_and_vocab(tmp_path):
    model, vocab = trained_names_model(epochs=2)
    save_language_model(str(tmp_path), model, vocab, settings={"epochs": 2})
    loaded, loaded_vocab = load_language_model(str(tmp_path))
    assert loaded_vocab == vocab and not loaded.training
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[name], value)
    assert sample(loaded, loaded_vocab, n=5, seed=0) == sample(model, vocab, n=5, seed=0)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["task"] == "charlm" and config["epochs"] == 2
    assert config["model"]["cell"] == "lstm"


def test_load_errors(tmp_path):
    with pytest.raises(ValueError, match="no config.json in .* npdeep train --task charlm"):
        load_language_model(str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps({"data": "digits", "model": "mlp"}))
    with pytest.raises(ValueError, match="holds a 'classify' run, not a language model"):
        load_language_model(str(tmp_path))
    model, vocab = trained_names_model(epochs=1)
    save_language_model(str(tmp_path), model, vocab)
    (tmp_path / "model.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="no model.safetensors in"):
        load_language_model(str(tmp_path))
    from npdeep.text import Vocabulary

    with pytest.raises(ValueError, match="the vocabulary has 4 tokens but the model predicts"):
        save_language_model(str(tmp_path), model, Vocabulary(["a"]))


def test_an_embedding_model_round_trips(tmp_path):
    from npdeep.models import char_rnn

    model, vocab = trained_names_model(epochs=1)
    embedded = char_rnn(len(vocab), 8, cell="gru", embedding_dim=4)
    save_language_model(str(tmp_path), embedded, vocab)
    loaded, _ = load_language_model(str(tmp_path))
    assert loaded.embedding_dim == 4 and loaded.cell == "gru"
    np.testing.assert_array_equal(loaded.embedding.E.data, embedded.embedding.E.data)
