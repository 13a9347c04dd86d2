"""`trial_label`, `diagnosis_label` and `pseudo_label`: adversarial tables and options."""

from __future__ import annotations

import json

import pytest

from rewards import RewardConfigError, get_reward, make_reward
from rewards.trial import QREL_LABELS, gold_from_qrel

TRIAL = ["not relevant", "excluded", "eligible"]


def _gold(label, choices=TRIAL):
    return json.dumps({"kind": "label", "value": label, "choices": choices})


def _wrap(answer_json: str) -> str:
    return f'<think>Checked each criterion.</think>\n<answer>{{"answer": {answer_json}}}</answer>'


# (answer JSON, the label it means or None when it is not a trial label)
TRIAL_ANSWERS = [
    ('"eligible"', "eligible"),
    ('"Eligible"', "eligible"),
    ('"ELIGIBLE."', "eligible"),
    ('" eligible "', "eligible"),
    ('"included"', "eligible"),
    ('"excluded"', "excluded"),
    ('"Excluded"', "excluded"),
    ('"exclude"', "excluded"),
    ('"ineligible"', "excluded"),
    ('"not eligible"', "excluded"),
    ('"not relevant"', "not relevant"),
    ('"Not Relevant"', "not relevant"),
    ('"not_relevant"', "not relevant"),
    ('"not-relevant"', "not relevant"),
    ('"irrelevant"', "not relevant"),
    ('"**eligible**"', "eligible"),
    ('"maybe"', None),
    ('"eligible or excluded"', None),
    ('["eligible"]', None),
    ("2", None),
    ("1", None),
    ("0", None),
    ("null", None),
    ('""', None),
    ('"N/A"', None),
    ("true", None),
    ("\"__import__('os')\"", None),
    ('"relevant"', None),
    ('"eligible?"', None),
    ('{"label": "eligible"}', None),
]
TRIAL_TABLE = [
    (gold, _wrap(a), 1.0 if means == gold else 0.0) for gold in TRIAL for a, means in TRIAL_ANSWERS
]
TRIAL_TABLE += [
    (gold, c, 0.0) for gold in TRIAL for c in ("", "eligible", "<answer></answer>", "<think>x</think>")
]


def test_trial_table_is_large():
    assert len(TRIAL_TABLE) >= 100


@pytest.mark.parametrize(("gold", "completion", "expected"), TRIAL_TABLE, ids=range(len(TRIAL_TABLE)))
def test_trial_label_table(gold, completion, expected):
    out = get_reward("trial_label")(completions=[completion], gold=[_gold(gold)], task=["trial_match"])
    assert out == [expected]


def test_qrels_codes_map_to_the_right_names():
    # TREC: 0 not relevant, 1 excluded, 2 eligible (EHRMIND's reward swapped two of them).
    assert QREL_LABELS == {0: "not relevant", 1: "excluded", 2: "eligible"}
    assert json.loads(gold_from_qrel(2))["value"] == "eligible"
    assert json.loads(gold_from_qrel("1"))["value"] == "excluded"
    f = get_reward("trial_label")
    assert f(completions=[_wrap('"excluded"')], gold=[gold_from_qrel(1)], task=["trial_match"]) == [1.0]
    assert f(completions=[_wrap('"eligible"')], gold=[gold_from_qrel(1)], task=["trial_match"]) == [0.0]


def test_partial_credit_matrix():
    f = make_reward(
        "trial_label", partial_credit={"eligible": {"excluded": 0.25}, "excluded": {"eligible": 0.5}}
    )
    rows = [
        ("eligible", '"excluded"', 0.25),
        ("eligible", '"not relevant"', 0.0),
        ("excluded", '"eligible"', 0.5),
        ("eligible", '"eligible"', 1.0),
        ("eligible", '"maybe"', 0.0),
    ]
    for gold, answer, expected in rows:
        assert f(completions=[_wrap(answer)], gold=[_gold(gold)], task=["trial_match"]) == [expected]
    for bad in (
        {"eligble": {"excluded": 1}},
        {"eligible": {"eligible": 1}},
        {"eligible": {"excluded": "x"}},
        [1],
    ):
        with pytest.raises(RewardConfigError):
            make_reward("trial_label", partial_credit=bad)


