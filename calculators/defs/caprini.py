"""Caprini score (2005 risk assessment model) for venous thromboembolism.

Caprini 2005, thrombosis risk factor assessment form; the score is the sum of the factors present:
- 1 point: age 41-60; minor surgery planned; major surgery in the past month; congestive heart failure
  (< 1 month); sepsis (< 1 month); serious lung disease incl. pneumonia (< 1 month); abnormal pulmonary
  function (COPD); acute myocardial infarction; medical patient at bed rest; history of inflammatory bowel
  disease; swollen legs (current); varicose veins; obesity (BMI > 25); women: pregnancy or postpartum
  (< 1 month), oral contraceptives or hormone replacement, history of unexplained stillborn infant,
  recurrent spontaneous abortion (≥ 3) or premature birth with toxaemia or growth-restricted infant.
- 2 points: age 61-74; arthroscopic surgery; major surgery (> 45 min); laparoscopic surgery (> 45 min);
  malignancy (present or previous); confined to bed (> 72 h); immobilising plaster cast (< 1 month);
  central venous access.
- 3 points: age ≥ 75; history of DVT/PE; family history of thrombosis; factor V Leiden; prothrombin
  20210A; lupus anticoagulant; anticardiolipin antibodies; elevated serum homocysteine;
  heparin-induced thrombocytopenia; other congenital or acquired thrombophilia.
- 5 points: elective major lower-extremity arthroplasty; hip, pelvis or leg fracture (< 1 month);
  stroke (< 1 month); multiple trauma (< 1 month); acute spinal cord injury with paralysis (< 1 month).

The planned operation (none/minor/major/laparoscopic/arthroscopic/arthroplasty) and mobility (normal/bed
rest/confined > 72 h) are single choices, as in MedCalc-Bench. The form's free "other risk factors" line
is not scored. An unknown BMI scores 0 (the factor is a checkbox: only a documented BMI > 25 counts).
"""

from calculators import common
from calculators.points import PointScore, bands, choice, flag, rule
from calculators.spec import Calculator, Citation, Example, Input, Output

SURGERY = {
    "none": 0,
    "minor": 1,
    "major": 2,
    "laparoscopic": 2,
    "arthroscopic": 2,
    "elective major lower extremity arthroplasty": 5,
}
MOBILITY = {"normal": 0, "on bed rest": 1, "confined to bed >72 hours": 2}

