"""The numbers a serialized prompt shows: which number an event line shows for a measured value
(`shown_number`, allowing for the serializer's 4-significant-digit display) and whether a line already
states a calculator's answer (`answer_in_prompt`).

Why: a mined calculator row's gold is computed from the numbers the model can read, and a row whose record
already states the result (a lab-reported anion gap) would be answered by copying. Used by
`ehrmind.tasks.calc_mined`.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache
from typing import Any

# Record lines that may state a calculator's own result (a lab-reported anion gap, a charted BMI or MAP):
# a row whose prompt shows a value equal to the gold would be answered by copying, so it is skipped.
OUTPUT_LINES: dict[str, str] = {
    "anion_gap": r"anion gap", "bmi": r"body mass index|\bbmi\b", "mean_arterial_pressure": r"\bmean\b|\bmap\b",
    "ckd_epi_2021": r"\begfr\b|glomerular", "serum_osmolality": r"osmolal", "bsa_mosteller": r"surface area",
}  # fmt: skip


def answer_in_prompt(calc_id: str, context: str, gold: dict[str, Any]) -> str | None:
    """The record line that states the gold value itself (within its tolerance), or None."""
    pattern = OUTPUT_LINES.get(calc_id)
    lower, upper = gold.get("lower", gold["value"]), gold.get("upper", gold["value"])
    if not pattern:
        return None
    for display, number in _event_lines(context):
        if re.search(pattern, display, re.IGNORECASE) and lower <= number <= upper:
            return display
    return None


@lru_cache(maxsize=256)
def _event_lines(context: str) -> tuple[tuple[str, float], ...]:
    # cached: the calculators asked at one instant of one patient share the context
    return tuple((display, float(number)) for display, number in _EVENT_LINE.findall(context))


def shown_number(context: str, value: float) -> float | None:
    """The number an event line of the serialized text ("- Sodium: 138 mEq/L (3 h ago)") shows for this
    value, allowing for display rounding (4 significant digits), or None when no line shows it. Of several,
    the closest; of equally close ones, the first in the text."""
    value = float(value)
    tolerance = 5e-4 * max(abs(value), 1e-9)
    numbers, first = _number_index(context)
    # the numbers near the value (with slack: the exact test below decides), in text order
    near = range(bisect_left(numbers, value - 2 * tolerance), bisect_right(numbers, value + 2 * tolerance))
    best = None
    for j in sorted(near, key=first.__getitem__):
        number = numbers[j]
        if abs(number - value) <= tolerance and (best is None or abs(number - value) < abs(best - value)):
            best = number
    return best


@lru_cache(maxsize=256)
def _number_index(context: str) -> tuple[list[float], list[int]]:
    """The distinct numbers event lines show, sorted, with where each first appears in the text."""
    first: dict[float, int] = {}
    for position, number in enumerate(_event_numbers(context)):
        first.setdefault(number, position)
    numbers = sorted(first)
    return numbers, [first[n] for n in numbers]


@lru_cache(maxsize=256)
def _event_numbers(context: str) -> tuple[float, ...]:
    # cached: every input of every calculator at one instant is looked up in the same context
    return tuple(float(text) for text in _EVENT_NUMBER.findall(context))


def visible(context: str, value: float) -> bool:
    """Does an event line of the serialized text show this value (up to display rounding)?"""
    return shown_number(context, value) is not None


_EVENT_LINE = re.compile(r"^- ([^\n]*?): (-?\d+(?:\.\d+)?)\b", re.MULTILINE)
_EVENT_NUMBER = re.compile(r"^- [^\n]*?: (-?\d+(?:\.\d+)?)(?= |$)", re.MULTILINE)
