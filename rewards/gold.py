"""The `gold` column: one JSON object per row, parsed into a typed, immutable gold answer.

Kinds (the task-row schema lists the same ones in `ehrmind.tasks.schema.GOLD_KINDS`):

    {"kind": "decimal", "value": 72.5, "lower": 68.9, "upper": 76.1,
     "unit": "mL/min/{1.73_m2}", "calculator": "ckd_epi_2021", "analyte": null}
        lower/upper: MedCalc-Bench's limits (optional); unit: a UCUM code answers are converted to
        (optional); calculator: its declared tolerance is used by `calc_accuracy` (optional);
        analyte: for mg/dL <-> mmol/L and mEq/L <-> mmol/L conversions of the answer (optional);
        limits: "medcalc_bench" when lower/upper follow the benchmark's limits (±5 %, or exact where the row
        publishes its answer as both limits) rather than the declared tolerance.
    {"kind": "integer", "value": 3, "calculator": "cha2ds2_vasc"}
    {"kind": "date", "value": "2024-05-01"}                    (ISO or MM/DD/YYYY)
    {"kind": "weeks_days", "value": [5, 2]}
    {"kind": "label", "value": "eligible", "choices": ["not relevant", "excluded", "eligible"],
     "aliases": {"ineligible": "excluded"}}                   (aliases optional)

Malformed gold is a data bug, not a wrong answer: `parse_gold` raises `GoldError` naming the field, the
value and the fix, and the reward lets it propagate. Parsed gold is cached by its JSON text, because TRL
repeats each row's gold once per generation.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from calculators.units import UnitError, normalize_unit
from rewards.units import GOLD_ANALYTES
from rewards.values import AnswerValueError, parse_date

KINDS = ("decimal", "integer", "date", "weeks_days", "label")


class GoldError(ValueError):
    """The gold column of a row is malformed (a data bug: fix the task builder, do not score it)."""


@dataclass(frozen=True, init=False)
class Gold:
    kind: str
    value: Any  # float | int | date | tuple[int, int] | str
    lower: float | None = None
    upper: float | None = None
    unit: str | None = None
    calculator: str | None = None
    analyte: str | None = None
    choices: tuple[str, ...] = ()
    aliases: Mapping[str, str] | None = field(default=None, hash=False)
    limits: str | None = None  # where lower/upper come from, e.g. "medcalc_bench" (the benchmark's limits)

    def __init__(
        self,
        kind: str,
        value: Any,
        lower: float | None = None,
        upper: float | None = None,
        unit: str | None = None,
        calculator: str | None = None,
        analyte: str | None = None,
        choices: tuple[str, ...] = (),
        aliases: Mapping[str, str] | None = None,
        limits: str | None = None,
    ) -> None:
        # The dataclass's own __init__ for a frozen class sets each field through object.__setattr__: ten
        # calls, a third of the cost of parsing a gold, paid for every new prompt of every GRPO step. Filling
        # the instance dict in one call gives the same object (a test keeps this signature equal to the
        # fields and their defaults).
        vars(self).update(
            kind=kind,
            value=value,
            lower=lower,
            upper=upper,
            unit=unit,
            calculator=calculator,
            analyte=analyte,
            choices=choices,
            aliases=aliases,
            limits=limits,
        )


def parse_gold(raw: str | Mapping[str, Any] | Gold) -> Gold:
    """A typed gold from the column's JSON text or dict; raises GoldError."""
    if isinstance(raw, Gold):
        return raw
    if isinstance(raw, str):
        return _parse_text(raw)
    if isinstance(raw, Mapping):
        return _from_dict(raw)
    raise GoldError(f"gold must be a JSON string or an object, got {type(raw).__name__}: {raw!r:.80}")


# The C scanner behind json.loads, called directly for the common gold text (an object with nothing around
# it): json.loads adds two Python layers and two whitespace regex matches, half the cost of a small gold.
_SCAN = json.JSONDecoder().scan_once


@lru_cache(maxsize=65_536)
def _parse_text(text: str) -> Gold:
    try:
        obj = _scan_object(text)
    except ValueError:
        raise GoldError(
            f'gold is not valid JSON: {text!r:.80}; write e.g. {{"kind": "integer", "value": 3}}'
        ) from None
    if not isinstance(obj, dict):
        raise GoldError(f"gold must be a JSON object, got {type(obj).__name__}: {text!r:.80}")
    return _from_dict(obj)


def _scan_object(text: str) -> Any:
    """json.loads(text): the scanner's value when it spans the whole text, else json.loads's own reading
    (the same value, or the same error)."""
    if text.startswith("{") and text.endswith("}"):
        try:
            obj, end = _SCAN(text, 0)
        except StopIteration:  # not a JSON value: json.loads raises the error with its message
            end = -1
        if end == len(text):
            return obj
    return json.loads(text)


