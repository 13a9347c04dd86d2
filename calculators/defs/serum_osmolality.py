"""Calculated serum osmolality.

Osm [mOsm/kg] = 2 × Na [mmol/L] + BUN [mg/dL] / 2.8 + glucose [mg/dL] / 18 (Smithline & Gardner 1976).
2.8 and 18 convert BUN (as nitrogen, 28 g/mol per urea) and glucose (180 g/mol) from mg/dL to mmol/L.
"""

import sympy as sp

from calculators import common
from calculators.formula import Formula, Step, symbols_for
from calculators.spec import Calculator, Citation, Example, Output

sodium, bun, glucose = symbols_for("sodium", "bun", "glucose")
bun_factor, glucose_factor = symbols_for("bun_factor", "glucose_factor")

CALCULATOR = Calculator(
    id="serum_osmolality",
    medcalc_id=30,
    name="Serum osmolality (calculated)",
    category="lab",
    description="Calculated serum osmolality from sodium, blood urea nitrogen and glucose.",
    inputs=(common.sodium(), common.bun(), common.glucose()),
    output=Output("decimal", "Calculated serum osmolality", unit="mOsm/kg"),
    citation=Citation(
        "Smithline N, Gardner KD Jr. Gaps--anionic and osmolal. JAMA 1976;236(14):1594-7.",
        doi="10.1001/jama.236.14.1594",
        pmid="989132",
    ),
    # The divisors are steps of their own so the rationale prints "bun/bun_factor" rather than sympy's
    # folded "0.357142857142857*bun".
    method=Formula(
        steps=(
            Step("bun_factor", sp.Float(2.8), "mg/dL of urea nitrogen per mmol/L of urea"),
            Step("glucose_factor", sp.Integer(18), "mg/dL of glucose per mmol/L"),
            Step(
                "osmolality",
                2 * sodium + bun / bun_factor + glucose / glucose_factor,
                "Calculated osmolality = 2 × Na + BUN/2.8 + glucose/18",
            ),
        )
    ),
    examples=(
        # Hand calculation: 2 × 140 + 14 / 2.8 + 90 / 18 = 280 + 5 + 5 = 290 mOsm/kg.
        Example(
            {"sodium": "140 mmol/L", "bun": "14 mg/dL", "glucose": "90 mg/dL"},
            290.0,
            "hand calculation from the published formula (Smithline & Gardner 1976)",
        ),
        # Hand calculation in SI units: urea nitrogen 5 mmol/L = 5 × 2.8014 = 14.007 mg/dL; glucose 10 mmol/L
        # = 180.156 mg/dL; 2 × 140 + 14.007 / 2.8 + 180.156 / 18 = 280 + 5.0025 + 10.0087 = 295.0112.
        Example(
            {"sodium": "140 mEq/L", "bun": "5 mmol/L", "glucose": "10 mmol/L"},
            295.0112,
            "hand calculation from the published formula (Smithline & Gardner 1976)",
        ),
    ),
)
