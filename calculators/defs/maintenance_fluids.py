"""Maintenance intravenous fluid rate by the Holliday-Segar "4-2-1" rule (mL/hour).

Rate = 4 mL/kg/h for the first 10 kg, + 2 mL/kg/h for the next 10 kg, + 1 mL/kg/h for each kg above 20:
  weight < 10 kg: 4 × weight;  10-20 kg: 40 + 2 × (weight − 10);  > 20 kg: 60 + (weight − 20).
Holliday and Segar (1957) state the need per day: 100 mL/kg for the first 10 kg, 50 mL/kg for the next 10,
20 mL/kg above 20 kg. The hourly 4-2-1 rule is the bedside form of it (100/24 ≈ 4, 50/24 ≈ 2,
20/24 ≈ 1), and it is what MedCalc-Bench computes; we follow it (see `notes`). The hourly rule is 4 %
below daily/24 up to 20 kg, equal at 35 kg and above it beyond (70 kg: 110 mL/h against 104.2 mL/h,
+5.6 %, more than MedCalc-Bench's ±5 % tolerance). Holliday-Segar is meant for children beyond the
neonatal period; weights from 0.2 kg are accepted so extremely preterm records are not rejected as unit
errors, but the rule does not apply to them clinically.
"""

import sympy as sp

from calculators import common
from calculators.formula import Formula, Step, symbols_for
from calculators.spec import Calculator, Citation, Example, Output

(weight,) = symbols_for("weight")

CALCULATOR = Calculator(
    id="maintenance_fluids",
    medcalc_id=22,
    name="Maintenance fluids (Holliday-Segar 4-2-1 rule)",
    category="dosage",
    description="Hourly maintenance IV fluid rate from body weight by the 4-2-1 rule.",
    inputs=(common.weight(range=(0.2, 400)),),
    output=Output("decimal", "Maintenance fluid rate", unit="mL/h"),
    citation=Citation(
        "Holliday MA, Segar WE. The maintenance need for water in parenteral fluid therapy. "
        "Pediatrics 1957;19:823-832.",
        doi="10.1542/peds.19.5.823",
        pmid="13431307",
    ),
    method=Formula(
        steps=(
            Step(
                "rate",
                sp.Piecewise(
                    (4 * weight, weight < 10),
                    (40 + 2 * sp.UnevaluatedExpr(weight - 10), weight <= 20),
                    (60 + sp.UnevaluatedExpr(weight - 20), True),
                ),
                "Maintenance rate (mL/h)",
            ),
        )
    ),
    notes="MedCalc-Bench: hourly 4-2-1 rule (4/2/1 mL/kg/h); ours: the same, its usual bedside form; source: "
    "Holliday & Segar 1957 state daily volumes (100/50/20 mL/kg/day), whose /24 differs from 4-2-1 by -4 % "
    "at 20 kg, 0 at 35 kg and +5.6 % at 70 kg.",
    examples=(
        # Hand calculation, first band: 8 kg × 4 mL/kg/h = 32 mL/h.
        Example({"weight": "8 kg"}, 32.0, "hand calculation from the 4-2-1 rule (Holliday & Segar 1957)"),
        # Hand calculation, second band: 40 + 2 × (15 − 10) = 50 mL/h.
        Example({"weight": "15 kg"}, 50.0, "hand calculation from the 4-2-1 rule (Holliday & Segar 1957)"),
        # Hand calculation, third band: 60 + (35 − 20) = 75 mL/h (where the hourly and daily forms meet).
        Example({"weight": "35 kg"}, 75.0, "hand calculation from the 4-2-1 rule (Holliday & Segar 1957)"),
        # Hand calculation, third band from pounds: 154.32 lb = 70.0 kg; 60 + (70.0 − 20) = 110.0 mL/h.
        Example(
            {"weight": "154.3236 lb"},
            110.0,
            "hand calculation from the 4-2-1 rule (Holliday & Segar 1957)",
            abs_tol=0.01,
        ),
    ),
)
