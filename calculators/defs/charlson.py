"""Charlson Comorbidity Index (CCI) with age points (0-37).

Comorbidity weights from Charlson 1987 (table of weighted conditions):
- 1 point: myocardial infarction, congestive heart failure, peripheral vascular disease,
  cerebrovascular disease (stroke or TIA), dementia, chronic pulmonary disease, connective tissue
  disease, ulcer disease, mild liver disease, diabetes (treated with insulin or oral agents; diet-only
  diabetes is not counted).
- 2 points: hemiplegia, moderate or severe renal disease, diabetes with end-organ damage, any tumour
  (non-metastatic), leukaemia, lymphoma.
- 3 points: moderate or severe liver disease.
- 6 points: metastatic solid tumour, AIDS.
Graded conditions count once at their highest grade (diabetes, liver disease, solid tumour), as in the
usual reading of the index.

Age: Charlson's combined age-comorbidity score adds points by decade of age (usually cited as one point
per decade over 40). We follow the form used by MedCalc-Bench and MDCalc, which counts decades from 50:
< 50: 0; 50-59: 1; 60-69: 2; 70-79: 3; ≥ 80: 4 (a project decision; see `notes`).
"""

from calculators import common
from calculators.points import PointScore, bands, choice, flag
from calculators.spec import Calculator, Citation, Example, Input, Output

LIVER = {"none": 0, "mild": 1, "moderate to severe": 3}
DIABETES = {"none or diet-controlled": 0, "uncomplicated": 1, "end-organ damage": 2}
TUMOR = {"none": 0, "localized": 2, "metastatic": 6}


def _graded(name, label, points, keys, aliases):
    return Input(
        name,
        label,
        kind="choice",
        choices=tuple(points),
        aliases=aliases,
        required=False,
        default=next(iter(points)),
        medcalc_keys=keys,
    )


