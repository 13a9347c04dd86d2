"""Answer units: a closed grammar of clinical spellings, converted to the gold's unit with its analyte.

Cases from issue 11: "135.4 mEq/L" on a sodium gold in mmol/L is right (all 36 sodium rows scored 0);
"-2 mmol/L" on a delta-gap gold in mEq/L is right; a unit on a unitless gold ("3 kg" on a Wells score,
"10 %") is wrong with a counted reason; junk ("4f", "4 !l", "4:．BF–B$g") is never a unit.
"""

from __future__ import annotations

import json

import pytest

import rewards
from rewards import get_reward
from rewards.units import ANSWER_UNITS, UNITLESS, answer_unit
from rewards.values import AnswerValueError, parse_number

SODIUM = json.dumps({"kind": "decimal", "value": 135.5, "calculator": "sodium_correction_hyperglycemia",
                     "unit": "mmol/L", "analyte": "sodium"})
DELTA_GAP = json.dumps({"kind": "decimal", "value": -2.0, "calculator": "delta_gap", "unit": "mEq/L"})
WELLS = json.dumps({"kind": "decimal", "value": 3.0, "calculator": "wells_pe"})
FIB4 = json.dumps({"kind": "decimal", "value": 1.3, "calculator": "fib4"})
CHA = json.dumps({"kind": "integer", "value": 3, "calculator": "cha2ds2_vasc"})
GLUCOSE = json.dumps({"kind": "decimal", "value": 110.0, "lower": 104.5, "upper": 115.5, "unit": "mg/dL",
                      "analyte": "glucose"})
CALCIUM = json.dumps({"kind": "decimal", "value": 9.6, "calculator": "calcium_correction"})
BMI = json.dumps({"kind": "decimal", "value": 30.0, "calculator": "bmi"})
EGFR = json.dumps({"kind": "decimal", "value": 72.0, "calculator": "ckd_epi_2021"})
TEMP = json.dumps({"kind": "decimal", "value": 37.0, "lower": 36.9, "upper": 37.1, "unit": "Cel"})
IBW = json.dumps({"kind": "decimal", "value": 70.0, "calculator": "ideal_body_weight"})
# A free water deficit (analyte water, declared by the calculator): MedCalc-Bench asks it "in terms of kg".
WATER = json.dumps({"kind": "decimal", "value": 2.1, "calculator": "free_water_deficit"})


def said(value) -> str:
    return f'<think>r</think><answer>{json.dumps({"answer": value})}</answer>'


def score(gold: str, value, task: str = "calc", reward: str = "calc_accuracy") -> tuple[float, str | None]:
    rewards.stats.reset()
    out = get_reward(reward)(completions=[said(value)], gold=[gold], task=[task])[0]
    failures = rewards.stats.get(reward).failures
    return out, next(iter(failures), None)


