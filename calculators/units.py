"""Unit handling at the calculators' boundary.

Inputs arrive in whatever unit the source used (UCUM codes from FHIR and MEDS, free text from
MedCalc-Bench such as "mm hg" or "µmol/L"). This module turns them into the canonical unit a calculator
declares, and nothing else in the package converts units.

- Unit strings are normalised through one alias table (`UNIT_ALIASES`), then parsed by pint.
- Mass <-> substance conversions (mg/dL <-> mmol/L) need the analyte's molar mass (`ANALYTES`);
  equivalents (mEq/L) need its valence. Without an analyte such a conversion is an error, never a guess.
- Conversions are affine (scale, offset); each (from, to, analyte) pair is solved by pint once and cached
  (in memory, and on disk by `calculators.conversion_cache`), so the hot path is one multiply-add and batch
  conversion is vectorised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from calculators import conversion_cache
from calculators.errors import UnitError

# UCUM codes and common free-text spellings -> a pint expression. Keys are matched case-sensitively first,
# then lower-cased (UCUM is case-sensitive: "mL" vs "ML" never clash in practice here).
UNIT_ALIASES: dict[str, str] = {
    # mass / volume concentrations
    "mg/dL": "mg/dL", "mg/dl": "mg/dL", "g/dL": "g/dL", "g/dl": "g/dL", "g/L": "g/L", "g/l": "g/L",
    "mg/L": "mg/L", "ug/dL": "ug/dL", "µg/dL": "ug/dL", "ng/mL": "ng/mL", "ug/mL": "ug/mL",
    # substance concentrations
    "mmol/L": "mmol/L", "mmol/l": "mmol/L", "umol/L": "umol/L", "µmol/L": "umol/L", "μmol/L": "umol/L",
    "umol/l": "umol/L", "µmol/l": "umol/L", "mol/L": "mol/L", "nmol/L": "nmol/L", "pmol/L": "pmol/L",
    # equivalents: handled through the analyte's valence, see `_equivalent_base`
    "mEq/L": "meq/L", "meq/L": "meq/L", "meq/l": "meq/L", "mEq/l": "meq/L",
    "mEq/mL": "meq/mL", "meq/mL": "meq/mL",  # MedCalc-Bench spelling (values are per litre: caught by range)
    # enzyme activity and hormone units (no conversion to mass is defined)
    "U/L": "U/L", "[IU]/L": "U/L", "IU/L": "U/L", "u/L": "U/L",
    "uIU/mL": "uU/mL", "µIU/mL": "uU/mL", "u[IU]/mL": "uU/mL", "mU/L": "mU/L", "m[IU]/L": "mU/L",
    # counts
    "10*3/uL": "1e3/uL", "10^3/uL": "1e3/uL", "10*3/mm3": "1e3/mm**3", "10*9/L": "1e9/L", "x10^9/L": "1e9/L",
    "/uL": "1/uL", "µL": "1/uL", "/µL": "1/uL", "uL": "1/uL", "/mm3": "1/mm**3", "10*6/uL": "1e6/uL",
    # mass, length
    "kg": "kg", "g": "g", "mg": "mg", "ug": "ug", "µg": "ug", "mcg": "ug", "[lb_av]": "lb", "lb": "lb",
    "lbs": "lb", "[oz_av]": "oz", "cm": "cm", "m": "m", "mm": "mm", "[in_i]": "inch", "in": "inch",
    "inch": "inch", "inches": "inch", "[ft_i]": "foot", "ft": "foot",
    "m2": "m**2", "m^2": "m**2", "kg/m2": "kg/m**2", "kg/m^2": "kg/m**2", "kg/(m^2)": "kg/m**2",
    # temperature
    "Cel": "degC", "°C": "degC", "degC": "degC", "degrees celsius": "degC", "C": "degC",
    "[degF]": "degF", "°F": "degF", "degF": "degF", "degrees fahrenheit": "degF", "F": "degF",
    "degrees fahreinheit": "degF",  # MedCalc-Bench v1.0 spelling (sic)
    "degrees celsisus": "degC",  # MedCalc-Bench v1.0 spelling (sic)
    # pressure
    "mm[Hg]": "mmHg", "mmHg": "mmHg", "mm hg": "mmHg", "mm Hg": "mmHg", "kPa": "kPa",
    # MedCalc-Bench v1.0 writes one systolic pressure's unit "s mm hg" (a leftover "s" of "systolic" or
    # "mm Hg's"); seconds times mm Hg is no clinical quantity, so the reading is unambiguous.
    "s mm hg": "mmHg",
    # rates and times
    "/min": "1/min", "1/min": "1/min", "{beats}/min": "1/min", "beats/min": "1/min", "bpm": "1/min",
    "beats per minute": "1/min", "breaths per minute": "1/min", "{breaths}/min": "1/min",
    "ms": "ms", "msec": "ms", "s": "s", "sec": "s", "min": "min", "h": "hour", "hr": "hour",
    "d": "day", "day": "day", "days": "day", "wk": "week", "week": "week", "weeks": "week",
    "a": "year", "year": "year", "years": "year", "yr": "year", "mo": "month", "months": "month",
    "mL/min": "mL/min", "mL/min/{1.73_m2}": "mL/min", "mL/min/1.73m2": "mL/min", "mL/min/1.73 m²": "mL/min",
    "mL/h": "mL/hour", "mL/hr": "mL/hour",
    "mL/day": "mL/day", "mL/d": "mL/day", "mL/24h": "mL/day",
    # infusion doses (vasopressors)
    "ug/kg/min": "ug/kg/min", "µg/kg/min": "ug/kg/min", "mcg/kg/min": "ug/kg/min",
    "mc/kg/min": "ug/kg/min",  # MedCalc-Bench v1.0 typo of mcg/kg/min (no unit "mc" exists)
    # MedCalc-Bench writes cell counts per mm³ as bare "mm^3" (like "µL" above): a count, not a volume
    "mm^3": "1/mm**3", "/mm^3": "1/mm**3",
    # dimensionless
    "%": "percent", "percent": "percent", "1": "dimensionless", "{ratio}": "dimensionless",
    "{score}": "dimensionless", "": "dimensionless",
    # volumes and osmolality (calculator outputs: free water deficit in L, serum osmolality)
    "L": "L", "mOsm/kg": "mOsm/kg",
}

# Count concentrations (cell counts). MedCalc-Bench writes a count by its denominator alone ("µL",
# "mm^3", "L"): its converter (`convert_to_units_per_liter`) reads [8700, 'µL'] as 8700 count/µL. For an
# input whose canonical unit is a count concentration, a bare volume is read the same way; a value that
# is then implausible (11.1 per L) is rejected by the input's range, never rescaled by guesswork.
COUNT_UNITS = frozenset({"10*9/L", "10*3/uL", "10*3/mm3", "/uL", "/mm3", "10*6/uL"})
COUNT_DENOMINATORS: dict[str, str] = {
    "L": "1/L", "l": "1/L", "dL": "1/dL", "mL": "1/mL", "µL": "1/uL", "μL": "1/uL", "uL": "1/uL",
    "mm^3": "1/mm**3", "mm3": "1/mm**3", "mm³": "1/mm**3", "cm^3": "1/cm**3",
    # "m^3" in MedCalc-Bench (its WBC values 3,000-27,000) is per mm³: per cubic metre the same counts would
    # be 10⁹ times below any living patient's, so no reading but mm³ is possible.
    "m^3": "1/mm**3",
}


def count_unit(unit: str, canonical: str | None) -> str:
    """The unit to convert from: a bare volume is a count per that volume when the input is a count."""
    if canonical in COUNT_UNITS:
        return COUNT_DENOMINATORS.get(unit.strip(), unit)
    return unit


# Units that a calculator may declare as canonical and that may be written in short form.
DISPLAY_NAMES: dict[str, str] = {
    "year": "years", "1/min": "/min", "mmHg": "mm Hg", "percent": "%", "degC": "°C", "kg/m**2": "kg/m²",
    "m**2": "m²", "1e3/uL": "×10³/µL", "1e9/L": "×10⁹/L", "uU/mL": "µIU/mL", "umol/L": "µmol/L",
    "meq/L": "mEq/L", "dimensionless": "", "mL/min/{1.73_m2}": "mL/min/1.73 m²", "ms": "msec",
    "ug": "µg", "ug/h": "µg/h", "day": "days",
    "mOsm/kg": "mOsm/kg", "mosm/kg": "mOsm/kg", "mOsm/L": "mOsm/L",  # osmole defined in `registry`
}


@dataclass(frozen=True)
class Analyte:
    """Chemistry needed to convert between mass, substance and equivalent concentrations."""

    name: str
    molar_mass: float | None  # g/mol; None where mass <-> substance is not defined
    valence: int | None = None  # charge, for mEq/L


# Molar masses in g/mol (IUPAC atomic weights; BUN is expressed as nitrogen, 2 N per urea, 28.014 g/mol).
ANALYTES: dict[str, Analyte] = {
    a.name: a
    for a in (
        Analyte("creatinine", 113.12),
        Analyte("glucose", 180.156),
        Analyte("bun", 28.014),  # urea nitrogen: mg/dL of N; 1 mmol urea carries 28.014 mg N
        Analyte("urea", 60.06),
        Analyte("calcium", 40.078, 2),
        Analyte("magnesium", 24.305, 2),
        Analyte("sodium", 22.990, 1),
        Analyte("potassium", 39.098, 1),
        Analyte("chloride", 35.45, 1),
        Analyte("bicarbonate", 61.017, 1),
        Analyte("albumin", 66_500.0),
        Analyte("cholesterol", 386.65),
        Analyte("triglycerides", 885.7),
        Analyte("bilirubin", 584.66),
        Analyte("phosphate", 30.974, None),  # reported as phosphorus
        Analyte("lactate", 89.07, 1),
        Analyte("hemoglobin", None),
    )
}

_NUMBER_WITH_UNIT = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


@cache
def registry():
    """The shared pint registry, built lazily. Parsing pint's definition files costs ~0.3-0.5 s, a tenth of a
    MIMIC demo build, so pint's own cache of the parsed definitions is used (in the user's cache directory,
    keyed by the files' content); where that directory cannot be created, the files are parsed each time."""
    import pint

    try:
        ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=":auto:")
    except OSError:  # no writable cache directory (read-only home): parse the definitions instead
        ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    # Equivalents are declared dimensionally as substance; valence is applied separately.
    ureg.define("meq = 1e-3 * mol")
    ureg.define("U = [enzyme_activity]")
    # Osmoles count dissolved particles; dimensionally a substance amount (1 mOsm/kg of water ~ 1 mmol/kg).
    ureg.define("osmole = mole = Osm")
    return ureg