# -- diagnosis_label -------------------------------------------------------------------------------------------
YES_NO = ["no", "yes"]
DIAG_ANSWERS = [
    ('"yes"', "yes"),
    ('"Yes"', "yes"),
    ('"YES."', "yes"),
    ("true", "yes"),
    ('"true"', "yes"),
    ("1", "yes"),
    ('"1"', "yes"),
    ('"positive"', "yes"),
    ('"y"', "yes"),
    ('"no"', "no"),
    ('"No"', "no"),
    ("false", "no"),
    ('"False"', "no"),
    ("0", "no"),
    ('"0"', "no"),
    ('"negative"', "no"),
    ('"n"', "no"),
    ("1.0", "yes"),
    ('"maybe"', None),
    ('"yes and no"', None),
    ("2", None),
    ("null", None),
    ('""', None),
    ('["yes"]', None),
    ('"unknown"', None),
    ("0.5", None),
]
DIAG_TABLE = [(g, _wrap(a), 1.0 if means == g else 0.0) for g in YES_NO for a, means in DIAG_ANSWERS]
MULTI = ["low", "normal", "high", "abnormal"]
DIAG_TABLE += [
    (g, _wrap(json.dumps(a)), 1.0 if a.lower() == g else 0.0)
    for g in MULTI
    for a in ("low", "Normal", "HIGH", "abnormal", "very high", "")
]
DIAG_TABLE += [(g, [{"role": "assistant", "content": c}], s) for g, c, s in DIAG_TABLE if g in YES_NO][::3]
DIAG_TABLE += [(g, c, 0.0) for g in YES_NO for c in ("", "yes", "<answer>", "<think>yes</think>")]


def test_diagnosis_table_is_large():
    assert len(DIAG_TABLE) >= 100


@pytest.mark.parametrize(("gold", "completion", "expected"), DIAG_TABLE, ids=range(len(DIAG_TABLE)))
def test_diagnosis_table(gold, completion, expected):
    choices = YES_NO if gold in YES_NO else MULTI
    out = get_reward("diagnosis_label")(
        completions=[completion], gold=[_gold(gold, choices)], task=["ehrshot/x"]
    )
    assert out == [expected]


def test_diagnosis_class_balancing():
    golds = [_gold("yes", YES_NO)] + [_gold("no", YES_NO)] * 3
    right = [_wrap('"yes"')] + [_wrap('"no"')] * 3
    tasks = ["ehrshot/new_hypertension"] * 4
    # inverse class frequency in the batch: yes = 4/(2*1) = 2, no = 4/(2*3)
    out = make_reward("diagnosis_label", balanced=True)(completions=right, gold=golds, task=tasks)
    assert out == pytest.approx([2.0, 2 / 3, 2 / 3, 2 / 3])
    assert sum(out) / len(out) == pytest.approx(1.0)
    fixed = make_reward("diagnosis_label", class_weights={"yes": 5.0, "no": 1.0})
    assert fixed(completions=right, gold=golds, task=tasks) == [5.0, 1.0, 1.0, 1.0]
    # a label the mapping does not name keeps weight 1 (issue 11: this raised mid-training)
    partial = make_reward("diagnosis_label", class_weights={"yes": 5.0})
    assert partial(completions=right, gold=golds, task=tasks) == [5.0, 1.0, 1.0, 1.0]
    assert (
        get_reward("diagnosis_label")(completions=right, gold=golds, task=["trial_match"] * 4) == [None] * 4
    )


