"""The unit table and analyte-aware conversions of `calculators.units`.

    cd /work/main && python -m pytest tests/calculators/test_units.py -q

Expected factors are the published SI conversion factors for clinical laboratory data (Young DS.
Implementation of SI units for clinical laboratory data. Ann Intern Med 1987;106:114-29, the table most
clinical references reproduce), not values computed by our code. Those tables round to 3-4 significant
digits, so conversions are compared at 0.1 %; definitions (inch, pound, °F) are compared exactly.
"""

from __future__ import annotations

import pytest

from calculators.errors import UnitError
from calculators.units import (
    conversion,
    convert,
    display_unit,
    normalize_unit,
    same_dimension,
    split_number_unit,
)

TABLE_REL = 1e-3  # the reference tables' rounding


# -- the alias table: UCUM codes and the spellings seen in MedCalc-Bench -----------------------------------


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("mg/dL", "mg/dL"),
        ("umol/L", "umol/L"),
        ("µmol/L", "umol/L"),
        ("μmol/L", "umol/L"),  # Greek mu as well as the micro sign
        ("mmol/L", "mmol/L"),
        ("MMOL/L", "mmol/L"),  # matched case-insensitively as a fallback
        ("mEq/L", "meq/L"),
        ("g/dL", "g/dL"),
        ("g/L", "g/L"),
        ("[lb_av]", "lb"),
        ("lbs", "lb"),
        ("[in_i]", "inch"),
        ("in", "inch"),
        ("Cel", "degC"),
        ("degrees celsius", "degC"),
        ("[degF]", "degF"),
        ("mm[Hg]", "mmHg"),
        ("mm hg", "mmHg"),
        ("%", "percent"),
        ("/min", "1/min"),
        ("beats per minute", "1/min"),
        ("µIU/mL", "uU/mL"),
        ("kg/m^2", "kg/m**2"),
        ("µL", "1/uL"),  # MedCalc-Bench writes a count per µL as "µL"
    ],
)
def test_alias_table(spelling: str, canonical: str) -> None:
    assert normalize_unit(spelling) == canonical


@pytest.mark.parametrize(
    ("unit", "shown"),
    [
        ("umol/L", "µmol/L"),
        ("mm[Hg]", "mm Hg"),
        ("mEq/L", "mEq/L"),
        ("10*9/L", "×10⁹/L"),
        ("mOsm/kg", "mOsm/kg"),
    ],
)
def test_display_names(unit: str, shown: str) -> None:
    assert display_unit(unit) == shown


