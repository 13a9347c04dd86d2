"""Pieces warm-up, RL and preference training share: which model, LoRA, precision, common trainer args."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ehrmind.config import RunConfig
from ehrmind.runs import latest_run

TINY_MODEL_DIR = "tiny-model"


def ensure_tiny_model(output_dir: str) -> str:
    """The demo model under <output_dir>/tiny-model, built offline on first use."""
    from ehrmind.models import build_tiny_model
    from ehrmind.runs import on_main_process

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


def use_bf16(config: RunConfig) -> bool:
    if config.training.bf16 is not None:
        return config.training.bf16
    import torch

    return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())


def cpu_distributed() -> bool:
    """A multi-process launch on a machine without CUDA (recipes/accelerate/cpu2.yaml).

    accelerate's torchrun launcher does not pass the config's `use_cpu` to the processes; without
    `use_cpu=True` each rank would train alone (no process group) and the ranks would not sync.
    """
    import os

    import torch

    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and not torch.cuda.is_available()


def common_args(config: RunConfig, run_dir: Path) -> dict[str, Any]:
    """TrainingArguments fields shared by SFT, GRPO and preference configs."""
    t = config.training
    return {
        "output_dir": str(run_dir / "checkpoints"),
        "learning_rate": t.learning_rate,
        "num_train_epochs": t.num_train_epochs,
        "max_steps": t.max_steps,
        "per_device_train_batch_size": t.per_device_train_batch_size,
        "gradient_accumulation_steps": t.gradient_accumulation_steps,
        "warmup_steps": t.warmup_ratio,  # transformers 5: a float < 1 is a ratio of total steps
        "lr_scheduler_type": t.lr_scheduler_type,
        "weight_decay": t.weight_decay,
        "max_grad_norm": t.max_grad_norm,
        "logging_steps": t.logging_steps,
        "save_steps": t.save_steps,
        "save_total_limit": t.save_total_limit,
        "seed": t.seed,
        "data_seed": t.seed,
        "bf16": use_bf16(config),
        "use_cpu": cpu_distributed(),
        **({"gradient_checkpointing": True} if t.gradient_checkpointing else {}),
        "report_to": [],
        "save_only_model": False,
        "dataloader_num_workers": 0,
        "dataloader_pin_memory": _has_accelerator(),  # pinning on a CPU-only machine only warns
    }


def _has_accelerator() -> bool:
    import torch

    return torch.cuda.is_available()


def quiet_trainer(trainer, echo=print) -> None:
    """One readable line per logging step instead of raw log dicts (ehrmind.progress; --verbose keeps them)."""
    from ehrmind.progress import use_readable_progress

    use_readable_progress(trainer, echo)


def save_final(trainer, tokenizer, run_dir: Path) -> Path:
    """Save the final model (LoRA merged into the base so later stages load one directory)."""
    final = run_dir / "final"
    model = trainer.model
    # save_model writes on the main process only (and gathers sharded weights); the rest is rank 0's job.
    main = trainer.is_world_process_zero()
    if hasattr(model, "merge_and_unload"):
        trainer.save_model(str(run_dir / "adapter"))
        model = model.merge_and_unload()
        if main:
            model.save_pretrained(str(final))
    else:
        trainer.save_model(str(final))
    if main:
        tokenizer.save_pretrained(str(final))
    return final
