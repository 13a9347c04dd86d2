"""CHA2DS2-VASc score for stroke risk in atrial fibrillation (0-9)."""

from calculators.common import age, sex, yes_no
from calculators.points import PointScore, bands, choice, flag
from calculators.spec import Calculator, Citation, Example, Output

CALCULATOR = Calculator(
    id="cha2ds2_vasc",
    medcalc_id=4,
    name="CHA2DS2-VASc score",
    category="risk",
    description="Annual stroke/thromboembolism risk stratification in non-valvular atrial fibrillation.",
    inputs=(
        age(),
        sex(),
        yes_no("chf", "Congestive heart failure history", ("Congestive Heart Faliure", "Congestive Heart Failure")),
        yes_no("hypertension", "Hypertension history", ("Hypertension history",)),
        yes_no("stroke_tia_thromboembolism", "Prior stroke, TIA or thromboembolism",
               ("Stroke", "Transient Ischemic Attacks History", "Thromboembolism history")),
        yes_no("vascular_disease", "Vascular disease (prior MI, peripheral artery disease, aortic plaque)",
               ("Vascular disease history",)),
        yes_no("diabetes", "Diabetes mellitus", ("Diabetes history",)),
    ),
    output=Output("integer", "CHA2DS2-VASc score"),
    citation=Citation(
        "Lip GYH et al. Refining clinical risk stratification for predicting stroke and thromboembolism in "
        "atrial fibrillation using a novel risk factor-based approach. Chest 2010;137:263-72.",
        doi="10.1378/chest.09-1584",
        pmid="19762550",
    ),
    method=PointScore(
        criteria=(
            flag("chf", 1, "Congestive heart failure"),
            flag("hypertension", 1, "Hypertension"),
            bands("age", [(None, 65, 0), (65, 75, 1), (75, None, 2)], "Age", unit="year"),
            flag("diabetes", 1, "Diabetes mellitus"),
            flag("stroke_tia_thromboembolism", 2, "Stroke/TIA/thromboembolism"),
            flag("vascular_disease", 1, "Vascular disease"),
            choice("sex", {"female": 1, "male": 0}, "Sex category"),
        )
    ),
    # Hand calculations from the point table in Lip 2010 (Table 1): C1 H1 A2 D1 S2 V1 A(65-74)1 Sc(female)1.
    examples=(
        Example({"age": 50, "sex": "male"}, 0, "Lip 2010 Table 1: no risk factor = 0"),
        Example({"age": 70, "sex": "female", "hypertension": True}, 3,
                "Lip 2010 Table 1: age 65-74 (1) + female (1) + hypertension (1) = 3"),
        Example({"age": 80, "sex": "male", "stroke_tia_thromboembolism": True}, 4,
                "Lip 2010 Table 1: age >= 75 (2) + prior stroke (2) = 4"),
        Example({"age": 76, "sex": "female", "chf": True, "hypertension": True, "diabetes": True,
                 "stroke_tia_thromboembolism": True, "vascular_disease": True}, 9,
                "Lip 2010 Table 1: maximum score 9"),
    ),
)
