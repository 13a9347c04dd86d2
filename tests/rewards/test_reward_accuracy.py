"""`medcalc_accuracy` and `calc_accuracy`: adversarial tables, MedCalc-Bench agreement, declared tolerances."""

from __future__ import annotations

import ast
import csv
import json

import pytest

import calculators
from rewards import GoldError, get_reward, make_reward

DECIMAL = json.dumps({"kind": "decimal", "value": 72.5, "lower": 68.875, "upper": 76.125})
# A benchmark row of a calculator with a unit: answers with the question's unit (ours) are converted.
EGFR = json.dumps(
    {"kind": "decimal", "value": 72.5, "lower": 68.875, "upper": 76.125, "calculator": "ckd_epi_2021"}
)
GLUCOSE = json.dumps(
    {"kind": "decimal", "value": 100.0, "lower": 95.0, "upper": 105.0, "unit": "mg/dL", "analyte": "glucose"}
)
INTEGER = json.dumps({"kind": "integer", "value": 3})
DATE = json.dumps({"kind": "date", "value": "2023-10-12"})
WEEKS = json.dumps({"kind": "weeks_days", "value": [29, 2]})

# (gold, answer as written inside {"answer": ...}, expected score)
ANSWERS = [
    (DECIMAL, "72.5", 1),
    (DECIMAL, '"72.5"', 1),
    (DECIMAL, "70", 1),
    (DECIMAL, "76.125", 1),
    (DECIMAL, "68.875", 1),
    (DECIMAL, "76.2", 0),
    (DECIMAL, "68.8", 0),
    (DECIMAL, '"72.5 mL/min/1.73 m²"', 0),  # a gold that names no unit and no calculator is unitless
    (EGFR, '"72.5 mL/min/1.73 m²"', 1),
    (EGFR, "72.5", 1),
    (EGFR, '"72.5 mg"', 0),  # read "as written" before: any unit passed on a benchmark-answer gold
    (EGFR, '"72.5 %"', 0),
    (DECIMAL, '"≈ 72"', 1),
    (DECIMAL, '"~72.5"', 1),
    (DECIMAL, '"72,5"', 0),
    (DECIMAL, "7.25e1", 1),
    (DECIMAL, '"−72.5"', 0),
    (DECIMAL, "-72.5", 0),
    (DECIMAL, '"７２．５"', 1),
    (DECIMAL, '"70–75"', 0),
    (DECIMAL, '"70-75"', 0),
    (DECIMAL, '"70 to 75"', 0),
    (DECIMAL, '"72 or 73"', 0),
    (DECIMAL, "[72.5]", 0),
    (DECIMAL, "[72, 73]", 0),
    (DECIMAL, '"N/A"', 0),
    (DECIMAL, "null", 0),
    (DECIMAL, '""', 0),
    (DECIMAL, "true", 0),
    (DECIMAL, '{"value": 72.5}', 0),
    (DECIMAL, "\"__import__('os')\"", 0),
    (DECIMAL, "1e999", 0),
    (DECIMAL, '"NaN"', 0),
    (DECIMAL, '"72.5."', 1),
    (EGFR, '"approximately 72.5 mL/min"', 1),
    (DECIMAL, '"approximately 72.5"', 1),
    (DECIMAL, '"seventy-two"', 0),
    (DECIMAL, '"72.5 ± 3"', 0),
    (DECIMAL, '"eGFR = 72.5"', 0),
    (DECIMAL, "0", 0),
    (DECIMAL, '"1,234"', 0),
    (DECIMAL, "72", 1),
    (DECIMAL, "100", 0),
    (DECIMAL, '"' + "7" * 400 + '"', 0),
    (GLUCOSE, "100", 1),
    (GLUCOSE, '"100 mg/dL"', 1),
    (GLUCOSE, '"5.55 mmol/L"', 1),
    (GLUCOSE, '"100 mmol/L"', 0),
    (GLUCOSE, '"100 kg"', 0),
    (GLUCOSE, '"100 mg/L"', 0),
    (GLUCOSE, '"1 g/L"', 1),
    (GLUCOSE, '"100 mEq/L"', 0),
    (INTEGER, "3", 1),
    (INTEGER, '"3"', 1),
    (INTEGER, "3.0", 1),
    (INTEGER, '"3 points"', 1),
    (INTEGER, "3.4", 1),
    (INTEGER, "2.5", 0),
    (INTEGER, "3.5", 0),
    (INTEGER, "4", 0),
    (INTEGER, '"three"', 0),
    (INTEGER, '"3-4"', 0),
    (INTEGER, "[3]", 0),
    (INTEGER, '"3/9"', 0),
    (INTEGER, "-3", 0),
    (DATE, '"10/12/2023"', 1),
    (DATE, '"2023-10-12"', 1),
    (DATE, '"10/12/23"', 0),
    (DATE, '"12/10/2023"', 0),
    (DATE, '"Oct 12, 2023"', 0),
    (DATE, '"10/12/2023."', 1),
    (DATE, '"02/30/2023"', 0),
    (DATE, "20231012", 0),
    (DATE, "null", 0),
    (DATE, '"10-12-2023"', 0),
    (WEEKS, "[29, 2]", 1),
    (WEEKS, '"(29 weeks, 2 days)"', 1),
    (WEEKS, "\"('29 weeks', '2 days')\"", 1),
    (WEEKS, '"29 weeks 2 days"', 1),
    (WEEKS, '"29w2d"', 1),
    (WEEKS, "[29, 3]", 0),
    (WEEKS, "[2, 29]", 0),
    (WEEKS, '"29 weeks"', 0),
    (WEEKS, '{"weeks": 29, "days": 2}', 1),
    (WEEKS, "[29.0, 2.0]", 1),
    (WEEKS, '["29", "2"]', 1),
    (WEEKS, "[true, 2]", 0),
    (WEEKS, '"29.3 weeks"', 0),
]