# -- pseudo_label -----------------------------------------------------------------------------------------------
def _group(answers: list[str], prompt: str = "p1"):
    return [_wrap(a) if a is not None else "no answer here" for a in answers], [prompt] * len(answers)


PSEUDO_GROUPS = [  # (answers in one group, expected scores); untyped rows: no gold declares the type
    (['"72.5"', "72.5", '"72.5 mL/min"', "80"], [1, 1, 0, 0]),  # without a type, a unit is its own answer
    (["72.50", "72.5", "72.51", "72.4"], [1, 1, 1, 1]),  # within 5 % (untyped_rel_tol)
    (["72", "72", "90", "90"], [0, 0, 0, 0]),  # a tie
    (['"eligible"', '"Eligible"', '"excluded"', "null"], [1, 1, 0, 0]),
    (['"10/12/2023"', '"2023-10-12"', '"10/13/2023"', '"10/12/2023"'], [1, 1, 0, 1]),
    (["[5, 2]", '"(5 weeks, 2 days)"', "[5, 3]", None], [1, 1, 0, 0]),
    (['"yes"', '"no"', '"yes"', '"no"'], [0, 0, 0, 0]),  # tie: no majority
    (['"yes"', '"maybe"', '"no"', None], [0, 0, 0, 0]),  # one vote each: below min_votes
    (["3", "3.0", '"3 points"', '"4"'], [1, 1, 1, 0]),
    (['"80-90"', '"85"', "85", '"N/A"'], [0, 1, 1, 0]),
    (["1e999", "5", "5", "5"], [0, 1, 1, 1]),
]


def _pseudo_table():
    rows = []
    for answers, expected in PSEUDO_GROUPS:
        for wrap_chat in (False, True):
            completions, prompts = _group(answers)
            if wrap_chat:
                completions = [[{"role": "assistant", "content": c}] for c in completions]
            rows.append((completions, prompts, [float(e) for e in expected]))
    return rows


PSEUDO_TABLE = _pseudo_table()


def test_pseudo_table_is_large():
    assert sum(len(c) for c, _, _ in PSEUDO_TABLE) >= 80 and len(PSEUDO_GROUPS) * 4 * 2 >= 80


@pytest.mark.parametrize(("completions", "prompts", "expected"), PSEUDO_TABLE, ids=range(len(PSEUDO_TABLE)))
def test_pseudo_label_groups(completions, prompts, expected):
    out = get_reward("pseudo_label")(
        prompts=prompts, completions=completions, task=["pseudo/medcalc"] * len(prompts)
    )
    assert out == expected


def test_pseudo_label_mixed_batch_and_pseudo_gold():
    a, pa = _group(['"5"', '"5"', '"6"', '"7"'], "A")
    b, pb = _group(['"x"', '"y"', '"y"', '"y"'], "B")
    completions, prompts = a + b, pa + pb
    tasks = ["pseudo/calc"] * 4 + ["pseudo/label"] * 4
    f = get_reward("pseudo_label")
    assert f(prompts=prompts, completions=completions, task=tasks) == [1, 1, 0, 0, 0, 1, 1, 1]
    gold = [None] * 4 + ['"x"'] * 4
    assert f(prompts=prompts, completions=completions, task=tasks, pseudo_gold=gold) == [
        1,
        1,
        0,
        0,
        1,
        0,
        0,
        0,
    ]
    assert f(prompts=prompts, completions=completions, task=["calc"] * 8) == [None] * 8
    strict_share = make_reward("pseudo_label", min_share=0.75)
    assert strict_share(prompts=prompts, completions=completions, task=tasks) == [0, 0, 0, 0, 0, 1, 1, 1]
    with pytest.raises(ValueError, match="prompts"):
        f(completions=completions, task=tasks)
    for bad in ({"min_votes": 0}, {"sig_digits": 40}, {"min_share": "x"}):
        with pytest.raises(RewardConfigError):
            make_reward("pseudo_label", **bad)
