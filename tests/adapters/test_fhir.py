"""FHIR R4 reader: Synthea bundles and bulk NDJSON (shared data) and broken fixtures, strict and lenient."""

from datetime import date, datetime
from pathlib import Path

import pytest

from ehr_adapters.errors import AdapterError
from ehr_adapters.fhir import read_fhir

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "fhir-synthea"
FIX = Path(__file__).parent / "fixtures"

needs_data = pytest.mark.skipif(not DATA.exists(), reason="five Synthea bundles and a bulk export: needs ../shared/data/fhir-synthea (not in a clone; README 'Data' says where to get it)")


def _events(record, code):
    return [e for e in record.events if e.code == code]


def test_good_bundle_events_units_and_references():
    records, report = read_fhir(FIX / "fhir_good.json")
    assert report.skipped == []
    (rec,) = records
    assert (rec.patient_id, rec.sex, rec.birth_date) == ("p1", "female", date(1960, 5, 1))
    # blood pressure panel -> one event per component, times converted from -05:00 to UTC
    (sbp,) = _events(rec, "8480-6")
    (dbp,) = _events(rec, "8462-4")
    assert (sbp.value, sbp.unit, sbp.kind, sbp.time) == (
        142.0,
        "mm[Hg]",
        "vital",
        datetime(2024, 3, 1, 13, 0),
    )
    assert (dbp.value, dbp.unit) == (91.0, "mm[Hg]")
    assert not _events(rec, "85354-9")  # the panel itself has no value
    (creat,) = _events(rec, "2160-0")
    assert (creat.value, creat.unit, creat.kind, creat.display) == (1.4, "mg/dL", "lab", "Creatinine")
    # MedicationRequest.medicationReference "#med1" resolves to the contained Medication; subject "Patient/p1"
    (med,) = [e for e in rec.events if e.kind == "medication"]
    assert (med.code, med.display, med.text) == ("860975", "Metformin 500 MG Oral Tablet", "active")
    (bronchitis,) = _events(rec, "10509002")
    assert bronchitis.end == datetime(2023, 1, 24)
    (enc,) = [e for e in rec.events if e.kind == "encounter"]
    assert enc.end == datetime(2024, 3, 1, 13, 30)
    assert report.counts["ignored:Organization"] == 1
    assert [e.time for e in rec.events] == sorted(e.time for e in rec.events)


def test_strict_and_lenient_agree_on_valid_input():
    lenient, _ = read_fhir(FIX / "fhir_good.json")
    strict, _ = read_fhir(FIX / "fhir_good.json", strict=True)
    assert lenient[0].events == strict[0].events


def test_searchset_with_type_id_references_skips_outcome_entries():
    records, report = read_fhir(FIX / "fhir_searchset.json")
    assert [e.value for e in records[0].events] == [0.9]
    assert "resources:OperationOutcome" not in report.counts


@pytest.mark.parametrize(
    ("fixture", "position", "field", "message"),
    [
        ("fhir_truncated.json", "line", "(json)", "invalid JSON"),
        ("fhir_wrong_type.json", "entry[1]", "resourceType", "'Observaton' is not an R4 resource type"),
        ("fhir_r5_field.json", "entry[1]", "actualPeriod", "not an element of R4 Encounter"),
        ("fhir_non_ucum.json", "entry[1]", "valueQuantity.code", "'mg%' is not UCUM"),
        ("fhir_mixed_tz.json", "entry[3]", "effectiveDateTime", ""),
        ("fhir_duplicate.json", "entry[2]", "id", "duplicate resource: Observation/d1"),
        ("bulk_bad", "line 2", "resourceType", "'Patient' in a Condition file"),
    ],
)
def test_strict_names_file_position_and_field(fixture, position, field, message):
    with pytest.raises(AdapterError) as info:
        read_fhir(FIX / fixture, strict=True)
    err = info.value
    assert Path(err.file).parent.name in ("fixtures", "bulk_bad")
    assert str(err.position).startswith(position)
    assert err.field == field
    assert message in err.message
    assert str(err).startswith(f"{err.file}:{err.position}: {field}: ") and "; fix: " in str(err)


