"""The (weeks, days) grammars of `calculators.weeks_days`: each reads what it should, and every published
label the strict label grammar accepts is read the same by the model-answer grammar."""

from __future__ import annotations

import pytest

from calculators.weeks_days import WEEKS_DAYS_MENTION, parse_weeks_days_label, read_weeks_days

LABELS = ["('29 weeks', '2 days')", "('1 week', '0 days')", "(29 weeks, 2 days)", "( '40 Weeks' , '6 Days' )",
          "('0 weeks', '1 day')"]  # fmt: skip


@pytest.mark.parametrize("label", LABELS)
def test_every_label_reads_the_same_as_an_answer(label):
    pair = parse_weeks_days_label(label)
    assert pair is not None
    assert read_weeks_days(" ".join(label.lower().split())) == pair


@pytest.mark.parametrize("text", ["5, 2", "5w 2d", "[5, 2]", "5 weeks", "05/01/2024"])
def test_the_label_grammar_is_strict(text):
    assert parse_weeks_days_label(text) is None  # a label of another shape is a data error, not a guess


@pytest.mark.parametrize(
    ("text", "pair"),
    [("(5 weeks, 2 days)", (5, 2)), ("5w 2d", (5, 2)), ("5, 2", (5, 2)), ("[5, 2]", (5, 2)),
     ("5 weeks and 2 days", (5, 2)), ("5 weeks", (5, 0)), ("5 + 2", (5, 2))],
)  # fmt: skip
def test_answer_grammar(text, pair):
    assert read_weeks_days(text) == pair


@pytest.mark.parametrize("text", ["five weeks", "5", "5 days", "05/01/2024", "5 weeks 2 days later"])
def test_answer_grammar_rejects(text):
    assert read_weeks_days(text) is None


def test_mentions_need_both_unit_words():
    assert WEEKS_DAYS_MENTION.findall("At 5 weeks and 2 days, then 7 wks, 1 d.") == [("5", "2"), ("7", "1")]
    assert WEEKS_DAYS_MENTION.findall("steps 5, 2 and 3") == []
