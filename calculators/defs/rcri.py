"""Revised Cardiac Risk Index (Lee 1999) for major cardiac complications of noncardiac surgery, 0-6.

One point each: high-risk surgery (intraperitoneal, intrathoracic or suprainguinal vascular); ischaemic heart
disease (prior MI, positive exercise test, angina, nitrate use, pathological Q waves); congestive heart
failure; cerebrovascular disease (stroke or TIA); preoperative insulin treatment; preoperative serum
creatinine > 2.0 mg/dL (176.8 µmol/L).

A creatinine that is not reported counts as not > 2 mg/dL, like every other unreported finding
(MedCalc-Bench's convention); the rationale says so.
"""

from calculators import common
from calculators.formula import fmt
from calculators.points import PointScore, flag, rule
from calculators.spec import Calculator, Citation, Example, Output


def _creatinine_points(v: dict) -> int:
    scr = v["creatinine"]
    # Round away unit-conversion noise (176.8 µmol/L is 1.5629... mg/dL; 2 mg/dL must stay exactly 2).
    return 1 if scr is not None and round(scr, 9) > 2.0 else 0


def _creatinine_explain(v: dict) -> str:
    scr = v["creatinine"]
    return "not reported (counted as ≤ 2 mg/dL)" if scr is None else f"{fmt(scr)} mg/dL"


CALCULATOR = Calculator(
    id="rcri",
    medcalc_id=17,
    name="Revised Cardiac Risk Index (Lee)",
    category="risk",
    description="Risk of major cardiac complications after elective major noncardiac surgery.",
    inputs=(
        common.yes_no(
            "high_risk_surgery",
            "High-risk surgery (intraperitoneal, intrathoracic, suprainguinal vascular)",
            ("Elevated-risk surgery",),
        ),
        common.yes_no(
            "ischemic_heart_disease",
            "History of ischaemic heart disease",
            ("History of ischemic heart disease",),
        ),
        common.yes_no(
            "heart_failure",
            "History of congestive heart failure",
            ("Congestive Heart Failure criteria for the Cardiac Risk Index rule",),
        ),
        common.yes_no(
            "cerebrovascular_disease", "History of stroke or TIA", ("History of cerebrovascular disease", "Cerebrovascular disease history")
        ),
        common.yes_no(
            "insulin", "Preoperative treatment with insulin", ("Pre-operative treatment with insulin",)
        ),
        common.lab(
            "creatinine",
            "Preoperative serum creatinine",
            "mg/dL",
            "creatinine",
            (0.1, 25.0),
            ("Pre-operative creatinine",),
            required=False,
            help="not reported = not > 2 mg/dL",
        ),
    ),
    output=Output("integer", "RCRI"),
    missing_data={
        "creatinine": "not reported → not > 2 mg/dL (0 points), as MedCalc-Bench does; Lee 1999 scores the "
        "criterion only when the preoperative creatinine is known to exceed 2 mg/dL",
    },
    citation=Citation(
        "Lee TH, Marcantonio ER, Mangione CM, et al. Derivation and prospective validation of a simple index "
        "for prediction of cardiac risk of major noncardiac surgery. Circulation 1999;100(10):1043-9.",
        doi="10.1161/01.CIR.100.10.1043",
        pmid="10477528",
    ),
    method=PointScore(
        criteria=(
            flag("high_risk_surgery", 1, "High-risk surgery"),
            flag("ischemic_heart_disease", 1, "Ischaemic heart disease"),
            flag("heart_failure", 1, "Congestive heart failure"),
            flag("cerebrovascular_disease", 1, "Cerebrovascular disease"),
            flag("insulin", 1, "Insulin treatment"),
            rule(
                "Preoperative creatinine",
                ["creatinine"],
                _creatinine_points,
                ["> 2.0 mg/dL (176.8 µmol/L): +1", "≤ 2.0 mg/dL or not reported: 0"],
                explain=_creatinine_explain,
            ),
        )
    ),
    examples=(
        # Hand calculations from the published criteria (Lee 1999).
        Example({}, 0, "hand calculation from the published criteria (Lee 1999)", note="nothing present"),
        Example(
            {"creatinine": "2.0 mg/dL", "insulin": True},
            1,
            "hand calculation from the published criteria (Lee 1999)",
            note="creatinine 2.0 is not > 2: 0 + 1",
        ),
        Example(
            {"creatinine": "2.1 mg/dL", "insulin": True, "high_risk_surgery": True},
            3,
            "hand calculation from the published criteria (Lee 1999)",
            note="1 + 1 + 1 = 3",
        ),
        # 200 µmol/L / 88.4 = 2.26 mg/dL > 2.
        Example(
            {
                "creatinine": "200 umol/L",
                "high_risk_surgery": True,
                "ischemic_heart_disease": True,
                "heart_failure": True,
                "cerebrovascular_disease": True,
                "insulin": True,
            },
            6,
            "hand calculation from the published criteria (Lee 1999): every item",
            note="6 × 1",
        ),
    ),
)
