"""Sequential (sepsis-related) Organ Failure Assessment score (SOFA, 0-24).

Vincent 1996, table 1: six organ systems, 0-4 points each.
- Respiration, PaO2/FiO2 (mm Hg): < 400 → 1; < 300 → 2; < 200 with respiratory support → 3;
  < 100 with respiratory support → 4 (without support a ratio < 200 stays at 2).
- Coagulation, platelets (×10³/mm³): < 150 → 1; < 100 → 2; < 50 → 3; < 20 → 4.
- Liver, bilirubin (mg/dL): 1.2-1.9 → 1; 2.0-5.9 → 2; 6.0-11.9 → 3; ≥ 12.0 → 4.
- Cardiovascular: MAP < 70 mm Hg → 1; dopamine ≤ 5 or dobutamine (any dose) → 2; dopamine > 5 or
  epinephrine ≤ 0.1 or norepinephrine ≤ 0.1 → 3; dopamine > 15 or epinephrine > 0.1 or
  norepinephrine > 0.1 → 4 (doses in µg/kg/min, given for at least one hour).
- Central nervous system, Glasgow Coma Scale: 13-14 → 1; 10-12 → 2; 6-9 → 3; < 6 → 4.
- Renal, creatinine (mg/dL) or urine output: 1.2-1.9 → 1; 2.0-3.4 → 2; 3.5-4.9 or < 500 mL/day → 3;
  ≥ 5.0 or < 200 mL/day → 4 (the worse of the two).

Respiratory support means mechanical ventilation or CPAP/non-invasive ventilation (MedCalc-Bench records
the two separately; either counts). Vasopressor doses default to 0 (not given). MAP may come from
systolic and diastolic pressures, MAP = (SBP + 2 × DBP) / 3, or a recorded yes/no for hypotension.

Missing data (issue 10): Vincent 1996 gives no rule for an organ system that was not measured. We use
the convention APACHE II states for its physiology (Knaus 1985: an unmeasured variable scores 0, i.e.
normal), which is also the common choice in SOFA research (Lambden et al., Crit Care 2019;23:374,
doi:10.1186/s13054-019-2663-7, review the alternatives). MedCalc-Bench does the same for the GCS (15
when unreported). The rationale says "not recorded" for each such system, and a row with no organ
system recorded at all is an error, not a score of 0.
"""

from calculators import common
from calculators.defs._sofa_criteria import CRITERIA
from calculators.points import PointScore
from calculators.spec import Calculator, Citation, Example, Input, Output


def _dose(name, label, key):
    return Input(
        name, label, unit="ug/kg/min", range=(0.0, 100.0), required=False, default=0.0, medcalc_keys=(key,)
    )


