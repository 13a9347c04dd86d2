"""Tasks `ehrshot/<name>`: task selection, duplicate labels, and rows built from the MIMIC-IV demo."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from ehrmind.tasks.ehrshot_tasks import _dedupe, build_ehrshot, task_names
from ehrmind.tasks.schema import TaskRows

REPO = Path(__file__).resolve().parents[2]
MIMIC = REPO.parent / "shared" / "data" / "mimic-iv-demo-meds"


def test_task_selectors() -> None:
    assert len(task_names(["ehrshot"])) == 15
    assert task_names(["ehrshot/long_los", "ehrshot/lab_anemia"]) == ["long_los", "lab_anemia"]
    with pytest.raises(ValueError, match="ehrshot/long_los"):
        task_names(["ehrshot/long_stay"])


def test_duplicate_labels_are_merged_and_conflicts_skipped() -> None:
    when = datetime(2150, 1, 1, 8)
    labels = pl.DataFrame(
        {
            "subject_id": [1, 1, 2, 2, 3],
            "prediction_time": [when] * 5,
            "task": ["lab_anemia"] * 5,
            "label": ["mild", "mild", "mild", "severe", "normal"],
        }  # fmt: skip
    )
    out = TaskRows()
    kept = _dedupe(labels, out, "src", strict=False)
    assert sorted(kept.select("subject_id", "label").rows()) == [(1, "mild"), (3, "normal")]
    assert out.counts["duplicate_labels_merged"] == 2
    assert [s.category for s in out.skipped] == ["conflicting labels"]


@pytest.fixture(scope="module")
def mimic():
    if not MIMIC.exists():
        pytest.skip("EHRSHOT labels on the full MIMIC-IV demo: needs ../shared/data/mimic-iv-demo-meds (not in a clone; README 'Data' says where to get it)")
    from ehr_adapters.meds import read_meds

    return read_meds(MIMIC)


def build(dataset, seed: int):
    from ehr_adapters.serialize import meds_timelines, serialize_timeline

    return build_ehrshot(
        dataset,
        ["long_los", "lab_hyponatremia", "chest_xray"],
        lambda ids: {str(k): v for k, v in meds_timelines(dataset, ids).items()},
        lambda tl, when: serialize_timeline(tl, prediction_time=when, max_tokens=512),
        "mimic",
        max_per_task=4,
        seed=seed,
    )


def test_rows_match_the_labeler_and_hide_the_future(mimic) -> None:
    from ehr_adapters.ehrshot import label

    out = build(mimic, seed=0)
    labels = {(str(s), t, k, v) for s, t, k, v in label(mimic, ["long_los", "lab_hyponatremia"]).iter_rows()}
    assert sorted(r["task"] for r in out.rows) == ["ehrshot/lab_hyponatremia"] * 4 + ["ehrshot/long_los"] * 4
    for row in out.rows:
        gold, meta = json.loads(row["gold"]), json.loads(row["meta"])
        when = datetime.fromisoformat(meta["prediction_time"])
        assert (row["patient_id"], when, meta["ehrshot_task"], gold["value"]) in labels
        assert gold["value"] in gold["choices"]
        assert "nothing after now is shown" in row["prompt"][-1]["content"]
    # chest X-ray is multi-label; two sodium results at one instant with different severities are ambiguous
    assert {s.category for s in out.skipped} == {"task not buildable", "conflicting labels"}
    assert [r["id"] for r in build(mimic, seed=0).rows] == [r["id"] for r in out.rows]
