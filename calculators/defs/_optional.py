"""Score criteria for measurements that may be missing (APACHE II, PSI). A helper, not a calculator.

Some scores are routinely computed with a measurement absent (no arterial blood gas, no labs for an
outpatient). The convention their users follow is "not measured = normal = 0 points". These criteria
make that explicit: the input is optional with default None, a missing value scores 0, and the rationale
says "not recorded" instead of pretending a value was seen. Calculators that use them say so in their
docstring; calculators whose sources require every value keep their inputs required.
"""

from __future__ import annotations

from collections.abc import Sequence

from calculators.formula import fmt
from calculators.points import Criterion, Values, bands

MISSING_TEXT = "not recorded → 0 (treated as normal)"


def optional_bands(
    input_name: str,
    intervals: Sequence[tuple[float | None, float | None, float]],
    label: str,
    unit: str | None = None,
) -> Criterion:
    """`bands` for an optional input: None scores 0 and the rationale says it was not recorded."""
    inner = bands(input_name, intervals, label, unit)

    def points(v: Values) -> float:
        return 0 if v[input_name] is None else inner.points(v)

    def explain(v: Values) -> str:
        return MISSING_TEXT if v[input_name] is None else inner.explain(v)

    return Criterion(label, inner.inputs, points, explain, (*inner.table, "not recorded: 0"))


def band_points(x: float, intervals: Sequence[tuple[float | None, float | None, float]]) -> float:
    """Points of `x` under `bands`-style intervals (low inclusive, high exclusive, first match)."""
    for lo, hi, p in intervals:
        if (lo is None or x >= lo) and (hi is None or x < hi):
            return p
    raise ValueError(f"{fmt(x)} falls in no band")


def band_rows(
    intervals: Sequence[tuple[float | None, float | None, float]], unit: str = ""
) -> tuple[str, ...]:
    """Table rows for `rule` criteria that reuse band intervals."""
    shown = f" {unit}" if unit else ""
    rows = []
    for lo, hi, p in intervals:
        if lo is None:
            rows.append(f"< {fmt(hi)}{shown}: {fmt(p)}")
        elif hi is None:
            rows.append(f"≥ {fmt(lo)}{shown}: {fmt(p)}")
        else:
            rows.append(f"{fmt(lo)} to < {fmt(hi)}{shown}: {fmt(p)}")
    return tuple(rows)
