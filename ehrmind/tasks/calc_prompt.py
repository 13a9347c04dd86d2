"""What a mined calculator row's prompt shows: the number an event line prints for a value, and a line that
already states the answer (a lab-reported anion gap, a charted BMI), so `ehrmind.tasks.calc_mined` keeps
only rows whose prompt shows every input and does not give the answer away.

    visible("- Sodium: 138 mEq/L (3 h ago)", 138.0)   -> True
"""

from __future__ import annotations

import re
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
    for display, number in re.findall(r"^- ([^\n]*?): (-?\d+(?:\.\d+)?)\b", context, re.MULTILINE):
        if pattern and re.search(pattern, display, re.IGNORECASE) and lower <= float(number) <= upper:
            return display
    return None


def shown_number(context: str, value: float) -> float | None:
    """The number an event line of the serialized text ("- Sodium: 138 mEq/L (3 h ago)") shows for this
    value, allowing for display rounding (4 significant digits), or None when no line shows it."""
    value = float(value)
    best = None
    for number in _event_numbers(context):
        if abs(number - value) <= 5e-4 * max(abs(value), 1e-9) and (
            best is None or abs(number - value) < abs(best - value)
        ):
            best = number
    return best


@lru_cache(maxsize=256)
def _event_numbers(context: str) -> tuple[float, ...]:
    # cached: every input of every calculator at one instant is looked up in the same context
    return tuple(float(text) for text in _EVENT_NUMBER.findall(context))


def visible(context: str, value: float) -> bool:
    """Does an event line of the serialized text show this value (up to display rounding)?"""
    return shown_number(context, value) is not None


_EVENT_NUMBER = re.compile(r"^- [^\n]*?: (-?\d+(?:\.\d+)?)(?= |$)", re.MULTILINE)
