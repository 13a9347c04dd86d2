"""ehrmind.generation: the HF path on the tiny model, and when vLLM is (not) chosen."""

from __future__ import annotations

import pytest

from ehrmind import generation
from ehrmind.generation import GenerationError, generate_completions

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
    from ehrmind.models import load_model_and_tokenizer

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
    from ehrmind.evaluate import generate

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
