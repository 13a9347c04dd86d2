"""`ehrmind data build|show` through typer's CliRunner: outputs, manifest, errors, and the shared datasets."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from ehrmind.cli import data
from ehrmind.tasks.schema import read_rows

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared" / "data"
runner = CliRunner()
NOTE = "Secret-note: a 60-year-old man with creatinine 1.2 mg/dL."


def medcalc_csv(path: Path, bad_row: bool = False) -> Path:
    columns = ["Row Number", "Calculator ID", "Calculator Name", "Output Type", "Note ID", "Patient Note",
               "Question", "Relevant Entities", "Ground Truth Answer", "Lower Limit", "Upper Limit"]  # fmt: skip
    rows = [
        [str(i), "3", "CKD-EPI", "decimal", f"note-{i % 5}", f"{NOTE} ({i})", "What is the GFR?",
         f"{{'age': [{40 + i}, 'years'], 'sex': 'Male', 'creatinine': [1.2, 'mg/dL']}}", "70", "66.5", "73.5"]
        for i in range(20)
    ]  # fmt: skip
    if bad_row:
        rows.append(["99", "x", "?", "decimal", "n", "note", "q", "{}", "1", "1", "1"])
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def invoke(*args: str):
    return runner.invoke(data.app, [str(a) for a in args])


def test_help_has_examples() -> None:
    for command in ("build", "show"):
        result = invoke(command, "--help")
        assert result.exit_code == 0 and "Example" in result.output


def test_build_writes_splits_and_a_complete_manifest(tmp_path: Path) -> None:
    source = medcalc_csv(tmp_path / "mc.csv")
    out = tmp_path / "out"
    result = invoke("build", "--source", f"medcalc-bench:{source}", "--tasks", "medcalc", "--out", out)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {
        "train.parquet",
        "val.parquet",
        "test.parquet",
        "manifest.json",
    }
    manifest = json.loads((out / "manifest.json").read_text())
    rows = read_rows(out)
    assert len(rows) == 20 and manifest["counts"]["medcalc"]["total"] == 20
    assert sum(manifest["counts"]["medcalc"][s] for s in ("train", "val", "test")) == 20
    assert manifest["sources"][0]["files"][0]["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert manifest["options"]["seed"] == 0 and manifest["options"]["split"] == [0.8, 0.1, 0.1]
    assert manifest["ehrmind_version"] and manifest["leakage_check"]["crossing"] == 0
    assert sum(v["patients"] for v in manifest["splits"].values()) == 5  # five note ids
    by_patient: dict[str, set[str]] = {}
    for row in rows:
        by_patient.setdefault(row["patient_id"], set()).add(row["split"])
    assert all(len(s) == 1 for s in by_patient.values())
    assert NOTE not in result.output  # the summary never prints patient text


def test_same_seed_same_files_and_split_ratios_apply(tmp_path: Path) -> None:
    source = medcalc_csv(tmp_path / "mc.csv")
    for name in ("a", "b"):
        invoke("build", "--source", f"medcalc-bench:{source}", "--tasks", "medcalc", "--out", tmp_path / name)
    for split in ("train", "val", "test"):
        assert pl.read_parquet(tmp_path / "a" / f"{split}.parquet").equals(
            pl.read_parquet(tmp_path / "b" / f"{split}.parquet"))  # fmt: skip
    invoke("build", "--source", f"medcalc-bench:{source}", "--tasks", "medcalc", "--out", tmp_path / "c",
           "--split", "0,0,1", "--max-per-task", "7")  # fmt: skip
    rows = read_rows(tmp_path / "c")
    assert len(rows) == 7 and {r["split"] for r in rows} == {"test"}


def test_show_hides_prompts_unless_asked(tmp_path: Path) -> None:
    source = medcalc_csv(tmp_path / "mc.csv")
    invoke("build", "--source", f"medcalc-bench:{source}", "--tasks", "medcalc", "--out", tmp_path / "o")
    hidden = invoke("show", tmp_path / "o", "--n", "1")
    assert hidden.exit_code == 0 and "medcalc" in hidden.output and NOTE not in hidden.output
    shown = invoke("show", tmp_path / "o", "--n", "1", "--show-prompts")
    assert shown.exit_code == 0 and NOTE in shown.output


def test_strict_stops_at_a_bad_row_lenient_counts_it(tmp_path: Path) -> None:
    source = medcalc_csv(tmp_path / "mc.csv", bad_row=True)
    args = ("build", "--source", f"medcalc-bench:{source}", "--tasks", "medcalc", "--out", tmp_path / "o")
    strict = invoke(*args, "--strict")
    assert strict.exit_code == 1 and "row 21" in strict.output and "Calculator ID" in strict.output
    lenient = invoke(*args)
    assert lenient.exit_code == 0
    skipped = json.loads((tmp_path / "o" / "manifest.json").read_text())["skipped"]
    assert skipped["total"] == 1 and skipped["items"][0]["position"] == "row 21"


def test_rows_the_rewards_cannot_grade_are_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rewards.gold

    def reject(raw):
        raise rewards.gold.GoldError("gold.unit='x' is invalid")

    monkeypatch.setattr(rewards.gold, "parse_gold", reject)
    source = medcalc_csv(tmp_path / "mc.csv")
    result = invoke(
        "build", "--source", f"medcalc-bench:{source}", "--tasks", "medcalc", "--out", tmp_path / "o"
    )
    assert result.exit_code == 0 and "warning" in result.output
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert manifest["rows"] == 0 and manifest["skipped"]["by_reason"] == {"gold unreadable by rewards": 20}


@pytest.mark.parametrize(
    ("source", "tasks", "message"),
    [
        ("bogus:{tmp}", "medcalc", "KIND"),
        ("medcalc-bench:{tmp}/missing.csv", "medcalc", "does not exist"),
        ("medcalc-bench:{tmp}", "trial_match", "needs a source of kind trec-ct"),
        ("medcalc-bench:{tmp}", "diagnosis", "unknown task"),
        ("medcalc-bench:{tmp}", "medcalc,ehrshot/long_stay", "needs a source of kind meds"),
    ],
)
def test_bad_invocations_fail_with_a_message(tmp_path: Path, source: str, tasks: str, message: str) -> None:
    medcalc_csv(tmp_path / "mc.csv")
    result = invoke(
        "build", "--source", source.format(tmp=tmp_path), "--tasks", tasks, "--out", tmp_path / "o"
    )
    assert result.exit_code == 1 and message in result.output


@pytest.mark.parametrize(
    ("source", "tasks", "task"),
    [
        ("trec-ct:trec-ct", "trial_match", "trial_match"),
        ("medcalc-bench:medcalc-bench/train_sample.csv", "medcalc", "medcalc"),
        ("fhir:fhir-synthea", "calc", "calc"),
    ],
)
def test_shared_datasets_build(tmp_path: Path, source: str, tasks: str, task: str) -> None:
    kind, rel = source.split(":", 1)
    if not (SHARED / rel).exists():
        pytest.skip(f"data build on the full {rel}: needs ../shared/data/{rel} (not in a clone; README 'Data' says where to get it)")
    result = invoke("build", "--source", f"{kind}:{SHARED / rel}", "--tasks", tasks, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["counts"][task]["total"] > 0 and manifest["leakage_check"]["crossing"] == 0


def test_shared_bulk_export_without_measurements_builds_empty_with_a_warning(tmp_path: Path) -> None:
    bulk = SHARED / "fhir-synthea" / "bulk-ndjson"
    if not bulk.exists():
        pytest.skip("bulk NDJSON build: needs ../shared/data/fhir-synthea/bulk-ndjson (not in a clone; README 'Data' says where to get it)")
    result = invoke("build", "--source", f"fhir:{bulk}", "--tasks", "calc", "--out", tmp_path)
    assert result.exit_code == 0 and "warning" in result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["rows"] == 0 and manifest["warnings"] and len(manifest["sources"][0]["files"]) >= 4


@pytest.mark.slow
def test_shared_mimic_builds_ehrshot_and_calc(tmp_path: Path) -> None:
    if not (SHARED / "mimic-iv-demo-meds").exists():
        pytest.skip("full MIMIC-IV demo build: needs ../shared/data/mimic-iv-demo-meds (not in a clone; README 'Data' says where to get it)")
    result = invoke("build", "--source", f"meds:{SHARED / 'mimic-iv-demo-meds'}", "--tasks", "ehrshot,calc",
                    "--out", tmp_path)  # fmt: skip
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["counts"]["calc"]["total"] > 0 and manifest["counts"]["ehrshot/long_los"]["total"] > 0
    assert manifest["splits"]["train"]["patients"] + manifest["splits"]["test"]["patients"] <= 100
    # every single-class label task is named (recounted from the written rows, not from the builder)
    import polars as pl

    rows = pl.concat([pl.read_parquet(tmp_path / f"{s}.parquet") for s in ("train", "val", "test")])
    golds = rows.with_columns(pl.col("gold").str.json_path_match("$.value").alias("v"))
    single = golds.group_by("task").agg(pl.col("v").n_unique().alias("n")).filter(pl.col("n") == 1)
    single_tasks = sorted(single.get_column("task").to_list())
    assert single_tasks  # on the demo: celiac, lupus and pancreatic cancer are all "no"
    named = [w for w in manifest["warnings"] if "single class" in w]
    assert sorted(w.split("'")[1] for w in named) == single_tasks
    # every skip reason is counted and unanswerable lab rows are among them
    by_reason = manifest["skipped"]["by_reason"]
    assert by_reason.get("unanswerable", 0) > 0 and sum(by_reason.values()) == manifest["skipped"]["total"]
    assert any("'unanswerable'" in w for w in manifest["warnings"])


def test_ehrshot_label_files_replace_the_labelers(tmp_path: Path) -> None:
    # EHRSHOT ships its own labels (one folder per task): `--labels` uses them as gold instead of recomputing.
    folder = tmp_path / "guo_los"
    folder.mkdir()
    (folder / "labeled_patients.csv").write_text(
        "patient_id,prediction_time,value,label_type\n"
        "1,2024-03-01 23:59:00,True,boolean\n2,2024-03-01 23:59:00,False,boolean\n"
    )
    meds = Path(__file__).resolve().parents[2] / "adapters" / "fixtures" / "meds_good"
    out = tmp_path / "out"
    result = runner.invoke(
        data.app,
        ["build", "--source", f"meds:{meds}", "--tasks", "ehrshot/long_los", "--out", str(out),
         "--labels", str(folder / "labeled_patients.csv")],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["ehrshot/long_los"]["total"] == 2
    assert manifest["options"]["labels"] == [str((folder / "labeled_patients.csv").resolve())]
    rows = [r for split in ("train", "val", "test") if (out / f"{split}.parquet").exists()
            for r in pl.read_parquet(out / f"{split}.parquet").to_dicts()]
    golds = {r["patient_id"]: json.loads(r["gold"])["value"] for r in rows}
    assert golds == {"1": "yes", "2": "no"}
