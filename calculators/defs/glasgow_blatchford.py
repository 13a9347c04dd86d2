"""Glasgow-Blatchford bleeding score (GBS, 0-23): need for intervention in upper GI bleeding.

Blatchford 2000, table 2 (admission risk markers):
- Blood urea (mmol/L): 6.5 to < 8.0 → 2; 8.0 to < 10.0 → 3; 10.0 to < 25 → 4; ≥ 25 → 6.
- Haemoglobin (g/L), men: 120 to < 130 → 1; 100 to < 120 → 3; < 100 → 6.
  Women: 100 to < 120 → 1; < 100 → 6.
- Systolic blood pressure (mm Hg): 100-109 → 1; 90-99 → 2; < 90 → 3.
- Pulse ≥ 100/min → 1; melaena → 1; syncope → 2; hepatic disease → 2; cardiac failure → 2.

Units: MedCalc-Bench (and most US records) give blood urea nitrogen in mg/dL and haemoglobin in g/dL.
We take BUN in mg/dL with the urea thresholds multiplied by the conventional factor 2.8 (mg/dL BUN per
mmol/L urea): 18.2, 22.4, 28 and 70 mg/dL. A urea in mmol/L is converted exactly (×2.8014), so a value
on a threshold in either unit scores the same band. Haemoglobin thresholds are 13, 12 and 10 g/dL.
"""

from calculators import common
from calculators.defs._optional import band_points, band_rows
from calculators.points import PointScore, bands, flag, rule
from calculators.spec import Calculator, Citation, Example, Input, Output

BUN_BANDS = [(None, 18.2, 0), (18.2, 22.4, 2), (22.4, 28.0, 3), (28.0, 70.0, 4), (70.0, None, 6)]
HB_MALE = [(None, 10.0, 6), (10.0, 12.0, 3), (12.0, 13.0, 1), (13.0, None, 0)]
HB_FEMALE = [(None, 10.0, 6), (10.0, 12.0, 1), (12.0, None, 0)]


def _hemoglobin_points(v):
    return band_points(v["hemoglobin"], HB_MALE if v["sex"] == "male" else HB_FEMALE)


