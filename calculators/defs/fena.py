"""Fractional excretion of sodium (FENa).

FENa [%] = (urine Na × serum creatinine) / (serum Na × urine creatinine) × 100 (Espinel 1976). Below 1 %
suggests prerenal azotemia; above 3 % (Espinel) acute tubular necrosis. Only the ratios matter, so each
pair (sodium, creatinine) just has to share a unit; we convert both to mmol/L and mg/dL.
"""

from calculators import common
from calculators.formula import Formula, Step, symbols_for
from calculators.spec import Calculator, Citation, Example, Output

s_cr, s_na, u_cr, u_na = symbols_for("creatinine", "sodium", "urine_creatinine", "urine_sodium")

CALCULATOR = Calculator(
    id="fena",
    medcalc_id=40,
    name="Fractional excretion of sodium (FENa)",
    category="lab",
    description="Percentage of filtered sodium excreted in urine, to separate prerenal from intrinsic AKI.",
    inputs=(
        common.creatinine(),
        common.sodium(),
        # Urine concentrations vary far more than serum ones: 1-500 mmol/L sodium, 1-1000 mg/dL creatinine.
        common.lab("urine_sodium", "Urine sodium", "mmol/L", "sodium", (1.0, 500.0), ("Urine sodium",)),
        common.lab(
            "urine_creatinine",
            "Urine creatinine",
            "mg/dL",
            "creatinine",
            (1.0, 1000.0),
            ("Urine creatinine",),
        ),
    ),
    output=Output("decimal", "FENa", unit="%"),
    citation=Citation(
        "Espinel CH. The FENa test. Use in the differential diagnosis of acute renal failure. "
        "JAMA 1976;236(6):579-81.",
        doi="10.1001/jama.236.6.579",
        pmid="947239",
    ),
    method=Formula(steps=(Step("fena", 100 * u_na * s_cr / (s_na * u_cr), "FENa"),)),
    examples=(
        # Hand calculation: (10 × 2.0) / (140 × 80) × 100 = 20 / 11200 × 100 = 0.178571 %.
        Example(
            {
                "creatinine": "2.0 mg/dL",
                "sodium": "140 mmol/L",
                "urine_sodium": "10 mmol/L",
                "urine_creatinine": "80 mg/dL",
            },
            0.178571,
            "hand calculation from the published formula (Espinel 1976)",
        ),
        # Hand calculation with both creatinines in µmol/L (the unit cancels): serum 265.2 µmol/L and urine
        # 2652 µmol/L give the ratio 0.1; (60 × 0.1) / 140 × 100 = 4.285714 %.
        Example(
            {
                "creatinine": "265.2 umol/L",
                "sodium": "140 mEq/L",
                "urine_sodium": "60 mEq/L",
                "urine_creatinine": "2652 umol/L",
            },
            4.285714,
            "hand calculation from the published formula (Espinel 1976)",
        ),
    ),
)
