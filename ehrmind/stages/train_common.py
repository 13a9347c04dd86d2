"""Pieces warm-up, RL and preference training share: which model, LoRA, loading, saving.

The TRL arguments are built in `ehrmind.trl_args`, the precision in `ehrmind.stages.precision`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ehrmind.config import RunConfig
from ehrmind.stages.models import build_tiny_model
from ehrmind.stages.precision import training_precision
from ehrmind.stages.progress import use_readable_progress
from ehrmind.stages.runs import latest_run

TINY_MODEL_DIR = "tiny-model"


def ensure_tiny_model(output_dir: str) -> str:
    """The demo model under <output_dir>/tiny-model, built offline on first use."""
    # lazy: read at call time, so tests can patch on_main_process
    from ehrmind.stages.runs import on_main_process

    path = Path(output_dir) / TINY_MODEL_DIR

    def build() -> str:
        if not (path / "config.json").exists():
            build_tiny_model(path)
        return str(path)

    return on_main_process(build)  # under a multi-process launch: rank 0 builds, the other ranks wait


def resolve_model(config: RunConfig, *, after_stage: str | None = None) -> str:
    """The model to start from: --model, else the latest `after_stage` run's final model, else the tiny one."""
    if config.model.path:
        return config.model.path
    if after_stage:
        previous = latest_run(config.output_dir, after_stage)
        if previous is not None:
            return str(previous / "final")
    if config.model.fallback == "none":
        earlier = f" and no finished {after_stage} run under {config.output_dir}/" if after_stage else ""
        raise ValueError(f"no model given{earlier}: pass --model /path/to/checkpoint")
    return ensure_tiny_model(config.output_dir)


def peft_config(config: RunConfig):
    if not config.lora.enabled:
        return None
    from peft import LoraConfig

    return LoraConfig(
        r=config.lora.r,
        lora_alpha=config.lora.alpha,
        lora_dropout=config.lora.dropout,
        target_modules=config.lora.target_modules,
        task_type="CAUSAL_LM",
    )


def load_for_training(config: RunConfig, model_path: str) -> tuple[Any, Any]:
    """The model (fp32 master weights, see `Precision`) and tokenizer a training stage starts from."""
    # lazy: read at call time, so tests can patch load_model_and_tokenizer
    from ehrmind.stages.models import load_model_and_tokenizer

    return load_model_and_tokenizer(
        model_path,
        trust_remote_code=config.model.trust_remote_code,
        allow_download=config.model.allow_download,
        dtype=training_precision(config).load_dtype,
    )


def record_compute_dtype(final: Path, compute_dtype: str) -> None:
    """Write the dtype the model should *run* in into final/config.json.

    The weights are saved in fp32 (lossless: the next stage's master copy continues exactly), but vLLM and
    `from_pretrained(dtype="auto")` read config.json's dtype and would otherwise serve the model in fp32.
    """
    names = {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32"}
    path = final / "config.json"
    if not path.exists():
        return
    cfg = json.loads(path.read_text())
    for key in ("dtype", "torch_dtype"):
        if key in cfg:
            cfg[key] = names[compute_dtype]
    cfg.setdefault("dtype", names[compute_dtype])
    path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")


def sharding(trainer) -> str | None:
    """"zero3" / "fsdp" when the trainer's parameters are sharded across ranks, else None."""
    if getattr(trainer, "is_fsdp_enabled", False):
        return "fsdp"
    if getattr(trainer, "is_deepspeed_enabled", False):
        plugin = getattr(trainer.accelerator.state, "deepspeed_plugin", None)
        if plugin is not None and plugin.zero_stage == 3:
            return "zero3"
    return None


def full_state_dict_on_save(trainer) -> None:
    """Make FSDP gather the full weights on save.

    transformers' `save_model` writes model weights under FSDP only for FULL_STATE_DICT; with a user's
    SHARDED_STATE_DICT config it would write a tokenizer and no model, and the next stage would fail.
    """
    plugin = getattr(trainer.accelerator.state, "fsdp_plugin", None)
    if plugin is not None and "FULL_STATE_DICT" not in str(plugin.state_dict_type):
        # The sharded configs would otherwise stay attached to the full type (FSDP1 reads them on save).
        plugin.state_dict_config = plugin.optim_state_dict_config = None
        plugin.set_state_dict_type("FULL_STATE_DICT")


def merge_adapter_from_disk(base_model_path: str, adapter_dir: Path, final: Path) -> None:
    """Merge a saved LoRA adapter into a fresh CPU copy of the base model and save it to `final`.

    Used under ZeRO-3/FSDP, where the in-memory parameters are shards: `merge_and_unload` there would add
    LoRA deltas to partitions (or empty placeholders) and save a broken model.
    """
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(base_model_path, dtype=torch.float32, local_files_only=True)
    merged = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    merged.save_pretrained(str(final))


def quiet_trainer(trainer, echo=print) -> None:
    """One readable line per logging step instead of raw log dicts (ehrmind.progress; --verbose keeps them)."""
    use_readable_progress(trainer, echo)


def save_final(
    trainer, tokenizer, run_dir: Path, *, compute_dtype: str | None = None, base_model_path: str | None = None
) -> Path:
    """Save the final model (LoRA merged into the base so later stages load one directory).

    Works under every accelerate config: FSDP gathers full weights on save, ZeRO-3 LoRA merges from the
    saved adapter (`base_model_path` needed) instead of from sharded parameters.
    """
    final = run_dir / "final"
    model = trainer.model
    full_state_dict_on_save(trainer)
    # save_model writes on the main process only (and gathers sharded weights); the rest is rank 0's job.
    main = trainer.is_world_process_zero()
    if hasattr(model, "merge_and_unload"):
        trainer.save_model(str(run_dir / "adapter"))
        sharded = sharding(trainer)
        if sharded:
            if base_model_path is None:
                raise ValueError(
                    f"LoRA under {sharded}: the parameters are sharded, so the adapter cannot be merged in memory; "
                    f"merge {run_dir / 'adapter'} into its base model (peft merge_and_unload) on one machine"
                )
            trainer.accelerator.wait_for_everyone()  # the adapter files are complete before rank 0 reads them
            if main:
                merge_adapter_from_disk(base_model_path, run_dir / "adapter", final)
        else:
            model = model.merge_and_unload()
            if main:
                model.save_pretrained(str(final))
    else:
        trainer.save_model(str(final))
    if main:
        tokenizer.save_pretrained(str(final))
        if compute_dtype:
            record_compute_dtype(final, compute_dtype)
    return final