# Wrappers lenient extraction reads (the answer is the last <answer> block in each).
WRAPPERS = [
    lambda a: f'<think>reasoning</think><answer>{{"answer": {a}}}</answer>',
    lambda a: f'  <think>\nreasoning\n</think>\n\n<answer>\n{{"answer": {a}}}\n</answer>\n',
    lambda a: [{"role": "assistant", "content": f'<think>r</think><answer>{{"answer": {a}}}</answer>'}],
    lambda a: f'<think>draft <answer>{{"answer": 0}}</answer></think><answer>{{"answer": {a}}}</answer>',
]
TABLE = [(g, w(a), s) for g, a, s in ANSWERS for w in WRAPPERS[:2]] + [
    (g, w(a), s) for g, a, s in ANSWERS[::3] for w in WRAPPERS[2:]
]
# Completions that never reach the value: they score fail_score with a reason.
MALFORMED = [
    "",
    "The eGFR is 72.5.",
    "<think>72.5</think>",
    '<answer>{"value": 72.5}</answer>',
    "<answer></answer>",
    "<answer>" * 10_000 + "nope",
    "x" * 300_000 + '<answer>{"answer": 72.5}</answer>',
]


def _score(name, gold, completion, task, **options):
    f = make_reward(name, **options) if options else get_reward(name)
    return f(prompts=None, completions=[completion], gold=[gold], task=[task])[0]


def test_tables_are_large():
    assert len(TABLE) >= 100


@pytest.mark.parametrize(("gold", "completion", "expected"), TABLE, ids=range(len(TABLE)))
def test_medcalc_table(gold, completion, expected):
    assert _score("medcalc_accuracy", gold, completion, "medcalc") == expected


@pytest.mark.parametrize("completion", MALFORMED)
def test_malformed_scores_fail_score(completion):
    assert _score("medcalc_accuracy", DECIMAL, completion, "medcalc") == 0.0
    assert _score("medcalc_accuracy", DECIMAL, completion, "medcalc", fail_score=-1.0) == -1.0


