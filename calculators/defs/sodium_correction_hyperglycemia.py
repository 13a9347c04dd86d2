"""Serum sodium corrected for hyperglycemia (Hillier).

Corrected Na [mEq/L] = measured Na + 0.024 × (glucose [mg/dL] − 100): 2.4 mEq/L per 100 mg/dL of glucose
above 100 mg/dL, Hillier's overall correction factor (replacing Katz's 1.6).

The result is declared in mEq/L, the unit Hillier reports and MedCalc-Bench's question asks for ("... in
terms of mEq/L"), and the one MIMIC-IV records sodium in; for sodium (valence 1) it reads 1:1 as mmol/L, and
an answer in mmol/L is converted to it like any other unit.
"""

import sympy as sp

from calculators import common
from calculators.formula import Formula, Step, symbols_for
from calculators.spec import Calculator, Citation, Example, Output

sodium, glucose, excess = symbols_for("sodium", "glucose", "glucose_excess")

CALCULATOR = Calculator(
    id="sodium_correction_hyperglycemia",
    medcalc_id=26,
    name="Sodium correction for hyperglycemia",
    category="lab",
    description="Serum sodium adjusted for the dilution caused by hyperglycemia (Hillier factor 2.4).",
    inputs=(common.sodium(), common.glucose()),
    output=Output("decimal", "Corrected sodium", unit="mEq/L", abs_tol=0.5, analyte="sodium"),
    citation=Citation(
        "Hillier TA, Abbott RD, Barrett EJ. Hyponatremia: evaluating the correction factor for "
        "hyperglycemia. Am J Med 1999;106(4):399-403.",
        doi="10.1016/S0002-9343(99)00055-8",
        pmid="10225241",
    ),
    method=Formula(
        steps=(
            Step("glucose_excess", glucose - 100, "Glucose above 100 mg/dL"),
            Step("corrected_sodium", sodium + sp.Float(0.024) * excess, "Corrected Na = Na + 0.024 × excess"),
        )
    ),
    examples=(
        # Hand calculation: 130 + 0.024 × (500 − 100) = 130 + 9.6 = 139.6 mmol/L.
        Example(
            {"sodium": "130 mmol/L", "glucose": "500 mg/dL"},
            139.6,
            "hand calculation from the published formula (Hillier 1999)",
        ),
        # Hand calculation with glucose in mmol/L (×18.0156 mg/dL per mmol/L): 27.8 mmol/L = 500.83368 mg/dL;
        # 128 + 0.024 × 400.83368 = 137.62001 mmol/L.
        Example(
            {"sodium": "128 mEq/L", "glucose": "27.8 mmol/L"},
            137.62001,
            "hand calculation from the published formula (Hillier 1999)",
        ),
        # Hand calculation, glucose below 100 mg/dL: 135 + 0.024 × (80 − 100) = 134.52 mmol/L.
        Example(
            {"sodium": "135 mmol/L", "glucose": "80 mg/dL"},
            134.52,
            "hand calculation from the published formula (Hillier 1999)",
        ),
    ),
)
