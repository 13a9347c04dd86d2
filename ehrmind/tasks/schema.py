"""The one task-row schema every builder writes and every trainer, reward and evaluator reads.

A row:
    id          str   unique, stable (e.g. "medcalc/train/123", "calc/anion_gap/10042/2150-03-01T08:00")
    task        str   "medcalc" | "calc" | "ehrshot/<name>" | "trial_match" | "pseudo/<task>" | ...
    prompt      list  chat messages [{"role": "system"|"user", "content": str}, ...]
    gold        str   JSON, see `GOLD_KINDS` (rewards parse it; `rewards.gold` documents every field)
    patient_id  str   for patient-level splits and the leakage check
    split       str   "train" | "val" | "test"
    meta        str   JSON object with task-specific context (calculator id, trial limits, ...)

Rows are stored as parquet (`<split>.parquet`) or JSONL, with a `manifest.json` beside them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from ehr_adapters.errors import SkippedItem

COLUMNS = ("id", "task", "prompt", "gold", "patient_id", "split", "meta")
GOLD_KINDS = ("decimal", "integer", "date", "weeks_days", "label")
SPLITS = ("train", "val", "test")


# Rows pseudo-labelled by majority vote (`ehrmind pseudo-label`) are "pseudo/<task>": derived from a family's
# rows, so they have no family of their own.
PSEUDO_PREFIX = "pseudo/"


class TaskRowError(ValueError):
    """A row or a task file does not follow the schema."""


def check_row(row: dict[str, Any], where: str = "") -> None:
    """Raise TaskRowError naming every problem with one row."""
    problems = [f"missing column {c!r}" for c in COLUMNS if c not in row]
    if not problems:
        if not isinstance(row["prompt"], list) or not all(
            isinstance(m, dict) and {"role", "content"} <= set(m) for m in row["prompt"]
        ):
            problems.append("prompt must be a list of {role, content} messages")
        try:
            gold = _read_gold(row["gold"]) if isinstance(row["gold"], str) else row["gold"]
            if gold.get("kind") not in GOLD_KINDS:
                problems.append(f"gold kind {gold.get('kind')!r} not in {GOLD_KINDS}")
        except (json.JSONDecodeError, AttributeError):
            problems.append(f"gold is not a JSON object: {str(row['gold'])[:80]!r}")
        if row["split"] not in SPLITS:
            problems.append(f"split {row['split']!r} not in {SPLITS}")
    if problems:
        raise TaskRowError(f"task row {row.get('id', '?')}{' in ' + where if where else ''}: " + "; ".join(problems))


@lru_cache(maxsize=4096)
def _read_gold(text: str) -> Any:
    # cached: label rows repeat a handful of gold texts thousands of times; callers only read the result
    return json.loads(text)


def write_jsonl(rows: Iterable[dict[str, Any]], path: Path) -> int:
    """Write rows as JSONL (one row per line), checking each; returns the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            check_row(row, str(path))
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def read_rows(path: str | Path, split: str | None = None) -> list[dict[str, Any]]:
    """Read task rows from a .jsonl/.parquet file or a directory of them (optionally one split)."""
    path = Path(path)
    if path.is_dir():
        files = sorted([*path.glob("*.jsonl"), *path.glob("*.parquet")])
        if split is not None:
            files = [f for f in files if f.stem == split]
        if not files:
            raise TaskRowError(f"no task files{' for split ' + split if split else ''} in {path}")
        rows = [r for f in files for r in read_rows(f)]
    elif path.suffix == ".jsonl":
        rows = []
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise TaskRowError(f"{path}:{lineno}: not JSON ({exc.msg})") from None
    elif path.suffix == ".parquet":
        import polars as pl

        rows = pl.read_parquet(path).to_dicts()
    else:
        raise TaskRowError(f"{path}: expected a .jsonl or .parquet file, or a directory of them")
    for row in rows:
        check_row(row, str(path))
    if split is not None:
        rows = [r for r in rows if r["split"] == split]
    return rows


# --- builder output (added for `ehrmind data build`) ---------------------------------------------------