CALCULATOR = Calculator(
    id="glasgow_blatchford",
    medcalc_id=27,
    name="Glasgow-Blatchford bleeding score",
    category="risk",
    description="Pre-endoscopy risk that a patient with upper gastrointestinal bleeding needs transfusion, "
    "endoscopic or surgical treatment (0 = low risk, candidate for outpatient care).",
    inputs=(
        common.bun(),
        Input(
            "hemoglobin",
            "Haemoglobin",
            unit="g/dL",
            analyte="hemoglobin",
            range=(1.0, 25.0),
            medcalc_keys=("Hemoglobin",),
        ),
        common.sex(),
        common.systolic_bp(),
        common.heart_rate(),
        common.yes_no("melena", "Presentation with melaena", ("Melena Present",)),
        common.yes_no("syncope", "Presentation with syncope", ("Recent Syncope",)),
        common.yes_no(
            "hepatic_disease",
            "Hepatic disease (history or clinical/laboratory evidence)",
            ("Hepatic disease history",),
        ),
        common.yes_no(
            "cardiac_failure",
            "Cardiac failure (history or clinical/echocardiographic evidence)",
            ("Cardiac Failure Present",),
        ),
    ),
    output=Output("integer", "Glasgow-Blatchford score"),
    citation=Citation(
        "Blatchford O, Murray WR, Blatchford M. A risk score to predict need for treatment for "
        "upper-gastrointestinal haemorrhage. Lancet 2000;356:1318-21.",
        doi="10.1016/S0140-6736(00)02816-6",
        pmid="11073021",
    ),
    method=PointScore(
        criteria=(
            bands("bun", BUN_BANDS, "Blood urea nitrogen", unit="mg/dL"),
            rule(
                "Haemoglobin (by sex)",
                ("hemoglobin", "sex"),
                _hemoglobin_points,
                (
                    "men: " + "; ".join(band_rows(HB_MALE, "g/dL")),
                    "women: " + "; ".join(band_rows(HB_FEMALE, "g/dL")),
                ),
                explain=lambda v: f"{v['hemoglobin']:g} g/dL, {v['sex']}",
            ),
            bands(
                "systolic_bp",
                [(None, 90, 3), (90, 100, 2), (100, 110, 1), (110, None, 0)],
                "Systolic blood pressure",
                unit="mm[Hg]",
            ),
            bands("heart_rate", [(None, 100, 0), (100, None, 1)], "Pulse", unit="/min"),
            flag("melena", 1, "Melaena"),
            flag("syncope", 2, "Syncope"),
            flag("hepatic_disease", 2, "Hepatic disease"),
            flag("cardiac_failure", 2, "Cardiac failure"),
        ),
        note="BUN thresholds are the paper's urea thresholds (6.5, 8, 10, 25 mmol/L) × 2.8.",
    ),
    notes="MedCalc-Bench v1.0: haemoglobin bands (12, 13] for men and (10, 12] for women (a man at 12 g/dL or "
    "a woman at 10 g/dL scores 0, a man at 13 or a woman at 12 scores 1) and BUN of exactly 70 mg/dL scores 0; "
    "ours: lower limits inclusive (man 12 to < 13 → 1, woman 10 to < 12 → 1), BUN ≥ 70 → 6; source: "
    "Blatchford 2000, table 2. MedCalc-Bench Verified: BUN of exactly 70 mg/dL scores 4; ours: 6; source: "
    "Blatchford 2000, table 2 (urea ≥ 25 mmol/L → 6).",
    examples=(
        # Hand calculations from the published table (Blatchford 2000, table 2).
        Example(
            {"bun": "15 mg/dL", "hemoglobin": "14 g/dL", "sex": "male", "systolic_bp": 120, "heart_rate": 80},
            0,
            "hand calculation from the published table",
            "all markers normal: 0",
        ),
        Example(
            {
                "bun": "20 mg/dL",
                "hemoglobin": "12.5 g/dL",
                "sex": "male",
                "systolic_bp": 105,
                "heart_rate": 100,
                "melena": True,
            },
            6,
            "hand calculation from the published table",
            "BUN 18.2-22.4 → 2; Hb 12-13 (man) → 1; SBP 100-109 → 1; pulse ≥100 → 1; melaena 1: 6",
        ),
        Example(
            {
                "bun": "25 mg/dL",
                "hemoglobin": "11 g/dL",
                "sex": "male",
                "systolic_bp": 95,
                "heart_rate": 90,
                "syncope": True,
            },
            10,
            "hand calculation from the published table",
            "BUN 22.4-28 → 3; Hb 10-12 (man) → 3; SBP 90-99 → 2; syncope 2: 10",
        ),
        Example(
            {
                "bun": "50 mg/dL",
                "hemoglobin": "9 g/dL",
                "sex": "male",
                "systolic_bp": 85,
                "heart_rate": 110,
                "hepatic_disease": True,
                "cardiac_failure": True,
            },
            18,
            "hand calculation from the published table",
            "BUN 28-70 → 4; Hb <10 → 6; SBP <90 → 3; pulse → 1; hepatic 2; cardiac failure 2: 18",
        ),
        Example(
            {
                "bun": "80 mg/dL",
                "hemoglobin": "12.5 g/dL",
                "sex": "female",
                "systolic_bp": 130,
                "heart_rate": 70,
            },
            6,
            "hand calculation from the published table",
            "BUN ≥70 → 6; Hb ≥12 (woman) → 0: 6",
        ),
        Example(
            {
                "bun": "10 mg/dL",
                "hemoglobin": "11 g/dL",
                "sex": "female",
                "systolic_bp": 130,
                "heart_rate": 70,
            },
            1,
            "hand calculation from the published table",
            "BUN <18.2 → 0; Hb 10-12 (woman) → 1: 1",
        ),
        Example(
            {
                "bun": "10 mg/dL",
                "hemoglobin": "9.5 g/dL",
                "sex": "female",
                "systolic_bp": 130,
                "heart_rate": 70,
            },
            6,
            "hand calculation from the published table",
            "Hb <10 (woman) → 6",
        ),
    ),
)
