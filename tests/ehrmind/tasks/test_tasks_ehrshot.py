"""Tasks `ehrshot/<name>`: task selection, duplicate labels, and rows built from the MIMIC-IV demo."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from ehrmind.tasks.ehrshot_tasks import _dedupe, build_ehrshot, task_names
from ehrmind.tasks.schema import TaskRows

REPO = Path(__file__).resolve().parents[3]
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
        if meta["ehrshot_task"] == "lab_hyponatremia":  # answerable: an earlier sodium is in the record
            assert "- Sodium: " in row["prompt"][-1]["content"]
    # chest X-ray is multi-label; two sodium results at one instant with different severities are ambiguous;
    # a first-ever sodium result has nothing to anticipate it from
    assert {s.category for s in out.skipped} == {"task not buildable", "conflicting labels", "unanswerable"}
    assert [r["id"] for r in build(mimic, seed=0).rows] == [r["id"] for r in out.rows]


def _label_rows(values: dict[str, list[str]]) -> list[dict]:
    from ehrmind.tasks.schema import new_row

    rows = []
    for task, golds in values.items():
        for i, value in enumerate(golds):
            gold = {"kind": "label", "value": value, "choices": ["no", "yes"]}
            row = new_row(f"{task}/{i}", task, [{"role": "user", "content": f"{task} {i}"}], gold, str(i), {})
            rows.append({**row, "split": "train"})
    return rows


def test_rl_refuses_a_single_class_task_unless_told(tmp_path) -> None:
    from ehrmind.config import RunConfig
    from ehrmind.stages.rl import run_rl
    from ehrmind.tasks.schema import SingleClassError, check_label_balance, write_jsonl

    rows = _label_rows({"ehrshot/new_celiac": ["no"] * 5, "ehrshot/long_los": ["no", "yes", "no"]})
    write_jsonl(rows, tmp_path / "train.jsonl")
    config = RunConfig(stage="rl")
    config.data.train = str(tmp_path / "train.jsonl")
    with pytest.raises(SingleClassError, match=r"ehrshot/new_celiac \(all 'no'\)") as info:
        run_rl(config)  # refused before any model is loaded
    assert "long_los" not in str(info.value) and "allow_single_class" in str(info.value)
    check_label_balance(rows, allow_single_class=True)  # told otherwise: no error
