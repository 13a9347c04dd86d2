"""EHRSHOT labelers on a hand-built MEDS timeline (expected labels worked out from EHRSHOT's definitions),
the label-file readers, and a smoke run on the MIMIC-IV demo."""

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from ehr_adapters import ehrshot
from ehr_adapters.errors import AdapterError, ReadReport
from ehr_adapters.meds import read_meds

REPO = Path(__file__).resolve().parents[2]
MIMIC = REPO.parent / "shared" / "data" / "mimic-iv-demo-meds"

D = datetime
EVENTS = [
    # subject 1: three hospital visits, labs, diagnoses, follow-up until 2022
    (1, D(1950, 1, 1), "MEDS_BIRTH", None),
    (1, D(2019, 12, 1), "DIAGNOSIS//ICD//10//E785", None),  # hyperlipidemia before any visit
    (1, D(2020, 1, 1, 10), "HOSPITAL_ADMISSION//EW EMER.//EMERGENCY ROOM", None),  # visit A: 8 days
    (1, D(2020, 1, 2, 6), "LAB//50971//mEq/L", 6.5),  # potassium: moderate (> 6)
    (1, D(2020, 1, 2, 6), "LAB//51222//g/dL", 6.9),  # hemoglobin 69 g/L: severe (< 70)
    (1, D(2020, 1, 2, 6), "LAB//50931//mg/dL", 70.2),  # glucose 3.9 mmol/L: mild (<= 3.9)
    (1, D(2020, 1, 2, 6), "LAB//50983//mEq/L", 135.0),  # sodium: mild (<= 135)
    (1, D(2020, 1, 2, 6), "LAB//51265//K/uL", 150.0),  # platelets: normal (mild is < 150)
    (1, D(2020, 1, 2, 7), "LAB//227442//mEq/L", 7.5),  # charted copy of potassium: not a lab result
    (1, D(2020, 1, 3, 8), "ICU_ADMISSION//Medical Intensive Care Unit (MICU)", None),
    (1, D(2020, 1, 4, 6), "LAB//50971//mEq/L", 5.5),  # normal (mild is > 5.5)
    (1, D(2020, 1, 4, 6), "LAB//51222//g/dL", 11.0),  # 110 g/L: mild (moderate is < 110)
    (1, D(2020, 1, 4, 6), "LAB//50931//mg/dL", 54.0),  # 3.0 mmol/L: moderate (severe is < 3)
    (1, D(2020, 1, 4, 6), "LAB//50983//mEq/L", 124.9),  # severe
    (1, D(2020, 1, 4, 6), "LAB//51265//K/uL", 49.0),  # severe
    (1, D(2020, 1, 5, 6), "LAB//50971//mEq/L", 7.01),  # severe
    (1, D(2020, 1, 9, 12), "HOSPITAL_DISCHARGE//HOME", None),
    (
        1,
        D(2020, 1, 20, 9),
        "HOSPITAL_ADMISSION//URGENT//TRANSFER FROM HOSPITAL",
        None,
    ),  # visit B: readmission
    (1, D(2020, 1, 20, 20), "ICU_ADMISSION//Coronary Care Unit (CCU)", None),  # ICU on admission day
    (1, D(2020, 1, 22, 15), "HOSPITAL_DISCHARGE//HOME", None),
    (1, D(2020, 3, 5, 8), "HOSPITAL_ADMISSION//OBSERVATION ADMIT//EMERGENCY ROOM", None),  # visit C: same day
    (1, D(2020, 3, 5, 18), "HOSPITAL_DISCHARGE//HOME", None),
    (1, D(2020, 6, 1), "DIAGNOSIS//ICD//10//I10", None),  # first hypertension
    (1, D(2021, 3, 1), "DIAGNOSIS//ICD//9//41071", None),  # first acute MI (ICD-9 410.71)
    (1, D(2022, 1, 1), "LAB//50912//mg/dL", 1.0),  # follow-up: labels up to 2021 are not censored
    # subject 2: dies on the discharge day; short follow-up; a lab at the first timestamp
    (2, D(2021, 1, 1, 10), "HOSPITAL_ADMISSION//EW EMER.//EMERGENCY ROOM", None),
    (2, D(2021, 1, 1, 10), "LAB//50971//mEq/L", 6.2),
    (2, D(2021, 1, 3, 10), "HOSPITAL_DISCHARGE//DIED", None),
    (2, D(2021, 1, 3, 12), "MEDS_DEATH", None),
    # subject 3: readmitted on the day of discharge (that discharge gets no readmission label)
    (3, D(2022, 4, 28, 8), "HOSPITAL_ADMISSION//EW EMER.//EMERGENCY ROOM", None),
    (3, D(2022, 5, 1, 10), "HOSPITAL_DISCHARGE//HOME", None),
    (3, D(2022, 5, 1, 15), "HOSPITAL_ADMISSION//EW EMER.//EMERGENCY ROOM", None),
    (3, D(2022, 5, 3, 10), "HOSPITAL_DISCHARGE//HOME", None),
]


