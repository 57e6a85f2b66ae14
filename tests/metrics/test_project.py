"""Tests of npdeep/metrics/project.py: diagnose, select and ErrorAnalysis (course 3)."""
import pytest

from npdeep.metrics import project as M


# ---------------------------------------------------------------- diagnose


@pytest.mark.parametrize("errors, largest", [
    # Course 3, week 1: the same training and dev errors, different human-level errors.
    (dict(human_error=1, train_error=8, dev_error=10), "avoidable bias"),
    (dict(human_error=7.5, train_error=8, dev_error=10), "variance"),
    # Course 3, week 2: training and dev/test sets from different distributions.
    (dict(human_error=0, train_error=1, train_dev_error=9, dev_error=10), "variance"),
    (dict(human_error=0, train_error=1, train_dev_error=1.5, dev_error=10), "data mismatch"),
    (dict(human_error=0, train_error=10, train_dev_error=11, dev_error=12), "avoidable bias"),
    (dict(human_error=0, train_error=10, train_dev_error=11, dev_error=20), "avoidable bias"),
    # Medical imaging: past human-level performance the gaps get small but still rank.
    (dict(human_error=0.5, train_error=0.7, dev_error=0.8), "avoidable bias"),
    (dict(human_error=0.5, train_error=1, dev_error=5), "variance"),
    (dict(human_error=1, train_error=2, dev_error=2.5, test_error=8), "overfitting to dev"),
    # Fractions instead of percentages give the same answers.
    (dict(human_error=0.01, train_error=0.08, dev_error=0.10), "avoidable bias"),
    (dict(human_error=0.075, train_error=0.08, dev_error=0.10), "variance"),
])
def test_diagnose_course_examples(errors, largest):
    diagnosis = M.diagnose(**errors)
    assert diagnosis.largest == largest
    assert diagnosis.remedies == M.REMEDIES[largest]


def test_diagnose_gaps():
    d = M.diagnose(human_error=4, train_error=7, train_dev_error=10, dev_error=12,
                   test_error=12)
    assert (d.avoidable_bias, d.variance, d.data_mismatch, d.overfitting_to_dev) == (3, 3, 2, 0)
    assert d.largest == "avoidable bias"  # a tie goes to the earlier gap
    d = M.diagnose(human_error=1, train_error=8, dev_error=10)
    assert d.variance == 2 and d.data_mismatch is None and d.overfitting_to_dev is None
    assert d.gaps() == {"avoidable bias": 7, "variance": 2}
    text = str(d)
    assert "avoidable bias             7   <- largest" in text
    assert "bigger model" in text and "Adam" in text


def test_remedies_are_the_courses():
    remedies = M.diagnose(human_error=0, train_error=1, train_dev_error=1.5,
                          dev_error=10).remedies
    assert any("error analysis" in r for r in remedies)
    assert any("synthesis" in r for r in remedies)
    variance = " ".join(M.REMEDIES["variance"])
    assert "more training data" in variance and "dropout" in variance and "L2" in variance
    assert "augmentation" in variance
    assert "bigger dev set" in M.REMEDIES["overfitting to dev"][0]


def test_negative_gaps_are_not_ranked_and_are_explained():
    # The reported case: npdeep diagnose --human 10 --train 8 --dev 5 used to rank
    # "avoidable bias -2" as largest and advise a bigger model.
    d = M.diagnose(human_error=10, train_error=8, dev_error=5)
    assert (d.avoidable_bias, d.variance) == (-2, -3)
    assert d.largest is None and d.remedies == []
    assert len(d.notes) == 2
    assert "surpassed human-level performance" in d.notes[0]
    assert "no longer bounds Bayes error" in d.notes[0]
    assert "error analysis" in d.notes[0]
    assert "Dev error (5) is below training error (8)" in d.notes[1]
    assert "too small" in d.notes[1] and "distribution" in d.notes[1]
    text = str(d)
    assert "bigger model" not in text and "largest" not in text
    assert "avoidable bias            -2   (negative: not ranked" in text
    assert "No gap is positive" in text


def test_a_positive_gap_outranks_negative_ones():
    d = M.diagnose(human_error=10, train_error=8, dev_error=9)
    assert d.largest == "variance" and d.remedies == M.REMEDIES["variance"]
    assert len(d.notes) == 1 and "surpassed human-level" in d.notes[0]
    # A tiny positive gap still beats a large negative one.
    d = M.diagnose(human_error=5, train_error=5.5, dev_error=1)
    assert d.largest == "avoidable bias"
    assert "Dev error (1) is below training error (5.5)" in d.notes[0]


def test_negative_train_dev_and_test_gaps_are_explained():
    d = M.diagnose(human_error=1, train_error=5, train_dev_error=4, dev_error=9)
    assert d.largest == "data mismatch"
    assert any("Train-dev error (4) is below training error (5)" in n for n in d.notes)
    d = M.diagnose(human_error=1, train_error=2, train_dev_error=9, dev_error=6,
                   test_error=5)
    assert d.largest == "variance"
    assert d.data_mismatch == -3 and d.overfitting_to_dev == -1
    assert any("Dev error (6) is below train-dev error (9)" in n and "easier" in n
               for n in d.notes)
    assert any("Test error (5) is below dev error (6)" in n for n in d.notes)
    assert "data mismatch             -3   (negative: not ranked" in str(d)