@pytest.mark.parametrize(
    ("fixture", "skipped", "kept_values"),
    [
        ("fhir_truncated.json", ["invalid JSON"], None),
        ("fhir_wrong_type.json", ["'Observaton' is not an R4 resource type"], [1.4]),
        ("fhir_r5_field.json", ["actualPeriod: not an element of R4 Encounter"], [1.4]),
        (
            "fhir_non_ucum.json",
            ["unit 'mg%' is not UCUM", "unit system 'http://example.org/units' is not UCUM"],
            [4.1],
        ),
        ("fhir_mixed_tz.json", ["time without a time zone"], [1.0, 1.2]),
        ("fhir_duplicate.json", ["duplicate resource"], [1.4]),
    ],
)
def test_lenient_reports_every_skip_and_keeps_the_rest(fixture, skipped, kept_values):
    records, report = read_fhir(FIX / fixture)
    assert len(report.skipped) == len(skipped)
    for item, expected in zip(report.skipped, skipped, strict=True):
        assert expected in item.reason
        assert item.file.endswith(fixture)
    if kept_values is None:
        assert records == []
    else:
        assert [e.value for e in records[0].events if e.value is not None] == kept_values


def test_mixed_time_zones_are_ordered_in_utc():
    records, _ = read_fhir(FIX / "fhir_mixed_tz.json")
    times = [(e.time, e.value) for e in records[0].events]
    # 10:00+02:00 is 08:00 UTC: before 09:30Z although its wall-clock time is later
    assert times == [(datetime(2024, 3, 1, 8, 0), 1.0), (datetime(2024, 3, 1, 9, 30), 1.2)]


def test_lenient_bulk_folder_reports_lines_and_ignores_log():
    records, report = read_fhir(FIX / "bulk_bad")
    assert [r.patient_id for r in records] == ["p1"]
    positions = sorted((Path(s.file).name, s.position) for s in report.skipped)
    assert positions == [("Condition.000.ndjson", "line 2"), ("Patient.000.ndjson", "line 2")]
    assert report.counts["ignored_files"] == 1
    assert report.summary() == {"resourceType": 1, "(json)": 1}


@needs_data
@pytest.mark.parametrize("strict", [False, True])
def test_synthea_bundles(strict):
    records, report = read_fhir(DATA, strict=strict)
    assert report.skipped == []
    assert len(records) == 5 and report.counts["bundles"] == 5
    every = [e for r in records for e in r.events]
    assert all(e.time is not None and e.time.tzinfo is None for e in every)
    # every numeric observation carries a UCUM unit; blood pressure arrives as components
    assert all(e.unit for e in every if e.value is not None)
    assert any(e.code == "8480-6" for e in every) and any(e.code == "8462-4" for e in every)
    assert {e.kind for e in every} >= {"lab", "vital", "condition", "encounter", "medication", "immunization"}


@needs_data
def test_synthea_bulk_ndjson():
    records, report = read_fhir(DATA / "bulk-ndjson")
    assert report.skipped == [] and len(records) == 13
    assert report.counts["ignored_files"] == 1  # log.ndjson
    assert report.counts["resources:Condition"] == 555
    kinds = {e.kind for r in records for e in r.events}
    assert kinds == {"condition", "immunization", "allergy"}


def test_medication_status_is_shown_as_of_the_prediction_time():
    # A resource's status is the export-time status: "stopped" must not appear before the stop.
    from ehr_adapters.fhir_extract import medication
    from ehr_adapters.record import PatientRecord
    from ehr_adapters.serialize import serialize

    def med(status, period=None):
        r = {"resourceType": "MedicationRequest", "status": status, "authoredOn": "2020-01-01T08:00:00Z",
             "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                       "code": "860975", "display": "Metformin 500 MG"}]}}  # fmt: skip
        if period:
            r["effectivePeriod"] = period
        return medication(r, "test", lambda ref: None)

    stopped = med("stopped", {"start": "2020-01-01T08:00:00Z", "end": "2020-06-01T08:00:00Z"})
    assert [(e.time, e.text) for e in stopped] == [
        (datetime(2020, 1, 1, 8), None),
        (datetime(2020, 6, 1, 8), "stopped"),
    ]
    record = PatientRecord("p", events=stopped)
    before = serialize(record, prediction_time=datetime(2020, 3, 1))
    after = serialize(record, prediction_time=datetime(2020, 7, 1))
    assert "Metformin 500 MG (" in before and "stopped" not in before
    assert "Metformin 500 MG: stopped (" in after
    # stopped with no end date: when it stopped is unknown, so it is never shown
    (only,) = med("stopped")
    assert only.text is None
    (active,) = med("active")
    assert active.text == "active"
