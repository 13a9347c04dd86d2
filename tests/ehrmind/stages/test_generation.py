"""ehrmind.stages.generation: the HF path on the tiny model, and when vLLM is (not) chosen."""

from __future__ import annotations

import pytest

from ehrmind.stages import generation
from ehrmind.stages.generation import GenerationError, generate_completions

PROMPTS = [
    [
        {"role": "system", "content": "Answer in <answer> tags."},
        {"role": "user", "content": "BMI for 70 kg, 175 cm?"},
    ],
    [{"role": "user", "content": "Serum sodium 131 mmol/L, glucose 400 mg/dL: corrected sodium?"}],
]
SETTINGS = {"max_new_tokens": 6, "temperature": 0.6, "top_p": 0.95, "use_vllm": "off"}


@pytest.fixture(scope="module")
def loaded(tiny_model):
    from ehrmind.stages.models import load_model_and_tokenizer

    return load_model_and_tokenizer(str(tiny_model))


def _manual_greedy(model, tok, messages, n):
    """Reference: one prompt, no padding, plain greedy generate."""
    import torch

    text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    ids = tok(text, return_tensors="pt", add_special_tokens=False)
    with torch.no_grad():
        out = model.generate(**ids, max_new_tokens=n, do_sample=False, pad_token_id=tok.pad_token_id)
    return tok.decode(out[0, ids["input_ids"].shape[1] :], skip_special_tokens=True)


def test_greedy_matches_plain_generate(loaded):
    model, tok = loaded
    outs = generate_completions(model, tok, PROMPTS[:1], k=1, **SETTINGS)
    assert outs == [[_manual_greedy(model, tok, PROMPTS[0], SETTINGS["max_new_tokens"])]]


def test_k_samples_per_prompt_in_order(loaded):
    import torch

    model, tok = loaded
    torch.manual_seed(0)
    outs = generate_completions(model, tok, PROMPTS, k=3, batch_size=1, **SETTINGS)
    assert [len(o) for o in outs] == [3, 3]
    assert all(isinstance(s, str) for o in outs for s in o)
    # Sampling from a random model: the 6 completions are not all the same string.
    assert len({s for o in outs for s in o}) > 1
    seen = []
    generate_completions(model, tok, PROMPTS, k=1, batch_size=1, progress=seen.append, **SETTINGS)
    assert seen == [1, 1]


def test_a_path_loads_the_same_model(tiny_model, loaded):
    model, tok = loaded
    from_path = generate_completions(str(tiny_model), None, PROMPTS, k=1, **SETTINGS)
    from_object = generate_completions(model, tok, PROMPTS, k=1, **SETTINGS)
    assert from_path == from_object


@pytest.mark.parametrize(
    ("change", "field"),
    [({"k": 0}, "k=0"), ({"temperature": 0.0}, "temperature"), ({"top_p": 1.5}, "top_p"),
     ({"max_new_tokens": 0}, "max_new_tokens"), ({"use_vllm": "maybe"}, "use_vllm")],
)  # fmt: skip
def test_bad_arguments_name_the_field(loaded, change, field):
    model, tok = loaded
    args = {"k": 1, **SETTINGS, **change}
    with pytest.raises(GenerationError, match=field):
        generate_completions(model, tok, PROMPTS, **args)


def test_prompts_must_be_chat_messages(loaded):
    model, tok = loaded
    with pytest.raises(GenerationError, match=r"prompts\[0\]"):
        generate_completions(model, tok, ["just a string"], k=1, **SETTINGS)


def test_vllm_on_needs_a_path(loaded):
    model, tok = loaded
    with pytest.raises(GenerationError, match="checkpoint path"):
        generate_completions(model, tok, PROMPTS, k=1, **{**SETTINGS, "use_vllm": "on"})


@pytest.mark.skipif(generation.vllm_available(), reason="vLLM and a GPU are present here")
def test_vllm_on_without_vllm_is_an_error_not_a_fallback(tiny_model):
    with pytest.raises(GenerationError, match="not installed or no CUDA GPU"):
        generate_completions(str(tiny_model), None, PROMPTS, k=1, **{**SETTINGS, "use_vllm": "on"})


