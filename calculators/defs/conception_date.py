"""Estimated date of conception from the last menstrual period and the usual cycle length.

Conception ≈ ovulation = first day of the LMP + 14 days + (cycle length − 28) days, i.e. 14 days before
the next expected period. MedCalc-Bench always adds 14 days and ignores the cycle length it extracts
(docs/calculators.md, "conception_date"); with a 28-day cycle (or none given) both agree.
"""

from datetime import date

from calculators.defs import _pregnancy as preg
from calculators.procedure import Procedure
from calculators.spec import Calculator, Example, Output

ID = "conception_date"


def _conception_date(values):
    lmp = values["lmp"]
    cycle = preg.whole_days(ID, "cycle_length", values["cycle_length"])
    adjustment = cycle - preg.STANDARD_CYCLE_DAYS
    offset = preg.OVULATION_DAY_STANDARD + adjustment
    conception = preg.shift(lmp, offset)
    lines = [
        f"Ovulation falls 14 days before the next period: day {cycle} − 14 = day {offset} of the cycle "
        f"(14 {preg.signed(adjustment)} days for a {cycle}-day cycle)",
        f"Estimated conception = LMP {preg.shown(lmp)} + {offset} days = {preg.shown(conception)}",
    ]
    return conception, lines


CALCULATOR = Calculator(
    id=ID,
    medcalc_id=68,
    name="Estimated date of conception",
    category="date",
    description="Estimated date of conception (ovulation) from the first day of the last menstrual period "
    "and the usual cycle length.",
    inputs=(preg.lmp(), preg.cycle_length()),
    output=Output("date", "Estimated date of conception"),
    missing_data={
        "cycle_length": "not reported → 28 days, the standard cycle (ovulation on day 14)",
    },
    citation=preg.ACOG_700,
    method=Procedure(
        _conception_date,
        "Conception = LMP + 14 days + (cycle length − 28) days = LMP + (cycle length − 14) days\n"
        "(cycle length defaults to 28 days)",
    ),
    notes="MedCalc-Bench: always LMP + 14 days, ignoring the cycle length in its own entities; ours: "
    "LMP + 14 + (cycle length − 28) days; source: ovulation 14 days before the next menses (Baskett & "
    "Nagele, BJOG 2000; ACOG Committee Opinion 700 dates conception 2 weeks after the LMP of a 28-day "
    "cycle).",
    examples=(
        # Hand calculation: cycle 22 -> ovulation on day 22 - 14 = 8 -> 2014-01-16 + 8 days = 01/24/2014.
        Example(
            {"lmp": "01/16/2014", "cycle_length": 22},
            date(2014, 1, 24),
            "hand calculation from the published rule (LMP + cycle − 14 days)",
        ),
        # Hand calculation: cycle 30 -> day 16 -> 2008-09-01 + 16 days = 09/17/2008.
        Example(
            {"lmp": "09/01/2008", "cycle_length": 30},
            date(2008, 9, 17),
            "hand calculation from the published rule (LMP + cycle − 14 days)",
        ),
        # Hand calculation, default 28-day cycle: 2017-01-07 + 14 days = 01/21/2017.
        Example(
            {"lmp": "2017-01-07"},
            date(2017, 1, 21),
            "hand calculation from the published rule (LMP + 14 days)",
        ),
    ),
)
