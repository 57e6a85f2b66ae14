"""A tiny trained language model for the tests of npdeep.text (seconds, not minutes)."""
import npdeep
from npdeep import functional as F
from npdeep.models import char_rnn
from npdeep.text import LineBatches, Vocabulary

NAMES = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "emily", "abigail",
         "ella", "anna", "liam", "noah", "oliver", "elijah", "james", "lucas", "mason"]


def trained_names_model(epochs=30, n_a=16, cell="lstm", seed=0):
    npdeep.manual_seed(seed)
    vocab = Vocabulary.build(NAMES)
    model = char_rnn(len(vocab), n_a, cell=cell)
    optimizer = npdeep.optim.Adam(model.parameters(), learning_rate=0.05)
    npdeep.fit(model, F.cross_entropy, optimizer, LineBatches(NAMES, vocab, mini_batch_size=6),
               epochs=epochs, metrics=(), verbose=0)
    return model, vocab