def test_auto_picks_vllm_only_for_a_path(tiny_model, loaded, monkeypatch):
    model, tok = loaded
    calls = []

    def fake_vllm(path, tokenizer, prompts, *, k, **kwargs):
        calls.append((path, k, kwargs["max_new_tokens"]))
        return [["v"] * k for _ in prompts]

    monkeypatch.setattr(generation, "vllm_available", lambda: True)
    monkeypatch.setattr(generation, "_generate_vllm", fake_vllm)
    auto = {**SETTINGS, "use_vllm": "auto"}
    assert generate_completions(str(tiny_model), None, PROMPTS, k=2, **auto) == [["v", "v"], ["v", "v"]]
    assert calls == [(str(tiny_model), 2, 6)]
    # An in-memory model (e.g. mid-training) cannot go to vLLM: HF generate runs instead.
    assert generate_completions(model, tok, PROMPTS, k=1, **auto)[0] != ["v"]
    assert len(calls) == 1


def test_evaluate_generate_uses_vllm_for_a_checkpoint_when_available(tiny_model, loaded, monkeypatch):
    from ehrmind.config import load_config
    from ehrmind.stages.evaluate import generate

    model, tok = loaded
    config = load_config(None, stage="eval", overrides={"generation": {"max_completion_length": 8}})
    outs = generate(model, tok, PROMPTS, k=2, config=config)
    assert [len(o) for o in outs] == [2, 2]
    paths = []
    monkeypatch.setattr(generation, "vllm_available", lambda: True)
    monkeypatch.setattr(generation, "_generate_vllm", lambda path, tok, prompts, *, k, **kw: paths.append(path)
                        or [["v"] * k for _ in prompts])  # fmt: skip
    assert generate(model, tok, PROMPTS, k=2, config=config) == [["v", "v"], ["v", "v"]]
    assert paths == [str(tiny_model)]
    off = config.model_copy(update={"generation": config.generation.model_copy(update={"use_vllm": "off"})})
    assert generate(model, tok, PROMPTS, k=1, config=off)[0] != ["v"]


def _rl_run(root, tiny_model):
    """A finished RL run directory trained with the MedCalc recipe (config.yaml + final/ as ehrmind writes them)."""
    import shutil
    from pathlib import Path

    from ehrmind.config import dump_config, load_config

    repo = Path(__file__).resolve().parents[3]
    recipe = load_config(repo / "recipes" / "medcalc" / "rl.yaml", stage="rl", check_paths=False)
    run = root / "rl" / "run1"
    run.mkdir(parents=True)
    (run / "config.yaml").write_text(dump_config(recipe))
    shutil.copytree(tiny_model, run / "final")
    return run


def test_eval_takes_generation_rewards_and_dtype_from_the_training_recipe(tiny_model, tmp_path):
    from ehrmind.config import load_config
    from ehrmind.stages.evaluate import inherit_training_recipe

    run = _rl_run(tmp_path, tiny_model)
    config, taken = inherit_training_recipe(load_config(None, stage="eval"), str(run / "final"))
    g = config.generation
    # recipes/medcalc/rl.yaml: EHRMIND's 1,500 tokens, T 0.6, top-p 0.95; bf16; its rewards (the `ehrmind` preset).
    assert (g.max_completion_length, g.temperature, g.top_p, g.max_prompt_length) == (1500, 0.6, 0.95, 2048)
    assert config.model.dtype == "bf16"
    assert [r.name for r in config.rewards] == ["ehrmind"]
    assert taken["from"].endswith("config.yaml") and "generation.temperature" in taken
    # What the eval recipe or --set states wins.
    explicit = load_config(None, stage="eval", overrides={"generation": {"temperature": 0.3}})
    config, _ = inherit_training_recipe(explicit, str(run / "final"))
    assert config.generation.temperature == 0.3 and config.generation.max_completion_length == 1500


def test_eval_uses_every_test_row_by_default():
    from ehrmind.config import load_config
    from ehrmind.tasks.bundled import DEMO_CALCULATORS, sample_rows
    from ehrmind.tasks.load import load_split

    config = load_config(None, stage="eval")
    assert config.data.max_eval_rows is None
    # Recount: every bundled row whose split is "test".
    assert len(load_split(config.data, "eval")) == sum(r["split"] == "test" for r in sample_rows(
        calculator_ids=DEMO_CALCULATORS))


