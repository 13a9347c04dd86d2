"""One FHIR R4 resource (a parsed JSON dict) -> Events, with explicit field checks.

Kept apart from file handling (`fhir.py`) so each extractor is a small pure function that can be tested
on a dict. Extractors read the JSON directly (the lenient fast path); strict mode validates with
`fhir.resources.R4B` first and then uses the same extractors, so both modes produce identical events.

Problems raise `FieldProblem(field, message, fix)`; the reader adds the file and position.
Times: FHIR dateTime text is parsed with an explicit grammar. Offsets are converted to naive UTC; a time
of day without an offset is rejected (FHIR requires one, and it cannot be ordered against the others).
Units: `valueQuantity` must be UCUM (system http://unitsofmeasure.org, a code that parses as UCUM).
State as of the prediction time: a resource's status is its status at export, so it is turned into dated
events (`_medication_as_of`); conditions use their onset/abatement dates and encounters their period,
never `clinicalStatus` or `Encounter.status`, so a prompt never shows a state that came later.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import lru_cache

from ehr_adapters.codes import concept_of
from ehr_adapters.meds_codes import VITAL_CONCEPTS
from ehr_adapters.record import Event
from ehr_adapters.ucum import UCUM_SYSTEM, is_ucum

_DATETIME = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$"
)
_CATEGORY_KIND = {"vital-signs": "vital", "laboratory": "lab"}


class FieldProblem(Exception):
    """A field of one resource is unusable: which field, what is wrong, how to fix it."""

    def __init__(self, field: str, message: str, fix: str = "") -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.fix = fix


def parse_datetime(text: object, field: str) -> datetime:
    """FHIR date / dateTime / instant text -> naive UTC datetime (dates become midnight)."""
    parsed = _parse_datetime(text) if isinstance(text, str) else ("not a FHIR dateTime", "")
    if isinstance(parsed, datetime):
        return parsed
    message, fix = parsed
    raise FieldProblem(field, f"{message}: {text!r}", fix or "use YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+hh:mm")


@lru_cache(maxsize=65536)  # resources of one encounter share their timestamps
def _parse_datetime(text: str) -> datetime | tuple[str, str]:
    match = _DATETIME.match(text)
    if match is None:
        return "not a FHIR dateTime", ""
    year, month, day, hour, minute, second, frac, tz = match.groups()
    if hour is not None and tz is None:
        return (
            "time without a time zone",
            "add an offset (Z or +hh:mm); FHIR requires one when a time of day is given",
        )
    try:
        value = datetime(
            int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0), int(second or 0),
            int(round(float(frac) * 1e6)) if frac else 0,
        )  # fmt: skip
    except ValueError as exc:
        return f"impossible date ({exc})", "fix the date"
    if tz is not None and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        value -= sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))  # local time - offset = UTC
    return value


def parse_date(text: object, field: str) -> date:
    return parse_datetime(text, field).date()


def codeable(cc: object, field: str) -> tuple[str, str, str]:
    """(code, system, display) of the first coding with a code; text alone is accepted as display."""
    if not isinstance(cc, dict):
        raise FieldProblem(
            field, f"expected a CodeableConcept object, got {type(cc).__name__}", "see FHIR R4"
        )
    for coding in cc.get("coding") or []:
        if isinstance(coding, dict) and coding.get("code"):
            return (
                str(coding["code"]),
                str(coding.get("system", "")),
                str(cc.get("text") or coding.get("display") or ""),
            )
    if cc.get("text"):
        return str(cc["text"]), "", str(cc["text"])
    raise FieldProblem(field, "no coding with a code and no text", "add coding[].code (e.g. LOINC, SNOMED)")


def quantity(q: object, field: str) -> tuple[float, str | None]:
    """(value, UCUM unit) of a Quantity; non-UCUM units are errors, never passed on as text."""
    if not isinstance(q, dict):
        raise FieldProblem(
            field, f"expected a Quantity object, got {type(q).__name__}", "see FHIR R4 Quantity"
        )
    value = q.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldProblem(f"{field}.value", f"not a number: {value!r}", "write the value as a JSON number")
    system = q.get("system")
    if system is not None and system != UCUM_SYSTEM:
        raise FieldProblem(
            f"{field}.system",
            f"unit system {system!r} is not UCUM",
            f"use system {UCUM_SYSTEM} with a UCUM code",
        )
    unit = q.get("code") if q.get("code") is not None else q.get("unit")
    if unit is not None and not is_ucum(str(unit)):
        raise FieldProblem(
            f"{field}.code",
            f"unit {unit!r} is not UCUM",
            "use a UCUM code such as mg/dL, mmol/L, mm[Hg], Cel, /min",
        )
    return float(value), (str(unit) if unit is not None else None)


def _first_time(resource: dict, fields: tuple[str, ...], required: bool = True) -> datetime | None:
    for name in fields:
        path = name.split(".")
        value = resource.get(path[0])
        if len(path) == 2 and isinstance(value, dict):
            value = value.get(path[1])
        if value is not None:
            return parse_datetime(value, name)
    if required:
        raise FieldProblem(fields[0], "no time given", f"set one of {', '.join(fields)}")
    return None


def _end(resource: dict, name: str) -> datetime | None:
    period = resource.get(name)
    if isinstance(period, dict) and period.get("end") is not None:
        return parse_datetime(period["end"], f"{name}.end")
    return None


def _value(holder: dict, field: str) -> tuple[float | None, str | None, str | None]:
    """(value, unit, text) from the value[x] of an Observation or component."""
    if "valueQuantity" in holder:
        value, unit = quantity(holder["valueQuantity"], f"{field}valueQuantity")
        return value, unit, None
    if "valueCodeableConcept" in holder:
        return None, None, codeable(holder["valueCodeableConcept"], f"{field}valueCodeableConcept")[2]
    if "valueString" in holder:
        return None, None, str(holder["valueString"])
    if "valueBoolean" in holder:
        return None, None, "yes" if holder["valueBoolean"] else "no"
    if "valueInteger" in holder:
        return float(holder["valueInteger"]), None, None
    return None, None, None


def observation(r: dict, source: str) -> list[Event]:
    time = _first_time(r, ("effectiveDateTime", "effectiveInstant", "effectivePeriod.start", "issued"))
    code, system, display = codeable(r.get("code"), "code")
    categories = [c.get("code") for cat in r.get("category") or [] for c in (cat.get("coding") or [])]
    kind = next((_CATEGORY_KIND[c] for c in categories if c in _CATEGORY_KIND), None)
    events = []
    for j, comp in enumerate(r.get("component") or []):
        c_code, c_system, c_display = codeable(comp.get("code"), f"component[{j}].code")
        value, unit, text = _value(comp, f"component[{j}].")
        if value is None and text is None:
            continue
        c_kind = kind or ("vital" if concept_of(c_code, c_system) in VITAL_CONCEPTS else "lab")
        events.append(Event(time, c_code, c_system, c_display, c_kind, value, unit, text, None, source))
    value, unit, text = _value(r, "")
    if value is not None or text is not None:
        if kind is None:
            concept = concept_of(code, system)
            kind = "vital" if concept in VITAL_CONCEPTS else "lab" if value is not None else "other"
        events.append(Event(time, code, system, display, kind, value, unit, text, None, source))
    return events


def _simple(
    kind: str, code_field: str, times: tuple[str, ...], end: str | None = None, text: str | None = None
):
    def extract(r: dict, source: str) -> list[Event]:
        time = _first_time(r, times)
        code, system, display = codeable(r.get(code_field), code_field)
        extra = r.get(text) if text else None
        return [
            Event(
                time,
                code,
                system,
                display,
                kind,
                None,
                None,
                str(extra) if extra else None,
                _end(r, end) if end else None,
                source,
            )
        ]

    return extract


def condition(r: dict, source: str) -> list[Event]:
    time = _first_time(r, ("onsetDateTime", "onsetPeriod.start", "recordedDate"))
    code, system, display = codeable(r.get("code"), "code")
    abated = r.get("abatementDateTime")
    end = parse_datetime(abated, "abatementDateTime") if abated is not None else _end(r, "abatementPeriod")
    return [Event(time, code, system, display, "condition", None, None, None, end, source)]


def encounter(r: dict, source: str) -> list[Event]:
    time = _first_time(r, ("period.start",))
    types = r.get("type") or []
    if types:
        code, system, display = codeable(types[0], "type[0]")
    else:
        cls = r.get("class") or {}
        code, system, display = (
            str(cls.get("code", "encounter")),
            str(cls.get("system", "")),
            str(cls.get("display") or cls.get("code") or "Encounter"),
        )
    return [Event(time, code, system, display, "encounter", None, None, None, _end(r, "period"), source)]


def medication(r: dict, source: str, resolve: Callable[[str], dict | None]) -> list[Event]:
    time = _first_time(r, ("authoredOn", "effectiveDateTime", "effectivePeriod.start", "dateAsserted"))
    if "medicationCodeableConcept" in r:
        code, system, display = codeable(r["medicationCodeableConcept"], "medicationCodeableConcept")
    else:
        ref = (r.get("medicationReference") or {}).get("reference")
        target = resolve(ref) if isinstance(ref, str) else None
        if target is None:
            raise FieldProblem(
                "medicationReference",
                f"cannot resolve {ref!r}",
                "include the Medication resource in the bundle or as contained",
            )
        code, system, display = codeable(target.get("code"), "medicationReference -> Medication.code")
    return _medication_as_of(r.get("status"), time, _end(r, "effectivePeriod"), code, system, display, source)


# FHIR medication statuses that say the medication is over (MedicationRequest/Statement/Administration)
_ENDED = frozenset({"stopped", "completed", "cancelled", "not-taken", "not-done"})


def _medication_as_of(status, start, end, code, system, display, source) -> list[Event]:
    """A resource's `status` is its state at export, not at an earlier prediction time. So the status is
    placed where it became true: "active" on the start event (active at export and started then: active
    at every time in between); an ending status ("stopped", ...) as a second event at the period's end,
    so a prompt sees it only from then on. An ending status without an end date, and statuses with no
    time (on-hold, draft, unknown, ...), are not shown: when they became true is not in the resource."""
    status = str(status) if status else None
    events = [Event(start, code, system, display, "medication", None, None,
                    "active" if status == "active" else None, end, source)]  # fmt: skip
    if status in _ENDED and end is not None:
        events.append(Event(end, code, system, display, "medication", None, None, status, end, source))
    return events


EXTRACTORS: dict[str, Callable[[dict, str], list[Event]]] = {
    "Observation": observation,
    "Condition": condition,
    "Encounter": encounter,
    "Procedure": _simple(
        "procedure", "code", ("performedDateTime", "performedPeriod.start"), end="performedPeriod"
    ),
    "AllergyIntolerance": _simple("allergy", "code", ("onsetDateTime", "recordedDate"), text="criticality"),
    "Immunization": _simple("immunization", "vaccineCode", ("occurrenceDateTime", "recorded")),
    "DiagnosticReport": _simple(
        "report", "code", ("effectiveDateTime", "effectivePeriod.start", "issued"), text="conclusion"
    ),
}
MEDICATION_TYPES = ("MedicationRequest", "MedicationStatement", "MedicationAdministration")
