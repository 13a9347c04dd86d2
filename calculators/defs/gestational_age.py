"""Gestational age from the last menstrual period, as (weeks, days).

Gestational age = (assessment date − first day of the LMP), written as completed weeks and remaining
days (ACOG Committee Opinion 700). No cycle-length adjustment: by convention gestational age is counted
from the LMP itself. The assessment date must not precede the LMP, and more than 45 weeks is rejected
as a date mix-up (no pregnancy lasts that long; usually day and month are swapped).
"""

from calculators.defs import _pregnancy as preg
from calculators.errors import InputError, Problem
from calculators.procedure import Procedure
from calculators.spec import Calculator, Example, Output

ID = "gestational_age"
MAX_DAYS = 45 * 7


def _gestational_age(values):
    lmp, today = values["lmp"], values["current_date"]
    days = (today - lmp).days
    if days < 0:
        raise InputError(
            ID,
            [
                Problem(
                    "current_date",
                    preg.shown(today),
                    "is before the LMP",
                    f"LMP is {preg.shown(lmp)}; check the order of the dates",
                )
            ],
        )
    if days > MAX_DAYS:
        raise InputError(
            ID,
            [
                Problem(
                    "current_date",
                    preg.shown(today),
                    f"is {days} days after the LMP (more than 45 weeks)",
                    "check the dates (day and month swapped?)",
                )
            ],
        )
    weeks, rest = divmod(days, 7)
    lines = [
        f"Days since LMP = {preg.shown(today)} − {preg.shown(lmp)} = {days} days",
        f"{days} days = {weeks} × 7 + {rest} = {weeks} weeks and {rest} days",
    ]
    return (weeks, rest), lines


CALCULATOR = Calculator(
    id=ID,
    medcalc_id=69,
    name="Gestational age from the last menstrual period",
    category="date",
    description="Gestational age in completed weeks and days, counted from the first day of the last "
    "menstrual period.",
    inputs=(preg.lmp(), preg.current_date()),
    output=Output("weeks_days", "Gestational age"),
    citation=preg.ACOG_700,
    method=Procedure(
        _gestational_age,
        "days = assessment date − LMP; gestational age = (days ÷ 7 completed weeks, days mod 7 days)",
    ),
    examples=(
        # Hand calculation: 2011-12-20 -> 2012-07-12: 11 (rest of Dec) + 31 + 29 (leap year) + 31 + 30
        # + 31 + 30 + 12 = 205 days = 29 × 7 + 2 -> (29 weeks, 2 days).
        Example(
            {"lmp": "12/20/2011", "current_date": "07/12/2012"},
            (29, 2),
            "hand calculation from the published definition (days since LMP)",
        ),
        # Hand calculation, whole weeks: 2014-06-12 -> 2015-02-26: 18 + 31 + 31 + 30 + 31 + 30 + 31 + 31
        # + 26 = 259 days = 37 × 7 -> (37 weeks, 0 days).
        Example(
            {"lmp": "2014-06-12", "current_date": "2015-02-26"},
            (37, 0),
            "hand calculation from the published definition (days since LMP)",
        ),
    ),
)
