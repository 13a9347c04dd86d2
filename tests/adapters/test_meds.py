"""MEDS reader: layouts, column mapping, validation (strict / lenient) and records, on fixtures and MIMIC demo."""

from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from ehr_adapters.errors import AdapterError
from ehr_adapters.meds import read_meds

REPO = Path(__file__).resolve().parents[2]
MIMIC = REPO.parent / "shared" / "data" / "mimic-iv-demo-meds"
FIX = Path(__file__).parent / "fixtures"

needs_data = pytest.mark.skipif(not MIMIC.exists(), reason="full MIMIC-IV demo (100 patients): needs ../shared/data/mimic-iv-demo-meds (not in a clone; README 'Data' says where to get it)")


def test_meds_folder_with_shards_codes_and_splits():
    ds = read_meds(FIX / "meds_good")
    assert ds.report.skipped == []
    assert dict(ds.events.collect_schema()) == {
        "subject_id": pl.Int64,
        "time": pl.Datetime("us"),
        "code": pl.Utf8,
        "numeric_value": pl.Float64,
        "text_value": pl.Utf8,
    }
    assert sorted(ds.subject_ids()) == [1, 2]
    assert ds.splits == {1: "train", 2: "held_out"}
    assert ds.codes["LOINC/2160-0"].startswith("Creatinine")
    records = {r.patient_id: r for r in ds.records()}
    one, two = records["1"], records["2"]
    assert (one.sex, one.birth_date) == ("female", date(1960, 5, 1))
    creat = next(e for e in one.events if e.code == "LAB//50912//mg/dL")
    # float32 source values come back as the number that was written, not 1.399999976158142
    assert (creat.value, creat.unit, creat.kind, creat.display) == (1.4, "mg/dL", "lab", "Creatinine")
    sodium = next(e for e in one.events if e.code == "LAB//50983//mEq/L")
    assert sodium.unit == "meq/L"
    # codes.parquet wins over the shipped table for display text
    assert two.events[0].display == "Creatinine [Mass/volume] in Serum or Plasma"


def test_records_until_excludes_later_events():
    ds = read_meds(FIX / "meds_good")
    (rec,) = ds.records(subject_ids=[1], until=datetime(2024, 3, 1, 7, 59))
    assert [e.code for e in rec.events] == []
    (rec,) = ds.records(subject_ids=[1], until=datetime(2024, 3, 1, 8, 0))
    assert len(rec.events) == 2


def test_missing_subject_id_names_the_field_and_column_mapping_fixes_it():
    with pytest.raises(AdapterError) as info:
        read_meds(FIX / "meds_missing_subject.parquet", strict=True)
    assert info.value.field == "subject_id" and info.value.position == "schema"
    assert info.value.file.endswith("meds_missing_subject.parquet")
    with pytest.raises(
        AdapterError, match="subject_id"
    ):  # lenient cannot read a file with no patient ids either
        read_meds(FIX / "meds_missing_subject.parquet")
    ds = read_meds(FIX / "meds_missing_subject.parquet", columns={"subject_id": "patient_id"})
    assert sorted(ds.subject_ids()) == [1, 2]


def test_value_column_option_and_autodetect(tmp_path):
    df = pl.DataFrame(
        {"subject_id": [1], "time": [datetime(2024, 1, 1)], "code": ["X"], "result": [2.5], "value": [9.0]}
    )
    df.write_parquet(tmp_path / "x.parquet")
    assert read_meds(tmp_path / "x.parquet").frame()["numeric_value"].to_list() == [9.0]
    assert read_meds(tmp_path / "x.parquet", value_column="result").frame()["numeric_value"].to_list() == [
        2.5
    ]
    with pytest.raises(AdapterError, match="value column not found"):
        read_meds(tmp_path / "x.parquet", value_column="nope")


def test_bad_rows_strict_stops_at_first_lenient_reports_each():
    with pytest.raises(AdapterError) as info:
        read_meds(FIX / "meds_bad_rows.parquet", strict=True)
    assert (info.value.position, info.value.field) == ("row 3", "subject_id")
    ds = read_meds(FIX / "meds_bad_rows.parquet")
    assert sorted((s.position, s.category) for s in ds.report.skipped) == [
        ("row 1", "duplicate event"),
        ("row 3", "subject_id"),
        ("row 4", "code"),
    ]
    assert ds.frame().height == 3 and ds.report.counts["events"] == 3


