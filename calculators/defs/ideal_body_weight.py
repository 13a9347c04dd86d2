"""Ideal body weight by the Devine formula.

IBW (kg) = 50 (men) or 45.5 (women) + 2.3 × (height in inches − 60). Devine (1974) gave it for gentamicin
dosing as "50 kg + 2.3 kg per inch over 5 feet" (45.5 kg for women). MedCalc-Bench computes the same
formula (converting cm to inches with 0.393701 in/cm; we use the exact 2.54 cm/in). Below 5 ft the
formula is extrapolated linearly, as MedCalc-Bench does; see `notes`.
"""

from calculators import common
from calculators.defs._body_weight import DEVINE_CITATION, DEVINE_NOTE, DEVINE_STEPS, adult_height
from calculators.formula import Formula
from calculators.spec import Calculator, Example, Output

CALCULATOR = Calculator(
    id="ideal_body_weight",
    medcalc_id=10,
    name="Ideal body weight (Devine)",
    category="physical",
    description="Ideal body weight for drug dosing from height and sex (Devine formula), adults.",
    inputs=(common.sex(), adult_height()),
    output=Output("decimal", "Ideal body weight", unit="kg"),
    citation=DEVINE_CITATION,
    method=Formula(steps=DEVINE_STEPS),
    notes=DEVINE_NOTE,
    examples=(
        # Hand calculation: 175 cm / 2.54 = 68.898 in; IBW = 50 + 2.3 × 8.898 = 70.465 kg.
        Example(
            {"sex": "male", "height": "175 cm"},
            70.4646,
            "hand calculation from the published formula (Devine 1974)",
        ),
        # Hand calculation: 160 cm / 2.54 = 62.992 in; IBW = 45.5 + 2.3 × 2.992 = 52.382 kg.
        Example(
            {"sex": "female", "height": "160 cm"},
            52.3819,
            "hand calculation from the published formula (Devine 1974)",
        ),
        # Hand calculation: exactly 5 ft (60 in): IBW = 45.5 + 2.3 × 0 = 45.5 kg.
        Example(
            {"sex": "F", "height": "5 ft"}, 45.5, "hand calculation from the published formula (Devine 1974)"
        ),
    ),
)