def _bad(field_name: str, value: Any, fix: str) -> GoldError:
    return GoldError(f"gold.{field_name}={value!r:.80} is invalid: {fix}")


# A tuple, not `int | float`: that expression builds a new union object at every call (hot: every gold).
_NUMBER_TYPES = (int, float)


def _number(obj: Mapping[str, Any], key: str, required: bool) -> float | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise _bad(key, value, "a finite number is required")
        return None
    if isinstance(value, bool) or not isinstance(value, _NUMBER_TYPES) or not math.isfinite(value):
        raise _bad(key, value, "must be a finite JSON number")
    return float(value)


def _optional_str(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise _bad(key, value, "must be a non-empty string or null")
    return value


def _from_dict(obj: Mapping[str, Any]) -> Gold:
    kind = obj.get("kind")
    if kind not in KINDS:
        raise _bad("kind", kind, f"must be one of {', '.join(KINDS)}")
    value = obj.get("value")
    calculator = _optional_str(obj, "calculator")
    if kind == "decimal":
        number = _number(obj, "value", True)
        lower, upper = _number(obj, "lower", False), _number(obj, "upper", False)
        if (lower is None) != (upper is None):
            raise _bad("lower" if lower is None else "upper", None, "give both lower and upper, or neither")
        if lower is not None and not lower <= number <= upper:
            raise _bad("value", number, f"must lie within lower={lower} and upper={upper}")
        unit = _optional_str(obj, "unit")
        if unit is not None:
            try:
                normalize_unit(unit)
            except UnitError as exc:
                raise _bad("unit", unit, str(exc)) from None
        analyte, limits = _optional_str(obj, "analyte"), _optional_str(obj, "limits")
        if analyte is not None and analyte not in GOLD_ANALYTES:  # else its conversions fail as wrong_unit
            raise _bad("analyte", analyte, f"use one of {', '.join(sorted(GOLD_ANALYTES))}, or leave it out")
        return Gold(kind, number, lower, upper, unit, calculator, analyte, (), None, limits)
    common = {"calculator": calculator}
    if kind == "integer":
        number = _number(obj, "value", True)
        if not number.is_integer():
            raise _bad("value", value, "an integer gold must be a whole number")
        return Gold(kind, int(number), **common)
    if kind == "date":
        try:
            return Gold(kind, parse_date(value), **common)
        except AnswerValueError:
            raise _bad("value", value, "write the date as YYYY-MM-DD or MM/DD/YYYY") from None
    if kind == "weeks_days":
        ok = (
            isinstance(value, list | tuple)
            and len(value) == 2
            and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in value)
            and value[1] <= 6
        )
        if not ok:
            raise _bad("value", value, "write [weeks, days] with days 0-6, e.g. [5, 2]")
        return Gold(kind, (int(value[0]), int(value[1])), **common)
    choices = obj.get("choices")
    if (
        not isinstance(choices, list | tuple)
        or len(choices) < 2
        or not all(isinstance(c, str) for c in choices)
    ):
        raise _bad("choices", choices, "a label gold needs a list of at least two string choices")
    if value not in choices:
        raise _bad("value", value, f"must be one of the choices {list(choices)}")
    aliases = obj.get("aliases")
    if aliases is not None:
        if not isinstance(aliases, Mapping) or not all(
            isinstance(k, str) and v in choices for k, v in aliases.items()
        ):
            raise _bad("aliases", aliases, "map alternative spellings to one of the choices")
        aliases = dict(aliases)
    return Gold(kind, value, choices=tuple(choices), aliases=aliases, **common)


def gold_column(columns: Mapping[str, Any], n: int, name: str = "gold") -> list[Any]:
    """The `gold` column, checked to have one entry per completion."""
    values = columns.get(name)
    if values is None:
        raise GoldError(f"the reward needs a {name!r} column; the dataset rows have none")
    if len(values) != n:
        raise ValueError(f"column {name!r} has {len(values)} entries for {n} completions")
    return list(values)


def canonical_gold_json(gold: Gold) -> dict[str, Any]:
    """The gold as a JSON-ready dict (for writers and tests)."""
    value = gold.value
    if isinstance(value, date):
        value = value.isoformat()
    elif isinstance(value, tuple):
        value = list(value)
    out: dict[str, Any] = {"kind": gold.kind, "value": value}
    for key in ("lower", "upper", "unit", "calculator", "analyte", "limits"):
        if getattr(gold, key) is not None:
            out[key] = getattr(gold, key)
    if gold.kind == "label":
        out["choices"] = list(gold.choices)
        if gold.aliases:
            out["aliases"] = dict(gold.aliases)
    return out