def test_duplicates_strict_error_names_row(tmp_path):
    pl.DataFrame(
        {"subject_id": [1, 1], "time": [datetime(2024, 1, 1)] * 2, "code": ["A", "A"]}
    ).write_parquet(tmp_path / "d.parquet")
    with pytest.raises(AdapterError) as info:
        read_meds(tmp_path / "d.parquet", strict=True)
    assert info.value.position == "row 1" and "duplicate" in info.value.message


def test_non_ucum_unit_strict_raises_lenient_keeps_value_without_unit():
    with pytest.raises(AdapterError) as info:
        read_meds(FIX / "meds_non_ucum.parquet", strict=True)
    assert info.value.position == "code LAB//50912//mg %" and "non-UCUM" in info.value.message
    ds = read_meds(FIX / "meds_non_ucum.parquet")
    assert [s.position for s in ds.report.skipped] == ["code LAB//50912//mg %"]
    (rec,) = ds.records()
    creat = next(e for e in rec.events if e.code.startswith("LAB//50912"))
    assert (creat.value, creat.unit) == (1.4, None)


def test_mixed_time_zones_across_shards():
    with pytest.raises(AdapterError) as info:
        read_meds(FIX / "meds_mixed_tz", strict=True)
    assert info.value.field == "time" and info.value.file.endswith("1.parquet")
    ds = read_meds(FIX / "meds_mixed_tz")
    # the zoned shard is converted to naive UTC (08:00 EST = 13:00 UTC); the naive shard is reported
    assert ds.frame().select("subject_id", "time").rows() == [(1, datetime(2024, 3, 1, 13, 0))]
    assert len(ds.report.skipped) == 1 and ds.report.skipped[0].file.endswith("1.parquet")


def test_string_times_with_offsets_and_a_naive_one():
    with pytest.raises(AdapterError) as info:
        read_meds(FIX / "meds_string_times.parquet", strict=True)
    assert (info.value.position, info.value.field) == ("row 2", "time")
    ds = read_meds(FIX / "meds_string_times.parquet")
    assert ds.frame()["time"].to_list() == [datetime(2024, 3, 1, 8, 0), datetime(2024, 3, 1, 9, 30)]


@needs_data
def test_mimic_demo_near_meds_layout():
    ds = read_meds(MIMIC)
    assert len(ds.subject_ids()) == 100
    total = pl.scan_parquet(MIMIC / "events.parquet").select(pl.len()).collect().item()
    skipped = ds.report.summary()
    # every source row is either kept or reported: nothing disappears silently
    assert ds.report.counts["events"] + skipped.get("duplicate event", 0) == total
    assert set(skipped) <= {"duplicate event", "code (unit)"}
    concepts = ds.concept_events(["creatinine", "heart_rate"])
    units = dict(concepts.group_by("concept").agg(pl.col("unit").unique()).iter_rows())
    assert units["creatinine"] == ["mg/dL"] and units["heart_rate"] == ["/min"]
    rec = next(ds.records(subject_ids=[ds.subject_ids()[0]]))
    assert rec.birth_date is not None and rec.sex in ("female", "male")
    assert all(
        e.kind != "other" or e.value is not None or e.text or e.code == "MEDS_DEATH" for e in rec.events
    )


def test_lenient_skips_a_shard_without_subject_id_and_reads_the_rest(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    good = pl.DataFrame({"subject_id": [1], "time": [datetime(2024, 1, 1)], "code": ["LAB//50912//mg/dL"]})
    good.write_parquet(data / "a.parquet")
    good.rename({"subject_id": "person"}).write_parquet(data / "b.parquet")
    ds = read_meds(tmp_path)
    assert ds.subject_ids() == [1]
    (item,) = ds.report.skipped
    assert item.file.endswith("b.parquet") and item.position == "schema" and item.category == "subject_id"
    with pytest.raises(AdapterError, match="b.parquet:schema: subject_id"):
        read_meds(tmp_path, strict=True)
