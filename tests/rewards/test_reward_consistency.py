"""One rule for several answers, and dates only in documented formats (issue 11, item 5).

`{"answer": 72} {"answer": 10}` graded the first value while two answer blocks graded the last; now both
fail as `multiple_values`, in every reward. `"2024-05-01T99:99"` scored 1 on a date gold; now only
MM/DD/YYYY and ISO YYYY-MM-DD (optionally with a valid ISO time of day) are dates.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

import rewards
from rewards import get_reward
from rewards.values import AnswerValueError, parse_date

T = "<think>r</think>"
TWO_IN_ONE = T + '<answer>{"answer": %s} {"answer": %s}</answer>'
TWO_BLOCKS = T + '<answer>{"answer": %s}</answer> <answer>{"answer": %s}</answer>'
ROWS = {
    "calc_accuracy": ('{"kind": "integer", "value": 72, "calculator": "cha2ds2_vasc"}', "calc", "72", "10"),
    "medcalc_accuracy": ('{"kind": "integer", "value": 72}', "medcalc", "72", "10"),
    "diagnosis_label": ('{"kind": "label", "value": "yes", "choices": ["no", "yes"]}', "ehrshot/x", '"yes"',
                        '"no"'),
    "trial_label": ('{"kind": "label", "value": "eligible", "choices": ["not relevant", "excluded", '
                    '"eligible"]}', "trial_match", '"eligible"', '"excluded"'),
}


@pytest.mark.parametrize("shape", [TWO_IN_ONE, TWO_BLOCKS], ids=["one_block", "two_blocks"])
@pytest.mark.parametrize("order", ["right_first", "right_last"])
@pytest.mark.parametrize("name", sorted(ROWS))
def test_two_values_fail_alike_in_and_across_blocks(name, order, shape):
    gold, task, right, wrong = ROWS[name]
    pair = (right, wrong) if order == "right_first" else (wrong, right)
    rewards.stats.reset()
    assert get_reward(name)(completions=[shape % pair], gold=[gold], task=[task]) == [0.0]
    assert dict(rewards.stats.get(name).failures) == {"multiple_values": 1}


@pytest.mark.parametrize("name", sorted(ROWS))
def test_the_same_value_twice_is_one_answer(name):
    gold, task, right, _ = ROWS[name]
    for shape in (TWO_IN_ONE, TWO_BLOCKS):
        assert get_reward(name)(completions=[shape % (right, right)], gold=[gold], task=[task]) == [1.0]


def test_drafts_inside_think_do_not_count():
    gold, task, right, wrong = ROWS["calc_accuracy"]
    text = f'<think>draft <answer>{{"answer": {wrong}}}</answer></think><answer>{{"answer": {right}}}</answer>'
    assert get_reward("calc_accuracy")(completions=[text], gold=[gold], task=[task]) == [1.0]


def test_value_level_several_answers_are_multiple_values():
    gold, task, *_ = ROWS["calc_accuracy"]
    for value in ([72, 10], "72 or 10", "72 and 10", "72, 10", "72.5 ± 3"):
        rewards.stats.reset()
        completion = T + "<answer>" + json.dumps({"answer": value}) + "</answer>"
        assert get_reward("calc_accuracy")(completions=[completion], gold=[gold], task=[task]) == [0.0]
        assert set(rewards.stats.get("calc_accuracy").failures) <= {"multiple_values", "ambiguous_comma"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/01/2024", date(2024, 5, 1)),
        ("5/1/2024", date(2024, 5, 1)),
        ("2024-05-01", date(2024, 5, 1)),
        ("2024-5-1", date(2024, 5, 1)),
        ("2024-05-01T08:30", date(2024, 5, 1)),
        ("2024-05-01T08:30:15", date(2024, 5, 1)),
        ("2024-05-01T23:59:59.5Z", date(2024, 5, 1)),
        ("2024-05-01 00:00", date(2024, 5, 1)),
        ("2024-05-01.", date(2024, 5, 1)),
    ],
)
def test_documented_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-01T99:99",  # the case
        "2024-05-01T24:00",
        "2024-05-01T12:60",
        "2024-05-01T12:30:61",
        "2024-05-01T",
        "2024-05-01Tfoo",
        "2024-05-01 or 2024-05-02",
        "2024-05-01/2024-05-02",
        "2024-05-01x",
        "05/01/2024 12:00",
        "05/01/24",
        "13/01/2024",
        "2024-02-30",
        "May 1, 2024",
        "1 May 2024",
        "20240501",
        "2024/05/01",
        "05-01-2024",
        "2024-05",
        "tomorrow",
    ],
)
def test_undocumented_dates_are_invalid(text):
    with pytest.raises(AnswerValueError) as exc:
        parse_date(text)
    assert exc.value.reason == "invalid_date"


def test_date_reward_rejects_a_bad_time():
    gold = '{"kind": "date", "value": "2024-05-01", "calculator": "due_date"}'
    completion = T + '<answer>{"answer": "2024-05-01T99:99"}</answer>'
    assert get_reward("calc_accuracy")(completions=[completion], gold=[gold], task=["calc"]) == [0.0]
