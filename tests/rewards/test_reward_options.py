"""Reward options are checked when the reward is built (and by `ehrmind validate`); rows a reward cannot
use give None with a counted reason (issue 11, item 6).

Before: `diagnosis_label` with `class_weights={"yes": 4}` raised on the first correct "no" row in the middle
of training, and a row with a label gold and no task raised instead of being skipped.
"""

from __future__ import annotations

import json
import math

import pytest

import rewards
from ehrmind.config import ConfigError, load_config
from rewards import RewardConfigError, check_weights, get_reward, make_reward

YES_NO = json.dumps({"kind": "label", "value": "no", "choices": ["no", "yes"]})
YES = json.dumps({"kind": "label", "value": "yes", "choices": ["no", "yes"]})
SAID_NO = '<think>r</think><answer>{"answer": "no"}</answer>'
SAID_YES = '<think>r</think><answer>{"answer": "yes"}</answer>'


def test_unlisted_labels_keep_weight_one_instead_of_raising_mid_training():
    f = make_reward("diagnosis_label", class_weights={"yes": 4})
    assert f(completions=[SAID_NO, SAID_YES], gold=[YES_NO, YES], task=["ehrshot/x"] * 2) == [1.0, 4.0]


BAD_OPTIONS = [
    ("diagnosis_label", {"class_weights": {"yes": -1}}),
    ("diagnosis_label", {"class_weights": {"yes": 0}}),
    ("diagnosis_label", {"class_weights": {"yes": "4"}}),
    ("diagnosis_label", {"class_weights": {"yes": math.nan}}),
    ("diagnosis_label", {"class_weights": {"yes": math.inf}}),
    ("diagnosis_label", {"class_weights": {"yes": True}}),
    ("diagnosis_label", {"class_weights": {}}),
    ("diagnosis_label", {"class_weights": ["yes", 4]}),
    ("diagnosis_label", {"class_weights": "yes=4"}),
    ("diagnosis_label", {"class_weights": {4: 1.0}}),
    ("diagnosis_label", {"class_weights": {"": 1.0}}),
    ("diagnosis_label", {"class_weights": {"yes": 4}, "balanced": True}),
    ("diagnosis_label", {"correct_score": "1"}),
    ("diagnosis_label", {"weights": {"yes": 4}}),  # unknown option
    ("trial_label", {"partial_credit": {"eligible": {"eligible": 0.5}}}),
    ("trial_label", {"partial_credit": {"maybe": {"excluded": 0.5}}}),
    ("trial_label", {"partial_credit": {"eligible": {"excluded": "half"}}}),
    ("pseudo_label", {"min_votes": 1}),
    ("pseudo_label", {"min_share": 2}),
    ("pseudo_label", {"untyped_rel_tol": 1.5}),
    ("trial_consistency", {"penalty": math.nan}),
    ("format", {"fail_score": None}),
    ("calc_accuracy", {"wrong_score": [0]}),
    ("ehrmind", {"fail_score": -1.0}),  # the preset's scores are not options
]


@pytest.mark.parametrize(("name", "options"), BAD_OPTIONS, ids=range(len(BAD_OPTIONS)))
def test_bad_options_fail_when_built_and_in_check_weights(name, options):
    with pytest.raises(RewardConfigError):
        make_reward(name, **options)
    problems = check_weights([name], [1.0], [options])
    assert problems and name in problems[0]


def test_validate_rejects_bad_class_weights(tmp_path):
    recipe = tmp_path / "rl.yaml"
    recipe.write_text(
        "stage: rl\nrewards:\n  - name: diagnosis_label\n    options: {class_weights: {yes: -4}}\n"
    )
    with pytest.raises(ConfigError, match="class_weights"):
        load_config(recipe, stage="rl", check_paths=False)
    # YAML 1.1 reads an unquoted `yes` key as True: caught with the fix in the message
    recipe.write_text("stage: rl\nrewards:\n  - name: diagnosis_label\n    options: {class_weights: {yes: 4}}\n")
    with pytest.raises(ConfigError, match="quote the label"):
        load_config(recipe, stage="rl", check_paths=False)
    recipe.write_text('stage: rl\nrewards:\n  - name: diagnosis_label\n    options: {class_weights: {"yes": 4}}\n')
    assert load_config(recipe, stage="rl", check_paths=False).rewards[0].options == {"class_weights": {"yes": 4}}


@pytest.mark.parametrize(
    "name", ["calc_accuracy", "medcalc_accuracy", "trial_label", "diagnosis_label", "ehrmind"]
)
def test_a_row_without_a_task_is_skipped_and_counted(name):
    rewards.stats.reset()
    out = get_reward(name)(completions=[SAID_YES], gold=[YES], task=[None])
    assert out == [None]
    stats = rewards.stats.get(name)
    assert stats.skipped == 1 and dict(stats.skips) == {"no_task": 1}
    assert rewards.stats.snapshot()[f"{name}/skip/no_task"] == 1.0


def test_a_gold_kind_the_reward_cannot_grade_without_tasks_is_skipped_and_counted():
    rewards.stats.reset()
    assert get_reward("calc_accuracy")(completions=[SAID_YES], gold=[YES]) == [None]
    assert dict(rewards.stats.get("calc_accuracy").skips) == {"gold_kind_label": 1}
