"""Albumin-corrected anion gap (Figge).

Corrected AG = AG + 2.5 × (4 − albumin [g/dL]), with AG = Na − (Cl + HCO3) in mEq/L. Figge et al. derive
0.25 mEq/L per g/L of albumin (2.5 per g/dL) and leave the normal albumin to the laboratory; we use
4.0 g/dL, as MedCalc-Bench does.
"""

from calculators.defs import _acid_base as ab
from calculators.formula import Formula
from calculators.spec import Calculator, Example

CALCULATOR = Calculator(
    id="albumin_corrected_anion_gap",
    medcalc_id=65,
    name="Albumin-corrected anion gap",
    category="lab",
    description="Anion gap adjusted for low (or high) serum albumin, which carries most unmeasured anions.",
    inputs=(*ab.electrolytes(), ab.albumin_input()),
    output=ab.gap_output("Albumin-corrected anion gap"),
    citation=ab.FIGGE_1998,
    method=Formula(steps=(ab.ANION_GAP, ab.CORRECTED_AG)),
    examples=(
        # Hand calculation: AG = 130 − (100 + 12) = 18; corrected = 18 + 2.5 × (4 − 2.0) = 23 mEq/L.
        Example(
            {
                "sodium": "130 mEq/L",
                "chloride": "100 mEq/L",
                "bicarbonate": "12 mEq/L",
                "albumin": "2.0 g/dL",
            },
            23.0,
            "hand calculation from the published formula (Figge 1998)",
        ),
        # Hand calculation with albumin in g/L (45 g/L = 4.5 g/dL): AG = 140 − (104 + 24) = 12;
        # corrected = 12 + 2.5 × (4 − 4.5) = 10.75 mEq/L.
        Example(
            {
                "sodium": "140 mmol/L",
                "chloride": "104 mmol/L",
                "bicarbonate": "24 mmol/L",
                "albumin": "45 g/L",
            },
            10.75,
            "hand calculation from the published formula (Figge 1998)",
        ),
    ),
)
