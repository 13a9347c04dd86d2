"""HAS-BLED score for 1-year major bleeding risk in atrial fibrillation (Pisters 2010), 0-9.

One point each: Hypertension (uncontrolled, systolic > 160 mm Hg); Abnormal renal function (dialysis,
transplant, creatinine ≥ 200 µmol/L) and Abnormal liver function (cirrhosis, or bilirubin > 2× with
AST/ALT/ALP > 3× the upper limit of normal), one point each; Stroke; Bleeding history or predisposition;
Labile INR (time in therapeutic range < 60 %); Elderly (age > 65); Drugs (antiplatelets, NSAIDs) and
alcohol (≥ 8 drinks a week), one point each. ≥ 3 flags high bleeding risk.

Alcohol is entered as drinks per week (MedCalc-Bench's entity); not reported counts as 0.
"""

from calculators import common
from calculators.formula import fmt
from calculators.points import PointScore, bands, flag, rule
from calculators.spec import Calculator, Citation, Example, Input, Output

CALCULATOR = Calculator(
    id="has_bled",
    medcalc_id=25,
    name="HAS-BLED score",
    category="risk",
    description="1-year risk of major bleeding in patients with atrial fibrillation on anticoagulation.",
    inputs=(
        common.yes_no("hypertension", "Uncontrolled hypertension (systolic > 160 mm Hg)", ("Hypertension", "Hypertension history")),
        common.yes_no(
            "renal_disease",
            "Abnormal renal function (dialysis, transplant, Cr ≥ 200 µmol/L)",
            ("Renal disease criteria for the HAS-BLED rule",),
        ),
        common.yes_no(
            "liver_disease",
            "Abnormal liver function (cirrhosis, or bilirubin > 2× ULN with AST/ALT/ALP > 3× ULN)",
            ("Liver disease criteria for the HAS-BLED rule",),
        ),
        common.yes_no("stroke", "Prior stroke", ("Stroke",)),
        common.yes_no(
            "bleeding",
            "Prior major bleeding or predisposition to bleeding",
            ("Prior major bleeding or predisposition to bleeding",),
        ),
        common.yes_no(
            "labile_inr",
            "Labile INR (time in therapeutic range < 60 %)",
            ("Labile international normalized ratio",),
        ),
        common.age(),
        common.yes_no(
            "drugs", "Antiplatelet agents or NSAIDs", ("Medication usage predisposing to bleeding",)
        ),
        Input(
            "alcohol_drinks_per_week",
            "Alcoholic drinks per week",
            range=(0, 300),
            required=False,
            default=0,
            medcalc_keys=("Number of Alcoholic Drinks Per Week",),
            help="not reported = 0",
        ),
    ),
    output=Output("integer", "HAS-BLED score"),
    missing_data={
        "alcohol_drinks_per_week": "not reported → 0 drinks (the alcohol criterion is not met)",
    },
    citation=Citation(
        "Pisters R, Lane DA, Nieuwlaat R, de Vos CB, Crijns HJGM, Lip GYH. A novel user-friendly score "
        "(HAS-BLED) to assess 1-year risk of major bleeding in patients with atrial fibrillation: the Euro "
        "Heart Survey. Chest 2010;138(5):1093-100.",
        doi="10.1378/chest.10-0134",
        pmid="20299623",
    ),
    method=PointScore(
        criteria=(
            flag("hypertension", 1, "Uncontrolled hypertension"),
            flag("renal_disease", 1, "Abnormal renal function"),
            flag("liver_disease", 1, "Abnormal liver function"),
            flag("stroke", 1, "Stroke"),
            flag("bleeding", 1, "Bleeding history or predisposition"),
            flag("labile_inr", 1, "Labile INR"),
            rule(
                "Elderly (age)",
                ["age"],
                lambda v: 1 if round(v["age"], 9) > 65 else 0,
                ["> 65 years: +1", "≤ 65 years: 0"],
                explain=lambda v: f"{fmt(v['age'])} years",
            ),
            flag("drugs", 1, "Antiplatelets or NSAIDs"),
            bands("alcohol_drinks_per_week", [(None, 8, 0), (8, None, 1)], "Alcohol (drinks/week)"),
        ),
        note="≥ 3: high risk of bleeding (Pisters 2010).",
    ),
    examples=(
        # Hand calculations from the published score (Pisters 2010, Table 1).
        Example(
            {"age": 65},
            0,
            "hand calculation from the published score (Pisters 2010)",
            note="age 65 is not > 65; 0 drinks",
        ),
        Example(
            {"age": 66, "alcohol_drinks_per_week": 7, "hypertension": True},
            2,
            "hand calculation from the published score (Pisters 2010)",
            note="1 (HTN) + 1 (age 66) + 0 (7 drinks)",
        ),
        Example(
            {"age": 43, "alcohol_drinks_per_week": 8, "drugs": True, "stroke": True},
            3,
            "hand calculation from the published score (Pisters 2010)",
            note="1 + 1 + 1 (8 drinks)",
        ),
        Example(
            {
                "age": 80,
                "alcohol_drinks_per_week": 14,
                "hypertension": True,
                "renal_disease": True,
                "liver_disease": True,
                "stroke": True,
                "bleeding": True,
                "labile_inr": True,
                "drugs": True,
            },
            9,
            "hand calculation from the published score (Pisters 2010): every item",
            note="9 × 1",
        ),
    ),
)
