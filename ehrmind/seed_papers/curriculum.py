"""Multi-stage GRPO: run recipes one after another, each stage starting from the previous stage's model.

    ehrmind rl --config recipes/medssr/curriculum.yaml        # MedSSR: pseudo-labels, then gold labels
    ehrmind rl --config recipes/medssr/demo.yaml --out runs    # the same on CPU with the tiny model
    ehrmind validate recipes/medssr/curriculum.yaml            # checks every stage's recipe

A curriculum is a YAML file with `stage: curriculum` and a list of stages:

    stages:
      - name: self_supervised            # MedSSR stage 1: the policy's own majority answers as labels
        recipe: stage1_pseudo.yaml       # an `rl` recipe, relative to this file
        pseudo_gold: stored              # grade against the stored majority (see below)
        overrides: {training.max_steps: 100}
      - name: supervised                 # stage 2: human-labelled (gold) rows
        recipe: stage2_gold.yaml
    overrides: {}                        # applied to every stage (e.g. CPU settings)
    pseudo_labels: runs/medssr/pseudo    # `ehrmind pseudo-label` output, for the agreement in the report

Why (MedSSR, arXiv:2604.11547): self-supervised RL on pseudo-labelled synthetic data first, then
supervised RL on real labels ("intrinsic to extrinsic"). `pseudo_gold: stored` turns `pseudo/<task>` rows
back into `<task>` rows (a copy in the curriculum's run directory), so the task's own accuracy reward
grades the stored majority answer; `vote` keeps the `pseudo/` tasks for the `pseudo_label` reward, which
votes within each GRPO group instead. Command-line `--set key=value` applies to every stage, and
`--set <stage name>.key=value` to one stage. The curriculum writes `runs/curriculum/<time>/` with the
stage run directories and a report that includes the pseudo-label agreement with gold.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError

from ehrmind.batch import step_sequences
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
from ehrmind.seed_papers.pseudo_label import agreement_lines
from ehrmind.stages.runs import read_metrics
from ehrmind.tasks.load import load_split
from ehrmind.tasks.schema import PSEUDO_PREFIX, write_jsonl


class StageSpec(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    recipe: str
    overrides: dict[str, Any] = Field(default_factory=dict)  # dotted keys ("training.max_steps") or nested
    pseudo_gold: Literal["stored", "vote"] | None = None


class Curriculum(Strict):
    stage: Literal["curriculum"] = "curriculum"
    description: str = ""
    stages: list[StageSpec] = Field(min_length=1)
    overrides: dict[str, Any] = Field(default_factory=dict)
    pseudo_labels: str | None = None


def is_curriculum(path: str | Path) -> bool:
    """Whether a recipe file is a curriculum (has a top-level `stages` list)."""
    try:
        raw = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError):
        return False  # load_config reports unreadable recipes with its own message
    return isinstance(raw, dict) and "stages" in raw


def load_curriculum(
    path: str | Path,
    overrides: dict[str, Any] | None = None,
    *,
    check_paths: bool = True,
) -> tuple[Curriculum, list[RunConfig]]:
    """The curriculum and each stage's validated config; one ConfigError lists every stage's problems."""
    path = Path(path)
    source = str(path)
    try:
        plan = Curriculum.model_validate(read_mapping(path, source, "curriculum file"))
    except ValidationError as exc:
        raise ConfigError(source, error_lines(exc)) from None
    names = [s.name for s in plan.stages]
    problems = duplicate_names(names, "stages")
    common, own = split_stage_overrides(overrides, names)
    configs = []
    for i, spec in enumerate(plan.stages):
        merged = stage_layers([plan.overrides, spec.overrides], common, own.get(spec.name, {}), i)
        try:
            configs.append(load_config(path.parent / spec.recipe, stage="rl", overrides=merged, check_paths=check_paths))
        except ConfigError as exc:
            problems += [f"stages[{i}] ({spec.name}, {spec.recipe}): {p}" for p in exc.problems]
    if problems:
        raise ConfigError(source, problems)
    return plan, configs


def validate_curriculum(
    path: str | Path, overrides: dict[str, Any] | None = None, *, check_paths: bool = True
) -> RunConfig:
    """`check_recipe(..., stage="curriculum")`: check every stage; returns the first stage's config."""
    return load_curriculum(path, overrides, check_paths=check_paths)[1][0]


