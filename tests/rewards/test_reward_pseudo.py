"""`pseudo_label` under attack: the same comparator as the offline vote, no vote for junk, no pay for ties.

Issue 11 cases: `NaN, NaN, 72`, `"yes or no" x2, "yes"` and `"72,5" x2, 80` paid the majority 1.0; `"72 kg"`
and `72` were one vote on an untyped row; a stored pseudo-gold of 80 had no tolerance (79 scored 0).
Every expected score below is worked out by hand from the rule in `rewards.labels` (majority: >= 2
agreeing answers, share of all samples >= 0.5, no tie; numbers within the calculator's tolerance, or 5 %
untyped); `test_reward_and_vote_agree` checks the rule against `ehrmind.seed_papers.vote` itself.
"""

from __future__ import annotations

import json
import random

import pytest

import rewards
from ehrmind.seed_papers.vote import vote
from rewards import get_reward, make_reward
from rewards.gold import GoldError

BMI = json.dumps({"kind": "decimal", "value": 0, "calculator": "bmi"})  # 5 % tolerance, kg/m2
SODIUM = json.dumps({"kind": "decimal", "value": 0, "calculator": "sodium_correction_hyperglycemia",
                     "unit": "mmol/L", "analyte": "sodium"})  # absolute 0.5 mmol/L
WEIGHT = json.dumps({"kind": "decimal", "value": 0, "lower": 0, "upper": 0, "unit": "kg"})
CHA = json.dumps({"kind": "integer", "value": 0, "calculator": "cha2ds2_vasc"})
YES_NO = json.dumps({"kind": "label", "value": "yes", "choices": ["no", "yes"]})
TRIAL = json.dumps({"kind": "label", "value": "eligible", "choices": ["not relevant", "excluded", "eligible"]})
DATE = json.dumps({"kind": "date", "value": "2024-05-01"})
GA = json.dumps({"kind": "weeks_days", "value": [5, 2]})
NAN = '<think>r</think><answer>{"answer": NaN}</answer>'


def said(value) -> str:
    return f'<think>r</think><answer>{json.dumps({"answer": value})}</answer>'


def run(answers, gold=None, reward=None, **columns):
    completions = [a if isinstance(a, str) and a.startswith("<think>") else said(a) for a in answers]
    n = len(completions)
    cols = {"task": ["pseudo/calc"] * n, **columns}
    if gold is not None:
        cols["gold"] = [gold] * n
    return (reward or get_reward("pseudo_label"))(prompts=["p"] * n, completions=completions, **cols)


