"""MedCalc-Bench `Relevant Entities` -> calculator input values, with no entity silently dropped.

The benchmark stores each row's extracted entities as a Python dict literal whose keys are the benchmark's
own names, numbers as `[value, unit]` pairs, findings as booleans and categories as strings. Its releases
spell the same key differently ("Melena Present" in the one-shot rows, "Melena present" in the v1.0 test
split; "FiO2" and "FiO₂"), so keys are compared after `normalize_key` (case, whitespace, punctuation,
unicode sub/superscripts folded). Each calculator declares, in its one file:

- `Input.medcalc_keys`: the keys that carry an input (typos included, e.g. "Congestive Heart Faliure"),
- `Calculator.medcalc_keys`: keys its own `from_medcalc` reads (e.g. MME's per-drug doses),
- `Calculator.medcalc_ignore`: keys deliberately not used, each with the reason.

Any other key is an `UnmappedKeyError` naming the key and the calculator: a key we do not understand may
carry a finding that changes the score, so computing without it would be a silently wrong gold.
Parsing the literal is the adapter's job (`ast.literal_eval`, never `eval`).
"""

from __future__ import annotations

import ast
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from calculators.literal import NotSimple, read_literal
from calculators.parsing import BadValue, parse_bool
from calculators.spec import Calculator, Input


class EntityError(ValueError):
    """The entities cannot be parsed or mapped to this calculator's inputs."""


class UnmappedKeyError(EntityError):
    """An entity key that maps to no input and is not a declared ignore."""

    def __init__(self, key: str, calculator_id: str) -> None:
        self.key, self.calculator_id = key, calculator_id
        super().__init__(
            f"unmapped entity key {key!r} for {calculator_id} (declare it in calculators/defs/"
            f"{calculator_id}.py as an input's medcalc_keys alias or a medcalc_ignore with a reason)"
        )


def parse_entities(text: str) -> dict[str, Any]:
    """Parse a `Relevant Entities` cell (a Python dict literal) safely: `calculators.literal` for the
    benchmark's simple grammar (fast), `ast.literal_eval` for anything else (never `eval`)."""
    try:
        value = read_literal(text)
    except (NotSimple, RecursionError):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
            raise EntityError(f"Relevant Entities is not a Python literal: {exc}") from None
    if not isinstance(value, dict):
        raise EntityError(f"Relevant Entities is a {type(value).__name__}, expected a dict")
    return value


_NOT_WORD = re.compile(r"[^0-9a-z≥≤<>=#+%]+")


@lru_cache(maxsize=4096)
def normalize_key(key: str) -> str:
    """Comparison form of an entity key: NFKC folds sub/superscripts (FiO₂ -> FiO2, m² -> m2), case is
    folded, and runs of whitespace/punctuation become one space. Comparison symbols (≥, <, %) are kept:
    they change a key's meaning ("Symptom onset ≤3 days")."""
    text = unicodedata.normalize("NFKC", str(key)).casefold()
    return _NOT_WORD.sub(" ", text).strip()


_INDEXES: dict[int, tuple[Calculator, dict[str, tuple[str, str]], dict[str, str]]] = {}


def _index(calc: Calculator) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """normalized key -> (input name or "", declared spelling); and normalized ignore -> reason.
    Cached per calculator object (declarations hold dicts, so they are not hashable)."""
    hit = _INDEXES.get(id(calc))
    if hit is not None and hit[0] is calc:
        return hit[1], hit[2]
    keys: dict[str, tuple[str, str]] = {}
    for spec in calc.inputs:
        for key in spec.medcalc_keys:
            keys.setdefault(normalize_key(key), (spec.name, key))
    for key in calc.medcalc_keys:
        keys.setdefault(normalize_key(key), ("", key))
    ignores = {normalize_key(k): why for k, why in calc.medcalc_ignore.items()}
    if len(_INDEXES) > 1024:  # calculators built on the fly (tests) must not grow this without bound
        _INDEXES.clear()
    _INDEXES[id(calc)] = (calc, keys, ignores)
    return keys, ignores


def declared_key(calc: Calculator, key: str) -> tuple[str, str] | str:
    """(input name or "" for from_medcalc keys, declared spelling), or the ignore reason (a str);
    raises UnmappedKeyError for a key the calculator does not declare."""
    keys, ignores = _index(calc)
    norm = normalize_key(key)
    if norm in keys:
        return keys[norm]
    if norm in ignores:
        return ignores[norm]
    raise UnmappedKeyError(key, calc.id)


def canonical_entities(calc: Calculator, entities: Mapping[str, Any]) -> dict[str, Any]:
    """Entities re-keyed to the calculator's declared spellings, declared ignores dropped; raises
    UnmappedKeyError for an unknown key and EntityError when two spellings of one key disagree."""
    out: dict[str, Any] = {}
    for key, value in entities.items():
        found = declared_key(calc, key)
        if isinstance(found, str):
            continue  # a declared ignore (its reason is in the declaration and docs/calculators.md)
        spelling = found[1]
        if spelling in out and out[spelling] != value:
            raise EntityError(f"{calc.id}: {key!r}={value!r} contradicts {spelling!r}={out[spelling]!r}")
        out[spelling] = value
    return out


def values_from_entities(calc: Calculator, entities: Mapping[str, Any]) -> dict[str, Any]:
    """Map benchmark entities to `calc.evaluate` inputs (units kept, so conversion happens in evaluate)."""
    canonical = canonical_entities(calc, entities)
    if calc.from_medcalc is not None:
        return calc.from_medcalc(canonical)
    return inputs_from_keys(calc, canonical)


def inputs_from_keys(calc: Calculator, entities: Mapping[str, Any]) -> dict[str, Any]:
    """The default mapping (one input per declared key; several keys of one yes/no input are OR-ed) on
    entities already re-keyed by `canonical_entities`. `from_medcalc` hooks start from this."""
    values: dict[str, Any] = {}
    for spec in calc.inputs:
        found = [entities[k] for k in spec.medcalc_keys if k in entities]
        if not found:
            continue
        if spec.kind == "bool":
            values[spec.name] = any(_truth(v, calc, spec) for v in found)
        elif spec.kind == "number":
            values[spec.name] = _number(found[0])
        else:
            values[spec.name] = found[0]
    return values


def _truth(value: Any, calc: Calculator, spec: Input) -> bool:
    """A finding: a bool, 0/1, or a yes/no word (an input's `aliases` may map the benchmark's own words,
    e.g. Charlson's "Severe" for kidney disease); never Python truthiness ("absent" is not True)."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        value = next((v for k, v in spec.aliases.items() if k.lower() == lowered), value)
    try:
        return parse_bool(value)
    except BadValue:
        raise EntityError(f"{calc.id}: {spec.name}={value!r} is not a yes/no finding") from None


def _number(raw: Any) -> Any:
    """[value, unit] stays a pair (with benchmark unit spellings normalised by the unit table)."""
    if isinstance(raw, list | tuple) and len(raw) == 2:
        return (raw[0], str(raw[1]))
    return raw
