"""Point scores: an explicit table of criteria and points.

A `PointScore` is a tuple of `Criterion`s whose points are summed. Most criteria are declarative:
`flag` (a yes/no finding), `choice` (points per category), `bands` (points per numeric interval); `rule`
covers the few that need a small function (e.g. "either of two findings"). Each criterion knows how to
print its own row of the table (for `calc show` and the SFT knowledge cards) and how to explain the points
it gave a patient (for rationales).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from calculators.formula import fmt
from calculators.units import display_unit

if TYPE_CHECKING:
    from calculators.spec import Calculator

Values = Mapping[str, Any]


@dataclass(frozen=True)
class Criterion:
    """One row of a score table."""

    label: str
    inputs: tuple[str, ...]
    points: Callable[[Values], float]
    explain: Callable[[Values], str]
    table: tuple[str, ...]  # human-readable rows: "condition: points"


def flag(input_name: str, points: float, label: str | None = None) -> Criterion:
    """`points` when the yes/no input is true, else 0."""
    return Criterion(
        label or input_name,
        (input_name,),
        lambda v: points if v[input_name] else 0,
        lambda v: "yes" if v[input_name] else "no",
        (f"present: +{fmt(points)}", "absent: 0"),
    )


def choice(input_name: str, points: Mapping[str, float], label: str | None = None) -> Criterion:
    """Points per category of a choice input (every choice must be listed)."""
    return Criterion(
        label or input_name,
        (input_name,),
        lambda v: points[v[input_name]],
        lambda v: str(v[input_name]),
        tuple(f"{k}: {fmt(p)}" for k, p in points.items()),
    )


def bands(
    input_name: str,
    intervals: Sequence[tuple[float | None, float | None, float]],
    label: str | None = None,
    unit: str | None = None,
) -> Criterion:
    """Points by numeric interval: (low inclusive | None, high exclusive | None, points), first match."""

    def points(v: Values) -> float:
        x = v[input_name]
        for lo, hi, p in intervals:
            if (lo is None or x >= lo) and (hi is None or x < hi):
                return p
        raise ValueError(f"{input_name}={x} falls in no band of {label or input_name}")

    shown_unit = f" {display_unit(unit)}" if unit else ""

    def row(lo: float | None, hi: float | None, p: float) -> str:
        if lo is None:
            return f"< {fmt(hi)}{shown_unit}: {fmt(p)}"
        if hi is None:
            return f"≥ {fmt(lo)}{shown_unit}: {fmt(p)}"
        return f"{fmt(lo)} to < {fmt(hi)}{shown_unit}: {fmt(p)}"

    return Criterion(
        label or input_name,
        (input_name,),
        points,
        lambda v: f"{fmt(v[input_name])}{shown_unit}",
        tuple(row(*i) for i in intervals),
    )


def rule(
    label: str,
    inputs: Sequence[str],
    points: Callable[[Values], float],
    table: Sequence[str],
    explain: Callable[[Values], str] | None = None,
) -> Criterion:
    """A criterion that needs a small function; `table` documents it in words."""

    def default_explain(v: Values) -> str:
        return ", ".join(f"{n}={v[n]}" for n in inputs)

    return Criterion(label, tuple(inputs), points, explain or default_explain, tuple(table))


@dataclass(frozen=True)
class PointScore:
    """Sum of criteria points."""

    criteria: tuple[Criterion, ...]
    note: str = ""

    def compute(self, calc: Calculator, values: Mapping[str, Any]) -> tuple[float, list[str]]:
        total = 0.0
        lines = []
        for criterion in self.criteria:
            p = criterion.points(values)
            total += p
            lines.append(f"{criterion.label}: {criterion.explain(values)} → {'+' if p >= 0 else ''}{fmt(p)}")
        lines.append(f"Total = {' + '.join(fmt(c.points(values)) for c in self.criteria)} = {fmt(total)}")
        value: float | int = int(total) if float(total).is_integer() and calc.output.kind == "integer" else total
        return value, lines

    def describe(self, calc: Calculator) -> str:
        lines = []
        for c in self.criteria:
            lines.append(f"  {c.label}: " + "; ".join(c.table))
        lines.append("  Score = sum of the points above.")
        if self.note:
            lines.append(f"  Note: {self.note}")
        return "\n".join(lines)
