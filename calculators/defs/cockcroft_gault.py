"""Creatinine clearance by the Cockcroft-Gault equation, with a BMI-based dosing weight.

Original formula (Cockcroft & Gault 1976): CrCl (mL/min) = (140 − age) × weight (kg) / (72 × Scr (mg/dL)),
15 % less in women (× 0.85). The paper used actual body weight (its cohort was 96 % men).

Which weight to use in under- and overweight patients is a clinical convention the paper leaves open.
We follow the convention MedCalc-Bench uses, which bedside calculators also use (MDCalc cites Winter et
al. 2012, who compared weight descriptors by BMI class), written as an explicit step on BMI:
  BMI < 18.5 (underweight)      → actual body weight;
  18.5 ≤ BMI < 25 (normal)      → min(ideal body weight, actual body weight);
  BMI ≥ 25 (overweight/obese)   → adjusted body weight = IBW + 0.4 × (actual − IBW),
with IBW by Devine (see ideal_body_weight). See `notes` for the one boundary where we differ; the `v1.0` and
`verified` editions (calculators.editions) use MedCalc-Bench's band instead (normal up to 24.9 inclusive).
"""

import sympy as sp

from calculators import common
from calculators.defs._body_weight import ABW, DEVINE_NOTE, DEVINE_STEPS, adult_height
from calculators.editions import Variant
from calculators.formula import Formula, Step, symbols_for
from calculators.spec import Calculator, Citation, Example, Output

age, weight, height, scr, female = symbols_for("age", "weight", "height", "creatinine", "sex_female")
height_m, bmi, ibw, abw = symbols_for("height_m", "bmi", "ibw", "abw")
dosing_weight, sex_factor = symbols_for("dosing_weight", "sex_factor")



def _formula(normal: sp.Basic) -> Formula:
    """The steps, with `normal` the upper end of the normal-weight band (the one edition difference)."""
    return Formula(
        steps=(
            Step("height_m", height / 100, "Height in metres"),
            Step("bmi", weight / height_m**2, "BMI (kg/m²)"),
            *DEVINE_STEPS,
            ABW,
            Step(
                "dosing_weight",
                sp.Piecewise(
                    (weight, bmi < sp.Float(18.5)),
                    (sp.Min(ibw, weight), sp.And(bmi >= sp.Float(18.5), normal)),
                    (abw, True),
                ),
                "Dosing weight (by BMI: underweight actual, normal min(IBW, actual), overweight adjusted)",
            ),
            Step("sex_factor", sp.Piecewise((sp.Float(0.85), sp.Eq(female, 1)), (1, True)), "Sex factor"),
            Step(
                "crcl",
                sp.UnevaluatedExpr(140 - age) * dosing_weight * sex_factor / (72 * scr),
                "Creatinine clearance",
            ),
        )
    )


