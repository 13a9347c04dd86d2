"""APACHE II severity score (0-71) for ICU admissions.

Knaus 1985, table 1: the acute physiology score (APS) is the sum of 12 physiologic variables, each the
worst value in the first 24 hours in the ICU, plus age points and chronic health points.
- Temperature (rectal, °C), mean arterial pressure, heart rate, respiratory rate, serum sodium,
  potassium, creatinine, haematocrit, white cell count: 0-4 points by the table's bands (below).
- Oxygenation: FiO2 ≥ 0.5 → A-aDO2 (≥ 500: 4; 350-499: 3; 200-349: 2; < 200: 0);
  FiO2 < 0.5 → PaO2 (> 70: 0; 61-70: 1; 55-60: 3; < 55: 4).
- Arterial pH; serum HCO3 (venous) only when there is no arterial blood gas.
- Creatinine points are doubled in acute renal failure.
- Glasgow Coma Scale: 15 − GCS.
- Age: ≤ 44: 0; 45-54: 2; 55-64: 3; 65-74: 5; ≥ 75: 6.
- Chronic health: history of severe organ insufficiency or immunocompromise → 5 for nonoperative or
  emergency postoperative patients, 2 for elective postoperative patients.

The table gives integer ranges (e.g. MAP 110-129 → 2, 70-109 → 0); for measured decimals we use each
higher-risk band's published lower (or upper) limit as the cut-off: MAP ≥ 110 → 2, < 70 → 2, etc.

Missing values: a physiologic variable that was not measured scores 0 (assumed normal). This is the
common convention for APACHE II (the paper scores "initial values" without stating a rule for absent
ones); each rationale line says "not recorded" so the assumption is visible. Without FiO2 the PaO2 is
scored as if FiO2 < 0.5. With FiO2 ≥ 0.5 the A-a gradient is required (or PaO2 and PaCO2, from which it
is computed at sea level: FiO2 × (760 − 47) − PaCO2 / 0.8 − PaO2).
"""

from calculators import common
from calculators.defs._apache_ii_criteria import CHRONIC, CRITERIA
from calculators.points import PointScore
from calculators.spec import Calculator, Citation, Example, Input, Output


def _num(name, label, unit, range_, keys, analyte=None):
    return Input(name, label, unit=unit, analyte=analyte, range=range_, required=False, medcalc_keys=keys)


