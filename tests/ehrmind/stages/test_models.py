"""The tiny offline model loads through the same from_pretrained path as a real checkpoint."""

import json

import pytest

from ehrmind.stages.models import FORMAT_TOKENS, ModelLoadError, load_model_and_tokenizer, resolve_model_path


def test_tiny_model_round_trips(tiny_model):
    model, tok = load_model_and_tokenizer(str(tiny_model))
    assert model.config.model_type == "qwen2"
    assert (tiny_model / "tokenizer.json").exists() and (tiny_model / "config.json").exists()
    # The answer-format tags are single tokens, and the chat template renders a generation prompt.
    for tag in FORMAT_TOKENS:
        assert len(tok(tag, add_special_tokens=False)["input_ids"]) == 1, tag
    text = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
    assert text.endswith("<|im_start|>assistant\n")
    ids = tok("Serum creatinine 1.2 mg/dL", add_special_tokens=False)["input_ids"]
    assert tok.decode(ids) == "Serum creatinine 1.2 mg/dL"
    assert json.loads((tiny_model / "config.json").read_text())["vocab_size"] == len(tok)


def test_missing_model_path_is_a_clear_error_not_a_download(tmp_path):
    with pytest.raises(ModelLoadError, match="does not exist"):
        resolve_model_path(tmp_path / "Qwen2.5-3B-Instruct")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelLoadError, match="config.json"):
        resolve_model_path(tmp_path / "empty")


def test_remote_code_is_off_by_default(tiny_model, monkeypatch):
    import transformers

    seen = {}
    original = transformers.AutoModelForCausalLM.from_pretrained

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", spy)
    load_model_and_tokenizer(str(tiny_model))
    assert seen["trust_remote_code"] is False and seen["local_files_only"] is True


def _bf16_checkpoint(tiny_model, out):
    """The tiny model saved the way real checkpoints ship (Qwen2.5/Llama-3: bf16 weights)."""
    import torch

    model, tok = load_model_and_tokenizer(str(tiny_model))
    model.to(torch.bfloat16).save_pretrained(out)
    tok.save_pretrained(out)
    return out


def _changed_share(before: dict, after: dict) -> float:
    """Share of non-embedding parameter values that moved (unused tokens' embeddings get no gradient)."""
    changed = total = 0
    for name, value in before.items():
        if "embed" in name or "lm_head" in name:
            continue
        changed += int((after[name].float() != value.float()).sum())
        total += value.numel()
    return changed / total


def test_pure_bf16_weights_round_away_a_1e6_step(tiny_model, tmp_path):
    # The defect the training path avoids: AdamW's first step moves each weight by ~lr = 1e-6, far below
    # bf16's resolution at |w| ~ 1e-2 (2^-8 relative, ~4e-5), so bf16 parameters barely change.
    import torch

    path = _bf16_checkpoint(tiny_model, tmp_path / "bf16")
    model, _ = load_model_and_tokenizer(str(path), dtype="bf16")
    before = {k: v.clone() for k, v in model.named_parameters()}
    opt = torch.optim.AdamW(model.parameters(), lr=1e-6, weight_decay=0.0)
    ids = torch.randint(0, model.config.vocab_size, (2, 32), generator=torch.Generator().manual_seed(0))
    model(input_ids=ids, labels=ids).loss.backward()
    opt.step()
    assert _changed_share(before, dict(model.named_parameters())) < 0.1


def test_training_keeps_fp32_master_weights_so_a_1e6_step_counts(tiny_model, tmp_path):
    """A bf16 recipe (model.dtype bf16, bf16 compute) trains fp32 master weights: one lr-1e-6 step moves them."""
    from safetensors.torch import load_file

    from ehrmind.config import default_recipe, load_config
    from ehrmind.stages.train_common import load_for_training, training_precision
    from ehrmind.stages.warmup import run_warmup

    path = _bf16_checkpoint(tiny_model, tmp_path / "bf16")
    overrides = {
        "output_dir": str(tmp_path / "runs"),
        "report": False,
        "model": {"path": str(path), "dtype": "bf16"},
        "data": {"max_train_rows": 4},
        "warmup": {"knowledge_cards": 0, "task_rubrics": False},
        "training": {"learning_rate": 1e-6, "max_steps": 1, "warmup_ratio": 0.0, "weight_decay": 0.0,
                     "bf16": True, "per_device_train_batch_size": 2, "max_length": 256},
    }  # fmt: skip
    config = load_config(default_recipe("warmup"), stage="warmup", overrides=overrides)
    precision = training_precision(config)
    assert (precision.load_dtype, precision.bf16, precision.compute_dtype) == ("fp32", True, "bf16")
    model, _ = load_for_training(config, str(path))
    assert {p.dtype for p in model.parameters()} == {__import__("torch").float32}
    run = run_warmup(config, echo=lambda *_: None)
    before = load_file(str(path / "model.safetensors"))
    after = load_file(str(run / "final" / "model.safetensors"))
    assert _changed_share(before, after) > 0.9
    # Saved losslessly (fp32), but marked to be served in the recipe's compute dtype (vLLM reads this).
    assert {t.dtype for t in after.values()} == {__import__("torch").float32}
    assert json.loads((run / "final" / "config.json").read_text())["dtype"] == "bfloat16"


def test_lora_loads_the_frozen_base_in_bf16_and_trains_fp32_adapters(tiny_model):
    # The base gets no updates, so bf16 loses nothing there; the adapters are what AdamW updates at 1e-6.
    import torch
    from peft import get_peft_model

    from ehrmind.config import default_recipe, load_config
    from ehrmind.stages.train_common import load_for_training, peft_config, training_precision

    config = load_config(default_recipe("rl"), stage="rl", overrides={
        "model": {"path": str(tiny_model), "dtype": "bf16"}, "lora": {"enabled": True, "r": 4}})  # fmt: skip
    assert training_precision(config).load_dtype == "bf16"
    model, _ = load_for_training(config, str(tiny_model))
    model = get_peft_model(model, peft_config(config))  # what TRL's trainers do with peft_config
    trainable = {p.dtype for p in model.parameters() if p.requires_grad}
    frozen = {p.dtype for p in model.parameters() if not p.requires_grad}
    assert trainable == {torch.float32} and frozen == {torch.bfloat16}
