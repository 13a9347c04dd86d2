"""Answer units: a closed grammar of clinical unit spellings, and conversion to the gold's unit.

A model writes "135 mEq/L", "72 mL/min/1.73 m²", "98.6 °F". The unit after the number is looked up in
`ANSWER_UNITS`, a fixed table of UCUM codes and the common clinical spellings, each mapped to a code of
`calculators.units.UNIT_ALIASES`; nothing else is a unit. No free-form unit parser (pint) ever sees model
text, so "4f", "4 !l" or "4:.BF-B$g" are `unknown_unit`, never °F or litres. Lookup is exact, then
case-insensitive for spellings of three or more characters ("MG/DL"); one- and two-letter units are
case-sensitive, because "f" and "F", "m" and "M" differ.

    answer_unit("mEq/L")                              -> "mEq/L"
    to_gold_unit(135.4, "mEq/L", "mmol/L", "sodium")   -> 135.4      (monovalent ion: 1 mEq = 1 mmol)
    to_gold_unit(3.0, "kg", UNITLESS, None)            -> AnswerValueError("wrong_unit")

`UNITLESS` is the target of a gold that declares no unit (a score, a ratio): any unit written on such an
answer is wrong, except the words "points"/"score". The analyte the gold records decides mass <-> substance
conversions (mg/dL <-> mmol/L) and equivalents (mEq/L <-> mmol/L: valence 1 for sodium, potassium,
chloride, bicarbonate). `MONOVALENT_IONS` is the analyte of results that are sums or differences of
monovalent ions (anion gap, delta gap): for them only mEq/L <-> mmol/L is defined. `WATER` is the analyte of
a volume of body water (free water deficit): a mass of water reads as its volume at 1 kg/L, the convention
total body water itself rests on (TBW in L = a fraction of the weight in kg), and MedCalc-Bench asks one
free-water-deficit question "in terms of kg".
"""

from __future__ import annotations

from functools import lru_cache

from calculators.errors import UnitError
from calculators.units import ANALYTES, UNIT_ALIASES, conversion, normalize_unit

UNITLESS = "{unitless}"  # target of a gold without a unit
MONOVALENT_IONS = "monovalent_ions"
WATER = "water"
# What a gold's "analyte" may name: a chemical analyte of the unit table, or one of the two above.
GOLD_ANALYTES = frozenset({*ANALYTES, MONOVALENT_IONS, WATER})
WORD_UNITS = frozenset({"point", "points", "pts", "pt", "score", "units"})

# Codes of the unit table that are too ambiguous to read after a number in free text ("4 a" is not
# 4 years, "72 1" is two numbers, "5 uL" as a count is a MedCalc-Bench quirk, not an answer unit).
_NOT_ANSWER_UNITS = frozenset({"", "1", "a", "µL", "uL", "mm^3", "{ratio}", "{score}", "degrees fahreinheit"})

