"""How a training stage holds and computes with the weights: fp32 master weights, the recipe's compute dtype.

Shared by the TRL arguments (`ehrmind.trl_args`: bf16/fp16/use_cpu) and the model loading of every training
stage (`ehrmind.stages.train_common`); see `Precision` for why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # type hints only: ehrmind.config imports this module (through ehrmind.trl_args)
    from ehrmind.config import RunConfig


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


def cpu_distributed() -> bool:
    """A multi-process launch on a machine without CUDA (recipes/accelerate/cpu2.yaml).

    accelerate's torchrun launcher does not pass the config's `use_cpu` to the processes; without
    `use_cpu=True` each rank would train alone (no process group) and the ranks would not sync.
    """
    import torch

    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and not torch.cuda.is_available()


def has_accelerator() -> bool:
    import torch

    return torch.cuda.is_available()
