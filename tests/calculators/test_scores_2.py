"""Point-score calculators, group 2: Glasgow-Blatchford, APACHE II, PSI, Charlson, Caprini, SOFA.

Every expected value below is read off the primary publication's table (cited per calculator) for the
one finding a test changes; the rest of the patient is held in the table's zero band.
Run: python -m pytest tests/calculators/test_scores_2.py -q
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import calculators
from calculators.errors import InputError
from calculators.medcalc import parse_entities, values_from_entities

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO.parent / "shared" / "data" / "medcalc-bench"
IDS = {27: "glasgow_blatchford", 28: "apache_ii", 29: "psi_port", 32: "charlson", 36: "caprini", 43: "sofa"}

# Benchmark rows whose label we contradict on the primary source: {(file, row number): reason}. None so far.
KNOWN_LABEL_ERRORS: dict[tuple[str, int], str] = {}
# Benchmark rows whose entities cannot be used as given: {(file, row number): reason}. None so far.
ENTITY_ERRORS: dict[tuple[str, int], str] = {}

# Entity keys MedCalc-Bench uses for these calculators (MedCalc-Bench-Verified
# calculator_implementations/name_to_python.json); each must map to an input or be ignored for a reason.
BENCHMARK_KEYS = {
    "glasgow_blatchford": (
        "Heart Rate or Pulse|Blood Urea Nitrogen (BUN)|sex|Cardiac Failure Present|Hemoglobin|"
        "Melena Present|Systolic Blood Pressure|Recent Syncope|Hepatic disease history"
    ),
    "apache_ii": (
        "History of severe organ failure or immunocompromise|age|Temperature|Mean arterial pressure|pH|"
        "Heart Rate or Pulse|respiratory rate|Sodium|Potassium|creatinine|Acute renal failure|"
        "Chronic renal failure|Hematocrit|White blood cell count|Glasgow Coma Score|FiO2|PaO2|"
        "A-a gradient|Diastolic Blood Pressure|Systolic Blood Pressure|Surgery Type"
    ),
    "psi_port": (
        "Heart Rate or Pulse|pH|Systolic Blood Pressure|Blood Urea Nitrogen (BUN)|Renal disease history|"
        "Cerebrovascular disease history|Neoplastic disease|Sodium|Liver disease history|"
        "Congestive Heart Failure|Nursing home resident|Partial pressure of oxygen|age|respiratory rate|"
        "sex|Hematocrit|Glucose|Temperature|Pleural effusion on x-ray|Altered mental status"
    ),
    "charlson": (
        "age|Myocardial infarction|Congestive Heart Failure|Peripheral vascular disease|"
        "Cerebrovascular Accident|Transient Ischemic Attacks History|Dementia|Chronic Pulmonary Disease|"
        "Connective tissue disease|Peptic ulcer disease|Liver disease severity|Diabetes mellitus|"
        "Hemiplegia|Moderate to severe Chronic Kidney Disease|Solid tumor|Leukemia|Lymphoma|AIDS"
    ),
    "caprini": (
        "age|sex|Surgery Type|Major Surgery in the last month|Congestive Heart Failure in the last month|"
        "Sepsis in the last month|Pneumonia in the last month|Immobilizing plaster cast in the last month|"
        "Hip, pelvis, or leg fracture in the last month|Stroke in the last month|"
        "Multiple trauma in the last month|Acute spinal cord injury causing paralysis in the last month|"
        "Varicose veins|Current swollen legs|Current central venous access|"
        "Previously documented Deep Vein Thrombosis|Previously Documented Pulmonary Embolism|"
        "Family history of thrombosis|Positive Factor V Leiden|Positive prothrombin 20210A|"
        "Elevated serum homocysteine|Positive lupus anticoagulant|Elevated anticardiolipin antibody|"
        "Heparin-induced thrombocytopenia|Other congenital or acquired thrombophilia|Mobility|"
        "History of inflammatory bowel disease|Body Mass Index (BMI)|Acute Myocardial infarction|"
        "Chronic Obstructive Pulmonary Disease|Present or previous malignancy"
    ),
    "sofa": (
        "PaO2|FiO2|On mechanical ventilation|Continuous positive airway pressure|Platelet count|"
        "Glasgow Coma Score|Bilirubin|Hypotension|Systolic Blood Pressure|Diastolic Blood Pressure|"
        "DOPamine|DOBUTamine|norEPINEPHrine|EPINEPHrine|creatinine|Urine Output"
    ),
}
IGNORED_KEYS = {
    ("apache_ii", "Chronic renal failure"): "Knaus 1985 doubles creatinine points only in acute failure",
    ("caprini", "sex"): "the women-only factors are inputs of their own",
}


def score(calc_id: str, **inputs) -> int:
    return calculators.get(calc_id).evaluate(inputs).value


def problem_inputs(calc_id: str, inputs: dict) -> set[str]:
    with pytest.raises(InputError) as err:
        calculators.get(calc_id).evaluate(inputs)
    return {p.input for p in err.value.problems}


# -- declarations and golden examples ------------------------------------------------------------------
@pytest.mark.parametrize("medcalc_id,calc_id", IDS.items())
def test_declaration(medcalc_id, calc_id):
    calc = calculators.get(calc_id)
    assert calc.medcalc_id == medcalc_id
    assert calc.output.kind == "integer" and calc.output.rel_tol is None
    assert calc.citation.doi and calc.citation.pmid
    assert calc.notes and calc.examples and all(e.source for e in calc.examples)
    assert calc.describe().count("\n") > len(calc.inputs)


@pytest.mark.parametrize(
    "calc_id,index", [(c, i) for c in IDS.values() for i in range(len(calculators.get(c).examples))]
)
def test_examples(calc_id, index):
    calc = calculators.get(calc_id)
    example = calc.examples[index]
    result = calc.evaluate(example.inputs)
    assert result.value == example.expected
    assert result.rationale.endswith(f"= {example.expected}")


# -- Glasgow-Blatchford (Blatchford 2000, table 2) -----------------------------------------------------
GBS_BASE = {"bun": "10 mg/dL", "hemoglobin": "15 g/dL", "sex": "male", "systolic_bp": 120, "heart_rate": 80}


# fmt: off
GBS_CASES = [
    ({"bun": "18.1 mg/dL"}, 0), ({"bun": "18.2 mg/dL"}, 2), ({"bun": "22.4 mg/dL"}, 3),
    ({"bun": "28 mg/dL"}, 4), ({"bun": "70 mg/dL"}, 6),  # urea 6.5/8/10/25 mmol/L × 2.8
    ({"bun": "6.5 mmol/L"}, 2), ({"bun": "9.9 mmol/L"}, 3), ({"bun": "25 mmol/L"}, 6),  # paper's own unit
    ({"hemoglobin": "13 g/dL"}, 0), ({"hemoglobin": "12.9 g/dL"}, 1), ({"hemoglobin": "12 g/dL"}, 1),
    ({"hemoglobin": "11.9 g/dL"}, 3), ({"hemoglobin": "10 g/dL"}, 3), ({"hemoglobin": "9.9 g/dL"}, 6),
    ({"sex": "female", "hemoglobin": "12 g/dL"}, 0), ({"sex": "female", "hemoglobin": "11.9 g/dL"}, 1),
    ({"sex": "female", "hemoglobin": "10 g/dL"}, 1), ({"sex": "female", "hemoglobin": "9.9 g/dL"}, 6),
    ({"hemoglobin": "125 g/L"}, 1),  # the paper's unit: 120 to < 130 g/L in men
    ({"systolic_bp": 110}, 0), ({"systolic_bp": 109}, 1), ({"systolic_bp": 99}, 2), ({"systolic_bp": 89}, 3),
    ({"heart_rate": 99}, 0), ({"heart_rate": 100}, 1),
    ({"melena": True}, 1), ({"syncope": True}, 2), ({"hepatic_disease": True}, 2),
    ({"cardiac_failure": True}, 2),
]
# fmt: on


@pytest.mark.parametrize("change,points", GBS_CASES)
def test_glasgow_blatchford_branches(change, points):
    assert score("glasgow_blatchford", **{**GBS_BASE, **change}) == points


# -- APACHE II (Knaus 1985, table 1) --------------------------------------------------------------------
# fmt: off
APACHE_BASE = {
    "age": 40, "temperature": "37 Cel", "map": 90, "heart_rate": 80, "respiratory_rate": 16, "fio2": 21,
    "pao2": 90, "ph": 7.4, "sodium": "140 mmol/L", "potassium": "4 mmol/L", "creatinine": "1.0 mg/dL",
    "hematocrit": 40, "wbc": "8 10*9/L", "gcs": 15,
}
APACHE_CASES = [
    ({"age": 44}, 0), ({"age": 45}, 2), ({"age": 55}, 3), ({"age": 65}, 5), ({"age": 75}, 6),
    ({"temperature": "38.4 Cel"}, 0), ({"temperature": "38.5 Cel"}, 1), ({"temperature": "39 Cel"}, 3),
    ({"temperature": "33 Cel"}, 2), ({"temperature": "30 Cel"}, 3), ({"temperature": "29.9 Cel"}, 4),
    ({"map": 109}, 0), ({"map": 110}, 2), ({"map": 130}, 3), ({"map": 160}, 4), ({"map": 69}, 2),
    ({"map": 49}, 4), ({"map": None, "systolic_bp": 100, "diastolic_bp": 50}, 2),  # (100 + 2 × 50) / 3 = 66.7
    ({"heart_rate": 109}, 0), ({"heart_rate": 110}, 2), ({"heart_rate": 140}, 3), ({"heart_rate": 54}, 3),
    ({"respiratory_rate": 24}, 0), ({"respiratory_rate": 25}, 1), ({"respiratory_rate": 35}, 3),
    ({"respiratory_rate": 9}, 2), ({"respiratory_rate": 5}, 4),
    ({"pao2": 70}, 1), ({"pao2": 61}, 1), ({"pao2": 60}, 3), ({"pao2": 55}, 3), ({"pao2": 54}, 4),
    ({"pao2": 60.5}, 1),  # between the published integer rows 55-60 and 61-70: the better band
    ({"fio2": 49, "pao2": 50}, 4), ({"fio2": 50, "a_a_gradient": 199}, 0),
    ({"fio2": 50, "a_a_gradient": 200}, 2),
    ({"fio2": 80, "a_a_gradient": 349}, 2), ({"fio2": 80, "a_a_gradient": 350}, 3),
    ({"fio2": 80, "a_a_gradient": 499}, 3), ({"fio2": 80, "a_a_gradient": 500}, 4),
    ({"fio2": 100, "pao2": 400, "paco2": 40}, 2),  # A-a = 713 − 50 − 400 = 263 → 2
    ({"fio2": None, "pao2": 58}, 3),  # no FiO2 recorded: PaO2 scored (FiO2 < 0.5 branch)
    ({"ph": 7.33}, 0), ({"ph": 7.32}, 2), ({"ph": 7.2}, 3), ({"ph": 7.1}, 4), ({"ph": 7.5}, 1),
    ({"ph": 7.6}, 3),
    ({"ph": None, "bicarbonate": "20 mmol/L"}, 2), ({"ph": None, "bicarbonate": "16 mmol/L"}, 3),
    ({"ph": None, "bicarbonate": "35 mmol/L"}, 1), ({"ph": None, "bicarbonate": "45 mmol/L"}, 3),
    ({"ph": None, "bicarbonate": "52 mmol/L"}, 4), ({"ph": 7.4, "bicarbonate": "10 mmol/L"}, 0),  # pH wins
    ({"sodium": "150 mmol/L"}, 1), ({"sodium": "155 mmol/L"}, 2), ({"sodium": "160 mmol/L"}, 3),
    ({"sodium": "180 mmol/L"}, 4), ({"sodium": "129 mmol/L"}, 2), ({"sodium": "119 mmol/L"}, 3),
    ({"sodium": "110 mmol/L"}, 4),
    ({"potassium": "5.5 mmol/L"}, 1), ({"potassium": "6 mmol/L"}, 3), ({"potassium": "7 mmol/L"}, 4),
    ({"potassium": "3.4 mmol/L"}, 1), ({"potassium": "2.9 mmol/L"}, 2), ({"potassium": "2.4 mmol/L"}, 4),
    ({"creatinine": "0.5 mg/dL"}, 2), ({"creatinine": "1.5 mg/dL"}, 2), ({"creatinine": "2 mg/dL"}, 3),
    ({"creatinine": "3.5 mg/dL"}, 4), ({"creatinine": "3.5 mg/dL", "acute_renal_failure": True}, 8),
    ({"creatinine": "1.4 mg/dL", "acute_renal_failure": True}, 0),  # 0 doubled is 0
    ({"hematocrit": 46}, 1), ({"hematocrit": 50}, 2), ({"hematocrit": 60}, 4), ({"hematocrit": 29.9}, 2),
    ({"hematocrit": 19}, 4),
    ({"wbc": "15 10*9/L"}, 1), ({"wbc": "20 10*9/L"}, 2), ({"wbc": "40 10*9/L"}, 4),
    ({"wbc": "2.9 10*9/L"}, 2),
    ({"wbc": "0.9 10*9/L"}, 4),
    ({"gcs": 3}, 12), ({"gcs": 14}, 1),
    ({"chronic_health": True, "admission_type": "nonoperative"}, 5),
    ({"chronic_health": True, "admission_type": "Emergency"}, 5),  # MedCalc-Bench spelling
    ({"chronic_health": True, "admission_type": "Elective"}, 2),
    ({"admission_type": "elective_postoperative"}, 0),  # no chronic illness: no points
]
# fmt: on


@pytest.mark.parametrize("change,points", APACHE_CASES)
def test_apache_ii_branches(change, points):
    assert score("apache_ii", **{**APACHE_BASE, **change}) == points


def test_apache_ii_missing_physiology_scores_zero():
    # Documented convention: unmeasured variables are normal. Age 70 → 5 points, nothing else recorded.
    result = calculators.get("apache_ii").evaluate({"age": 70})
    assert result.value == 5
    # all 12 physiology criteria say so (temperature ... GCS); age and chronic health are recorded
    assert sum("not recorded" in line for line in result.rationale.splitlines()) == 12


def test_apache_ii_required_context():
    assert problem_inputs("apache_ii", {**APACHE_BASE, "fio2": 60}) == {"a_a_gradient"}
    assert problem_inputs("apache_ii", {**APACHE_BASE, "chronic_health": True}) == {"admission_type"}
    assert problem_inputs("apache_ii", {**APACHE_BASE, "gcs": 13.5}) == {"gcs"}


# -- PSI (Fine 1997, table 2) ------------------------------------------------------------------------------
# fmt: off
PSI_CASES = [
    ({"age": 50.9}, 50), ({"sex": "female"}, 40),  # completed years; women − 10
    ({"nursing_home": True}, 60), ({"neoplastic_disease": True}, 80), ({"liver_disease": True}, 70),
    ({"chf": True}, 60), ({"cerebrovascular_disease": True}, 60), ({"renal_disease": True}, 60),
    ({"altered_mental_status": True}, 70), ({"pleural_effusion": True}, 60),
    ({"respiratory_rate": 29}, 50), ({"respiratory_rate": 30}, 70),
    ({"systolic_bp": 90}, 50), ({"systolic_bp": 89}, 70),
    ({"temperature": "35 Cel"}, 50), ({"temperature": "34.9 Cel"}, 65), ({"temperature": "39.9 Cel"}, 50),
    ({"temperature": "40 Cel"}, 65), ({"temperature": "104.2 [degF]"}, 65),  # 104.2 °F = 40.1 °C
    ({"heart_rate": 124}, 50), ({"heart_rate": 125}, 60),
    ({"ph": 7.35}, 50), ({"ph": 7.34}, 80),
    ({"bun": "29 mg/dL"}, 50), ({"bun": "30 mg/dL"}, 70),
    ({"bun": "11 mmol/L"}, 70),  # 11 mmol/L urea = 30.8 mg/dL BUN
    ({"sodium": "130 mmol/L"}, 50), ({"sodium": "129 mEq/L"}, 70),
    ({"glucose": "249 mg/dL"}, 50), ({"glucose": "250 mg/dL"}, 60), ({"glucose": "14 mmol/L"}, 60),
    ({"hematocrit": 30}, 50), ({"hematocrit": 29}, 60),
    ({"pao2": 60}, 50), ({"pao2": 59}, 60), ({"pao2": "7.9 kPa"}, 60), ({"spo2": 90}, 50), ({"spo2": 89}, 60),
]
# fmt: on


@pytest.mark.parametrize("change,points", PSI_CASES)
def test_psi_branches(change, points):
    # base: a 50-year-old man with nothing else recorded scores his age, 50
    assert score("psi_port", **{"age": 50, "sex": "male", **change}) == points


def test_psi_fahrenheit_on_threshold():
    # 104 °F is exactly 40 °C: conversion noise must not move a value off a published threshold.
    assert score("psi_port", age=50, sex="male", temperature="104 [degF]") == 65


# -- Charlson (Charlson 1987 weights; MDCalc/MedCalc-Bench age points) -----------------------------------
# fmt: off
CHARLSON_CASES = [
    ({"age": 49}, 0), ({"age": 50}, 1), ({"age": 59.9}, 1), ({"age": 60}, 2), ({"age": 70}, 3),
    ({"age": 80}, 4),
    ({"liver_disease": "mild"}, 1), ({"liver_disease": "moderate"}, 3), ({"diabetes": "diet-controlled"}, 0),
    ({"diabetes": "uncomplicated"}, 1), ({"diabetes": "end-organ damage"}, 2),
    ({"solid_tumor": "localized"}, 2),
    ({"solid_tumor": "metastatic"}, 6), ({"hemiplegia": True}, 2), ({"renal_disease": True}, 2),
    ({"leukemia": True}, 2), ({"lymphoma": True}, 2), ({"aids": True}, 6), ({"dementia": True}, 1),
]
# fmt: on


@pytest.mark.parametrize("change,points", CHARLSON_CASES)
def test_charlson_branches(change, points):
    assert score("charlson", **{"age": 40, **change}) == points


def test_charlson_stroke_or_tia_counts_once():
    calc = calculators.get("charlson")
    both = {
        "age": [40, "years"],
        "Cerebrovascular Accident": True,
        "Transient Ischemic Attacks History": True,
    }
    assert calc.evaluate(values_from_entities(calc, both)).value == 1
    tia = {
        "age": [40, "years"],
        "Transient Ischemic Attacks History": True,
        "Cerebrovascular Accident": False,
    }
    assert calc.evaluate(values_from_entities(calc, tia)).value == 1


# -- Caprini (Caprini 2005 form) ---------------------------------------------------------------------------
# fmt: off
CAPRINI_CASES = [
    ({"age": 40}, 0), ({"age": 41}, 1), ({"age": 60}, 1), ({"age": 61}, 2), ({"age": 74}, 2),
    ({"age": 75}, 3),
    ({"surgery_type": "minor"}, 1), ({"surgery_type": "major"}, 2), ({"surgery_type": "laparoscopic"}, 2),
    ({"surgery_type": "arthroscopic"}, 2), ({"surgery_type": "arthroplasty"}, 5),
    ({"mobility": "bed rest"}, 1), ({"mobility": "confined to bed >72 hours"}, 2),
    ({"bmi": 25}, 0), ({"bmi": "25.1 kg/m2"}, 1), ({"plaster_cast": True}, 2),
    ({"central_venous_access": True}, 2),
    ({"malignancy": True}, 2), ({"dvt_pe_history": True}, 3), ({"fracture_past_month": True}, 5),
]
# fmt: on


@pytest.mark.parametrize("change,points", CAPRINI_CASES)
def test_caprini_branches(change, points):
    assert score("caprini", **{"age": 30, **change}) == points


def test_caprini_dvt_and_pe_history_is_one_factor():
    # Caprini 2005 lists "history of DVT/PE" once (3 points); MedCalc-Bench's code gives 3 for each.
    calc = calculators.get("caprini")
    entities = {
        "age": [30, "years"],
        "sex": "Female",
        "Previously documented Deep Vein Thrombosis": True,
        "Previously Documented Pulmonary Embolism": True,
    }
    assert calc.evaluate(values_from_entities(calc, entities)).value == 3


# -- SOFA (Vincent 1996, table 1) ----------------------------------------------------------------------------
# fmt: off
SOFA_BASE = {"pao2": 95, "fio2": 21, "platelets": "250 10*3/uL", "bilirubin": "0.8 mg/dL", "gcs": 15,
             "map": 85, "creatinine": "0.9 mg/dL"}
SOFA_CASES = [
    ({"pao2": 84, "fio2": 21}, 0),  # ratio 400
    ({"pao2": 160, "fio2": 40}, 0), ({"pao2": 159.6, "fio2": 40}, 1),  # 400 | 399
    ({"pao2": 120, "fio2": 40}, 1), ({"pao2": 119.6, "fio2": 40}, 2),  # 300 | 299
    ({"pao2": 79.6, "fio2": 40}, 2),  # 199 without respiratory support stays at 2
    ({"pao2": 79.6, "fio2": 40, "respiratory_support": True}, 3),
    ({"pao2": 40, "fio2": 40, "respiratory_support": True}, 3),  # 100 with support
    ({"pao2": 39.6, "fio2": 40, "respiratory_support": True}, 4),  # 99 with support
    ({"platelets": "150 10*3/uL"}, 0), ({"platelets": "149 10*3/uL"}, 1), ({"platelets": "99 10*3/uL"}, 2),
    ({"platelets": "49 10*3/uL"}, 3), ({"platelets": "19 10*3/uL"}, 4),
    ({"bilirubin": "1.19 mg/dL"}, 0), ({"bilirubin": "1.2 mg/dL"}, 1), ({"bilirubin": "2 mg/dL"}, 2),
    ({"bilirubin": "6 mg/dL"}, 3), ({"bilirubin": "12 mg/dL"}, 4),
    ({"gcs": 14}, 1), ({"gcs": 13}, 1), ({"gcs": 12}, 2), ({"gcs": 10}, 2), ({"gcs": 9}, 3), ({"gcs": 6}, 3),
    ({"gcs": 5}, 4),
    ({"map": 70}, 0), ({"map": 69}, 1), ({"map": None, "hypotension": False}, 0),
    ({"dopamine": "5 ug/kg/min"}, 2), ({"dobutamine": "2 ug/kg/min"}, 2), ({"dopamine": "5.1 ug/kg/min"}, 3),
    ({"dopamine": "15 ug/kg/min"}, 3), ({"dopamine": "15.1 ug/kg/min"}, 4),
    ({"norepinephrine": "0.1 ug/kg/min"}, 3), ({"norepinephrine": "0.11 ug/kg/min"}, 4),
    ({"epinephrine": "0.1 mcg/kg/min"}, 3), ({"epinephrine": "0.2 ug/kg/min"}, 4),
    ({"creatinine": "1.2 mg/dL"}, 1), ({"creatinine": "2 mg/dL"}, 2), ({"creatinine": "3.5 mg/dL"}, 3),
    ({"creatinine": "4.9 mg/dL"}, 3), ({"creatinine": "5 mg/dL"}, 4),
    ({"urine_output": "500 mL/d"}, 0), ({"urine_output": "499 mL/d"}, 3), ({"urine_output": "199 mL/d"}, 4),
    ({"creatinine": None, "urine_output": "300 mL/d"}, 3),
]
# fmt: on


@pytest.mark.parametrize("change,points", SOFA_CASES)
def test_sofa_branches(change, points):
    assert score("sofa", **{**SOFA_BASE, **change}) == points


def test_sofa_unmeasured_system_scores_as_normal():
    # Issue 10 convention (docs/calculators.md, "Missing data"): an organ system not measured scores 0,
    # the same as a normal measurement of it.
    normal = {"map": 90, "creatinine": "0.8 mg/dL", "bilirubin": "0.5 mg/dL", "gcs": 15}
    for name in normal:
        without = {k: v for k, v in SOFA_BASE.items() if k != name}
        assert score("sofa", **without) == score("sofa", **{**SOFA_BASE, name: normal[name]}), name
    assert problem_inputs("sofa", {**SOFA_BASE, "gcs": 14.5}) == {"gcs"}


# -- bad input: one InputError naming each bad input -------------------------------------------------------
# fmt: off
BAD_INPUT_CASES = [
    ("glasgow_blatchford", {k: v for k, v in GBS_BASE.items() if k != "bun"}, {"bun"}),  # missing
    ("glasgow_blatchford", {**GBS_BASE, "hemoglobin": "110 g/dL"}, {"hemoglobin"}),  # g/L written as g/dL
    ("glasgow_blatchford", {**GBS_BASE, "hemoglobin": "11 mmol/L"}, {"hemoglobin"}),  # no molar mass
    ("glasgow_blatchford", {**GBS_BASE, "bun": 20}, {"bun"}),  # bare number: unit ambiguous
    ("apache_ii", {**APACHE_BASE, "temperature": "100 Cel", "sodium": "140 mg/dL"},
     {"temperature", "sodium"}),  # both problems in one error
    ("apache_ii", {**APACHE_BASE, "wbc": "8000 10*9/L"}, {"wbc"}),  # per-µL count written as 10^9/L
    ("apache_ii", {**APACHE_BASE, "fio2": 0.4}, {"fio2"}),  # fraction instead of percent
    ("psi_port", {"age": 70}, {"sex"}),
    ("psi_port", {"age": 70, "sex": "male", "glucose": "250 g/dL"}, {"glucose"}),
    ("charlson", {"age": 70, "liver_disease": "cirrhosis-ish"}, {"liver_disease"}),
    ("caprini", {"age": 50, "mobility": "wheelchair"}, {"mobility"}),
    ("sofa", {**SOFA_BASE, "platelets": "147000 10*3/uL"}, {"platelets"}),
    ("sofa", {**SOFA_BASE, "dopamine": "5 mg/kg/min"}, {"dopamine"}),
]
# fmt: on


@pytest.mark.parametrize("calc_id,inputs,bad", BAD_INPUT_CASES)
def test_bad_input_names_the_input(calc_id, inputs, bad):
    assert problem_inputs(calc_id, inputs) == bad


# -- unit invariance: the same patient in other units scores the same --------------------------------------
# fmt: off
UNIT_CASES = [
    ("glasgow_blatchford", {**GBS_BASE, "bun": "50 mg/dL", "hemoglobin": "11 g/dL"},
     {"bun": "17.85 mmol/L", "hemoglobin": "110 g/L"}),
    ("apache_ii", {**APACHE_BASE, "temperature": "38.7 Cel", "creatinine": "2.5 mg/dL", "wbc": "17 10*9/L",
                   "sodium": "152 mmol/L", "pao2": 65},
     {"temperature": "101.66 [degF]", "creatinine": "221 umol/L", "wbc": "17000 /mm^3", "sodium": "152 mEq/L",
      "pao2": "8.67 kPa"}),
    ("psi_port",
     {"age": 60, "sex": "female", "glucose": "260 mg/dL", "bun": "35 mg/dL", "temperature": "34.5 Cel"},
     {"glucose": "14.43 mmol/L", "bun": "12.5 mmol/L", "temperature": "94.1 [degF]"}),
    ("sofa", {**SOFA_BASE, "bilirubin": "3 mg/dL", "creatinine": "2.5 mg/dL", "platelets": "80 10*3/uL"},
     {"bilirubin": "51.3 umol/L", "creatinine": "221 µmol/L", "platelets": "80000 µL", "pao2": "12.67 kPa"}),
    ("caprini", {"age": 50, "bmi": "30 kg/m2"}, {"age": "600 months", "bmi": 30}),
]
# fmt: on


@pytest.mark.parametrize("calc_id,base,alternative", UNIT_CASES)
def test_unit_invariance(calc_id, base, alternative):
    first = score(calc_id, **base)
    assert first > 0  # the converted inputs must matter for the check to mean anything
    assert score(calc_id, **{**base, **alternative}) == first


# -- MedCalc-Bench rows ------------------------------------------------------------------------------------
def _benchmark_rows():
    if not BENCH.is_dir():
        return []
    rows = []
    for name in ("train_sample.csv", "one_shot_verified.csv"):
        with open(BENCH / name, newline="", encoding="utf-8") as fh:
            rows += [(name, r) for r in csv.DictReader(fh) if int(r["Calculator ID"]) in IDS]
    return rows


def test_benchmark_rows_agree():
    rows = _benchmark_rows()
    if not rows:
        pytest.skip("shared MedCalc-Bench data not available")
    disagreements = {}
    for name, row in rows:
        key = (name, int(row["Row Number"]))
        calc = calculators.get(IDS[int(row["Calculator ID"])])
        try:
            ours = calc.evaluate(values_from_entities(calc, parse_entities(row["Relevant Entities"]))).value
        except InputError as exc:
            disagreements[key] = f"entities unusable: {exc}"
            continue
        if round(float(row["Ground Truth Answer"])) != ours:
            disagreements[key] = f"{calc.id}: label {row['Ground Truth Answer']}, ours {ours}"
    assert len(rows) >= len(IDS)  # one verified row per calculator at least
    assert set(disagreements) == set(KNOWN_LABEL_ERRORS) | set(ENTITY_ERRORS), disagreements


@pytest.mark.parametrize("calc_id", IDS.values())
def test_benchmark_keys_are_mapped(calc_id):
    calc = calculators.get(calc_id)
    mapped = {k for i in calc.inputs for k in i.medcalc_keys}
    keys = set(BENCHMARK_KEYS[calc_id].split("|"))
    ignored = {k for c, k in IGNORED_KEYS if c == calc_id}
    assert keys - mapped == ignored
    for _file, row in _benchmark_rows():  # keys seen in the shared rows too (typos kept)
        if IDS[int(row["Calculator ID"])] == calc_id:
            assert set(parse_entities(row["Relevant Entities"])) - mapped <= ignored
