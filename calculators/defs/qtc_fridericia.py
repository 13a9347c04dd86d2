"""QTc by Fridericia's formula: the QT interval corrected for heart rate by the cube root of RR.

QTc = QT / RR^(1/3), with QT in ms and RR = 60 / heart rate in seconds. Fridericia (1920) found systole
duration proportional to the cube root of the cycle length; dividing by RR^(1/3) normalises the QT to
RR = 1 s (60 beats per minute). MedCalc-Bench computes the same formula.
"""

import sympy as sp

from calculators.defs._qt import QTC_OUTPUT, RR, heart_rate_input, qt, qt_interval, rr
from calculators.formula import Formula, Step
from calculators.spec import Calculator, Citation, Example

CALCULATOR = Calculator(
    id="qtc_fridericia",
    medcalc_id=56,
    name="QTc (Fridericia)",
    category="physical",
    description="Heart-rate corrected QT interval by Fridericia's cube-root formula.",
    inputs=(qt_interval(), heart_rate_input()),
    output=QTC_OUTPUT,
    citation=Citation(
        "Fridericia LS. Die Systolendauer im Elektrokardiogramm bei normalen Menschen und bei Herzkranken. "
        "Acta Med Scand 1920;53:469-486.",
        doi="10.1111/j.0954-6820.1920.tb18266.x",
    ),
    method=Formula(steps=(RR, Step("qtc", qt / rr ** sp.Rational(1, 3), "QTc (Fridericia)"))),
    examples=(
        # Hand calculation: HR 75 → RR 0.8 s; 0.8^(1/3) = 0.928318; QTc = 400 / 0.928318 = 430.887 ms.
        Example(
            {"qt_interval": "400 ms", "heart_rate": 75},
            430.887,
            "hand calculation from the published formula (Fridericia 1920)",
            abs_tol=0.01,
        ),
        # Hand calculation: HR 50 → RR 1.2 s; 1.2^(1/3) = 1.062659; QTc = 400 / 1.062659 = 376.414 ms.
        Example(
            {"qt_interval": "400 msec", "heart_rate": 50},
            376.414,
            "hand calculation from the published formula (Fridericia 1920)",
            abs_tol=0.01,
        ),
    ),
)
