"""QTc by the Framingham linear formula (Sagie et al. 1992).

QTc = QT + 0.154 × (1 − RR) in seconds, i.e. QTc = QT + 154 × (1 − RR) with QT in ms and RR = 60 / heart
rate in seconds. The slope 0.154 is the linear regression of QT on RR in 5,018 Framingham Heart Study
participants. MedCalc-Bench computes the same value (its explanation text prints "QT/(154 × (1 − RR))",
a typo; its number is QT + 154 × (1 − RR)).
"""

import sympy as sp

from calculators.defs._qt import QTC_OUTPUT, RR, heart_rate_input, qt, qt_interval, rr
from calculators.formula import Formula, Step
from calculators.spec import Calculator, Citation, Example

CALCULATOR = Calculator(
    id="qtc_framingham",
    medcalc_id=57,
    name="QTc (Framingham)",
    category="physical",
    description="Heart-rate corrected QT interval by the Framingham Heart Study linear formula.",
    inputs=(qt_interval(), heart_rate_input()),
    output=QTC_OUTPUT,
    citation=Citation(
        "Sagie A, Larson MG, Goldberg RJ, Bengtson JR, Levy D. An improved method for adjusting the QT "
        "interval for heart rate (the Framingham Heart Study). Am J Cardiol 1992;70:797-801.",
        doi="10.1016/0002-9149(92)90562-D",
        pmid="1519533",
    ),
    # UnevaluatedExpr keeps "154*(1 - rr)" as written in the paper instead of sympy's expanded form.
    method=Formula(steps=(RR, Step("qtc", qt + 154 * sp.UnevaluatedExpr(1 - rr), "QTc (Framingham)"))),
    examples=(
        # Hand calculation: HR 75 → RR 0.8 s; QTc = 400 + 154 × (1 − 0.8) = 400 + 30.8 = 430.8 ms.
        Example(
            {"qt_interval": "400 ms", "heart_rate": 75},
            430.8,
            "hand calculation from the published formula (Sagie 1992)",
            abs_tol=0.01,
        ),
        # Hand calculation: HR 50 → RR 1.2 s; QTc = 400 + 154 × (1 − 1.2) = 400 − 30.8 = 369.2 ms.
        Example(
            {"qt_interval": "400 ms", "heart_rate": 50},
            369.2,
            "hand calculation from the published formula (Sagie 1992)",
            abs_tol=0.01,
        ),
    ),
)