# (input name, label, points, MedCalc-Bench keys)
FACTORS: tuple[tuple[str, str, int, tuple[str, ...]], ...] = (
    ("major_surgery_past_month", "Major surgery in the past month", 1, ("Major Surgery in the last month",)),
    (
        "chf_past_month",
        "Congestive heart failure (< 1 month)",
        1,
        ("Congestive Heart Failure in the last month",),
    ),
    ("sepsis_past_month", "Sepsis (< 1 month)", 1, ("Sepsis in the last month",)),
    (
        "pneumonia_past_month",
        "Serious lung disease incl. pneumonia (< 1 month)",
        1,
        ("Pneumonia in the last month",),
    ),
    ("copd", "Abnormal pulmonary function (COPD)", 1, ("Chronic Obstructive Pulmonary Disease",)),
    ("acute_mi", "Acute myocardial infarction", 1, ("Acute Myocardial infarction",)),
    (
        "inflammatory_bowel_disease",
        "History of inflammatory bowel disease",
        1,
        ("History of inflammatory bowel disease",),
    ),
    ("swollen_legs", "Swollen legs (current)", 1, ("Current swollen legs",)),
    ("varicose_veins", "Varicose veins", 1, ("Varicose veins",)),
    ("pregnancy_or_postpartum", "Pregnancy or postpartum (< 1 month)", 1, ()),
    ("hormonal_therapy", "Oral contraceptives or hormone replacement therapy", 1, ()),
    (
        "adverse_pregnancy_history",
        "Unexplained stillbirth, ≥ 3 spontaneous abortions, or premature birth "
        "with toxaemia or growth-restricted infant",
        1,
        (),
    ),
    ("malignancy", "Malignancy (present or previous)", 2, ("Present or previous malignancy",)),
    (
        "plaster_cast",
        "Immobilising plaster cast (< 1 month)",
        2,
        ("Immobilizing plaster cast in the last month",),
    ),
    ("central_venous_access", "Central venous access", 2, ("Current central venous access",)),
    (
        "dvt_pe_history",
        "History of DVT or PE",
        3,
        ("Previously documented Deep Vein Thrombosis", "Previously Documented Pulmonary Embolism"),
    ),
    ("family_history_thrombosis", "Family history of thrombosis", 3, ("Family history of thrombosis",)),
    ("factor_v_leiden", "Positive factor V Leiden", 3, ("Positive Factor V Leiden",)),
    ("prothrombin_20210a", "Positive prothrombin 20210A", 3, ("Positive prothrombin 20210A",)),
    ("lupus_anticoagulant", "Positive lupus anticoagulant", 3, ("Positive lupus anticoagulant",)),
    (
        "anticardiolipin_antibodies",
        "Elevated anticardiolipin antibodies",
        3,
        ("Elevated anticardiolipin antibody",),
    ),
    ("homocysteine", "Elevated serum homocysteine", 3, ("Elevated serum homocysteine",)),
    (
        "heparin_induced_thrombocytopenia",
        "Heparin-induced thrombocytopenia",
        3,
        ("Heparin-induced thrombocytopenia",),
    ),
    (
        "other_thrombophilia",
        "Other congenital or acquired thrombophilia",
        3,
        ("Other congenital or acquired thrombophilia",),
    ),
    (
        "fracture_past_month",
        "Hip, pelvis or leg fracture (< 1 month)",
        5,
        ("Hip, pelvis, or leg fracture in the last month",),
    ),
    ("stroke_past_month", "Stroke (< 1 month)", 5, ("Stroke in the last month",)),
    ("multiple_trauma_past_month", "Multiple trauma (< 1 month)", 5, ("Multiple trauma in the last month",)),
    (
        "spinal_cord_injury_past_month",
        "Acute spinal cord injury with paralysis (< 1 month)",
        5,
        ("Acute spinal cord injury causing paralysis in the last month",),
    ),
)