# Common spellings that are not keys of the unit table, mapped to a key that is.
_EXTRA: dict[str, str] = {
    "mmol/l": "mmol/L", "mEq/L": "mEq/L", "meq/l": "meq/l", "mEq/liter": "mEq/L", "mmol/liter": "mmol/L",
    "mg/dl": "mg/dL", "ml/min/1.73m2": "mL/min/1.73m2", "mL/min/1.73 m2": "mL/min/1.73m2",
    "ml/min/1.73 m2": "mL/min/1.73m2", "mL/min/1.73m²": "mL/min/1.73m2", "mL/min/1.73 m²": "mL/min/1.73m2",
    "ml/min/1.73 m²": "mL/min/1.73m2", "mL/min/1.73m^2": "mL/min/1.73m2", "mL/min/1.73 m^2": "mL/min/1.73m2",
    "mL/min/{1.73_m2}": "mL/min/{1.73_m2}", "ml/min": "mL/min", "mL/min": "mL/min",
    "kg/m²": "kg/m2", "kg/m 2": "kg/m2", "m²": "m2", "m 2": "m2", "sq m": "m2",
    "mL/hr": "mL/hr", "ml/hr": "mL/hr", "ml/h": "mL/h", "mL/hour": "mL/h", "ml/hour": "mL/h",
    "cc/hr": "mL/hr", "cc/h": "mL/h",
    "L": "L", "l": "L", "liters": "L", "litres": "L", "liter": "L", "litre": "L", "mL": "mL", "ml": "mL",
    "mOsm/kg": "mOsm/kg", "mosm/kg": "mOsm/kg", "mOsm/kg H2O": "mOsm/kg", "mOsm/L": "mOsm/L",
    "msec": "msec", "milliseconds": "ms", "mm Hg": "mm Hg", "mmhg": "mmHg",
    "°C": "°C", "° C": "°C", "°F": "°F", "° F": "°F",
    "kilograms": "kg", "kgs": "kg", "grams": "g", "milligrams": "mg", "mg/day": "mg/d", "mg/d": "mg/d",
    "U/L": "U/L", "IU/L": "IU/L", "years old": "years", "y": "year", "yo": "year", "wks": "weeks",
}
# Units that are not keys of `calculators.units.UNIT_ALIASES` but that `normalize_unit` reads safely:
# pint expressions fixed here (not model text).
_PINT_CODES = frozenset({"L", "mL", "mOsm/kg", "mOsm/L", "mg/d"})


def _build() -> tuple[dict[str, str], dict[str, str]]:
    exact = {k: k for k in UNIT_ALIASES if k not in _NOT_ANSWER_UNITS}
    exact.update(_EXTRA)
    folded: dict[str, str] = {}
    for spelling, code in exact.items():
        if len(spelling) >= 3:
            folded.setdefault(spelling.lower(), code)
    return exact, folded


ANSWER_UNITS, _FOLDED = _build()


def answer_unit(text: str) -> str | None:
    """The unit-table code for a unit spelling written after a number, or None when it is not a unit."""
    if len(text) > 40:
        return None
    code = ANSWER_UNITS.get(text)
    if code is None and len(text) >= 3:
        code = _FOLDED.get(text.lower())
    if code is None and " " in text:  # "mL / min", "kg / m2": spaces around operators only
        squeezed = " ".join(text.split()).replace(" / ", "/").replace("/ ", "/").replace(" /", "/")
        if squeezed != text:
            return answer_unit(squeezed)
    return code


def is_word_unit(text: str) -> bool:
    return text.lower() in WORD_UNITS


@lru_cache(maxsize=4096)
def _scale(code: str, target: str, analyte: str | None) -> tuple[float, float] | None:
    """(scale, offset) from `code` to `target`, or None when they are incompatible for this analyte."""
    if analyte == MONOVALENT_IONS:
        try:
            src, dst = normalize_unit(code), normalize_unit(target)
        except UnitError:
            return None
        if {src, dst} <= {"meq/L", "mmol/L"}:
            return 1.0, 0.0
        analyte = None
    if analyte == WATER:
        return _water_scale(code, target)
    try:
        return conversion(code, target, analyte)
    except UnitError:
        return None


def _water_scale(code: str, target: str) -> tuple[float, float] | None:
    """`_scale` for a volume of water: volume to volume and mass to mass as usual; a mass to a volume, or a
    volume to a mass, through 1 kg = 1 L."""
    try:
        return conversion(code, target)
    except UnitError:
        pass
    for source_side, target_side in (("kg", "L"), ("L", "kg")):
        try:
            first, second = conversion(code, source_side), conversion(target_side, target)
        except UnitError:
            continue
        return first[0] * second[0], first[1] * second[0] + second[1]
    return None


def to_gold_unit(number: float, code: str, target: str | None, analyte: str | None) -> float | None:
    """`number` written in unit `code` (an `ANSWER_UNITS` value), in the gold's unit.

    `target` None: the gold's unit is not known (the number is kept as written); `UNITLESS`: the gold has
    no unit, so a unit makes the answer wrong (None). None is also returned for an incompatible unit.
    """
    if target is None:
        return number
    if target == UNITLESS:
        return None
    scale = _scale(code, target, analyte)
    if scale is None:
        return None
    return number * scale[0] + scale[1]
