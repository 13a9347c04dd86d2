"""Load the task rows a run trains or evaluates on, as its config says.

`data.train` / `data.eval` are "bundled" (the deterministic sample data in `ehrmind.tasks.bundled`), a
directory written by `ehrmind data build`, or one .jsonl/.parquet file. Training reads the `train` split,
evaluation the `test` split (falling back to `val`).
"""

from __future__ import annotations

from typing import Any

from ehrmind.config import BUNDLED, DataConfig
from ehrmind.tasks.bundled import DEMO_CALCULATORS, sample_rows
from ehrmind.tasks.schema import read_rows


def _bundled(config: DataConfig) -> list[dict[str, Any]]:
    ids = tuple(config.calculators) or DEMO_CALCULATORS
    return sample_rows(calculator_ids=ids)


def _filter(rows: list[dict[str, Any]], tasks: list[str]) -> list[dict[str, Any]]:
    if not tasks:
        return rows
    return [r for r in rows if any(r["task"] == t or r["task"].startswith(t + "/") for t in tasks)]


def load_split(config: DataConfig, which: str) -> list[dict[str, Any]]:
    """Rows for training ("train") or evaluation ("eval": test split, else val)."""
    source = config.train if which == "train" else config.eval
    rows = _bundled(config) if source == BUNDLED else read_rows(source)
    rows = _filter(rows, config.tasks)
    if which == "train":
        chosen = [r for r in rows if r["split"] == "train"]
        limit = config.max_train_rows
    else:
        chosen = [r for r in rows if r["split"] == "test"] or [r for r in rows if r["split"] == "val"]
        limit = config.max_eval_rows
    if not chosen:
        raise ValueError(f"no {which} rows in {source!r} (tasks filter: {config.tasks or 'none'})")
    return chosen[:limit] if limit else chosen
