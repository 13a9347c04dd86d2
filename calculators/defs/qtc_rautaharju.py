"""QTc by the Rautaharju heart-rate formula.

QTc = QT × (120 + heart rate) / 180, with QT in ms and heart rate in beats per minute (Rautaharju, Mason
and Akiyama 2014, derived from 57,595 ECGs of healthy people so that the upper normal limits do not
depend on heart rate). At 60 beats per minute the correction is 1. MedCalc-Bench computes the same formula.
"""

import sympy as sp

from calculators.defs._qt import QTC_OUTPUT, heart_rate, heart_rate_input, qt, qt_interval
from calculators.formula import Formula, Step
from calculators.spec import Calculator, Citation, Example

CALCULATOR = Calculator(
    id="qtc_rautaharju",
    medcalc_id=59,
    name="QTc (Rautaharju)",
    category="physical",
    description="Heart-rate corrected QT interval by the Rautaharju formula QT × (120 + HR) / 180.",
    inputs=(qt_interval(), heart_rate_input()),
    output=QTC_OUTPUT,
    citation=Citation(
        "Rautaharju PM, Mason JW, Akiyama T. New age- and sex-specific criteria for QT prolongation based on "
        "rate correction formulas that minimize bias at the upper normal limits. Int J Cardiol "
        "2014;174:535-540.",
        doi="10.1016/j.ijcard.2014.04.133",
        pmid="24793593",
    ),
    method=Formula(steps=(Step("qtc", qt * sp.UnevaluatedExpr(120 + heart_rate) / 180, "QTc (Rautaharju)"),)),
    examples=(
        # Hand calculation: QTc = 400 × (120 + 75) / 180 = 400 × 195 / 180 = 433.333 ms.
        Example(
            {"qt_interval": "400 ms", "heart_rate": 75},
            433.333,
            "hand calculation from the published formula (Rautaharju 2014)",
            abs_tol=0.01,
        ),
        # Hand calculation: QTc = 400 × (120 + 50) / 180 = 400 × 170 / 180 = 377.778 ms.
        Example(
            {"qt_interval": "400 ms", "heart_rate": 50},
            377.778,
            "hand calculation from the published formula (Rautaharju 2014)",
            abs_tol=0.01,
        ),
    ),
)