@pytest.fixture(scope="module")
def labels(tmp_path_factory):
    path = tmp_path_factory.mktemp("meds") / "events.parquet"
    pl.DataFrame(
        EVENTS,
        schema={
            "subject_id": pl.Int64,
            "time": pl.Datetime("us"),
            "code": pl.Utf8,
            "numeric_value": pl.Float64,
        },
        orient="row",
    ).write_parquet(path)
    report = ReadReport()
    return ehrshot.label(read_meds(path), report=report), report


def _rows(labels, task):
    df = labels.filter(pl.col("task") == task).sort("subject_id", "prediction_time")
    return [(s, t, v) for s, t, _, v in df.rows()]


def test_task_table():
    assert len(ehrshot.TASKS) == 15
    for task in ehrshot.TASKS.values():
        assert task.description and task.choices
    assert ehrshot.TASKS["lab_anemia"].choices == ("normal", "mild", "moderate", "severe")
    assert ehrshot.TASKS["long_los"].choices == ("no", "yes")


def test_long_los(labels):
    # visit C (admitted and discharged the same day) is not labelled; subject 2 stayed 2 days
    assert _rows(labels[0], "long_los") == [
        (1, D(2020, 1, 1, 23, 59), "yes"),
        (1, D(2020, 1, 20, 23, 59), "no"),
        (2, D(2021, 1, 1, 23, 59), "no"),
        (3, D(2022, 4, 28, 23, 59), "no"),
        (3, D(2022, 5, 1, 23, 59), "no"),
    ]


def test_icu_transfer(labels):
    # visit B had its ICU stay on the admission day, so it is excluded
    assert _rows(labels[0], "icu_transfer") == [
        (1, D(2020, 1, 1, 23, 59), "yes"),
        (2, D(2021, 1, 1, 23, 59), "no"),
        (3, D(2022, 4, 28, 23, 59), "no"),
        (3, D(2022, 5, 1, 23, 59), "no"),
    ]


def test_readmission(labels):
    # subject 2 died on the discharge day: the record ends inside the 30 days, censored (core.py
    # TimeHorizonEventLabeler drops it); subject 3's first discharge: same-day readmission; its second
    # discharge is the end of the record: censored
    assert _rows(labels[0], "readmission_30d") == [
        (1, D(2020, 1, 9, 23, 59), "yes"),
        (1, D(2020, 1, 22, 23, 59), "no"),
        (1, D(2020, 3, 5, 23, 59), "no"),
    ]


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        (
            "lab_hyperkalemia",
            ["moderate", "normal", "severe"],
        ),  # subject 2's result at its first timestamp: none
        ("lab_anemia", ["severe", "mild"]),
        ("lab_hypoglycemia", ["mild", "moderate"]),
        ("lab_hyponatremia", ["mild", "severe"]),
        ("lab_thrombocytopenia", ["normal", "severe"]),
    ],
)
def test_lab_severity_one_minute_before_result(labels, task, expected):
    rows = _rows(labels[0], task)
    assert [v for _, _, v in rows] == expected
    assert rows[0][1] == D(2020, 1, 2, 5, 59)


