"""Reading one input value: numbers with units, yes/no, choices, dates; range checks and unit hints.

`Calculator.validate` calls `parse_input` for every declared input and turns each `BadValue` into a
`Problem`, so one `InputError` can list every problem at once. Kept apart from the declarations in
`spec.py`: this is the only code that interprets user-supplied values.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from calculators.errors import UnitError
from calculators.units import conversion, count_unit, display_unit, split_number_unit

if TYPE_CHECKING:
    from calculators.spec import Input

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "present", "positive"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "absent", "negative", "none"})


class BadValue(Exception):
    """One input's value is unusable: the message and a hint, collected into an InputError."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message, self.hint = message, hint


def parse_input(spec: Input, raw: Any, assume_canonical: bool) -> Any:
    if spec.kind == "bool":
        return parse_bool(raw)
    if spec.kind == "choice":
        return _parse_choice(spec, raw)
    if spec.kind == "date":
        return _parse_date(raw)
    number, unit = _number_and_unit(raw)
    if not math.isfinite(number):
        raise BadValue("not a finite number")
    if unit is None:
        if not (assume_canonical or spec.accepts_bare_number):
            raise BadValue(
                f"a bare number needs a unit; expected {display_unit(spec.unit)}",
                f'write "{number:g} {spec.unit}" or pass assume_canonical=True (CLI: --canonical)',
            )
        value = number
    elif spec.unit is None:
        value = number
    else:
        try:
            scale, offset = conversion(count_unit(unit, spec.unit), spec.unit, spec.analyte)
        except UnitError as exc:
            raise BadValue(str(exc), f"expected a unit convertible to {spec.unit}") from None
        # Round away conversion noise (104 °F is 39.999999999999 °C in floating point) so a value on a
        # published threshold stays on it; 12 significant digits is far below any clinical precision.
        value = float(f"{number * scale + offset:.12g}")
    if spec.range is not None:
        lo, hi = spec.range
        if not lo <= value <= hi:
            raise BadValue(
                f"{value:g} {display_unit(spec.unit)} is outside the plausible range {lo:g}–{hi:g}",
                _unit_hint(spec, number, unit),
            )
    return value


def _number_and_unit(raw: Any) -> tuple[float, str | None]:
    if isinstance(raw, bool):
        raise BadValue("expected a number, got a boolean")
    if isinstance(raw, int | float):
        return float(raw), None
    if isinstance(raw, list | tuple) and len(raw) == 2 and isinstance(raw[1], str):
        number, unit = raw
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise BadValue("expected [number, unit]")
        return float(number), raw[1].strip() or None
    if isinstance(raw, str):
        parsed = split_number_unit(raw)
        if parsed is None:
            raise BadValue("not a number", 'write e.g. "1.2 mg/dL"')
        return parsed[0], parsed[1] or None
    raise BadValue(f"unsupported value type {type(raw).__name__}")


# Units tried, in this order, when guessing which unit an out-of-range value was really in.
_COMMON_UNITS = (
    "umol/L", "mmol/L", "mg/dL", "g/dL", "g/L", "mEq/L", "mg/L", "[lb_av]", "kg", "g", "[in_i]", "cm", "m",
    "[degF]", "Cel", "10*9/L", "10*3/uL", "/uL", "kPa", "mm[Hg]", "%", "1", "ms", "s",
)


def _unit_hint(spec: Input, number: float, unit: str | None) -> str:
    """Suggest the unit the user probably meant when a value is out of range."""
    if spec.unit is None or spec.range is None:
        return ""
    from calculators.units import ANALYTES

    lo, hi = spec.range
    candidates = _COMMON_UNITS
    for candidate in candidates:
        if candidate == unit:
            continue
        try:
            scale, offset = conversion(candidate, spec.unit, spec.analyte if spec.analyte in ANALYTES else None)
        except UnitError:
            continue
        if not 1e-4 <= abs(scale) <= 1e4:  # real unit mix-ups are within four orders of magnitude
            continue
        if lo <= number * scale + offset <= hi:
            return f"did you mean {candidate}?"
    return f"expected a value in {display_unit(spec.unit)}"


def parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
    raise BadValue("expected yes/no (true/false)")


def _parse_choice(spec: Input, raw: Any) -> str:
    text = str(raw).strip()
    lowered = text.lower()
    for value, why in spec.rejects.items():
        if value.lower() == lowered:
            raise BadValue(f"refused: {why}")
    for choice in spec.choices:
        if choice.lower() == lowered:
            return choice
    for alias, choice in spec.aliases.items():
        if alias.lower() == lowered:
            return choice
    raise BadValue("not an allowed choice", "choose one of: " + ", ".join(spec.choices))


def _parse_date(raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise BadValue("not a date", "write YYYY-MM-DD or MM/DD/YYYY")
