"""Run directories: resolved config, environment versions, metrics JSONL, checkpoints, report.

Every stage writes `runs/<stage>/<timestamp>/`:
    config.yaml     the resolved, validated config (after CLI overrides)
    env.json        python, platform and package versions, device
    metrics.jsonl   one JSON object per logging step (loss, rewards, KL, lengths, ...)
    checkpoints/    trainer checkpoints (resume from the latest with --resume)
    final/          the final model + tokenizer
    report.md       human-readable summary with plots
No patient text is written here unless the user asks for samples.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from ehrmind.config import RunConfig, dump_config
from rewards import stats

T = TypeVar("T")
STATS_PREFIX = "reward_stats/"  # metrics.jsonl keys of rewards.stats totals (counts), beside TRL's own metrics
PACKAGES = ("ehrmind", "torch", "transformers", "trl", "peft", "accelerate", "datasets", "vllm", "polars", "sympy")


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def environment() -> dict[str, Any]:
    env: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
        "started": datetime.now().isoformat(timespec="seconds"),
    }
    try:
        import torch

        env["cuda"] = torch.cuda.is_available()
        env["devices"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    except ImportError:  # the core (calculators, data build) installs without the training stack
        env["cuda"] = False
    return env


def new_run_dir(config: RunConfig) -> Path:
    """Create runs/<stage>/<name or timestamp>/ and write config.yaml and env.json.

    Under a multi-process launch only rank 0 creates it and every rank gets rank 0's path: each rank naming
    its own timestamped directory would split one run over two (or race on the same one).
    """
    return Path(on_main_process(lambda: str(_create_run_dir(config))))


def on_main_process(make: Callable[[], T]) -> T:
    """Run `make` once, on rank 0 of a multi-process launch, and give its (picklable) result to every rank."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return make()
    import torch
    from accelerate import PartialState
    from accelerate.utils import broadcast_object_list

    # The trainer later re-creates this state with the same process group (cpu: see common_args' use_cpu).
    state = PartialState(cpu=not torch.cuda.is_available())
    box = [make() if state.is_main_process else None]
    broadcast_object_list(box, from_process=0)
    return box[0]


def _create_run_dir(config: RunConfig) -> Path:
    name = config.run_name or datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir = Path(config.output_dir) / config.stage / name
    if run_dir.exists() and any(run_dir.iterdir()) and config.run_name is None:
        run_dir = run_dir.with_name(f"{name}-{int(time.time() * 1000) % 1000:03d}")
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.yaml").write_text(dump_config(config))
    (run_dir / "env.json").write_text(json.dumps(environment(), indent=2))
    return run_dir


def latest_run(output_dir: str | Path, stage: str, need: str = "final") -> Path | None:
    """The most recent run directory of a stage that contains `need` (e.g. its final model)."""
    root = Path(output_dir) / stage
    if not root.is_dir():
        return None
    candidates = sorted((p for p in root.iterdir() if (p / need).exists()), key=lambda p: p.stat().st_mtime)
    return candidates[-1] if candidates else None


class NothingToResume(ValueError):
    """--resume found no run of this stage with checkpoints (the CLI exits 2)."""


class RunFinished(Exception):
    """--resume found that the latest run already finished: nothing to train (the CLI says so, exits 0)."""


def run_dir_for(config: RunConfig, *, resume: bool = False) -> Path:
    """With --resume, the latest run of this stage that has checkpoints (continued in place); else a new run.

    Raises NothingToResume when there is none (training a fresh model instead would hide the mistake) and
    RunFinished when that run already saved its final model.
    """
    if not resume:
        return new_run_dir(config)
    previous = latest_run(config.output_dir, config.stage, need="checkpoints")
    if previous is None:
        raise NothingToResume(f"--resume: no {config.stage} run with checkpoints under {Path(config.output_dir) / config.stage}/; "
                              f"run `ehrmind {config.stage}` without --resume")
    if (previous / "final").exists():
        raise RunFinished(f"{previous} already finished (final model: {previous / 'final'}); nothing to resume. "
                          f"Run `ehrmind {config.stage}` without --resume to start a new run.")
    return previous


def latest_checkpoint(run_dir: Path) -> Path | None:
    ckpts = sorted(
        (p for p in (run_dir / "checkpoints").glob("checkpoint-*") if p.is_dir()),
        key=lambda p: int(p.name.split("-")[-1]),
    )
    return ckpts[-1] if ckpts else None


def read_metrics(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / "metrics.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def metrics_callback(run_dir: Path):
    """A transformers TrainerCallback appending every log to metrics.jsonl (and reward parse stats)."""
    from transformers import TrainerCallback

    path = run_dir / "metrics.jsonl"

    class MetricsJsonl(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if not logs or not state.is_world_process_zero:
                return
            record = {"step": state.global_step, "epoch": state.epoch, **logs}
            # Totals since the last log, under their own prefix: TRL logs the rewards' per-batch
            # `<reward>/fail/<reason>` fractions under the same names, which these counts would overwrite.
            record.update({f"{STATS_PREFIX}{k}": v for k, v in stats.snapshot_and_reset().items()})
            with path.open("a") as fh:
                fh.write(json.dumps(record, default=float) + "\n")

    return MetricsJsonl()
