"""Framingham 10-year risk of hard coronary heart disease (MI or coronary death), ATP III version.

The sex-specific Cox model behind the NCEP ATP III risk tool (ages 20-79, no diabetes or known CHD):

Men:   L = 52.00961 ln(age) + 20.014077 ln(TC) − 0.905964 ln(HDL) + 1.305784 ln(SBP) + 0.241549 BPtreated
           + 12.096316 smoker − 4.605038 ln(age) ln(TC) − 2.84367 ln(age_s) smoker − 2.93323 ln(age)²
           − 172.300168;                 risk = 1 − 0.9402^exp(L)
Women: L = 31.764001 ln(age) + 22.465206 ln(TC) − 1.187731 ln(HDL) + 2.552905 ln(SBP) + 0.420251 BPtreated
           + 13.07543 smoker − 5.060998 ln(age) ln(TC) − 2.996945 ln(age_s) smoker − 146.5933061;
                                         risk = 1 − 0.98767^exp(L)
age_s = min(age, 70) for men and min(age, 78) for women (the smoking-by-age term stops falling there).
Cholesterol in mg/dL, SBP in mm Hg; risk reported in %. A missing smoking or treatment status counts as
"no", as in MedCalc-Bench.

The ATP III report publishes the point tables; these coefficients are the ones of the NHLBI/Framingham
electronic ATP III calculator (also MDCalc's and MedCalc-Bench's). MedCalc-Bench's implementation
matches them.
"""

import sympy as sp

from calculators import common
from calculators.formula import Formula, Step, symbols_for
from calculators.spec import Calculator, Citation, Example, Output

age, tc, hdl, sbp, treated, smoker, female = symbols_for(
    "age", "total_cholesterol", "hdl_cholesterol", "systolic_bp", "bp_treated", "smoker", "sex_female"
)
age_s, lin = symbols_for("age_smoke", "linear_predictor")
ln = sp.log
is_female = sp.Eq(female, 1)

MEN = (
    sp.Float("52.00961") * ln(age)
    + sp.Float("20.014077") * ln(tc)
    - sp.Float("0.905964") * ln(hdl)
    + sp.Float("1.305784") * ln(sbp)
    + sp.Float("0.241549") * treated
    + sp.Float("12.096316") * smoker
    - sp.Float("4.605038") * ln(age) * ln(tc)
    - sp.Float("2.84367") * ln(age_s) * smoker
    - sp.Float("2.93323") * ln(age) ** 2
    - sp.Float("172.300168")
)
WOMEN = (
    sp.Float("31.764001") * ln(age)
    + sp.Float("22.465206") * ln(tc)
    - sp.Float("1.187731") * ln(hdl)
    + sp.Float("2.552905") * ln(sbp)
    + sp.Float("0.420251") * treated
    + sp.Float("13.07543") * smoker
    - sp.Float("5.060998") * ln(age) * ln(tc)
    - sp.Float("2.996945") * ln(age_s) * smoker
    - sp.Float("146.5933061")
)

