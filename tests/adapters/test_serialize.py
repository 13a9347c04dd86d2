"""Prompt serialization: time cut-off, relative times, token budget, determinism, MEDS fast path."""

import random
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from ehr_adapters.fhir import read_fhir
from ehr_adapters.meds import read_meds
from ehr_adapters.record import Event, PatientRecord
from ehr_adapters.serialize import meds_timelines, serialize, serialize_timeline

FIX = Path(__file__).parent / "fixtures"
NOW = datetime(2024, 3, 1, 12, 0)


def _record(extra=()):
    events = [
        Event(NOW - timedelta(days=400), "44054006", "snomed", "Diabetes mellitus type 2", "condition"),
        Event(
            NOW - timedelta(days=30),
            "10509002",
            "snomed",
            "Acute bronchitis",
            "condition",
            end=NOW - timedelta(days=10),
        ),
        Event(NOW - timedelta(hours=3), "2160-0", "loinc", "Creatinine", "lab", 1.4, "mg/dL"),
        Event(NOW - timedelta(days=2), "2160-0", "loinc", "Creatinine", "lab", 1.1, "mg/dL"),
        Event(NOW - timedelta(minutes=20), "8867-4", "loinc", "Heart rate", "vital", 88.0, "/min"),
        Event(NOW - timedelta(minutes=20), "8310-5", "loinc", "Body temperature", "vital", 38.4, "Cel"),
        Event(NOW, "2951-2", "loinc", "Sodium", "lab", 131.0, "meq/L"),  # exactly at the prediction time
        Event(NOW + timedelta(minutes=1), "2823-3", "loinc", "Potassium", "lab", 6.8, "meq/L"),  # the future
        Event(NOW - timedelta(days=1), "860975", "rxnorm", "Metformin 500 MG", "medication", text="active"),
        Event(NOW - timedelta(hours=5), "EMER", "", "Emergency visit", "encounter"),
        *extra,
    ]
    return PatientRecord("p1", date(1960, 5, 1), "female", None, events)


def test_content_cutoff_and_relative_times():
    text = serialize(_record(), prediction_time=NOW)
    assert text.splitlines()[0] == "Patient: 63-year-old female."
    assert "- Creatinine: 1.4 mg/dL (3 h ago)" in text  # most recent value only
    assert "1.1 mg/dL" not in text
    assert "- Sodium: 131 mEq/L (0 min ago)" in text  # at the prediction time: included
    assert "Potassium" not in text and "6.8" not in text  # after it: never shown
    assert "- Body temperature: 38.4 °C (20 min ago)" in text
    assert "Diabetes mellitus type 2" in text and "Acute bronchitis" not in text  # resolved before now
    assert "- Metformin 500 MG: active (24 h ago)" in text
    assert "- Emergency visit (5 h ago)" in text


def test_earlier_prediction_time_hides_later_events():
    text = serialize(_record(), prediction_time=NOW - timedelta(days=1, hours=1))
    assert "- Creatinine: 1.1 mg/dL (23 h ago)" in text
    assert "Metformin" not in text and "Heart rate" not in text
    text = serialize(_record(), prediction_time=NOW - timedelta(days=12))
    assert "- Acute bronchitis (18 d ago)" in text  # not yet resolved 12 days before NOW
    assert "Creatinine" not in text