CALCULATOR = Calculator(
    id="sofa",
    medcalc_id=43,
    name="SOFA score",
    category="severity",
    description="Sequential Organ Failure Assessment: degree of dysfunction of six organ systems in "
    "critically ill patients (used for sepsis, Sepsis-3).",
    inputs=(
        Input(
            "pao2",
            "Arterial PaO2",
            unit="mm[Hg]",
            range=(10, 700),
            required=False,
            medcalc_keys=("PaO2", "Partial pressure of oxygen (PaO₂) for Apache II"),
        ),
        Input(
            "fio2",
            "Fraction of inspired oxygen",
            unit="%",
            range=(20.0, 100.0),
            required=False,
            medcalc_keys=("FiO2",),
        ),
        common.yes_no(
            "respiratory_support",
            "Respiratory support (mechanical ventilation or CPAP)",
            ("On mechanical ventilation", "Continuous positive airway pressure", "Continous positive airway pressure"),
        ),
        Input(
            "platelets",
            "Platelet count",
            unit="10*3/uL",
            range=(0.0, 2000.0),
            required=False,
            medcalc_keys=("Platelet count",),
        ),
        Input(
            "bilirubin",
            "Serum bilirubin",
            unit="mg/dL",
            analyte="bilirubin",
            range=(0.05, 80.0),
            required=False,
            medcalc_keys=("Bilirubin",),
        ),
        Input("gcs", "Glasgow Coma Scale", range=(3, 15), required=False, medcalc_keys=("Glasgow Coma Score",)),
        Input(
            "map",
            "Mean arterial pressure",
            unit="mm[Hg]",
            range=(10, 250),
            required=False,
            medcalc_keys=("Mean arterial pressure",),
        ),
        common.systolic_bp(required=False),
        common.diastolic_bp(required=False),
        Input(
            "hypotension",
            "Hypotension (MAP < 70 mm Hg), when no pressure is recorded",
            kind="bool",
            required=False,
            medcalc_keys=("Hypotension",),
        ),
        _dose("dopamine", "Dopamine dose", "DOPamine"),
        _dose("dobutamine", "Dobutamine dose", "DOBUTamine"),
        _dose("epinephrine", "Epinephrine (adrenaline) dose", "EPINEPHrine"),
        _dose("norepinephrine", "Norepinephrine (noradrenaline) dose", "norEPINEPHrine"),
        common.creatinine(required=False),
        Input(
            "urine_output",
            "Urine output",
            unit="mL/d",
            range=(0.0, 20000.0),
            required=False,
            medcalc_keys=("Urine Output",),
        ),
    ),
    output=Output("integer", "SOFA score"),
    citation=Citation(
        "Vincent JL, Moreno R, Takala J, et al. The SOFA (Sepsis-related Organ Failure Assessment) score to "
        "describe organ dysfunction/failure. Intensive Care Med 1996;22:707-10.",
        doi="10.1007/BF01709751",
        pmid="8844239",
    ),
    method=PointScore(
        criteria=CRITERIA,
    ),
    missing_data={
        **{
            name: "not recorded → its organ system scores 0 (normal): Vincent 1996 gives no rule; APACHE II's "
            "convention (Knaus 1985), common in SOFA research (Lambden et al., Crit Care 2019)"
            for name in ("pao2", "fio2", "platelets", "bilirubin", "creatinine", "urine_output")
        },
        "gcs": "not recorded → 0 points (GCS 15 assumed), as MedCalc-Bench does; same convention as above",
        "map": "no MAP, blood pressures, hypotension finding or vasopressor → cardiovascular 0 (normal)",
        "respiratory_support": "not reported → no mechanical ventilation or CPAP (MedCalc-Bench's convention)",
        **{
            drug: "not reported → not given (0 µg/kg/min)"
            for drug in ("dopamine", "dobutamine", "epinephrine", "norepinephrine")
        },
        "systolic_bp": "used with diastolic_bp for a MAP that is not given: MAP = (SBP + 2 × DBP) / 3",
        "diastolic_bp": "used with systolic_bp for a MAP that is not given",
    },
    medcalc_ignore={
        "Continuous veno-venous hemodialysis for ≥24 hours in the past week": "not a SOFA item: the renal "
        "system is scored from creatinine or urine output only (Vincent 1996, table 1); the key belongs to "
        "MELD's dialysis rule and leaks into SOFA rows.",
    },
    notes="MedCalc-Bench Verified: creatinine of exactly 5.0 mg/dL scores 3; ours: ≥ 5.0 → 4; source: Vincent 1996, "
    "table 1 ('3.5-4.9' → 3, '> 5.0' → 4; 5.0 itself falls between the published rows).",
    examples=(
        # Hand calculations from the published table (Vincent 1996, table 1).
        Example(
            {
                "pao2": 95,
                "fio2": 21,
                "platelets": "250 10*3/uL",
                "bilirubin": "0.8 mg/dL",
                "gcs": 15,
                "map": 85,
                "creatinine": "0.9 mg/dL",
            },
            0,
            "hand calculation from the published table",
            "PaO2/FiO2 = 95/0.21 = 452 → 0; every other system normal: 0",
        ),
        Example(
            {
                "pao2": 70,
                "fio2": 21,
                "platelets": "120 10*3/uL",
                "bilirubin": "1.5 mg/dL",
                "gcs": 14,
                "systolic_bp": 90,
                "diastolic_bp": 55,
                "creatinine": "1.5 mg/dL",
            },
            6,
            "hand calculation from the published table",
            "70/0.21 = 333 → 1; platelets 100-149 → 1; bilirubin 1.2-1.9 → 1; MAP (90 + 2×55)/3 = 66.7 → 1; "
            "GCS 13-14 → 1; creatinine 1.2-1.9 → 1: 6",
        ),
        Example(
            {
                "pao2": 100,
                "fio2": 40,
                "platelets": "80 10*3/uL",
                "bilirubin": "3 mg/dL",
                "gcs": 11,
                "map": 75,
                "dopamine": "4 ug/kg/min",
                "creatinine": "2.5 mg/dL",
            },
            12,
            "hand calculation from the published table",
            "100/0.4 = 250 → 2; platelets 50-99 → 2; bilirubin 2-5.9 → 2; dopamine ≤ 5 → 2; GCS 10-12 → 2; "
            "creatinine 2.0-3.4 → 2: 12",
        ),
        Example(
            {
                "pao2": 75,
                "fio2": 50,
                "respiratory_support": True,
                "platelets": "30 10*3/uL",
                "bilirubin": "8 mg/dL",
                "gcs": 8,
                "map": 65,
                "norepinephrine": "0.05 ug/kg/min",
                "creatinine": "4.0 mg/dL",
            },
            18,
            "hand calculation from the published table",
            "75/0.5 = 150 with support → 3; platelets 20-49 → 3; bilirubin 6-11.9 → 3; norepinephrine ≤ 0.1 "
            "→ 3; GCS 6-9 → 3; creatinine 3.5-4.9 → 3: 18",
        ),
        Example(
            {
                "pao2": 60,
                "fio2": 80,
                "respiratory_support": True,
                "platelets": "10 10*3/uL",
                "bilirubin": "15 mg/dL",
                "gcs": 5,
                "map": 60,
                "epinephrine": "0.2 ug/kg/min",
                "creatinine": "6 mg/dL",
            },
            24,
            "hand calculation from the published table (24 = the maximum)",
            "60/0.8 = 75 with support → 4; every other system at its worst band → 4 each: 24",
        ),
        Example(
            {
                "pao2": 60,
                "fio2": 80,
                "platelets": "200 10*3/uL",
                "bilirubin": "1.0 mg/dL",
                "gcs": 15,
                "map": 80,
                "dobutamine": "5 ug/kg/min",
                "creatinine": "1.0 mg/dL",
                "urine_output": "150 mL/d",
            },
            8,
            "hand calculation from the published table",
            "ratio 75 without support → 2; dobutamine → 2; urine < 200 mL/day → 4 (beats creatinine 0): 8",
        ),
        Example(
            {
                "pao2": 90,
                "fio2": 30,
                "platelets": "150 10*3/uL",
                "bilirubin": "1.2 mg/dL",
                "gcs": 13,
                "map": 60,
                "dopamine": "20 ug/kg/min",
                "urine_output": "400 mL/d",
            },
            10,
            "hand calculation from the published table",
            "90/0.3 = 300 → 1; platelets 150 → 0; bilirubin 1.2 → 1; dopamine > 15 → 4; GCS 13 → 1; "
            "urine < 500 mL/day → 3: 10",
        ),
        Example(
            {
                "pao2": 90,
                "fio2": 21,
                "platelets": "160 10*3/uL",
                "bilirubin": "0.5 mg/dL",
                "gcs": 15,
                "hypotension": True,
                "creatinine": "1.0 mg/dL",
            },
            1,
            "hand calculation from the published table",
            "90/0.21 = 429 → 0; no pressure recorded but hypotension (MAP < 70) documented → 1: 1",
        ),
    ),
)
