"""Albumin-corrected delta ratio.

Corrected delta ratio = (corrected AG − 12) / (24 − HCO3), where corrected AG = Na − (Cl + HCO3)
+ 2.5 × (4 − albumin [g/dL]) (Figge 1998), 12 mEq/L the normal anion gap and 24 mEq/L the normal
bicarbonate (Wrenn 1990). Normal albumin 4.0 g/dL as in MedCalc-Bench. Undefined when HCO3 = 24 mEq/L.
"""

from calculators.defs import _acid_base as ab
from calculators.formula import Formula
from calculators.spec import Calculator, Example

CALCULATOR = Calculator(
    id="albumin_corrected_delta_ratio",
    medcalc_id=67,
    name="Albumin-corrected delta ratio",
    category="lab",
    description="Delta ratio computed from the albumin-corrected anion gap.",
    inputs=(*ab.electrolytes(), ab.albumin_input()),
    output=ab.ratio_output("Albumin-corrected delta ratio"),
    citation=ab.FIGGE_WRENN,
    method=Formula(steps=(ab.ANION_GAP, ab.CORRECTED_AG, ab.CORRECTED_DG, ab.CORRECTED_DR)),
    examples=(
        # Hand calculation: AG = 135 − (98 + 15) = 22; corrected AG = 22 + 2.5 × (4 − 2.4) = 26;
        # corrected delta gap = 14; ratio = 14 / (24 − 15) = 1.555556.
        Example(
            {"sodium": "135 mEq/L", "chloride": "98 mEq/L", "bicarbonate": "15 mEq/L", "albumin": "2.4 g/dL"},
            1.555556,
            "hand calculation from the published formulas (Figge 1998, Wrenn 1990)",
        ),
        # Hand calculation: AG = 142.8 − (125.5 + 7.5) = 9.8; corrected AG = 9.8 + 2.5 × (4 − 4.2) = 9.3;
        # corrected delta gap = −2.7; ratio = −2.7 / (24 − 7.5) = −0.163636.
        Example(
            {
                "sodium": "142.8 mEq/L",
                "chloride": "125.5 mEq/L",
                "bicarbonate": "7.5 mEq/L",
                "albumin": "4.2 g/dL",
            },
            -0.163636,
            "hand calculation from the published formulas (Figge 1998, Wrenn 1990)",
        ),
    ),
)
