"""The FHIR reader's events, recounted from the Synthea files with plain `json`, independent of the adapter.

Why: `read_fhir` validates, resolves references, converts times and picks codes through its own extractors
(`ehr_adapters.fhir_extract`). Here every resource of the five Synthea bundles and of the bulk export is read
again with `json` and `datetime.fromisoformat`, following the FHIR R4 fields directly (Observation
effectiveDateTime and valueQuantity or its components, Condition onset/abatement, Encounter period,
Procedure performedPeriod, Immunization occurrenceDateTime, DiagnosticReport effectiveDateTime,
MedicationRequest authoredOn and status), and the two multisets of events must be equal: nothing dropped,
nothing added, no value, unit, time or code changed.

    cd /work/main && python -m pytest tests/adapters/test_fhir_recount.py -q
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ehr_adapters.fhir import read_fhir

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "fhir-synthea"
pytestmark = pytest.mark.skipif(not DATA.exists(), reason="needs ../shared/data/fhir-synthea")
CATEGORY = {"vital-signs": "vital", "laboratory": "lab"}


def _utc(text: str | None) -> datetime | None:
    """ISO 8601 with an offset -> naive UTC (what every event time is)."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _code(concept: dict) -> str:
    return concept["coding"][0]["code"]


def _expected(resource: dict, patient: str) -> list[tuple]:
    """(patient, kind, code, time, value, unit, text, end) of one resource, read from its FHIR fields."""
    kind = resource["resourceType"]
    if kind == "Observation":
        time = _utc(resource["effectiveDateTime"])
        categories = {c["code"] for cat in resource.get("category", []) for c in cat["coding"]}
        event_kind = next((CATEGORY[c] for c in categories if c in CATEGORY), "other")
        rows = []
        for part in [*resource.get("component", []), resource]:
            if "valueQuantity" in part:
                quantity = part["valueQuantity"]
                value, unit, text = float(quantity["value"]), quantity["code"], None
            elif "valueCodeableConcept" in part:
                concept = part["valueCodeableConcept"]
                value, unit, text = None, None, concept.get("text") or concept["coding"][0]["display"]
            else:
                continue
            rows.append((patient, event_kind, _code(part["code"]), time, value, unit, text, None))
        return rows
    if kind == "Condition":
        onset, end = _utc(resource["onsetDateTime"]), _utc(resource.get("abatementDateTime"))
        return [(patient, "condition", _code(resource["code"]), onset, None, None, None, end)]
    if kind == "Encounter":
        period = resource["period"]
        return [(patient, "encounter", _code(resource["type"][0]), _utc(period["start"]), None, None, None,
                 _utc(period.get("end")))]  # fmt: skip
    if kind == "Procedure":
        period = resource["performedPeriod"]
        return [(patient, "procedure", _code(resource["code"]), _utc(period["start"]), None, None, None,
                 _utc(period.get("end")))]  # fmt: skip
    if kind == "Immunization":
        time = _utc(resource["occurrenceDateTime"])
        return [(patient, "immunization", _code(resource["vaccineCode"]), time, None, None, None, None)]
    if kind == "DiagnosticReport":
        time = _utc(resource["effectiveDateTime"])
        return [(patient, "report", _code(resource["code"]), time, None, None, None, None)]
    if kind == "AllergyIntolerance":
        time = _utc(resource.get("onsetDateTime") or resource["recordedDate"])
        return [(patient, "allergy", _code(resource["code"]), time, None, None, resource.get("criticality"),
                 None)]  # fmt: skip
    if kind == "MedicationRequest":
        # Synthea's requests have no effective period: one event at authoredOn; the export-time status is
        # shown only when it is "active" (true from the start on), never an undated "stopped".
        status = "active" if resource["status"] == "active" else None
        code = _code(resource["medicationCodeableConcept"])
        return [(patient, "medication", code, _utc(resource["authoredOn"]), None, None, status, None)]
    return []  # Patient, Claim, Organization, CarePlan, ...: no events


def _subject(resource: dict) -> str | None:
    reference = (resource.get("subject") or resource.get("patient") or {}).get("reference", "")
    return reference.removeprefix("urn:uuid:").removeprefix("Patient/") or None


def _got(records) -> Counter:
    return Counter(
        (r.patient_id, e.kind, e.code, e.time, e.value, e.unit, e.text, e.end) for r in records for e in r.events
    )


def test_bundle_events_equal_a_plain_json_recount() -> None:
    expected: Counter = Counter()
    types: Counter = Counter()
    for path in sorted(DATA.glob("*.json")):
        entries = [entry["resource"] for entry in json.loads(path.read_text(encoding="utf-8"))["entry"]]
        patient = next(r["id"] for r in entries if r["resourceType"] == "Patient")
        for resource in entries:
            types[resource["resourceType"]] += 1
            subject = _subject(resource)
            assert subject in (None, patient), (path.name, resource["resourceType"], subject)
            expected.update(_expected(resource, patient))
    records, report = read_fhir(DATA)
    assert report.skipped == []
    got = _got(records)
    assert got == expected, {"missing": expected - got, "added": got - expected}
    # the recount saw what it must: every kind of event, the blood-pressure components among them
    kinds = Counter(key[1] for key in expected.elements())
    # 441 Observations: 379 with a valueQuantity, 31 blood-pressure panels of two components, 31 coded
    assert types["Observation"] == 441 and kinds["lab"] + kinds["vital"] == 379 + 2 * 31 and kinds["other"] == 31
    assert set(kinds) == {"lab", "vital", "other", "condition", "encounter", "procedure", "immunization",
                          "report", "medication"}  # fmt: skip


def test_bulk_export_events_equal_a_plain_json_recount() -> None:
    expected: Counter = Counter()
    bulk = DATA / "bulk-ndjson"
    for path in sorted(bulk.glob("*.ndjson")):
        if path.name == "log.ndjson":
            continue  # the export's log, not patient data
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                resource = json.loads(line)
                expected.update(_expected(resource, _subject(resource) or resource["id"]))
    records, report = read_fhir(bulk)
    assert report.skipped == []
    got = _got(records)
    assert got == expected, {"missing": expected - got, "added": got - expected}
    assert Counter(key[1] for key in expected.elements())["condition"] == 555
