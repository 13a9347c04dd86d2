"""CKD-EPI 2021 creatinine equation (race-free) for eGFR.

eGFR = 142 × min(Scr/κ, 1)^α × max(Scr/κ, 1)^−1.200 × 0.9938^age × 1.012 [female]
κ = 0.7 (female) / 0.9 (male); α = −0.241 (female) / −0.302 (male).
MedCalc-Bench's implementation uses κ = 0.7 in the male branch too; we follow the publication
(docs/calculators.md, "ckd_epi_2021").
"""

import sympy as sp

from calculators import common
from calculators.formula import Formula, Step, symbols_for
from calculators.spec import Calculator, Citation, Example, Output

scr, age, female, kappa, alpha = symbols_for("creatinine", "age", "sex_female", "kappa", "alpha")
ratio = sp.Symbol("ratio", real=True)

CALCULATOR = Calculator(
    id="ckd_epi_2021",
    medcalc_id=3,
    name="CKD-EPI 2021 creatinine eGFR",
    category="lab",
    description="Estimated glomerular filtration rate from serum creatinine, age and sex (race-free 2021 refit).",
    inputs=(
        common.creatinine(),
        common.age(range=(18, 120)),
        common.sex(),
    ),
    output=Output("decimal", "eGFR", unit="mL/min/{1.73_m2}"),
    citation=Citation(
        "Inker LA et al. New Creatinine- and Cystatin C-Based Equations to Estimate GFR without Race. "
        "N Engl J Med 2021;385:1737-49.",
        doi="10.1056/NEJMoa2102953",
        pmid="34554658",
    ),
    method=Formula(
        steps=(
            Step("kappa", sp.Piecewise((0.7, sp.Eq(female, 1)), (0.9, True)), "κ"),
            Step("alpha", sp.Piecewise((-0.241, sp.Eq(female, 1)), (-0.302, True)), "α"),
            Step("ratio", scr / kappa, "Scr/κ"),
            Step(
                "egfr",
                142 * sp.Min(ratio, 1) ** alpha * sp.Max(ratio, 1) ** sp.Float(-1.200) * sp.Float(0.9938) ** age
                * (1 + sp.Float(0.012) * female),
                "eGFR",
            ),
        )
    ),
    notes="MedCalc-Bench: κ = 0.7 in the male branch; ours: κ = 0.9 for males; source: Inker 2021 "
    "(equation box: κ 0.7 female, 0.9 male).",
    examples=(
        # Hand calculation from the published formula: 142 × (1.2/0.7)^-1.200 × 0.9938^60 × 1.012.
        Example({"creatinine": "1.2 mg/dL", "age": 60, "sex": "female"}, 51.8213,
                "hand calculation from the published formula (Inker 2021)"),
        # Male below κ: 142 × (0.8/0.9)^-0.302 × 0.9938^40 = 114.735 (hand calculation).
        Example({"creatinine": "0.8 mg/dL", "age": 40, "sex": "male"}, 114.735,
                "hand calculation from the published formula (Inker 2021)", abs_tol=0.05),
        # Male above κ, the branch MedCalc-Bench gets wrong (κ 0.7 there gives 52.8): the National Kidney
        # Foundation's CKD-EPI 2021 calculator (kidney.org) reports 71 for a 55-year-old man with Scr
        # 1.2 mg/dL (142 × (1.2/0.9)^-1.200 × 0.9938^55 = 71.42; the calculator shows whole numbers).
        Example({"creatinine": "1.2 mg/dL", "age": 55, "sex": "male"}, 71,
                "National Kidney Foundation CKD-EPI 2021 calculator (kidney.org), as published", abs_tol=0.5),
    ),
)
