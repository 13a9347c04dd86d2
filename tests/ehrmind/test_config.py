"""Recipe configs: defaults, overrides, and one error listing every problem before any model loads."""

from pathlib import Path

import pytest
import yaml

from ehrmind.cli import default_recipe
from ehrmind.config import ConfigError, load_config, parse_overrides

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("stage", ["warmup", "rl", "eval"])
def test_packaged_defaults_validate(stage):
    config = load_config(default_recipe(stage), stage=stage)
    assert config.stage == stage
    assert config.data.train == "bundled"


def test_every_shipped_recipe_validates():
    recipes = sorted((REPO / "recipes").rglob("*.yaml"))
    # accelerate launcher configs and ACES task configs are other tools' files, not ehrmind recipes
    recipes = [r for r in recipes if "accelerate" not in r.parts and "aces" not in r.parts]
    for recipe in recipes:
        stage = yaml.safe_load(recipe.read_text())["stage"]
        load_config(recipe, stage=stage, check_paths=False)


def test_one_error_lists_every_problem(tmp_path):
    path = write(tmp_path, {
        "stage": "rl",
        "trainng": {"learning_rate": 1e-5},  # unknown key (typo)
        "training": {"learning_rate": "fast", "per_device_train_batch_size": 0},  # wrong type, out of range
        "rewards": [{"name": "format", "weight": 1.0}],
    })
    with pytest.raises(ConfigError) as info:
        load_config(path, stage="rl")
    text = str(info.value)
    assert "trainng" in text and "learning_rate" in text and "per_device_train_batch_size" in text
    assert len(info.value.problems) == 3


def test_unknown_reward_and_missing_paths_are_reported_together(tmp_path):
    path = write(tmp_path, {
        "stage": "rl",
        "data": {"train": str(tmp_path / "nope")},
        "model": {"path": str(tmp_path / "no-model")},
        "rewards": [{"name": "calc_acuracy", "weight": 1.0}],
    })
    with pytest.raises(ConfigError) as info:
        load_config(path, stage="rl")
    text = str(info.value)
    assert "calc_acuracy" in text and "calc_accuracy" in text  # the close match is suggested
    assert "data.train" in text and "model.path" in text


def test_overrides_reach_any_field_and_are_typed():
    overrides = parse_overrides(["training.learning_rate=1e-5", "lora.enabled=true", "generation.num_generations=4"])
    config = load_config(default_recipe("rl"), stage="rl", overrides=overrides)
    assert config.training.learning_rate == 1e-5
    assert config.lora.enabled is True
    with pytest.raises(ConfigError, match="lora.r"):
        load_config(default_recipe("rl"), stage="rl", overrides=parse_overrides(["lora.r=many"]))


def test_stage_mismatch_is_an_error():
    with pytest.raises(ConfigError, match="stage"):
        load_config(default_recipe("warmup"), stage="rl")


def test_group_size_must_divide_batch():
    overrides = parse_overrides(["generation.num_generations=3", "training.per_device_train_batch_size=8"])
    with pytest.raises(ConfigError, match="multiple of generation.num_generations"):
        load_config(default_recipe("rl"), stage="rl", overrides=overrides)