CALCULATOR = Calculator(
    id="cockcroft_gault",
    medcalc_id=2,
    name="Creatinine clearance (Cockcroft-Gault)",
    category="lab",
    description="Estimated creatinine clearance for drug dosing from age, sex, weight, height and serum "
    "creatinine (Cockcroft-Gault, dosing weight chosen by BMI).",
    inputs=(
        # Derived in adults (18-92 y); adolescents from 12 are accepted because the equation is applied to
        # them for drug dosing in practice (younger children: use a paediatric equation).
        common.age(range=(12, 120)),
        common.sex(),
        common.weight(range=(20, 400)),
        adult_height(),
        common.creatinine(),
    ),
    output=Output("decimal", "Creatinine clearance", unit="mL/min"),
    citation=Citation(
        "Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum creatinine. "
        "Nephron 1976;16:31-41. Dosing-weight rule: Winter MA, Guhr KN, Berg GM. Impact of various body "
        "weights and serum creatinine concentrations on the bias and accuracy of the Cockcroft-Gault "
        "equation. Pharmacotherapy 2012;32:604-612 (doi:10.1002/j.1875-9114.2012.01098.x, PMID 22576791).",
        doi="10.1159/000180580",
        pmid="1244564",
    ),
    method=_formula(normal=bmi < 25),
    editions=(
        Variant(
            editions=("v1.0", "verified"),
            differs="normal weight is 18.5 ≤ BMI ≤ 24.9 (a BMI in (24.9, 25) gets the adjusted weight)",
            citation=Citation(
                "MedCalc-Bench v1.0 and Verified, calculator_implementations/creatinine_clearance.py (weight "
                "band 'normal' = 18.5 ≤ BMI ≤ 24.9 on the unrounded BMI)"
            ),
            changes={
                "method": _formula(normal=bmi <= sp.Float(24.9)),
                "examples": (
                    # Hand calculation at the band edge: BMI = 80.838 / 1.8² = 24.95 > 24.9 → adjusted weight
                    # 74.992 + 0.4 × (80.838 − 74.992) = 77.330 kg; CrCl = 80 × 77.330 / 86.4 = 71.602 mL/min.
                    Example(
                        {"age": 60, "sex": "male", "weight": "80.838 kg", "height": "180 cm",
                         "creatinine": "1.2 mg/dL"},
                        71.6023,
                        "hand calculation from MedCalc-Bench's weight bands (creatinine_clearance.py)",
                    ),  # fmt: skip
                    # Hand calculation inside the band: BMI 24.69 → min(IBW 74.992, 80) = 74.992 kg, as in source.
                    Example(
                        {"age": 60, "sex": "male", "weight": "80 kg", "height": "180 cm", "creatinine": "1.2 mg/dL"},
                        69.4372,
                        "hand calculation from MedCalc-Bench's weight bands (creatinine_clearance.py)",
                    ),
                ),
            },
        ),
    ),
    notes="MedCalc-Bench: normal weight is 18.5 ≤ BMI ≤ 24.9, so a BMI in (24.9, 25) gets the adjusted "
    "weight; ours: normal below 25.0 (WHO cut-off), so that BMI gets min(IBW, actual); source: WHO BMI "
    "classification (overweight ≥ 25). The weight rule itself is MedCalc-Bench's (a convention; Cockcroft & "
    "Gault 1976 used actual weight). MedCalc-Bench: converts creatinine from µmol/L through a mass rounded "
    "to 3 decimals of a gram (49 µmol/L → 0.6 mg/dL); ours: exact conversion (0.554 mg/dL); source: molar "
    "mass 113.12 g/mol. " + DEVINE_NOTE,
    examples=(
        # Hand calculation, normal BMI, IBW below actual weight: BMI = 80 / 1.8² = 24.69;
        # 180 cm = 70.866 in, IBW = 50 + 2.3 × 10.866 = 74.992 kg → dosing weight min(74.992, 80) = 74.992;
        # CrCl = (140 − 60) × 74.992 / (72 × 1.2) = 5999.37 / 86.4 = 69.437 mL/min.
        Example(
            {"age": 60, "sex": "male", "weight": "80 kg", "height": "180 cm", "creatinine": "1.2 mg/dL"},
            69.4372,
            "hand calculation from the published formulas (Cockcroft & Gault 1976, Devine 1974)",
        ),
        # Hand calculation, normal BMI, actual weight below IBW: BMI = 70 / 1.85² = 20.45;
        # IBW = 50 + 2.3 × (72.835 − 60) = 79.520 kg → dosing weight min(79.520, 70) = 70;
        # CrCl = (140 − 40) × 70 / (72 × 1.0) = 97.222 mL/min.
        Example(
            {"age": 40, "sex": "male", "weight": "70 kg", "height": "185 cm", "creatinine": "1.0 mg/dL"},
            97.2222,
            "hand calculation from the published formula (Cockcroft & Gault 1976)",
        ),
        # Hand calculation, underweight: BMI = 45 / 1.65² = 16.53 → actual weight 45 kg;
        # CrCl = (140 − 70) × 45 × 0.85 / (72 × 0.9) = 2677.5 / 64.8 = 41.319 mL/min.
        Example(
            {"age": 70, "sex": "female", "weight": "45 kg", "height": "165 cm", "creatinine": "0.9 mg/dL"},
            41.3194,
            "hand calculation from the published formula (Cockcroft & Gault 1976)",
        ),
        # Hand calculation, obese: BMI = 90 / 1.6² = 35.16; 160 cm = 62.992 in,
        # IBW = 45.5 + 2.3 × 2.992 = 52.382 kg; ABW = 52.382 + 0.4 × (90 − 52.382) = 67.429 kg;
        # CrCl = (140 − 50) × 67.429 × 0.85 / (72 × 1.0) = 5158.33 / 72 = 71.643 mL/min.
        Example(
            {"age": 50, "sex": "female", "weight": "90 kg", "height": "160 cm", "creatinine": "1.0 mg/dL"},
            71.6435,
            "hand calculation from the published formulas (Cockcroft & Gault 1976, Devine 1974, Bauer 1983)",
        ),
    ),
)
