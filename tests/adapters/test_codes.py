"""Code -> concept / display (ehr_adapters.codes) and unit -> UCUM (ehr_adapters.ucum) tables."""

import pytest

from ehr_adapters.codes import CONCEPTS, concept_of, default_unit, display_of
from ehr_adapters.ucum import is_ucum, ucum_unit

# The calculators fill inputs by these names (the contract with the task builders).
CONTRACT_CONCEPTS = (
    "creatinine sodium potassium chloride bicarbonate bun glucose albumin bilirubin inr platelets wbc hemoglobin "
    "heart_rate respiratory_rate temperature systolic_bp diastolic_bp mean_bp spo2 weight height bmi gcs"
).split()


def test_every_contract_concept_has_a_loinc_code():
    assert set(CONTRACT_CONCEPTS) <= set(CONCEPTS)
    for concept in CONTRACT_CONCEPTS:
        assert any(concept_of(code) == concept for code in _loinc_codes_for(concept)), concept


def _loinc_codes_for(concept):
    from ehr_adapters.codes import _LOINC_BY_CONCEPT

    return _LOINC_BY_CONCEPT[concept]


@pytest.mark.parametrize(
    ("code", "system", "concept"),
    [
        ("2160-0", "http://loinc.org", "creatinine"),
        ("http://loinc.org|2951-2", "", "sodium"),
        ("LOINC/2823-3", "", "potassium"),
        ("8480-6", "", "systolic_bp"),
        ("2028-9", "http://loinc.org", "bicarbonate"),  # Synthea's "Carbon dioxide" panel member
        ("LAB//50912//mg/dL", "", "creatinine"),
        ("LAB//50983//mEq/L", "", "sodium"),
        ("LAB//220045//bpm", "", "heart_rate"),
        ("LAB//220179//mmHg", "", "systolic_bp"),
        ("LAB//223761//°F", "", "temperature"),
        ("LAB//51265//K/uL", "", "platelets"),
        ("LAB//51237//UNK", "", "inr"),
        ("Weight (Lbs)", "", "weight"),
    ],
)
def test_concept_of_known_codes(code, system, concept):
    assert concept_of(code, system) == concept


@pytest.mark.parametrize(
    ("code", "system"),
    [
        ("2160-0", "http://snomed.info/sct"),
        ("LAB//99999999//mg/dL", ""),
        ("DIAGNOSIS//ICD//10//I10", ""),
        ("", ""),
    ],
)
def test_concept_of_unknown_is_none(code, system):
    # a LOINC number under another system is not LOINC; unknown MIMIC items are not guessed
    assert concept_of(code, system) is None


def test_display_of_reads_code_shapes():
    assert display_of("LAB//50912//mg/dL") == "Creatinine"
    assert display_of("2160-0", "http://loinc.org") == "Creatinine"
    assert display_of("DIAGNOSIS//ICD//10//I10") == "Essential (primary) hypertension (ICD-10 I10)"
    assert display_of("ICD9CM/401.9") == "Unspecified essential hypertension (ICD-9 4019)"
    assert display_of("DIAGNOSIS//ICD//10//Q999") == "ICD-10 Q999"  # not in the table: the code, not a guess
    assert display_of("MEDICATION//START//Insulin") == "Insulin (start)"
    assert (
        display_of("HOSPITAL_ADMISSION//EW EMER.//EMERGENCY ROOM")
        == "Hospital admission (EW EMER., EMERGENCY ROOM)"
    )
    assert display_of("LAB//12345//mg/dL") == "MIMIC item 12345"
    assert display_of("SOMETHING_ELSE") is None


@pytest.mark.parametrize(
    ("raw", "ucum"),
    [
        ("mEq/L", "meq/L"),
        ("K/uL", "10*3/uL"),
        ("mm Hg", "mm[Hg]"),
        ("°F", "[degF]"),
        ("°C", "Cel"),
        ("bpm", "/min"),
        ("Inch", "[in_i]"),
        ("UNK", None),
        ("", None),
        (None, None),
        ("mg/dL", "mg/dL"),
        ("cmH2O", "cm[H2O]"),
    ],
)
def test_ucum_unit_maps_mimic_spellings(raw, ucum):
    assert ucum_unit(raw) == ucum


@pytest.mark.parametrize("raw", ["log10 IU/mL", "mg %", "°K/s", "per day"])
def test_ucum_unit_rejects_free_text(raw):
    with pytest.raises(ValueError, match="not UCUM"):
        ucum_unit(raw)


@pytest.mark.parametrize(
    "unit",
    [
        "mg/dL",
        "10*3/uL",
        "mm[Hg]",
        "meq/L",
        "/min",
        "Cel",
        "kg/m2",
        "{score}",
        "1",
        "%",
        "[degF]",
        "mL/min/{1.73_m2}",
        "u[IU]/mL",
        "dyn.s.cm-5/m2",
        "mg/(24.h)",
        "U/g{Hb}",
        "10^9/L",
        "[lb_av]",
    ],
)
def test_is_ucum_accepts(unit):
    assert is_ucum(unit)


@pytest.mark.parametrize(
    "unit",
    ["mEq/L", "mm Hg", "°F", "Ratio", "Liters", "hrs", "", "mg%", "mL/min/1.73m2", "mg/dL)", "(mg", "{x"],
)
def test_is_ucum_rejects(unit):
    assert not is_ucum(unit)


def test_default_unit_for_unk_items():
    assert default_unit("LAB//223900//UNK") == "{score}"  # GCS verbal
    assert default_unit("LAB//51237//UNK") == "1"  # INR is a ratio
    assert default_unit("LAB//424242//UNK") is None