CALCULATOR = Calculator(
    id="framingham_hard_chd",
    medcalc_id=46,
    name="Framingham risk score for hard coronary heart disease (ATP III)",
    category="risk",
    description="10-year risk (%) of myocardial infarction or coronary death in adults 20-79 without "
    "diabetes or known coronary disease.",
    inputs=(
        common.age(range=(20, 79), help="the ATP III equation covers ages 20-79"),
        common.sex(),
        common.lab(
            "total_cholesterol",
            "Total cholesterol",
            "mg/dL",
            "cholesterol",
            (50, 700),
            ("Total cholesterol",),
        ),
        common.lab(
            "hdl_cholesterol",
            "HDL cholesterol",
            "mg/dL",
            "cholesterol",
            (5, 250),
            ("high-density lipoprotein cholesterol",),
        ),
        common.systolic_bp(),
        common.yes_no(
            "bp_treated",
            "Blood pressure treated with medication",
            ("Blood pressure being treated with medicines",),
        ),
        common.yes_no("smoker", "Current smoker", ("Smoker",)),
    ),
    output=Output("decimal", "10-year risk of hard CHD", unit="%"),
    citation=Citation(
        "Expert Panel on Detection, Evaluation, and Treatment of High Blood Cholesterol in Adults. Third "
        "Report of the National Cholesterol Education Program (NCEP) Adult Treatment Panel III (ATP III) "
        "final report. Circulation 2002;106(25):3143-3421 (Framingham hard-CHD risk function; coefficients "
        "as in the NHLBI electronic ATP III risk calculator).",
        doi="10.1161/circ.106.25.3143",
        pmid="12485966",
    ),
    method=Formula(
        steps=(
            Step(
                "age_smoke",
                sp.Piecewise((sp.Min(age, 78), is_female), (sp.Min(age, 70), True)),
                "Age in the smoking term (capped at 78 for women, 70 for men)",
            ),
            Step("linear_predictor", sp.Piecewise((WOMEN, is_female), (MEN, True)), "Linear predictor L"),
            Step(
                "risk",
                sp.Piecewise(
                    (100 * (1 - sp.Float("0.98767") ** sp.exp(lin)), is_female),
                    (100 * (1 - sp.Float("0.9402") ** sp.exp(lin)), True),
                ),
                "10-year risk (%) = 100 × (1 − S0^exp(L))",
            ),
        )
    ),
    examples=(
        # Hand calculation (MedCalc-Bench Verified row, male 79, TC 190, HDL 49, SBP 120, untreated,
        # non-smoker): ln 79 = 4.369448, ln 190 = 5.247024, ln 49 = 3.891820, ln 120 = 4.787492;
        # L = 52.00961×4.369448 + 20.014077×5.247024 − 0.905964×3.891820 + 1.305784×4.787492
        #     − 4.605038×4.369448×5.247024 − 2.93323×4.369448² − 172.300168 = 1.113734;
        # risk = 100 × (1 − 0.9402^e^1.113734) = 17.1225 %.
        Example(
            {
                "age": 79,
                "sex": "male",
                "total_cholesterol": "190 mg/dL",
                "hdl_cholesterol": "49 mg/dL",
                "systolic_bp": 120,
            },
            17.1225,
            "hand calculation from the published coefficients",
            abs_tol=0.001,
        ),
        # Hand calculation, male smoker over 70 (age_s = 70), treated: age 75, TC 230, HDL 40, SBP 150:
        # L = 1.747771; risk = 100 × (1 − 0.9402^e^1.747771) = 29.8163 %.
        Example(
            {
                "age": 75,
                "sex": "male",
                "total_cholesterol": "230 mg/dL",
                "hdl_cholesterol": "40 mg/dL",
                "systolic_bp": 150,
                "bp_treated": True,
                "smoker": True,
            },
            29.8163,
            "hand calculation from the published coefficients",
            abs_tol=0.001,
        ),
        # Hand calculation, woman 55, TC 213, HDL 50, SBP 120, untreated non-smoker:
        # L = 31.764001 ln55 + 22.465206 ln213 − 1.187731 ln50 + 2.552905 ln120 − 5.060998 ln55 ln213
        #     − 146.5933061 = −0.019188; risk = 100 × (1 − 0.98767^e^−0.019188) = 1.2097 %.
        Example(
            {
                "age": 55,
                "sex": "female",
                "total_cholesterol": "213 mg/dL",
                "hdl_cholesterol": "50 mg/dL",
                "systolic_bp": 120,
            },
            1.2097,
            "hand calculation from the published coefficients",
            abs_tol=0.001,
        ),
        # Hand calculation, woman 79 (age_s = 78), treated smoker, TC 250, HDL 45, SBP 140:
        # L = 2.671414; risk = 100 × (1 − 0.98767^e^2.671414) = 16.4233 %.
        Example(
            {
                "age": 79,
                "sex": "female",
                "total_cholesterol": "250 mg/dL",
                "hdl_cholesterol": "45 mg/dL",
                "systolic_bp": 140,
                "bp_treated": "yes",
                "smoker": "yes",
            },
            16.4233,
            "hand calculation from the published coefficients",
            abs_tol=0.001,
        ),
    ),
)
