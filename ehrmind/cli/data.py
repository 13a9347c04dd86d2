"""`ehrmind data build|show`: turn local extracts and benchmarks into task rows, and inspect them.

    ehrmind data build --source meds:examples/meds/mimic-iv-demo --tasks ehrshot,calc --out runs/data/mimic
    ehrmind data show runs/data/mimic --n 2 --show-prompts

The logic lives in `ehrmind.tasks.build` / `ehrmind.tasks.show`; this module only parses options and
prints a summary. Patient text is printed only by `show --show-prompts`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ehrmind.cli import teardown
from ehrmind.tasks.families.aces import PREFIX as ACES
from ehrmind.tasks.family import calculator_families, families

# `--tasks` choices and their help, from the task-family declarations (families selected by their own
# option, such as ACES's --aces, are not listed).
LISTED = [f for f in families() if not f.cli_option]
TASKS_HELP = "Comma-separated: " + ", ".join(f.help or f.name for f in LISTED) + " " + " ".join(
    f"(optional with {f.cli_option})." for f in families() if f.cli_option
)

app = typer.Typer(
    help="Build task rows from EHR extracts and benchmarks (build), and inspect a build (show).",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()


@app.command("build")
def build_cmd(
    source: Annotated[
        list[str],
        typer.Option(
            "--source",
            help="KIND:PATH, repeatable. KIND: meds (folder or .parquet), fhir (bundle .json, folder "
            "of bundles or bulk NDJSON folder), medcalc-bench (CSV or folder of CSVs), trec-ct (folder).",
        ),
    ],
    tasks: Annotated[
        str | None,
        typer.Option(
            "--tasks",
            help=TASKS_HELP,
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Output directory (train/val/test.parquet + manifest.json).")
    ] = ...,
    seed: Annotated[int, typer.Option(help="Seed for splits and sampling.")] = 0,
    split: Annotated[str, typer.Option(help="Train,val,test patient ratios.")] = "0.8,0.1,0.1",
    strict: Annotated[
        bool, typer.Option("--strict", help="Stop at the first bad item instead of skipping it.")
    ] = False,
    max_per_task: Annotated[
        int | None,
        typer.Option("--max-per-task", help="Keep at most N rows per task (seeded sample).", min=1),
    ] = None,
    max_tokens: Annotated[
        int,
        typer.Option(
            "--max-tokens", help="Token budget of a serialized record (calc, ehrshot prompts).", min=64
        ),
    ] = 1024,
    per_patient: Annotated[
        int, typer.Option("--per-patient", help="Mined calculator tasks per patient and calculator.", min=1)
    ] = 2,
    tokenizer: Annotated[
        str | None,
        typer.Option(
            "--tokenizer", help="Local tokenizer directory to count tokens exactly (default: ~4 chars/token)."
        ),
    ] = None,
    labels: Annotated[
        list[Path] | None,
        typer.Option(
            "--labels",
            help="EHRSHOT label file(s) (labeled_patients.csv in a task-named folder, or a MEDS label "
            "parquet), repeatable: used instead of recomputing those tasks' labels.",
        ),
    ] = None,
    aces: Annotated[
        Path | None,
        typer.Option(
            "--aces",
            help="ACES task config (YAML, es-aces): its cohort and labels over the meds source become "
            f"task '{ACES}<file stem>' (yes/no). Needs pip install 'ehrmind[aces]'. See docs/aces.md.",
        ),
    ] = None,
    aces_predicates: Annotated[
        Path | None,
        typer.Option(
            "--predicates",
            help="ACES predicates YAML overriding the --aces config's predicates (your dataset's codes).",
        ),
    ] = None,
    open_book: Annotated[
        bool,
        typer.Option(
            "--open-book",
            help="Put the calculator's card (as `ehrmind calc show` prints it: inputs with units, formula or "
            f"rules) in the prompt of calculator rows ({', '.join(calculator_families())}): the open-book baseline.",
        ),
    ] = False,
    keep_unanswerable: Annotated[
        bool,
        typer.Option(
            "--keep-unanswerable",
            help="Keep EHRSHOT lab rows whose record has no earlier result of the test (EHRSHOT keeps "
            "them; by default they are skipped and counted in the manifest).",
        ),
    ] = False,
    include_blood_gas: Annotated[
        bool,
        typer.Option(
            "--include-blood-gas",
            help="EHRSHOT lab tasks also read MIMIC blood-gas (whole-blood) items; default: serum/plasma "
            "chemistry and hematology only (docs/ehrshot.md).",
        ),
    ] = False,
    edition: Annotated[
        str | None,
        typer.Option(
            "--edition",
            help="Calculator definitions for golds: source (primary publications), v1.0 or verified (those "
            "MedCalc-Bench releases). Default: each MedCalc-Bench file's own edition (detected from its rows, "
            "name and size), source for record-mined rows. Recorded in every calculator row's meta.",
        ),
    ] = None,
) -> None:
    """Build task rows with patient-level splits, a leakage check and a manifest.

    Example: ehrmind data build --source meds:examples/meds/mimic-iv-demo --tasks ehrshot,calc --out runs/data/mimic

    Example: ehrmind data build --source trec-ct:examples/trec-ct --tasks trial_match --out runs/data/trec

    Example: ehrmind data build --source meds:examples/meds/mimic-iv-demo --aces recipes/aces/readmission_30d.yaml --predicates recipes/aces/predicates/mimic_iv.yaml --out runs/data/aces
    """
    # lazy: only when this command runs
    from calculators.editions import check_edition

    # lazy: only when this command runs
    from ehrmind.tasks.build import BuildError, BuildOptions, build, parse_source, parse_tasks

    # lazy: only when this command runs
    from ehrmind.tasks.splits import parse_ratios

    with _clean_errors():
        if tasks is None and aces is None:
            raise BuildError("give --tasks (or --aces TASK.yaml); choose from: " + ", ".join(f.name for f in LISTED))
        if aces_predicates is not None and aces is None:
            raise BuildError("--predicates overrides an ACES config's predicates: give --aces TASK.yaml too")
        options = BuildOptions(
            sources=[parse_source(s) for s in source],
            tasks=[*(parse_tasks(tasks) if tasks else []), *([f.name for f in families() if f.cli_option == "--aces"] if aces else [])],
            out=out,
            seed=seed,
            split=parse_ratios(split),
            strict=strict,
            max_per_task=max_per_task,
            max_tokens=max_tokens,
            per_patient=per_patient,
            tokenizer=tokenizer,
            labels=list(labels or []),
            aces=aces,
            aces_predicates=aces_predicates,
            open_book=open_book,
            keep_unanswerable=keep_unanswerable,
            include_blood_gas=include_blood_gas,
            edition=None if edition is None else check_edition(edition),
        )
        if tokenizer:  # the only data command that loads transformers: quiet its bars as training does
            # lazy: only when this command runs
            from ehrmind.stages.progress import silence_progress_bars

            silence_progress_bars()
        manifest = build(options, keep=teardown.leave)  # freed by the OS at exit, not object by object
    table = Table(title=f"task rows written to {out}")
    for column in ("task", "train", "val", "test", "total"):
        table.add_column(column, justify="left" if column == "task" else "right")
    for task, counts in manifest["counts"].items():
        table.add_row(task, *[str(counts[c]) for c in ("train", "val", "test", "total")])
    console.print(table)
    skipped = manifest["skipped"]
    if skipped["total"]:
        reasons = ", ".join(f"{reason} {n}" for reason, n in list(skipped["by_reason"].items())[:5])
        console.print(
            f"skipped {skipped['total']} item(s): {reasons} (all in manifest.json)", highlight=False
        )
    for warning in manifest.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    console.print(f"manifest: {out / 'manifest.json'}", highlight=False)
    teardown.skip_teardown()  # the parquet files and the manifest are closed: exit without freeing objects


@app.command("show")
def show_cmd(
    directory: Annotated[Path, typer.Argument(help="A directory written by `ehrmind data build`.")],
    n: Annotated[int, typer.Option("--n", help="Example rows per task.", min=0)] = 2,
    show_prompts: Annotated[
        bool,
        typer.Option("--show-prompts", help="Also print prompts and row ids (they contain patient text)."),
    ] = False,
) -> None:
    """Print counts per task and split, skip reasons and example rows of a build.

    Example: ehrmind data show runs/data/mimic --n 2 --show-prompts
    """
    # lazy: only when this command runs
    from ehrmind.tasks.show import show

    with _clean_errors():
        show(directory, n=n, show_prompts=show_prompts, console=console)


@contextmanager
def _clean_errors() -> Iterator[None]:
    """Typed input errors (bad source, bad row in --strict, leakage) become one message and exit code 1."""
    # lazy: only when this command runs
    from calculators.editions import EditionError

    # lazy: only when this command runs
    from ehr_adapters.errors import AdapterError

    # lazy: only when this command runs
    from ehrmind.tasks.build import BuildError

    # lazy: only when this command runs
    from ehrmind.tasks.schema import TaskRowError

    # lazy: only when this command runs
    from ehrmind.tasks.splits import LeakageError, SplitError

    try:
        yield
    except (AdapterError, BuildError, TaskRowError, LeakageError, SplitError, EditionError) as exc:
        from rich.markup import escape  # messages may hold brackets, e.g. pip install 'ehrmind[aces]'

        Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/bold red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None
