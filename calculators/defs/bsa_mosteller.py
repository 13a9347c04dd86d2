"""Body surface area by Mosteller's formula.

BSA (m²) = √(height (cm) × weight (kg) / 3600). Mosteller (1987) simplified the Gehan-George equation to
this square root so it can be done on a pocket calculator. MedCalc-Bench computes the same formula.
"""

import sympy as sp

from calculators import common
from calculators.formula import Formula, Step, symbols_for
from calculators.spec import Calculator, Citation, Example, Output

weight, height = symbols_for("weight", "height")

CALCULATOR = Calculator(
    id="bsa_mosteller",
    medcalc_id=60,
    name="Body surface area (Mosteller)",
    category="physical",
    description="Body surface area from height and weight by Mosteller's square-root formula.",
    inputs=(common.weight(), common.height()),
    output=Output("decimal", "Body surface area", unit="m2"),
    citation=Citation(
        "Mosteller RD. Simplified calculation of body-surface area. N Engl J Med 1987;317:1098.",
        doi="10.1056/NEJM198710223171717",
        pmid="3657876",
    ),
    # UnevaluatedExpr keeps the published form √(ht × wt / 3600) in the rationale (sympy would print
    # √(ht × wt) / 60, the same number).
    method=Formula(steps=(Step("bsa", sp.sqrt(sp.UnevaluatedExpr(height * weight / 3600)), "BSA"),)),
    examples=(
        # Hand calculation: √(180 × 80 / 3600) = √(14400 / 3600) = √4 = 2.000 m².
        Example(
            {"weight": "80 kg", "height": "180 cm"},
            2.0,
            "hand calculation from the published formula (Mosteller 1987)",
        ),
        # Hand calculation: √(160 × 55 / 3600) = √2.44444 = 1.56347 m².
        Example(
            {"weight": "55000 g", "height": "1.6 m"},
            1.56347,
            "hand calculation from the published formula (Mosteller 1987)",
        ),
    ),
)
