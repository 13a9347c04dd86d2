"""Staged SFT: warm-up stages run in order from one command, each starting from the previous stage's model.

    ehrmind warmup --config recipes/citrus/sft_stages_demo.yaml          # CPU, tiny model, three short stages
    ehrmind warmup --config recipes/citrus/sft_stages.yaml --model /models/Qwen2.5-7B-Instruct
    ehrmind validate recipes/citrus/sft_stages.yaml                     # checks every stage's config

A staged recipe has `stage: warmup_stages`, a `base` (any warm-up recipe fields, shared by every stage) and
a list of stages, each with its own data mix and epochs as overrides of the base:

    stage: warmup_stages
    base: {training: {learning_rate: 5.0e-6}}
    stages:
      - name: general                   # Citrus SFT stage 1: general instructions
        overrides: {warmup: {instructions_jsonl: general.jsonl, worked_solutions: false}}
      - name: medical_cot               # ... stage 3: medical long-CoT in <think>/<answer> form
        overrides: {data.train: runs/data/mimic, training.num_train_epochs: 2}

Why (Citrus, arXiv:2502.18274): SFT in stages, general instructions, then complex instructions, then
synthesized medical long chains of thought, so each stage builds on what the previous one taught. Each stage
is one `ehrmind.stages.warmup.run_warmup` run (its own run directory and report); the stages' runs and their
first/last loss are listed in runs/warmup_stages/<time>/report.md. `--set key=value` applies to every
stage, `--set <stage name>.key=value` to one; `--model` sets the first stage's model only.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError

from ehrmind.config import RunConfig, load_config
from ehrmind.overrides import (
    ConfigError,
    Strict,
    command_overrides,
    deep_merge,
    duplicate_names,
    error_lines,
    read_mapping,
    split_stage_overrides,
    stage_layers,
)
from ehrmind.stages.runs import read_metrics
from ehrmind.stages.warmup import run_warmup


class WarmupStage(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    overrides: dict[str, Any] = Field(default_factory=dict)  # dotted keys ("training.num_train_epochs") or nested


class StagedWarmup(Strict):
    stage: Literal["warmup_stages"] = "warmup_stages"
    description: str = ""
    base: dict[str, Any] = Field(default_factory=dict)
    stages: list[WarmupStage] = Field(min_length=1)


def is_staged(path: str | Path) -> bool:
    """Whether a recipe file is a staged warm-up (`stage: warmup_stages`)."""
    try:
        raw = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError):
        return False  # load_config reports unreadable recipes with its own message
    return isinstance(raw, dict) and raw.get("stage") == "warmup_stages"


def load_stages(path: str | Path, overrides: dict[str, Any] | None = None, *,
                check_paths: bool = True) -> tuple[StagedWarmup, list[RunConfig]]:
    """The plan and each stage's validated warm-up config; one ConfigError lists every stage's problems."""
    path = Path(path)
    try:
        plan = StagedWarmup.model_validate(read_mapping(path, str(path)))
    except ValidationError as exc:
        raise ConfigError(str(path), error_lines(exc)) from None
    names = [s.name for s in plan.stages]
    problems = duplicate_names(names, "stages")
    common, own = split_stage_overrides(overrides, names)
    configs = []
    for i, spec in enumerate(plan.stages):
        merged = stage_layers([plan.base, spec.overrides], common, own.get(spec.name, {}), i)
        merged["stage"] = "warmup"
        try:
            configs.append(load_config(None, stage="warmup", overrides=merged, check_paths=check_paths))
        except ConfigError as exc:
            problems += [f"stages[{i}] ({spec.name}): {p}" for p in exc.problems]
            continue
        w = configs[-1].warmup
        if check_paths and not (w.worked_solutions or w.knowledge_cards or w.rationales_jsonl or w.task_rubrics
                                or w.instructions_jsonl):  # a template recipe may leave its data to --set
            problems.append(f"stages[{i}] ({spec.name}): no data source; set warmup.instructions_jsonl, "
                            "warmup.rationales_jsonl or turn on worked_solutions / knowledge_cards")
    if problems:
        raise ConfigError(str(path), problems)
    return plan, configs


def validate_stages(path: str | Path, overrides: dict[str, Any] | None = None, *, check_paths: bool = True) -> RunConfig:
    """`check_recipe(..., stage="warmup_stages")`: check every stage; returns the first stage's config."""
    return load_stages(path, overrides, check_paths=check_paths)[1][0]


