"""`ehrmind calc`: list, explain, run, validate and audit the clinical calculators.

    ehrmind calc list                                         # every calculator, its inputs and source
    ehrmind calc show ckd_epi_2021                            # the card plus a worked example
    ehrmind calc run ckd_epi_2021 creatinine="1.2 mg/dL" age=60 sex=female
    ehrmind calc validate                                     # golden examples + unit invariance
    ehrmind calc audit train_sample.csv --out audit.json      # recompute MedCalc-Bench labels
    ehrmind calc run meld_na --edition verified ...           # MedCalc-Bench Verified's definition (MELD 3.0)

Editions (`--edition`): `source` (default, the primary publications), `v1.0` and `verified` (the definitions
of those MedCalc-Bench releases); see calculators/editions.py and docs/calculators.md.

A thin layer over the `calculators` package: every number printed here comes from the calculator
declarations. Errors print one message and exit 1 (no traceback). Calculators registered but not written
yet are listed as "not implemented" instead of breaking the listing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

import calculators
from calculators.audit import AuditError, audit_csv
from calculators.checks import check_calculator, example_inputs_text, load_available
from calculators.editions import (
    EDITIONS,
    EditionError,
    check_edition,
    differences,
    edition_lines,
    edition_summary,
    for_edition,
)
from calculators.errors import CalculatorError, UnknownCalculatorError
from calculators.spec import Calculator, format_value
from calculators.units import display_unit

app = typer.Typer(
    help="Clinical calculators: list, show, run, validate against golden cases, audit MedCalc-Bench labels.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
EditionOpt = Annotated[
    str,
    typer.Option(
        "--edition",
        help=f"Definitions to use: {', '.join(EDITIONS)} (source = primary publications; v1.0 / verified = "
        "those MedCalc-Bench releases' definitions, e.g. verified's MELD 3.0).",
    ),
]


def _edition(edition: str | None) -> str | None:
    try:
        return None if edition is None else check_edition(edition)
    except EditionError as exc:
        _fail(str(exc))


def _fail(message: str) -> NoReturn:
    err_console.print(f"[bold red]error:[/bold red] {escape(message)}", highlight=False)
    raise typer.Exit(1)


def _calculator(calc_id: str) -> Calculator:
    try:
        return calculators.get(calc_id)
    except UnknownCalculatorError as exc:
        _fail(str(exc))
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("calculators.defs."):
            raise  # a dependency missing from a written module is a bug, not "not implemented"
        _fail(f"calculator {calc_id!r} is registered but not implemented yet")


def _unit(unit: str | None) -> str:
    return display_unit(unit) if unit else ""


def _summary(calc: Calculator) -> dict[str, Any]:
    return {
        "id": calc.id,
        "medcalc_id": calc.medcalc_id,
        "name": calc.name,
        "category": calc.category,
        "status": "ok",
        "inputs": [
            {"name": i.name, "kind": i.kind, "unit": i.unit, "required": i.required} for i in calc.inputs
        ],
        "output": {"kind": calc.output.kind, "unit": calc.output.unit},
        "citation": {"text": calc.citation.text, "doi": calc.citation.doi, "pmid": calc.citation.pmid},
        "editions": edition_summary(calc),
    }


@app.command("list")
def list_(json_out: JsonOpt = False) -> None:
    """List every registered calculator: id, MedCalc-Bench id, name, inputs with units, citation.

    Example: ehrmind calc list --json
    """
    loaded, missing = load_available()
    if json_out:
        rows = [_summary(c) for c in loaded]
        rows += [{"id": name, "status": reason} for name, reason in missing.items()]
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(
        title=f"{len(loaded)} calculators" + (f" ({len(missing)} not implemented)" if missing else "")
    )
    for column in ("id", "MedCalc-Bench", "name", "inputs", "citation", "editions"):
        table.add_column(column, overflow="fold")
    for calc in loaded:
        inputs = ", ".join(f"{i.name}{f' [{_unit(i.unit)}]' if i.unit else ''}" for i in calc.inputs)
        ids = " ".join(
            x
            for x in (
                f"doi:{calc.citation.doi}" if calc.citation.doi else "",
                f"PMID:{calc.citation.pmid}" if calc.citation.pmid else "",
            )
            if x
        )
        table.add_row(
            calc.id,
            str(calc.medcalc_id or ""),
            escape(calc.name),
            escape(inputs),
            escape(ids or "—"),
            escape(edition_summary(calc)),
        )
    for name, reason in missing.items():
        table.add_row(name, "", f"[dim]{escape(reason)}[/dim]", "", "", "")
    console.print(table)


@app.command()
def show(
    calc_id: Annotated[str, typer.Argument(metavar="ID", help="Calculator id or MedCalc-Bench id.")],
    edition: EditionOpt = "source",
) -> None:
    """Show a calculator's card (inputs, formula, output, source, editions) and a worked example.

    Example: ehrmind calc show meld_na --edition verified
    """
    source = _calculator(calc_id)
    calc = for_edition(source, _edition(edition))
    console.print(escape(source.describe(_edition(edition))), highlight=False)
    console.print("Editions:\n" + escape("\n".join(edition_lines(source))), highlight=False)
    if calc is not source:
        return  # examples are the primary source's worked cases
    if not calc.examples:
        console.print("\n(no worked example declared)")
        return
    example = calc.examples[0]
    result = calc.evaluate(example.inputs)
    console.rule("worked example")
    console.print(escape(f"ehrmind calc run {calc.id} {example_inputs_text(example)}"), highlight=False)
    console.print(escape(result.rationale), highlight=False)
    console.print(
        escape(f"expected {format_value(example.expected, calc.output.decimals)} ({example.source})"),
        style="dim",
        highlight=False,
    )


def _parse_pairs(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            _fail(f'expected name=value, got {pair!r} (e.g. creatinine="1.2 mg/dL")')
        values[name.strip()] = value.strip()
    return values


@app.command()
def run(
    calc_id: Annotated[str, typer.Argument(metavar="ID", help="Calculator id or MedCalc-Bench id.")],
    values: Annotated[
        list[str] | None, typer.Argument(metavar="NAME=VALUE...", help="Inputs, units included.")
    ] = None,
    json_out: JsonOpt = False,
    canonical: Annotated[
        bool,
        typer.Option(
            "--canonical", help="Read bare numbers in each input's canonical unit (see `calc show`)."
        ),
    ] = False,
    edition: EditionOpt = "source",
) -> None:
    """Compute one calculator from NAME=VALUE inputs; prints the value and the step-by-step rationale.

    Example: ehrmind calc run ckd_epi_2021 creatinine="1.2 mg/dL" age=60 sex=female
    """
    calc = for_edition(_calculator(calc_id), _edition(edition))
    try:
        result = calc.evaluate(_parse_pairs(values or []), assume_canonical=canonical)
    except CalculatorError as exc:
        _fail(str(exc))
    if json_out:
        typer.echo(json.dumps({**result.to_json(), "edition": calc.edition}, ensure_ascii=False))
        return
    unit = f" {result.unit}" if result.unit else ""
    console.print(
        f"[bold]{escape(calc.output.label)} = {result.display_value(calc.output.decimals)}{escape(unit)}"
        "[/bold]",
        highlight=False,
    )
    console.print(escape(result.rationale), highlight=False)
    console.print(f"edition: {calc.edition}", style="dim", highlight=False)


@app.command()
def validate(
    ids: Annotated[
        list[str] | None, typer.Argument(metavar="[ID...]", help="Only these calculators.")
    ] = None,
) -> None:
    """Run every calculator's golden examples and unit-invariance checks (each edition's definition too, as
    ID@EDITION); exit 1 on any failure.

    Example: ehrmind calc validate ckd_epi_2021 due_date
    """
    loaded, missing = load_available()
    if ids:
        wanted = {_calculator(i).id for i in ids}
        loaded = [c for c in loaded if c.id in wanted]
        missing = {}
    table = Table(title="calculator self-checks")
    for column in ("id", "examples", "unit invariance", "status"):
        table.add_column(column)
    failures = []
    # Each edition that changes a definition is checked too (its own golden examples), as "id@edition".
    targets = [
        target
        for c in loaded
        for target in [(c, c.id), *[(for_edition(c, e), f"{c.id}@{e}") for e, v in differences(c) if v.changes]]
    ]
    for calc, label in targets:
        results = check_calculator(calc)
        examples = [r for r in results if r.check.startswith("example") and ": " not in r.check]
        units = [r for r in results if r not in examples]
        bad = [r for r in results if not r.ok]
        failures += bad
        status = "[green]ok[/green]" if not bad else f"[red]{len(bad)} failed[/red]"
        table.add_row(label, _passed(examples), _passed(units), status)
    for name, reason in missing.items():
        table.add_row(name, "", "", f"[dim]{escape(reason)}[/dim]")
    console.print(table)
    for failure in failures:
        console.print(
            f"[red]FAIL[/red] {failure.calculator_id} {escape(failure.check)}: {escape(failure.detail)}",
            highlight=False,
        )
    if failures:
        raise typer.Exit(1)


def _print_row_errors(rows: list[dict], shown: int = 20) -> None:
    """Why rows could not be judged: the first line of each reason (it names the calculator and the key
    or input; entity values stay in the --out file), so an unmapped key is never a silent count."""
    errors = [r for r in rows if r["status"] == "error"]
    if not errors:
        return
    console.print(f"[bold]{len(errors)} row error(s)[/bold] (first line of each reason; --out has them in full):")
    for record in errors[:shown]:
        first = str(record["reason"]).splitlines()[0] if record["reason"] else "(no reason)"
        console.print(f"  row {record['row_number']}: {escape(first)}", highlight=False)
    if len(errors) > shown:
        console.print(f"  … and {len(errors) - shown} more")


def _passed(results: list) -> str:
    return f"{sum(r.ok for r in results)}/{len(results)}" if results else "—"


@app.command()
def audit(
    path: Annotated[
        Path, typer.Argument(metavar="PATH.csv", help="A MedCalc-Bench CSV (train/test/Verified).")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the full audit (every row) as JSON.")
    ] = None,
    edition: Annotated[
        str | None,
        typer.Option(
            "--edition",
            help="Definitions to recompute with (source, v1.0, verified); default: the file's own edition, "
            "detected from the rows (Output Type labels, MELD 3.0 explanations), file name and row count.",
        ),
    ] = None,
) -> None:
    """Recompute every MedCalc-Bench row from its entities and compare with the published answer.

    Example: ehrmind calc audit examples/medcalc-bench/train_slice.csv --out audit.json

    Example: ehrmind calc audit examples/medcalc-bench/one_shot_verified.csv   # audited as verified
    """
    if not path.is_file():
        _fail(f"no such file: {path}")
    try:
        report = audit_csv(path, _edition(edition))
    except (AuditError, EditionError) as exc:
        _fail(str(exc))
    console.print(f"edition: {report['edition']} ({escape(report['edition_reason'])})", highlight=False)
    names = {c.medcalc_id: c.id for c in load_available()[0]}
    table = Table(title=f"MedCalc-Bench audit of {path.name}")
    for column in ("MedCalc-Bench id", "calculator", "rows", "agree", "disagree", "error"):
        table.add_column(
            column, justify="right" if column in ("rows", "agree", "disagree", "error") else "left"
        )
    for medcalc_id, counts in report["per_calculator"].items():
        name = names.get(int(medcalc_id)) if medcalc_id.isdigit() else None
        table.add_row(
            medcalc_id,
            name or "[dim]not implemented[/dim]",
            str(counts["total"]),
            str(counts["agree"]),
            str(counts["disagree"]),
            str(counts["error"]),
        )
    table.add_row(
        "all",
        "",
        str(report["total"]),
        str(report["agree"]),
        str(report["disagree"]),
        str(report["error"]),
        style="bold",
    )
    console.print(table)
    _print_row_errors(report["rows"])
    if out is not None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot write {out}: {exc}")
        console.print(f"audit written to [bold]{escape(str(out))}[/bold]")
