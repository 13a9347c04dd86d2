"""QTc by Bazett's formula: the QT interval corrected for heart rate by the square root of RR.

QTc = QT / √RR, with QT in ms and RR = 60 / heart rate in seconds (so QTc is reported in ms).
Bazett (1920) wrote QT = K × √(cycle length); dividing the measured QT by √RR gives the QT expected at
RR = 1 s (60 beats per minute). MedCalc-Bench computes the same formula.
"""

import sympy as sp

from calculators.defs._qt import QTC_OUTPUT, RR, heart_rate_input, qt, qt_interval, rr
from calculators.formula import Formula, Step
from calculators.spec import Calculator, Citation, Example

CALCULATOR = Calculator(
    id="qtc_bazett",
    medcalc_id=11,
    name="QTc (Bazett)",
    category="physical",
    description="Heart-rate corrected QT interval by Bazett's square-root formula.",
    inputs=(qt_interval(), heart_rate_input()),
    output=QTC_OUTPUT,
    citation=Citation(
        "Bazett HC. An analysis of the time-relations of electrocardiograms. Heart 1920;7:353-370 "
        "(reprinted in Ann Noninvasive Electrocardiol 1997;2:177-194; the DOI is the reprint's).",
        doi="10.1111/j.1542-474X.1997.tb00325.x",
    ),
    method=Formula(steps=(RR, Step("qtc", qt / sp.sqrt(rr), "QTc (Bazett)"))),
    examples=(
        # Hand calculation: HR 75 → RR = 60/75 = 0.8 s; QTc = 400 / √0.8 = 400 / 0.894427 = 447.214 ms.
        Example(
            {"qt_interval": "400 ms", "heart_rate": 75},
            447.214,
            "hand calculation from the published formula (Bazett 1920)",
            abs_tol=0.01,
        ),
        # Hand calculation: HR 50 → RR = 1.2 s; QTc = 400 / √1.2 = 400 / 1.095445 = 365.148 ms.
        Example(
            {"qt_interval": "0.4 s", "heart_rate": "50 beats per minute"},
            365.148,
            "hand calculation from the published formula (Bazett 1920)",
            abs_tol=0.01,
        ),
    ),
)
