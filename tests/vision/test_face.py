"""npdeep.vision.face: the Encoder, one-shot enrolment, 1:1 verification and 1:K recognition."""
import os

import numpy as np
import pytest

import npdeep
from npdeep.data.faces import default_faces_path
from npdeep.functional.triplet import triplet_loss
from npdeep.gradcheck import gradcheck_model
from npdeep.vision.face import Encoder, encode, enroll, recognize, verify

from harness import load_example


class TableEncoder:
    """An encoder whose encoding of an image is row image[0, 0, 0] of a table: distances
    between known vectors, so that every decision below is known in advance."""
    unit_norm = True

    def __init__(self, table):
        self.table = np.asarray(table, dtype=np.float64)

    def encode(self, images):
        return self.table[np.asarray(images)[:, 0, 0, 0].astype(int)]


def image(index, shape=(2, 2, 1)):
    return np.full(shape, float(index))


# Unit vectors: 0 and 1 are 0.2 apart, 2 is far from both (distance ≥ 1.3), 3 is 0.6 from 0.
TABLE = [[1.0, 0.0], [np.cos(0.2), np.sin(0.2)], [-0.6, 0.8], [np.cos(0.6), -np.sin(0.6)]]


def test_encoder_gives_unit_encodings_and_reads_as_its_architecture():
    encoder = Encoder((12, 10, 1), embedding_size=16, channels=(4, 8))
    X = np.random.default_rng(0).random((3, 12, 10, 1)).astype(np.float32)
    F = encoder(npdeep.Tensor(X))
    assert F.shape == (3, 16)
    np.testing.assert_allclose(np.linalg.norm(F.data, axis=1), 1.0, rtol=1e-6)
    # Eval mode (BatchNorm's running averages) and no graph; the mode is restored.
    E = encoder.encode(X)
    assert encoder.training and E.shape == (3, 16)
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1.0, rtol=1e-6)
    text = repr(encoder)
    assert "Encoder(input_shape=(12, 10, 1), embedding_size=16" in text
    assert "Conv2d(1, 4, f=3" in text and "Linear(48, 16" in text  # 12×10 -> 3×2, × 8 channels


def test_encoder_bad_input():
    encoder = Encoder((8, 8, 1), embedding_size=4, channels=(2,))
    with pytest.raises(ValueError, match=r"Encoder expected input of shape \(m, 8, 8, 1\) but "
                                         r"got \(2, 1, 8, 8\)"):
        encoder(npdeep.Tensor(np.zeros((2, 1, 8, 8), np.float32)))
    with pytest.raises(ValueError, match=r"Encoder: input_shape \(4, 4, 1\) is too small for 3 "
                                         r"pooling blocks; images must be at least 8×8"):
        Encoder((4, 4, 1), channels=(2, 2, 2))
    with pytest.raises(ValueError, match="The 'embedding_size' parameter of Encoder must be an "
                                         "int >= 1. Got 0 instead"):
        Encoder((8, 8, 1), embedding_size=0)


def test_encoder_gradients_through_the_triplet_loss_float64():
    encoder = Encoder((4, 4, 1), embedding_size=3, channels=(2,))
    X = np.random.default_rng(1).standard_normal((6, 4, 4, 1))
    a, p, n = np.array([0, 2, 4]), np.array([1, 3, 5]), np.array([2, 4, 0])

    def J(Z, Y):  # the triplets fixed, as mining chooses them before the loss
        return triplet_loss(Z[a], Z[p], Z[n], alpha=0.5)

    result = gradcheck_model(encoder, J, X, np.zeros(6))
    assert result.difference < 1e-6


def test_enroll_verify_recognize_by_known_distances():
    encoder = TableEncoder(TABLE)
    database = enroll(encoder, {"younes": image(0), "kian": image(2)})
    np.testing.assert_allclose(database["younes"], TABLE[0])
    dist, door_open = verify(encoder, image(1), "younes", database, threshold=0.7)
    assert dist == pytest.approx(2 * np.sin(0.1)) and door_open  # chord of 0.2 rad
    dist, door_open = verify(encoder, image(1), "kian", database, threshold=0.7)
    assert dist > 1.3 and not door_open
    # The threshold decides: 0.6 rad from younes is a chord of 0.591.
    assert verify(encoder, image(3), "younes", database, threshold=0.6)[1]
    assert not verify(encoder, image(3), "younes", database, threshold=0.5)[1]
    # 1:K: the closest identity, or "not recognized" above the threshold.
    assert recognize(encoder, image(1), database, threshold=0.7)[1] == "younes"
    assert recognize(encoder, image(2)[None], database, threshold=0.7) == (0.0, "kian")
    min_dist, who = recognize(encoder, image(3), database, threshold=0.5)
    assert who is None and min_dist == pytest.approx(2 * np.sin(0.3))


