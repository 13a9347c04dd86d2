"""Recipe sections pass through to TRL's own config classes: names and types checked at load, TRL's checks too."""

from pathlib import Path

import pytest

from ehrmind.config import ConfigError, default_recipe, dump_config, load_config
from ehrmind.overrides import command_overrides, nested, parse_overrides
from ehrmind.trl_args import MANAGED, RENAMED, field_types, trl_class, trl_kwargs

REPO = Path(__file__).resolve().parents[2]


def _rl(*sets: str):
    return load_config(default_recipe("rl"), stage="rl", overrides=parse_overrides(list(sets)))


def test_any_other_trl_field_passes_through_typed_and_is_dumped(tmp_path):
    config = _rl("grpo.epsilon_high=0.28", "training.adam_beta2=0.99", "generation.top_k=50")
    kwargs = trl_kwargs(config, tmp_path)
    assert (kwargs["epsilon_high"], kwargs["adam_beta2"], kwargs["top_k"]) == (0.28, 0.99, 50)
    assert "epsilon_high: 0.28" in dump_config(config)  # the run directory's config.yaml records it
    # "1e-5" is a string to YAML: converted with the TRL field's own type, as the typed fields are
    assert trl_kwargs(_rl("training.adam_epsilon=1e-5"), tmp_path)["adam_epsilon"] == 1e-5


def test_warmup_and_prefer_take_their_own_class_fields(tmp_path):
    warm = load_config(default_recipe("warmup"), stage="warmup", overrides={"training": {"packing_strategy": "bfd"}},
                       check_paths=False)  # fmt: skip
    assert trl_class(warm).__name__ == "SFTConfig" and trl_kwargs(warm, tmp_path)["packing_strategy"] == "bfd"
    dpo = load_config(REPO / "recipes/prefer/dpo.yaml", stage="prefer", check_paths=False,
                      overrides={"prefer": {"label_smoothing": 0.1}})  # fmt: skip
    kwargs = trl_kwargs(dpo, tmp_path)
    assert kwargs["label_smoothing"] == 0.1 and kwargs["loss_type"] == [dpo.prefer.loss_type]
    assert "simpo_gamma" not in kwargs  # a CPO field: not passed to DPO


@pytest.mark.parametrize(("sets", "expected"), [
    (["training.learnig_rate=1e-5"], "training.learnig_rate: Extra inputs are not permitted (got '1e-5'); "
                                     "did you mean 'learning_rate'?"),
    (["grpo.epsilon_hgh=0.3"], "did you mean 'epsilon_high'?"),
    (["training.adam_beta2=high"], "training.adam_beta2: Input should be a valid number"),
    (["training.fp16=true"], "training.fp16: set by ehrmind from model.dtype: fp16"),
    (["generation.log_completions=true"], "never logged"),
    (["training.beta=0.5"], "training.beta: TRL's beta is already set by grpo.beta; set it once"),
    (["training.warmup_steps=10"], "already set by training.warmup_ratio"),
])
def test_bad_trl_keys_are_located(sets, expected):
    with pytest.raises(ConfigError) as info:
        _rl(*sets)
    assert any(expected in p for p in info.value.problems), info.value.problems


def test_trl_keys_are_not_accepted_where_no_trl_class_reads_them():
    with pytest.raises(ConfigError, match="generation.top_k: Extra inputs are not permitted"):
        load_config(default_recipe("eval"), stage="eval", overrides={"generation": {"top_k": 5}})
    with pytest.raises(ConfigError, match="training.adam_beta2: Extra inputs are not permitted"):
        load_config(default_recipe("pretrain"), stage="pretrain", overrides={"training": {"adam_beta2": 0.9}},
                    check_paths=False)  # fmt: skip


def test_trls_own_checks_run_at_load_with_the_location():
    # 8 completions per step on one process cannot hold whole groups of 3: TRL's GRPOConfig says so
    with pytest.raises(ConfigError) as info:
        _rl("generation.num_generations=3")
    (problem,) = info.value.problems
    assert problem.startswith("generation.num_generations") and "GRPOConfig" in problem


def test_unknown_problems_are_listed_with_schema_problems():
    with pytest.raises(ConfigError) as info:
        _rl("training.learning_rate=fast", "training.adam_betta2=0.9")
    assert len(info.value.problems) == 2


def test_renames_and_managed_fields_are_trl_fields():
    from trl import GRPOConfig, SFTConfig

    fields = set(field_types(GRPOConfig)) | set(field_types(SFTConfig))
    assert set(RENAMED.values()) <= fields and set(MANAGED) <= fields


def test_unknown_reward_option_is_rejected_in_every_stage_with_the_accepted_options(tmp_path):
    recipe = tmp_path / "eval.yaml"
    recipe.write_text("stage: eval\nrewards:\n  - name: format\n    options: {stict: true}\n")
    with pytest.raises(ConfigError) as info:
        load_config(recipe, stage="eval")
    (problem,) = info.value.problems
    assert problem.startswith("rewards.0.options.stict: reward 'format' has no option 'stict'; did you mean 'strict'?")
    assert "it accepts: " in problem and "prefilled_think" in problem


def test_multi_stage_recipes_are_loaded_by_check_recipe():
    with pytest.raises(ConfigError, match="check_recipe"):
        load_config(REPO / "recipes/medssr/curriculum.yaml", stage="curriculum")


def test_command_overrides_turn_flags_on_and_leave_the_rest_to_the_recipe():
    assert command_overrides(trust=True, sets=["lora.r=8"]) == {"model": {"trust_remote_code": True}, "lora": {"r": 8}}
    assert command_overrides(model="m", data="d", out="o") == {
        "model": {"path": "m"}, "data": {"train": "d", "eval": "d"}, "output_dir": "o"}
    assert parse_overrides(["a.b=1", "a.c=x", "a.b=2"]) == {"a": {"b": 2, "c": "x"}}
    assert nested({"a.b": {"c.d": 1}}) == {"a": {"b": {"c": {"d": 1}}}}
    with pytest.raises(ConfigError, match="expected section.field=value"):
        parse_overrides(["lora.r"])


def test_a_bf16_recipe_loads_on_a_cpu_machine(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("checks the CPU path")
    kwargs = trl_kwargs(_rl("training.bf16=true"), tmp_path)  # load_config built GRPOConfig with these
    assert kwargs["bf16"] is True and kwargs["use_cpu"] is True  # transformers refuses bf16 on CPU otherwise
