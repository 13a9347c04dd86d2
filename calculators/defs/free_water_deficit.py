"""Free water deficit in hypernatremia.

Deficit [L] = TBW fraction × weight [kg] × (Na / 140 − 1) (Adrogué & Madias 2000), with the total body water
fraction by age and sex: children 0.6; adult men 0.6, adult women 0.5; elderly men 0.5, elderly women 0.45.
The source does not define "child" or "elderly" by age; we use the benchmark's thresholds, < 18 years and
≥ 65 years. A sodium below 140 mmol/L gives a negative deficit (a water excess), which we report as is.
"""

import sympy as sp

from calculators import common
from calculators.formula import Formula, Step, symbols_for
from calculators.spec import Calculator, Citation, Example, Output

age, male, weight, sodium = symbols_for("age", "sex_male", "weight", "sodium")
adult, elderly, tbw = symbols_for("adult_fraction", "elderly_fraction", "tbw_fraction")

CHILD_BELOW = 18  # years
ELDERLY_FROM = 65  # years

CALCULATOR = Calculator(
    id="free_water_deficit",
    medcalc_id=38,
    name="Free water deficit",
    category="lab",
    description="Water needed to bring serum sodium back to 140 mmol/L, from total body water.",
    inputs=(common.age(), common.sex(), common.weight(), common.sodium()),
    # analyte "water": an answer in kg is read as litres (1 kg = 1 L, as TBW = fraction × weight in kg is),
    # so MedCalc-Bench's question "in terms of kg" is answered in its own unit (`rewards.units.WATER`).
    output=Output("decimal", "Free water deficit", unit="L", abs_tol=0.1, analyte="water"),
    citation=Citation(
        "Adrogué HJ, Madias NE. Hypernatremia. N Engl J Med 2000;342(20):1493-9.",
        doi="10.1056/NEJM200005183422006",
        pmid="10816188",
    ),
    method=Formula(
        steps=(
            Step(
                "adult_fraction",
                sp.Piecewise((sp.Float(0.6), sp.Eq(male, 1)), (sp.Float(0.5), True)),
                "Total body water fraction of an adult (18-64 years)",
            ),
            Step(
                "elderly_fraction",
                sp.Piecewise((sp.Float(0.5), sp.Eq(male, 1)), (sp.Float(0.45), True)),
                "Total body water fraction of an elderly adult (65 years or more)",
            ),
            Step(
                "tbw_fraction",
                sp.Piecewise(
                    (sp.Float(0.6), age < CHILD_BELOW), (adult, age < ELDERLY_FROM), (elderly, True)
                ),
                "Total body water fraction for this patient",
            ),
            Step(
                "free_water_deficit",
                tbw * weight * sp.UnevaluatedExpr(sodium / 140 - 1),
                "Free water deficit = TBW fraction × weight × (Na/140 − 1)",
            ),
        )
    ),
    examples=(
        # Hand calculation, elderly man: 0.5 × 80 × (155/140 − 1) = 40 × 0.107143 = 4.285714 L.
        Example(
            {"age": 70, "sex": "male", "weight": "80 kg", "sodium": "155 mmol/L"},
            4.285714,
            "hand calculation from the published formula (Adrogué & Madias 2000)",
        ),
        # Hand calculation, adult man: 0.6 × 70 × (160/140 − 1) = 42 × 0.142857 = 6.0 L.
        Example(
            {"age": 40, "sex": "male", "weight": "70 kg", "sodium": "160 mmol/L"},
            6.0,
            "hand calculation from the published formula (Adrogué & Madias 2000)",
        ),
        # Hand calculation, adult woman: 0.5 × 60 × (150/140 − 1) = 30 × 0.071429 = 2.142857 L.
        Example(
            {"age": 30, "sex": "female", "weight": "60 kg", "sodium": "150 mEq/L"},
            2.142857,
            "hand calculation from the published formula (Adrogué & Madias 2000)",
        ),
        # Hand calculation, elderly woman: 0.45 × 60 × (150/140 − 1) = 27 × 0.071429 = 1.928571 L.
        Example(
            {"age": 80, "sex": "female", "weight": "60 kg", "sodium": "150 mmol/L"},
            1.928571,
            "hand calculation from the published formula (Adrogué & Madias 2000)",
        ),
        # Hand calculation, child (girl, so the child fraction is what differs from an adult woman):
        # 0.6 × 20 × (150/140 − 1) = 12 × 0.071429 = 0.857143 L.
        Example(
            {"age": 8, "sex": "female", "weight": "20 kg", "sodium": "150 mmol/L"},
            0.857143,
            "hand calculation from the published formula (Adrogué & Madias 2000)",
        ),
        # Hand calculation, weight in lb (0.45359237 kg/lb): 154.3236 lb = 70.0 kg; adult woman,
        # 0.5 × 70 × (160/140 − 1) = 5.0 L.
        Example(
            {"age": 50, "sex": "female", "weight": "154.3236 lb", "sodium": "160 mmol/L"},
            5.0,
            "hand calculation from the published formula (Adrogué & Madias 2000)",
            abs_tol=0.001,
        ),
    ),
)
