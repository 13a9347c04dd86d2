"""The unit each MedCalc-Bench question asks for is the unit our calculator declares (read 1:1), and the
unit the row's prompt hint names.

Why: a MedCalc-Bench row's gold is in the unit its question asks for (`ehrmind.tasks.medcalc.in_asked_unit`:
our value converted from the declared unit; a benchmark-answer fallback gold names it), and
`medcalc_accuracy` converts an answer written with a unit to it. The independent reference is the
benchmark's own question text, read here for every public row. Every question's unit must read 1:1 as the
declared one (the declaration describes the quantity the benchmark asks for), and the prompt's hint must name
it. The known spellings that differ are covered: "msec" (ms), "mL/hr" (mL/h), "liters" (L), and one
free-water-deficit question "in terms of kg" (water: 1 kg = 1 L; that row's gold is in kg).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from calculators.units import normalize_unit
from ehr_adapters.medcalc_bench import read_medcalc_bench
from ehrmind.tasks.medcalc import asked_unit, build_medcalc, calculators_by_medcalc_id
from rewards.units import answer_unit, to_gold_unit

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "medcalc-bench"
FILES = ("train_sample.csv", "one_shot_verified.csv")


def _questions() -> list[tuple[int, str]]:
    if not SHARED.is_dir():
        pytest.skip("../shared/data/medcalc-bench is not present")
    rows = set()
    for name in FILES:
        with open(SHARED / name, newline="", encoding="utf-8") as f:
            rows |= {(int(r["Calculator ID"]), r["Question"]) for r in csv.DictReader(f)}
    return sorted(rows)


def test_every_question_unit_reads_one_to_one_as_the_declared_unit() -> None:
    by_id, _ = calculators_by_medcalc_id()
    checked: dict[str, set[str]] = {}
    for medcalc_id, question in _questions():
        calc = by_id[medcalc_id]
        asked = asked_unit(question)
        if asked is None:
            continue
        out = calc.output
        assert out.unit is not None, f"{calc.id}: the question asks for {asked!r}, the calculator declares no unit"
        # 1 of the asked unit must be 1 of ours (and 0 must be 0): the gold's number is in the asked unit.
        one = to_gold_unit(1.0, asked, out.unit, out.analyte)
        zero = to_gold_unit(0.0, asked, out.unit, out.analyte)
        assert (one, zero) == (pytest.approx(1.0), pytest.approx(0.0)), (
            f"{calc.id} (MedCalc-Bench {medcalc_id}): the question asks for {asked!r}, read as {one!r} x ours "
            f"({out.unit!r}); question: {question!r}"
        )
        checked.setdefault(calc.id, set()).add(asked)
    # The reading found the units it must (not a test that passes by reading nothing).
    assert len(checked) >= 25, sorted(checked)
    assert checked["free_water_deficit"] == {"kg", "L"}  # "in terms of kg" and "in terms of liters"
    assert answer_unit("mEq/L") in checked["sodium_correction_hyperglycemia"]
    assert answer_unit("msec") in checked["qtc_bazett"]


def test_every_calculator_with_a_unit_has_it_named_by_its_questions() -> None:
    """The other direction: a calculator with a unit whose question names none would leave the gold's unit
    to our declaration alone, unchecked against the benchmark."""
    by_id, _ = calculators_by_medcalc_id()
    silent = {(by_id[i].id, q) for i, q in _questions() if asked_unit(q) is None and by_id[i].output.unit}
    assert not silent, sorted(silent)


def test_the_prompt_hint_names_the_unit_the_question_asks_for() -> None:
    """A MedCalc-Bench row's prompt holds the benchmark's question and our format hint ("The answer is a
    number in mEq/L"): the two must name the same unit, or the prompt contradicts itself. Built from every
    public row; the free-water-deficit question that asks "in terms of kg" (the others ask for liters) gets a
    gold in kg, where the declaration says L."""
    rows = []
    for name in FILES:
        if not (SHARED / name).is_file():
            pytest.skip("../shared/data/medcalc-bench is not present")
        cases, _ = read_medcalc_bench(SHARED / name)
        rows += [(case, row) for case, row in zip(cases, build_medcalc(cases, SHARED / name).rows, strict=True)]
    checked, in_kg = 0, 0
    for case, row in rows:
        asked = asked_unit(case.question)
        if asked is None:
            continue
        hint = row["prompt"][0]["content"].split("The answer is a number in ", 1)[1].split(". Use each tag")[0]
        hinted = answer_unit(hint)
        assert hinted is not None and normalize_unit(hinted) == normalize_unit(asked), (case.question, hint)
        checked += 1
        in_kg += json.loads(row["gold"]).get("unit") == "kg" and "free water" in case.question.lower()
    assert checked > 700 and in_kg == 1, (checked, in_kg)
