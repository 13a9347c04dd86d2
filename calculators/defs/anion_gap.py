"""Serum anion gap.

AG = Na − (Cl + HCO3), all in mEq/L (= mmol/L for these monovalent ions), without potassium: the form
Emmett & Narins review and MedCalc-Bench uses. A normal gap is about 12 mEq/L (laboratory dependent).
"""

from calculators.defs import _acid_base as ab
from calculators.formula import Formula
from calculators.spec import Calculator, Example

CALCULATOR = Calculator(
    id="anion_gap",
    medcalc_id=39,
    name="Anion gap",
    category="lab",
    description="Unmeasured anions in serum: sodium minus chloride and bicarbonate.",
    inputs=ab.electrolytes(),
    output=ab.gap_output("Anion gap"),
    citation=ab.EMMETT_1977,
    method=Formula(steps=(ab.ANION_GAP,)),
    examples=(
        # Hand calculation: 140 − (104 + 24) = 12 mEq/L.
        Example(
            {"sodium": "140 mmol/L", "chloride": "104 mmol/L", "bicarbonate": "24 mmol/L"},
            12.0,
            "hand calculation from the published formula (Emmett & Narins 1977)",
        ),
        # Hand calculation in mEq/L (valence 1, so 1 mEq/L = 1 mmol/L): 137 − (110 + 9.4) = 17.6 mEq/L.
        Example(
            {"sodium": "137 mEq/L", "chloride": "110 mEq/L", "bicarbonate": "9.4 mEq/L"},
            17.6,
            "hand calculation from the published formula (Emmett & Narins 1977)",
        ),
    ),
)