def test_scores_and_strictness_options():
    good = '<think>r</think><answer>{"answer": 72.5}</answer>'
    trailing = good + " done"
    assert _score("medcalc_accuracy", DECIMAL, good, "medcalc", correct_score=1.1) == 1.1
    assert _score("medcalc_accuracy", DECIMAL, trailing, "medcalc") == 1.0
    assert _score("medcalc_accuracy", DECIMAL, trailing, "medcalc", strict=True) == 0.0


def test_other_tasks_get_none_and_bad_gold_raises():
    f = get_reward("medcalc_accuracy")
    out = f(completions=["a", "b"], gold=[DECIMAL, None], task=["medcalc", "trial_match"])
    assert out == [0.0, None]
    with pytest.raises(GoldError):
        f(completions=["x"], gold=['{"kind": "decimal"}'], task=["medcalc"])
    with pytest.raises(GoldError):
        f(completions=["x"], gold=[None], task=["medcalc"])
    with pytest.raises(GoldError, match="cannot grade"):
        f(
            completions=["x"],
            gold=['{"kind": "label", "value": "a", "choices": ["a", "b"]}'],
            task=["medcalc"],
        )
    with pytest.raises(ValueError, match="entries"):
        f(completions=["x", "y"], gold=[DECIMAL], task=["medcalc", "medcalc"])


# -- MedCalc-Bench agreement -------------------------------------------------------------------------------
def _medcalc_gold(row: dict) -> dict:
    kind = row["Output Type"]
    answer = row["Ground Truth Answer"]
    if kind == "decimal":
        return {
            "kind": "decimal",
            "value": float(answer),
            "lower": float(row["Lower Limit"]),
            "upper": float(row["Upper Limit"]),
        }
    if kind == "integer":
        return {"kind": "integer", "value": int(float(answer))}
    if answer.startswith("("):  # "('29 weeks', '2 days')"
        weeks, days = ast.literal_eval(answer)
        return {"kind": "weeks_days", "value": [int(weeks.split()[0]), int(days.split()[0])]}
    return {"kind": "date", "value": answer}


def _outside(gold: dict, row: dict) -> object:
    kind = gold["kind"]
    if kind == "decimal":
        return round(float(row["Upper Limit"]) + max(0.01, abs(gold["value"]) * 0.01), 4)
    if kind == "integer":
        return gold["value"] + 1
    if kind == "weeks_days":
        w, d = gold["value"]
        return [w, (d + 1) % 7]
    month, day, year = gold["value"].split("/")
    return f"{month}/{day}/{int(year) + 1}"


def test_medcalc_bench_agreement(shared_data):
    path = shared_data / "medcalc-bench" / "train_sample.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) > 1000
    golds = [json.dumps(_medcalc_gold(r)) for r in rows]
    right = [
        f"<think>{r['Ground Truth Explanation'][:2000]}</think><answer>{json.dumps({'answer': r['Ground Truth Answer']})}</answer>"
        for r in rows
    ]
    wrong = [
        f"<think>r</think><answer>{json.dumps({'answer': _outside(json.loads(g), r)})}</answer>"
        for g, r in zip(golds, rows, strict=True)
    ]
    tasks = ["medcalc"] * len(rows)
    f = get_reward("medcalc_accuracy")
    assert f(completions=right, gold=golds, task=tasks) == [1.0] * len(rows)
    assert f(completions=wrong, gold=golds, task=tasks) == [0.0] * len(rows)
    kinds = {json.loads(g)["kind"] for g in golds}
    assert kinds == {"decimal", "integer", "date", "weeks_days"}


