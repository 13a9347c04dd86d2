"""Self-checks of calculator declarations: golden examples and unit invariance.

`ehrmind calc validate` and the tests run these. Two kinds of check:

- every `Example` of a calculator evaluates to its expected value (decimals within the example's
  `abs_tol`, else 0.1 % of the expected value; scores, dates and (weeks, days) exactly);
- unit invariance: re-running an example with one numeric input written in another unit (creatinine in
  µmol/L instead of mg/dL, weight in lb, temperature in °F, ...) gives the same result. This catches a
  wrong molar mass, a missing analyte or a formula that silently assumed a unit.

`load_available` loads every registered calculator it can and reports the others (a module that is not
written yet) instead of failing, so tools work while the registry is being filled. A module that exists but
fails to import is a bug and raises.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from calculators.errors import CalculatorError, UnitError
from calculators.registry import MODULES, load
from calculators.spec import Calculator, Example, Output
from calculators.units import conversion

# Alternative units tried, in order, for the unit-invariance check (first one convertible wins).
ALTERNATE_UNITS = (
    "umol/L",
    "mmol/L",
    "mg/dL",
    "g/L",
    "g/dL",
    "mg/L",
    "[lb_av]",
    "kg",
    "[in_i]",
    "cm",
    "[degF]",
    "Cel",
    "kPa",
    "mm[Hg]",
    "ug",
    "mg",
    "g",
    "10*9/L",
    "/uL",
    "s",
    "ms",
)
DEFAULT_REL_TOL = 1e-3  # examples: the source usually rounds to 3-4 significant digits
INVARIANCE_REL_TOL = 1e-9  # same patient in another unit: only float round-off may differ


@dataclass(frozen=True)
class CheckResult:
    """One check of one calculator."""

    calculator_id: str
    check: str
    ok: bool
    detail: str


def load_available() -> tuple[list[Calculator], dict[str, str]]:
    """(calculators that load, {id: "not implemented"} for registered modules not written yet)."""
    loaded: list[Calculator] = []
    missing: dict[str, str] = {}
    for name in MODULES:
        try:
            loaded.append(load(name))
        except ModuleNotFoundError as exc:
            if exc.name != f"calculators.defs.{name}":
                raise  # a written module whose own imports fail is a bug, not a calculator "not implemented"
            missing[name] = "not implemented"
    return loaded, missing


def values_match(output: Output, got: Any, expected: Any, abs_tol: float | None = None) -> bool:
    """Whether a computed value equals an expected one under the output kind's rule."""
    if output.kind == "decimal":
        if isinstance(got, bool) or not isinstance(got, int | float):
            return False
        if abs_tol is not None:
            return abs(float(got) - float(expected)) <= abs_tol
        return math.isclose(float(got), float(expected), rel_tol=DEFAULT_REL_TOL, abs_tol=1e-12)
    if output.kind == "integer":
        return isinstance(got, int | float) and not isinstance(got, bool) and float(got) == float(expected)
    if output.kind == "date":
        return isinstance(got, date) and got == _as_date(expected)
    return isinstance(got, tuple) and got == tuple(expected)  # weeks_days


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {value!r}")


def check_examples(calc: Calculator) -> list[CheckResult]:
    """One result per golden example."""
    results = []
    for number, example in enumerate(calc.examples, start=1):
        name = f"example {number}"
        try:
            got = calc.evaluate(example.inputs).value
        except CalculatorError as exc:
            results.append(CheckResult(calc.id, name, False, f"raised {exc}"))
            continue
        ok = values_match(calc.output, got, example.expected, example.abs_tol)
        detail = f"got {got!r}, expected {example.expected!r} ({example.source})"
        results.append(CheckResult(calc.id, name, ok, detail))
    if not calc.examples:
        results.append(CheckResult(calc.id, "examples", False, "no golden examples declared"))
    return results


# Seconds are a sensible alternative only for intervals already measured in (milli)seconds, not for an
# age in years or a cycle length in days.
_SHORT_TIME_UNITS = ("s", "ms")


def alternate_unit(canonical: str, analyte: str | None) -> tuple[str, float, float] | None:
    """(unit, scale, offset) of the first non-trivial alternative to `canonical`, or None."""
    for candidate in ALTERNATE_UNITS:
        if candidate in _SHORT_TIME_UNITS and canonical not in _SHORT_TIME_UNITS:
            continue
        try:
            scale, offset = conversion(canonical, candidate, analyte)
        except UnitError:
            continue
        if (scale, offset) != (1.0, 0.0):
            return candidate, scale, offset
    return None


def check_unit_invariance(calc: Calculator) -> list[CheckResult]:
    """For each example and each numeric input with a convertible unit: same result in another unit."""
    results = []
    for number, example in enumerate(calc.examples, start=1):
        try:
            clean = calc.validate(example.inputs)
            reference = calc.evaluate(example.inputs).value
        except CalculatorError:
            continue  # already reported by check_examples
        for spec in calc.inputs:
            if spec.kind != "number" or spec.unit is None or clean.get(spec.name) is None:
                continue
            alt = alternate_unit(spec.unit, spec.analyte)
            if alt is None:
                continue
            unit, scale, offset = alt
            converted = clean[spec.name] * scale + offset
            inputs = {**example.inputs, spec.name: f"{converted!r} {unit}"}
            name = f"example {number}: {spec.name} in {unit}"
            try:
                got = calc.evaluate(inputs).value
                back = calc.validate(inputs)[spec.name]
            except CalculatorError as exc:
                results.append(CheckResult(calc.id, name, False, f"raised {exc}"))
                continue
            ok = _same(got, reference)
            detail = f"got {got!r}, in canonical units {reference!r}"
            if not ok and back != clean[spec.name]:
                # Usually a value sitting exactly on a threshold that float round-off in the conversion
                # pushes across it (104 °F -> 39.99999999999872 °C).
                detail += f" ({spec.name} converted back to {back!r} instead of {clean[spec.name]!r})"
            results.append(CheckResult(calc.id, name, ok, detail))
    return results


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int):
        return math.isclose(float(a), float(b), rel_tol=INVARIANCE_REL_TOL, abs_tol=1e-12)
    return a == b


def check_calculator(calc: Calculator) -> list[CheckResult]:
    return [*check_examples(calc), *check_unit_invariance(calc)]


def example_inputs_text(example: Example) -> str:
    """`name=value` form of an example's inputs (for `calc show`)."""
    return " ".join(
        f"{k}={v!r}" if isinstance(v, str) and " " in v else f"{k}={v}" for k, v in example.inputs.items()
    )