GROUPS = [
    # -- the cases --------------------------------------------------------------------------------
    (None, [NAN, NAN, 72], [0, 0, 0]),
    (None, ["NaN", "NaN", 72], [0, 0, 0]),
    (None, ["nan", "Infinity", 72, 72], [0, 0, 1, 1]),
    (None, ["nan", "inf", "Infinity", 72, 72], [0, 0, 0, 0, 0]),  # 2 of 5 samples: below 0.5
    (None, ["yes or no", "yes or no", "yes"], [0, 0, 0]),
    (None, ["yes/no", "Yes / No", "yes"], [0, 0, 0]),
    (None, ["maybe yes", "maybe yes", "yes"], [0, 0, 0]),
    (None, ["72,5", "72,5", 80], [0, 0, 0]),
    (None, ["72 kg", 72, "72 kg", 72], [0, 0, 0, 0]),  # untyped: two answers, tied
    (None, ["72 kg", "72 kg", 72], [1, 1, 0]),
    (WEIGHT.replace('"upper": 0', '"upper": 0'), ["72 kg", 72], [1, 1]),  # typed kg: one answer
    (YES_NO, ["yes or no", "yes or no", "yes"], [0, 0, 0]),
    (YES_NO, ["yes/no", "yes/no", "no"], [0, 0, 0]),
    (BMI, [NAN, NAN, 30.0], [0, 0, 0]),
    (BMI, ["30,5", "30,5", 35], [0, 0, 0]),
    # -- ties and low agreement pay nothing -----------------------------------------------------------
    (None, [1, 1, 2, 2], [0, 0, 0, 0]),
    (None, ["a", "b", "c", "d"], [0, 0, 0, 0]),
    (None, [5, 5, 6, 7, 8], [0, 0, 0, 0, 0]),  # 2 of 5 < 0.5
    (None, [5, 5, 5, 7, 8], [1, 1, 1, 0, 0]),
    (None, [5, None, None, None], [0, 0, 0, 0]),
    (None, [5, 5, None, None], [1, 1, 0, 0]),  # 2 of 4 = 0.5: enough
    (None, [5, 5, None, None, None], [0, 0, 0, 0, 0]),  # unreadable answers count against the share
    (None, [5], [0]),  # one answer is no vote
    (None, ["", "", "x"], [0, 0, 0]),
    (None, ["N/A", "N/A", "unknown"], [0, 0, 0]),
    (None, [[72, 80], [72, 80], 72], [0, 0, 0]),
    (None, ["72 or 80", "72 or 80", 72], [0, 0, 0]),
    (None, ["80-90", "80-90", 85], [0, 0, 0]),
    (None, ["1e999", "1e999", 5], [0, 0, 0]),
    (None, ["72 blorps", "72 blorps", 72], [0, 0, 0]),
    (None, ["x" * 300, "x" * 300, "y"], [0, 0, 0]),
    (None, ["unclear", "unclear", "yes"], [0, 0, 0]),
    (None, ["?", "?", "yes"], [0, 0, 0]),
    (None, [True, True, False], [1, 1, 0]),
    (None, ["true", True, "false"], [1, 1, 0]),
    # -- untyped numbers within 5 %, dates, (weeks, days), labels ------------------------------------
    (None, [100, 104, 96, 120], [1, 1, 1, 0]),
    (None, [100, 106, 94, 120], [0, 0, 0, 0]),  # 100 reaches neither 106 nor 94: three groups of 1 + 120
    (None, ["10/12/2023", "2023-10-12", "10/13/2023"], [1, 1, 0]),
    (None, [[5, 2], "(5 weeks, 2 days)", [5, 3]], [1, 1, 0]),
    (None, ["Eligible", "eligible.", "excluded"], [1, 1, 0]),
    # -- typed rows: the row's gold declares unit, tolerance, choices ---------------------------------
    (BMI, [30.0, 31.2, 29.0, 35.0], [1, 1, 1, 0]),  # 31.2 and 29.0 within 5 % of 30.0
    (BMI, ["30 kg/m2", 30.0, "30 kg"], [1, 1, 0]),  # kg is not a BMI unit
    (BMI, ["30 %", "30 %", 30.0], [0, 0, 0]),
    (SODIUM, ["135.4 mEq/L", 135.4, "135.6 mmol/L"], [1, 1, 1]),  # within 0.5 mmol/L; Na+ 1 mEq = 1 mmol
    (SODIUM, [135.4, 136.5, 137.6], [0, 0, 0]),  # absolute tolerance: three answers
    (SODIUM, ["135 kg", "135 kg", 135], [0, 0, 0]),
    (SODIUM, ["135 mg/dL", 58.7, 135], [1, 1, 0]),  # 135 mg/dL of Na (22.990 g/mol) = 58.7 mmol/L
    (CHA, [3, "3", "3 points", 4], [1, 1, 1, 0]),
    (CHA, [3, 3.5, 3.5, 3], [0, 0, 0, 0]),  # a fraction is its own (wrong) answer: a tie
    (CHA, ["3 kg", "3 kg", 3], [0, 0, 0]),
    (YES_NO, ["Yes", "yes.", True, "no"], [1, 1, 1, 0]),
    (YES_NO, ["positive", "present", "absent"], [1, 1, 0]),
    (YES_NO, ["maybe", "maybe", "no"], [0, 0, 0]),
    (TRIAL, ["eligible", "included", "ineligible"], [1, 1, 0]),
    (TRIAL, ["eligible or excluded", "eligible or excluded", "eligible"], [0, 0, 0]),
    (TRIAL, [2, 2, "eligible"], [0, 0, 0]),  # a qrel code is not a label name
    (DATE, ["05/01/2024", "2024-05-01", "2024-05-01T99:99"], [1, 1, 0]),
    (GA, [[5, 2], "5 weeks 2 days", [5, 9]], [1, 1, 0]),
]


@pytest.mark.parametrize(("gold", "answers", "expected"), GROUPS, ids=range(len(GROUPS)))
def test_pseudo_groups(gold, answers, expected):
    assert run(answers, gold) == [float(e) for e in expected]


