"""Body mass index (Quetelet index): weight divided by height squared.

BMI = weight (kg) / height (m)². Keys et al. (1972) compared indices of relative weight and named this
one, Quetelet's, the body mass index. MedCalc-Bench computes the same formula.
"""

from calculators import common
from calculators.formula import Formula, Step, symbols_for
from calculators.spec import Calculator, Citation, Example, Output

weight, height, height_m = symbols_for("weight", "height", "height_m")

KEYS_1972 = Citation(
    "Keys A, Fidanza F, Karvonen MJ, Kimura N, Taylor HL. Indices of relative weight and obesity. "
    "J Chronic Dis 1972;25:329-343.",
    doi="10.1016/0021-9681(72)90027-6",
    pmid="4650929",
)

CALCULATOR = Calculator(
    id="bmi",
    medcalc_id=6,
    name="Body mass index (BMI)",
    category="physical",
    description="Body mass index from weight and height (weight / height², kg/m²).",
    inputs=(common.weight(), common.height()),
    output=Output("decimal", "Body mass index", unit="kg/m2"),
    citation=KEYS_1972,
    method=Formula(
        steps=(
            Step("height_m", height / 100, "Height in metres"),
            Step("bmi", weight / height_m**2, "BMI"),
        )
    ),
    examples=(
        # Hand calculation: 70 / 1.75² = 70 / 3.0625 = 22.857 kg/m².
        Example(
            {"weight": "70 kg", "height": "175 cm"},
            22.8571,
            "hand calculation from the published formula (Keys 1972)",
        ),
        # Hand calculation: 154 lb = 69.853 kg, 69 in = 1.7526 m; 69.853 / 1.7526² = 22.742 kg/m².
        Example(
            {"weight": "154 lb", "height": "69 in"},
            22.7416,
            "hand calculation from the published formula (Keys 1972)",
        ),
    ),
)
