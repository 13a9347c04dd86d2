"""The value grammar: numbers (with units), dates, (weeks, days), labels; and gold parsing."""

from __future__ import annotations

import json
from datetime import date

import pytest

from rewards.gold import GoldError, parse_gold
from rewards.values import (
    TRIAL_LABELS,
    VALUE_REASONS,
    AnswerValueError,
    parse_date,
    parse_label,
    parse_number,
    parse_weeks_days,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (72.5, 72.5),
        (3, 3.0),
        ("72.5", 72.5),
        ("1,234.5", 1234.5),
        ("1,234,567", 1234567.0),
        ("1.2e3", 1200.0),
        ("1.2 E-1", 0.12),
        ("−3", -3.0),  # unicode minus
        ("+4", 4.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("≈ 72", 72.0),
        ("~72", 72.0),
        ("approximately 72", 72.0),
        ("About 72", 72.0),
        ("72 mL/min/1.73 m²", 72.0),
        ("72 mL/min/1.73m2", 72.0),
        ("12 %", 12.0),
        ("12%", 12.0),
        ("７２．５", 72.5),  # full-width digits and point
        ("３ points", 3.0),
        ("72.5.", 72.5),
        ('"72.5"', 72.5),
        ("  72.5  ", 72.5),
    ],
)
def test_numbers(raw, expected):
    assert parse_number(raw) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, "no_value"),
        ("", "no_value"),
        ("N/A", "no_value"),
        ("unknown", "no_value"),
        (True, "not_a_number"),
        ("seventy-two", "not_a_number"),
        ("eGFR = 72", "not_a_number"),
        ({"value": 1}, "not_a_number"),
        ([72, 80], "multiple_values"),
        ("72 or 80", "multiple_values"),
        ("3/9", "multiple_values"),
        ("72.5 ± 3", "multiple_values"),
        ("80-90", "range"),
        ("80–90", "range"),
        ("80 to 90", "range"),
        ("72,5", "ambiguous_comma"),
        ("1e999", "not_finite"),
        (float("nan"), "not_finite"),
        (float("inf"), "not_finite"),
        (10**400, "not_finite"),
        ("72 blorps", "unknown_unit"),
        ("9" * 300, "value_too_long"),
    ],
)
def test_number_failures(raw, reason):
    with pytest.raises(AnswerValueError) as info:
        parse_number(raw)
    assert info.value.reason == reason
    assert reason in VALUE_REASONS


def test_units_are_converted_with_the_calculators_table():
    # 6.1 mmol/L glucose (180.156 g/mol) = 6.1 * 18.0156 mg/dL
    assert parse_number("6.1 mmol/L", target_unit="mg/dL", analyte="glucose") == pytest.approx(
        109.895, rel=1e-4
    )
    assert parse_number("1 g/L", target_unit="mg/dL") == pytest.approx(100.0)
    assert parse_number("98.6 °F", target_unit="Cel") == pytest.approx(37.0)
    assert parse_number("100", target_unit="mg/dL") == 100.0  # a bare number is in the asked unit
    for raw, reason in (("6.1 mmol/L", "wrong_unit"), ("100 kg", "wrong_unit"), ("3 points", "wrong_unit")):
        with pytest.raises(AnswerValueError) as info:
            parse_number(raw, target_unit="mg/dL")
        assert info.value.reason == reason


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("05/01/2024", date(2024, 5, 1)),
        ("5/1/2024", date(2024, 5, 1)),
        ("2024-05-01", date(2024, 5, 1)),
        ("2024-05-01T00:00:00", date(2024, 5, 1)),
        ("05/01/2024.", date(2024, 5, 1)),
    ],
)
def test_dates(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw", ["05/01/24", "2024/05/01", "May 1, 2024", "02/30/2024", "13/01/2024", 20240501, None]
)
def test_bad_dates(raw):
    with pytest.raises(AnswerValueError):
        parse_date(raw)


@pytest.mark.parametrize(
    "raw",
    [
        [5, 2],
        (5, 2),
        [5.0, 2.0],
        ["5", "2"],
        {"weeks": 5, "days": 2},
        "(5 weeks, 2 days)",
        "('5 weeks', '2 days')",
        "5 weeks 2 days",
        "5 weeks and 2 days",
        "5w2d",
        "5 wk, 2 d",
        "[5, 2]",
        "(5, 2)",
    ],
)
def test_weeks_days(raw):
    assert parse_weeks_days(raw) == (5, 2)


@pytest.mark.parametrize(
    "raw", ["52", "5.5 weeks", [5], [5, 2, 1], [5, 9], [True, 2], [5.5, 2], "five weeks", None]
)
def test_bad_weeks_days(raw):
    with pytest.raises(AnswerValueError):
        parse_weeks_days(raw)


def test_labels_and_aliases():
    assert parse_label("Eligible.", TRIAL_LABELS) == "eligible"
    assert parse_label("NOT_RELEVANT", TRIAL_LABELS) == "not relevant"
    assert parse_label("not-relevant", TRIAL_LABELS) == "not relevant"
    assert parse_label("ineligible", TRIAL_LABELS) == "excluded"
    assert parse_label(True, ["no", "yes"]) == "yes"
    assert parse_label(0, ["no", "yes"]) == "no"
    assert parse_label("Positive", ["no", "yes"]) == "yes"
    assert parse_label("1", ["false", "true"]) == "true"
    assert parse_label("b", ["a", "b", "c"]) == "b"
    assert parse_label("x", ["a", "b"], {"x": "a"}) == "a"
    for raw, choices in (
        ("maybe", TRIAL_LABELS),
        (2, TRIAL_LABELS),
        (["yes"], ["no", "yes"]),
        ("true", ["a", "b"]),
    ):
        with pytest.raises(AnswerValueError):
            parse_label(raw, choices)


def test_gold_parsing_and_errors():
    g = parse_gold(
        '{"kind": "decimal", "value": 72.5, "lower": 68.9, "upper": 76.1, "unit": "mL/min/{1.73_m2}"}'
    )
    assert (g.value, g.lower, g.upper, g.unit) == (72.5, 68.9, 76.1, "mL/min/{1.73_m2}")
    assert parse_gold({"kind": "date", "value": "05/01/2024"}).value == date(2024, 5, 1)
    assert parse_gold({"kind": "weeks_days", "value": [5, 2]}).value == (5, 2)
    bad = [
        "not json",
        "[1, 2]",
        {"kind": "float", "value": 1},
        {"kind": "decimal", "value": "72"},
        {"kind": "decimal", "value": 72, "lower": 70},
        {"kind": "decimal", "value": 80, "lower": 70, "upper": 75},
        {"kind": "decimal", "value": 72, "unit": "blorps"},
        {"kind": "integer", "value": 2.5},
        {"kind": "date", "value": "yesterday"},
        {"kind": "weeks_days", "value": [5, 9]},
        {"kind": "label", "value": "x", "choices": ["a", "b"]},
        {"kind": "label", "value": "a", "choices": ["a"]},
        {"kind": "label", "value": "a", "choices": ["a", "b"], "aliases": {"z": "q"}},
        42,
    ]
    for raw in bad:
        with pytest.raises(GoldError) as info:
            parse_gold(raw)
        assert "gold" in str(info.value)
    assert parse_gold(json.dumps({"kind": "integer", "value": 3})) is parse_gold(
        json.dumps({"kind": "integer", "value": 3})
    )