CALCULATOR = Calculator(
    id="caprini",
    medcalc_id=36,
    name="Caprini score for venous thromboembolism (2005)",
    category="risk",
    description="Venous thromboembolism risk of surgical (and medical) inpatients from a weighted checklist "
    "of risk factors, used to choose prophylaxis.",
    inputs=(
        common.age(),
        Input(
            "surgery_type",
            "Type of surgery (planned or current)",
            kind="choice",
            choices=tuple(SURGERY),
            required=False,
            default="none",
            medcalc_keys=("Surgery Type",),
            aliases={
                "major (>45 min)": "major",
                "laparoscopic (>45 min)": "laparoscopic",
                "arthroplasty": "elective major lower extremity arthroplasty",
                "elective major lower-extremity arthroplasty": "elective major lower extremity arthroplasty",
            },
        ),
        Input(
            "mobility",
            "Mobility",
            kind="choice",
            choices=tuple(MOBILITY),
            required=False,
            default="normal",
            medcalc_keys=("Mobility",),
            aliases={
                "normal, out of bed": "normal",
                "ambulatory": "normal",
                "bed rest": "on bed rest",
                "medical patient currently on bed rest": "on bed rest",
                "confined to bed > 72 hours": "confined to bed >72 hours",
                "patient confined to bed >72 hours": "confined to bed >72 hours",
            },
        ),
        Input(
            "bmi",
            "Body mass index",
            unit="kg/m2",
            range=(8.0, 150.0),
            required=False,
            bare_number_ok=True,
            medcalc_keys=("Body Mass Index (BMI)",),
        ),
        *[common.yes_no(name, label, keys) for name, label, _, keys in FACTORS],
    ),
    output=Output("integer", "Caprini score"),
    missing_data={
        "surgery_type": "not reported → none (0), MedCalc-Bench's default",
        "mobility": "not reported → normal/ambulatory (0), MedCalc-Bench's default",
        "bmi": "not reported → not > 25 kg/m² (0)",
    },
    citation=Citation(
        "Caprini JA. Thrombosis risk assessment as a guide to quality patient care. Dis Mon 2005;51:70-8.",
        doi="10.1016/j.disamonth.2005.02.003",
        pmid="15900257",
    ),
    method=PointScore(
        criteria=(
            bands("age", [(None, 41, 0), (41, 61, 1), (61, 75, 2), (75, None, 3)], "Age", unit="year"),
            choice("surgery_type", SURGERY, "Type of surgery"),
            choice("mobility", MOBILITY, "Mobility"),
            rule(
                "Obesity (BMI > 25)",
                ("bmi",),
                lambda v: 1 if v["bmi"] is not None and v["bmi"] > 25 else 0,
                ("BMI > 25 kg/m²: 1", "otherwise or unknown: 0"),
                explain=lambda v: "not recorded" if v["bmi"] is None else f"{v['bmi']:g} kg/m²",
            ),
            *[flag(name, points, label) for name, label, points, _ in FACTORS],
        ),
    ),
    medcalc_ignore={
        "sex": "context only: Caprini's women-only risk factors are findings of their own (pregnancy or "
        "postpartum, hormonal therapy, adverse pregnancy history; Caprini 2005), which the benchmark does "
        "not extract; sex itself scores no point.",
    },
    notes="MedCalc-Bench Verified: previous DVT and previous PE score 3 points each, and BMI > 25 scores 2 (its "
    "explanation header says 1); ours: history of DVT/PE is one 3-point factor, BMI > 25 scores 1; source: "
    "Caprini 2005 (risk factor assessment form).",
    examples=(
        # Hand calculations from the 2005 form (Caprini 2005).
        Example({"age": 35}, 0, "hand calculation from the published form", "no factors, age ≤ 40"),
        Example(
            {
                "age": 50,
                "surgery_type": "minor",
                "mobility": "on bed rest",
                "bmi": "27 kg/m2",
                "varicose_veins": True,
                "pregnancy_or_postpartum": True,
            },
            6,
            "hand calculation from the published form",
            "age 41-60 1 + minor surgery 1 + bed rest 1 + BMI > 25 1 + varicose veins 1 + postpartum 1 = 6",
        ),
        Example(
            {
                "age": 65,
                "surgery_type": "major",
                "mobility": "confined to bed >72 hours",
                "malignancy": True,
                "central_venous_access": True,
                "plaster_cast": True,
            },
            12,
            "hand calculation from the published form",
            "age 61-74 2 + major surgery 2 + confined > 72 h 2 + malignancy 2 + central line 2 + cast 2 = 12",
        ),
        Example(
            {
                "age": 80,
                "surgery_type": "elective major lower extremity arthroplasty",
                "dvt_pe_history": True,
                "factor_v_leiden": True,
            },
            14,
            "hand calculation from the published form",
            "age ≥ 75 3 + arthroplasty 5 + DVT/PE history 3 + factor V Leiden 3 = 14",
        ),
        Example(
            {
                "age": 45,
                "surgery_type": "laparoscopic",
                "fracture_past_month": True,
                "stroke_past_month": True,
            },
            13,
            "hand calculation from the published form",
            "age 41-60 1 + laparoscopic 2 + fracture 5 + stroke 5 = 13",
        ),
        Example(
            {
                "age": 70,
                "surgery_type": "arthroscopic",
                "bmi": 25,
                "sepsis_past_month": True,
                "chf_past_month": True,
                "copd": True,
                "acute_mi": True,
                "inflammatory_bowel_disease": True,
                "swollen_legs": True,
                "hormonal_therapy": True,
                "adverse_pregnancy_history": True,
                "major_surgery_past_month": True,
                "pneumonia_past_month": True,
            },
            14,
            "hand calculation from the published form",
            "age 61-74 2 + arthroscopic 2 + BMI 25 (not > 25) 0 + ten 1-point factors 10 = 14",
        ),
        Example(
            {
                "age": 30,
                "family_history_thrombosis": True,
                "prothrombin_20210a": True,
                "lupus_anticoagulant": True,
                "anticardiolipin_antibodies": True,
                "homocysteine": True,
                "heparin_induced_thrombocytopenia": True,
                "other_thrombophilia": True,
                "multiple_trauma_past_month": True,
                "spinal_cord_injury_past_month": True,
            },
            31,
            "hand calculation from the published form",
            "seven 3-point factors 21 + multiple trauma 5 + spinal cord injury 5 = 31",
        ),
    ),
)
