"""Per-code facts for MEDS data: event kind, display text, UCUM unit and calculator concept.

A MEDS dataset has a few thousand distinct codes and up to billions of events, so everything that depends
only on the code is computed once per distinct code here and joined onto the events, never per event.

Two code shapes are understood:
- MIMIC-IV MEDS (`LAB//50912//mg/dL`, `DIAGNOSIS//ICD//10//E785`, `HOSPITAL_ADMISSION//...`): the unit is
  the last part of a LAB code; MIMIC item ids >= 220000 are charted (ICU) items, lower ids are lab tests.
- vocabulary-prefixed MEDS, as in EHRSHOT (`LOINC/2160-0`, `ICD10CM/I10`, `RxNorm/...`, `Visit/IP`).
"""

from __future__ import annotations

import polars as pl

from ehr_adapters.codes import concept_of, default_unit, display_of
from ehr_adapters.ucum import ucum_unit

VITAL_CONCEPTS = frozenset(
    {
        "heart_rate",
        "respiratory_rate",
        "temperature",
        "systolic_bp",
        "diastolic_bp",
        "mean_bp",
        "spo2",
        "weight",
        "height",
        "bmi",
        "gcs",
        "gcs_eye",
        "gcs_verbal",
        "gcs_motor",
        "fio2",
    }
)

_MIMIC_KINDS = {
    "DIAGNOSIS": "condition",
    "PROCEDURE": "procedure",
    "HCPCS": "procedure",
    "MEDICATION": "medication",
    "INFUSION_START": "medication",
    "INFUSION_END": "medication",
    "HOSPITAL_ADMISSION": "encounter",
    "HOSPITAL_DISCHARGE": "encounter",
    "ICU_ADMISSION": "encounter",
    "ICU_DISCHARGE": "encounter",
    "TRANSFER_TO": "encounter",
    "ED_REGISTRATION": "encounter",
    "ED_OUT": "encounter",
    "SUBJECT_WEIGHT_AT_INFUSION": "vital",
}
_VOCAB_KINDS = {
    "ICD9CM": "condition",
    "ICD10CM": "condition",
    "SNOMED": "condition",
    "RxNorm": "medication",
    "RxNorm Extension": "medication",
    "ATC": "medication",
    "NDC": "medication",
    "CVX": "immunization",
    "CPT4": "procedure",
    "ICD10PCS": "procedure",
    "ICD9Proc": "procedure",
    "HCPCS": "procedure",
    "Visit": "encounter",
}
_MIMIC_CHART_MIN_ID = 220000  # MIMIC-IV icu.d_items ids start here; hosp.d_labitems ids are below


def code_facts(
    code: str, description: str | None = None
) -> tuple[str, str, str | None, str | None, str | None]:
    """(kind, display, UCUM unit, unit problem, concept) for one MEDS code."""
    concept = concept_of(code)
    unit: str | None = None
    problem: str | None = None
    parts = code.split("//")
    head = parts[0]
    if head in ("LAB", "SUBJECT_FLUID_OUTPUT", "SUBJECT_WEIGHT_AT_INFUSION") and len(parts) >= 2:
        raw = parts[-1] if len(parts) >= 3 or head == "SUBJECT_WEIGHT_AT_INFUSION" else None
        try:
            unit = ucum_unit(raw)
        except ValueError:
            problem = f"{raw!r} in code {code!r}"
        if unit is None and problem is None:
            unit = default_unit(code)
    elif code in ("BMI (kg/m2)", "Weight (Lbs)", "Height (Inches)"):
        unit = default_unit(code)
    kind = _kind(code, head, parts, concept)
    display = description or display_of(code) or code
    return kind, display, unit, problem, concept


def _kind(code: str, head: str, parts: list[str], concept: str | None) -> str:
    if head == "LAB" and len(parts) >= 2:
        charted = parts[1].isdigit() and int(parts[1]) >= _MIMIC_CHART_MIN_ID
        if concept in VITAL_CONCEPTS:
            return "vital"
        return "other" if charted and concept is None else "lab"
    if head in _MIMIC_KINDS:
        return _MIMIC_KINDS[head]
    if code.startswith(("Blood Pressure", "Weight (", "BMI (", "Height (")):
        return "vital"
    if "/" in code and "//" not in code:
        vocab = code.split("/", 1)[0]
        if vocab == "LOINC":
            return "vital" if concept in VITAL_CONCEPTS else "lab"
        return _VOCAB_KINDS.get(vocab, "other")
    return "other"


def code_table(codes: list[str], descriptions: dict[str, str] | None = None) -> pl.DataFrame:
    """Facts for each distinct code as a frame (code, kind, display, unit, unit_error, concept)."""
    descriptions = descriptions or {}
    rows = [(c, *code_facts(c, descriptions.get(c))) for c in codes]
    return pl.DataFrame(
        rows,
        schema={
            "code": pl.Utf8,
            "kind": pl.Utf8,
            "display": pl.Utf8,
            "unit": pl.Utf8,
            "unit_error": pl.Utf8,
            "concept": pl.Utf8,
        },
        orient="row",
    )
