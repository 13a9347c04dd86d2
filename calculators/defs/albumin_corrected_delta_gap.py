"""Albumin-corrected delta gap.

Corrected delta gap = corrected AG − 12, where corrected AG = Na − (Cl + HCO3) + 2.5 × (4 − albumin [g/dL])
(Figge 1998) and 12 mEq/L is the normal anion gap (Wrenn 1990). Normal albumin 4.0 g/dL as in
MedCalc-Bench (Figge leaves it to the laboratory).
"""

from calculators.defs import _acid_base as ab
from calculators.formula import Formula
from calculators.spec import Calculator, Example

CALCULATOR = Calculator(
    id="albumin_corrected_delta_gap",
    medcalc_id=66,
    name="Albumin-corrected delta gap",
    category="lab",
    description="Excess of the albumin-corrected anion gap over its normal value (12 mEq/L).",
    inputs=(*ab.electrolytes(), ab.albumin_input()),
    output=ab.gap_output("Albumin-corrected delta gap"),
    citation=ab.FIGGE_WRENN,
    method=Formula(steps=(ab.ANION_GAP, ab.CORRECTED_AG, ab.CORRECTED_DG)),
    examples=(
        # Hand calculation: AG = 135 − (98 + 15) = 22; corrected AG = 22 + 2.5 × (4 − 2.4) = 26;
        # delta gap = 26 − 12 = 14 mEq/L.
        Example(
            {"sodium": "135 mEq/L", "chloride": "98 mEq/L", "bicarbonate": "15 mEq/L", "albumin": "2.4 g/dL"},
            14.0,
            "hand calculation from the published formulas (Figge 1998, Wrenn 1990)",
        ),
        # Hand calculation: AG = 141 − (108 + 26) = 7; corrected AG = 7 + 2.5 × (4 − 4.4) = 6;
        # delta gap = 6 − 12 = −6 mEq/L.
        Example(
            {
                "sodium": "141 mmol/L",
                "chloride": "108 mmol/L",
                "bicarbonate": "26 mmol/L",
                "albumin": "44 g/L",
            },
            -6.0,
            "hand calculation from the published formulas (Figge 1998, Wrenn 1990)",
        ),
    ),
)
