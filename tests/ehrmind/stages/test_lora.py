"""LoRA through the CLI: `ehrmind warmup` then `ehrmind rl` with --set lora.enabled=true on the tiny model.

Each run must save the adapter (adapter/) and a merged full model (final/) that later stages load as a
plain checkpoint: the RL run below starts from the warm-up's merged final/ without knowing it was LoRA.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ehrmind.cli import app as cli

runner = CliRunner()
TINY_RUN = ["--set", "lora.enabled=true", "--set", "lora.r=4", "--set", "data.max_train_rows=4",
            "--set", "training.warmup_ratio=0", "--set", "training.logging_steps=1", "--set", "report=false"]  # fmt: skip


def _invoke(args: list[str]) -> str:
    result = runner.invoke(cli.app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result.output


def _only_run(root: Path) -> Path:
    runs = [p for p in root.iterdir() if p.is_dir()]
    assert len(runs) == 1, runs
    return runs[0]


def _tensors(directory: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(directory / "model.safetensors"))


def _check_adapter_and_merged(run: Path) -> dict:
    adapter, final = run / "adapter", run / "final"
    assert (adapter / "adapter_config.json").exists() and (adapter / "adapter_model.safetensors").exists()
    assert (final / "config.json").exists() and (final / "tokenizer.json").exists()
    assert not (final / "adapter_config.json").exists(), "final/ must be the merged model, not an adapter"
    merged = _tensors(final)
    assert not [k for k in merged if "lora_" in k], "LoRA weights left in the merged model"
    return merged


@pytest.fixture(scope="module")
def warmup_run(tiny_model, tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("lora") / "runs"
    _invoke(["warmup", "--out", str(out), "--model", str(tiny_model), *TINY_RUN,
             "--set", "training.max_steps=2", "--set", "training.learning_rate=1e-2",
             "--set", "training.per_device_train_batch_size=2", "--set", "training.max_length=512",
             "--set", "warmup.knowledge_cards=0"])  # fmt: skip
    return out, _only_run(out / "warmup")


def test_warmup_saves_adapter_and_merged_model(tiny_model, warmup_run):
    _, run = warmup_run
    merged = _check_adapter_and_merged(run)
    base = _tensors(tiny_model)
    assert merged.keys() == base.keys()
    # LoRA trained the linear layers (merged into them) and left the embeddings alone.
    changed = [k for k in base if not (merged[k] == base[k]).all()]
    assert changed and all("proj" in k for k in changed), changed
    assert (merged["model.embed_tokens.weight"] == base["model.embed_tokens.weight"]).all()


def test_rl_with_lora_starts_from_the_merged_warmup(warmup_run):
    out, warm = warmup_run
    output = _invoke(["rl", "--out", str(out), *TINY_RUN, "--set", "training.max_steps=1",
                      "--set", "generation.num_generations=2", "--set", "training.per_device_train_batch_size=2",
                      "--set", "generation.max_completion_length=8"])  # fmt: skip
    assert str(warm / "final") in output.replace("\n", "")
    run = _only_run(out / "rl")
    merged = _check_adapter_and_merged(run)
    assert merged.keys() == _tensors(warm / "final").keys()
    from ehrmind.stages.models import load_model_and_tokenizer

    model, _ = load_model_and_tokenizer(str(run / "final"))
    assert model.config.model_type == "qwen2"


def test_merge_from_the_saved_adapter_equals_the_in_memory_merge(tiny_model, tmp_path):
    """Under ZeRO-3/FSDP the in-memory parameters are shards, so save_final merges the saved adapter into a
    fresh copy of the base instead; both merges must give the same weights (peft's in-memory merge is the
    reference)."""
    import torch
    from peft import LoraConfig, get_peft_model

    from ehrmind.stages.models import load_model_and_tokenizer
    from ehrmind.stages.train_common import merge_adapter_from_disk

    base, _ = load_model_and_tokenizer(str(tiny_model), dtype="fp32")
    model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", task_type="CAUSAL_LM"))
    torch.manual_seed(0)
    with torch.no_grad():  # a trained adapter: lora_B is zero at init, which would make any merge a no-op
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.05)
    model.save_pretrained(tmp_path / "adapter")
    expected = {k: v.clone() for k, v in model.merge_and_unload().state_dict().items()}
    merge_adapter_from_disk(str(tiny_model), tmp_path / "adapter", tmp_path / "final")
    merged = _tensors(tmp_path / "final")
    original = _tensors(tiny_model)
    moved = [k for k in merged if not torch.equal(merged[k], original[k])]
    assert moved, "the adapter changed nothing: the test would not see a missing merge"
    for key, value in merged.items():
        assert torch.allclose(value, expected[key], atol=1e-6), key
