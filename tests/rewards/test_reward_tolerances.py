"""Gold tolerances never pay a trivial answer: for every calculator, ≥ 1,000 valid inputs drawn from the
declared plausible ranges; a copied input (as written, and converted to the output's unit) or 0 must not
score unless it is within the declared tolerance of the true result, and only rarely even then.

Why: mined sodium-correction rows used ±5 %, wider than the correction itself, so answering the measured
sodium scored 1 on 199 of 200 rows (issue 11). A result that is a small change of an input (corrections,
deltas, gaps, adjusted weights, QTc, MAP) now declares an absolute tolerance (`Output.abs_tol`).
"""

from __future__ import annotations

import datetime
import json
import random

import pytest

import calculators
from calculators.errors import UnitError
from calculators.units import conversion
from ehrmind.tasks.schema import calculator_gold
from rewards import make_reward
from rewards.compare import gold_tolerance
from rewards.gold import parse_gold
from rewards.values import AnswerValueError

DRAWS = 1000  # valid input sets per calculator
MAX_TRIES = 20_000
# Share of draws on which a copied input (or 0) that is not the exact result may still score 1: the
# answer is then right by the declaration (e.g. QTc at 60 bpm equals QT), but a reward that pays it
# often teaches copying.
MAX_TRIVIAL_SHARE = 0.05
CALCS = calculators.all_calculators()
REWARD = make_reward("calc_accuracy")


def _draw(calc, rng: random.Random) -> dict:
    values: dict = {}
    optional_groups: dict[str, bool] = {}  # "morphine_dose" and "morphine_per_day" come together
    for inp in calc.inputs:
        if not inp.required:
            group = inp.name.removesuffix("_dose").removesuffix("_per_day")
            if not optional_groups.setdefault(group, rng.random() < 0.5):
                continue
        if inp.kind == "number":
            lo, hi = inp.range or (0.0, 100.0)
            # Whole-number ranges (GCS 3-15, counts) draw whole numbers: some inputs accept only those.
            both_int = isinstance(lo, int) and isinstance(hi, int)
            values[inp.name] = rng.randint(lo, hi) if both_int else rng.uniform(lo, hi)
        elif inp.kind == "bool":
            values[inp.name] = rng.random() < 0.5
        elif inp.kind == "choice":
            values[inp.name] = rng.choice(inp.choices)
        else:
            values[inp.name] = datetime.date(2020, 1, 1) + datetime.timedelta(days=rng.randrange(2000))
    return values


def _trivial_answers(calc, values: dict) -> list[float]:
    """0, and every numeric input: in the output's unit when it converts, as written when either side has
    no unit (an albumin of 3.1 g/dL near an anion gap of 3 mEq/L is chance, not a copy)."""
    out = [0.0]
    for inp in calc.inputs:
        v = values.get(inp.name)
        if inp.kind != "number" or v is None:
            continue
        if not inp.unit or not calc.output.unit:
            out.append(float(v))
            continue
        try:
            scale, offset = conversion(inp.unit, calc.output.unit, inp.analyte)
        except UnitError:
            continue
        out.append(v * scale + offset)
    return out


def _paid(gold, answer: float) -> bool:
    try:
        return REWARD.grade(answer, gold, 0, {}) == REWARD.correct_score
    except AnswerValueError:
        return False


@pytest.mark.parametrize("calc", CALCS, ids=[c.id for c in CALCS])
def test_no_trivial_answer_inside_the_gold_interval(calc):
    if calc.output.kind not in ("decimal", "integer"):
        pytest.skip(f"{calc.id} returns a {calc.output.kind}: graded exactly, no input is one")
    rng = random.Random(calc.id)
    valid = trivial_paid = tries = 0
    while valid < DRAWS and tries < MAX_TRIES:
        tries += 1
        values = _draw(calc, rng)
        try:
            result = calc.evaluate(values, assume_canonical=True).value
        except (calculators.CalculatorError, ValueError):
            continue  # an implausible combination the calculator rejects with a typed error
        valid += 1
        gold = parse_gold(json.dumps(calculator_gold(calc, result)))
        half = gold_tolerance(gold).half_width(float(result))
        for answer in _trivial_answers(calc, values):
            if not _paid(gold, answer):
                continue
            # Paid only within the declared tolerance of the true result (the row's limits are the
            # declaration's, never wider) ...
            assert abs(answer - result) <= half + 1e-9, (calc.id, values, answer, result)
            if abs(answer - result) > 1e-6 * max(1.0, abs(result)):
                trivial_paid += 1
                break
    assert valid >= DRAWS, f"{calc.id}: only {valid} valid input sets in {tries} draws"
    # ... and rarely: the tolerance is narrower than the typical change the calculation makes.
    assert trivial_paid / valid <= MAX_TRIVIAL_SHARE, (calc.id, trivial_paid / valid)


def test_sodium_copy_is_not_paid_and_mEq_is():
    # Issue 11: 135.4 mEq/L and 135.5 mmol/L on a sodium-correction gold are both right (Na+ is monovalent:
    # 1 mEq = 1 mmol; the gold is in mEq/L, as Hillier and MedCalc-Bench's question write it), the measured
    # sodium copied is wrong. Values: Hillier 1999 factor 2.4 mEq/L per
    # 100 mg/dL glucose above 100 (the calculator's citation): 130 + 2.4 * (330 - 100) / 100 = 135.52.
    calc = calculators.get("sodium_correction_hyperglycemia")
    result = calc.evaluate({"sodium": "130 mmol/L", "glucose": "330 mg/dL"}).value
    gold = parse_gold(json.dumps(calculator_gold(calc, result)))
    assert gold.analyte == "sodium" and gold.unit == "mEq/L"
    assert _paid(gold, "135.4 mEq/L") and _paid(gold, "135.5 mmol/L") and _paid(gold, 135.52)
    assert not _paid(gold, 130) and not _paid(gold, "130 mEq/L")


def test_medcalc_rows_keep_the_benchmark_limits_and_say_so():
    # MedCalc-Bench's Lower/Upper Limit are the answer x 0.95 / x 1.05 (comparability with the paper).
    calc = calculators.get("sodium_correction_hyperglycemia")
    gold = calculator_gold(calc, 140.0, benchmark_limits=True)
    assert gold["limits"] == "medcalc_bench"
    assert (gold["lower"], gold["upper"]) == pytest.approx((133.0, 147.0))
    assert parse_gold(json.dumps(gold)).limits == "medcalc_bench"
    own = calculator_gold(calc, 140.0)
    assert (own["lower"], own["upper"]) == pytest.approx((139.5, 140.5)) and "limits" not in own
    # A row MedCalc-Bench grades exactly (published Lower = Upper = the answer, e.g. "206.0"): our value within
    # the rounding that limit was written with, as `calculators.answers.limit_slack` reads published limits
    # (half a unit of the third decimal, or of the last one shown: "6.946" -> 0.0005, "45.05712" -> 0.000005).
    mme = calculators.get("mme")
    tight = calculator_gold(mme, 206.0, benchmark_limits=True, exact_limit=206.0)
    assert (tight["lower"], tight["upper"]) == pytest.approx((205.9995, 206.0005)) and tight["limits"] == "medcalc_bench"
    finer = calculator_gold(mme, 45.05712, benchmark_limits=True, exact_limit=45.05712)
    assert finer["upper"] - finer["value"] == pytest.approx(0.000005)