def normalize_unit(unit: str) -> str:
    """Map a UCUM code or free-text unit to the pint expression used internally."""
    text = unit.strip()
    if text in UNIT_ALIASES:
        return UNIT_ALIASES[text]
    lowered = text.lower()
    for key, value in UNIT_ALIASES.items():
        if key.lower() == lowered:
            return value
    # Not in the table: accept it only if pint understands it as written.
    try:
        registry().parse_units(text)
    except Exception as exc:  # pint raises several unrelated types for bad strings
        raise UnitError(f"unknown unit {unit!r}; use a UCUM code such as mg/dL, umol/L, mm[Hg]") from exc
    return text


def display_unit(unit: str | None) -> str:
    """Human form of a canonical unit for prompts and help text."""
    if unit is None:
        return ""
    if unit in DISPLAY_NAMES:
        return DISPLAY_NAMES[unit]
    norm = normalize_unit(unit)
    return DISPLAY_NAMES.get(norm, norm)


def _magnitude_and_units(norm: str):
    """Split a pint expression with a numeric factor ("1e3/uL") into (1000.0, 1/uL)."""
    ureg = registry()
    factor = re.match(r"^(\d+(?:\.\d*)?(?:e\d+)?)(/.*)?$", norm)
    if factor:
        rest = factor.group(2) or ""
        units = ureg.parse_units("1" + rest) if rest else ureg.dimensionless
        return float(factor.group(1)), units
    return 1.0, ureg.parse_units(norm)