def _stored_pseudo_rows(config: RunConfig, into: Path) -> tuple[str, int]:
    """Copy the stage's train rows with `pseudo/<task>` renamed `<task>`: the task's reward grades the majority."""
    rows = load_split(config.data, "train")
    renamed = [{**r, "task": r["task"].removeprefix(PSEUDO_PREFIX)} for r in rows]
    write_jsonl(renamed, into / "train.jsonl")
    return str(into), sum(r["task"].startswith(PSEUDO_PREFIX) for r in rows)


def _pseudo_manifest(plan: Curriculum, configs: list[RunConfig]) -> dict[str, Any] | None:
    """The `ehrmind pseudo-label` report behind this curriculum (named, or found beside a stage's data)."""
    candidates = [Path(plan.pseudo_labels)] if plan.pseudo_labels else []
    candidates += [Path(c.data.train) for c in configs]
    for folder in candidates:
        folder = folder if folder.is_dir() else folder.parent
        manifest = folder / "manifest.json"
        if manifest.exists():
            data = json.loads(manifest.read_text())
            if "pseudo" in data:
                return data
    return None


def check_stage_size(name: str, config: RunConfig) -> int:
    """Fail before any training when a stage has fewer rows than one GRPO generation batch needs.

    TRL drops an incomplete batch, so such a stage would "finish" after 0 steps with an unchanged model
    (easy to hit when few rows pass the pseudo-label threshold). Returns the stage's row count."""
    rows = len(load_split(config.data, "train"))
    t, g = config.training, config.generation
    need = step_sequences(config, 1) // g.num_generations  # the recipe's batch, whatever the world size
    if rows < need:
        raise ValueError(
            f"stage {name!r}: {rows} training row(s) in {config.data.train!r}, but one GRPO batch needs {need} "
            f"prompts (per_device_train_batch_size {t.per_device_train_batch_size} x gradient_accumulation_steps "
            f"{t.gradient_accumulation_steps} / num_generations {g.num_generations}); label more rows (more "
            "--n, a lower --threshold) or set a smaller batch with --set"
        )
    return rows


def run_if_curriculum(
    config: Path,
    model: str | None,
    data: str | None,
    out: str | None,
    sets: list[str] | None,
    resume: bool,
    trust: bool,
    download: bool,
    *,
    echo=print,
) -> bool:
    """The `ehrmind rl` hook: run `config` as a curriculum if it has `stages` (True), else do nothing (False).

    --out, --set and the trust flags apply to every stage, --model to the first stage only."""
    if not is_curriculum(config):
        return False
    if data or resume:
        raise ValueError(
            "a curriculum sets data per stage and cannot resume: drop --data/--resume and use "
            "--set <stage>.data.train=PATH, or rerun one stage's recipe with --resume"
        )
    overrides = command_overrides(out=out, trust=trust, download=download, sets=sets)
    if model:
        first = load_curriculum(config, check_paths=False)[0].stages[0].name
        overrides = deep_merge(overrides, {first: {"model": {"path": model}}})
    run_curriculum(config, overrides, echo=echo)
    return True


