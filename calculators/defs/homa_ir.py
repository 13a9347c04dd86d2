"""HOMA-IR: homeostasis model assessment of insulin resistance.

HOMA-IR = fasting insulin [µIU/mL] × fasting glucose [mmol/L] / 22.5 (Matthews 1985). With glucose in
mg/dL this is often written insulin × glucose / 405 (22.5 × 18); we convert glucose to mmol/L with its
molar mass (18.016 mg/dL per mmol/L), so results differ from the /405 form by 0.04 %.
"""

import sympy as sp

from calculators import common
from calculators.formula import Formula, Step, symbols_for
from calculators.spec import Calculator, Citation, Example, Input, Output

insulin, glucose, constant = symbols_for("insulin", "glucose", "homa_constant")

CALCULATOR = Calculator(
    id="homa_ir",
    medcalc_id=31,
    name="HOMA-IR",
    category="lab",
    description="Insulin resistance estimated from fasting insulin and fasting glucose.",
    inputs=(
        Input("insulin", "Fasting insulin", unit="u[IU]/mL", range=(0.1, 1000.0), medcalc_keys=("Insulin",)),
        # 0.3-170 mmol/L = 5-3000 mg/dL, the range of the other glucose inputs.
        common.lab("glucose", "Fasting plasma glucose", "mmol/L", "glucose", (0.3, 170.0), ("Glucose",)),
    ),
    output=Output("decimal", "HOMA-IR"),
    citation=Citation(
        "Matthews DR, Hosker JP, Rudenski AS, et al. Homeostasis model assessment: insulin resistance and "
        "beta-cell function from fasting plasma glucose and insulin concentrations in man. "
        "Diabetologia 1985;28(7):412-9.",
        doi="10.1007/BF00280883",
        pmid="3899825",
    ),
    # 22.5 = 4.5 mmol/L × 5 µIU/mL, the product for a normal-weight young adult (HOMA-IR 1 by definition);
    # a step of its own so the rationale prints "/homa_constant" instead of sympy's folded 0.0444.
    method=Formula(
        steps=(
            Step("homa_constant", sp.Float(22.5), "Normal glucose × insulin product (4.5 mmol/L × 5 µIU/mL)"),
            Step("homa_ir", insulin * glucose / constant, "HOMA-IR = insulin × glucose / 22.5"),
        )
    ),
    notes="MedCalc-Bench: insulin × glucose [mg/dL] / 405; ours: insulin × glucose [mmol/L] / 22.5 with glucose "
    "converted by its molar mass (18.016), 0.04 % lower; source: Matthews 1985.",
    examples=(
        # Hand calculation: 10 µIU/mL × 5.0 mmol/L / 22.5 = 2.222222.
        Example(
            {"insulin": "10 uIU/mL", "glucose": "5.0 mmol/L"},
            2.222222,
            "hand calculation from the published formula (Matthews 1985)",
        ),
        # Hand calculation with glucose in mg/dL: 298 mg/dL / 18.0156 = 16.541220 mmol/L;
        # 14.5 × 16.541220 / 22.5 = 10.659897.
        Example(
            {"insulin": "14.5 µIU/mL", "glucose": "298 mg/dL"},
            10.659897,
            "hand calculation from the published formula (Matthews 1985)",
        ),
    ),
)