def _is_equivalent(norm: str) -> bool:
    return norm.startswith("meq")


def conversion(from_unit: str, to_unit: str, analyte: str | None = None) -> tuple[float, float]:
    """(scale, offset) such that value_in_to = value_in_from * scale + offset.

    Raises UnitError when the units are unknown or incompatible for this analyte. Both outcomes are
    cached: a benchmark file repeats the same impossible unit on many rows, and asking pint again costs
    about a millisecond each time.
    """
    result = _cached_conversion(from_unit, to_unit, analyte)
    if isinstance(result, UnitError):
        raise UnitError(*result.args)
    return result


@lru_cache(maxsize=4096)
def _cached_conversion(from_unit: str, to_unit: str, analyte: str | None) -> tuple[float, float] | UnitError:
    # Solved once per machine, not once per process: `conversion_cache` keeps the answers on disk, keyed by
    # this module's and pint's definitions, so a warm run never imports pint.
    kept = conversion_cache.lookup(from_unit, to_unit, analyte)
    if kept is not None:
        return UnitError(kept) if isinstance(kept, str) else kept
    try:
        result = _solve_conversion(from_unit, to_unit, analyte)
    except UnitError as exc:
        conversion_cache.remember(from_unit, to_unit, analyte, str(exc))
        return exc
    conversion_cache.remember(from_unit, to_unit, analyte, result)
    return result


