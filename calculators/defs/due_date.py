"""Estimated due date by Naegele's rule with the cycle-length adjustment.

EDD = first day of the LMP + 280 days + (cycle length − 28) days.

A longer cycle means later ovulation (the luteal phase stays ~14 days), so the due date moves later; a
shorter cycle moves it earlier. MedCalc-Bench adds |cycle length − 28| days in both directions, so for
cycles shorter than 28 days its due date is 2 × (28 − cycle) days too late (docs/calculators.md,
"due_date").
"""

from datetime import date

from calculators.defs import _pregnancy as preg
from calculators.procedure import Procedure
from calculators.spec import Calculator, Example, Output

ID = "due_date"


def _due_date(values):
    lmp = values["lmp"]
    cycle = preg.whole_days(ID, "cycle_length", values["cycle_length"])
    naegele = preg.shift(lmp, preg.NAEGELE_DAYS)
    adjustment = cycle - preg.STANDARD_CYCLE_DAYS
    edd = preg.shift(naegele, adjustment)
    lines = [
        f"Naegele's rule: LMP {preg.shown(lmp)} + 280 days = {preg.shown(naegele)}",
        f"Cycle-length adjustment: {cycle} − 28 = {adjustment:+d} days "
        "(ovulation falls 14 days before the next period, so a longer cycle means a later due date)",
        f"EDD = {preg.shown(naegele)} {preg.signed(adjustment)} days = {preg.shown(edd)}",
    ]
    return edd, lines


CALCULATOR = Calculator(
    id=ID,
    medcalc_id=13,
    name="Estimated due date (Naegele's rule)",
    category="date",
    description="Estimated date of delivery from the first day of the last menstrual period, adjusted for "
    "the usual cycle length.",
    inputs=(preg.lmp(), preg.cycle_length()),
    output=Output("date", "Estimated due date"),
    missing_data={
        "cycle_length": "not reported → 28 days, Naegele's rule's standard cycle (no adjustment)",
    },
    citation=preg.ACOG_700,
    method=Procedure(
        _due_date,
        "EDD = LMP + 280 days + (cycle length − 28) days\n"
        "(cycle length defaults to 28 days; longer cycles give a later EDD, shorter an earlier one)",
    ),
    notes="MedCalc-Bench: adds |cycle length − 28| days for cycles shorter than 28 days too (its "
    "explanation says 'subtract' but its code adds); ours: adds (cycle length − 28) days, i.e. subtracts "
    "for short cycles; source: ovulation 14 days before the next menses (Baskett & Nagele, BJOG 2000) "
    "with EDD = LMP + 280 days (ACOG Committee Opinion 700).",
    examples=(
        # Hand calculation: 2023-01-03 + 280 days: 28 days left in January, then Feb 28, Mar 31, Apr 30,
        # May 31, Jun 30, Jul 31, Aug 31, Sep 30 (252 days to Sep 30) -> 10 more days = 10/10/2023;
        # cycle 26 -> 26 - 28 = -2 days -> 10/08/2023.
        Example(
            {"lmp": "01/03/2023", "cycle_length": 26},
            date(2023, 10, 8),
            "hand calculation from the published rule (LMP + 280 days + (cycle − 28))",
        ),
        # Hand calculation: 2004-11-22 + 280 days = 2005-08-29 (8 days left in Nov, 31+31+28+31+30+31+30
        # +31 = 243 to Jul 31 -> 251, + 29 = 280 -> Aug 29); cycle 30 -> +2 days -> 08/31/2005.
        Example(
            {"lmp": "2004-11-22", "cycle_length": "30 d"},
            date(2005, 8, 31),
            "hand calculation from the published rule (LMP + 280 days + (cycle − 28))",
        ),
        # Hand calculation, 28-day cycle (default): 2012-07-17 + 280 days: 14 days left in July,
        # Aug-Mar = 31+30+31+30+31+31+28+31 = 243 -> 257, + 23 = 280 -> 04/23/2013.
        Example(
            {"lmp": "07/17/2012"},
            date(2013, 4, 23),
            "hand calculation from the published rule (LMP + 280 days)",
        ),
    ),
)
