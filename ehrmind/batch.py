"""Batch arithmetic: how many sequences one optimizer step trains, and the accumulation that gets there.

A recipe may state the global batch (`generation.prompts_per_step` for GRPO, `training.global_batch_size` for
warm-up and preference training); the accumulation steps are then derived from the launch's world size so
1, 2 and 8 GPUs train the same batch. Used by `load_config` (what can be checked without knowing the world
size), by the TRL arguments (the accumulation steps) and by the RL stage and the curriculum (the rows one
step needs).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # type hints only: ehrmind.config imports this module
    from ehrmind.config import RunConfig


def world_size() -> int:
    """Processes in this launch (accelerate/torchrun set WORLD_SIZE; a plain `ehrmind` run is 1)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def global_batch(config: RunConfig) -> int | None:
    """Sequences (GRPO: completions) per optimizer step over all GPUs, when the recipe fixes it."""
    if config.stage == "rl":
        g = config.generation
        return g.prompts_per_step * g.num_generations if g.prompts_per_step else None
    return config.training.global_batch_size


def _global_field(config: RunConfig) -> str:
    return "generation.prompts_per_step" if config.stage == "rl" else "training.global_batch_size"


def batch_problems(config: RunConfig) -> list[str]:
    """The parts of the batch arithmetic that do not depend on the number of GPUs.

    TRL 1.16 needs only the generation batch (per device x GPUs x accumulation) to hold whole groups, not
    each micro-batch: `per_device_train_batch_size` need not be a multiple of `num_generations`.
    """
    t, g = config.training, config.generation
    target = global_batch(config)
    if target is None:
        return []
    field = _global_field(config)
    problems = []
    if t.gradient_accumulation_steps != 1:
        problems.append(f"training.gradient_accumulation_steps ({t.gradient_accumulation_steps}) and {field} are "
                        "both set: the accumulation steps are derived from the global batch; drop one")
    if target % t.per_device_train_batch_size:
        shown = f"{g.prompts_per_step} x {g.num_generations} = {target}" if config.stage == "rl" else str(target)
        problems.append(f"{field}: the global batch ({shown}) is not a multiple of "
                        f"training.per_device_train_batch_size ({t.per_device_train_batch_size})")
    return problems


def accumulation_steps(config: RunConfig, n_processes: int) -> int:
    """Gradient accumulation steps: the recipe's, or derived so every world size trains the same global batch.

    global batch = per_device_train_batch_size x n_processes x accumulation. With EHRMIND's 32 prompts x 12
    = 384 completions and 8 per device: 48 steps on 1 GPU, 24 on 2, 6 on 8.
    """
    target = global_batch(config)
    if target is None:
        return config.training.gradient_accumulation_steps
    per_step = config.training.per_device_train_batch_size * n_processes
    if target % per_step:
        raise ValueError(
            f"{_global_field(config)}: the global batch of {target} sequences is not a multiple of "
            f"per_device_train_batch_size ({config.training.per_device_train_batch_size}) x {n_processes} "
            f"processes = {per_step}; change per_device_train_batch_size or the number of GPUs"
        )
    return target // per_step


def step_sequences(config: RunConfig, n_processes: int) -> int:
    """Sequences (GRPO: completions) one optimizer step trains on `n_processes` processes."""
    return config.training.per_device_train_batch_size * accumulation_steps(config, n_processes) * n_processes
