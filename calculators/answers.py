"""MedCalc-Bench answers: the one grammar for its published labels and the one comparator.

    kind, value = parse_medcalc_answer("('29 weeks', '2 days')", "date")   # ("weeks_days", (29, 2))
    medcalc_correct("decimal", 64.786, lower=64.79, upper=71.61)           # True (see below)

Why one module: `calc audit` (does our calculator agree with the published label?) and the
`medcalc_accuracy` reward (is the model's answer right?) must judge with the same rule, or the audit
would not predict the reward. Both call `medcalc_correct`; the task builder uses it for its
`agrees_with_benchmark` flag too. Rules (MedCalc-Bench's evaluator, plus one reading of its limits):

- decimal: lower ≤ x ≤ upper, each limit widened by the rounding it was written with (`limit_slack`:
  v1.0 writes 3 decimals, so a zero-tolerance limit "38.187" stands for 38.1872; half a unit of the
  third decimal, or of the last shown one). Limits we compute carry full float precision.
- integer: round(x) == round(gold) (Python's round, as the benchmark's evaluator uses).
- date: the same day; (weeks, days): the same pair.

Labels are parsed with explicit grammars, never `eval`.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from calculators.weeks_days import WEEKS_DAYS_LABEL, parse_weeks_days_label

__all__ = [
    "WEEKS_DAYS_LABEL",  # the label grammar lives with the other (weeks, days) grammars
    "AnswerLabelError",
    "MEDCALC_INTEGER_IDS",
    "decimal_interval",
    "graded_kind",
    "limit_slack",
    "medcalc_correct",
    "parse_medcalc_answer",
    "parse_weeks_days_label",
]

ABS_EPS = 1e-9  # float noise allowed at interval edges


class AnswerLabelError(ValueError):
    """A published answer that has none of the benchmark's forms."""


# The calculator ids MedCalc-Bench's evaluator grades as integers (`round(answer) == ground truth`); it grades
# every other numeric id as a decimal within the row's Lower/Upper Limit, whatever the row's Output Type
# column says (evaluation/evaluate.py, `check_correctness`; the Verified release labels Wells DVT, id 16,
# "decimal" and steroid conversion, MME and Wells PE, ids 24, 49 and 8, "integer").
MEDCALC_INTEGER_IDS = frozenset({4, 15, 16, 17, 18, 20, 21, 25, 27, 28, 29, 32, 33, 36, 43, 45, 48, 51})


def graded_kind(calculator_id: int, output_type: str) -> str:
    """The kind MedCalc-Bench's evaluator grades a row as: "integer" or "decimal" by calculator id for a
    numeric Output Type (see `MEDCALC_INTEGER_IDS`), the label itself otherwise ("date")."""
    label = output_type.strip().lower()
    if label not in ("decimal", "integer"):
        return label
    return "integer" if calculator_id in MEDCALC_INTEGER_IDS else "decimal"


def parse_medcalc_answer(text: str, output_type: str) -> tuple[str, Any]:
    """A published answer as (gold kind, value): numbers -> float/int ("integer" labels with a fraction,
    e.g. a 1.5 score, are decimals), MM/DD/YYYY -> date, "('N weeks', 'N days')" -> (weeks, days).
    Raises AnswerLabelError naming the text otherwise."""
    raw = text.strip()
    kind = output_type.strip().lower()
    if kind in ("decimal", "integer"):
        try:
            number = float(raw)
        except ValueError:
            raise AnswerLabelError(f"answer {raw!r} is not a number") from None
        if not math.isfinite(number):
            raise AnswerLabelError(f"answer {raw!r} is not a finite number")
        if kind == "integer" and number.is_integer():
            return "integer", int(number)
        return "decimal", number
    if kind == "date":
        pair = parse_weeks_days_label(raw)
        if pair is not None:
            return "weeks_days", pair
        try:
            return "date", datetime.strptime(raw, "%m/%d/%Y").date()
        except ValueError:
            raise AnswerLabelError(f"answer {raw!r} is neither MM/DD/YYYY nor ('W weeks', 'D days')") from None
    raise AnswerLabelError(f"output type {output_type!r} is not decimal, integer or date")


# MedCalc-Bench rounds answers and limits before writing them: to 3 decimals in v1.0 (e.g. "38.187"), to 5
# in the current `round_number` (calculator_implementations/rounding.py). A limit is therefore known only to
# half a unit of its third decimal, or of its last one when it shows more.
_MIN_DECIMALS = 3


# Half a unit of the d-th decimal, precomputed with the expression `limit_slack` would evaluate (the same
# floats). repr writes at most 21 decimals (below 1e-4 it switches to exponent form, counted as none).
_HALF_UNITS = tuple(0.5 * 10.0 ** -d for d in range(24))


def limit_slack(limit: float) -> float:
    """How far a written limit may sit from the value it rounds: half a unit of max(3, its decimals) in
    its shortest float form (38.187 -> 0.0005; 0.0 -> 0.0005; 64.79145 -> 0.000005; a computed
    64.79145723… -> ~5e-15). Limits are compared as floats everywhere (the reward's gold stores them as
    JSON numbers), so the audit, which reads them as text, converts first and agrees with the reward.
    Not cached: its one caller, `decimal_interval`, is."""
    text = repr(float(limit))
    dot = text.find(".")
    decimals = len(text) - dot - 1 if dot >= 0 and "e" not in text else 0
    return _HALF_UNITS[max(_MIN_DECIMALS, decimals)]


def medcalc_correct(
    kind: str,
    value: Any,
    gold: Any = None,
    lower: float | None = None,
    upper: float | None = None,
) -> bool:
    """Is `value` right against a MedCalc-Bench gold under the rules in the module docstring?

    decimal needs `lower` and `upper`; integer compares with `gold`; date and
    weeks_days compare `value` with `gold` (date objects or ISO strings; tuples or lists).
    """
    if kind == "decimal":
        if lower is None or upper is None:
            raise ValueError("a decimal gold needs lower and upper limits")
        if not _is_number(value):
            return False
        lo, hi = decimal_interval(lower, upper)
        return lo <= float(value) <= hi
    if kind == "integer":
        return _is_number(value) and _is_number(gold) and round(float(value)) == round(float(gold))
    if kind == "date":
        return _as_date(value) is not None and _as_date(value) == _as_date(gold)
    if kind == "weeks_days":
        return _as_pair(value) is not None and _as_pair(value) == _as_pair(gold)
    raise ValueError(f"unknown gold kind {kind!r}")


@lru_cache(maxsize=65_536)  # the reward grades every sample of a group against the same limits
def decimal_interval(lower: float, upper: float) -> tuple[float, float]:
    """The closed interval a decimal answer must fall in: the limits widened by `limit_slack` and float
    noise (`ABS_EPS`)."""
    return float(lower) - limit_slack(lower) - ABS_EPS, float(upper) + limit_slack(upper) + ABS_EPS


# A tuple, not `int | float`: that expression builds a new union object at every call (hot: every gold).
_NUMBER_TYPES = (int, float)


def _is_number(value: Any) -> bool:
    return isinstance(value, _NUMBER_TYPES) and not isinstance(value, bool) and math.isfinite(value)


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
            try:
                return datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
    return None


def _as_pair(value: Any) -> tuple[int, int] | None:
    if isinstance(value, list | tuple) and len(value) == 2 and all(_is_number(v) for v in value):
        return int(value[0]), int(value[1])
    return None
