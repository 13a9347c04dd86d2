"""What `ehrmind data build` writes: the split parquet files, manifest JSON, and each source file's digest.

    write_splits(out, rows)        # <out>/{train,val,test}.parquet, one schema for every task
    write_json(out / "manifest.json", manifest)
    file_info(path)                # {"path", "bytes", "sha256"} for the manifest
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ehrmind.tasks.schema import SPLITS


def write_splits(out: Path, rows: list[dict[str, Any]]) -> None:
    import polars as pl

    schema = {
        "id": pl.Utf8, "task": pl.Utf8,
        "prompt": pl.List(pl.Struct({"role": pl.Utf8, "content": pl.Utf8})),
        "gold": pl.Utf8, "patient_id": pl.Utf8, "split": pl.Utf8, "meta": pl.Utf8,
    }  # fmt: skip
    for split in SPLITS:
        part = [r for r in rows if r["split"] == split]
        columns: dict[str, Any] = {name: [r[name] for r in part] for name in schema}  # cheaper than row dicts
        if all(columns["prompt"]):
            columns["prompt"] = _prompt_column(columns["prompt"])
        pl.DataFrame(columns, schema=schema).write_parquet(out / f"{split}.parquet")


def _prompt_column(prompts: list[list[dict[str, str]]]):
    """The chat column built from flat role/content columns, regrouped by row: polars converts a list of
    lists of dicts row by row (~6x slower). Same values and dtype; every prompt must have a message,
    since the regrouping cannot make an empty list."""
    import polars as pl

    row = [i for i, messages in enumerate(prompts) for _ in messages]
    flat = pl.DataFrame(
        {
            "row": row,
            "role": [m["role"] for messages in prompts for m in messages],
            "content": [m["content"] for messages in prompts for m in messages],
        },
        schema={"row": pl.UInt32, "role": pl.Utf8, "content": pl.Utf8},
    )
    return flat.group_by("row", maintain_order=True).agg(prompt=pl.struct("role", "content"))["prompt"]


def write_json(path: Path, obj: dict[str, Any]) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def file_info(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return {
        "path": str(Path(path).resolve()),
        "bytes": Path(path).stat().st_size,
        "sha256": digest.hexdigest(),
    }
