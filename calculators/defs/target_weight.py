"""Target body weight for a chosen body mass index.

Target weight (kg) = target BMI (kg/m²) × height (m)², the BMI definition (Keys et al. 1972) solved for
weight. MedCalc-Bench computes the same formula; its entity key for the target BMI is
'Body Mass Index (BMI)'.
"""

from calculators import common
from calculators.defs.bmi import KEYS_1972
from calculators.formula import Formula, Step, symbols_for
from calculators.spec import Calculator, Example, Input, Output

target_bmi, height, height_m = symbols_for("target_bmi", "height", "height_m")

CALCULATOR = Calculator(
    id="target_weight",
    medcalc_id=61,
    name="Target weight",
    category="physical",
    description="Body weight that gives a chosen target BMI at the patient's height.",
    inputs=(
        # BMI is always reported in kg/m², so a bare number is unambiguous; 10-60 covers every target BMI
        # in use and rejects a weight typed into the BMI field.
        Input(
            "target_bmi",
            "Target body mass index",
            unit="kg/m2",
            range=(10, 60),
            bare_number_ok=True,
            medcalc_keys=("Body Mass Index (BMI)",),
        ),
        common.height(),
    ),
    output=Output("decimal", "Target weight", unit="kg", abs_tol=1.0),
    citation=KEYS_1972,
    method=Formula(
        steps=(
            Step("height_m", height / 100, "Height in metres"),
            Step("target_weight", target_bmi * height_m**2, "Target weight"),
        )
    ),
    examples=(
        # Hand calculation: 22 × 1.70² = 22 × 2.89 = 63.58 kg.
        Example(
            {"target_bmi": 22, "height": "170 cm"},
            63.58,
            "hand calculation from the BMI definition (Keys 1972)",
        ),
        # Hand calculation: 67 in = 1.7018 m; 22 × 1.7018² = 22 × 2.896123 = 63.7147 kg.
        Example(
            {"target_bmi": "22 kg/m2", "height": "67 in"},
            63.7147,
            "hand calculation from the BMI definition (Keys 1972)",
        ),
    ),
)
