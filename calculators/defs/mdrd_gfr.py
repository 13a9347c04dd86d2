"""MDRD study equation (4-variable, IDMS-traceable creatinine) for eGFR.

eGFR = 175 × Scr^−1.154 × age^−0.203 × 0.742 [if female] × 1.212 [if Black], Scr in mg/dL (Levey 2006,
re-expressed for standardized creatinine from the original 186 coefficient).

Race: the equation has a race coefficient. MedCalc-Bench applies 1.0 when race is not stated, and so do
we (`race` is optional with default "other"). Current guidance prefers the race-free CKD-EPI 2021
equation (`ckd_epi_2021`).
"""

import sympy as sp

from calculators import common
from calculators.formula import Formula, Step, symbols_for
from calculators.spec import Calculator, Citation, Example, Input, Output

scr, age, female, black = symbols_for("creatinine", "age", "sex_female", "race_black")
sex_factor, race_factor = symbols_for("sex_factor", "race_factor")

RACE_ALIASES = {
    "african american": "black",
    "african-american": "black",
    "black or african american": "black",
    "white": "other",
    "caucasian": "other",
    "asian": "other",
    "hispanic": "other",
    "latino": "other",
    "non-black": "other",
    "not black": "other",
    "unknown": "other",
}

CALCULATOR = Calculator(
    id="mdrd_gfr",
    medcalc_id=9,
    name="MDRD GFR equation",
    category="lab",
    description="Estimated GFR from serum creatinine, age, sex and race (4-variable MDRD study equation).",
    inputs=(
        common.creatinine(),
        common.age(range=(18, 120)),
        common.sex(),
        Input(
            "race",
            "Race (the equation's coefficient applies to Black patients)",
            kind="choice",
            choices=("black", "other"),
            aliases=RACE_ALIASES,
            required=False,
            default="other",
            medcalc_keys=("Race",),
        ),
    ),
    output=Output("decimal", "eGFR", unit="mL/min/{1.73_m2}"),
    missing_data={
        "race": "not stated → 'other' (race coefficient 1.0), as MedCalc-Bench does; the equation's 1.212 "
        "applies only when Black race is stated (Levey 2006)",
    },
    citation=Citation(
        "Levey AS, Coresh J, Greene T, et al. Using standardized serum creatinine values in the Modification "
        "of Diet in Renal Disease Study equation for estimating glomerular filtration rate. "
        "Ann Intern Med 2006;145(4):247-54.",
        doi="10.7326/0003-4819-145-4-200608150-00004",
        pmid="16908915",
    ),
    method=Formula(
        steps=(
            Step(
                "sex_factor", sp.Piecewise((sp.Float(0.742), sp.Eq(female, 1)), (1, True)), "Sex coefficient"
            ),
            Step(
                "race_factor", sp.Piecewise((sp.Float(1.212), sp.Eq(black, 1)), (1, True)), "Race coefficient"
            ),
            Step(
                "egfr",
                175 * scr ** sp.Float(-1.154) * age ** sp.Float(-0.203) * sex_factor * race_factor,
                "eGFR",
            ),
        )
    ),
    notes="MedCalc-Bench: converts creatinine from µmol/L to mg/dL with the amount in mol rounded to 3 decimals "
    "(2200 µmol/L becomes 22.6 mg/dL; train_sample row 3330); ours: exact conversion with 113.12 g/mol "
    "(24.89 mg/dL); source: molar mass of creatinine (C4H7N3O).",
    examples=(
        # Hand calculation: 175 × 1.0^−1.154 × 60^−0.203 = 175 × 0.4355473 = 76.2208 mL/min/1.73 m².
        Example(
            {"creatinine": "1.0 mg/dL", "age": 60, "sex": "male"},
            76.2208,
            "hand calculation from the published formula (Levey 2006)",
            abs_tol=0.01,
        ),
        # Hand calculation: 175 × 1.5^−1.154 × 50^−0.203 × 0.742 × 1.212
        # = 175 × 0.6263119 × 0.4519695 × 0.742 × 1.212 = 44.5497 mL/min/1.73 m².
        Example(
            {"creatinine": "1.5 mg/dL", "age": 50, "sex": "female", "race": "Black"},
            44.5497,
            "hand calculation from the published formula (Levey 2006)",
            abs_tol=0.01,
        ),
        # Hand calculation with creatinine in µmol/L (molar mass 113.12 g/mol: 1 µmol/L = 0.011312 mg/dL):
        # 129 µmol/L = 1.459248 mg/dL; 175 × 1.459248^−1.154 × 65^−0.203 = 175 × 0.6465394 × 0.4285274
        # = 48.4855 mL/min/1.73 m² (male, race not stated so coefficient 1).
        Example(
            {"creatinine": "129 umol/L", "age": 65, "sex": "male"},
            48.4855,
            "hand calculation from the published formula (Levey 2006)",
            abs_tol=0.01,
        ),
    ),
)
