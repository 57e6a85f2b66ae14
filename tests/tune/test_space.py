"""Search spaces: the course's scales, repeatable sampling, narrowing, parsing, bad ranges."""
import math

import numpy as np
import pytest

from npdeep.tune import (Choice, IntUniform, LogUniform, OneMinusLogUniform, Uniform,
                         parse_search, parse_searches, sample_space)
from npdeep.tune.space import check_space, dimension_from_dict


def test_log_uniform_puts_a_quarter_of_its_samples_in_each_decade():
    # The course's picture: α in [1e-4, 1] as 10^r, r uniform in [-4, 0].
    rng = np.random.default_rng(0)
    dim = LogUniform(1e-4, 1.0)
    n = 4000
    alphas = np.array([dim.sample(rng) for _ in range(n)])
    assert alphas.min() >= 1e-4 and alphas.max() <= 1.0
    counts = np.histogram(np.log10(alphas), bins=[-4, -3, -2, -1, 0])[0]
    # Binomial(4000, 1/4): sd = sqrt(4000 * 1/4 * 3/4) = 27.4; allow 4 sd. A linear-scale
    # sampler would put about 90 % of its samples in the last decade.
    assert np.all(np.abs(counts - n / 4) < 4 * 27.4), counts
    # A chi-square test of uniform decades (3 degrees of freedom; 16.27 is p = 0.001).
    chi2 = float(np.sum((counts - n / 4) ** 2 / (n / 4)))
    assert chi2 < 16.27


def test_linear_uniform_would_not_spread_over_decades():
    rng = np.random.default_rng(0)
    values = np.array([Uniform(1e-4, 1.0).sample(rng) for _ in range(1000)])
    assert np.mean(values > 0.1) > 0.85  # why the course samples α on a log scale


def test_one_minus_log_uniform_samples_one_minus_beta_on_a_log_scale():
    rng = np.random.default_rng(1)
    dim = OneMinusLogUniform(0.9, 0.999)
    betas = np.array([dim.sample(rng) for _ in range(3000)])
    assert betas.min() >= 0.9 and betas.max() <= 0.999
    r = np.log10(1 - betas)  # r in [-3, -1], uniform
    counts = np.histogram(r, bins=[-3, -2, -1])[0]
    assert abs(counts[0] - 1500) < 4 * math.sqrt(3000 * 0.25)
    assert dim.bounds() == pytest.approx((-3.0, -1.0))


def test_int_uniform_and_choice_cover_their_values():
    rng = np.random.default_rng(2)
    ints = {IntUniform(1, 3).sample(rng) for _ in range(100)}
    assert ints == {1, 2, 3}
    picks = [Choice([64, 128, 256]).sample(rng) for _ in range(300)]
    assert {64, 128, 256} == set(picks)
    assert all(isinstance(p, int) for p in picks)


def test_sampling_depends_only_on_seed_and_index():
    space = {"learning_rate": LogUniform(1e-4, 1e-1), "hidden": Choice([64, 128, 256])}
    reordered = {"hidden": Choice([64, 128, 256]), "learning_rate": LogUniform(1e-4, 1e-1)}
    assert sample_space(space, 3, 7) == sample_space(reordered, 3, 7)
    assert sample_space(space, 3, 7) != sample_space(space, 3, 8)
    assert sample_space(space, 3, 7) != sample_space(space, 4, 7)


def test_narrow_shrinks_in_the_sampling_scale_around_the_values():
    dim = LogUniform(1e-4, 1.0)  # r in [-4, 0]
    new = dim.narrow([1e-3, 1e-2], margin=0.1)  # r in [-3, -2], padded by 0.4 each side
    assert new.bounds() == pytest.approx((-3.4, -1.6))
    assert isinstance(new, LogUniform)
    lin = Uniform(0.0, 10.0).narrow([2.0, 3.0], margin=0.1)
    assert (lin.low, lin.high) == pytest.approx((1.0, 4.0))
    # Clipped to the old range: never wider than it.
    edge = Uniform(0.0, 10.0).narrow([0.0, 0.5], margin=0.1)
    assert (edge.low, edge.high) == pytest.approx((0.0, 1.5))
    beta = OneMinusLogUniform(0.9, 0.999).narrow([0.99], margin=0.1)  # r = -2 ± 0.2
    assert beta.bounds() == pytest.approx((-2.2, -1.8))
    assert IntUniform(1, 10).narrow([4, 5]).to_dict() == {"kind": "int", "low": 3, "high": 6}
    assert IntUniform(1, 3).narrow([3], margin=0.0).to_dict() == {"kind": "int", "low": 2,
                                                                   "high": 3}
    assert Choice([64, 128, 256]).narrow([256, 64]).values == [64, 256]


