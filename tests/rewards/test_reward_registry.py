"""Registry, options, weights validation, stats and TRL integration details."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import pytest

import rewards
from rewards import RewardConfigError, check_weights, get_reward, make_reward, options_of, reward_names
from rewards.registry import Reward, register

EXPECTED = {
    "format",
    "medcalc_accuracy",
    "calc_accuracy",
    "trial_label",
    "trial_consistency",
    "diagnosis_label",
    "pseudo_label",
    "ehrmind",
}
GOOD = '<think>r</think><answer>{"answer": 3}</answer>'


def test_every_reward_is_registered_once_with_its_name():
    assert set(reward_names()) == EXPECTED and len(reward_names()) == len(EXPECTED)
    for name in reward_names():
        f = get_reward(name)
        assert f.__name__ == name and callable(f)
        assert get_reward(name) is f
        clone = pickle.loads(pickle.dumps(make_reward(name)))
        assert clone.__name__ == name
    with pytest.raises(RewardConfigError, match="registered twice"):
        register("format")(type("Again", (Reward,), {}))


@pytest.mark.slow  # importing trl imports torch (seconds)
def test_trl_reads_the_name():
    from trl.trainer.utils import get_callable_name

    assert get_callable_name(make_reward("format", fail_score=-2.0)) == "format"


def test_make_reward_rejects_unknown_names_and_options():
    with pytest.raises(RewardConfigError, match="did you mean 'calc_accuracy'"):
        make_reward("calc_acuracy")
    with pytest.raises(RewardConfigError, match="no option"):
        make_reward("format", weight=2)
    with pytest.raises(RewardConfigError, match="finite"):
        make_reward("format", fail_score=float("nan"))
    assert options_of("format")["fail_score"] == 0.0
    assert "partial_credit" in options_of("trial_label")


def test_check_weights():
    assert check_weights(["format", "calc_accuracy"], [0.2, 1.0]) == []
    assert check_weights(["format", "calc_accuracy"], [0.0, 1.0]) == []  # weight 0 logs only
    problems = check_weights(["format", "calc_acuracy"], [0.2])
    assert any("did you mean 'calc_accuracy'" in p for p in problems)
    assert any("2 reward names but 1 weights" in p for p in problems)
    assert any("listed twice" in p for p in check_weights(["format", "format"], [1, 1]))
    assert any("finite" in p for p in check_weights(["format"], [float("inf")]))
    assert any("finite" in p for p in check_weights(["format"], ["1"]))
    assert any("no option" in p for p in check_weights(["format"], [1], [{"bogus": 1}]))
    assert check_weights([], []) != []


def test_stats_count_failures_by_reason_and_reset():
    rewards.stats.reset()
    f = get_reward("format")
    f(completions=[GOOD, "", "no tags", "<think>a</think>x"])
    snap = rewards.stats.snapshot_and_reset()
    assert snap["format/mean"] == 0.25
    assert snap["format/count"] == 4
    assert snap["format/fail/empty"] == 1 and snap["format/fail/missing_answer_tag"] == 2
    assert snap["format/fail_rate"] == 0.75
    assert rewards.stats.snapshot() == {}


def test_log_metric_receives_batch_fractions():
    logged: list[tuple[str, float]] = []
    f = make_reward("format")
    f(completions=[GOOD, ""], log_metric=lambda k, v: logged.append((k, v)))
    f(completions=[GOOD, GOOD], log_metric=lambda k, v: logged.append((k, v)))
    assert logged == [
        ("format/fail_rate", 0.5),
        ("format/fail/empty", 0.5),
        ("format/fail_rate", 0.0),
        ("format/fail/empty", 0.0),
    ]


def test_trl_keyword_arguments_are_accepted():
    gold = json.dumps({"kind": "integer", "value": 3})
    out = get_reward("medcalc_accuracy")(
        prompts=[[{"role": "user", "content": "q"}]] * 2,
        completions=[[{"role": "assistant", "content": GOOD}], GOOD],
        completion_ids=[[1], [2]],
        gold=[gold, gold],
        task=["medcalc", "medcalc"],
        meta=["{}", "{}"],
        trainer_state=object(),
        log_extra=lambda *a: None,
        log_metric=lambda *a: None,
    )
    assert out == [1.0, 1.0]
    with pytest.raises(TypeError, match="completions"):
        get_reward("format")(prompts=["p"])
    with pytest.raises(TypeError, match="completion"):
        get_reward("format")(completions=[42])
    with pytest.raises(ValueError, match="prompts"):
        get_reward("format")(prompts=["a", "b"], completions=["x"])


def test_import_does_not_pull_torch():
    code = "import rewards, sys; assert 'torch' not in sys.modules and 'transformers' not in sys.modules"
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        cwd=str(__import__("pathlib").Path(rewards.__file__).parents[1]),
    )