def test_new_diagnosis(labels):
    preds = [D(2020, 1, 9, 23, 59), D(2020, 1, 22, 23, 59), D(2020, 3, 5, 23, 59)]
    assert _rows(labels[0], "new_hypertension") == [(1, t, "yes") for t in preds]
    # acute MI on 2021-03-01: more than a year after the first two discharges, 361 days after the third
    assert [v for *_, v in _rows(labels[0], "new_acute_mi")] == ["no", "no", "yes"]
    assert [v for *_, v in _rows(labels[0], "new_lupus")] == ["no", "no", "no"]  # subject 2: censored
    assert _rows(labels[0], "new_hyperlipidemia") == []  # diagnosed before every prediction time


def test_chest_xray_is_reported_not_invented(labels):
    frame, report = labels
    assert frame.filter(pl.col("task") == "chest_xray").height == 0
    assert any(s.file == "chest_xray" for s in report.skipped)
    assert frame.columns == ["subject_id", "prediction_time", "task", "label"]
    for name, task in ehrshot.TASKS.items():
        assert set(frame.filter(pl.col("task") == name)["label"].to_list()) <= set(task.choices)


def test_unknown_task_is_an_error(labels, tmp_path):
    with pytest.raises(AdapterError, match="unknown EHRSHOT task"):
        ehrshot.label(None, ["los"])  # checked before the data is touched


def test_read_labeled_patients_csv_and_meds_parquet(tmp_path):
    folder = tmp_path / "guo_los"
    folder.mkdir()
    (folder / "labeled_patients.csv").write_text(
        "patient_id,prediction_time,value,label_type\n7,2020-01-01 23:59:00,True,boolean\n8,2020-02-01 23:59:00,False,boolean\n"
    )
    df = ehrshot.read_labeled_patients(folder / "labeled_patients.csv")
    assert df.rows() == [
        (7, D(2020, 1, 1, 23, 59), "long_los", "yes"),
        (8, D(2020, 2, 1, 23, 59), "long_los", "no"),
    ]
    pq = tmp_path / "anemia.parquet"
    pl.DataFrame({"subject_id": [7], "prediction_time": [D(2020, 1, 1)], "integer_value": [2]}).write_parquet(
        pq
    )
    assert ehrshot.read_labeled_patients(pq, task="lab_anemia")["label"].to_list() == ["moderate"]
    chex = tmp_path / "chexpert.parquet"
    # bits in CheXpert order, first finding most significant: Cardiomegaly (3rd) and Edema (6th)
    bits = int("00100100000000", 2)
    pl.DataFrame(
        {"subject_id": [7], "prediction_time": [D(2020, 1, 1)], "integer_value": [bits]}
    ).write_parquet(chex)
    assert ehrshot.read_labeled_patients(chex, task="chest_xray")["label"].to_list() == [
        "Cardiomegaly; Edema"
    ]
    bad = tmp_path / "guo_icu.csv"
    bad.write_text("patient_id,prediction_time,value,label_type\n7,2020-01-01 23:59:00,maybe,boolean\n")
    with pytest.raises(AdapterError) as info:
        ehrshot.read_labeled_patients(bad)
    assert (info.value.position, info.value.field) == (2, "value")


@pytest.mark.skipif(not MIMIC.exists(), reason="EHRSHOT labels on the full MIMIC-IV demo: needs ../shared/data/mimic-iv-demo-meds (not in a clone; README 'Data' says where to get it)")
def test_mimic_demo_labels():
    frame = ehrshot.label(read_meds(MIMIC))
    counts = dict(frame.group_by("task").len().iter_rows())
    # every event-derivable task has labels on the demo except the rare diagnoses
    for task in (
        "long_los",
        "readmission_30d",
        "icu_transfer",
        "lab_anemia",
        "lab_hyperkalemia",
        "new_hypertension",
    ):
        assert counts.get(task, 0) > 0, task
    assert frame.filter(pl.col("task") == "long_los").height <= 275  # at most one per admission