@pytest.mark.parametrize("dim", [Uniform(0.5, 1.0), LogUniform(1e-4, 1e-1), IntUniform(1, 4),
                                 OneMinusLogUniform(0.9, 0.999), Choice([1, "a"])])
def test_to_dict_round_trips(dim):
    assert dimension_from_dict(dim.to_dict()) == dim


def test_parse_search_forms():
    assert parse_search("learning_rate=log(1e-4,1e-1)") == ("learning_rate",
                                                             LogUniform(1e-4, 1e-1))
    assert parse_search("hidden=choice(64,128,256)") == ("hidden", Choice([64, 128, 256]))
    assert parse_search("keep_prob=uniform(0.5,1)") == ("keep_prob", Uniform(0.5, 1.0))
    assert parse_search("beta=one_minus_log(0.9,0.999)") == ("beta",
                                                            OneMinusLogUniform(0.9, 0.999))
    assert parse_search(" layers = int(1, 3) ") == ("layers", IntUniform(1, 3))
    assert parse_search("optimizer=choice(adam,momentum)")[1].values == ["adam", "momentum"]
    space = parse_searches(["a=log(1e-3,1)", "b=uniform(0,1)"])
    assert list(space) == ["a", "b"]


def test_empty_and_inverted_ranges_are_refused():
    with pytest.raises(ValueError, match=r"Uniform\(1, 0.5\): the range is inverted"):
        Uniform(1.0, 0.5)
    with pytest.raises(ValueError, match=r"LogUniform\(0.01, 0.01\): the range is empty"):
        LogUniform(0.01, 0.01)
    with pytest.raises(ValueError, match=r"Choice\(\[\]\): the list of values is empty"):
        Choice([])
    with pytest.raises(ValueError, match=r"--search 'lr=uniform\(1,0\)': Uniform\(1, 0\): "
                                         "the range is inverted"):
        parse_search("lr=uniform(1,0)")


def test_a_log_range_that_includes_zero_is_refused():
    with pytest.raises(ValueError, match=r"LogUniform\(0, 0.1\): a log scale needs low > 0"):
        LogUniform(0.0, 0.1)
    with pytest.raises(ValueError, match="a log scale needs low > 0"):
        parse_search("learning_rate=log(0,1e-1)")
    with pytest.raises(ValueError, match=r"β must be in \[0, 1\)"):
        OneMinusLogUniform(0.9, 1.0)


def test_bad_search_text_and_names():
    with pytest.raises(ValueError, match="expected NAME=log"):
        parse_search("learning_rate:log(1,2)")
    with pytest.raises(ValueError, match="unknown scale 'normal'"):
        parse_search("x=normal(0,1)")
    with pytest.raises(ValueError, match=r"log\(a,b\) takes two numbers"):
        parse_search("x=log(1e-3)")
    with pytest.raises(ValueError, match="'a' is given twice"):
        parse_searches(["a=log(1e-3,1)", "a=uniform(0,1)"])
    with pytest.raises(ValueError, match="unknown hyperparameter 'learnin_rate'; the ones"):
        check_space({"learnin_rate": LogUniform(1e-4, 1)}, known=("learning_rate", "hidden"))
    with pytest.raises(ValueError, match="the search space is empty"):
        check_space({})
    with pytest.raises(TypeError, match="space\\['lr'\\] must be a Uniform"):
        check_space({"lr": (1e-4, 1)})
