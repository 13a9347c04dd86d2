"""LDL cholesterol by the Friedewald equation.

LDL-C [mg/dL] = total cholesterol − HDL-C − triglycerides / 5 (Friedewald 1972), triglycerides / 5 being the
estimate of VLDL cholesterol. Friedewald et al. state the estimate is not valid with triglycerides above
400 mg/dL (or with chylomicrons / type III hyperlipoproteinemia), so triglycerides above 400 mg/dL
(4.52 mmol/L) are rejected as out of range rather than given a wrong number.
"""

from calculators import common
from calculators.formula import Formula, Step, symbols_for
from calculators.spec import Calculator, Citation, Example, Output

tc, hdl, tg = symbols_for("total_cholesterol", "hdl", "triglycerides")

CALCULATOR = Calculator(
    id="ldl_friedewald",
    medcalc_id=44,
    name="LDL cholesterol (Friedewald)",
    category="lab",
    description="LDL cholesterol estimated from total cholesterol, HDL cholesterol and triglycerides.",
    inputs=(
        common.lab(
            "total_cholesterol",
            "Total cholesterol",
            "mg/dL",
            "cholesterol",
            (30.0, 1500.0),
            ("Total cholesterol",),
        ),
        common.lab(
            "hdl",
            "HDL cholesterol",
            "mg/dL",
            "cholesterol",
            (2.0, 250.0),
            ("high-density lipoprotein cholesterol",),
        ),
        common.lab(
            "triglycerides",
            "Triglycerides",
            "mg/dL",
            "triglycerides",
            (5.0, 400.0),
            ("Triglycerides",),
            help="the Friedewald estimate is not valid above 400 mg/dL",
        ),
    ),
    output=Output("decimal", "LDL cholesterol", unit="mg/dL", abs_tol=2.0, analyte="cholesterol"),
    citation=Citation(
        "Friedewald WT, Levy RI, Fredrickson DS. Estimation of the concentration of low-density lipoprotein "
        "cholesterol in plasma, without use of the preparative ultracentrifuge. Clin Chem 1972;18(6):499-502.",
        doi="10.1093/clinchem/18.6.499",
        pmid="4337382",
    ),
    method=Formula(steps=(Step("ldl", tc - hdl - tg / 5, "LDL-C = TC − HDL-C − TG/5"),)),
    notes="MedCalc-Bench: converts mmol/L to mg/dL with the amount in mol rounded to 3 decimals and a triglyceride "
    "molar mass of 861.338 g/mol (train_sample row 6555: 98.78 mg/dL); ours: exact conversion with 386.65 g/mol "
    "for cholesterol and 885.7 g/mol for triglycerides, the conventional 38.67 and 88.57 mg/dL per mmol/L "
    "(88.13 mg/dL); source: standard clinical conversion factors (triglycerides expressed as triolein).",
    examples=(
        # Hand calculation: 200 − 50 − 150/5 = 200 − 50 − 30 = 120 mg/dL.
        Example(
            {"total_cholesterol": "200 mg/dL", "hdl": "50 mg/dL", "triglycerides": "150 mg/dL"},
            120.0,
            "hand calculation from the published formula (Friedewald 1972)",
        ),
        # Hand calculation in mmol/L (cholesterol 38.665 and triglycerides 88.57 mg/dL per mmol/L):
        # 4.01 × 38.665 − 1.08 × 38.665 − 1.42 × 88.57 / 5 = 155.04665 − 41.7582 − 25.15388 = 88.13457 mg/dL.
        Example(
            {"total_cholesterol": "4.01 mmol/L", "hdl": "1.08 mmol/L", "triglycerides": "1.42 mmol/L"},
            88.13457,
            "hand calculation from the published formula (Friedewald 1972)",
        ),
    ),
)
