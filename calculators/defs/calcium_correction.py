"""Calcium corrected for hypoalbuminemia.

Corrected Ca [mg/dL] = Ca [mg/dL] + 0.8 × (4.0 − albumin [g/dL]): 0.8 mg/dL of calcium per g/dL of albumin
below a normal albumin of 4.0 g/dL (0.02 mmol/L per g/L below 40 g/L in SI units). This is the form in
clinical use and the one MedCalc-Bench, Medscape and MDCalc compute.

Source caveat: Payne et al. (1973), the primary publication, print "adjusted calcium = calcium − albumin
+ 4.0" (mg/100 mL, g/100 mL), i.e. a slope of 1.0 rather than 0.8; the 0.8 (0.02 mmol/L per g/L) slope is a
later rounding of Payne's SI coefficient that became the clinical standard. We compute the 0.8 form, the
calculator this is, and state the difference in `notes`.
"""

import sympy as sp

from calculators import common
from calculators.formula import Formula, Step, symbols_for
from calculators.spec import Calculator, Citation, Example, Output

calcium, albumin, deficit = symbols_for("calcium", "albumin", "albumin_deficit")

NORMAL_ALBUMIN = 4  # g/dL
SLOPE = sp.Float(0.8)  # mg/dL calcium per g/dL albumin

CALCULATOR = Calculator(
    id="calcium_correction",
    medcalc_id=7,
    name="Calcium correction for hypoalbuminemia",
    category="lab",
    description="Total serum calcium adjusted to a normal albumin of 4.0 g/dL.",
    inputs=(
        # 2-25 mg/dL (0.5-6.2 mmol/L) spans the most extreme recorded total calcium values; a calcium in
        # mmol/L entered as mg/dL (2.2) still passes, so the unit must be given explicitly.
        common.lab("calcium", "Serum total calcium", "mg/dL", "calcium", (2.0, 25.0), ("Calcium",)),
        common.albumin(),
    ),
    output=Output("decimal", "Corrected calcium", unit="mg/dL", abs_tol=0.1, analyte="calcium"),
    citation=Citation(
        "Payne RB, Little AJ, Williams RB, Milner JR. Interpretation of serum calcium in patients with "
        "abnormal serum proteins. Br Med J 1973;4(5893):643-6.",
        doi="10.1136/bmj.4.5893.643",
        pmid="4758544",
    ),
    method=Formula(
        steps=(
            Step("albumin_deficit", NORMAL_ALBUMIN - albumin, "Albumin below normal (4.0 g/dL − albumin)"),
            Step("corrected_calcium", calcium + SLOPE * deficit, "Corrected calcium = Ca + 0.8 × deficit"),
        )
    ),
    notes="Payne et al. (1973) print adjusted calcium = calcium − albumin + 4.0, a slope of 1.0 mg/dL per g/dL; "
    "like the benchmark and clinical calculators we use the rounded clinical slope 0.8 (0.02 mmol/L per g/L), "
    "which gives 0.2 × (4 − albumin) mg/dL less. "
    "MedCalc-Bench: converts calcium from mmol/L to mg/dL with the amount in mol rounded to 3 decimals "
    "(1.75 mmol/L becomes 8.0 mg/dL; train_sample rows 2692 and 2612); ours: exact conversion with "
    "40.078 g/mol (1.75 mmol/L = 7.0137 mg/dL); source: IUPAC standard atomic weight of calcium.",
    examples=(
        # Hand calculation: 7.6 + 0.8 × (4.0 − 2.0) = 7.6 + 1.6 = 9.2 mg/dL.
        Example(
            {"calcium": "7.6 mg/dL", "albumin": "2.0 g/dL"},
            9.2,
            "hand calculation from the clinical form of the formula (0.8 per g/dL)",
        ),
        # Hand calculation in SI units: 1.90 mmol/L = 1.90 × 4.0078 = 7.61482 mg/dL; 25 g/L = 2.5 g/dL;
        # 7.61482 + 0.8 × 1.5 = 8.81482 mg/dL (= 1.90 + 0.02 × 15 = 2.20 mmol/L).
        Example(
            {"calcium": "1.90 mmol/L", "albumin": "25 g/L"},
            8.81482,
            "hand calculation from the clinical form of the formula (0.02 mmol/L per g/L)",
        ),
        # Hand calculation, albumin above normal: 10.6 + 0.8 × (4.0 − 5.2) = 10.6 − 0.96 = 9.64 mg/dL.
        Example(
            {"calcium": "10.6 mg/dL", "albumin": "5.2 g/dL"},
            9.64,
            "hand calculation from the clinical form of the formula (0.8 per g/dL)",
        ),
    ),
)
