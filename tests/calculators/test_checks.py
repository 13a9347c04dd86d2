"""Self-checks behind `ehrmind calc validate` (calculators/checks.py).

cd /work/main && python -m pytest tests/calculators/test_checks.py -q
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

import calculators
from calculators import checks, registry
from calculators.checks import check_examples, check_unit_invariance, load_available, values_match
from calculators.points import PointScore, bands
from calculators.spec import Calculator, Citation, Example, Input, Output


def test_values_match_rules() -> None:
    decimal = Output("decimal", "x")
    assert values_match(decimal, 10.005, 10.0)  # within 0.1 %
    assert not values_match(decimal, 10.02, 10.0)
    assert values_match(decimal, 10.02, 10.0, abs_tol=0.05)
    assert values_match(Output("integer", "s"), 3, 3) and not values_match(Output("integer", "s"), 3, 4)
    assert values_match(Output("date", "d"), date(2023, 10, 8), "2023-10-08")
    assert values_match(Output("date", "d"), date(2023, 10, 8), "10/08/2023")
    assert values_match(Output("weeks_days", "ga"), (29, 2), [29, 2])
    assert not values_match(Output("weeks_days", "ga"), 29.2, (29, 2))


def test_a_wrong_example_fails() -> None:
    due = calculators.get("due_date")
    wrong = dataclasses.replace(due, examples=(Example({"lmp": "2023-01-03"}, date(2023, 10, 11), "typo"),))
    (result,) = check_examples(wrong)
    assert not result.ok and "2023, 10, 10" in result.detail  # 2023-01-03 + 280 days = 2023-10-10


def _fever_score() -> Calculator:
    # A one-criterion score with a threshold exactly at 40 °C, the way PSI scores temperature.
    return Calculator(
        id="fever_demo",
        name="Fever demo",
        category="severity",
        description="1 point at 40 °C or more.",
        inputs=(Input("temperature", "Temperature", unit="Cel", range=(25, 45)),),
        output=Output("integer", "Points"),
        citation=Citation("test fixture"),
        method=PointScore(criteria=(bands("temperature", [(None, 40, 0), (40, None, 1)], "Temperature"),)),
        examples=(Example({"temperature": "38.5 Cel"}, 0, "by definition"),
                  Example({"temperature": "40 Cel"}, 1, "by definition")),
    )  # fmt: skip


def test_unit_invariance_reports_threshold_round_off() -> None:
    results = check_unit_invariance(_fever_score())
    assert [r.check for r in results] == [
        "example 1: temperature in [degF]",
        "example 2: temperature in [degF]",
    ]
    assert results[0].ok
    # 40 °C written as 104 °F converts back to 39.999999999999 °C with the cached affine factors; if so the
    # check must say so rather than pass silently.
    if not results[1].ok:
        assert "converted back to" in results[1].detail


def test_load_available_reports_unwritten_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    modules = (*registry.MODULES, "not_written_yet")
    monkeypatch.setattr(registry, "MODULES", modules)
    monkeypatch.setattr(checks, "MODULES", modules)
    loaded, missing = load_available()
    assert missing == {"not_written_yet": "not implemented"}
    assert {c.id for c in loaded} == set(registry.MODULES) - {"not_written_yet"}


def test_load_available_raises_when_a_written_module_fails_to_import(monkeypatch: pytest.MonkeyPatch) -> None:
    # A missing dependency inside a calculator's module is a bug, not a calculator "not implemented".
    def load(name: str):
        raise ModuleNotFoundError("No module named 'scipy'", name="scipy")

    monkeypatch.setattr(checks, "load", load)
    with pytest.raises(ModuleNotFoundError, match="scipy"):
        load_available()