def test_eval_keeps_the_hf_model_off_the_gpu_while_vllm_generates(tiny_model, tmp_path, monkeypatch):
    from ehrmind.config import load_config
    from ehrmind.stages import evaluate, models

    run = _rl_run(tmp_path, tiny_model)
    calls = []

    def fake_vllm(path, tokenizer, prompts, *, k, **kwargs):
        calls.append({"path": path, "k": k, **kwargs})
        return [["<think>x</think><answer>{\"answer\": 1}</answer>"] * k for _ in prompts]

    def no_hf_model(*args, **kwargs):
        raise AssertionError("the HF model was loaded while vLLM generates")

    monkeypatch.setattr(generation, "vllm_available", lambda: True)
    monkeypatch.setattr(generation, "_generate_vllm", fake_vllm)
    monkeypatch.setattr(models, "load_model_and_tokenizer", no_hf_model)
    config = load_config(None, stage="eval", overrides={"output_dir": str(tmp_path), "eval_samples": 2,
                                                        "data": {"max_eval_rows": 3}})  # fmt: skip
    _, metrics = evaluate.run_eval(config, model_path=str(run / "final"), echo=lambda *_: None, seed=7)
    assert len(calls) == 1 and calls[0]["path"] == str(run / "final")
    assert calls[0]["seed"] == 7 and metrics["seed"] == 7  # vLLM's sampler gets the eval seed
    # vLLM runs in the recipe's dtype, sized for prompt + completion, with the recipe's sampling settings.
    assert (calls[0]["dtype"], calls[0]["max_model_len"]) == ("bfloat16", 2048 + 1500)
    assert (calls[0]["max_new_tokens"], calls[0]["temperature"], calls[0]["top_p"]) == (1500, 0.6, 0.95)
    assert metrics["settings"]["inherited"]["from"].endswith("config.yaml")


def test_grade_uses_the_recipes_reward_options():
    import json

    from ehrmind.stages.evaluate import grade

    gold = {"kind": "integer", "value": 3, "calculator": "centor_mcisaac"}
    row = {"id": "r", "task": "calc", "prompt": [{"role": "user", "content": "q"}], "gold": json.dumps(gold),
           "meta": json.dumps({"calculator": "centor_mcisaac"})}  # fmt: skip
    prefilled = '\nreasoning\n</think>\n<answer>{"answer": 3}</answer>'  # the prompt opened <think>
    assert grade([row], [[prefilled]])[0]["format_ok"] == [False]
    options = {"format": {"prefilled_think": True}, "calc_accuracy": {"prefilled_think": True, "correct_score": 1.1}}
    graded = grade([row], [[prefilled]], options)[0]
    assert graded["format_ok"] == [True] and graded["correct"] == [True]
    wrong = prefilled.replace('"answer": 3', '"answer": 2')
    assert grade([row], [[wrong]], options)[0]["correct"] == [False]


def test_grade_reads_the_format_as_the_recipes_rewards_did():
    """Eval parses the format with the options training used: the `ehrmind` preset's prefilled <think>, and
    the format reward's default strictness when a recipe sets other format options (text after </answer>
    is a failure in training, so it is one in eval)."""
    import json

    from ehrmind.stages.evaluate import grade

    gold = {"kind": "integer", "value": 3, "calculator": "centor_mcisaac"}
    row = {"id": "r", "task": "calc", "prompt": [{"role": "user", "content": "q"}], "gold": json.dumps(gold),
           "meta": json.dumps({"calculator": "centor_mcisaac"})}  # fmt: skip
    prefilled = '\nreasoning\n</think>\n<answer>{"answer": 3}</answer>'
    assert grade([row], [[prefilled]])[0]["format_ok"] == [False]
    assert grade([row], [[prefilled]], {"ehrmind": {"prefilled_think": True}})[0]["format_ok"] == [True]
    trailing = prefilled + " hope this helps"
    assert grade([row], [[trailing]], {"format": {"prefilled_think": True}})[0]["format_ok"] == [False]
