"""Commands for the seed papers' recipes: `synthesize`, `pseudo-label`, `prefer build|train`, `pretrain`, `templates`.

    ehrmind synthesize --calculators meld_na,bmi,centor_mcisaac --n 500 --rare-share 0.2 --out runs/medssr/synth
    ehrmind pseudo-label --data runs/medssr/synth --model runs/warmup/<run>/final --n 8 --out runs/medssr/pseudo
    ehrmind rl --config recipes/medssr/curriculum.yaml        # stage 1 on pseudo-labels, stage 2 on gold rows
    ehrmind prefer build --data runs/medssr/synth --model runs/rl/<run>/final --out runs/pairs.jsonl
    ehrmind prefer train --pairs runs/pairs.jsonl --config recipes/prefer/simpo.yaml
    ehrmind pretrain --corpus cards=examples/corpus/cards --corpus notes=examples/corpus/notes.jsonl --mix bandit
    ehrmind templates --teacher /models/Qwen2.5-72B-Instruct --data runs/data/mimic --out runs/templates.jsonl

The logic lives in `ehrmind.seed_papers.synthesize`, `ehrmind.seed_papers.pseudo_label`, `ehrmind.seed_papers.curriculum`, `ehrmind.seed_papers.prefer`,
`ehrmind.seed_papers.prefer_train`, `ehrmind.seed_papers.pretrain` and `ehrmind.seed_papers.templates`; this module parses options.
`register(app)` mounts them on the main app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()
prefer_app = typer.Typer(
    help="Preference pairs from verified samples (build) and DPO / CPO-SimPO training on them (train).",
    no_args_is_help=True,
    add_completion=False,
)

ModelDir = Annotated[str, typer.Option("--model", "-m", help="Local checkpoint directory that samples.")]
Samples = Annotated[int, typer.Option("--n", help="Samples per row.")]
MaxNew = Annotated[int, typer.Option("--max-new-tokens", help="Tokens per sampled completion.")]
Temp = Annotated[float, typer.Option("--temperature", help="Sampling temperature.")]
Split = Annotated[str, typer.Option("--split", help="Which split of --data to use.")]
MaxRows = Annotated[int | None, typer.Option("--max-rows", help="Use at most this many rows.")]
Trust = Annotated[bool, typer.Option("--trust-remote-code", help="Allow the checkpoint's own Python code.")]


def _ids(text: str | None) -> list[str]:
    return [x.strip() for x in (text or "").split(",") if x.strip()]


def synthesize_cmd(
    out: Annotated[Path, typer.Option("--out", help="Directory for <split>.jsonl and manifest.json.")],
    calculators: Annotated[
        str | None, typer.Option("--calculators", help="Calculator ids, comma-separated.")
    ] = None,
    ehrshot: Annotated[
        str | None, typer.Option("--ehrshot", help="EHRSHOT lab tasks, comma-separated.")
    ] = None,
    n: Annotated[int, typer.Option("--n", help="Rows per source (calculators, EHRSHOT, knowledge).")] = 500,
    rare_share: Annotated[float, typer.Option("--rare-share", help="Share of rare cases (0-1).")] = 0.2,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    knowledge: Annotated[
        Path | None, typer.Option("--knowledge", help="JSONL of entities with facts.")
    ] = None,
    templates: Annotated[
        Path | None, typer.Option("--templates", help="JSONL of question templates.")
    ] = None,
    inject_prob: Annotated[
        float,
        typer.Option("--inject-prob", help="Share of text questions with the knowledge card in context."),
    ] = 0.3,
    unit_variation: Annotated[
        float, typer.Option("--unit-variation", help="Chance an input is written in another unit.")
    ] = 0.3,
    splits: Annotated[str, typer.Option("--splits", help="train,val,test fractions.")] = "0.8,0.1,0.1",
) -> None:
    """Synthesize verifiable task rows on synthetic patients with a controlled share of rare cases (MedSSR).

    Example: ehrmind synthesize --calculators meld_na,bmi --n 500 --rare-share 0.2 --out runs/medssr/synth
    """
    # lazy: only when this command runs
    from ehrmind.seed_papers.synthesize import SynthesisError, SynthesisPlan, run_synthesize

    try:
        fractions = tuple(float(x) for x in splits.split(","))
    except ValueError:
        raise SynthesisError(f"--splits={splits!r}: write three numbers, e.g. 0.8,0.1,0.1") from None
    plan = SynthesisPlan(out=out, n=n, seed=seed, rare_share=rare_share, calculators=_ids(calculators),
                         ehrshot=_ids(ehrshot), knowledge=knowledge, templates=templates, inject_prob=inject_prob,
                         unit_variation=unit_variation, splits=fractions)  # fmt: skip
    run_synthesize(plan, echo=console.print)


def pseudo_label_cmd(
    data: Annotated[str, typer.Option("--data", help="Task rows (directory or file) to label.")],
    model: ModelDir,
    out: Annotated[Path, typer.Option("--out", help="Directory for the pseudo-labeled rows and report.")],
    n: Samples = 8,
    threshold: Annotated[
        float, typer.Option("--threshold", help="Minimum majority share to keep a label.")
    ] = 0.6,
    split: Split = "train",
    max_rows: MaxRows = None,
    max_new_tokens: MaxNew = 256,
    temperature: Temp = 1.0,
    trust_remote_code: Trust = False,
) -> None:
    """Label rows with the policy's own majority answer over N samples; report agreement with gold (MedSSR).

    Example: ehrmind pseudo-label --data runs/medssr/synth --model runs/warmup/<run>/final --n 8 --out runs/medssr/pseudo
    """
    # lazy: only when this command runs
    from ehrmind.seed_papers.pseudo_label import run_pseudo_label

    # lazy: only when this command runs
    from ehrmind.seed_papers.sample_completions import Sampler

    sampler = Sampler(model, max_new_tokens=max_new_tokens, temperature=temperature,
                      trust_remote_code=trust_remote_code)  # fmt: skip
    run_pseudo_label(data, out, sample=sampler.sample, n=n, threshold=threshold, split=split, max_rows=max_rows,
                     settings={"model": model, "max_new_tokens": max_new_tokens, "temperature": temperature},
                     echo=console.print)  # fmt: skip
    console.print(f"report: [bold]{out / 'report.md'}[/bold]")


@prefer_app.command("build")
def prefer_build_cmd(
    data: Annotated[str, typer.Option("--data", help="Task rows (directory or file).")],
    model: ModelDir,
    out: Annotated[Path, typer.Option("--out", help="Pairs JSONL to write (manifest beside it).")],
    n: Samples = 8,
    max_pairs: Annotated[int, typer.Option("--max-pairs", help="At most this many pairs per row.")] = 2,
    medcritical: Annotated[
        bool, typer.Option("--medcritical", help="Chosen = the model's verified retry after feedback.")
    ] = False,
    retries: Annotated[
        int, typer.Option("--retries", help="MedCritical: retries sampled per wrong answer.")
    ] = 2,
    min_tokens: Annotated[int, typer.Option("--min-tokens", help="Drop completions shorter than this.")] = 1,
    max_tokens: Annotated[
        int | None, typer.Option("--max-tokens", help="Drop completions longer than this.")
    ] = None,
    split: Split = "train",
    max_rows: MaxRows = None,
    max_new_tokens: MaxNew = 256,
    temperature: Temp = 1.0,
    trust_remote_code: Trust = False,
) -> None:
    """Sample, grade with the verifiable rewards, and pair correct (chosen) with wrong (rejected) answers.

    Example: ehrmind prefer build --data runs/medssr/synth --model runs/rl/<run>/final --n 8 --out runs/pairs.jsonl
    """
    # lazy: only when this command runs
    from ehrmind.seed_papers.prefer import build_pairs, write_pairs

    # lazy: only when this command runs
    from ehrmind.seed_papers.sample_completions import Sampler

    # lazy: only when this command runs
    from ehrmind.tasks.schema import read_rows

    rows = read_rows(data, split=split)
    rows = rows[:max_rows] if max_rows else rows
    if not rows:
        raise ValueError(f"no {split!r} rows in {data}")
    sampler = Sampler(model, max_new_tokens=max_new_tokens, temperature=temperature,
                      trust_remote_code=trust_remote_code)  # fmt: skip
    console.print(f"sampling {len(rows)} rows × {n}{' (MedCritical retries)' if medcritical else ''}")
    pairs, report = build_pairs(rows, sampler.sample, n=n, max_pairs=max_pairs, medcritical=medcritical,
                                retries=retries, min_tokens=min_tokens, max_tokens=max_tokens,
                                length=sampler.n_tokens)  # fmt: skip
    settings = {"data": data, "model": model, "split": split, "n": n, "max_pairs": max_pairs,
                "medcritical": medcritical, "retries": retries, "min_tokens": min_tokens, "max_tokens": max_tokens,
                "max_new_tokens": max_new_tokens, "temperature": temperature}  # fmt: skip
    manifest = write_pairs(pairs, out, report, settings)
    console.print(f"{report['pairs']} pairs from {report['rows_with_pairs']}/{report['rows']} rows -> {out}; "
                  f"no pair: {report['no_pair_reasons'] or 'none'}; manifest {manifest}")  # fmt: skip


@prefer_app.command("train")
def prefer_train_cmd(
    pairs: Annotated[str, typer.Option("--pairs", help="Pairs JSONL from `ehrmind prefer build`.")],
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Recipe (recipes/prefer/dpo.yaml or simpo.yaml).")
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Checkpoint to train (default: latest RL run).")
    ] = None,
    out: Annotated[str | None, typer.Option("--out", help="Runs root directory (default: runs).")] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override any field: --set prefer.beta=0.5")
    ] = None,
    trust_remote_code: Trust = False,
) -> None:
    """Offline preference training on verified pairs: DPO (MedCritical) or CPO-SimPO (Citrus).

    Example: ehrmind prefer train --pairs runs/pairs.jsonl --config recipes/prefer/simpo.yaml
    """
    # lazy: only when this command runs
    from ehrmind.config import load_config

    # lazy: only when this command runs
    from ehrmind.overrides import command_overrides, deep_merge

    # lazy: only when this command runs
    from ehrmind.seed_papers.prefer_train import run_prefer

    overrides = deep_merge({"data": {"train": pairs}},
                           command_overrides(model=model, out=out, trust=trust_remote_code, sets=set_))
    cfg = load_config(config, stage="prefer", overrides=overrides)
    run_dir = run_prefer(cfg, echo=console.print)
    console.print(f"report: [bold]{run_dir / 'report.md'}[/bold]")


def _pairs(items: list[str] | None, what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ValueError(f"{what} {item!r}: write NAME=VALUE, e.g. {what} notes=examples/corpus/notes.jsonl")
        out[name.strip()] = value.strip()
    return out


def pretrain_cmd(
    corpus: Annotated[
        list[str] | None,
        typer.Option("--corpus", help="A source as NAME=PATH (text/.md file, .jsonl with a text field, or a folder); repeat."),
    ] = None,
    mix: Annotated[
        str | None, typer.Option("--mix", help="bandit (= exp3), exp3, thompson, or fixed (weights from --weight).")
    ] = None,
    weight: Annotated[
        list[str] | None, typer.Option("--weight", help="NAME=W: a source's weight under --mix fixed; repeat.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Recipe (default: the tiny-model demo; real: recipes/citrus/cpt.yaml).")
    ] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Local checkpoint to continue training.")] = None,
    out: Annotated[str | None, typer.Option("--out", help="Runs root directory (default: runs).")] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override any field: --set training.max_steps=200")
    ] = None,
    trust_remote_code: Trust = False,
) -> None:
    """Continued pre-training on local text with a bandit (or fixed) mix over sources (Citrus).

    Example: ehrmind pretrain --corpus cards=examples/corpus/cards --corpus notes=examples/corpus/notes.jsonl --mix bandit
    """
    # lazy: only when this command runs
    import yaml

    # lazy: only when this command runs
    from ehrmind.config import default_recipe, load_config

    # lazy: only when this command runs
    from ehrmind.overrides import command_overrides, deep_merge

    # lazy: only when this command runs
    from ehrmind.seed_papers.pretrain import run_pretrain

    recipe = config or default_recipe("pretrain")
    raw = yaml.safe_load(recipe.read_text()) if recipe.exists() else {}
    sources = {s["name"]: dict(s) for s in ((raw or {}).get("pretrain") or {}).get("corpus") or []}
    for name, path in _pairs(corpus, "--corpus").items():  # --corpus replaces a recipe source of that name
        sources[name] = {**sources.get(name, {}), "name": name, "path": path}
    for name, value in _pairs(weight, "--weight").items():
        if name not in sources:
            raise ValueError(f"--weight {name}=...: no source named {name!r} (sources: {', '.join(sources) or 'none'})")
        try:
            sources[name]["weight"] = float(value)
        except ValueError:
            raise ValueError(f"--weight {name}={value!r}: the weight must be a number") from None
    overrides: dict = {"pretrain": {"corpus": list(sources.values())}}
    if mix:
        overrides["pretrain"]["mix"] = mix
    overrides = deep_merge(overrides, command_overrides(model=model, out=out, trust=trust_remote_code, sets=set_))
    cfg = load_config(recipe, stage="pretrain", overrides=overrides)
    run_dir = run_pretrain(cfg, echo=console.print)
    console.print(f"report: [bold]{run_dir / 'report.md'}[/bold]")


def templates_cmd(
    teacher: Annotated[str, typer.Option("--teacher", help="Local teacher checkpoint that writes the templates.")],
    data: Annotated[str, typer.Option("--data", help="Task rows (directory, file, or 'bundled'); their train split.")],
    out: Annotated[Path, typer.Option("--out", help="templates.jsonl to write (manifest beside it).")],
    samples: Annotated[int, typer.Option("--samples", help="Candidates sampled per family and round.")] = 2,
    rounds: Annotated[int, typer.Option("--rounds", help="Rounds for families whose candidates all leaked.")] = 2,
    max_rows: MaxRows = None,
    max_new_tokens: MaxNew = 512,
    temperature: Temp = 0.7,
    trust_remote_code: Trust = False,
) -> None:
    """A teacher writes one thought template (the reasoning plan, never the answer) per calculator / task (MedCritical).

    Templates that contain a row's gold are rejected and resampled; the manifest counts why.
    Example: ehrmind templates --teacher /models/Qwen2.5-72B-Instruct --data runs/data/mimic --out runs/templates.jsonl
    """
    # lazy: only when this command runs
    from ehrmind.config import DataConfig

    # lazy: only when this command runs
    from ehrmind.seed_papers.sample_completions import Sampler

    # lazy: only when this command runs
    from ehrmind.seed_papers.templates import build_templates, write_templates

    # lazy: only when this command runs
    from ehrmind.tasks.load import load_split

    if samples < 1 or rounds < 1:
        raise ValueError(f"--samples {samples} --rounds {rounds}: both must be at least 1")
    rows = load_split(DataConfig(train=data, max_train_rows=max_rows), "train")
    sampler = Sampler(teacher, max_new_tokens=max_new_tokens, temperature=temperature,
                      trust_remote_code=trust_remote_code)  # fmt: skip
    templates, report = build_templates(rows, lambda prompts: sampler.sample(prompts, k=samples), rounds=rounds)
    settings = {"teacher": teacher, "data": data, "samples": samples, "rounds": rounds, "max_rows": max_rows,
                "max_new_tokens": max_new_tokens, "temperature": temperature}  # fmt: skip
    manifest = write_templates(templates, out, report, settings)
    console.print(f"{report['written']}/{report['families']} families have a template -> {out}; "
                  f"{report['rejected']} candidate(s) rejected {report['rejected_by_reason'] or ''}; "
                  f"none for {report['no_template'] or 'no family'}; manifest {manifest}")  # fmt: skip


def register(app: typer.Typer) -> None:
    """Mount `synthesize`, `pseudo-label` and `prefer` on the main app (once)."""
    if getattr(app, "_seed_papers_mounted", False):
        return
    app.command("synthesize")(synthesize_cmd)
    app.command("pseudo-label")(pseudo_label_cmd)
    app.add_typer(prefer_app, name="prefer")
    app.command("pretrain")(pretrain_cmd)
    app.command("templates")(templates_cmd)
    app._seed_papers_mounted = True
