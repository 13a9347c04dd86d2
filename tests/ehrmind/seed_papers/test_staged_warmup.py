"""Staged SFT (ehrmind/seed_papers/staged_warmup.py): stages run in order from one command, each from the previous model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from ehrmind.config import ConfigError
from ehrmind.recipe_check import check_recipe
from ehrmind.seed_papers.staged_warmup import load_stages, run_stages

REPO = Path(__file__).resolve().parents[3]


def write_recipe(tmp_path: Path, model: Path | None, general: Path) -> Path:
    recipe = {
        "stage": "warmup_stages",
        "base": {"output_dir": str(tmp_path / "runs"), "data": {"train": "bundled"},
                 "training": {"learning_rate": 3e-3, "per_device_train_batch_size": 4, "logging_steps": 1,
                              "save_steps": 1000, "max_length": 256, "max_steps": 3}},
        "stages": [
            {"name": "general", "overrides": {"warmup": {"instructions_jsonl": str(general), "worked_solutions": False,
                                                         "knowledge_cards": 0, "task_rubrics": False}}},
            {"name": "medical_cot", "overrides": {"warmup": {"knowledge_cards": 0, "task_rubrics": False},
                                                  "training.max_steps": 2}},
        ],
    }
    if model is not None:
        recipe["base"]["model"] = {"path": str(model)}
    path = tmp_path / "stages.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def test_both_stages_run_and_the_second_starts_from_the_first(tmp_path, tiny_model):
    recipe = write_recipe(tmp_path, tiny_model, REPO / "examples" / "corpus" / "sft_general.jsonl")
    sdir = run_stages(recipe, echo=lambda *_: None)
    stages = json.loads((sdir / "stages.json").read_text())
    assert [s["name"] for s in stages] == ["general", "medical_cot"]
    first, second = (Path(s["run_dir"]) for s in stages)
    used = [yaml.safe_load((d / "config.yaml").read_text()) for d in (first, second)]
    assert used[0]["model"]["path"] == str(tiny_model)
    assert used[1]["model"]["path"] == str(first / "final")  # stage 2 trains stage 1's model
    assert used[0]["warmup"]["worked_solutions"] is False and used[1]["warmup"]["worked_solutions"] is True
    assert (second / "final" / "config.json").exists()
    steps = [[r["step"] for r in map(json.loads, (d / "metrics.jsonl").read_text().splitlines()) if "loss" in r]
             for d in (first, second)]
    assert steps[0][-1] == 3 and steps[1][-1] == 2  # each stage its own schedule
    report = (sdir / "report.md").read_text()
    assert "| general |" in report and "| medical_cot |" in report


def test_stage_overrides_and_per_stage_set(tmp_path):
    recipe = write_recipe(tmp_path, None, REPO / "examples" / "corpus" / "sft_general.jsonl")
    _, configs = load_stages(recipe, {"training": {"learning_rate": 1e-4}, "medical_cot": {"training": {"seed": 7}}})
    assert [c.training.learning_rate for c in configs] == [1e-4, 1e-4]
    assert [c.training.seed for c in configs] == [0, 7]
    assert [c.training.max_steps for c in configs] == [3, 2]


def test_problems_of_every_stage_are_listed_together(tmp_path):
    recipe = write_recipe(tmp_path, None, tmp_path / "missing.jsonl")
    raw = yaml.safe_load(recipe.read_text())
    raw["stages"][1]["overrides"]["training.learning_rate"] = "fast"
    raw["stages"].append({"name": "general"})
    recipe.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError) as err:
        check_recipe(recipe, stage="warmup_stages")
    text = str(err.value)
    assert "used twice" in text and "missing.jsonl" in text and "learning_rate" in text


def test_shipped_citrus_recipes_validate():
    for name in ("sft_stages.yaml", "sft_stages_demo.yaml"):
        config = check_recipe(REPO / "recipes" / "citrus" / name, stage="warmup_stages", check_paths=False)
        assert config.stage == "warmup"