def test_enroll_several_images_keeps_the_mean_direction():
    encoder = TableEncoder(TABLE)
    database = enroll(encoder, {"x": np.stack([image(0), image(1)])})
    expected = np.mean([TABLE[0], TABLE[1]], axis=0)
    np.testing.assert_allclose(database["x"], expected / np.linalg.norm(expected))


def test_a_real_encoder_verifies_the_enrolled_image_itself():
    npdeep.manual_seed(0)
    encoder = Encoder((8, 8, 1), embedding_size=8, channels=(4,))
    X = np.random.default_rng(2).random((3, 8, 8, 1)).astype(np.float32)
    database = enroll(encoder, {k: X[k] for k in range(3)})
    dist, door_open = verify(encoder, X[1], 1, database)
    assert dist < 1e-5 and door_open
    assert recognize(encoder, X[2], database, threshold=1e-3)[1] == 2
    np.testing.assert_allclose(encode(encoder, X), encoder.encode(X))


def test_bad_input_is_named():
    encoder = TableEncoder(TABLE)
    database = enroll(encoder, {"younes": image(0)})
    with pytest.raises(KeyError, match=r"verify: identity 'benoit' is not in the database "
                                       r"\(enrolled: 'younes'\); enroll it first"):
        verify(encoder, image(0), "benoit", database)
    for threshold in (0, -0.1, 2.5, float("nan")):
        with pytest.raises(ValueError, match=r"The 'threshold' parameter of verify must be a "
                                             r"finite number in \(0, 2\].*distances between "
                                             r"L2-normalized encodings lie in \[0, 2\]"):
            verify(encoder, image(0), "younes", database, threshold=threshold)
    with pytest.raises(ValueError, match="The 'threshold' parameter of recognize"):
        recognize(encoder, image(0), database, threshold=3)
    with pytest.raises(ValueError, match="recognize: the database is empty"):
        recognize(encoder, image(0), {})
    with pytest.raises(TypeError, match="verify: database must be a dict"):
        verify(encoder, image(0), "younes", [TABLE[0]])
    with pytest.raises(ValueError, match=r"verify expected one image of shape \(n_H, n_W, "
                                         r"n_C\) .* but got \(2, 2, 2, 1\)"):
        verify(encoder, np.stack([image(0), image(0)]), "younes", database)
    with pytest.raises(ValueError, match=r"enroll: the images of 'x' must be one image"):
        enroll(encoder, {"x": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="enroll: images_by_identity must be a non-empty dict"):
        enroll(encoder, {})
    with pytest.raises(TypeError, match="encode: encoder must be an Encoder"):
        encode(object(), np.zeros((1, 2, 2, 1)))


needs_orl = pytest.mark.skipif(not os.path.exists(default_faces_path()),
                               reason="the ORL faces file is not in ../shared/data/faces")


@needs_orl
def test_example_runs_and_reports_every_model(capsys):
    example = load_example("face_verification")
    result = example.main(["--epochs", "1", "--channels", "4,8", "--factor", "4"])
    assert set(result["rows"]) == {"eigenfaces-50 (cosine)", "eigenfaces-50 (euclidean)",
                                   "Encoder, untrained", "Encoder, triplet loss"}
    assert "Encoder, triplet loss" in capsys.readouterr().out
    for results in result["rows"].values():
        assert 0.5 < results["auc"] <= 1.0


@pytest.mark.slow
@needs_orl
def test_example_trained_encoder_beats_eigenfaces_and_the_untrained_encoder():
    """The full run (about a minute of training on 2 cores): issue 11's goal on the 10 unseen
    people's pairs."""
    rows = load_example("face_verification").main([])["rows"]
    trained = rows["Encoder, triplet loss"]["auc"]
    assert trained > rows["eigenfaces-50 (euclidean)"]["auc"]
    assert trained > rows["eigenfaces-50 (cosine)"]["auc"]
    assert trained > rows["Encoder, untrained"]["auc"]