def test_zero_gaps_are_not_ranked_and_need_no_note():
    d = M.diagnose(human_error=3, train_error=3, dev_error=3)
    assert d.largest is None and d.notes == []
    d = M.diagnose(human_error=1, train_error=8, dev_error=10)
    assert d.notes == []


def test_diagnose_errors():
    with pytest.raises(TypeError, match="missing"):
        M.diagnose(train_error=8, dev_error=10)
    with pytest.raises(ValueError, match="dev_error must be an error rate between 0 and 1"):
        M.diagnose(human_error=1, train_error=8, dev_error=-1)
    with pytest.raises(TypeError, match="train_error must be a number"):
        M.diagnose(human_error=1, train_error="8%", dev_error=10)


# ---------------------------------------------------------------- select


CLASSIFIERS = {"A": {"accuracy": 0.90, "runtime_ms": 80},
               "B": {"accuracy": 0.92, "runtime_ms": 95},
               "C": {"accuracy": 0.95, "runtime_ms": 1500}}


def test_select_course_example():
    assert M.select(CLASSIFIERS, optimize="accuracy", satisfice={"runtime_ms": 100}) == "B"
    assert M.select(CLASSIFIERS, optimize="accuracy") == "C"
    as_list = [dict(name=k, **v) for k, v in CLASSIFIERS.items()]
    assert M.select(as_list, satisfice={"runtime_ms": 90})["name"] == "A"


def test_select_minimum_and_minimize():
    candidates = [{"name": "x", "error": 0.05, "recall": 0.80},
                  {"name": "y", "error": 0.03, "recall": 0.60},
                  {"name": "z", "error": 0.04, "recall": 0.95}]
    best = M.select(candidates, optimize="error", minimize=True,
                    satisfice={"recall": (">=", 0.9)})
    assert best["name"] == "z"
    assert M.select(candidates, optimize="error", minimize=True)["name"] == "y"


def test_select_errors():
    with pytest.raises(ValueError, match=r"no candidate meets every satisficing threshold "
                                         r"\(runtime_ms <= 10, accuracy >= 0.99\)"):
        M.select(CLASSIFIERS, satisfice={"runtime_ms": 10, "accuracy": (">=", 0.99)})
    with pytest.raises(ValueError, match=r"candidate A has no 'memory_mb' metric"):
        M.select(CLASSIFIERS, satisfice={"memory_mb": 10})
    with pytest.raises(ValueError, match=r"\(operator, value\) pair"):
        M.select(CLASSIFIERS, satisfice={"runtime_ms": ("at most", 10)})
    with pytest.raises(ValueError, match="no candidates"):
        M.select([])


# ---------------------------------------------------------------- error analysis


def course_spreadsheet():
    """100 dev-set mistakes: 8 dogs, 43 great cats, 61 blurry (some overlap), 6 mislabeled."""
    analysis = M.ErrorAnalysis(categories=["dog", "great cat", "blurry"])
    for i in range(100):
        tags = []
        if i < 8:
            tags.append("dog")
        if 8 <= i < 51:
            tags.append("great cat")
        if i >= 39:
            tags.append("blurry")
        if 51 <= i < 57:
            tags.append("mislabeled")
        analysis.add(i, *tags)
    return analysis


def test_error_analysis_counts_and_table():
    analysis = course_spreadsheet()
    assert analysis.total == 100 and len(analysis) == 100
    assert analysis.counts() == {"blurry": 61, "great cat": 43, "dog": 8, "mislabeled": 6}
    lines = str(analysis).splitlines()
    assert lines[1].split() == ["blurry", "61", "61%"]
    assert lines[2].split() == ["great", "cat", "43", "43%"]
    assert lines[3].split() == ["dog", "8", "8%"]
    assert lines[5].split() == ["total", "100", "100%"]


def test_ceiling_on_performance():
    analysis = course_spreadsheet()
    assert analysis.ceiling("dog") == 0.08
    assert analysis.ceiling("great cat") == 0.43
    # The course: 10% dev error; fixing every dog mistake leaves 9.2% here.
    assert analysis.best_error("dog", 0.10) == pytest.approx(0.092)
    five_dogs = M.ErrorAnalysis([(i, ["dog"] if i < 5 else []) for i in range(100)])
    assert five_dogs.best_error("dog", 10) == pytest.approx(9.5)
    with pytest.raises(ValueError, match=r"unknown category 'cats'"):
        analysis.ceiling("cats")


def test_error_analysis_construction_and_sheet():
    analysis = M.ErrorAnalysis({"img1": ["dog"], "img2": "blurry", "img3": ["great cat",
                                                                             "blurry"]})
    analysis.add("img1", "blurry", comment="pitbull")
    analysis.add("img1", "dog")  # merged, not counted twice
    assert analysis.counts() == {"blurry": 3, "dog": 1, "great cat": 1}
    sheet = analysis.table(examples=True).splitlines()
    assert sheet[0].split()[:2] == ["example", "blurry"] and "comments" in sheet[0]
    assert sheet[1].split() == ["img1", "x", "x", "pitbull"]
    assert sheet[-1].split() == ["%", "of", "total", "100%", "33%", "33%"]
    with pytest.raises(ValueError, match=r"\(example_id, \[categories\]\) pair"):
        M.ErrorAnalysis([("img1", ["dog"], "extra")])
    with pytest.raises(ValueError, match="no mistakes recorded"):
        M.ErrorAnalysis(categories=["dog"]).ceiling("dog")
