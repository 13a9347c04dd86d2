"""Fibrosis-4 (FIB-4) index for liver fibrosis.

FIB-4 = age [years] × AST [U/L] / (platelets [10⁹/L] × √ALT [U/L]) (Sterling 2006). Below 1.45 advanced
fibrosis is unlikely; above 3.25 it is likely (derivation cohort: HIV/HCV co-infection).
"""

import sympy as sp

from calculators import common
from calculators.formula import Formula, Step, symbols_for
from calculators.spec import Calculator, Citation, Example, Input, Output

age, ast, alt, platelets = symbols_for("age", "ast", "alt", "platelets")

CALCULATOR = Calculator(
    id="fib4",
    medcalc_id=19,
    name="Fibrosis-4 (FIB-4) index",
    category="lab",
    description="Non-invasive index of advanced liver fibrosis from age, AST, ALT and platelet count.",
    inputs=(
        common.age(),
        # Aminotransferases: 1-20,000 U/L covers fulminant hepatitis; a value in µkat/L (×60 = U/L) is
        # below 1 U/L in most cases and is rejected.
        Input(
            "ast",
            "Aspartate aminotransferase (AST)",
            unit="U/L",
            range=(1, 20_000),
            medcalc_keys=("Aspartate aminotransferase",),
        ),
        Input(
            "alt",
            "Alanine aminotransferase (ALT)",
            unit="U/L",
            range=(1, 20_000),
            medcalc_keys=("Alanine aminotransferase",),
        ),
        # 1-2,000 ×10⁹/L; a count per µL written without the unit (e.g. 250000) is far outside it.
        Input(
            "platelets", "Platelet count", unit="10*9/L", range=(1, 2_000), medcalc_keys=("Platelet count",)
        ),
    ),
    output=Output("decimal", "FIB-4 index"),
    citation=Citation(
        "Sterling RK, Lissen E, Clumeck N, et al. Development of a simple noninvasive index to predict "
        "significant fibrosis in patients with HIV/HCV coinfection. Hepatology 2006;43(6):1317-25.",
        doi="10.1002/hep.21178",
        pmid="16729309",
    ),
    method=Formula(steps=(Step("fib4", age * ast / (platelets * sp.sqrt(alt)), "FIB-4"),)),
    examples=(
        # Hand calculation: 55 × 50 / (200 × √40) = 2750 / (200 × 6.324555) = 2.174066.
        Example(
            {"age": 55, "ast": "50 U/L", "alt": "40 U/L", "platelets": "200 10*9/L"},
            2.174066,
            "hand calculation from the published formula (Sterling 2006)",
        ),
        # Hand calculation with platelets per µL: 181,000/µL = 181 ×10⁹/L;
        # 35 × 107 / (181 × √104) = 3745 / (181 × 10.198039) = 2.028881.
        Example(
            {"age": 35, "ast": "107 U/L", "alt": "104 U/L", "platelets": "181000 /uL"},
            2.028881,
            "hand calculation from the published formula (Sterling 2006)",
        ),
    ),
)
