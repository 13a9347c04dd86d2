"""`ehrmind data build --aces`: ACES cohorts become `aces/<name>` label rows cut at the prediction time, graded
by `diagnosis_label`; option errors are one readable line."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from ehrmind.cli import data
from ehrmind.tasks.schema import read_rows
from rewards import get_reward

REPO = Path(__file__).resolve().parents[3]
TASK = REPO / "recipes" / "aces" / "readmission_30d.yaml"
PREDICATES = REPO / "recipes" / "aces" / "predicates" / "mimic_iv.yaml"
T0 = datetime(2150, 1, 1, 10, 0)
runner = CliRunner()


def events(path: Path) -> Path:
    """Two stays for subject 1 (readmitted on day 20) and one for subject 2; a creatinine result after the
    first discharge must never appear in the prompt cut at that discharge."""
    d = lambda n: T0 + timedelta(days=n)  # noqa: E731
    rows = [
        (1, None, "GENDER//F", None), (1, d(0), "HOSPITAL_ADMISSION//URGENT", None),
        (1, d(1), "LAB//50983//mEq/L", 141.0), (1, d(2), "HOSPITAL_DISCHARGE//HOME", None),
        (1, d(3), "LAB//50912//mg/dL", 4.7), (1, d(20), "HOSPITAL_ADMISSION//URGENT", None),
        (1, d(22), "HOSPITAL_DISCHARGE//HOME", None), (1, d(80), "LAB//50983//mEq/L", 138.0),
        (2, d(0), "HOSPITAL_ADMISSION//ELECTIVE", None), (2, d(4), "HOSPITAL_DISCHARGE//HOME", None),
        (2, d(70), "LAB//50983//mEq/L", 137.0),
    ]  # fmt: skip
    pl.DataFrame(
        rows,
        schema={"subject_id": pl.Int64, "time": pl.Datetime("us"), "code": pl.Utf8, "value": pl.Float32},
        orient="row",
    ).write_parquet(path)
    return path


def build(tmp_path: Path, *extra: str):
    source = events(tmp_path / "events.parquet")
    args = ["build", "--source", f"meds:{source}", "--out", str(tmp_path / "out"), "--split", "1,0,0", *extra]
    return runner.invoke(data.app, args)


def test_aces_rows_gold_and_prompt_cut(tmp_path: Path) -> None:
    result = build(tmp_path, "--aces", str(TASK), "--predicates", str(PREDICATES))
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in read_rows(tmp_path / "out")}
    first = f"aces/readmission_30d/1/{(T0 + timedelta(days=2)).isoformat()}"
    second = f"aces/readmission_30d/1/{(T0 + timedelta(days=22)).isoformat()}"
    third = f"aces/readmission_30d/2/{(T0 + timedelta(days=4)).isoformat()}"
    assert set(rows) == {first, second, third}
    # labels read off the config's windows: admission day 20 is within 30 days of day 2; none after day 22/4
    golds = {k: json.loads(r["gold"]) for k, r in rows.items()}
    assert golds[first] == {"kind": "label", "value": "yes", "choices": ["yes", "no"]}
    assert golds[second]["value"] == "no" and golds[third]["value"] == "no"
    meta = json.loads(rows[first]["meta"])
    assert (
        meta["aces_task"] == "readmission_30d" and meta["prediction_time"] == rows[first]["id"].split("/")[-1]
    )
    user = rows[first]["prompt"][-1]["content"]
    assert "within 30 days after this discharge" in user
    # sodium before the discharge is shown, creatinine after it is not
    assert "141" in user and "4.7" not in user
    assert "4.7" in rows[second]["prompt"][-1]["content"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["counts"]["aces/readmission_30d"]["total"] == 3
    assert manifest["options"]["aces"].endswith("readmission_30d.yaml")


def test_diagnosis_label_grades_aces_rows(tmp_path: Path) -> None:
    assert build(tmp_path, "--aces", str(TASK), "--predicates", str(PREDICATES)).exit_code == 0
    rows = read_rows(tmp_path / "out")
    reward = get_reward("diagnosis_label")
    right = [
        f'<think>x</think><answer>{{"answer": "{json.loads(r["gold"])["value"]}"}}</answer>' for r in rows
    ]
    wrong = [c.replace('"yes"', '"tmp"').replace('"no"', '"yes"').replace('"tmp"', '"no"') for c in right]
    columns = {"gold": [r["gold"] for r in rows], "task": [r["task"] for r in rows]}
    assert reward(completions=right, **columns) == [1.0] * len(rows)
    assert reward(completions=wrong, **columns) == [0.0] * len(rows)


def test_aces_option_errors(tmp_path: Path) -> None:
    no_codes = build(tmp_path, "--aces", str(TASK))
    assert no_codes.exit_code == 1 and "--predicates" in no_codes.output
    orphan = build(tmp_path, "--predicates", str(PREDICATES), "--tasks", "ehrshot")
    assert orphan.exit_code == 1 and "--aces" in orphan.output
    nothing = build(tmp_path)
    assert nothing.exit_code == 1 and "--tasks" in nothing.output
    only_task = build(tmp_path, "--tasks", "aces")
    assert only_task.exit_code == 1 and "--aces" in only_task.output


def test_without_es_aces_the_error_says_how_to_install(tmp_path: Path, monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "aces.config", None)  # import of aces.config now raises ImportError
    result = build(tmp_path, "--aces", str(TASK), "--predicates", str(PREDICATES))
    assert result.exit_code == 1 and "pip install 'ehrmind[aces]'" in result.output


def test_aces_and_other_tasks_in_one_build(tmp_path: Path) -> None:
    result = build(
        tmp_path, "--tasks", "ehrshot/long_los", "--aces", str(TASK), "--predicates", str(PREDICATES)
    )
    assert result.exit_code == 0, result.output
    tasks = {r["task"] for r in read_rows(tmp_path / "out")}
    assert tasks == {"aces/readmission_30d", "ehrshot/long_los"}
