"""`ehrmind data build`: sources -> task rows -> patient-level splits -> parquet + manifest.json.

    build(BuildOptions(sources=[parse_source("meds:../shared/data/mimic-iv-demo-meds")],
                       tasks=["ehrshot", "calc"], out=Path("runs/data/mimic")))

Sources are `KIND:PATH` with KIND one of `ehrmind.tasks.sources.READERS`; each task family (its declaration
in `ehrmind/tasks/families/`) is built from every source that can supply it (`source_tasks()`). The build
writes `<out>/{train,val,test}.parquet` and `<out>/manifest.json` (counts per task and split, every skipped
item with its reason, sha256 of each source file, the resolved options, the ehrmind version). Nothing is
written when the leakage check fails. Why one orchestrator: every task gets the same splitting, capping,
leakage check and manifest, whatever its source.
"""

from __future__ import annotations

import gc
import random
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from ehr_adapters.errors import SkippedItem
from ehrmind.tasks.family import TaskFamily, families
from ehrmind.tasks.open_book import open_book_rows
from ehrmind.tasks.schema import SPLITS, TaskRows, check_row, single_class_tasks
from ehrmind.tasks.sources import (
    READERS,
    RECORD_KINDS,
    BuildContext,
    BuildError,
    BuildOptions,
    Source,
    load,
    parse_source,
    serializer,
)
from ehrmind.tasks.splits import assign_splits, check_leakage, drop_conflicting_duplicates
from ehrmind.tasks.write import file_info, write_json, write_splits

__all__ = ["BuildError", "BuildOptions", "Source", "build", "parse_source", "parse_tasks", "source_tasks"]
MAX_SKIPPED_ITEMS = 1000  # per manifest; counts by reason are always complete


def source_tasks() -> dict[str, tuple[str, ...]]:
    """Which task families each source kind can supply (from the family declarations)."""
    return {kind: tuple(f.name for f in families() if kind in f.sources) for kind in READERS}