# -- analyte-aware conversions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target", "analyte", "factor"),
    [
        # Young 1987: creatinine mg/dL × 88.4 = µmol/L (88.42 with 113.1 g/mol)
        ("mg/dL", "umol/L", "creatinine", 88.42),
        # glucose mg/dL × 0.05551 = mmol/L, i.e. 18.016 mg/dL per mmol/L
        ("mmol/L", "mg/dL", "glucose", 18.016),
        # urea nitrogen mg/dL × 0.357 = mmol/L urea, i.e. 2.801 mg/dL per mmol/L
        ("mmol/L", "mg/dL", "bun", 2.801),
        # calcium mg/dL × 0.2495 = mmol/L, i.e. 4.008 mg/dL per mmol/L; 1 mmol/L = 2 mEq/L (divalent)
        ("mmol/L", "mg/dL", "calcium", 4.008),
        ("mmol/L", "mEq/L", "calcium", 2.0),
        ("mEq/L", "mg/dL", "calcium", 2.004),
        # cholesterol mg/dL × 0.02586 = mmol/L, i.e. 38.67 mg/dL per mmol/L
        ("mmol/L", "mg/dL", "cholesterol", 38.67),
        # triglycerides mg/dL × 0.01129 = mmol/L, i.e. 88.57 mg/dL per mmol/L
        ("mmol/L", "mg/dL", "triglycerides", 88.57),
        # bilirubin mg/dL × 17.1 = µmol/L
        ("mg/dL", "umol/L", "bilirubin", 17.1),
        # albumin g/dL × 10 = g/L (same mass unit, volume only)
        ("g/dL", "g/L", "albumin", 10.0),
        # sodium: monovalent, mEq/L = mmol/L
        ("mEq/L", "mmol/L", "sodium", 1.0),
    ],
)
def test_analyte_conversions(source: str, target: str, analyte: str, factor: float) -> None:
    scale, offset = conversion(source, target, analyte)
    assert offset == 0.0
    assert scale == pytest.approx(factor, rel=TABLE_REL)
    back, _ = conversion(target, source, analyte)
    assert back * scale == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (1.0, "[lb_av]", "kg", 0.45359237),  # international avoirdupois pound (exact)
        (1.0, "[in_i]", "cm", 2.54),  # international inch (exact)
        (98.6, "[degF]", "Cel", 37.0),  # affine: (°F − 32) × 5/9
        (-40.0, "Cel", "[degF]", -40.0),
        (1.0, "kPa", "mm[Hg]", 7.50062),  # 1 mm Hg = 133.322 Pa
        (50.0, "%", "1", 0.5),
        (72.0, "beats per minute", "/min", 72.0),
        (181000.0, "/uL", "10*9/L", 181.0),  # platelets: 10⁹/L = 10³/µL
        (15.0, "months", "year", 1.25),
        (3200.0, "g", "kg", 3.2),
    ],
)
def test_physical_conversions(value: float, source: str, target: str, expected: float) -> None:
    assert convert(value, source, target) == pytest.approx(expected, rel=1e-6)


def test_calculator_output_units_are_in_the_alias_table() -> None:
    assert normalize_unit("L") == "L" and normalize_unit("mOsm/kg") == "mOsm/kg"
    assert conversion("L", "mL") == pytest.approx((1000.0, 0.0))  # still converted by pint
    assert display_unit("mosm/kg") == "mOsm/kg"


def test_conversions_are_cached_per_triple() -> None:
    conversion.cache_clear()
    conversion("mg/dL", "umol/L", "creatinine")
    conversion("mg/dL", "umol/L", "creatinine")
    info = conversion.cache_info()
    assert (info.hits, info.misses) == (1, 1)


# -- errors -------------------------------------------------------------------------------------------


def test_unknown_unit() -> None:
    with pytest.raises(UnitError, match="unknown unit 'blorps/dL'"):
        conversion("blorps/dL", "mg/dL", "creatinine")


def test_mass_to_substance_needs_an_analyte() -> None:
    with pytest.raises(UnitError, match="no analyte"):
        conversion("mg/dL", "mmol/L")


def test_equivalents_need_a_valence() -> None:
    with pytest.raises(UnitError, match="valence"):
        conversion("mEq/L", "mmol/L")
    with pytest.raises(UnitError, match="valence"):
        conversion("mEq/L", "mmol/L", "glucose")  # glucose carries no charge


def test_unknown_analyte() -> None:
    with pytest.raises(UnitError, match="unknown analyte"):
        conversion("mg/dL", "mmol/L", "unobtainium")


@pytest.mark.parametrize(
    ("a", "b", "analyte", "expected"),
    [
        ("mg/dL", "umol/L", "creatinine", True),
        ("mg/dL", "umol/L", None, False),
        ("kg", "[lb_av]", None, True),
        ("kg", "cm", None, False),
    ],
)
def test_same_dimension(a: str, b: str, analyte: str | None, expected: bool) -> None:
    assert same_dimension(a, b, analyte) is expected


# -- number-with-unit strings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.2 mg/dL", (1.2, "mg/dL")),
        ("  140mmol/L ", (140.0, "mmol/L")),
        ("-3.5e2 U/L", (-350.0, "U/L")),
        (".5 g/dL", (0.5, "g/dL")),
        ("72", (72.0, "")),
        ("mg/dL 1.2", None),
        ("", None),
    ],
)
def test_split_number_unit(text: str, expected: tuple[float, str] | None) -> None:
    assert split_number_unit(text) == expected
