"""Ages in years (ehr_adapters.record): one definition for prompts, calculator golds and TREC text."""

from datetime import date, datetime

import pytest

from ehr_adapters.record import YEARS_PER_UNIT, PatientRecord, age_years, whole_years
from ehr_adapters.serialize import serialize
from ehr_adapters.trec_text import parse_age_sex, parse_ct_age


@pytest.mark.parametrize(
    ("born", "when", "age"),
    [
        (date(1960, 5, 1), datetime(2024, 3, 1, 12), 63),  # before the birthday: not yet 64
        (date(1960, 5, 1), datetime(2024, 5, 2), 64),
        (date(2000, 1, 1), date(2000, 12, 31), 0),  # 365 days
        (date(2000, 1, 1), date(2001, 1, 1), 1),  # 366 days (a leap year)
    ],
)
def test_age_is_completed_years_floor_of_days_over_365_25(born, when, age):
    assert age_years(born, when) == age


def test_whole_years_floors_at_the_julian_year():
    assert whole_years(365) == 0 and whole_years(366) == 1  # 365.25 days make a year
    assert whole_years(730) == 1 and whole_years(731) == 2


def test_prompt_and_record_state_the_same_age():
    born, when = date(1960, 5, 1), datetime(2024, 3, 1, 12)
    record = PatientRecord("p", born, "female", None, [])
    assert record.age_at(when) == 63 and PatientRecord("q").age_at(when) is None
    assert serialize(record, prediction_time=when).startswith("Patient: 63-year-old female.")


def test_trec_units_use_the_same_year_table():
    assert parse_ct_age("6 Months") == round(6 * YEARS_PER_UNIT["month"], 4) == 0.5
    assert parse_ct_age("2 Weeks") == round(2 * 7 / 365.25, 4)
    assert parse_age_sex("A 3-day-old boy")[0] == round(3 * YEARS_PER_UNIT["day"], 4)
