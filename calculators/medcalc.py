"""MedCalc-Bench `Relevant Entities` -> calculator input values.

The benchmark stores each row's extracted entities as a Python dict literal whose keys are the benchmark's
own names (typos kept), numbers as `[value, unit]` pairs, findings as booleans and categories as strings.
Each calculator input lists the keys that carry it (`Input.medcalc_keys`); a calculator whose entities do
not map one-to-one provides `Calculator.from_medcalc`. Parsing the literal is the adapter's job
(`ast.literal_eval`, never `eval`); this module only maps an already-parsed dict.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from calculators.spec import Calculator


class EntityError(ValueError):
    """The entities cannot be parsed or mapped to this calculator's inputs."""


def parse_entities(text: str) -> dict[str, Any]:
    """Parse a `Relevant Entities` cell (a Python dict literal) safely."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
        raise EntityError(f"Relevant Entities is not a Python literal: {exc}") from None
    if not isinstance(value, dict):
        raise EntityError(f"Relevant Entities is a {type(value).__name__}, expected a dict")
    return value


def values_from_entities(calc: Calculator, entities: Mapping[str, Any]) -> dict[str, Any]:
    """Map benchmark entities to `calc.evaluate` inputs (units kept, so conversion happens in evaluate)."""
    if calc.from_medcalc is not None:
        return calc.from_medcalc(entities)
    values: dict[str, Any] = {}
    for spec in calc.inputs:
        found = [entities[k] for k in spec.medcalc_keys if k in entities]
        if not found:
            continue
        if spec.kind == "bool":
            values[spec.name] = any(bool(v) for v in found)
        elif spec.kind == "number":
            values[spec.name] = _number(found[0])
        else:
            values[spec.name] = found[0]
    return values


def _number(raw: Any) -> Any:
    """[value, unit] stays a pair (with benchmark unit spellings normalised by the unit table)."""
    if isinstance(raw, list | tuple) and len(raw) == 2:
        return (raw[0], str(raw[1]))
    return raw