CALCULATOR = Calculator(
    id="charlson",
    medcalc_id=32,
    name="Charlson Comorbidity Index",
    category="risk",
    description="Weighted count of comorbid conditions (plus age points) predicting 10-year mortality.",
    inputs=(
        common.age(),
        common.yes_no("myocardial_infarction", "Myocardial infarction (history)", ("Myocardial infarction",)),
        common.yes_no("chf", "Congestive heart failure", ("Congestive Heart Failure", "Congestive Heart Faliure")),
        common.yes_no(
            "peripheral_vascular_disease", "Peripheral vascular disease", ("Peripheral vascular disease",)
        ),
        common.yes_no(
            "cerebrovascular_disease",
            "Cerebrovascular accident or transient ischaemic attack",
            ("Cerebrovascular Accident", "Transient Ischemic Attacks History"),
        ),
        common.yes_no("dementia", "Dementia", ("Dementia",)),
        common.yes_no(
            "chronic_pulmonary_disease", "Chronic pulmonary disease", ("Chronic Pulmonary Disease", "Chronic Obstructive Pulmonary Disease")
        ),
        common.yes_no(
            "connective_tissue_disease", "Connective tissue disease", ("Connective tissue disease",)
        ),
        common.yes_no("peptic_ulcer_disease", "Peptic ulcer disease", ("Peptic ulcer disease",)),
        _graded(
            "liver_disease",
            "Liver disease",
            LIVER,
            ("Liver disease severity",),
            {
                "moderate": "moderate to severe",
                "severe": "moderate to severe",
                "moderate_to_severe": "moderate to severe",
                "no": "none",
            },
        ),
        _graded(
            "diabetes",
            "Diabetes mellitus",
            DIABETES,
            ("Diabetes mellitus", "Diabetes mellitus criteria for CCI rule"),
            {
                "none": "none or diet-controlled",
                "diet-controlled": "none or diet-controlled",
                "no": "none or diet-controlled",
                "end organ damage": "end-organ damage",
                "end_organ_damage": "end-organ damage",
            },
        ),
        common.yes_no("hemiplegia", "Hemiplegia", ("Hemiplegia",)),
        common.yes_no(
            "renal_disease",
            "Moderate to severe chronic kidney disease",
            ("Moderate to severe Chronic Kidney Disease",),
            aliases={"severe": "yes", "moderate": "yes", "moderate to severe": "yes"},
        ),
        _graded(
            "solid_tumor",
            "Solid tumour",
            TUMOR,
            ("Solid tumor",),
            # MedCalc-Bench v1.0 also writes the finding as True/False: a solid tumour with no metastasis
            # reported is Charlson's "any tumor" (2 points); metastatic (6) must be stated.
            {"localised": "localized", "no": "none", "metastasized": "metastatic", "True": "localized",
             "False": "none"},
        ),
        common.yes_no("leukemia", "Leukaemia", ("Leukemia",)),
        common.yes_no("lymphoma", "Lymphoma", ("Lymphoma",)),
        common.yes_no("aids", "AIDS (not just HIV positive)", ("AIDS",)),
    ),
    output=Output("integer", "Charlson Comorbidity Index"),
    missing_data={
        "liver_disease": "not reported → none (0), as MedCalc-Bench does (calculator_implementations/cci.py)",
        "diabetes": "not reported → none or diet-controlled (0), as MedCalc-Bench does",
        "solid_tumor": "not reported, or False → none (0); True without a stage → localized (2, Charlson "
        "1987's 'any tumor'); metastatic (6) must be stated. MedCalc-Bench adds 1 point for True",
    },
    citation=Citation(
        "Charlson ME, Pompei P, Ales KL, MacKenzie CR. A new method of classifying prognostic comorbidity "
        "in longitudinal studies: development and validation. J Chronic Dis 1987;40:373-83.",
        doi="10.1016/0021-9681(87)90171-8",
        pmid="3558716",
    ),
    method=PointScore(
        criteria=(
            bands(
                "age",
                [(None, 50, 0), (50, 60, 1), (60, 70, 2), (70, 80, 3), (80, None, 4)],
                "Age",
                unit="year",
            ),
            flag("myocardial_infarction", 1, "Myocardial infarction"),
            flag("chf", 1, "Congestive heart failure"),
            flag("peripheral_vascular_disease", 1, "Peripheral vascular disease"),
            flag("cerebrovascular_disease", 1, "Cerebrovascular accident or TIA"),
            flag("dementia", 1, "Dementia"),
            flag("chronic_pulmonary_disease", 1, "Chronic pulmonary disease"),
            flag("connective_tissue_disease", 1, "Connective tissue disease"),
            flag("peptic_ulcer_disease", 1, "Peptic ulcer disease"),
            choice("liver_disease", LIVER, "Liver disease"),
            choice("diabetes", DIABETES, "Diabetes mellitus"),
            flag("hemiplegia", 2, "Hemiplegia"),
            flag("renal_disease", 2, "Moderate to severe chronic kidney disease"),
            choice("solid_tumor", TUMOR, "Solid tumour"),
            flag("leukemia", 2, "Leukaemia"),
            flag("lymphoma", 2, "Lymphoma"),
            flag("aids", 6, "AIDS"),
        ),
        note="Age points as in MDCalc/MedCalc-Bench (one per decade from 50, at most 4).",
    ),
    notes="Age points: Charlson's combined age-comorbidity score is usually cited as one point per decade "
    "over 40; MedCalc-Bench and MDCalc count decades from 50 (50-59: 1 … ≥ 80: 4). We follow the benchmark "
    "form by design; the comorbidity weights are the paper's. MedCalc-Bench v1.0: 'Solid tumor': True adds 1 "
    "point (it matches none of its none/localized/metastatic branches and falls through to the 1-point rule); "
    "ours: True without a stage is a localized tumour, 2 points; source: Charlson 1987 (any tumour 2, "
    "metastatic solid tumour 6).",
    examples=(
        # Hand calculations from the published weights (Charlson 1987) and the MDCalc age points.
        Example({"age": 45}, 0, "hand calculation from the published weights", "no conditions, age < 50"),
        Example(
            {
                "age": 55,
                "myocardial_infarction": True,
                "chf": True,
                "peripheral_vascular_disease": True,
                "cerebrovascular_disease": True,
                "dementia": True,
                "chronic_pulmonary_disease": True,
                "connective_tissue_disease": True,
                "peptic_ulcer_disease": True,
                "liver_disease": "mild",
                "diabetes": "uncomplicated",
            },
            11,
            "hand calculation from the published weights",
            "age 50-59 → 1 + eight 1-point conditions + mild liver 1 + diabetes 1 = 11",
        ),
        Example(
            {
                "age": 65,
                "liver_disease": "moderate to severe",
                "diabetes": "end-organ damage",
                "hemiplegia": True,
                "renal_disease": True,
                "solid_tumor": "localized",
                "leukemia": True,
                "lymphoma": True,
            },
            17,
            "hand calculation from the published weights",
            "age 60-69 → 2 + liver 3 + diabetes 2 + hemiplegia 2 + renal 2 + tumour 2 + leukaemia 2 "
            "+ lymphoma 2 = 17",
        ),
        Example(
            {"age": 75, "solid_tumor": "metastatic", "aids": True, "diabetes": "none or diet-controlled"},
            15,
            "hand calculation from the published weights",
            "age 70-79 → 3 + metastatic 6 + AIDS 6 = 15",
        ),
        Example(
            {"age": 85, "cerebrovascular_disease": True},
            5,
            "hand calculation from the published weights",
            "age ≥ 80 → 4 + cerebrovascular 1 = 5",
        ),
    ),
)
