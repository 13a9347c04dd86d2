"""Adjusted body weight: ideal body weight plus 40 % of the excess over it.

ABW = IBW + 0.4 × (actual weight − IBW), with IBW by Devine (see ideal_body_weight). The 0.4 factor comes
from aminoglycoside pharmacokinetics in morbidly obese patients (Bauer et al. 1983): the excess weight
adds about 40 % of normal tissue's volume of distribution. MedCalc-Bench computes the same formula and
applies it whatever the patient's weight (also when actual weight is below IBW, giving a value below IBW);
we do the same, since the formula is stated without a weight condition.
"""

from calculators import common
from calculators.defs._body_weight import (
    ABW,
    BAUER_CITATION,
    DEVINE_NOTE,
    DEVINE_STEPS,
    adult_height,
)
from calculators.formula import Formula
from calculators.spec import Calculator, Example, Output

CALCULATOR = Calculator(
    id="adjusted_body_weight",
    medcalc_id=62,
    name="Adjusted body weight",
    category="physical",
    description="Dosing weight for obese patients: ideal body weight + 0.4 × (actual − ideal body weight).",
    inputs=(common.sex(), common.weight(), adult_height()),
    output=Output("decimal", "Adjusted body weight", unit="kg", abs_tol=1.0),
    citation=BAUER_CITATION,
    method=Formula(steps=(*DEVINE_STEPS, ABW)),
    notes=DEVINE_NOTE,
    examples=(
        # Hand calculation: 180 cm = 70.866 in; IBW = 50 + 2.3 × 10.866 = 74.992 kg;
        # ABW = 74.992 + 0.4 × (100 − 74.992) = 74.992 + 10.003 = 84.995 kg.
        Example(
            {"sex": "male", "weight": "100 kg", "height": "180 cm"},
            84.9953,
            "hand calculation from the published formulas (Devine 1974, Bauer 1983)",
        ),
        # Hand calculation: 160 cm = 62.992 in; IBW = 45.5 + 2.3 × 2.992 = 52.382 kg;
        # ABW = 52.382 + 0.4 × (78 − 52.382) = 52.382 + 10.247 = 62.629 kg.
        Example(
            {"sex": "female", "weight": "78 kg", "height": "160 cm"},
            62.6291,
            "hand calculation from the published formulas (Devine 1974, Bauer 1983)",
        ),
    ),
)
