"""The unit each MedCalc-Bench question asks for is the unit our calculator declares (read 1:1).

Why: a MedCalc-Bench row's gold carries our calculator's declared unit (`calculator_gold`, and the
benchmark-answer fallback in `ehrmind.tasks.medcalc`), and `medcalc_accuracy` converts an answer written
with a unit to it. That is right only if the question asks for the same quantity in a unit that reads 1:1
as ours: the independent reference is the benchmark's own question text, read here for every public row.
The known spellings that differ are covered: "msec" (ms), "mL/hr" (mL/h), "liters" (L), "mEq/L" for
sodium (mmol/L, monovalent), and one free-water-deficit question "in terms of kg" (water: 1 kg = 1 L).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from calculators.units import normalize_unit
from ehrmind.tasks.medcalc import calculators_by_medcalc_id
from ehrmind.tasks.prompts import answer_hint
from rewards.units import answer_unit, to_gold_unit

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "medcalc-bench"
FILES = ("train_sample.csv", "one_shot_verified.csv")
# "... in terms of mL/min/1.73 m²?", "... in mg of Hydrocortisone IV?", "... in terms of m².", "... as a
# percentage value": the phrase ends at '?', or at '.' before a space or the end ("1.73" goes on).
_ASKED = re.compile(r"\bin (?:terms of )?(.{1,40}?)(?:\?|\.(?:\s|$))")


def asked_unit(question: str) -> str | None:
    """The unit-table code of the unit the question asks for, None when it names none."""
    if "percentage value" in question:
        return answer_unit("%")
    for match in _ASKED.finditer(question):
        phrase = match.group(1).split(" of ")[0].strip()  # "mg of Hydrocortisone IV" -> "mg"
        code = answer_unit(phrase)
        if code is not None:
            return code
    return None


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
    number in mEq/L"): the two must name the same unit, or the prompt contradicts itself. One public question
    is the exception, named here: a free-water-deficit question asks "in terms of kg" while the other 24 ask
    for liters; the hint says L, and an answer in kg is converted at 1 kg/L (paid either way)."""
    by_id, _ = calculators_by_medcalc_id()
    differing = set()
    for medcalc_id, question in _questions():
        calc = by_id[medcalc_id]
        asked = asked_unit(question)
        if asked is None:
            continue
        hint = answer_hint({"kind": "decimal", "value": 1.0, "unit": calc.output.unit})
        hinted = answer_unit(hint.removeprefix("a number in "))
        assert hinted is not None, f"{calc.id}: the hint {hint!r} names no answer unit"
        if normalize_unit(hinted) != normalize_unit(asked):
            differing.add((calc.id, asked, hinted))
    assert differing == {("free_water_deficit", "kg", "L")}