@dataclass
class TaskRows:
    """What one task builder produced: rows without a split yet, the items it skipped (file or patient,
    position, "category: detail" reason) and counters for the manifest (e.g. gold sources)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[SkippedItem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def extend(self, other: TaskRows) -> TaskRows:
        self.rows.extend(other.rows)
        self.skipped.extend(other.skipped)
        for key, n in other.counts.items():
            self.count(key, n)
        return self


def new_row(
    row_id: str,
    task: str,
    prompt: list[dict[str, str]],
    gold: dict[str, Any],
    patient_id: str,
    meta: dict[str, Any],
) -> dict[str, Any]:
    """A task row with gold and meta serialised as JSON; `split` is filled in by the build."""
    return {
        "id": row_id,
        "task": task,
        "prompt": prompt,
        "gold": _GOLD_JSON.encode(gold),
        "patient_id": str(patient_id),
        "split": "",
        "meta": _META_JSON.encode(meta),
    }


# What json.dumps(obj, ensure_ascii=False[, default=str]) builds on every call, built once: same text.
_GOLD_JSON = json.JSONEncoder(ensure_ascii=False)
_META_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


MEDCALC_BENCH_REL_TOL = 0.05  # MedCalc-Bench's Lower/Upper Limit: the answer x 0.95 and x 1.05


def calculator_gold(
    calc: Any,
    value: Any,
    *,
    benchmark_limits: bool = False,
    exact_limit: float | None = None,
    graded_as: str | None = None,
) -> dict[str, Any]:
    """The gold of a calculator's result (kind, tolerance limits, unit and analyte from its declaration).

    Every builder of calculator rows (MedCalc-Bench, record-mined, synthetic, the bundled demo) uses this one
    function, so a row's gold never depends on which path built it. `benchmark_limits`: MedCalc-Bench rows
    keep the benchmark's limits (results stay comparable with the paper), flagged `"limits":
    "medcalc_bench"`: ±5 %, or, for a row whose published limits are its answer itself (MedCalc-Bench grades
    steroid conversion, MME and most Wells PE rows exactly), `exact_limit`: our value within the rounding
    that limit was written with (`calculators.answers.limit_slack`, as the reward reads published limits,
    e.g. ±0.0005 for "6.946"). `graded_as`: the kind the benchmark's
    evaluator grades the row as; an integer score on a row it grades as a decimal (MELD Na's ±5 %) is a
    decimal gold with those limits. Other rows use the declared tolerance (`abs_tol` where a relative one
    would pay a copied input)."""
    kind = calc.output.kind
    if benchmark_limits and kind == "integer" and graded_as == "decimal":
        kind = "decimal"
    if kind == "decimal":
        value = float(value)
        if benchmark_limits and exact_limit is not None:
            from calculators.answers import limit_slack  # lazy: this module loads no calculator code

            half = limit_slack(exact_limit)
        else:
            rel = MEDCALC_BENCH_REL_TOL if benchmark_limits else calc.output.rel_tol or 0.0
            half = max(abs(value) * rel, 0.0 if benchmark_limits else calc.output.abs_tol or 0.0)
        gold: dict[str, Any] = {"kind": "decimal", "value": value, "lower": value - half, "upper": value + half}
        if benchmark_limits:
            gold["limits"] = "medcalc_bench"
        if calc.output.unit:
            gold["unit"] = calc.output.unit
        if calc.output.analyte:
            gold["analyte"] = calc.output.analyte
    elif kind == "integer":
        gold = {"kind": "integer", "value": int(value)}
    elif kind == "date":
        gold = {"kind": "date", "value": value.isoformat() if isinstance(value, date) else str(value)}
    else:
        gold = {"kind": "weeks_days", "value": [int(value[0]), int(value[1])]}
    gold["calculator"] = calc.id
    return gold


class SingleClassError(ValueError):
    """A label task has only one gold value: a policy that always answers it is paid every time."""


def single_class_tasks(rows: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Label tasks (gold kind "label" with several choices) whose rows all carry one value: task -> value."""
    values: dict[str, set[str]] = {}
    for row in rows:
        gold = _read_gold(row["gold"]) if isinstance(row["gold"], str) else row["gold"]
        if gold.get("kind") == "label" and len(gold.get("choices") or ()) > 1:
            values.setdefault(row["task"], set()).add(str(gold.get("value")))
    return {task: next(iter(v)) for task, v in sorted(values.items()) if len(v) == 1}


def check_label_balance(rows: Iterable[dict[str, Any]], *, allow_single_class: bool = False) -> None:
    """Raise SingleClassError naming every single-class label task, unless `allow_single_class`."""
    single = single_class_tasks(rows)
    if single and not allow_single_class:
        listed = ", ".join(f"{t} (all {v!r})" for t, v in single.items())
        raise SingleClassError(
            f"{len(single)} label task(s) have a single class in the training rows: {listed}. A model that "
            "always gives that answer earns the full reward. Drop them (data.tasks), or set "
            "data.allow_single_class: true to train on them anyway."
        )
