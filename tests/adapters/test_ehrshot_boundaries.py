"""Every EHRSHOT labeler on constructed timelines, one boundary at a time.

Expected labels are worked out by hand from EHRSHOT's labeler code (som-shahlab/femr
`src/femr/labelers/ehrshot.py`, `omop_labs.py` InstantLabValueLabeler, `core.py` TimeHorizonEventLabeler),
cited per test; deviations (docs/ehrshot.md) are named where a test depends on one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import polars as pl
import pytest

from ehr_adapters import ehrshot
from ehr_adapters.ehrshot_spec import END_OF_DAY, LAB_LEAD, clock_text
from ehr_adapters.errors import ReadReport
from ehr_adapters.meds import MedsDataset
from ehr_adapters.ucum import ucum_unit
from ehr_adapters.visits import pair_intervals

D = datetime
ADMIT, DISCHARGE = "HOSPITAL_ADMISSION//EW EMER.//EMERGENCY ROOM", "HOSPITAL_DISCHARGE//HOME"
ICU_IN, ICU_OUT = (
    "ICU_ADMISSION//Medical Intensive Care Unit (MICU)",
    "ICU_DISCHARGE//Medical Intensive Care Unit (MICU)",
)
FOLLOW_UP = "LAB//50912//mg/dL"  # a creatinine result: any later event extends the record


def run(events, tasks, **kw):
    frame = pl.DataFrame(
        events,
        schema={
            "subject_id": pl.Int64,
            "time": pl.Datetime("us"),
            "code": pl.Utf8,
            "numeric_value": pl.Float64,
        },
        orient="row",
    ).with_columns(pl.lit(None, pl.Utf8).alias("text_value"))
    report = ReadReport()
    out = ehrshot.label(MedsDataset(events=frame.lazy()), tasks, report=report, **kw)
    return [(s, t, v) for s, t, _, v in out.sort("subject_id", "prediction_time").rows()], report


def visit(subject, start, end):
    return [(subject, start, ADMIT, None), (subject, end, DISCHARGE, None)]


# --- labs: cuts at equality (EHRSHOT value_to_label: sodium/glucose mild is <=, every other cut strict) ----


@pytest.mark.parametrize(
    ("code", "task", "values", "expected"),
    [
        ("LAB//50983//mEq/L", "lab_hyponatremia", [135.1, 135, 130, 129.9, 125, 124.9],
         ["normal", "mild", "mild", "moderate", "moderate", "severe"]),
        ("LAB//50931//mg/dL", "lab_hypoglycemia", [70.3, 70.2, 63, 62.9, 54, 53.9],  # / 18: 3.9, 3.5, 3.0
         ["normal", "mild", "mild", "moderate", "moderate", "severe"]),
        ("LAB//50971//mEq/L", "lab_hyperkalemia", [5.5, 5.51, 6.0, 6.01, 7.0, 7.01],
         ["normal", "mild", "mild", "moderate", "moderate", "severe"]),
        ("LAB//51265//K/uL", "lab_thrombocytopenia", [150, 149, 100, 99, 50, 49],
         ["normal", "mild", "mild", "moderate", "moderate", "severe"]),
        ("LAB//51222//g/dL", "lab_anemia", [12.0, 11.9, 11.0, 10.9, 7.0, 6.9],  # x 10: g/L
         ["normal", "mild", "mild", "moderate", "moderate", "severe"]),
    ],
)  # fmt: skip
def test_lab_cuts_at_equality(code, task, values, expected):
    events = [(1, D(1960, 1, 1), "MEDS_BIRTH", None), (1, D(2020, 1, 1), FOLLOW_UP, 1.0)]
    events += [(1, D(2020, 1, 2 + i, 8), code, v) for i, v in enumerate(values)]
    rows, _ = run(events, [task])
    assert [v for *_, v in rows] == expected
    assert rows[0][1] == D(2020, 1, 2, 7, 59)  # 1 minute before the result
    spec, unit = ehrshot.TASKS[task], ucum_unit(code.rsplit("//", 1)[-1])
    assert [spec.severity(spec.convert(v, unit)) for v in values] == expected  # the scalar rule agrees


def test_lab_question_states_the_labelers_cuts():
    # the 234 contradicting sodium rows came from a question saying "< 135" while the labeler used <= 135
    q = ehrshot.TASKS["lab_hyponatremia"].question
    assert "mild if <= 135" in q and "moderate if < 130" in q and "Severe if < 125 mmol/L" in q
    assert "mild if <= 3.9" in ehrshot.TASKS["lab_hypoglycemia"].question
    assert "mild if > 5.5" in ehrshot.TASKS["lab_hyperkalemia"].question


def test_lab_question_states_the_labelers_unit_conversions():
    # MIMIC records glucose in mg/dL and hemoglobin in g/dL, while the cuts are EHRSHOT's mmol/L and g/L: the
    # question says how the labeler converts (femr labelers/ehrshot.py: HypoglycemiaLabValueLabeler divides
    # mg/dL by 18, AnemiaLabValueLabeler multiplies g/dL by 10), so a model can reach the same label.
    glucose, anemia = ehrshot.TASKS["lab_hypoglycemia"].question, ehrshot.TASKS["lab_anemia"].question
    assert glucose.endswith("otherwise normal (a result in mg/dL is divided by 18 first).")
    assert anemia.endswith("otherwise normal (a result in g/dL is multiplied by 10 first).")
    assert ehrshot.TASKS["lab_hyponatremia"].question.endswith("otherwise normal.")  # mEq/L = mmol/L
    # 70.2 mg/dL read as the question says: 70.2 / 18 = 3.9 -> mild, the label the build gives
    spec = ehrshot.TASKS["lab_hypoglycemia"]
    assert spec.severity(spec.convert(70.2, "mg/dL")) == "mild"


def test_lab_first_clinical_event_and_blood_gas():
    events = [
        (1, D(1960, 1, 1), "MEDS_BIRTH", None),
        (1, D(2020, 1, 1, 8), "LAB//50931//mg/dL", 40.0),  # at the first clinical event: excluded
        (1, D(2020, 1, 2, 8), "LAB//50809//mg/dL", 40.0),  # blood gas: not a serum glucose
        (1, D(2020, 1, 3, 8), "LAB//50931//mg/dL", 100.0),
    ]
    rows, _ = run(events, ["lab_hypoglycemia"])
    assert rows == [(1, D(2020, 1, 3, 7, 59), "normal")]
    rows, _ = run(events, ["lab_hypoglycemia"], include_blood_gas=True)
    assert [v for *_, v in rows] == ["severe", "normal"]


def test_lab_unknown_unit_is_reported():
    events = [(1, D(2020, 1, 1), FOLLOW_UP, 1.0), (1, D(2020, 1, 2), "LAB//50983//mg/dL", 3.0)]
    rows, report = run(events, ["lab_hyponatremia"])
    assert rows == [] and report.summary() == {"lab result in unsupported unit": 1}


# --- visits: same-minute events ----------------------------------------------------------------------


def test_readmission_at_the_exact_minute_of_discharge_is_paired_correctly():
    # visit A ends 2020-01-05 12:00, visit B starts at that same minute: B must not take A's discharge
    events = visit(1, D(2020, 1, 1, 10), D(2020, 1, 5, 12)) + visit(1, D(2020, 1, 5, 12), D(2020, 1, 14, 9))
    events.append((1, D(2021, 1, 1), FOLLOW_UP, 1.0))
    rows, _ = run(events, ["long_los"])
    assert rows == [(1, D(2020, 1, 1, 23, 59), "no"), (1, D(2020, 1, 5, 23, 59), "yes")]  # 8 d 21 h
    rows, _ = run(events, ["readmission_30d"])
    # A's discharge day holds B's admission (already in the prompt): excluded; B: no admission after
    assert rows == [(1, D(2020, 1, 14, 23, 59), "no")]


def test_pairing_walks_open_and_closed_intervals():
    s = pl.DataFrame(
        {"subject_id": [1, 1, 1, 2], "time": [D(2020, 1, 1), D(2020, 1, 3), D(2020, 2, 1), D(2020, 1, 1)]}
    )
    e = pl.DataFrame({"subject_id": [1, 1, 2], "time": [D(2020, 1, 3), D(2020, 1, 9), D(2020, 1, 1)]})
    frame, anomalies = pair_intervals(s, e)
    assert frame.rows() == [(1, D(2020, 1, 1), D(2020, 1, 3)), (1, D(2020, 1, 3), D(2020, 1, 9))]
    assert anomalies == {"start without end": 1, "zero-length": 1}


def test_long_los_is_seven_days_inclusive_and_same_day_visits_are_excluded():
    # Guo_LongLOSLabeler: (discharge - admission) >= 7 days; same-day visits skipped
    events = visit(1, D(2020, 1, 1, 10), D(2020, 1, 8, 10)) + visit(
        1, D(2020, 2, 1, 10), D(2020, 2, 8, 9, 59)
    )
    events += visit(1, D(2020, 3, 1, 8), D(2020, 3, 1, 18))
    rows, _ = run(events, ["long_los"])
    assert rows == [(1, D(2020, 1, 1, 23, 59), "yes"), (1, D(2020, 2, 1, 23, 59), "no")]


# --- ICU transfer (Guo_ICUAdmissionLabeler) -------------------------------------------------------------


def test_icu_stay_starting_minutes_before_the_admission_record_excludes_the_visit():
    events = visit(1, D(2020, 1, 1, 10), D(2020, 1, 6, 10))
    events += [(1, D(2020, 1, 1, 9, 50), ICU_IN, None), (1, D(2020, 1, 3), ICU_OUT, None)]
    events += visit(2, D(2020, 1, 1, 0, 10), D(2020, 1, 6, 10))  # ICU since the evening before
    events += [(2, D(2019, 12, 31, 23, 50), ICU_IN, None), (2, D(2020, 1, 2), ICU_OUT, None)]
    events += visit(3, D(2020, 1, 1, 10), D(2020, 1, 6, 10)) + [(3, D(2020, 1, 2, 3), ICU_IN, None)]
    events += visit(4, D(2020, 1, 1, 10), D(2020, 1, 6, 10)) + [(4, D(2020, 1, 7, 3), ICU_IN, None)]
    events += visit(5, D(2020, 1, 1, 10), D(2020, 1, 1, 20))  # same-day visit: excluded
    rows, _ = run(events, ["icu_transfer"])
    assert rows == [(3, D(2020, 1, 1, 23, 59), "yes"), (4, D(2020, 1, 1, 23, 59), "no")]


# --- readmission: window and censoring (TimeHorizonEventLabeler) --------------------------------------


def test_readmission_window_censoring_and_death():
    t = D(2020, 1, 5, 23, 59)  # prediction time of the discharge on 2020-01-05
    base = visit(1, D(2020, 1, 1), D(2020, 1, 5, 12))
    cases = {
        1: [(1, t + timedelta(days=30), ADMIT, None)],  # readmitted exactly at the window end: yes
        2: [(2, t + timedelta(days=30, minutes=1), FOLLOW_UP, 1.0)],  # 30 days + 1 min of follow-up: no
        3: [(3, t + timedelta(days=10), FOLLOW_UP, 1.0)],  # record ends after 10 days: censored
        4: [(4, t + timedelta(days=5), "MEDS_DEATH", None)],  # dies after 5 days: censored
        5: [(5, t + timedelta(days=3), ADMIT, None), (5, t + timedelta(days=4), "MEDS_DEATH", None)],  # yes
        6: [(6, t + timedelta(days=30), FOLLOW_UP, 1.0)],  # record ends exactly at t + 30 d: not censored
    }
    events = [(s, *e[1:]) for s in cases for e in base] + [e for v in cases.values() for e in v]
    rows, _ = run(events, ["readmission_30d"])
    assert rows == [(1, t, "yes"), (2, t, "no"), (5, t, "yes"), (6, t, "no")]


# --- new diagnosis (FirstDiagnosisTimeHorizonCodeLabeler) ---------------------------------------------


def test_new_diagnosis_window_and_exclusions():
    t1, t2 = D(2020, 1, 5, 23, 59), D(2020, 6, 5, 23, 59)
    events = visit(1, D(2020, 1, 1), D(2020, 1, 5, 12)) + visit(1, D(2020, 6, 1), D(2020, 6, 5, 12))
    events += [(1, t1 + timedelta(days=365), "DIAGNOSIS//ICD//10//I10", None)]  # on the window end: yes
    events += [(1, D(2022, 1, 1), FOLLOW_UP, 1.0)]
    # subject 2: diagnosed during the first stay (at its discharge): no prediction time qualifies after it
    events += visit(2, D(2020, 1, 1), D(2020, 1, 5, 12)) + [
        (2, D(2020, 1, 5, 12), "DIAGNOSIS//ICD//10//I10", None)
    ]
    events += [(2, D(2022, 1, 1), FOLLOW_UP, 1.0)]
    # subject 3: no diagnosis, follow-up 200 days: censored
    events += visit(3, D(2020, 1, 1), D(2020, 1, 5, 12)) + [(3, D(2020, 7, 1), FOLLOW_UP, 1.0)]
    # subject 4: diagnosis 365 days + 1 minute after: outside the window, follow-up long enough: no
    events += visit(4, D(2020, 1, 1), D(2020, 1, 5, 12))
    events += [(4, t1 + timedelta(days=365, minutes=1), "ICD10CM/I10", None)]
    rows, _ = run(events, ["new_hypertension"])
    assert rows == [(1, t1, "yes"), (1, t2, "yes"), (4, t1, "no")]


def test_declarations_are_the_single_source():
    for task in ehrshot.TASKS.values():
        assert task.question and task.source.startswith("som-shahlab/femr")
        if task.group == "lab":
            assert [c.label for c in task.cuts] == ["severe", "moderate", "mild"]
            assert any(i.used for i in task.mimic_items)
    assert ehrshot.TASKS["readmission_30d"].window == (timedelta(minutes=1), timedelta(days=30))
    assert ehrshot.TASKS["new_celiac"].window == (timedelta(minutes=1), timedelta(days=365))


def test_operational_and_diagnosis_questions_state_the_declared_window_and_stay(monkeypatch):
    """The stay length and the outcome window a question states are the declaration's, the values the
    labeler reads: changing the declaration changes both (before, "7 days" and "within 30 days" / "within
    the next year" were written in the question and again in the labeler)."""
    tasks = ehrshot.TASKS
    assert "last 7 days or longer" in tasks["long_los"].question
    assert "readmitted to hospital within the next 30 days?" in tasks["readmission_30d"].question
    assert "within the next 365 days?" in tasks["new_lupus"].question
    # the prediction times the labelers use (END_OF_DAY, LAB_LEAD) are the ones the questions state
    assert (clock_text(END_OF_DAY), clock_text(timedelta(hours=12)), clock_text(timedelta(minutes=5))) == (
        "11:59 pm", "12:00 pm", "12:05 am")  # fmt: skip
    for task in tasks.values():
        if task.group in ("operational", "new_diagnosis"):
            assert "{" not in task.question and f"predicted at {clock_text(END_OF_DAY)}" in task.question
        if task.group == "lab":
            assert LAB_LEAD == timedelta(minutes=1) and "1 minute before it is reported" in task.question
    longer = replace(tasks["readmission_30d"], window=(timedelta(minutes=1), timedelta(days=90)))
    assert "within the next 90 days?" in longer.question
    ten_days = replace(tasks["long_los"], long_stay=timedelta(days=10))
    assert "last 10 days or longer" in ten_days.question
    # the labeler reads the same field: an 8-day stay is long at 7 days, not at 10
    events = visit(1, D(2020, 1, 1, 10), D(2020, 1, 9, 10))
    assert run(events, ["long_los"])[0] == [(1, D(2020, 1, 1, 23, 59), "yes")]
    monkeypatch.setitem(ehrshot.TASKS, "long_los", ten_days)
    assert run(events, ["long_los"])[0] == [(1, D(2020, 1, 1, 23, 59), "no")]


def test_every_deviation_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "ehrshot.md").read_text(encoding="utf-8")
    for key in ehrshot.DEVIATIONS:
        assert f"deviation: `{key}`" in doc, key
    for task in ehrshot.TASKS:
        assert f"`{task}`" in doc, task
