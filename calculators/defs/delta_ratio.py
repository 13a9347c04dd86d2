"""Delta ratio: rise in the anion gap over fall in bicarbonate.

Delta ratio = (AG − 12) / (24 − HCO3), with AG = Na − (Cl + HCO3) in mEq/L, 12 mEq/L the normal anion gap
and 24 mEq/L the normal bicarbonate (Wrenn 1990). Undefined when HCO3 = 24 mEq/L (no fall to compare).
"""

from calculators.defs import _acid_base as ab
from calculators.formula import Formula
from calculators.spec import Calculator, Example

CALCULATOR = Calculator(
    id="delta_ratio",
    medcalc_id=64,
    name="Delta ratio",
    category="lab",
    description="Ratio of the anion gap increase to the bicarbonate decrease, for mixed acid-base disorders.",
    inputs=ab.electrolytes(),
    output=ab.ratio_output("Delta ratio"),
    citation=ab.WRENN_1990,
    method=Formula(steps=(ab.ANION_GAP, ab.DELTA_GAP, ab.DELTA_RATIO)),
    examples=(
        # Hand calculation: AG = 140 − (100 + 14) = 26; delta gap = 14; ratio = 14 / (24 − 14) = 1.4.
        Example(
            {"sodium": "140 mEq/L", "chloride": "100 mEq/L", "bicarbonate": "14 mEq/L"},
            1.4,
            "hand calculation from the published formula (Wrenn 1990)",
        ),
        # Hand calculation: AG = 136 − (112 + 16) = 8; delta gap = −4; ratio = −4 / (24 − 16) = −0.5.
        Example(
            {"sodium": "136 mmol/L", "chloride": "112 mmol/L", "bicarbonate": "16 mmol/L"},
            -0.5,
            "hand calculation from the published formula (Wrenn 1990)",
        ),
    ),
)
