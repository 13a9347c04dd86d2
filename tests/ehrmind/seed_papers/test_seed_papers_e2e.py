"""End to end on CPU with the tiny model: synthesize -> pseudo-label -> two-stage rl; prefer build -> train.

The tiny model has random weights, so its own samples are almost never readable answers: the commands run
on it for real (sampling, grading, manifests), and a fake policy of known accuracy supplies the labels
and pairs the training stages need, which also pins the agreement figure the report must show.
"""

import json
from pathlib import Path

from typer.testing import CliRunner

from ehrmind.cli import app as cli
from ehrmind.seed_papers.prefer import build_pairs, write_pairs
from ehrmind.seed_papers.pseudo_label import run_pseudo_label
from ehrmind.tasks.schema import read_rows
from rewards.parse import DEFAULT_FORMAT

REPO = Path(__file__).resolve().parents[3]
runner = CliRunner()
TINY_RL = ["--set", "training.max_steps=1", "--set", "generation.num_generations=2", "--set",
           "training.per_device_train_batch_size=2", "--set", "generation.max_completion_length=8"]  # fmt: skip
TINY_PREFER = ["--set", "training.max_steps=1", "--set", "training.per_device_train_batch_size=2", "--set",
               "training.gradient_accumulation_steps=1", "--set", "training.gradient_checkpointing=false",
               "--set", "training.warmup_ratio=0", "--set", "model.dtype=auto", "--set", "prefer.max_length=256"]  # fmt: skip


def invoke(*args):
    result = runner.invoke(cli.app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def known_policy(rows):
    """Right on rows 0, 1, 3, ...; wrong (gold + 40 %) on every third row: majority accuracy 2/3."""
    answers = {}
    for i, row in enumerate(rows):
        value = json.loads(row["gold"])["value"]
        answers[row["prompt"][1]["content"]] = value if i % 3 != 2 else round(value * 1.4 + 1, 2)

    def sample(prompts, k):
        return [[DEFAULT_FORMAT.render("worked", answers[p[1]["content"]])] * k for p in prompts]

    return sample


def test_seed_papers_recipes_end_to_end(tmp_path, tiny_model, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the demo curriculum's relative paths must not see a developer's runs/
    cli._mount_subcommands()
    synth, pseudo, runs = tmp_path / "synth", tmp_path / "pseudo", tmp_path / "runs"
    invoke("synthesize", "--calculators", "bmi,mean_arterial_pressure", "--n", 12, "--rare-share", 0.25,
           "--out", synth)  # fmt: skip
    # The real sampler on the tiny model: runs, counts every row as labeled or left out with a reason.
    invoke("pseudo-label", "--data", synth, "--model", tiny_model, "--n", 2, "--max-new-tokens", 8,
           "--max-rows", 2, "--out", tmp_path / "pseudo-tiny")  # fmt: skip
    report = json.loads((tmp_path / "pseudo-tiny" / "manifest.json").read_text())["pseudo"]
    assert report["rows"] == 2 and report["labeled"] + sum(report["unlabeled_reasons"].values()) == 2

    rows = read_rows(synth, split="train")[:6]
    run_pseudo_label(synth, pseudo, sample=known_policy(rows), n=3, max_rows=6, echo=lambda *_: None)
    assert json.loads((pseudo / "manifest.json").read_text())["pseudo"]["agreement"]["agreement"] == 4 / 6

    invoke(
        "rl",
        "--config",
        REPO / "recipes/medssr/demo.yaml",
        "--model",
        tiny_model,
        "--out",
        runs,
        *TINY_RL,
        "--set",
        f"self_supervised.data.train={pseudo}",
        "--set",
        f"self_supervised.data.eval={pseudo}",
    )
    (cdir,) = (runs / "curriculum").iterdir()
    stages = json.loads((cdir / "stages.json").read_text())
    assert [s["name"] for s in stages] == ["self_supervised", "supervised"]
    stage2 = (Path(stages[1]["run_dir"]) / "config.yaml").read_text()
    assert f"path: {stages[0]['model']}" in stage2  # stage 2 starts from stage 1's final model
    assert (Path(stages[1]["run_dir"]) / "final" / "config.json").exists()
    curriculum_report = (cdir / "report.md").read_text()
    assert "Pseudo-label agreement" in curriculum_report and "66.7%" in curriculum_report
    assert "66.7%" in (Path(stages[0]["run_dir"]) / "report.md").read_text()

    pairs = tmp_path / "pairs.jsonl"
    invoke("prefer", "build", "--data", synth, "--model", tiny_model, "--n", 2, "--max-rows", 2,
           "--max-new-tokens", 8, "--out", tmp_path / "pairs-tiny.jsonl")  # fmt: skip
    assert json.loads((tmp_path / "pairs-tiny.manifest.json").read_text())["rows"] == 2
    mixed = known_policy(rows)

    def right_and_wrong(prompts, k):  # one right and one wrong answer per row
        right = mixed(prompts, 1)
        return [[r[0], DEFAULT_FORMAT.render("off", 999)] for r in right]

    found, report = build_pairs(rows, right_and_wrong, n=2, max_pairs=1)
    write_pairs(found, pairs, report, {})
    assert report["pairs"] >= 4
    for recipe, method in (("dpo.yaml", "DPO"), ("simpo.yaml", "CPO (simpo)")):
        out = invoke("prefer", "train", "--pairs", pairs, "--config", REPO / "recipes/prefer" / recipe,
                     "--model", tiny_model, "--out", runs, *TINY_PREFER)  # fmt: skip
        assert method in out
    finals = sorted((runs / "prefer").glob("*/final/config.json"))
    assert len(finals) == 2
