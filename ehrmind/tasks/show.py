"""`ehrmind data show`: what a build produced, without printing patient text unless asked.

Prints the manifest's counts per task and split, the skip reasons, the gold kinds and labels per task,
then a few example rows per task: gold and prompt size by default; the rendered prompt messages (which
contain patient text) and row ids only with `show_prompts=True`.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ehrmind.tasks.schema import SPLITS, TaskRowError, read_rows


def load_build(directory: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(manifest, rows) of a build directory; raises TaskRowError when it is not one."""
    directory = Path(directory)
    manifest_path = directory / "manifest.json"
    if not manifest_path.exists():
        raise TaskRowError(f"{directory}: no manifest.json; is this an `ehrmind data build --out` directory?")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    rows = read_rows(directory) if any(directory.glob("*.parquet")) or any(directory.glob("*.jsonl")) else []
    return manifest, rows


def show(
    directory: str | Path, *, n: int = 2, show_prompts: bool = False, console: Console | None = None
) -> None:
    """Print stats and `n` example rows per task."""
    console = console or Console()
    manifest, rows = load_build(directory)
    console.print(
        f"[bold]{directory}[/bold]  ehrmind {manifest.get('ehrmind_version', '?')}  "
        f"sources: {', '.join(s['kind'] + ':' + s['path'] for s in manifest.get('sources', []))}"
    )
    table = Table(title="rows per task and split")
    for column in ("task", *SPLITS, "total", "gold"):
        table.add_column(column, justify="left" if column in ("task", "gold") else "right")
    by_task: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_task.setdefault(row["task"], []).append(row)
    for task, group in sorted(by_task.items()):
        splits = Counter(r["split"] for r in group)
        table.add_row(task, *[str(splits.get(s, 0)) for s in SPLITS], str(len(group)), _gold_summary(group))
    console.print(table)
    splits = manifest.get("splits", {})
    if splits:
        console.print("patients per split: " + ", ".join(f"{s} {v['patients']}" for s, v in splits.items()))
    skipped = manifest.get("skipped", {})
    if skipped.get("total"):
        console.print(f"skipped items: {skipped['total']}")
        for reason, count in list(skipped.get("by_reason", {}).items())[:12]:
            console.print(f"  {count:>7}  {reason}")
    for warning in manifest.get("warnings", []):  # single-class tasks, unanswerable rows, ...
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    for task, group in sorted(by_task.items()):
        console.rule(task)
        for row in group[:n]:
            _show_row(console, row, show_prompts)
    if not show_prompts:
        console.print(
            "[dim]prompts hidden (they contain patient text): add --show-prompts to print them[/dim]"
        )


def _gold_summary(group: list[dict[str, Any]]) -> str:
    golds = [json.loads(r["gold"]) for r in group]
    kinds = Counter(g["kind"] for g in golds)
    if set(kinds) == {"label"}:
        labels = Counter(str(g["value"]) for g in golds)
        return ", ".join(f"{k} {v}" for k, v in labels.most_common(5))
    calcs = Counter(g.get("calculator") for g in golds if g.get("calculator"))
    text = ", ".join(f"{k} {v}" for k, v in kinds.most_common())
    return text + (f"; {len(calcs)} calculators" if calcs else "")


def _show_row(console: Console, row: dict[str, Any], show_prompts: bool) -> None:
    meta = json.loads(row["meta"]) if isinstance(row["meta"], str) else row["meta"]
    size = sum(len(m["content"]) for m in row["prompt"])
    extra = {k: meta[k] for k in ("calculator", "gold_source", "ehrshot_task", "nct_id") if k in meta}
    head = f"[bold]{row['split']}[/bold] gold={row['gold']} prompt={size} chars {extra if extra else ''}"
    if show_prompts:
        head = f"[bold]{row['id']}[/bold] patient={row['patient_id']} " + head
    console.print(head, highlight=False, markup=True)
    if show_prompts:
        for message in row["prompt"]:
            console.print(f"[dim]--- {message['role']} ---[/dim]")
            console.print(message["content"], markup=False, highlight=False)
    console.print()