CALCULATOR = Calculator(
    id="apache_ii",
    medcalc_id=28,
    name="APACHE II score",
    category="severity",
    description="Acute Physiology and Chronic Health Evaluation II: severity of illness of an ICU admission "
    "from the worst physiology of the first 24 hours, age and chronic health.",
    inputs=(
        common.age(),
        _num("temperature", "Temperature (rectal)", "Cel", (20.0, 46.0), ("Temperature",)),
        _num("map", "Mean arterial pressure", "mm[Hg]", (10, 250), ("Mean arterial pressure",)),
        common.systolic_bp(required=False),
        common.diastolic_bp(required=False),
        common.heart_rate(required=False),
        _num(
            "respiratory_rate",
            "Respiratory rate (ventilated or not)",
            "/min",
            (0, 100),
            ("respiratory rate",),
        ),
        _num("fio2", "Fraction of inspired oxygen", "%", (20.0, 100.0), ("FiO2",)),
        _num(
            "pao2",
            "Arterial PaO2",
            "mm[Hg]",
            (10, 700),
            ("PaO2", "Partial pressure of oxygen (PaO₂) for Apache II"),
        ),
        _num("paco2", "Arterial PaCO2", "mm[Hg]", (5, 200), ("PaCO2",)),
        _num("a_a_gradient", "Alveolar-arterial O2 gradient (A-aDO2)", "mm[Hg]", (0, 700), ("A-a gradient",)),
        _num("ph", "Arterial pH", None, (6.5, 8.0), ("pH",)),
        common.bicarbonate(required=False),
        common.sodium(required=False),
        _num("potassium", "Serum potassium", "mmol/L", (1.0, 12.0), ("Potassium",), analyte="potassium"),
        common.creatinine(required=False),
        common.yes_no("acute_renal_failure", "Acute renal failure", ("Acute renal failure",)),
        _num("hematocrit", "Haematocrit", "%", (5.0, 80.0), ("Hematocrit",)),
        _num("wbc", "White blood cell count", "10*9/L", (0.0, 500.0), ("White blood cell count",)),
        _num("gcs", "Glasgow Coma Scale", None, (3, 15), ("Glasgow Coma Score",)),
        common.yes_no(
            "chronic_health",
            "History of severe organ insufficiency or immunocompromise",
            ("History of severe organ failure or immunocompromise",),
        ),
        Input(
            "admission_type",
            "Admission type (for chronic health points)",
            kind="choice",
            choices=tuple(CHRONIC),
            required=False,
            medcalc_keys=("Surgery Type",),
            aliases={
                "Nonoperative": "nonoperative",
                "Emergency": "emergency_postoperative",
                "Elective": "elective_postoperative",
                "emergency postoperative": "emergency_postoperative",
                "elective postoperative": "elective_postoperative",
            },
        ),
    ),
    output=Output("integer", "APACHE II score"),
    missing_data={
        name: "not measured → 0 points (assumed normal), APACHE II's convention for unmeasured physiology "
        "(Knaus 1985 scores the values obtained); the rationale says 'not recorded'"
        for name in ("temperature", "map", "heart_rate", "respiratory_rate", "ph", "bicarbonate", "sodium",
                     "potassium", "creatinine", "hematocrit", "wbc", "gcs")
    } | {
        "systolic_bp": "used only to compute a MAP that is not given (MAP = (SBP + 2 × DBP) / 3)",
        "diastolic_bp": "used only to compute a MAP that is not given",
        "fio2": "not measured → PaO2 scored as if FiO2 < 0.5 (room air)",
        "pao2": "not measured (and no A-a gradient) → oxygenation 0 points (assumed normal)",
        "paco2": "only needed to compute the A-a gradient when FiO2 ≥ 0.5 and no gradient is given",
        "a_a_gradient": "with FiO2 ≥ 0.5: computed from PaO2 and PaCO2 when not given; else an error",
        "admission_type": "needed only with a chronic health finding; not reported then → an error",
    },
    citation=Citation(
        "Knaus WA, Draper EA, Wagner DP, Zimmerman JE. APACHE II: a severity of disease classification "
        "system. Crit Care Med 1985;13:818-29.",
        doi="10.1097/00003246-198510000-00009",
        pmid="3928249",
    ),
    method=PointScore(
        criteria=CRITERIA,
        note="Worst value of each variable in the first 24 hours; unmeasured variables score 0.",
    ),
    medcalc_ignore={
        "Chronic renal failure": "Knaus 1985 (table 1) doubles the creatinine points for acute renal failure "
        "only; chronic renal failure changes no APACHE II item (MedCalc-Bench's code adds creatinine bands "
        "for it that are not in the source). Dialysis-dependent renal failure belongs to the chronic health "
        "finding, which the benchmark extracts separately.",
    },
    notes="MedCalc-Bench Verified: its code looks the chronic-health finding up under a name its entities never "
    "use, so chronic health points are never added; ours: 5 (nonoperative or emergency postoperative) or 2 "
    "(elective postoperative); source: Knaus 1985, table 1. MedCalc-Bench Verified: A-a gradient > 499 → 4 "
    "(499.5 scores 4); ours: ≥ 500 → 4; source: Knaus 1985, table 1. MedCalc-Bench Verified: chronic renal "
    "failure adds creatinine points (3 for 2.0-3.4, 4 for ≥ 3.5 mg/dL); ours: none (a declared ignore); "
    "source: Knaus 1985, table 1 (only acute renal failure doubles the creatinine points).",
    examples=(
        # Hand calculations from the published table (Knaus 1985, table 1).
        Example(
            {
                "age": 40,
                "temperature": "37 Cel",
                "map": 90,
                "heart_rate": 80,
                "respiratory_rate": 16,
                "fio2": 21,
                "pao2": 90,
                "ph": 7.4,
                "sodium": "140 mmol/L",
                "potassium": "4 mmol/L",
                "creatinine": "1.0 mg/dL",
                "hematocrit": 40,
                "wbc": "8 10*9/L",
                "gcs": 15,
            },
            0,
            "hand calculation from the published table",
            "every variable in its normal band: 0",
        ),
        Example(
            {
                "age": 50,
                "temperature": "38.7 Cel",
                "map": 115,
                "heart_rate": 60,
                "respiratory_rate": 11,
                "fio2": 40,
                "pao2": 65,
                "ph": 7.55,
                "sodium": "152 mmol/L",
                "potassium": "3.2 mmol/L",
                "creatinine": "1.7 mg/dL",
                "hematocrit": 47,
                "wbc": "17 10*9/L",
                "gcs": 14,
            },
            17,
            "hand calculation from the published table",
            "age 2 + T 1 + MAP 2 + HR 2 + RR 1 + PaO2 61-70 1 + pH 1 + Na 1 + K 1 + Cr 2 + Hct 1 + WBC 1 "
            "+ GCS 1 = 17",
        ),
        Example(
            {
                "age": 60,
                "temperature": "35 Cel",
                "systolic_bp": 80,
                "diastolic_bp": 45,
                "heart_rate": 45,
                "respiratory_rate": 8,
                "fio2": 60,
                "a_a_gradient": 250,
                "ph": 7.28,
                "sodium": "125 mmol/L",
                "potassium": "2.7 mmol/L",
                "creatinine": "2.5 mg/dL",
                "acute_renal_failure": True,
                "hematocrit": 25,
                "wbc": "2 10*9/L",
                "gcs": 10,
                "chronic_health": True,
                "admission_type": "elective_postoperative",
            },
            36,
            "hand calculation from the published table",
            "age 3 + T 1 + MAP (80 + 2×45)/3 = 56.7 → 2 + HR 3 + RR 2 + A-a 250 → 2 + pH 2 + Na 2 + K 2 "
            "+ Cr 3 × 2 = 6 + Hct 2 + WBC 2 + GCS 15−10 = 5 + chronic (elective) 2 = 36",
        ),
        Example(
            {
                "age": 80,
                "temperature": "41.5 Cel",
                "map": 170,
                "heart_rate": 185,
                "respiratory_rate": 55,
                "fio2": 100,
                "pao2": 60,
                "paco2": 40,
                "ph": 7.75,
                "sodium": "185 mmol/L",
                "potassium": "7.5 mmol/L",
                "creatinine": "4.0 mg/dL",
                "acute_renal_failure": True,
                "hematocrit": 62,
                "wbc": "45 10*9/L",
                "gcs": 3,
                "chronic_health": True,
                "admission_type": "nonoperative",
            },
            71,
            "hand calculation from the published table (71 = the published maximum)",
            "age 6 + eight variables at 4 (T, MAP, HR, RR, A-a = 713 − 40/0.8 − 60 = 603, pH, Na, K) 32 "
            "+ Cr 4 × 2 = 8 + Hct 4 + WBC 4 + GCS 12 + chronic 5 = 71",
        ),
        Example(
            {
                "age": 70,
                "temperature": "29 Cel",
                "map": 45,
                "heart_rate": 35,
                "respiratory_rate": 4,
                "fio2": 30,
                "pao2": 50,
                "bicarbonate": "12 mmol/L",
                "sodium": "105 mmol/L",
                "potassium": "2.0 mmol/L",
                "creatinine": "0.5 mg/dL",
                "hematocrit": 15,
                "wbc": "0.5 10*9/L",
                "gcs": 6,
                "chronic_health": True,
                "admission_type": "emergency_postoperative",
            },
            61,
            "hand calculation from the published table",
            "age 5 + eight variables at 4 (T, MAP, HR, RR, PaO2 < 55, HCO3 < 15 without pH, Na, K) 32 "
            "+ Cr < 0.6 → 2 + Hct 4 + WBC 4 + GCS 9 + chronic 5 = 61",
        ),
        Example(
            {
                "age": 30,
                "temperature": "31 Cel",
                "map": 140,
                "heart_rate": 150,
                "respiratory_rate": 40,
                "fio2": 50,
                "a_a_gradient": 400,
                "ph": 7.65,
                "sodium": "170 mmol/L",
                "potassium": "6.5 mmol/L",
                "creatinine": "1.7 mg/dL",
                "acute_renal_failure": True,
                "hematocrit": 55,
                "wbc": "25 10*9/L",
                "gcs": 13,
            },
            34,
            "hand calculation from the published table",
            "age 0 + eight variables at 3 (T, MAP, HR, RR, A-a at FiO2 = 50 %, pH, Na, K) 24 + Cr 2 × 2 = 4 "
            "+ Hct 2 + WBC 2 + GCS 2 = 34",
        ),
    ),
)