# (gold, answer, expected score, expected reason). Expected values: unit arithmetic by hand;
# 1 mEq of a monovalent ion = 1 mmol; glucose 180.156 g/mol: 6.1 mmol/L = 109.9 mg/dL;
# calcium 40.078 g/mol, valence 2: 4.8 mEq/L = 2.4 mmol/L = 9.62 mg/dL.
CASES = [
    (SODIUM, "135.4 mEq/L", 1.0, None),
    (SODIUM, "135.4 meq/l", 1.0, None),
    (SODIUM, "135.4 MEQ/L", 1.0, None),
    (SODIUM, "135.4 mmol/L", 1.0, None),
    (SODIUM, "135.4 mmol/l", 1.0, None),
    (SODIUM, "135.4", 1.0, None),
    (SODIUM, 135.4, 1.0, None),
    (SODIUM, "135.4 mg/dL", 0.0, None),  # converted with 22.990 g/mol: 58.9 mmol/L, wrong
    (SODIUM, "311.3 mg/dL", 1.0, None),  # 135.4 mmol/L x 22.990 mg/mmol = 3112.8 mg/L
    (SODIUM, "135.4 kg", 0.0, "wrong_unit"),
    (SODIUM, "135.4 %", 0.0, "wrong_unit"),
    (SODIUM, "135.4 points", 0.0, "wrong_unit"),
    (SODIUM, "0.1354 mol/L", 1.0, None),
    (SODIUM, "135400 umol/L", 1.0, None),
    (SODIUM, "130 mEq/L", 0.0, None),  # the measured sodium, copied
    (SODIUM, "135.4 mEq", 0.0, "unknown_unit"),
    (DELTA_GAP, "-2 mmol/L", 1.0, None),
    (DELTA_GAP, "-2 mEq/L", 1.0, None),
    (DELTA_GAP, "-2", 1.0, None),
    (DELTA_GAP, "-2 mg/dL", 0.0, "wrong_unit"),  # no mass for a gap of several ions
    (DELTA_GAP, "-2 mmol", 0.0, "unknown_unit"),
    (WELLS, "3 kg", 0.0, "wrong_unit"),
    (WELLS, "3 %", 0.0, "wrong_unit"),
    (WELLS, "3 mg/dL", 0.0, "wrong_unit"),
    (WELLS, "3 points", 1.0, None),
    (WELLS, "3 score", 1.0, None),
    (WELLS, "3", 1.0, None),
    (FIB4, "10 %", 0.0, "wrong_unit"),
    (FIB4, "130 %", 0.0, "wrong_unit"),  # 130 % = 1.3 as a ratio: still a unit on a unitless result
    (FIB4, "1.3", 1.0, None),
    (CHA, "3 kg", 0.0, "wrong_unit"),
    (CHA, "3 points", 1.0, None),
    (CHA, "3 %", 0.0, "wrong_unit"),
    (GLUCOSE, "6.1 mmol/L", 1.0, None),
    (GLUCOSE, "110 mg/dl", 1.0, None),
    (GLUCOSE, "1.1 g/L", 1.0, None),
    (GLUCOSE, "110 mEq/L", 0.0, "wrong_unit"),  # glucose carries no charge
    (CALCIUM, "4.8 mEq/L", 1.0, None),
    (CALCIUM, "2.4 mmol/L", 1.0, None),
    (CALCIUM, "9.6 mg/dL", 1.0, None),
    (BMI, "30 kg/m2", 1.0, None),
    (BMI, "30 kg/m²", 1.0, None),
    (BMI, "30 kg/m^2", 1.0, None),
    (BMI, "30 kg", 0.0, "wrong_unit"),
    (EGFR, "72 mL/min/1.73 m²", 1.0, None),
    (EGFR, "72 mL/min/1.73m2", 1.0, None),
    (EGFR, "72 ml/min/1.73 m2", 1.0, None),
    (EGFR, "72 mL/min", 1.0, None),
    (EGFR, "72 mg/dL", 0.0, "wrong_unit"),
    (IBW, "154.3 lb", 1.0, None),  # 70 kg = 154.32 lb
    (IBW, "70000 g", 1.0, None),
    (IBW, "70 kilograms", 1.0, None),
    (IBW, "70 cm", 0.0, "wrong_unit"),
    (TEMP, "98.6 °F", 1.0, None),  # (98.6 - 32) * 5/9 = 37.0
    (TEMP, "98.6 F", 1.0, None),
    (TEMP, "37 °C", 1.0, None),
    (TEMP, "310.15 K", 0.0, "unknown_unit"),  # kelvin is not a clinical answer spelling
    # junk is never a unit (the cases first)
    (TEMP, "4f", 0.0, "unknown_unit"),
    (IBW, "4 !l", 0.0, "unknown_unit"),
    (IBW, "4:．BF–B$g", 0.0, "unknown_unit"),
    (IBW, "70 kgg", 0.0, "unknown_unit"),
    (IBW, "70 KG!", 0.0, "unknown_unit"),
    (IBW, "70 k g", 0.0, "unknown_unit"),
    (IBW, "70 kg/kg", 0.0, "unknown_unit"),
    (IBW, "70 kg**2", 0.0, "multiple_values"),  # a digit after the number: a second number
    (IBW, "70 kg*1000", 0.0, "multiple_values"),
    (IBW, "70 1/kg", 0.0, "multiple_values"),
    (IBW, "70 __import__", 0.0, "unknown_unit"),
    (IBW, "70 kg; drop table", 0.0, "unknown_unit"),
    (IBW, "70 meter", 0.0, "unknown_unit"),
    (IBW, "70 parsec", 0.0, "unknown_unit"),
    (IBW, "70 dimensionless", 0.0, "unknown_unit"),
    (IBW, "70 kilogram_force", 0.0, "unknown_unit"),
    (IBW, "70 e", 0.0, "unknown_unit"),
    (IBW, "70 pi", 0.0, "unknown_unit"),
    (IBW, "70 a", 0.0, "unknown_unit"),
    (IBW, "70 K", 0.0, "unknown_unit"),
    (IBW, "70 M", 0.0, "unknown_unit"),
    (IBW, "70 G", 0.0, "unknown_unit"),
    (IBW, "70 KG", 0.0, "unknown_unit"),  # one- and two-letter units are case-sensitive (f/F, m/M)
    (IBW, "70 Kg", 0.0, "unknown_unit"),
    # Water: 1 kg = 1 L (TBW = fraction x weight in kg, in L); 2100 mL = 2.1 L; 2.1 kg = 2100 g.
    (WATER, "2.1 L", 1.0, None),
    (WATER, "2.1 kg", 1.0, None),
    (WATER, "2100 mL", 1.0, None),
    (WATER, "2100 g", 1.0, None),
    (WATER, "2.1 mg", 0.0, None),  # 2.1 mg of water is 0.0000021 L: a number, and wrong
    (WATER, "2.1 mmol/L", 0.0, "wrong_unit"),
    (WATER, "2.1 %", 0.0, "wrong_unit"),
    (IBW, "70 L", 0.0, "wrong_unit"),  # the kg <-> L equivalence is water's alone
]


