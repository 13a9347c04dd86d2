"""Pieces warm-up, RL and preference training share: which model, LoRA, precision, common trainer args."""

from __future__ import annotations

from dataclasses import dataclass
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
    """bf16 *compute* (autocast / the strategy's mixed precision): the recipe's `training.bf16`, else on when
    a CUDA GPU supports it (on CPU only when asked: CPU autocast is slower than fp32 there)."""
    if config.training.bf16 is not None:
        return config.training.bf16
    if config.model.dtype in ("fp32", "fp16"):
        return False
    import torch

    return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())


@dataclass(frozen=True)
class Precision:
    """How a training stage holds and computes with the weights.

    Why: loading a bf16 checkpoint as bf16 parameters leaves no fp32 master copy on one GPU or under DDP,
    and at EHRMIND's lr 1e-6 almost every AdamW update (~1e-6 on weights of ~1e-2) is below bf16's
    resolution (2^-8 relative) and rounds away. So the weights are always loaded in fp32 (the master copy the
    optimizer updates) and bf16/fp16 is the compute dtype, applied per strategy by accelerate: autocast for
    one GPU and DDP, DeepSpeed's bf16 mode (which keeps fp32 master weights in its optimizer) for ZeRO-2/3,
    FSDP2's MixedPrecisionPolicy (fp32 sharded parameters, bf16 all-gathered compute copies) for FSDP.
    """

    load_dtype: str  # what from_pretrained gets: "fp32" for full training (LoRA: the frozen base in bf16/fp16)
    bf16: bool  # TrainingArguments.bf16: bf16 compute
    fp16: bool  # TrainingArguments.fp16: fp16 compute with loss scaling
    compute_dtype: str  # recorded in the final checkpoint's config.json, so vLLM and `dtype: auto` run in it


def training_precision(config: RunConfig) -> Precision:
    """fp32 master weights with the recipe's compute dtype (see `Precision`).

    LoRA is the exception: the base weights are frozen (no updates to round away), so they load in the
    compute dtype, and peft keeps the trainable adapter weights in fp32 (`autocast_adapter_dtype`).
    """
    if config.model.dtype == "fp16":
        return Precision("fp16" if config.lora.enabled else "fp32", bf16=False, fp16=True, compute_dtype="fp16")
    bf16 = use_bf16(config)
    # A bf16 recipe run on CPU computes in fp32 but its model should still be served in bf16 on a GPU.
    serve = "bf16" if bf16 or config.model.dtype == "bf16" else "fp32"
    frozen_base = config.lora.enabled and config.model.dtype == "bf16"
    return Precision("bf16" if frozen_base else "fp32", bf16=bf16, fp16=False, compute_dtype=serve)


def load_for_training(config: RunConfig, model_path: str) -> tuple[Any, Any]:
    """The model (fp32 master weights, see `Precision`) and tokenizer a training stage starts from."""
    from ehrmind.models import load_model_and_tokenizer

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
    import json

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


def cpu_distributed() -> bool:
    """A multi-process launch on a machine without CUDA (recipes/accelerate/cpu2.yaml).

    accelerate's torchrun launcher does not pass the config's `use_cpu` to the processes; without
    `use_cpu=True` each rank would train alone (no process group) and the ranks would not sync.
    """
    import os

    import torch

    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and not torch.cuda.is_available()


def world_size() -> int:
    """Processes in this launch (accelerate/torchrun set WORLD_SIZE; a plain `ehrmind` run is 1)."""
    import os

    return int(os.environ.get("WORLD_SIZE", "1"))


def accumulation_steps(config: RunConfig, n_processes: int) -> int:
    """Gradient accumulation steps: the recipe's, or derived so every world size trains the same global batch.

    global batch = per_device_train_batch_size x n_processes x accumulation. With EHRMIND's 32 prompts x 12
    = 384 completions and 8 per device: 48 steps on 1 GPU, 24 on 2, 6 on 8.
    """
    from ehrmind.config import global_batch

    target = global_batch(config)
    if target is None:
        return config.training.gradient_accumulation_steps
    per_step = config.training.per_device_train_batch_size * n_processes
    if target % per_step:
        field = "generation.prompts_per_step" if config.stage == "rl" else "training.global_batch_size"
        raise ValueError(
            f"{field}: the global batch of {target} sequences is not a multiple of "
            f"per_device_train_batch_size ({config.training.per_device_train_batch_size}) x {n_processes} "
            f"processes = {per_step}; change per_device_train_batch_size or the number of GPUs"
        )
    return target // per_step


def common_args(config: RunConfig, run_dir: Path) -> dict[str, Any]:
    """TrainingArguments fields shared by SFT, GRPO and preference configs."""
    import torch

    t = config.training
    precision = training_precision(config)
    return {
        "output_dir": str(run_dir / "checkpoints"),
        "learning_rate": t.learning_rate,
        "num_train_epochs": t.num_train_epochs,
        "max_steps": t.max_steps,
        "per_device_train_batch_size": t.per_device_train_batch_size,
        "gradient_accumulation_steps": accumulation_steps(config, world_size()),
        "warmup_steps": t.warmup_ratio,  # transformers 5: a float < 1 is a ratio of total steps
        "lr_scheduler_type": t.lr_scheduler_type,
        "weight_decay": t.weight_decay,
        "max_grad_norm": t.max_grad_norm,
        "logging_steps": t.logging_steps,
        "save_steps": t.save_steps,
        "save_total_limit": t.save_total_limit,
        "seed": t.seed,
        "data_seed": t.seed,
        "bf16": precision.bf16,
        "fp16": precision.fp16,
        # transformers refuses bf16 without a bf16 GPU unless told the run is on CPU (CPU autocast is bf16).
        "use_cpu": cpu_distributed() or (precision.bf16 and not torch.cuda.is_available()),
        **({"gradient_checkpointing": True} if t.gradient_checkpointing else {}),
        "report_to": [],
        "save_only_model": False,
        "dataloader_num_workers": 0,
        "dataloader_pin_memory": _has_accelerator(),  # pinning on a CPU-only machine only warns
    }


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


def _has_accelerator() -> bool:
    import torch

    return torch.cuda.is_available()


def quiet_trainer(trainer, echo=print) -> None:
    """One readable line per logging step instead of raw log dicts (ehrmind.progress; --verbose keeps them)."""
    from ehrmind.progress import use_readable_progress

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
