"""One grammar for MedCalc-Bench labels and one comparator for `calc audit` and the medcalc reward."""

from __future__ import annotations

import csv
import json
import random
from datetime import date
from pathlib import Path

import pytest

from calculators.answers import AnswerLabelError, limit_slack, medcalc_correct, parse_medcalc_answer

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "medcalc-bench"


@pytest.mark.parametrize(
    ("text", "output_type", "expected"),
    [
        ("68.2", "decimal", ("decimal", 68.2)),
        ("3", "integer", ("integer", 3)),
        ("1.5", "integer", ("decimal", 1.5)),  # a half-point score the benchmark labels "integer"
        ("10/12/2023", "date", ("date", date(2023, 10, 12))),
        ("('29 weeks', '2 days')", "date", ("weeks_days", (29, 2))),
        ("('1 week', '1 day')", "date", ("weeks_days", (1, 1))),
    ],
)
def test_label_forms(text: str, output_type: str, expected: tuple) -> None:
    assert parse_medcalc_answer(text, output_type) == expected


@pytest.mark.parametrize(
    ("text", "output_type"),
    [("abc", "decimal"), ("nan", "decimal"), ("2023-13-45", "date"), ("1", "score"), ("29 weeks", "date")],
)
def test_other_label_forms_are_refused(text: str, output_type: str) -> None:
    with pytest.raises(AnswerLabelError):
        parse_medcalc_answer(text, output_type)


def test_decimal_limits_carry_the_rounding_they_were_written_with() -> None:
    # v1.0 steroid conversion rows give zero-tolerance limits rounded to 3 decimals (train sample:
    # answer 38.187 for 38.1872 mg): the unrounded value is right, the next written value is not.
    assert medcalc_correct("decimal", 38.1872, lower=38.187, upper=38.187)
    assert not medcalc_correct("decimal", 38.188, lower=38.187, upper=38.187)
    assert not medcalc_correct("decimal", 38.19, lower=38.187, upper=38.187)
    # A gold of exactly 0 pays float noise, not 0.01 (the published limits "0", "0").
    assert medcalc_correct("decimal", 1e-12, lower=0.0, upper=0.0)
    assert not medcalc_correct("decimal", 0.01, lower=0.0, upper=0.0)
    # Limits we compute ourselves (value × 0.95) keep their precision: no widening to speak of.
    assert limit_slack(64.79145723112) < 1e-10
    assert limit_slack(38.187) == pytest.approx(0.0005) and limit_slack(64.79145) == pytest.approx(5e-6)


def test_limit_slack_counts_decimals_as_decimal_does() -> None:
    # Reference: the decimal module's exponent of the shortest float text (exponent notation counts as no
    # decimals, as the MedCalc-Bench limits are never written that way).
    from decimal import Decimal

    rng = random.Random(5)
    limits = [0.0, -0.0, 1.0, 38.187, 64.79145, 0.1 + 0.2, 1e16, 5e-05, 1e-4, 123456.0, 0.00012345678901234567]
    limits += [rng.uniform(-1, 1) * 10 ** rng.randint(-6, 8) for _ in range(20_000)]
    limits += [round(x, rng.randint(0, 6)) for x in limits[:5_000]]
    for limit in limits:
        text = repr(limit)
        decimals = 0 if "e" in text else max(0, -Decimal(text).as_tuple().exponent)
        assert limit_slack(limit) == 0.5 * 10.0 ** -max(3, decimals), text


def test_integer_date_and_weeks_days_rules() -> None:
    assert medcalc_correct("integer", 3.4, 3) and not medcalc_correct("integer", 3.6, 3)
    assert not medcalc_correct("integer", True, 1)  # a boolean is not an answer
    assert medcalc_correct("date", date(2023, 10, 12), "2023-10-12")
    assert not medcalc_correct("date", date(2023, 10, 13), "2023-10-12")
    assert medcalc_correct("weeks_days", (29, 2), [29, 2]) and not medcalc_correct("weeks_days", (29, 3), [29, 2])
    with pytest.raises(ValueError, match="limits"):
        medcalc_correct("decimal", 1.0, lower=None, upper=2.0)


def test_audit_predicts_the_medcalc_reward_on_every_shared_row() -> None:
    """Answering our recomputed value earns the reward exactly on the rows `calc audit` calls agree."""
    from calculators.audit import audit_csv
    from rewards import get_reward

    reward = get_reward("medcalc_accuracy")
    checked = 0
    for name in ("train_sample.csv", "one_shot_verified.csv"):
        path = DATA / name
        if not path.exists():
            pytest.skip(f"shared data not found at {path}")
        with path.open(encoding="utf-8", newline="") as fh:
            rows = {r["Row Number"]: r for r in csv.DictReader(fh)}
        judged = [r for r in audit_csv(path)["rows"] if r["status"] != "error"]
        golds, answers = [], []
        for record in judged:
            row = rows[str(record["row_number"])]
            kind, value = parse_medcalc_answer(row["Ground Truth Answer"], row["Output Type"])
            gold: dict = {"kind": kind, "value": value}
            if row["Output Type"].strip().lower() == "decimal":
                gold |= {"lower": float(row["Lower Limit"]), "upper": float(row["Upper Limit"])}
            elif kind == "decimal":  # a half-point "integer" label: graded as an integer by both
                gold = {"kind": "integer", "value": round(value)}
            if isinstance(value, date):
                gold["value"] = value.isoformat()
            elif isinstance(value, tuple):
                gold["value"] = list(value)
            golds.append(json.dumps(gold))
            ours = record["ours"]
            answers.append(f"<think>r</think><answer>{json.dumps({'answer': ours})}</answer>")
        scores = reward(completions=answers, gold=golds, task=["medcalc"] * len(golds))
        for record, score in zip(judged, scores, strict=True):
            assert (score == 1.0) == (record["status"] == "agree"), record
        checked += len(judged)
    assert checked > 1000