conversion.cache_clear = _cached_conversion.cache_clear  # type: ignore[attr-defined]
conversion.cache_info = _cached_conversion.cache_info  # type: ignore[attr-defined]


def _solve_conversion(from_unit: str, to_unit: str, analyte: str | None) -> tuple[float, float]:
    src, dst = normalize_unit(from_unit), normalize_unit(to_unit)
    if src == dst:
        return 1.0, 0.0
    ureg = registry()
    chem = ANALYTES.get(analyte) if analyte else None
    if analyte and chem is None:
        raise UnitError(f"unknown analyte {analyte!r}")
    scale_in = 1.0
    scale_out = 1.0
    # mEq -> mmol: divide by valence (before the pint conversion), mmol -> mEq: multiply (after).
    if _is_equivalent(src) != _is_equivalent(dst):
        if chem is None or chem.valence is None:
            raise UnitError(
                f"cannot convert {from_unit!r} to {to_unit!r} without an analyte valence"
                + (f" (analyte {analyte!r} has none)" if analyte else "")
            )
        if _is_equivalent(src):
            scale_in = 1.0 / chem.valence
        else:
            scale_out = float(chem.valence)
    try:
        src_mag, src_units = _magnitude_and_units(src)
        dst_mag, dst_units = _magnitude_and_units(dst)
        q0 = ureg.Quantity(0.0, src_units)
        q1 = ureg.Quantity(src_mag, src_units)
        try:
            a, b = q0.to(dst_units).magnitude, q1.to(dst_units).magnitude
        except Exception:
            if chem is None or chem.molar_mass is None:
                raise
            with ureg.context("chemistry", mw=chem.molar_mass * ureg("g/mol")):
                a, b = q0.to(dst_units).magnitude, q1.to(dst_units).magnitude
        a, b = a / dst_mag, b / dst_mag
    except UnitError:
        raise
    except Exception as exc:
        hint = f" for analyte {analyte!r}" if analyte else " (no analyte given for a mass/substance conversion)"
        raise UnitError(f"cannot convert {from_unit!r} to {to_unit!r}{hint}") from exc
    scale = (b - a) * scale_in * scale_out
    offset = a * scale_out
    return float(scale), float(offset)


def convert(value: float, from_unit: str, to_unit: str, analyte: str | None = None) -> float:
    """Convert one value; see `conversion`."""
    scale, offset = conversion(from_unit, to_unit, analyte)
    return value * scale + offset


def split_number_unit(text: str) -> tuple[float, str] | None:
    """Split "1.2 mg/dL" into (1.2, "mg/dL"); None when the text does not start with a number."""
    match = _NUMBER_WITH_UNIT.match(text)
    if not match:
        return None
    return float(match.group(1)), match.group(2)


def same_dimension(unit_a: str, unit_b: str, analyte: str | None = None) -> bool:
    """Whether a value in unit_a can be converted to unit_b (for this analyte)."""
    try:
        conversion(unit_a, unit_b, analyte)
    except UnitError:
        return False
    return True
