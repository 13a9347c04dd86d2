"""Mean arterial pressure estimated from a cuff (sphygmomanometer) reading.

MAP = (SBP + 2 × DBP) / 3, the traditional formula (equivalently DBP + (SBP − DBP) / 3): diastole lasts
about two thirds of the cardiac cycle at resting heart rates, so the time-weighted mean lies one third of
the pulse pressure above the diastolic pressure. MedCalc-Bench writes it as 1/3 × SBP + 2/3 × DBP, the
same value.
"""

import sympy as sp

from calculators import common
from calculators.formula import Formula, Step, symbols_for
from calculators.spec import Calculator, Citation, Example, Output

sbp, dbp = symbols_for("systolic_bp", "diastolic_bp")

CALCULATOR = Calculator(
    id="mean_arterial_pressure",
    medcalc_id=5,
    name="Mean arterial pressure (MAP)",
    category="physical",
    description="Mean arterial pressure from systolic and diastolic blood pressure.",
    inputs=(common.systolic_bp(), common.diastolic_bp()),
    output=Output("decimal", "Mean arterial pressure", unit="mm[Hg]", abs_tol=1.0),
    # The formula predates any single paper; Meaney et al. state it as "the traditional formula" (and
    # propose a 0.412 × pulse-pressure variant, which neither we nor MedCalc-Bench use). DOI verified, PMID not.
    citation=Citation(
        "Meaney E, Alva F, Moguel R, et al. Formula and nomogram for the "
        "sphygmomanometric calculation of the mean arterial pressure. Heart 2000;84:64.",
        doi="10.1136/heart.84.1.64",
    ),
    method=Formula(steps=(Step("map", sp.UnevaluatedExpr(sbp + 2 * dbp) / 3, "MAP = (SBP + 2 × DBP) / 3"),)),
    examples=(
        # Hand calculation: MAP = 80 + (120 − 80) / 3 = 80 + 13.333 = 93.333 mm Hg.
        Example(
            {"systolic_bp": "120 mm Hg", "diastolic_bp": "80 mm Hg"},
            93.3333,
            "hand calculation from the traditional formula (Meaney 2000)",
        ),
        # Hand calculation with kPa input (1 kPa = 7.500616 mm Hg): 16 kPa = 120.0099 mm Hg and
        # 10.6658 kPa = 80.0001 mm Hg; MAP = 80.0001 + (120.0099 − 80.0001) / 3 = 93.3367 mm Hg.
        Example(
            {"systolic_bp": "16 kPa", "diastolic_bp": "10.6658 kPa"},
            93.3367,
            "hand calculation from the traditional formula (Meaney 2000)",
            abs_tol=0.01,
        ),
    ),
)
