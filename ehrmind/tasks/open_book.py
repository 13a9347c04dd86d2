"""Open-book prompts: the calculator's card (what it measures, inputs with units, formula or point rules,
output, source: `Calculator.describe()`, the card `ehrmind calc show` prints) put in front of the question.

    rows, n = open_book_rows(rows)          # calculator rows get the card; other rows are returned unchanged
    closed = closed_book_rows(rows)          # the same rows without it (exact inverse)

Why: recent papers compare RL on calculator tasks against open-book prompting (the formula in the prompt),
which is the fair baseline for "did training teach the model the calculator, or only how to apply it?".
`ehrmind data build --open-book` writes open-book rows; `ehrmind eval --open-book` evaluates the same model on
the same calculator rows closed-book and open-book and reports both columns (`compare_books`).

The card goes at the start of the user message, between fixed delimiters, so it can be removed exactly and a
row is never given two cards. Calculator rows are tasks `medcalc` and `calc` (and `calc/...`), recognised by
the calculator id in their gold; the worked example of `calc show` is left out (that would be one-shot, a
different baseline).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import calculators
from ehrmind.tasks.family import calculator_families

CARD_OPEN = "Reference card for the calculator to use:\n"
CARD_CLOSE = "\n(end of reference card)\n\n"


@cache
def card(calculator_id: str, edition: str | None = None) -> str:
    """The calculator's card, as `ehrmind calc show [--edition E]` prints it (without the worked example):
    the definition of the row's edition (a Verified MELD row gets the MELD 3.0 card)."""
    calc = calculators.get(calculator_id)
    return calc.describe() if edition in (None, "source") else calc.describe(edition)


def _edition_of(row: dict[str, Any]) -> str | None:
    """The calculator edition recorded in the row's meta (issue 16), None when absent."""
    value = row.get("meta")
    data = json.loads(value) if isinstance(value, str) else (value or {})
    return data.get("edition") if isinstance(data, dict) else None


def calculator_of(row: dict[str, Any]) -> str | None:
    """The calculator id of a calculator-task row (from its gold, else its meta), else None."""
    if row["task"].split("/", 1)[0] not in calculator_families():
        return None
    for column in ("gold", "meta"):
        value = row.get(column)
        data = json.loads(value) if isinstance(value, str) else (value or {})
        if isinstance(data, dict) and data.get("calculator"):
            return str(data["calculator"])
    return None


def _block(calculator_id: str, edition: str | None = None) -> str:
    return f"{CARD_OPEN}{card(calculator_id, edition)}{CARD_CLOSE}"


def has_card(row: dict[str, Any]) -> bool:
    calc = calculator_of(row)
    return calc is not None and _user(row)["content"].startswith(_block(calc, _edition_of(row)))


def _user(row: dict[str, Any]) -> dict[str, str]:
    users = [m for m in row["prompt"] if m["role"] == "user"]
    if not users:
        raise ValueError(f"row {row['id']}: no user message to put the calculator card in")
    return users[0]


def _with_user(row: dict[str, Any], content: str, open_book: bool) -> dict[str, Any]:
    user = _user(row)
    prompt = [{**m, "content": content} if m is user else dict(m) for m in row["prompt"]]
    meta = json.loads(row["meta"]) if isinstance(row.get("meta"), str) else dict(row.get("meta") or {})
    meta["open_book"] = open_book
    return {**row, "prompt": prompt, "meta": json.dumps(meta, ensure_ascii=False, default=str)}


def open_book_row(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its calculator's card at the start of the user message (unchanged if it has one)."""
    calc = calculator_of(row)
    if calc is None or has_card(row):
        return row
    return _with_user(row, _block(calc, _edition_of(row)) + _user(row)["content"], True)


def closed_book_row(row: dict[str, Any]) -> dict[str, Any]:
    """The row without its calculator card (unchanged if it has none)."""
    if not has_card(row):
        return row
    calc = calculator_of(row)
    assert calc is not None  # has_card implies a calculator
    return _with_user(row, _user(row)["content"].removeprefix(_block(calc, _edition_of(row))), False)


def open_book_rows(rows: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """(rows with cards on calculator rows, how many rows got a card)."""
    out, n = [], 0
    for row in rows:
        new = open_book_row(row)
        n += new is not row
        out.append(new)
    return out, n


def closed_book_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [closed_book_row(r) for r in rows]


def compare_books(closed: dict[str, Any], opened: dict[str, Any]) -> dict[str, Any]:
    """Side-by-side pass@1 (and pass@k) of two `evaluate.summarize` results over the same calculator rows."""
    k = closed["k"]

    def pair(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"n": a.get("n", 0)}
        for metric in ("pass@1", f"pass@{k}"):
            if metric in a or metric in b:
                out[f"closed_{metric}"] = a.get(metric)
                out[f"open_{metric}"] = b.get(metric)
        return out

    return {
        "k": k,
        "rows": closed["rows"],
        "overall": pair(closed["overall"], opened["overall"]),
        "format_compliance": {"closed": closed["format_compliance"], "open": opened["format_compliance"]},
        "per_task": {t: pair(v, opened["per_task"].get(t, {})) for t, v in closed["per_task"].items()},
        "per_calculator": {
            c: pair(v, opened["per_calculator"].get(c, {})) for c, v in closed["per_calculator"].items()
        },
    }


def report_section(comparison: dict[str, Any]) -> str:
    """Markdown: closed-book and open-book columns for the same model and rows."""

    def pct(x: Any) -> str:
        return f"{x:.1%}" if isinstance(x, (int, float)) else "—"

    def table(groups: dict[str, dict[str, Any]], label: str) -> list[str]:
        lines = [
            f"| {label} | n | closed-book pass@1 | open-book pass@1 | difference |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, v in groups.items():
            a, b = v.get("closed_pass@1"), v.get("open_pass@1")
            diff = (
                f"{(b - a) * 100:+.1f} pts"
                if isinstance(a, (int, float)) and isinstance(b, (int, float))
                else "—"
            )
            lines.append(f"| {name} | {v['n']} | {pct(a)} | {pct(b)} | {diff} |")
        return lines

    fc = comparison["format_compliance"]
    return "\n".join(
        [
            "## Open-book vs closed-book (same model, same calculator rows)",
            "",
            "Open-book prompts start with the calculator's card (`ehrmind calc show`: inputs with units, formula "
            f"or rules, output, source). {comparison['rows']} calculator rows; format compliance closed "
            f"{pct(fc['closed'])}, open {pct(fc['open'])}.",
            "",
            *table({"all calculator rows": comparison["overall"]}, "rows"),
            "",
            *table(comparison["per_task"], "task"),
            "",
            *table(comparison["per_calculator"], "calculator"),
            "",
        ]
    )


def append_report(run_dir: Path, comparison: dict[str, Any]) -> None:
    """Add the open-book section to `<run_dir>/report.md` (written by `ehrmind.stages.report`)."""
    path = Path(run_dir) / "report.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Evaluation\n"
    path.write_text(text.rstrip("\n") + "\n\n" + report_section(comparison), encoding="utf-8")
