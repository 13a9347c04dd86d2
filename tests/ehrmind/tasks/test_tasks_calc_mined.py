"""Task `calc`: calculator questions mined from records (freshness windows, derived GCS, visibility)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

import pytest

import calculators
from ehr_adapters.record import Event, PatientRecord
from ehr_adapters.serialize import serialize
from ehrmind.tasks.calc_mined import build_calc, plan_for, question, spread
from ehrmind.tasks.prompt_numbers import answer_in_prompt, visible
from ehrmind.tasks.sources import events_frame

T = datetime(2024, 3, 1, 8, 0)
LOINC = "http://loinc.org"


def lab(code: str, display: str, value: float, unit: str, when: datetime = T, kind: str = "lab") -> Event:
    return Event(when, code, LOINC, display, kind, value, unit)


def chemistry(when: datetime = T, chloride_at: datetime | None = None) -> list[Event]:
    return [
        lab("2951-2", "Sodium", 140, "mmol/L", when),
        lab("2075-0", "Chloride", 100, "mmol/L", chloride_at or when),
        lab("1963-8", "Bicarbonate", 24, "mmol/L", when),
    ]


def run(records: list[PatientRecord], calcs: tuple[str, ...], max_tokens: int = 1024, **kw):
    by_id = {r.patient_id: r for r in records}
    return build_calc(
        events_frame(records),
        lambda ids: {i: by_id[i] for i in ids},
        lambda rec, when: serialize(rec, prediction_time=when, max_tokens=max_tokens),
        "test",
        calculators=calcs,
        **kw,
    )


def test_anion_gap_from_the_latest_fresh_values() -> None:
    record = PatientRecord("p1", date(1960, 1, 1), "male", events=chemistry())
    out = run([record], ("anion_gap",))
    assert len(out.rows) == 1
    row = out.rows[0]
    gold, meta = json.loads(row["gold"]), json.loads(row["meta"])
    assert gold["calculator"] == "anion_gap" and gold["value"] == pytest.approx(140 - (100 + 24))
    assert meta["prediction_time"] == T.isoformat()
    assert {k: v["value"] for k, v in meta["inputs"].items()} == {
        "sodium": 140,
        "chloride": 100,
        "bicarbonate": 24,
    }
    assert row["patient_id"] == "p1" and row["task"] == "calc"
    assert "Sodium: 140" in row["prompt"][-1]["content"]
    assert meta["edition"] == "source"  # the default calculator edition (issue 16)
    assert json.loads(run([record], ("anion_gap",), edition="verified").rows[0]["meta"])["edition"] == "verified"


def test_stale_inputs_make_no_task() -> None:
    # Chloride from two days before the other electrolytes is outside the 24 h lab window.
    record = PatientRecord(
        "p1", date(1960, 1, 1), "male", events=chemistry(chloride_at=T - timedelta(days=2))
    )
    out = run([record], ("anion_gap",))
    assert out.rows == [] and out.counts["candidates:anion_gap"] == 0


def test_missing_demographics_are_skipped_with_a_reason() -> None:
    events = [lab("2160-0", "Creatinine", 1.2, "mg/dL")]
    out = run([PatientRecord("p1", None, "female", events=events)], ("ckd_epi_2021",))
    assert out.rows == [] and out.skipped[0].category == "missing input"
    assert "age" in out.skipped[0].reason


def test_age_used_is_the_age_the_prompt_shows() -> None:
    events = [lab("2160-0", "Creatinine", 1.2, "mg/dL")]
    out = run([PatientRecord("p1", date(1964, 3, 2), "female", events=events)], ("ckd_epi_2021",))
    meta = json.loads(out.rows[0]["meta"])
    assert f"{meta['inputs']['age']['value']}-year-old" in out.rows[0]["prompt"][-1]["content"]
    assert meta["inputs"]["age"]["value"] == 59  # one day before the 60th birthday


def test_qsofa_uses_gcs_summed_from_its_components() -> None:
    vitals = [
        lab("9267-6", "GCS eye", 3, "{score}", kind="vital"),
        lab("9270-0", "GCS verbal", 4, "{score}", kind="vital"),
        lab("9268-4", "GCS motor", 6, "{score}", kind="vital"),
        lab("9279-1", "Respiratory rate", 24, "/min", kind="vital"),
        lab("8480-6", "Systolic blood pressure", 95, "mm[Hg]", kind="vital"),
    ]
    out = run([PatientRecord("p1", date(1950, 1, 1), "male", events=vitals)], ("qsofa",))
    meta = json.loads(out.rows[0]["meta"])
    assert meta["inputs"]["gcs"]["value"] == 13 and sorted(meta["inputs"]["gcs"]["parts"]) == [3, 4, 6]
    assert json.loads(out.rows[0]["gold"])["value"] == 3  # RR >= 22, SBP <= 100, GCS < 15


def test_inputs_cut_by_the_token_budget_are_never_silently_used() -> None:
    # A budget that leaves room for the demographics header only.
    record = PatientRecord("p1", date(1960, 1, 1), "male", events=chemistry())
    out = run([record], ("anion_gap",), max_tokens=30)
    assert out.rows == [] and {s.category for s in out.skipped} == {"input not in prompt"}


def test_plans_state_what_records_cannot_show() -> None:
    meld = plan_for(calculators.get("meld_na"))
    assert not isinstance(meld, str) and meld.assumed == {"dialysis": False}
    assert "dialysis" in question(meld).lower()
    qsofa = plan_for(calculators.get("qsofa"))
    assert not isinstance(qsofa, str) and "gcs" in qsofa.measured
    assert isinstance(plan_for(calculators.get("cha2ds2_vasc")), str)  # history items are not measurements


def test_gold_uses_the_rounded_values_the_prompt_shows() -> None:
    events = [lab("2951-2", "Sodium", 136.834, "mmol/L"), lab("2075-0", "Chloride", 107.26, "mmol/L"),
              lab("2028-9", "Carbon dioxide", 23.5349, "mmol/L")]  # fmt: skip
    out = run([PatientRecord("p1", date(1960, 1, 1), "male", events=events)], ("anion_gap",))
    user = out.rows[0]["prompt"][-1]["content"]
    shown = {k: float(v) for k, v in re.findall(r"^- (Sodium|Chloride|Carbon dioxide): ([\d.]+)", user, re.M)}
    meta = json.loads(out.rows[0]["meta"])
    assert meta["inputs"]["sodium"]["value"] == shown["Sodium"]
    assert json.loads(out.rows[0]["gold"])["value"] == pytest.approx(
        shown["Sodium"] - shown["Chloride"] - shown["Carbon dioxide"])  # fmt: skip


def test_prompt_checks() -> None:
    context = (
        "Patient: 50-year-old male.\n- Sodium: 138 mEq/L (3 h ago)\n- Body Mass Index: 24.5 kg/m2 (0 min ago)"
    )
    assert visible(context, 138.0) and not visible(context, 13.8) and not visible(context, 50)
    assert answer_in_prompt("bmi", context, {"kind": "decimal", "value": 24.4, "lower": 23.2, "upper": 25.6})
    assert (
        answer_in_prompt("bmi", context, {"kind": "decimal", "value": 30, "lower": 28.5, "upper": 31.5})
        is None
    )
    assert spread(list(range(10)), 3) == [0, 4, 9] and spread([1, 2], 3) == [0, 1]
