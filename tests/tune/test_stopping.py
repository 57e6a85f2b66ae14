"""The median stopping rule, by hand and inside a study."""
import pytest

from npdeep.tune import MedianStopping, Uniform, random_search


def test_median_rule_by_hand():
    rule = MedianStopping(grace_epochs=2, min_trials=3)
    peers = [[0.5, 0.6, 0.7], [0.4, 0.8, 0.8], [0.6, 0.7, 0.9]]
    assert not rule.should_stop([0.1], peers)  # within the grace epochs
    # At epoch 1 the peers' best so far are 0.6, 0.8, 0.7: median 0.7.
    assert rule.should_stop([0.1, 0.69], peers)
    assert not rule.should_stop([0.1, 0.7], peers)
    assert not rule.should_stop([0.1, 0.2], peers[:2])  # too few peers
    # mode="min" (a cost): worse means larger.
    assert rule.should_stop([0.9, 0.8], [[0.5, 0.4], [0.6, 0.5], [0.7, 0.6]], mode="min")
    with pytest.raises(ValueError, match="grace_epochs"):
        MedianStopping(grace_epochs=0)


def test_hopeless_trials_stop_early_in_a_study(tmp_path):
    def objective(params, trial):
        # A learning curve that rises to x: a low x is visibly hopeless after two epochs.
        for epoch in range(6):
            if trial.report(epoch, params["x"] * (epoch + 1) / 6):
                break
        return trial.scores[-1]

    study = random_search(objective, {"x": Uniform(0.0, 1.0)}, 12, seed=0, study=tmp_path,
                          stopping=MedianStopping(grace_epochs=2, min_trials=3), verbose=0)
    trials = study.trials()
    stopped = [t for t in trials if t["status"] == "stopped"]
    assert stopped and all(t["epochs"] < 6 for t in stopped)
    for t in stopped:  # below the median of the earlier trials that ran to the end
        assert t["params"]["x"] < max(u["params"]["x"] for u in trials if u["index"] < t["index"])
    assert study.best()["status"] == "ok" and study.best()["epochs"] == 6
    assert study.settings["stopping"] == {"rule": "median", "grace_epochs": 2, "min_trials": 3}
