"""Recipe configs: defaults, overrides, and one error listing every problem before any model loads."""

from pathlib import Path

import pytest
import yaml

from ehrmind.config import ConfigError, default_recipe, load_config, parse_overrides

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
    from ehrmind.recipe_check import check_recipe

    recipes = sorted((REPO / "recipes").rglob("*.yaml"))
    # accelerate launcher configs and ACES task configs are other tools' files, not ehrmind recipes
    recipes = [r for r in recipes if "accelerate" not in r.parts and "aces" not in r.parts]
    for recipe in recipes:
        stage = yaml.safe_load(recipe.read_text())["stage"]
        check_recipe(recipe, stage=stage, check_paths=False)


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


def test_data_tasks_name_registered_families():
    # families, subtasks and pseudo-labelled rows pass; a typo is named with the registered families
    ok = parse_overrides(["data.tasks=[calc, ehrshot/lab_anemia, pseudo/calc]"])
    assert load_config(default_recipe("rl"), stage="rl", overrides=ok).data.tasks == [
        "calc", "ehrshot/lab_anemia", "pseudo/calc"]
    with pytest.raises(ConfigError, match=r"data.tasks.1: 'ehrshoot' names no task family; choose from .*trial_match"):
        load_config(default_recipe("rl"), stage="rl", overrides=parse_overrides(["data.tasks=[calc, ehrshoot]"]))


def test_stage_mismatch_is_an_error():
    with pytest.raises(ConfigError, match="stage"):
        load_config(default_recipe("warmup"), stage="rl")


def _medcalc_rl(*sets: str):
    return load_config(REPO / "recipes" / "medcalc" / "rl.yaml", stage="rl", overrides=parse_overrides(list(sets)),
                       check_paths=False)


@pytest.mark.parametrize("gpus", [1, 2, 8])
def test_one_two_and_eight_gpus_train_eherminds_global_batch(gpus):
    from ehrmind.batch import accumulation_steps

    config = _medcalc_rl()
    assert (config.generation.prompts_per_step, config.generation.num_generations) == (32, 12)  # EHRMIND
    steps = accumulation_steps(config, gpus)
    # The global batch is what the recipe states, whatever the world size: 32 prompts x 12 = 384 completions.
    assert config.training.per_device_train_batch_size * gpus * steps == 32 * 12
    warmup = load_config(REPO / "recipes" / "medcalc" / "warmup.yaml", stage="warmup", check_paths=False)
    assert warmup.training.per_device_train_batch_size * gpus * accumulation_steps(warmup, gpus) == 32


def test_micro_batch_need_not_hold_whole_groups_trl_only_needs_the_generation_batch(tmp_path):
    # Per TRL 1.16 GRPOConfig.__post_init__ (installed source, trl/trainer/grpo_config.py): only
    # generation_batch_size = per_device x processes x steps_per_generation must be divisible by num_generations.
    from trl import GRPOConfig

    from ehrmind.batch import accumulation_steps

    config = _medcalc_rl("training.per_device_train_batch_size=8")  # 8 is not a multiple of 12: accepted
    steps = accumulation_steps(config, 1)
    args = GRPOConfig(output_dir=str(tmp_path), per_device_train_batch_size=8, gradient_accumulation_steps=steps,
                      num_generations=12, use_cpu=True, report_to=[])  # fmt: skip
    assert args.generation_batch_size == 384
    with pytest.raises(ValueError, match="divisible by num_generations"):  # what TRL itself rejects
        GRPOConfig(output_dir=str(tmp_path), per_device_train_batch_size=8, gradient_accumulation_steps=1,
                   num_generations=12, use_cpu=True, report_to=[])  # fmt: skip


def test_global_batch_that_cannot_be_split_is_an_error():
    from ehrmind.batch import accumulation_steps

    with pytest.raises(ConfigError, match="not a multiple of training.per_device_train_batch_size"):
        _medcalc_rl("training.per_device_train_batch_size=7")
    with pytest.raises(ConfigError, match="both set"):
        _medcalc_rl("training.gradient_accumulation_steps=4")
    # 384 completions over 5 GPUs x 8 per device has no whole number of accumulation steps: said at launch.
    with pytest.raises(ValueError, match="5 processes"):
        accumulation_steps(_medcalc_rl(), 5)


@pytest.mark.parametrize(("raw", "expected"), [("off", "off"), ("false", "off"), ("no", "off"), ("on", "colocate"),
                                               ("true", "colocate"), ("server", "server"), ("auto", "auto")])
def test_use_vllm_accepts_yaml_booleans(raw, expected):
    # YAML reads `off` as False: `--set generation.use_vllm=off` was rejected as "not a valid literal".
    config = load_config(default_recipe("rl"), stage="rl", overrides=parse_overrides([f"generation.use_vllm={raw}"]))
    assert config.generation.use_vllm == expected


def test_vllm_settings_reach_grpo_config(tmp_path):
    from trl import GRPOConfig

    from ehrmind.trl_args import trl_kwargs

    config = _medcalc_rl("generation.use_vllm=server", "generation.vllm_server_host=10.0.0.2",
                         "generation.vllm_server_port=8123", "generation.vllm_tensor_parallel_size=2",
                         "generation.vllm_enable_sleep_mode=true")  # fmt: skip
    args = trl_kwargs(config, tmp_path)
    # max model length = prompt + completion (2048 + 1500), not the model's whole context.
    assert args["vllm_max_model_length"] == 2048 + 1500
    assert (args["vllm_mode"], args["vllm_server_host"], args["vllm_server_port"]) == ("server", "10.0.0.2", 8123)
    assert args["vllm_tensor_parallel_size"] == 2 and args["vllm_enable_sleep_mode"] is True
    # Every key is a real GRPOConfig field of the installed TRL (a renamed field would fail here, not on a GPU).
    GRPOConfig(**{**args, "use_cpu": True, "per_device_train_batch_size": 12})


def test_gpu_extra_pins_vllm_to_trls_supported_range():
    # TRL's own declaration (installed metadata, `Requires-Dist: vllm<=...,>=...; extra == "vllm"`) is the reference.
    from importlib.metadata import requires

    import tomllib
    from packaging.requirements import Requirement

    trl_vllm = next(Requirement(r) for r in requires("trl") if r.startswith("vllm") and 'extra == "vllm"' in r)
    ours = Requirement(next(d for d in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
                            ["optional-dependencies"]["gpu"] if d.startswith("vllm")))  # fmt: skip
    assert ours.specifier == trl_vllm.specifier
    for version in ("0.22.0", "0.31.0"):
        assert version in ours.specifier
    assert "0.33.0" not in ours.specifier  # what `vllm>=0.10` resolved to
