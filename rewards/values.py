"""Value grammar for answers: numbers (with units), dates, (weeks, days) and labels.

Every function takes the raw JSON `answer` value a model wrote and either returns a typed value or raises
`AnswerValueError(reason)` with a reason from `VALUE_REASONS`. The grammar is explicit (anchored regexes
with no nested quantifiers, so matching is linear) and the input is capped at `MAX_VALUE_CHARS`: a model
can write anything, and a reward must neither hang nor run code on it. Nothing here evaluates text.

    parse_number("1,234.5")                          -> 1234.5
    parse_number("≈ 72 mL/min/1.73 m²")             -> 72.0
    parse_number("6.1 mmol/L", target_unit="mg/dL", analyte="glucose") -> 109.9...
    parse_date("05/01/2024"), parse_date("2024-05-01") -> date(2024, 5, 1)
    parse_weeks_days([5, 2]), parse_weeks_days("(5 weeks, 2 days)") -> (5, 2)
    parse_label("Eligible.", ("not relevant", "excluded", "eligible")) -> "eligible"

Units after a number are read by the closed grammar of `rewards.units` (never a free-form parser) and
converted to the gold's unit there; `target_unit=UNITLESS` marks a gold without a unit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache

from calculators.units import normalize_unit
from calculators.weeks_days import read_weeks_days
from rewards.units import UNITLESS, answer_unit, is_word_unit, to_gold_unit

MAX_VALUE_CHARS = 200  # longer "values" are prose, not answers

# Every reason a value can be rejected for (stats keys are built from these, so the set is closed).
VALUE_REASONS = frozenset(
    {
        "no_value",  # null, "", "N/A", "unknown"
        "not_a_number",
        "not_finite",  # NaN, inf, overflow
        "range",  # "80-90", "80 to 90"
        "multiple_values",  # "72 or 80", [72, 80]
        "unknown_unit",
        "wrong_unit",  # a unit that cannot be converted to the gold's unit
        "ambiguous_comma",  # "72,5": decimal comma or thousands separator?
        "invalid_date",
        "invalid_weeks_days",
        "unknown_label",
        "value_too_long",
    }
)


class AnswerValueError(ValueError):
    """The answer value does not fit the expected grammar. `reason` is one of `VALUE_REASONS`."""

    def __init__(self, reason: str, value: object = None, detail: str = ""):
        if reason not in VALUE_REASONS:
            raise AssertionError(f"unknown value-failure reason {reason!r}")
        self.reason = reason
        self.value = value
        self.detail = detail
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        super().__init__(f"{reason}: {shown}" + (f" ({detail})" if detail else ""))


# Full-width digits and punctuation (U+FF0x), unicode minus signs and thin spaces, mapped to ASCII before
# matching. Superscripts are kept: "m²" is a unit spelling the unit table knows.
_TRANSLATE = {0xFF10 + i: ord("0") + i for i in range(10)}
_TRANSLATE.update(
    {
        0xFF0E: ".",
        0xFF0C: ",",
        0xFF05: "%",
        0xFF0D: "-",
        0xFF0B: "+",
        0xFF0F: "/",
        0x2212: "-",
        0x2012: "-",
        0xFE63: "-",
        0x2009: " ",
        0x202F: " ",
        0x00A0: " ",
        0x2007: " ",
        0x3000: " ",
        0x066B: ".",
        0x00B7: ".",  # Arabic decimal separator, middle dot (used as a decimal point)
    }
)
_TRANSLATE = {k: (chr(v) if isinstance(v, int) else v) for k, v in _TRANSLATE.items()}

NO_VALUE = frozenset(
    {
        "",
        "n/a",
        "na",
        "none",
        "null",
        "unknown",
        "not available",
        "not applicable",
        "cannot be determined",
        "cannot determine",
        "insufficient information",
        "-",
        "?",
    }
)

# sign, integer part (plain or with thousands commas), fraction, exponent, then the rest (a unit or junk).
_NUMBER = re.compile(
    r"(?:≈|~|about|approximately|approx\.?|around|=)?\s*"
    r"([-+]?)\s*(\d+(?:,\d+)*)?(?:\.(\d*))?(?:\s*[eE]\s*([-+]?\d{1,4}))?",
    re.IGNORECASE,
)
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")
_RANGE = re.compile(r"^(?:-|–|—|to|\.\.)\s*[-+]?\d")


def _clean(value: str) -> str:
    text = value if value.isascii() else value.translate(_TRANSLATE)
    return text.strip().strip("\"'`").strip()


def _check_length(value: str) -> None:
    if len(value) > MAX_VALUE_CHARS:
        raise AnswerValueError("value_too_long", value[:40], f"over {MAX_VALUE_CHARS} characters")


def parse_number(value: object, *, target_unit: str | None = None, analyte: str | None = None) -> float:
    """A finite number from a JSON number or a string such as "1,234.5", "−3", "≈ 72", "12 %".

    A unit written after the number is converted to `target_unit` (with `analyte` for mg/dL <-> mmol/L);
    without a target unit it must still be a real unit (so "72 or 80" is rejected, not read as 72). A bare
    number is taken to be in the unit the question asked for.
    """
    kind = type(value)
    if kind is str:  # the common case: cached, since a group's samples often write the same text
        result = read_number_text(value, target_unit, analyte)
        if type(result) is float:
            return result
        raise AnswerValueError(*result)  # a fresh exception per call: a cached one would grow its traceback
    if kind is float or kind is int:  # a JSON number (exact types: bool, an int subclass, is not one)
        return _finite(value)
    if isinstance(value, bool) or value is None:
        raise AnswerValueError("no_value" if value is None else "not_a_number", value)
    if isinstance(value, int | float):
        return _finite(value)
    if isinstance(value, list | tuple):
        raise AnswerValueError("multiple_values" if len(value) > 1 else "not_a_number", value)
    if not isinstance(value, str):
        raise AnswerValueError("not_a_number", value)
    return _number_from_text(value, target_unit, analyte)


@lru_cache(maxsize=16_384)  # keyed by every argument the result depends on; the function is pure
def read_number_text(value: str, target_unit: str | None, analyte: str | None) -> float | tuple:
    """`parse_number` of a string without raising: the number, or a rejection as AnswerValueError's
    arguments (reason, value, detail), so it can be cached (and `parse_number` re-raises it as a new
    exception). The rewards' row loop calls it directly: an exception per unreadable row costs more than
    the read."""
    try:
        return _number_from_text(value, target_unit, analyte)
    except AnswerValueError as exc:
        return exc.reason, exc.value, exc.detail


def _number_from_text(value: str, target_unit: str | None, analyte: str | None) -> float:
    _check_length(value)
    text = _clean(value)
    if text.lower() in NO_VALUE:
        raise AnswerValueError("no_value", value)
    match = _NUMBER.match(text)
    sign, whole, frac, exp = match.groups() if match else ("", None, None, None)
    if whole is None and not frac:
        raise AnswerValueError("not_a_number", value)
    if whole is not None and "," in whole and not _THOUSANDS.fullmatch(whole):
        raise AnswerValueError("ambiguous_comma", value, "write 72.5 or 1,234 (thousands)")
    literal = f"{sign}{(whole or '0').replace(',', '')}.{frac or '0'}" + (f"e{exp}" if exp else "")
    number = _finite(float(literal))
    rest = text[match.end() :].strip().rstrip(".").strip()
    if rest:
        number = _apply_unit(number, rest, value, target_unit, analyte)
    return number


def split_unit(value: str) -> str | None:
    """The grammar code of the unit written after the number in `value` (None: no unit, or a score word).

    Only call it on text `parse_number` accepted."""
    text = _clean(value)
    match = _NUMBER.match(text)
    rest = text[match.end() :].strip().rstrip(".").strip() if match else ""
    if not rest or is_word_unit(rest):
        return None
    return answer_unit(rest)


def _finite(number: float | int) -> float:
    try:
        result = float(number)
    except OverflowError:
        raise AnswerValueError("not_finite", "<huge integer>") from None
    if not math.isfinite(result):
        raise AnswerValueError("not_finite", number)
    return result


def _apply_unit(number: float, unit: str, raw: str, target: str | None, analyte: str | None) -> float:
    if _RANGE.match(unit):
        raise AnswerValueError("range", raw, "give one value")
    if is_word_unit(unit):
        if target is None or target == UNITLESS or normalize_unit(target) == "dimensionless":
            return number
        raise AnswerValueError("wrong_unit", raw, f"expected {target}")
    code = answer_unit(unit)
    if code is None:
        if any(ch.isdigit() for ch in unit) or " or " in f" {unit.lower()} ":
            raise AnswerValueError("multiple_values", raw)
        raise AnswerValueError("unknown_unit", raw)
    converted = to_gold_unit(number, code, target, analyte)
    if converted is None:
        expected = "no unit" if target == UNITLESS else target
        raise AnswerValueError("wrong_unit", raw, f"expected {expected}")
    return _finite(converted)


# -- dates ------------------------------------------------------------------------------------------------
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
# ISO date, optionally with an ISO time of day that must itself be valid ("T99:99" is not a time).
_ISO_DATE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,6})?)?Z?)?"
)


def parse_date(value: object) -> date:
    """A calendar date from "MM/DD/YYYY" or ISO "YYYY-MM-DD" (a 4-digit year is required), the ISO form
    optionally followed by a valid time of day ("2024-05-01T08:30", "2024-05-01 08:30:00Z"); any other
    suffix ("2024-05-01T99:99", "05/01/2024 or later") is `invalid_date`."""
    if value is None:
        raise AnswerValueError("no_value", value)
    if not isinstance(value, str):
        raise AnswerValueError("invalid_date", value, "write MM/DD/YYYY")
    _check_length(value)
    text = _clean(value).rstrip(".")
    if text.lower() in NO_VALUE:
        raise AnswerValueError("no_value", value)
    if m := _US_DATE.fullmatch(text):
        month, day, year = (int(g) for g in m.groups())
    elif m := _ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in m.groups()[:3])
    else:
        raise AnswerValueError("invalid_date", value, "write MM/DD/YYYY")
    try:
        return date(year, month, day)
    except ValueError:
        raise AnswerValueError("invalid_date", value, "no such day") from None


# -- (weeks, days) ----------------------------------------------------------------------------------------
def parse_weeks_days(value: object) -> tuple[int, int]:
    """(weeks, days) from [5, 2], {"weeks": 5, "days": 2}, "(5 weeks, 2 days)", "5w 2d" or "5 weeks"."""
    if value is None:
        raise AnswerValueError("no_value", value)
    if isinstance(value, Mapping):
        pair: object = (value.get("weeks"), value.get("days", 0))
    elif isinstance(value, list | tuple):
        pair = value
    elif isinstance(value, str):
        _check_length(value)
        text = " ".join(_clean(value).rstrip(".").lower().split())
        if text in NO_VALUE:
            raise AnswerValueError("no_value", value)
        read = read_weeks_days(text)  # the answer grammar (calculators.weeks_days), on normalised text
        if read is None:
            raise AnswerValueError("invalid_weeks_days", value, "write [weeks, days]")
        pair = read
    else:
        raise AnswerValueError("invalid_weeks_days", value, "write [weeks, days]")
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        raise AnswerValueError("invalid_weeks_days", value, "write [weeks, days]")
    weeks, days = (_whole(x, value) for x in pair)
    if not (0 <= weeks <= 60 and 0 <= days <= 6):
        raise AnswerValueError("invalid_weeks_days", value, "weeks 0-60, days 0-6")
    return weeks, days


def _whole(x: object, raw: object) -> int:
    if isinstance(x, bool) or not isinstance(x, int | float | str):
        raise AnswerValueError("invalid_weeks_days", raw)
    if isinstance(x, str):
        text = _clean(x)
        m = re.fullmatch(r"(\d{1,3})\s*(?:w|wk|wks|weeks?|d|days?)?", text.lower())
        if not m:
            raise AnswerValueError("invalid_weeks_days", raw)
        return int(m.group(1))
    if isinstance(x, float) and not (math.isfinite(x) and x.is_integer()):
        raise AnswerValueError("invalid_weeks_days", raw)
    return int(x)


# -- labels -----------------------------------------------------------------------------------------------
# The answer grammar's copy of `ehr_adapters.trec_ct.LABELS` (rewards import no adapters; a test pins both).
TRIAL_LABELS = ("not relevant", "excluded", "eligible")
TRIAL_ALIASES: dict[str, str] = {
    "irrelevant": "not relevant",
    "not_relevant": "not relevant",
    "non relevant": "not relevant",
    "nonrelevant": "not relevant",
    "exclude": "excluded",
    "ineligible": "excluded",
    "not eligible": "excluded",
    "included": "eligible",
    "include": "eligible",
}
YES_NO_ALIASES: dict[str, str] = {
    "true": "yes",
    "1": "yes",
    "y": "yes",
    "positive": "yes",
    "present": "yes",
    "false": "no",
    "0": "no",
    "n": "no",
    "negative": "no",
    "absent": "no",
}
TRUE_FALSE_ALIASES: dict[str, str] = {"yes": "true", "1": "true", "no": "false", "0": "false"}

_LABEL_SEP = re.compile(r"[\s_\-]+")


def label_key(text: str) -> str:
    """A label's comparison key: case-, separator- and trailing-punctuation-insensitive."""
    return _label_key(text)


