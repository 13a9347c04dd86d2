"""Pneumonia Severity Index (PSI / PORT score) for community-acquired pneumonia.

Fine 1997, table 2 (points for risk classes II-V):
- Demographics: age in years (women: age − 10); nursing home resident +10.
- Coexisting illness: neoplastic disease +30; liver disease +20; congestive heart failure +10;
  cerebrovascular disease +10; renal disease +10.
- Examination: altered mental status +20; respiratory rate ≥ 30/min +20; systolic BP < 90 mm Hg +20;
  temperature < 35 °C or ≥ 40 °C +15; pulse ≥ 125/min +10.
- Laboratory and radiographic: arterial pH < 7.35 +30; BUN ≥ 30 mg/dL (11 mmol/L) +20; sodium
  < 130 mmol/L +20; glucose ≥ 250 mg/dL (14 mmol/L) +10; haematocrit < 30 % +10; PaO2 < 60 mm Hg +10
  (the paper's footnote: an O2 saturation < 90 % was also counted as abnormal); pleural effusion +10.

The score is the point total (the paper's class I is assigned by a separate rule and is not computed).
Age counts in completed years. Thresholds are applied in the units the paper states first (mg/dL for BUN
and glucose); values in mmol/L are converted exactly.

Missing values: the rule is applied to outpatients who often have no blood tests, and the common
convention (MDCalc, MedCalc-Bench) is that an unmeasured finding scores 0; our vital-sign and laboratory
inputs are optional and a missing one scores 0 with "not recorded" in the rationale.
"""

import math

from calculators import common
from calculators.defs._optional import MISSING_TEXT, optional_bands
from calculators.points import PointScore, choice, flag, rule
from calculators.spec import Calculator, Citation, Example, Input, Output


def _num(name, label, unit, range_, keys, analyte=None):
    return Input(name, label, unit=unit, analyte=analyte, range=range_, required=False, medcalc_keys=keys)


def _hypoxemia_points(v):
    low_pao2 = v["pao2"] is not None and v["pao2"] < 60
    low_sat = v["spo2"] is not None and v["spo2"] < 90
    return 10 if (low_pao2 or low_sat) else 0


def _hypoxemia_explain(v):
    if v["pao2"] is None and v["spo2"] is None:
        return MISSING_TEXT
    shown = [
        f"PaO2 {v['pao2']:g} mm Hg" if v["pao2"] is not None else "",
        f"SpO2 {v['spo2']:g} %" if v["spo2"] is not None else "",
    ]
    return ", ".join(s for s in shown if s)