def test_enough_adversarial_cases():
    assert sum(len(a) for _, a, _ in GROUPS) + len(STORED) >= 100


# (stored pseudo-gold, row type, answer, expected): a stored label replaces the vote, with a tolerance.
STORED = [
    ("80", None, 79, 1.0),  # the case: 79 within 5 % of 80
    ("80", None, 76.5, 1.0),
    ("80", None, 75, 0.0),
    (80, None, "80", 1.0),
    ('"yes"', None, "Yes", 1.0),
    ('"yes"', None, "no", 0.0),
    (json.dumps({"kind": "decimal", "value": 30.0, "calculator": "bmi"}), BMI, 31.4, 1.0),
    (json.dumps({"kind": "decimal", "value": 30.0, "calculator": "bmi"}), BMI, 31.6, 0.0),
    (json.dumps({"kind": "decimal", "value": 80.0, "lower": 78.0, "upper": 82.0}), None, 79, 1.0),
    (json.dumps({"kind": "decimal", "value": 80.0, "lower": 78.0, "upper": 82.0}), None, 77, 0.0),
    ("135.5", SODIUM, "135.2 mEq/L", 1.0),
    ("135.5", SODIUM, "136.5 mEq/L", 0.0),
    ("3", CHA, "3 points", 1.0),
    ("3", CHA, 4, 0.0),
]


@pytest.mark.parametrize(("stored", "gold", "answer", "expected"), STORED, ids=range(len(STORED)))
def test_stored_pseudo_gold_has_a_tolerance(stored, gold, answer, expected):
    # Two answers disagreeing with the stored label: the vote would pick them, the stored label wins.
    out = run([answer, -1000, -1000], gold, pseudo_gold=[stored] * 3)
    assert out[0] == expected


def test_unreadable_stored_pseudo_gold_is_a_data_bug():
    with pytest.raises(GoldError, match="pseudo_gold"):
        run([5, 5], None, pseudo_gold=["72 or 80", "72 or 80"])


def test_failures_are_counted_by_reason():
    rewards.stats.reset()
    run([NAN, "yes or no", "72,5", 5, 5, 5, 5, None], None)
    failures = rewards.stats.get("pseudo_label").failures
    assert failures == {"not_finite": 1, "multiple_values": 1, "ambiguous_comma": 1, "no_value": 1}
    rewards.stats.reset()
    run([1, 1, 2, 2], None)
    assert rewards.stats.get("pseudo_label").failures == {"no_majority": 4}


def test_options_are_checked():
    for bad in ({"min_votes": 1}, {"min_share": 1.5}, {"untyped_rel_tol": -0.1}, {"sig_digits": 3}):
        with pytest.raises(rewards.RewardConfigError):
            make_reward("pseudo_label", **bad)


@pytest.mark.parametrize("seed", range(40))
def test_reward_and_vote_agree(seed):
    # One comparator, two callers: wherever the offline vote accepts a majority, the reward pays exactly
    # the completions the vote would group with it.
    rng = random.Random(seed)
    gold = rng.choice([BMI, SODIUM, CHA, YES_NO, TRIAL])
    pool = {
        BMI: [30.0, 30.5, 31.9, 28.0, "30 kg/m2", "30 kg", "x"],
        SODIUM: [135.4, "135.4 mEq/L", 135.8, 137.0, "137 mg/dL", "NaN"],
        CHA: [3, "3 points", 4, 2.5, "3 kg"],
        YES_NO: ["yes", "no", "Yes.", "yes or no", True],
        TRIAL: ["eligible", "excluded", "not relevant", "included", "eligible or excluded"],
    }[gold]
    answers = [rng.choice(pool) for _ in range(rng.randint(2, 9))]
    completions = [said(a) for a in answers]
    v = vote(completions, gold, threshold=0.5)
    scores = run(answers, gold)
    if not v.accepted or v.tie or v.share * v.n < 2:
        assert set(scores) <= {0.0}
        return
    from rewards.compare import agree, gold_tolerance, normalise
    from rewards.gold import parse_gold
    from rewards.values import AnswerValueError

    g = parse_gold(gold)
    for a, s in zip(answers, scores, strict=True):
        try:
            same = agree(normalise(a, g), v.label, gold_tolerance(g))
        except AnswerValueError:
            same = False
        assert s == (1.0 if same else 0.0), (answers, v, scores)