@pytest.mark.parametrize(("gold", "answer", "expected", "reason"), CASES, ids=[repr(c[1]) for c in CASES])
def test_unit_table(gold, answer, expected, reason):
    got, why = score(gold, answer)
    assert (got, why) == (expected, reason)


def test_medcalc_reads_mEq_on_a_sodium_row():
    # MedCalc-Bench row shape: benchmark limits, unit and analyte of the calculator.
    gold = json.dumps({"kind": "decimal", "value": 135.5, "lower": 128.7, "upper": 142.3, "unit": "mmol/L",
                       "analyte": "sodium", "calculator": "sodium_correction_hyperglycemia",
                       "limits": "medcalc_bench"})
    assert score(gold, "135.4 mEq/L", "medcalc", "medcalc_accuracy") == (1.0, None)
    assert score(WELLS, "3 kg", "medcalc", "medcalc_accuracy") == (0.0, "wrong_unit")
    assert score(CHA, "3 kg", "medcalc", "medcalc_accuracy") == (0.0, "wrong_unit")


def test_medcalc_reads_kg_on_the_free_water_deficit_question_in_kg():
    # MedCalc-Bench asks one free water deficit question "in terms of kg" (one_shot_verified.csv).
    gold = json.dumps({"kind": "decimal", "value": -2.1, "lower": -2.205, "upper": -1.995, "unit": "L",
                       "analyte": "water", "calculator": "free_water_deficit", "limits": "medcalc_bench"})
    assert score(gold, "-2.1 kg", "medcalc", "medcalc_accuracy") == (1.0, None)
    assert score(gold, "-2.1 L", "medcalc", "medcalc_accuracy") == (1.0, None)
    assert score(gold, "-2.1 mmol/L", "medcalc", "medcalc_accuracy") == (0.0, "wrong_unit")


def test_a_gold_analyte_outside_the_table_is_a_gold_error():
    gold = json.dumps({"kind": "decimal", "value": 2.1, "unit": "L", "analyte": "watr"})
    with pytest.raises(rewards.GoldError, match="analyte='watr'"):
        score(gold, "2.1 L")


def test_the_analyte_comes_from_the_calculator_when_the_gold_has_none():
    gold = json.dumps({"kind": "decimal", "value": 135.5, "calculator": "sodium_correction_hyperglycemia"})
    assert score(gold, "135.5 mEq/L") == (1.0, None)


@pytest.mark.parametrize("junk", ["f", "!l", ":.BF-B$g", "kgg", "K", "e", "pi", "x", "", " ", "m m", "1/kg"])
def test_junk_is_not_in_the_grammar(junk):
    assert answer_unit(junk) is None


def test_every_grammar_unit_converts_without_model_text_reaching_pint():
    from calculators.units import normalize_unit

    for spelling, code in ANSWER_UNITS.items():
        normalize_unit(code)  # raises on a code the unit table does not know
        assert answer_unit(spelling) == code


def test_unitless_target_rejects_units_but_not_score_words():
    assert parse_number("3 points", target_unit=UNITLESS) == 3.0
    with pytest.raises(AnswerValueError) as exc:
        parse_number("3 kg", target_unit=UNITLESS)
    assert exc.value.reason == "wrong_unit"