CALCULATOR = Calculator(
    id="psi_port",
    medcalc_id=29,
    name="Pneumonia Severity Index (PSI/PORT)",
    category="severity",
    description="30-day mortality risk class of adults with community-acquired pneumonia, from age, "
    "comorbidities, examination and first laboratory results.",
    inputs=(
        common.age(range=(18, 120)),
        common.sex(),
        common.yes_no("nursing_home", "Nursing home resident", ("Nursing home resident",)),
        common.yes_no(
            "neoplastic_disease",
            "Neoplastic disease (active, or diagnosed within a year)",
            ("Neoplastic disease",),
        ),
        common.yes_no("liver_disease", "Liver disease", ("Liver disease history", "Liver disease severity")),
        common.yes_no("chf", "Congestive heart failure", ("Congestive Heart Failure", "Congestive Heart Faliure")),
        common.yes_no(
            "cerebrovascular_disease", "Cerebrovascular disease", ("Cerebrovascular disease history",)
        ),
        common.yes_no("renal_disease", "Renal disease", ("Renal disease history", "Renal disease")),
        common.yes_no("altered_mental_status", "Altered mental status", ("Altered mental status",)),
        _num("respiratory_rate", "Respiratory rate", "/min", (0, 100), ("respiratory rate",)),
        common.systolic_bp(required=False),
        _num("temperature", "Temperature", "Cel", (20.0, 46.0), ("Temperature",)),
        common.heart_rate(required=False),
        _num("ph", "Arterial pH", None, (6.5, 8.0), ("pH",)),
        common.bun(required=False),
        common.sodium(required=False),
        common.glucose(required=False),
        _num("hematocrit", "Haematocrit", "%", (5.0, 80.0), ("Hematocrit",)),
        _num("pao2", "Arterial PaO2", "mm[Hg]", (10, 700), ("Partial pressure of oxygen", "Partial pressure of oxygen (PaO₂) for Apache II")),
        _num("spo2", "O2 saturation (pulse oximetry)", "%", (30, 100), ("O₂ saturation percentage",)),
        common.yes_no(
            "pleural_effusion", "Pleural effusion on chest radiograph", ("Pleural effusion on x-ray",)
        ),
    ),
    output=Output("integer", "PSI score"),
    missing_data={
        name: "not measured → 0 points (normal); the rule is used for outpatients without blood tests, and "
        "MedCalc-Bench scores an unmeasured finding 0"
        for name in ("respiratory_rate", "systolic_bp", "temperature", "heart_rate", "ph", "bun", "sodium",
                     "glucose", "hematocrit", "pao2", "spo2")
    },
    citation=Citation(
        "Fine MJ, Auble TE, Yealy DM, et al. A prediction rule to identify low-risk patients with "
        "community-acquired pneumonia. N Engl J Med 1997;336:243-50.",
        doi="10.1056/NEJM199701233360402",
        pmid="8995086",
    ),
    method=PointScore(
        criteria=(
            rule(
                "Age",
                ("age",),
                lambda v: math.floor(v["age"]),
                ("age in completed years",),
                explain=lambda v: f"{math.floor(v['age'])} years",
            ),
            choice("sex", {"female": -10, "male": 0}, "Sex"),
            flag("nursing_home", 10, "Nursing home resident"),
            flag("neoplastic_disease", 30, "Neoplastic disease"),
            flag("liver_disease", 20, "Liver disease"),
            flag("chf", 10, "Congestive heart failure"),
            flag("cerebrovascular_disease", 10, "Cerebrovascular disease"),
            flag("renal_disease", 10, "Renal disease"),
            flag("altered_mental_status", 20, "Altered mental status"),
            optional_bands("respiratory_rate", [(None, 30, 0), (30, None, 20)], "Respiratory rate", "/min"),
            optional_bands("systolic_bp", [(None, 90, 20), (90, None, 0)], "Systolic BP", "mm[Hg]"),
            optional_bands(
                "temperature", [(None, 35, 15), (35, 40, 0), (40, None, 15)], "Temperature", "Cel"
            ),
            optional_bands("heart_rate", [(None, 125, 0), (125, None, 10)], "Pulse", "/min"),
            optional_bands("ph", [(None, 7.35, 30), (7.35, None, 0)], "Arterial pH"),
            optional_bands("bun", [(None, 30, 0), (30, None, 20)], "BUN", "mg/dL"),
            optional_bands("sodium", [(None, 130, 20), (130, None, 0)], "Sodium", "mmol/L"),
            optional_bands("glucose", [(None, 250, 0), (250, None, 10)], "Glucose", "mg/dL"),
            optional_bands("hematocrit", [(None, 30, 10), (30, None, 0)], "Haematocrit", "%"),
            rule(
                "Hypoxaemia",
                ("pao2", "spo2"),
                _hypoxemia_points,
                ("PaO2 < 60 mm Hg or SpO2 < 90 %: 10", "otherwise: 0"),
                explain=_hypoxemia_explain,
            ),
            flag("pleural_effusion", 10, "Pleural effusion"),
        ),
    ),
    notes="MedCalc-Bench Verified: temperature > 39.9 °C scores 15; ours: ≥ 40 °C (same for temperatures recorded to "
    "0.1 °C); source: Fine 1997, table 2.",
    examples=(
        # Hand calculations from the published table (Fine 1997, table 2).
        Example(
            {"age": 50, "sex": "male"},
            50,
            "hand calculation from the published table",
            "man, no other findings: age 50",
        ),
        Example(
            {
                "age": 67,
                "sex": "female",
                "nursing_home": True,
                "renal_disease": True,
                "heart_rate": 90,
                "temperature": "37.1 Cel",
                "ph": 7.37,
                "bun": "21 mg/dL",
                "sodium": "138 mmol/L",
                "glucose": "179 mg/dL",
                "hematocrit": 40,
                "pao2": 79,
            },
            77,
            "hand calculation from the published table",
            "67 − 10 + nursing home 10 + renal 10 = 77",
        ),
        Example(
            {
                "age": 80,
                "sex": "male",
                "neoplastic_disease": True,
                "liver_disease": True,
                "chf": True,
                "cerebrovascular_disease": True,
                "altered_mental_status": True,
                "respiratory_rate": 32,
                "systolic_bp": 85,
                "temperature": "34.5 Cel",
                "heart_rate": 130,
                "ph": 7.30,
                "bun": "35 mg/dL",
                "sodium": "128 mmol/L",
                "glucose": "260 mg/dL",
                "hematocrit": 28,
                "pao2": 55,
                "pleural_effusion": True,
            },
            345,
            "hand calculation from the published table",
            "age 80 + neoplasm 30 + liver 20 + CHF 10 + cerebrovascular 10 (150) + AMS 20 + RR 20 + SBP 20 "
            "+ T < 35 15 + pulse 10 (235) + pH 30 + BUN 20 + Na 20 + glucose 10 + Hct 10 + PaO2 10 "
            "+ effusion 10 = 345",
        ),
        Example(
            {"age": 45, "sex": "female", "temperature": "40 Cel", "spo2": 88},
            60,
            "hand calculation from the published table",
            "45 − 10 + T ≥ 40 15 + SpO2 < 90 10 = 60",
        ),
    ),
)
