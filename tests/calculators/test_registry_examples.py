"""Every declared example of every registered calculator runs (discovered from the registry, no id lists).

Also pins a few published values that catch the benchmark's own formula bugs (see benchmarks/mutation.py,
which applies those bugs to the source and checks that this suite fails).
"""

from __future__ import annotations

import pytest

import calculators
from calculators.checks import check_examples, values_match
from calculators.registry import MODULES, all_calculators

CASES = [(calc.id, index) for calc in all_calculators() for index in range(len(calc.examples))]


def test_every_registered_module_is_covered() -> None:
    assert {calc_id for calc_id, _ in CASES} == set(MODULES)


@pytest.mark.parametrize(("calc_id", "index"), CASES)
def test_declared_example(calc_id: str, index: int) -> None:
    calc = calculators.get(calc_id)
    example = calc.examples[index]
    got = calc.evaluate(example.inputs).value
    assert values_match(calc.output, got, example.expected, example.abs_tol), (example.source, example.note, got)


@pytest.mark.parametrize("calc", all_calculators(), ids=lambda c: c.id)
def test_declaration_has_sourced_examples(calc: calculators.Calculator) -> None:
    assert len(calc.examples) >= 2, f"{calc.id} declares {len(calc.examples)} example(s)"
    assert all(e.source.strip() for e in calc.examples)
    assert all(r.ok for r in check_examples(calc))


def test_ckd_epi_2021_male_above_kappa_matches_the_nkf_calculator() -> None:
    # National Kidney Foundation CKD-EPI 2021 calculator (kidney.org): man, 55 y, Scr 1.2 mg/dL -> 71.
    # MedCalc-Bench's male branch (κ 0.7 above Scr 0.9) gives 52.8, so this value kills that bug.
    value = calculators.get("ckd_epi_2021").evaluate({"creatinine": "1.2 mg/dL", "age": 55, "sex": "male"}).value
    assert round(value) == 71
