"""Text: vocabularies, language-model data sources, sampling and perplexity; word vectors."""
from npdeep.text import dates
from npdeep.text.attention_plot import plot_attention
from npdeep.text.bleu import BLEUScore, corpus_bleu, sentence_bleu
from npdeep.text.decoding import (BeamError, BeamErrorTally, Hypothesis, beam_error_analysis,
                                  beam_search, greedy_decode, tally_beam_errors)
from npdeep.text.glove import GloVe
from npdeep.text.keyed_vectors import KeyedVectors, cosine_similarity
from npdeep.text.perplexity import BigramModel, bigram_perplexity, nats_per_token, perplexity
from npdeep.text.runs import load_language_model, save_language_model
from npdeep.text.sampling import sample
from npdeep.text.sources import LineBatches, StreamBatches
from npdeep.text.vector_formats import load_glove
from npdeep.text.vocabulary import EOS, PAD, UNK, Vocabulary
from npdeep.text.word2vec import Word2Vec
