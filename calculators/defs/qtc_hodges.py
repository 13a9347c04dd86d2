"""QTc by the Hodges linear formula.

QTc = QT + 1.75 × (heart rate − 60), with QT in ms and heart rate in beats per minute (Hodges, Salerno and
Erlien 1983, a linear correction in heart rate rather than in RR). MedCalc-Bench writes the same thing as
QT + 1.75 × (60 / RR − 60) with RR = 60 / heart rate (rounded to 5 decimals, a negligible difference).
"""

import sympy as sp

from calculators.defs._qt import QTC_OUTPUT, heart_rate, heart_rate_input, qt, qt_interval
from calculators.formula import Formula, Step
from calculators.spec import Calculator, Citation, Example

CALCULATOR = Calculator(
    id="qtc_hodges",
    medcalc_id=58,
    name="QTc (Hodges)",
    category="physical",
    description="Heart-rate corrected QT interval by the Hodges linear heart-rate formula.",
    inputs=(qt_interval(), heart_rate_input()),
    output=QTC_OUTPUT,
    # A conference abstract: no DOI or PMID could be verified for it.
    citation=Citation(
        "Hodges M, Salerno D, Erlien D. Bazett's QT correction reviewed: evidence that a linear QT "
        "correction for heart rate is better. J Am Coll Cardiol 1983;1:694 (abstract).",
    ),
    method=Formula(
        steps=(Step("qtc", qt + sp.Float(1.75) * sp.UnevaluatedExpr(heart_rate - 60), "QTc (Hodges)"),)
    ),
    examples=(
        # Hand calculation: QTc = 400 + 1.75 × (75 − 60) = 400 + 26.25 = 426.25 ms.
        Example(
            {"qt_interval": "400 ms", "heart_rate": 75},
            426.25,
            "hand calculation from the published formula (Hodges 1983)",
            abs_tol=0.01,
        ),
        # Hand calculation: QTc = 400 + 1.75 × (50 − 60) = 400 − 17.5 = 382.5 ms.
        Example(
            {"qt_interval": "400 ms", "heart_rate": 50},
            382.5,
            "hand calculation from the published formula (Hodges 1983)",
            abs_tol=0.01,
        ),
    ),
)