def parse_tasks(text: str | Sequence[str]) -> list[str]:
    """ "ehrshot,calc" -> ["ehrshot", "calc"]; accepts ehrshot/<name>; raises BuildError on unknown tasks."""
    items = [t.strip() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    names = [f.name for f in families()]
    if not items:
        raise BuildError("--tasks is empty; choose from: " + ", ".join(names))
    by_name = {f.name: f for f in families()}
    for item in items:
        family, sep, _ = item.partition("/")
        if family not in by_name or (sep and not by_name[family].subtasks):
            hints = " or ".join(f.selector for f in families() if f.selector)
            hint = f" (or {hints})" if hints else ""
            raise BuildError(f"unknown task {item!r}; choose from: {', '.join(names)}{hint}")
    return list(dict.fromkeys(items))


def build(options: BuildOptions, *, keep: Callable[[Any], None] | None = None) -> dict[str, Any]:
    """Run the build; returns the manifest (also written to `<out>/manifest.json`). `keep` receives the
    build's working data when it is done, instead of it being freed (a command that exits without freeing
    objects, `ehrmind.cli.teardown`, saves the ~0.25 s this takes after a MIMIC demo build)."""
    with _cyclic_gc_paused():
        return _build(options, keep)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector: a build allocates millions of small objects (rows, prompt lines,
    parsed values) that reference counting frees, and the collector would walk them all again at every
    full collection (~1 s of the MIMIC demo build). Cycles made meanwhile are collected once it resumes."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(options: BuildOptions, keep: Callable[[Any], None] | None) -> dict[str, Any]:
    selected = _selected_families(options)
    built = TaskRows()
    source_info: list[dict[str, Any]] = []
    fixed_splits: dict[str, str] = {}
    render = serializer(options) if any(s.kind in RECORD_KINDS for s in options.sources) else None
    preparing = _start_preparing(selected, options)
    for source in options.sources:
        loaded = load(source, options)
        context = BuildContext(source, options, loaded, render)
        families_here = [f for f in selected if source.kind in f.sources]
        for family in families_here:  # starts background work, e.g. EHRSHOT's labels while calc rows are built
            prefetch = family.prefetcher()
            if prefetch is not None:
                context.prefetched[family.name] = prefetch(context)
        for thread in preparing:  # builders never run alongside a family's preparation
            thread.join()
        for family in families_here:  # in declared order: rows and skipped items come out in a stable order
            built.extend(family.builder()(context))
        fixed_splits.update(loaded.fixed_splits())
        read = loaded.report.to_dict(max_items=0)
        read.pop("skipped", None)
        source_info.append(
            {
                "kind": source.kind,
                "path": str(source.path),
                "files": [file_info(f) for f in loaded.files],
                "read": read,
            }
        )
        for item in loaded.report.skipped:
            built.skipped.append(item)  # read-stage skips go in the one skipped list too
    rows, conflicting = drop_conflicting_duplicates(_gradeable(built, options.strict))
    built.skipped.extend(SkippedItem("build", row_id, reason) for row_id, reason in conflicting)
    rows = _cap(rows, options.max_per_task, options.seed, built)
    if options.open_book:
        rows, n_cards = open_book_rows(rows)
        built.count("open_book_cards", n_cards)
    _check_unique_ids(rows)
    manifest = _manifest(options, source_info, built, rows)
    out = Path(options.out)
    # An empty task is not an error (a bulk export may hold no measurements), but it is never silent.
    manifest["warnings"] = [
        f"task {task!r} produced no rows: see builders counts and skipped reasons"
        for task in options.tasks
        if not any(r["task"] == task or r["task"].startswith(task + "/") for r in rows)
    ]
    manifest["warnings"] += _data_warnings(rows, built)
    split_of = assign_splits(rows, options.split, options.seed, fixed=fixed_splits)
    manifest["leakage_check"] = check_leakage(rows)  # raises before anything is written
    manifest["split_method"] = "source splits + seeded" if fixed_splits else "seeded, patient-level"
    _add_counts(manifest, rows, split_of)
    manifest["warnings"] += _empty_split_warnings(manifest, options.split)
    for row in rows:
        check_row(row, str(out))
    out.mkdir(parents=True, exist_ok=True)
    write_splits(out, rows)
    write_json(out / "manifest.json", manifest)
    if keep is not None:
        keep((built, rows, context))  # the rows, skipped items, timelines and rendered prompts
    return manifest


def _start_preparing(selected: list[TaskFamily], options: BuildOptions) -> list[threading.Thread]:
    """Run each selected family's `prepare` in a background thread (its module is imported there too).
    Reading a source is mostly polars work that releases the GIL, so imports and formula compilation
    overlap it (~0.5 s of a MIMIC demo build on 2 cores)."""
    threads = []
    for family in selected:
        if family.prepare:
            thread = threading.Thread(target=_quietly, args=(family, options), name=f"prepare-{family.name}",
                                      daemon=True)  # fmt: skip
            thread.start()
            threads.append(thread)
    return threads


def _quietly(family: TaskFamily, options: BuildOptions) -> None:
    """A failure is not reported here: the builder makes the same calls and raises it with its context."""
    with suppress(Exception):
        family.preparer()(options)  # type: ignore[misc]


def _data_warnings(rows: list[dict[str, Any]], built: TaskRows) -> list[str]:
    """Single-class label tasks and rows left out for a data reason, each named with its count."""
    n_rows = Counter(r["task"] for r in rows)
    out = [
        f"task {task!r} has a single class: all {n_rows[task]} rows are {value!r} (a constant answer earns "
        "the full reward; `ehrmind rl` refuses it unless data.allow_single_class is set)"
        for task, value in single_class_tasks(rows).items()
    ]
    data_reasons = ("unanswerable", "conflicting duplicates", "conflicting labels")
    counts = Counter(s.category for s in built.skipped if s.category in data_reasons)
    out += [f"{n} row(s) skipped as {reason!r}: see skipped.by_reason" for reason, n in sorted(counts.items())]
    return out


def _selected_families(options: BuildOptions) -> list[TaskFamily]:
    """The families `options.tasks` names, in declared order, after checking each has a source."""
    names = {t.split("/", 1)[0] for t in options.tasks}
    for family in families():
        if family.check_options is not None:
            family.check_options(options, family.name in names)
    supply = source_tasks()
    for name in names:
        if not any(name in supply[s.kind] for s in options.sources):
            kinds = [k for k, v in supply.items() if name in v]
            raise BuildError(f"task {name!r} needs a source of kind {' or '.join(kinds)} (--source KIND:PATH)")
    for source in options.sources:
        if not names & set(supply[source.kind]):
            raise BuildError(
                f"source {source} supplies none of the tasks {sorted(names)} "
                f"(it can supply: {', '.join(supply[source.kind])})"
            )
    return [f for f in families() if f.name in names]


def _cap(rows: list[dict[str, Any]], limit: int | None, seed: int, built: TaskRows) -> list[dict[str, Any]]:
    """At most `limit` rows per task, sampled with the seed; rows sorted by (task, id) for stable output."""
    by_task: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r["task"], r["id"])):
        by_task.setdefault(row["task"], []).append(row)
    kept: list[dict[str, Any]] = []
    for task, group in by_task.items():
        if limit is not None and len(group) > limit:
            built.count(f"capped:{task}", len(group) - limit)
            group = sorted(random.Random(f"{seed}:{task}").sample(group, limit), key=lambda r: r["id"])
        kept.extend(group)
    return kept


