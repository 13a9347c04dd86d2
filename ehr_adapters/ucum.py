"""Source unit text → UCUM: known spellings mapped (`ucum_unit`), and a UCUM syntax check (`is_ucum`).

MIMIC writes units as free text inside the code (`mEq/L`, `K/uL`, `°F`, `mm Hg`, `UNK`). `ucum_unit` turns
the ones we know into UCUM codes; `is_ucum` is a syntax check (ASCII, no spaces, balanced brackets) used to
flag units that cannot be UCUM at all. Why apart from `ehr_adapters.codes`: units are checked by every
reader (FHIR quantities, MEDS codes) independently of what a code means.
"""

from __future__ import annotations

import re
from functools import lru_cache

UCUM_SYSTEM = "http://unitsofmeasure.org"

# Free-text units seen in MIMIC / MEDS codes -> UCUM. None means "no usable unit" (UNK, N/A, blank).
# fmt: off
_UNIT_TO_UCUM: dict[str, str | None] = {
    "mEq/L": "meq/L", "mEq/l": "meq/L", "K/uL": "10*3/uL", "k/uL": "10*3/uL", "m/uL": "10*6/uL",
    "mm Hg": "mm[Hg]", "mmHg": "mm[Hg]", "cmH2O": "cm[H2O]", "bpm": "/min", "insp/min": "/min",
    "breaths/min": "/min", "°F": "[degF]", "°C": "Cel", "Deg. F": "[degF]", "Deg. C": "Cel",
    "Inch": "[in_i]", "inch": "[in_i]", "in": "[in_i]", "lb": "[lb_av]", "lbs": "[lb_av]", "KG": "kg",
    "g/dl": "g/dL", "mg/dl": "mg/dL", "IU/L": "[IU]/L", "IU/mL": "[IU]/mL", "uIU/mL": "u[IU]/mL",
    "mIU/mL": "m[IU]/mL", "sec": "s", "msec": "ms", "hrs": "h", "hr": "h", "ml": "mL", "ml/hr": "mL/h",
    "mL/hr": "mL/h", "ml/min": "mL/min", "ml/kg": "mL/kg", "mm/hr": "mm/h", "mg/24hr": "mg/(24.h)",
    "Liters": "L", "mOsm/kg": "mosm/kg", "#/hpf": "/[HPF]", "/hpf": "/[HPF]", "#/lpf": "/[LPF]",
    "#/uL": "/uL", "Ratio": "{ratio}", "mL/beat": "mL/{beat}", "dynes.sec.cm-5/m2": "dyn.s.cm-5/m2",
    "dynes*sec/cm5/m2": "dyn.s.cm-5/m2", "dynes*sec/cm5": "dyn.s.cm-5", "MPL": "[MPL'U]/mL",
    "GPL": "[GPL'U]/mL", "U/g/Hb": "U/g{Hb}", "ng/mL FEU": "ng/mL{FEU}", "mcg/kg/min": "ug/kg/min",
    "mmol/l": "mmol/L", "units": None, "UNK": None, "N/A": None, "+/-": None, "": None,
}
# fmt: on


def ucum_unit(raw: str | None) -> str | None:
    """A source unit as UCUM: known spellings are mapped, UCUM-looking text is kept, `UNK`/empty is None.

    Raises ValueError for text that cannot be UCUM (spaces, non-ASCII) and is not in the alias table, so
    callers can report it rather than pass a wrong unit on.
    """
    if raw is None:
        return None
    text = raw.strip()
    if text in _UNIT_TO_UCUM:
        return _UNIT_TO_UCUM[text]
    if is_ucum(text):
        return text
    raise ValueError(f"unit {raw!r} is not UCUM and has no known UCUM equivalent")


@lru_cache(maxsize=4096)  # a dataset has few distinct units and checks them once per value
def is_ucum(unit: str) -> bool:
    """Whether `unit` parses as a case-sensitive UCUM expression built from common atoms.

    A deliberately small grammar: terms joined by "." and "/", each a prefixed atom with an optional
    exponent and annotation, a bare annotation ("{score}"), an integer factor, or a parenthesised term.
    It accepts what EHR extracts use (mg/dL, 10*3/uL, mm[Hg], meq/L, /min, Cel, kg/m2, {score}) and
    rejects free text ("mEq/L" is not case-sensitive UCUM, "mm Hg", "°F", "N/A").
    """
    return bool(unit) and unit.isascii() and " " not in unit and _parse_term(unit, 0) == len(unit)


# Case-sensitive UCUM atoms common in clinical data (metric ones may take a prefix).
_UCUM_ATOMS = frozenset(
    "m s g rad K C cd L l min h d wk mo a mol eq osm Cel [degF] % [ppm] [ppb] [ppth] [pH] U [IU] [iU] kat Pa "
    "bar atm m[Hg] m[H2O] [in_i] [ft_i] [yd_i] [mi_i] [lb_av] [oz_av] [gr] [drp] V A Ohm W J cal [Cal] Hz N "
    "dyn erg [HPF] [LPF] [CFU] [GPL'U] [MPL'U] [APL'U] [arb'U] [USP'U] 10* 10^ Bq Ci Gy Sv t u ar sr S F T "
    "Wb H lm lx".split()
)
_UCUM_PREFIXES = ("da", "Y", "Z", "E", "P", "T", "G", "M", "k", "h", "d", "c", "m", "u", "n", "p", "f", "a")
_RUN = re.compile(r"[^./(){}]+")
_UNIT_EXP = re.compile(r"(.*?)([+-]?\d+)?")


def _is_atom(text: str) -> bool:
    if text in _UCUM_ATOMS:
        return True
    return any(text.startswith(p) and text[len(p) :] in _UCUM_ATOMS for p in _UCUM_PREFIXES)


def _parse_term(text: str, i: int) -> int:
    """Parse a UCUM term from position i; returns the end position, or -1 when it does not parse."""
    if i < len(text) and text[i] == "/":  # a leading "/" means 1/...
        i += 1
    while True:
        i = _parse_component(text, i)
        if i < 0 or i == len(text) or text[i] not in "./":
            return i
        i += 1


def _parse_component(text: str, i: int) -> int:
    if i >= len(text):
        return -1
    if text[i] == "(":
        end = _parse_term(text, i + 1)
        return end + 1 if 0 <= end < len(text) and text[end] == ")" else -1
    if text[i] == "{":
        close = text.find("}", i)
        return close + 1 if close > 0 else -1
    run = _RUN.match(text, i)
    if run is None:
        return -1
    unit, _exp = _UNIT_EXP.fullmatch(run.group()).groups()
    if unit and not _is_atom(unit):
        return -1
    end = run.end()
    if end < len(text) and text[end] == "{":  # annotation attached to the unit: mL/{beat}, g{Hb}
        close = text.find("}", end)
        return close + 1 if close > 0 else -1
    return end
