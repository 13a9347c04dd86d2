"""The explicit list of calculators.

Each entry names one module under `calculators/defs/` that defines `CALCULATOR`. Modules are imported on
first use, so `import calculators` stays cheap. Adding a calculator = write its module + add one line here.
"""

from __future__ import annotations

import importlib
from functools import cache

from calculators.errors import UnknownCalculatorError
from calculators.spec import Calculator

# Module names (= calculator ids) in MedCalc-Bench order, then calculators beyond the benchmark.
MODULES: tuple[str, ...] = (
    "cockcroft_gault",  # MedCalc-Bench 2
    "ckd_epi_2021",  # 3
    "cha2ds2_vasc",  # 4
    "mean_arterial_pressure",  # 5
    "bmi",  # 6
    "calcium_correction",  # 7
    "wells_pe",  # 8
    "mdrd_gfr",  # 9
    "ideal_body_weight",  # 10
    "qtc_bazett",  # 11
    "due_date",  # 13
    "child_pugh",  # 15
    "wells_dvt",  # 16
    "rcri",  # 17
    "heart_score",  # 18
    "fib4",  # 19
    "centor_mcisaac",  # 20
    "glasgow_coma_scale",  # 21
    "maintenance_fluids",  # 22
    "meld_na",  # 23
    "steroid_conversion",  # 24
    "has_bled",  # 25
    "sodium_correction_hyperglycemia",  # 26
    "glasgow_blatchford",  # 27
    "apache_ii",  # 28
    "psi_port",  # 29
    "serum_osmolality",  # 30
    "homa_ir",  # 31
    "charlson",  # 32
    "feverpain",  # 33
    "caprini",  # 36
    "free_water_deficit",  # 38
    "anion_gap",  # 39
    "fena",  # 40
    "sofa",  # 43
    "ldl_friedewald",  # 44
    "curb65",  # 45
    "framingham_hard_chd",  # 46
    "perc",  # 48
    "mme",  # 49
    "sirs",  # 51
    "qtc_fridericia",  # 56
    "qtc_framingham",  # 57
    "qtc_hodges",  # 58
    "qtc_rautaharju",  # 59
    "bsa_mosteller",  # 60
    "target_weight",  # 61
    "adjusted_body_weight",  # 62
    "delta_gap",  # 63
    "delta_ratio",  # 64
    "albumin_corrected_anion_gap",  # 65
    "albumin_corrected_delta_gap",  # 66
    "albumin_corrected_delta_ratio",  # 67
    "conception_date",  # 68
    "gestational_age",  # 69
    # Beyond MedCalc-Bench: used by record-mined tasks.
    "qsofa",
)


@cache
def load(calculator_id: str) -> Calculator:
    """Import one calculator module and return its declaration."""
    if calculator_id not in MODULES:
        raise UnknownCalculatorError(
            f"unknown calculator {calculator_id!r}; run `ehrmind calc list` for the ids"
        )
    module = importlib.import_module(f"calculators.defs.{calculator_id}")
    calc: Calculator = module.CALCULATOR
    if calc.id != calculator_id:
        raise AssertionError(f"module {calculator_id} declares id {calc.id!r}")
    return calc


def all_calculators() -> list[Calculator]:
    """Every registered calculator, in registry order."""
    return [load(name) for name in MODULES]


@cache
def _by_medcalc_id() -> dict[int, Calculator]:
    return {c.medcalc_id: c for c in all_calculators() if c.medcalc_id is not None}


def get(key: str | int) -> Calculator:
    """A calculator by our id ("ckd_epi_2021") or its MedCalc-Bench Calculator ID (3 or "3")."""
    if isinstance(key, int) or (isinstance(key, str) and key.strip().isdigit()):
        number = int(key)
        try:
            return _by_medcalc_id()[number]
        except KeyError:
            raise UnknownCalculatorError(f"no calculator answers MedCalc-Bench id {number}") from None
    return load(str(key).strip())