@lru_cache(maxsize=16_384)  # pure: the same few spellings come back on every row
def _label_key(text: str) -> str:
    return _LABEL_SEP.sub(" ", _clean(text).rstrip(".!").strip("*").strip().lower())


def default_aliases(choices: Sequence[str]) -> dict[str, str]:
    """Aliases that fit these choices: the trial labels, or yes/no and true/false with 1/0."""
    lowered = {c.lower() for c in choices}
    if lowered == set(TRIAL_LABELS):
        return dict(TRIAL_ALIASES)
    if lowered == {"yes", "no"}:
        return dict(YES_NO_ALIASES)
    if lowered == {"true", "false"}:
        return dict(TRUE_FALSE_ALIASES)
    return {}


@lru_cache(maxsize=256)
def _default_items(choices: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(default_aliases(choices).items()))


@lru_cache(maxsize=256)
def _default_table(choices: tuple[str, ...]) -> dict[str, str]:
    return _label_table(choices, _default_items(choices))


@lru_cache(maxsize=256)
def _label_table(choices: tuple[str, ...], aliases: tuple[tuple[str, str], ...]) -> dict[str, str]:
    table = {_label_key(alias): choice for alias, choice in aliases}
    table.update({_label_key(c): c for c in choices})  # a choice always wins over an alias
    return table


def parse_label(value: object, choices: Sequence[str], aliases: Mapping[str, str] | None = None) -> str:
    """One of `choices` (returned as spelled there), matched case- and punctuation-insensitively.

    `aliases` maps other spellings to a choice; None uses `default_aliases(choices)`. JSON true/false and
    0/1 are read as their text ("true", "1"), so they only match where an alias says what they mean.
    """
    if value is None:
        raise AnswerValueError("no_value", value)
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int) or isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, str):
        _check_length(value)
        text = value
    else:
        raise AnswerValueError("multiple_values" if isinstance(value, list) else "unknown_label", value)
    choices = tuple(choices)
    if aliases is None:
        table = _default_table(choices)
    else:
        table = _label_table(choices, tuple(sorted(aliases.items())))
    key = _label_key(text)
    if key in table:
        return table[key]
    if key in NO_VALUE:
        raise AnswerValueError("no_value", value)
    raise AnswerValueError("unknown_label", value, "choose one of: " + ", ".join(choices))
