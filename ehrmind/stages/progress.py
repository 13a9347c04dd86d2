"""Quiet, readable training output: one line per logging step instead of the trainer's raw 20-key dicts.

    step  12/30  reward 0.53  accuracy 0.41  KL 0.0000  loss 0.118  3.4 s/step

Full metrics still go to `metrics.jsonl` (ehrmind.stages.runs.metrics_callback). `ehrmind --verbose ...` (or
EHRMIND_VERBOSE=1) keeps the trainer's own progress bar, its raw log dicts and every library warning.
Why: the raw dicts and a dozen known library warnings buried the one line a user needs per step.
"""

from __future__ import annotations

import os
import time
import warnings
from typing import Any

# Library warnings a user cannot act on (seen with transformers 5 / TRL / torch on CPU): category, message
# pattern, pattern of the module that warns. FutureWarnings from anywhere else (your own code) still show.
LIBRARIES = r"(transformers|trl|peft|accelerate|datasets|torch)(\..*)?$"
KNOWN_WARNINGS = (
    (FutureWarning, "", LIBRARIES),  # e.g. "`gradient_checkpointing` is deprecated": addressed to TRL, not to users
    (UserWarning, ".*pin_memory.*", ""),  # torch's DataLoader on a machine without an accelerator
)


def verbose() -> bool:
    return os.environ.get("EHRMIND_VERBOSE", "") not in ("", "0")


def silence_known_warnings(*, progress_bars: bool = True) -> None:
    """Ignore KNOWN_WARNINGS and the libraries' per-file progress bars unless verbose; other warnings still show.

    `progress_bars=False` leaves the bars to `silence_progress_bars()`: switching them off imports datasets
    and transformers (~1.2 s), which commands that never train (`ehrmind data`, `ehrmind calc`) skip."""
    if verbose():
        return
    for category, message, module in KNOWN_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category, module=module)
    if progress_bars:
        silence_progress_bars()


def silence_progress_bars() -> None:
    """Switch off datasets' and transformers' per-file progress bars unless verbose (imports both)."""
    if verbose():
        return
    try:  # "Tokenizing train dataset", "Loading weights", "Writing model shards": one bar per file, seconds each
        import datasets
        import transformers

        datasets.disable_progress_bars()
        transformers.utils.logging.disable_progress_bar()
    except ImportError:  # the core (calculators, data build) installs without the training stack
        pass


def _pick(logs: dict[str, Any], *keys: str) -> float | None:
    for key in keys:
        value = logs.get(key)
        if isinstance(value, int | float):
            return float(value)
    return None


def _accuracy(logs: dict[str, Any]) -> float | None:
    """The mean of the first correctness reward in the log (rewards/<name>/mean, not the format reward)."""
    for key, value in logs.items():
        if key.startswith("rewards/") and key.endswith("/mean") and "/format/" not in key and isinstance(value, int | float):
            return float(value)
    return None


def format_line(step: int, max_steps: int, logs: dict[str, Any], seconds_per_step: float | None) -> str:
    """`step 12/30  reward 0.53  accuracy 0.41  KL 0.0000  loss 0.118  3.4 s/step` (absent metrics left out)."""
    parts = [f"step {step:>4}/{max_steps}"]
    for label, value, spec in (
        ("reward", _pick(logs, "reward"), ".3f"),
        ("accuracy", _accuracy(logs), ".3f"),
        ("KL", _pick(logs, "kl"), ".4f"),
        ("loss", _pick(logs, "loss", "train_loss"), ".3f"),
    ):
        if value is not None:
            parts.append(f"{label} {value:{spec}}")
    if seconds_per_step is not None:
        parts.append(f"{seconds_per_step:.1f} s/step")
    return "  ".join(parts)


def progress_callback(echo=print):
    """A TrainerCallback printing format_line at every logging step (rank 0 only)."""
    from transformers import TrainerCallback

    class ReadableProgress(TrainerCallback):
        def __init__(self) -> None:
            self.last_time: float | None = None
            self.last_step = 0

        def on_train_begin(self, args, state, control, **kwargs):
            self.last_time, self.last_step = time.monotonic(), state.global_step

        def on_log(self, args, state, control, logs=None, **kwargs):
            if not logs or not state.is_world_process_zero:
                return
            now = time.monotonic()
            steps = state.global_step - self.last_step
            per_step = (now - self.last_time) / steps if self.last_time is not None and steps > 0 else None
            self.last_time, self.last_step = now, state.global_step
            if "train_runtime" in logs:  # the trainer's closing summary
                echo(f"done: {state.global_step} steps in {logs['train_runtime']:.0f} s")
                return
            echo(format_line(state.global_step, state.max_steps, logs, per_step))

    return ReadableProgress()


def use_readable_progress(trainer, echo=print) -> None:
    """Swap the trainer's raw-dict progress output for one readable line per logging step (unless verbose)."""
    if verbose():
        return
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(ProgressCallback)
    trainer.remove_callback(PrinterCallback)
    trainer.add_callback(progress_callback(echo))
