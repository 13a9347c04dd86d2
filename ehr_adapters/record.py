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

    def age_at(self, when: datetime | date) -> float | None:
        """Age in years at `when` (fractional), or None when the birth date is unknown."""
        if self.birth_date is None:
            return None
        day = when.date() if isinstance(when, datetime) else when
        return (day - self.birth_date).days / 365.25