def run_if_staged(config: Path, model: str | None, data: str | None, out: str | None, sets: list[str] | None,
                  resume: bool, trust: bool, download: bool, dry_run: bool = False, *, echo=print) -> bool:
    """The `ehrmind warmup` hook: run `config` stage by stage if it is staged (True), else do nothing (False)."""
    if not is_staged(config):
        return False
    if data or resume:
        raise ValueError("a staged warm-up sets data per stage and cannot resume: drop --data/--resume and use "
                         "--set <stage>.data.train=PATH, or rerun one stage as its own warm-up with --resume")
    overrides = command_overrides(out=out, trust=trust, download=download, sets=sets)
    if model:
        first = load_stages(config, check_paths=False)[0].stages[0].name
        overrides = deep_merge(overrides, {first: {"model": {"path": model}}})
    run_stages(config, overrides, dry_run=dry_run, echo=echo)
    return True


def run_stages(path: str | Path, overrides: dict[str, Any] | None = None, *, dry_run: bool = False,
               echo=print) -> Path | None:
    """Run every stage with `run_warmup`, each from the previous stage's final model; returns the stages' folder."""
    plan, configs = load_stages(path, overrides)
    if dry_run:
        for spec, config in zip(plan.stages, configs, strict=True):
            echo(f"--- stage {spec.name} ---")
            run_warmup(config, dry_run=True, echo=echo)
        return None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    sdir = Path(configs[0].output_dir) / "warmup_stages" / stamp
    sdir.mkdir(parents=True, exist_ok=True)
    (sdir / "recipe.yaml").write_text(Path(path).read_text())
    stages: list[dict[str, Any]] = []
    previous: Path | None = None
    for i, (spec, config) in enumerate(zip(plan.stages, configs, strict=True)):
        echo(f"warm-up stage {i + 1}/{len(configs)}: {spec.name}")
        if previous is not None:
            config.model.path = str(previous)
        config.run_name = config.run_name or f"{stamp}-{i + 1}-{spec.name}"
        run_dir = run_warmup(config, echo=echo)
        previous = run_dir / "final"
        stages.append({"name": spec.name, "run_dir": str(run_dir), "model_in": config.model.path,
                       "model_out": str(previous)})
        (sdir / "stages.json").write_text(json.dumps(stages, indent=2))
    report = write_report(sdir, stages)
    echo(f"staged warm-up finished: final model {previous}\nreport: {report}")
    return sdir


def write_report(sdir: Path, stages: list[dict[str, Any]]) -> Path:
    """report.md: each stage's run, starting model and first/last loss."""
    lines = ["# Staged SFT warm-up", "", "| stage | run | started from | first loss | last loss | steps |",
             "|---|---|---|---|---|---|"]
    for s in stages:
        logged = [r for r in read_metrics(Path(s["run_dir"])) if "loss" in r]
        first, last = (logged[0], logged[-1]) if logged else ({}, {})

        def loss(r: dict[str, Any]) -> str:
            return f"{r['loss']:.3f}" if isinstance(r.get("loss"), int | float) else "n/a"

        lines.append(f"| {s['name']} | `{s['run_dir']}` | `{s['model_in'] or 'tiny model'}` | {loss(first)} | "
                     f"{loss(last)} | {last.get('step', 'n/a')} |")
    lines += ["", "Each stage's own report (data mix, loss curve) is in its run directory."]
    path = sdir / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path
