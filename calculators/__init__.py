"""Clinical calculators: declared once, unit-aware, cited. The calculator is the reward.

    import calculators
    calc = calculators.get("ckd_epi_2021")          # or calculators.get(3), the MedCalc-Bench id
    result = calc.evaluate({"creatinine": "1.2 mg/dL", "age": 60, "sex": "female"})
    result.value, result.unit, result.rationale

This package imports neither torch nor the EHR adapters.
"""

from calculators.errors import CalculatorError, InputError, Problem, UnitError, UnknownCalculatorError
from calculators.registry import MODULES, all_calculators, get
from calculators.spec import Calculator, Citation, Example, Input, Output, Result

__all__ = [
    "MODULES",
    "Calculator",
    "CalculatorError",
    "Citation",
    "Example",
    "Input",
    "InputError",
    "Output",
    "Problem",
    "Result",
    "UnitError",
    "UnknownCalculatorError",
    "all_calculators",
    "get",
]
