"""Delta gap: how far the anion gap is above normal.

Delta gap = AG − 12, with AG = Na − (Cl + HCO3) in mEq/L and 12 mEq/L the normal anion gap (Wrenn 1990).
"""

from calculators.defs import _acid_base as ab
from calculators.formula import Formula
from calculators.spec import Calculator, Example

CALCULATOR = Calculator(
    id="delta_gap",
    medcalc_id=63,
    name="Delta gap",
    category="lab",
    description="Excess of the anion gap over its normal value (12 mEq/L), for mixed acid-base disorders.",
    inputs=ab.electrolytes(),
    output=ab.gap_output("Delta gap"),
    citation=ab.WRENN_1990,
    method=Formula(steps=(ab.ANION_GAP, ab.DELTA_GAP)),
    examples=(
        # Hand calculation: AG = 140 − (100 + 14) = 26; delta gap = 26 − 12 = 14 mEq/L.
        Example(
            {"sodium": "140 mEq/L", "chloride": "100 mEq/L", "bicarbonate": "14 mEq/L"},
            14.0,
            "hand calculation from the published formula (Wrenn 1990)",
        ),
        # Hand calculation, gap below normal: AG = 139 − (110 + 22) = 7; delta gap = 7 − 12 = −5 mEq/L.
        Example(
            {"sodium": "139 mmol/L", "chloride": "110 mmol/L", "bicarbonate": "22 mmol/L"},
            -5.0,
            "hand calculation from the published formula (Wrenn 1990)",
        ),
    ),
)