# -- calc_accuracy: tolerance and unit from the calculator's declaration ------------------------------------
CALC_CASES = [  # (calculator id, gold value, answers that must score 1, answers that must score 0)
    (
        "mean_arterial_pressure",
        93.3,
        ["93.3", '"93.3 mm Hg"', '"12.44 kPa"', '"93 mmHg"'],
        ['"93.3 mg/dL"', '"80-90"'],
    ),
    ("bmi", 24.2, ["24.2", '"24.2 kg/m2"', '"24.2 kg/m²"'], ['"24.2 kg"', "null"]),
    ("ldl_friedewald", 130.0, ["130", '"130 mg/dL"', '"3.362 mmol/L"'], ['"130 mmol/L"', '"1.3 g/L x"']),
    ("qtc_bazett", 440.0, ["440", '"440 ms"', '"0.44 s"', '"440 msec"'], ['"440 s"', '"440 min"']),
    ("ckd_epi_2021", 72.5, ["72.5", '"72.5 mL/min/1.73 m²"', '"72.5 mL/min"'], ['"72.5 mL/h"', '"72.5 L"']),
]


def _calc_table():
    table = []
    for cid, value, good, bad in CALC_CASES:
        calc = calculators.get(cid)
        if cid == "ldl_friedewald":  # mmol/L needs the analyte; the gold names it
            gold = {"kind": "decimal", "value": value, "calculator": cid, "analyte": "cholesterol"}
        else:
            gold = {"kind": "decimal", "value": value, "calculator": cid}
        # The declared half-width: relative, or absolute for results that are a small change of an input.
        half = max((calc.output.rel_tol or 0.0) * abs(value), calc.output.abs_tol or 0.0)
        table += [(gold, a, 1) for a in good] + [(gold, a, 0) for a in bad]
        table += [
            (gold, f"{value + 0.9 * half:.6f}", 1),
            (gold, f"{value + 1.1 * half:.6f}", 0),
            (gold, f"{value - 0.9 * half:.6f}", 1),
            (gold, f"{value - 1.1 * half:.6f}", 0),
            (gold, "-1", 0),
            (gold, '"N/A"', 0),
        ]
    for cid in ("cha2ds2_vasc", "centor_mcisaac"):
        gold = {"kind": "integer", "value": 2, "calculator": cid}
        table += [
            (gold, "2", 1),
            (gold, '"2 points"', 1),
            (gold, "2.0", 1),
            (gold, "2.4", 0),
            (gold, "1.5", 0),
            (gold, "3", 0),
            (gold, '"2-3"', 0),
            (gold, "[2]", 0),
        ]
    due = {"kind": "date", "value": "2024-05-01", "calculator": "due_date"}
    table += [
        (due, '"05/01/2024"', 1),
        (due, '"2024-05-01"', 1),
        (due, '"05/02/2024"', 0),
        (due, '"01/05/2024"', 0),
    ]
    ga = {"kind": "weeks_days", "value": [5, 2], "calculator": "gestational_age"}
    table += [(ga, "[5, 2]", 1), (ga, '"5 weeks, 2 days"', 1), (ga, "[5, 3]", 0), (ga, '"37 days"', 0)]
    return [(json.dumps(g), w(a), s) for g, a, s in table for w in WRAPPERS[:2]]


CALC_TABLE = _calc_table()


def test_calc_table_is_large():
    assert len(CALC_TABLE) >= 100


@pytest.mark.parametrize(("gold", "completion", "expected"), CALC_TABLE, ids=range(len(CALC_TABLE)))
def test_calc_table(gold, completion, expected):
    assert _score("calc_accuracy", gold, completion, "calc") == expected


def test_calc_gold_problems_raise():
    with pytest.raises(GoldError, match="calculator"):
        _score("calc_accuracy", '{"kind": "decimal", "value": 1, "calculator": "nope"}', "x", "calc")
    with pytest.raises(GoldError, match="calculator"):
        _score("calc_accuracy", '{"kind": "decimal", "value": 1}', '<answer>{"answer": 1}</answer>', "calc")
    limits = '{"kind": "decimal", "value": 10, "lower": 9, "upper": 11}'
    assert _score("calc_accuracy", limits, '<answer>{"answer": 10.9}</answer>', "calc") == 1.0
