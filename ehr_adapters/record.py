"""One patient model for every source format.

Every adapter (FHIR, MEDS, ...) returns `PatientRecord`s made of `Event`s, so task builders and the prompt
serializer never need to know where the data came from. Plain frozen dataclasses: cheap to build in bulk,
hashable, and free of any dependency on torch or on the calculators.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# Event kinds used across adapters. Serialization groups events by kind; builders filter on it.
EVENT_KINDS = (
    "lab",  # laboratory measurement (numeric or text)
    "vital",  # vital sign / bedside measurement
    "condition",  # diagnosis / problem
    "medication",
    "procedure",
    "encounter",  # admission, discharge, transfer, visit
    "allergy",
    "immunization",
    "report",  # diagnostic report, note
    "other",
)

# Ages and durations in years: the one definition every adapter and builder uses, so the age a prompt
# prints ("52-year-old") is the age a calculator's gold is computed from.
DAYS_PER_YEAR = 365.25  # the Julian year
# Years in one unit of time, for ages and age limits written in other units ("6 months", "3-day-old").
YEARS_PER_UNIT: dict[str, float] = {
    "year": 1.0,
    "month": 1 / 12,
    "week": 7 / DAYS_PER_YEAR,
    "day": 1 / DAYS_PER_YEAR,
    "hour": 1 / 24 / DAYS_PER_YEAR,
    "minute": 1 / 1440 / DAYS_PER_YEAR,
}


def whole_years(days: int) -> int:
    """Completed years in a number of days: floor(days / 365.25)."""
    return int(days // DAYS_PER_YEAR)


def age_years(born: date, when: date | datetime) -> int:
    """Age in completed years at `when` (its calendar date): floor(days since birth / 365.25)."""
    day = when.date() if isinstance(when, datetime) else when
    return whole_years((day - born).days)


@dataclass(frozen=True, slots=True)
class Event:
    """One timestamped fact about a patient.

    `time` is None for static facts. `value` is numeric, `unit` is a UCUM code where the source gives one,
    `text` carries non-numeric values. `source` says where the event came from (file and position) so
    errors and audits can point back to it.
    """

    time: datetime | None
    code: str
    system: str = ""
    display: str = ""
    kind: str = "other"
    value: float | None = None
    unit: str | None = None
    text: str | None = None
    end: datetime | None = None  # for interval events (encounters, medication periods)
    source: str = ""


@dataclass(slots=True)
class PatientRecord:
    """A patient: identity, demographics and a time-ordered list of events."""

    patient_id: str
    birth_date: date | None = None
    sex: str | None = None  # "female" | "male" | "other" | None
    death_date: date | None = None
    events: list[Event] = field(default_factory=list)
    source: str = ""

    def sorted_events(self) -> list[Event]:
        """Events ordered by time; static facts (time None) first."""
        return sorted(self.events, key=lambda e: (e.time is not None, e.time or datetime.min))

    def age_at(self, when: datetime | date) -> int | None:
        """Age in completed years at `when` (`age_years`), or None when the birth date is unknown."""
        return None if self.birth_date is None else age_years(self.birth_date, when)