def _estimate(text):
    return sum((len(line) + 4) // 4 for line in text.splitlines())


@pytest.mark.parametrize("budget", [40, 60, 90, 140])
def test_budget_drops_whole_lines_only(budget):
    extra = [
        Event(NOW - timedelta(hours=i + 1), f"L{i}", "", f"Lab number {i}", "lab", float(i), "mg/dL")
        for i in range(60)
    ]
    full = serialize(_record(extra), prediction_time=NOW, max_tokens=100_000)
    cut = serialize(_record(extra), prediction_time=NOW, max_tokens=budget)
    assert _estimate(cut) <= budget
    assert set(cut.splitlines()) <= set(full.splitlines())  # never a line that was cut inside
    assert len(cut) < len(full)
    # the guaranteed share keeps problems in view even when labs alone would fill the budget
    if budget >= 60:
        assert "Diabetes mellitus type 2" in cut


def test_tokenizer_counts_are_respected():
    class WordTokenizer:
        def __call__(self, text, add_special_tokens=False):
            return {"input_ids": text.split()}

    text = serialize(_record(), prediction_time=NOW, max_tokens=30, tokenizer=WordTokenizer())
    assert len(text.split()) <= 30
    assert text.startswith("Patient: 63-year-old female.")


def test_deterministic_and_independent_of_input_order():
    record = _record()
    shuffled = PatientRecord(
        "p1", date(1960, 5, 1), "female", None, random.Random(7).sample(record.events, 10)
    )
    first = serialize(record, prediction_time=NOW)
    assert first == serialize(record, prediction_time=NOW)
    assert first == serialize(shuffled, prediction_time=NOW)


def test_record_edits_are_seen_despite_cache():
    record = _record()
    before = serialize(record, prediction_time=NOW)
    record.events.append(Event(NOW - timedelta(hours=1), "718-7", "loinc", "Hemoglobin", "lab", 7.1, "g/dL"))
    assert "Hemoglobin: 7.1 g/dL" in serialize(record, prediction_time=NOW) and "Hemoglobin" not in before


def test_tiny_budget_is_an_error():
    with pytest.raises(ValueError, match="max_tokens"):
        serialize(_record(), prediction_time=NOW, max_tokens=5)


def test_meds_fast_path_matches_records():
    ds = read_meds(FIX / "meds_good")
    timelines = meds_timelines(ds)
    for record in ds.records():
        t = datetime(2024, 3, 1, 9, 0)
        assert serialize(record, prediction_time=t) == serialize_timeline(
            timelines[int(record.patient_id)], prediction_time=t
        )
    assert "- Creatinine: 1.4 mg/dL (60 min ago)" in serialize_timeline(timelines[1], prediction_time=t)


def test_fhir_record_renders_components_and_units():
    (record,), _ = read_fhir(FIX / "fhir_good.json")
    text = serialize(record, prediction_time=datetime(2024, 3, 1, 15, 0))
    assert "- Systolic blood pressure: 142 mmHg (2 h ago)" in text
    assert "- Sodium: 133 mmol/L (60 min ago)" in text


def test_text_does_not_depend_on_which_prompts_were_rendered_before():
    # A timeline caches each section's rows per prefix of its events and each line's text: rendering
    # times in any order must give the text a fresh timeline gives (conditions resolve in between).
    extra = [
        Event(NOW - timedelta(hours=h), code, "", name, "lab", float(h), "mg/dL")
        for h in range(0, 48, 5)
        for code, name in (("2160-0", "Creatinine"), ("X1", "Lab X"))
    ]
    times = [NOW - timedelta(days=d, hours=h) for d in (0, 1, 11, 12, 31) for h in (0, 3)]
    fresh = [
        serialize(_record(extra), prediction_time=t, max_tokens=budget)
        for t in times
        for budget in (60, 1024)
    ]
    record = _record(extra)
    shuffled = random.Random(3).sample(range(len(fresh)), len(fresh))
    for i in shuffled + shuffled:
        t, budget = times[i // 2], (60, 1024)[i % 2]
        assert serialize(record, prediction_time=t, max_tokens=budget) == fresh[i]


def test_relative_time_text_is_exact_at_every_unit_boundary_whatever_the_render_order():
    # The " (3 h ago)" memo is keyed by the unit the text depends on (minutes, hours, days); a wrong key
    # would reuse another distance's text. Reference: the unmemoized formatter, at each boundary and at
    # random distances up to 12 years, rendered in shuffled orders so every bucket is first filled from
    # a different minute than later lookups.
    from ehr_adapters import serialize as serialize_module
    from ehr_adapters.serialize import Timeline

    visit = NOW - timedelta(days=5000)
    record = PatientRecord("p9", date(1950, 1, 1), "male", None, [Event(visit, "AMB", "", "Clinic visit", "encounter")])
    edges = [0, 1, 59, 60, 89, 90, 119, 120, 1439, 1440, 2879, 2880, 4319, 4320, 86399, 86400, 1_051_199, 1_051_200]
    rng = random.Random(7)
    minutes = edges + [rng.randrange(0, 12 * 525_600) for _ in range(400)]
    for order_seed in range(3):
        random.Random(order_seed).shuffle(minutes)
        serialize_module._AGO.clear()
        timeline = Timeline.from_record(record)
        for m in minutes:
            text = serialize_timeline(timeline, prediction_time=visit + timedelta(minutes=m))
            expected = serialize_module._ago(m * 60_000_000, 0)
            assert f"- Clinic visit ({expected})" in text, (m, text)


def test_string_columns_become_lists_with_one_shared_string_per_distinct_value():
    import polars as pl

    from ehr_adapters.serialize import _python_list

    column = pl.Series(["LAB//a", None, "LAB//b", "LAB//a", None, "LAB//a"], dtype=pl.Utf8)
    values = _python_list(column)
    assert values == column.to_list()  # same values, nulls kept in place
    assert values[0] is values[3] is values[5]  # one object per distinct string
    assert _python_list(pl.Series([1.5, None, 2.0])) == [1.5, None, 2.0]
    assert _python_list(pl.Series([], dtype=pl.Utf8)) == []
    assert _python_list(pl.Series([None, None], dtype=pl.Utf8)) == [None, None]
