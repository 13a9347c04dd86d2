"""The `ehrmind` command line: a thin typer app over the library.

    ehrmind demo                     # init-model -> warmup -> rl -> eval on the bundled data, CPU, minutes
    ehrmind warmup | rl | eval       # each stage on its own (defaults = the demo; --config for a recipe)
    ehrmind validate RECIPE          # check a recipe without loading a model
    ehrmind calc ... | ehrmind data ...

Errors print one clear message and exit 1; `--debug` shows the traceback.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ehrmind.cli import teardown

console = Console()
app = typer.Typer(
    help="Teach open LLMs clinical reasoning on local EHR data with verifiable rewards.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
_state = {"debug": False}

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="Recipe YAML (default: the demo recipe).")]
ModelOpt = Annotated[str | None, typer.Option("--model", "-m", help="Local checkpoint directory to start from.")]
DataOpt = Annotated[str | None, typer.Option("--data", help="Task rows: `ehrmind data build` output dir or file.")]
OutOpt = Annotated[str | None, typer.Option("--out", help="Runs root directory (default: runs).")]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="Override any field: --set training.learning_rate=1e-5")]
TrustOpt = Annotated[bool, typer.Option("--trust-remote-code", help="Allow the checkpoint's own Python code.")]
DownloadOpt = Annotated[bool, typer.Option("--allow-download", help="Allow fetching --model from a hub.")]


# Subcommand groups that never load the training stack: they skip importing it to silence its progress bars.
_NO_TRAINING = ("calc", "data")


@app.callback()
def _main(ctx: typer.Context, debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
          verbose: Annotated[bool, typer.Option("--verbose", help="Show the trainers' raw logs, progress bars and library warnings.")] = False) -> None:
    _state["debug"] = debug
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if verbose:
        os.environ["EHRMIND_VERBOSE"] = "1"
    # lazy: only when this command runs
    from ehrmind.stages.progress import silence_known_warnings

    silence_known_warnings(progress_bars=ctx.invoked_subcommand not in _NO_TRAINING)


@contextmanager
def _resume_outcomes():
    """--resume with nothing to resume: one line, exit 2; on a finished run: say so and exit 0."""
    # lazy: only when this command runs
    from ehrmind.stages.runs import NothingToResume, RunFinished

    try:
        yield
    except NothingToResume as exc:
        console.print(f"[bold red]error:[/bold red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except RunFinished as done:
        console.print(str(done), highlight=False, soft_wrap=True)


def _load(stage: str, config: Path | None, model: str | None, data: str | None, out: str | None,
          sets: list[str] | None, trust: bool = False, download: bool = False):
    # lazy: only when this command runs (pydantic's config models cost ~0.2 s that `data build` never needs)
    from ehrmind.config import default_recipe, load_config

    # lazy: only when this command runs
    from ehrmind.overrides import command_overrides

    overrides = command_overrides(model=model, data=data, out=out, trust=trust, download=download, sets=sets)
    return load_config(config or default_recipe(stage), stage=stage, overrides=overrides)


@app.command("init-model")
def init_model(out: Annotated[Path, typer.Option("--out", help="Directory to write the model to.")] = Path(
        "runs/tiny-model")) -> None:
    """Build the tiny offline demo model (random weights, locally trained tokenizer).

    Example: ehrmind init-model --out runs/tiny-model
    """
    # lazy: only when this command runs
    from ehrmind.stages.models import build_tiny_model

    path = build_tiny_model(out)
    console.print(f"tiny model written to [bold]{path}[/bold]")


@app.command()
def warmup(config: ConfigOpt = None, model: ModelOpt = None, data: DataOpt = None, out: OutOpt = None,
           set_: SetOpt = None, dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the data mix and two examples; train nothing.")] = False,
           resume: Annotated[bool, typer.Option("--resume", help="Continue the latest warm-up run from its last checkpoint.")] = False,
           trust_remote_code: TrustOpt = False, allow_download: DownloadOpt = False) -> None:
    """Knowledge-injection SFT warm-up.

    Example: ehrmind warmup --config recipes/medcalc/warmup.yaml --model /models/Qwen2.5-3B-Instruct
    """
    # lazy: only when this command runs
    from ehrmind.seed_papers.staged_warmup import run_if_staged  # `stage: warmup_stages`, stage by stage

    # lazy: only when this command runs
    from ehrmind.stages.warmup import run_warmup

    if config is not None and run_if_staged(config, model, data, out, set_, resume, trust_remote_code,
                                            allow_download, dry_run, echo=console.print):
        return
    cfg = _load("warmup", config, model, data, out, set_, trust_remote_code, allow_download)
    with _resume_outcomes():
        run_warmup(cfg, dry_run=dry_run, resume=resume, echo=console.print)


@app.command()
def rl(config: ConfigOpt = None, model: ModelOpt = None, data: DataOpt = None, out: OutOpt = None,
       set_: SetOpt = None,
       resume: Annotated[bool, typer.Option("--resume", help="Continue the latest RL run from its last checkpoint.")] = False,
       trust_remote_code: TrustOpt = False, allow_download: DownloadOpt = False) -> None:
    """GRPO with verifiable rewards (starts from the latest warm-up unless --model is given).

    Example: ehrmind rl --config recipes/medcalc/rl.yaml --set training.max_steps=200
    """
    # lazy: only when this command runs
    from ehrmind.seed_papers.curriculum import run_if_curriculum  # a recipe with `stages:`, stage by stage

    # lazy: only when this command runs
    from ehrmind.stages.rl import run_rl

    if config is not None and run_if_curriculum(config, model, data, out, set_, resume, trust_remote_code,
                                                allow_download, echo=console.print):
        return
    cfg = _load("rl", config, model, data, out, set_, trust_remote_code, allow_download)
    with _resume_outcomes():
        run_rl(cfg, resume=resume, echo=console.print)


@app.command("eval")
def eval_(config: ConfigOpt = None, model: ModelOpt = None, data: DataOpt = None, out: OutOpt = None,
          set_: SetOpt = None,
          samples: Annotated[int | None, typer.Option("--samples", "-k", help="Samples per row (pass@k).")] = None,
          seed: Annotated[int | None, typer.Option("--seed", help="Sampling seed (default: training.seed); same seed, same numbers.")] = None,
          trust_remote_code: TrustOpt = False, allow_download: DownloadOpt = False,
          open_book: Annotated[bool, typer.Option("--open-book", help="Also evaluate calculator rows with the "
                                                  "calculator's card in the prompt; the report shows closed-book "
                                                  "and open-book side by side.")] = False) -> None:
    """Generate on held-out rows, grade with the reward code, write metrics.json and report.md.

    Example: ehrmind eval --model runs/rl/20261123-101500/final --data runs/data/mimic -k 12

    Example: ehrmind eval --data runs/data/medcalc --open-book     # closed-book and open-book side by side
    """
    # lazy: only when this command runs
    from ehrmind.stages.evaluate import run_eval

    sets = list(set_ or []) + ([f"eval_samples={samples}"] if samples else [])
    cfg = _load("eval", config, model, data, out, sets, trust_remote_code, allow_download)
    run_dir, metrics = run_eval(cfg, echo=console.print, open_book=open_book, seed=seed)
    _summary_table(metrics)
    if metrics.get("open_book", {}).get("rows"):
        book = metrics["open_book"]
        console.print(f"open book ({book['rows']} calculator rows): pass@1 closed-book "
                      f"{book['overall']['closed_pass@1']:.1%}, open-book {book['overall']['open_pass@1']:.1%}")
    console.print(f"report: [bold]{run_dir / 'report.md'}[/bold]")


@app.command()
def validate(recipe: Annotated[Path, typer.Argument(help="Recipe YAML to check.")],
             set_: SetOpt = None,
             check_paths: Annotated[bool, typer.Option(help="Also check that data/model paths exist.")] = False) -> None:
    """Check a recipe (types, unknown keys, reward names and weights) without loading a model.

    Example: ehrmind validate recipes/medcalc/rl.yaml
    """
    # lazy: only when this command runs
    import yaml

    # lazy: only when this command runs
    from ehrmind.overrides import parse_overrides

    # lazy: only when this command runs
    from ehrmind.recipe_check import check_recipe

    try:
        with recipe.open() as fh:  # a stream: YAML errors then name the file, not "<unicode string>"
            raw = yaml.safe_load(fh)
    except FileNotFoundError:
        raw = {}  # load_config says the file does not exist
    except yaml.YAMLError:
        raw = {}  # load_config reports the YAML error with the file name
    stage = raw.get("stage", "rl") if isinstance(raw, dict) else "rl"
    cfg = check_recipe(recipe, stage=stage, overrides=parse_overrides(set_ or []), check_paths=check_paths)
    if stage == "warmup":  # dry-run the warm-up mix: a task with no worked solutions / cards is an error
        # lazy: only when this command runs
        from ehrmind.config import BUNDLED, ConfigError

        # lazy: only when this command runs
        from ehrmind.stages.warmup import check_warmup_data

        if cfg.data.train == BUNDLED or Path(cfg.data.train).exists():
            per_task, problems = check_warmup_data(cfg)
            for task, counts in sorted(per_task.items()):
                console.print(f"  {task}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
            if problems:
                raise ConfigError(str(recipe), problems)
        else:
            console.print(f"  warm-up data not checked: {cfg.data.train} does not exist yet (ehrmind data build)")
    console.print(f"[green]ok[/green] {recipe} ({stage})")


@app.command()
def demo(out: OutOpt = None,
         examples: Annotated[Path | None, typer.Option("--examples", help="Folder with the example records (default: the clone's examples/).")] = None) -> None:
    """The whole mission on the example records: data build -> warm-up -> GRPO -> held-out eval (CPU, < 10 min).

    Prints one table (random model, after warm-up, after GRPO on the same seeded held-out rows) and says
    whether RL helped. Example: ehrmind demo --out runs
    """
    # lazy: only when this command runs
    from ehrmind.demo import results_table, run_demo

    scored, sentence, baseline = run_demo(out or "runs", examples, echo=console.print, stage=console.rule)
    console.print(results_table(scored))
    console.print(sentence, highlight=False)
    console.print(baseline, style="dim", highlight=False)


def _summary_table(metrics: dict) -> None:
    k = metrics["k"]
    cols = ["pass@1"] + ([f"pass@{k}"] if k > 1 else [])
    table = Table(title=f"evaluation summary ({k} sample(s) per row)")
    for col in ("task", "rows", "samples", *cols):
        table.add_column(col)
    for task, v in metrics["per_task"].items():
        table.add_row(task, str(v["n"]), str(v["n"] * k), *[f"{v.get(c, 0):.1%}" for c in cols])
    table.add_row("format compliance", str(metrics["rows"]), str(metrics["samples"]),
                  f"{metrics['format_compliance']:.1%}", *[""] * (len(cols) - 1))
    console.print(table)


def _mount_subcommands() -> None:
    """`ehrmind calc|data|prefer ...`, `synthesize` and `pseudo-label` live in their own modules."""
    if _state.get("mounted"):
        return
    # lazy: only when this command runs
    from ehrmind.cli import calc, data, seed_papers

    app.add_typer(calc.app, name="calc")
    app.add_typer(data.app, name="data")
    seed_papers.register(app)  # synthesize, pseudo-label, prefer build|train
    _state["mounted"] = True


def main() -> None:
    _mount_subcommands()
    try:
        app()
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # one clear message for every expected failure; traceback with --debug
        if _state["debug"] or "--debug" in sys.argv:
            raise
        console.print(f"[bold red]error:[/bold red] {exc}", highlight=False)
        console.print("(run with --debug for the traceback)", style="dim")
        raise SystemExit(1) from None


def run() -> None:
    """The process entry point (`ehrmind`, `python -m ehrmind`): `main()`, then exit (quickly when the
    command asked for it: `ehrmind.cli.teardown`)."""
    teardown.process_entry()
    try:
        main()
        code: int | str | None = 0
    except SystemExit as exc:
        code = exc.code
    teardown.exit_process(code)


if __name__ == "__main__":
    run()