def run_curriculum(path: str | Path, overrides: dict[str, Any] | None = None, *, echo=print) -> Path:
    """Run every stage with `ehrmind.stages.rl.run_rl`, chaining models; returns the curriculum run directory."""
    # lazy: read at call time, so tests can patch run_rl
    from ehrmind.stages.rl import run_rl

    # lazy: read at call time, so tests can patch on_main_process
    from ehrmind.stages.runs import on_main_process

    plan, configs = load_curriculum(path, overrides)
    # Under a multi-process launch rank 0 names and writes the curriculum directory and its files; every rank
    # gets the same paths (on_main_process broadcasts the result and doubles as a barrier).
    stamp = on_main_process(lambda: datetime.now().strftime("%Y%m%d-%H%M%S"))
    cdir = Path(configs[0].output_dir) / "curriculum" / stamp

    def start() -> None:
        cdir.mkdir(parents=True, exist_ok=True)
        (cdir / "curriculum.yaml").write_text(Path(path).read_text())

    on_main_process(start)
    pseudo = _pseudo_manifest(plan, configs)
    stages: list[dict[str, Any]] = []
    previous: Path | None = None
    for spec, config in zip(plan.stages, configs, strict=True):
        check_stage_size(spec.name, config)
    for i, (spec, config) in enumerate(zip(plan.stages, configs, strict=True)):
        echo(f"curriculum stage {i + 1}/{len(configs)}: {spec.name} ({spec.recipe})")
        if previous is not None:
            config.model.path = str(previous)
        if spec.pseudo_gold == "stored":
            data_dir = cdir / f"stage{i + 1}-data"
            config.data.train, renamed = on_main_process(lambda c=config, d=data_dir: _stored_pseudo_rows(c, d))
            echo(f"  {renamed} pseudo-labelled rows graded against their stored majority answer")
        config.run_name = config.run_name or f"{stamp}-{i + 1}-{spec.name}"
        run_dir = run_rl(config, echo=echo)
        previous = run_dir / "final"
        stages.append({"name": spec.name, "recipe": spec.recipe, "run_dir": str(run_dir),
                       "model": str(previous), "pseudo_gold": spec.pseudo_gold})  # fmt: skip
        on_main_process(lambda: (cdir / "stages.json").write_text(json.dumps(stages, indent=2)) and None)
    report = on_main_process(lambda: str(write_report(cdir, stages, pseudo.get("pseudo") if pseudo else None)))
    echo(f"curriculum finished: final model {previous}\nreport: {report}")
    return cdir


def _reward(record: dict[str, Any]) -> str:
    return f"{record['reward']:.3f}" if isinstance(record.get("reward"), int | float) else "n/a"


def write_report(cdir: Path, stages: list[dict[str, Any]], pseudo: dict[str, Any] | None) -> Path:
    """report.md: each stage's run and first/last reward, and the pseudo-label agreement with gold.

    The agreement section is also appended to the first stage's own report, where the pseudo-labels
    were used."""
    lines = [
        "# Curriculum (multi-stage GRPO)",
        "",
        "| stage | run | first reward | last reward | steps |",
        "|---|---|---|---|---|",
    ]
    for s in stages:
        logged = [r for r in read_metrics(Path(s["run_dir"])) if "reward" in r]
        first, last = (logged[0], logged[-1]) if logged else ({}, {})
        lines.append(
            f"| {s['name']} | `{s['run_dir']}` | {_reward(first)} | {_reward(last)} | "
            f"{last.get('step', 'n/a')} |"
        )
    section = ["", "## Pseudo-label agreement with gold", ""]
    if pseudo:
        section += [
            f"Threshold {pseudo['threshold']}: {pseudo['labeled']}/{pseudo['rows']} rows labeled "
            f"({pseudo['coverage']:.1%}).",
            "",
            *agreement_lines(pseudo),
        ]
    else:
        section.append("No `ehrmind pseudo-label` manifest was found beside the stages' data.")
    lines += section
    path = cdir / "report.md"
    path.write_text("\n".join(lines) + "\n")
    if pseudo and stages:
        first_report = Path(stages[0]["run_dir"]) / "report.md"
        if first_report.exists():
            first_report.write_text(first_report.read_text() + "\n".join(section) + "\n")
    return path