def _gradeable(built: TaskRows, strict: bool) -> list[dict[str, Any]]:
    """Rows whose gold the rewards can parse; others are skipped with the parser's reason (a builder or
    calculator-declaration bug, e.g. an output unit the unit table does not know)."""
    # lazy: read at call time, so tests can patch parse_gold
    from rewards.gold import GoldError, parse_gold

    kept = []
    for row in built.rows:
        try:
            parse_gold(row["gold"])
        except GoldError as exc:
            if strict:
                raise BuildError(f"row {row['id']}: {exc}") from None
            built.skipped.append(SkippedItem("build", row["id"], f"gold unreadable by rewards: {exc}"))
            continue
        kept.append(row)
    return kept


def _check_unique_ids(rows: list[dict[str, Any]]) -> None:
    dupes = [i for i, n in Counter(r["id"] for r in rows).items() if n > 1]
    if dupes:
        raise BuildError(f"{len(dupes)} duplicate row id(s), e.g. {dupes[:3]}: a source was given twice?")


def _manifest(
    options: BuildOptions, sources: list[dict], built: TaskRows, rows: list[dict]
) -> dict[str, Any]:
    resolved = asdict(options)
    resolved["sources"] = [f"{s.kind}:{s.path.resolve()}" for s in options.sources]
    resolved["out"] = str(Path(options.out).resolve())
    resolved["split"] = list(options.split)
    resolved["labels"] = [str(Path(p).resolve()) for p in options.labels]
    skipped = built.skipped
    return {
        "ehrmind_version": ehrmind_version(),
        "command": "ehrmind data build",
        "options": resolved,
        "sources": sources,
        "rows": len(rows),
        "builders": dict(sorted(built.counts.items())),
        "skipped": {
            "total": len(skipped),
            "by_reason": dict(Counter(s.category for s in skipped).most_common()),
            "items": [
                {"file": s.file, "position": s.position, "reason": s.reason}
                for s in skipped[:MAX_SKIPPED_ITEMS]
            ],
            "items_truncated": max(0, len(skipped) - MAX_SKIPPED_ITEMS),
        },
    }


def _add_counts(manifest: dict[str, Any], rows: list[dict], split_of: dict[str, str]) -> None:
    tasks: dict[str, dict[str, int]] = {}
    for row in rows:
        counts = tasks.setdefault(row["task"], dict.fromkeys([*SPLITS, "total"], 0))
        counts[row["split"]] += 1
        counts["total"] += 1
    manifest["counts"] = dict(sorted(tasks.items()))
    manifest["splits"] = {
        split: {
            "rows": sum(r["split"] == split for r in rows),
            "patients": sum(s == split for s in split_of.values()),
        }
        for split in SPLITS
    }


def _empty_split_warnings(manifest: dict[str, Any], ratios: tuple[float, float, float]) -> list[str]:
    """A split with a non-zero ratio but no rows (few patients) is said, never silent."""
    patients = sum(v["patients"] for v in manifest["splits"].values())
    return [
        f"split {split!r} is empty: {patients} patient(s) cannot fill --split {','.join(f'{r:g}' for r in ratios)}; "
        "add patients or change --split (eval reads test, else val)"
        for split, ratio in zip(SPLITS, ratios, strict=True)
        if ratio > 0 and manifest["splits"][split]["rows"] == 0 and patients > 0
    ]


def ehrmind_version() -> str:
    """The installed package version, else the one in the checkout's pyproject.toml."""
    try:
        return version("ehrmind")
    except PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    if pyproject.exists():
        match = re.search(r'^version\s*=\s*"([^"]+)"', pyproject.read_text(encoding="utf-8"), re.MULTILINE)
        if match:
            return match.group(1)
    return "unknown"
