"""Shared pieces of the pregnancy-dating calculators (due date, conception date, gestational age).

All three count days from the first day of the last menstrual period (LMP). Declaring the inputs, the
citation and the day arithmetic once keeps the three calculators consistent. This is a helper, not a
calculator: it defines no `CALCULATOR` and is not registered.

Why the cycle-length adjustment: the luteal phase (ovulation to the next menses) is close to a constant
14 days, so in a cycle of C days ovulation falls on day C − 14 rather than day 14. Naegele's rule
(EDD = LMP + 280 days) assumes C = 28; for other cycle lengths both ovulation and the due date move by
C − 28 days, later for longer cycles and earlier for shorter ones.
"""

from __future__ import annotations

from datetime import date, timedelta

from calculators.errors import InputError, Problem
from calculators.spec import Citation, Input

STANDARD_CYCLE_DAYS = 28
NAEGELE_DAYS = 280  # 40 weeks from the first day of the LMP
OVULATION_DAY_STANDARD = 14  # day of ovulation in a 28-day cycle

ACOG_700 = Citation(
    "American College of Obstetricians and Gynecologists. Committee Opinion No. 700: Methods for "
    "Estimating the Due Date. Obstet Gynecol 2017;129(5):e150-e154 (EDD = first day of LMP + 280 days; "
    "gestational age counted from the LMP). Cycle-length adjustment (ovulation 14 days before the next "
    "menses): Baskett TF, Nagele F. Naegele's rule: a reappraisal. BJOG 2000;107:1433-5.",
    doi="10.1097/AOG.0000000000002046",
)


def lmp(**kw) -> Input:
    return Input(
        "lmp",
        "First day of the last menstrual period",
        kind="date",
        medcalc_keys=("Last menstrual date",),
        **kw,
    )


def cycle_length(**kw) -> Input:
    # A bare number is unambiguous here (nobody writes a cycle length in weeks); the range catches
    # a cycle length typed in weeks (4) or a date fragment.
    return Input(
        "cycle_length",
        "Usual menstrual cycle length",
        unit="d",
        range=(15, 60),
        required=False,
        default=float(STANDARD_CYCLE_DAYS),
        bare_number_ok=True,
        medcalc_keys=("cycle length",),
        help="days from the first day of one period to the first day of the next",
        **kw,
    )


def current_date(**kw) -> Input:
    return Input("current_date", "Date of the assessment", kind="date", medcalc_keys=("Current Date",), **kw)


def whole_days(calculator_id: str, name: str, value: float) -> int:
    """A day count as an int; a fractional count is an input error, never silently truncated.

    Unit conversion can leave float noise (26 d -> weeks -> days = 26.000000000000004), hence the
    tolerance; anything further from a whole day is refused.
    """
    nearest = round(float(value))
    if abs(float(value) - nearest) > 1e-6:
        raise InputError(calculator_id, [Problem(name, value, "must be a whole number of days")])
    return int(nearest)


def shown(day: date) -> str:
    """Dates in rationales use the same form as the displayed output (MM/DD/YYYY)."""
    return day.strftime("%m/%d/%Y")


def shift(day: date, days: int) -> date:
    return day + timedelta(days=days)


def signed(days: int) -> str:
    return f"+ {days}" if days >= 0 else f"− {-days}"
