"""`ehrmind data build`: sources -> task rows -> patient-level splits -> parquet + manifest.json.

    build(BuildOptions(sources=[parse_source("meds:../shared/data/mimic-iv-demo-meds")],
                       tasks=["ehrshot", "calc"], out=Path("runs/data/mimic")))

Sources are `KIND:PATH` with KIND one of `SOURCE_TASKS`; each task is built from every source that can
supply it. The build writes `<out>/{train,val,test}.parquet` and `<out>/manifest.json` (counts per task and
split, every skipped item with its reason, sha256 of each source file, the resolved options, the ehrmind
version). Nothing is written when the leakage check fails. Why one orchestrator: every task gets the same
splitting, capping, leakage check and manifest, whatever its source.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ehr_adapters.errors import ReadReport, SkippedItem
from ehrmind.tasks.schema import SPLITS, TaskRows, check_row
from ehrmind.tasks.splits import assign_splits, check_leakage, drop_conflicting_duplicates

# Which tasks each source kind can supply.
SOURCE_TASKS: dict[str, tuple[str, ...]] = {
    "medcalc-bench": ("medcalc",),
    "trec-ct": ("trial_match",),
    "fhir": ("calc",),
    "meds": ("calc", "ehrshot", "aces"),
}
TASK_FAMILIES = ("medcalc", "calc", "ehrshot", "trial_match", "aces")
MEDS_SPLIT_NAMES = {"train": "train", "tuning": "val", "val": "val", "held_out": "test", "test": "test"}
MAX_SKIPPED_ITEMS = 1000  # per manifest; counts by reason are always complete


class BuildError(ValueError):
    """The build cannot run as asked (bad source, unknown task, nothing to build)."""


@dataclass(frozen=True)
class Source:
    kind: str
    path: Path

    def __str__(self) -> str:
        return f"{self.kind}:{self.path}"


@dataclass
class BuildOptions:
    sources: list[Source]
    tasks: list[str]
    out: Path
    seed: int = 0
    split: tuple[float, float, float] = (0.8, 0.1, 0.1)
    strict: bool = False
    max_per_task: int | None = None
    max_tokens: int = 1024  # serialized-record budget for calc and ehrshot prompts
    per_patient: int = 2  # mined calculator tasks per patient and calculator
    criteria_chars: int = 4000  # trial criteria shown in trial_match prompts
    tokenizer: str | None = None  # local tokenizer directory for exact token counts
    labels: list[Path] = field(default_factory=list)  # EHRSHOT label files (labeled_patients.csv, MEDS labels)
    aces: Path | None = None  # ACES task config (task "aces/<stem>"); see ehrmind.tasks.aces_tasks
    aces_predicates: Path | None = None  # ACES predicates file overriding the config's predicates
    open_book: bool = False  # calculator rows get the calculator's card in the prompt (ehrmind.open_book)
    keep_unanswerable: bool = False  # keep EHRSHOT lab rows with no earlier result of the test
    include_blood_gas: bool = False  # EHRSHOT lab tasks also read MIMIC blood-gas items
    # Calculator definitions (calculators.editions): None = each MedCalc-Bench file's own edition (detected),
    # `source` for record-mined rows.
    edition: str | None = None


def parse_source(text: str) -> Source:
    """ "meds:../data/x" -> Source("meds", Path("../data/x")); raises BuildError naming the fix."""
    kind, sep, path = text.partition(":")
    if not sep or kind not in SOURCE_TASKS:
        raise BuildError(f"--source {text!r}: expected KIND:PATH with KIND one of {', '.join(SOURCE_TASKS)}")
    if not Path(path).exists():
        raise BuildError(f"--source {text!r}: {path} does not exist")
    return Source(kind, Path(path))


def parse_tasks(text: str | Sequence[str]) -> list[str]:
    """ "ehrshot,calc" -> ["ehrshot", "calc"]; accepts ehrshot/<name>; raises BuildError on unknown tasks."""
    items = [t.strip() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    if not items:
        raise BuildError("--tasks is empty; choose from: " + ", ".join(TASK_FAMILIES))
    for item in items:
        if item.split("/", 1)[0] not in TASK_FAMILIES or (
            item.startswith(("calc/", "medcalc/", "trial_match/"))
        ):
            raise BuildError(
                f"unknown task {item!r}; choose from: {', '.join(TASK_FAMILIES)} (or ehrshot/<name>)"
            )
    return list(dict.fromkeys(items))


def build(options: BuildOptions) -> dict[str, Any]:
    """Run the build; returns the manifest (also written to `<out>/manifest.json`)."""
    families = {t.split("/", 1)[0] for t in options.tasks}
    if ("aces" in families) != (options.aces is not None):
        raise BuildError("an ACES task needs both --aces TASK.yaml and the task 'aces' (the CLI adds it)")
    for family in families:
        if not any(family in SOURCE_TASKS[s.kind] for s in options.sources):
            kinds = [k for k, v in SOURCE_TASKS.items() if family in v]
            raise BuildError(
                f"task {family!r} needs a source of kind {' or '.join(kinds)} (--source KIND:PATH)"
            )
    for source in options.sources:
        if not families & set(SOURCE_TASKS[source.kind]):
            raise BuildError(
                f"source {source} supplies none of the tasks {sorted(families)} "
                f"(it can supply: {', '.join(SOURCE_TASKS[source.kind])})"
            )
    built = TaskRows()
    source_info: list[dict[str, Any]] = []
    fixed_splits: dict[str, str] = {}
    serializer = _serializer(options) if any(s.kind in ("fhir", "meds") for s in options.sources) else None
    for source in options.sources:
        part, report, files, fixed = _build_source(source, options, families, serializer)
        built.extend(part)
        fixed_splits.update(fixed)
        read = report.to_dict(max_items=0)
        read.pop("skipped", None)
        source_info.append(
            {
                "kind": source.kind,
                "path": str(source.path),
                "files": [_file_info(f) for f in files],
                "read": read,
            }
        )
        for item in report.skipped:
            built.skipped.append(item)  # read-stage skips go in the one skipped list too
    rows, conflicting = drop_conflicting_duplicates(_gradeable(built, options.strict))
    built.skipped.extend(SkippedItem("build", row_id, reason) for row_id, reason in conflicting)
    rows = _cap(rows, options.max_per_task, options.seed, built)
    if options.open_book:
        from ehrmind.open_book import open_book_rows

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
    _write_splits(out, rows)
    _write_json(out / "manifest.json", manifest)
    return manifest


def _data_warnings(rows: list[dict[str, Any]], built: TaskRows) -> list[str]:
    """Single-class label tasks and rows left out for a data reason, each named with its count."""
    from ehrmind.tasks.schema import single_class_tasks

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


def _serializer(options: BuildOptions):
    """render(record or timeline, time) with the build's token budget (and tokenizer, when one is given)."""
    from ehr_adapters.record import PatientRecord
    from ehr_adapters.serialize import serialize, serialize_timeline

    tokenizer = None
    if options.tokenizer:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(options.tokenizer, local_files_only=True)

    kwargs = {"max_tokens": options.max_tokens, "tokenizer": tokenizer}
    memo: dict[tuple[int, datetime], tuple[Any, str]] = {}

    def render(patient, when: datetime) -> str:
        # Tasks at one instant of one patient (a lab panel: 5 EHRSHOT tasks; several calculators) share
        # the context: render it once. Keyed by object id, holding the object so the id stays unique.
        hit = memo.get((id(patient), when))
        if hit is not None and hit[0] is patient:
            return hit[1]
        if len(memo) > 4096:
            memo.clear()
        if isinstance(patient, PatientRecord):
            text = serialize(patient, prediction_time=when, **kwargs)
        else:
            text = serialize_timeline(patient, prediction_time=when, **kwargs)  # MEDS fast path: a Timeline
        memo[(id(patient), when)] = (patient, text)
        return text

    return render


def _build_source(source: Source, options: BuildOptions, families: set[str], serializer):
    """(rows, read report, files read, fixed splits) for one source."""
    strict = options.strict
    fixed: dict[str, str] = {}
    if source.kind == "medcalc-bench":
        from ehr_adapters.medcalc_bench import read_medcalc_bench
        from ehrmind.tasks.medcalc import build_medcalc

        files = sorted(source.path.glob("*.csv")) if source.path.is_dir() else [source.path]
        out, report = TaskRows(), ReadReport()
        for file in files:
            cases, part_report = read_medcalc_bench(file, strict=strict)
            report.merge(part_report)
            out.extend(build_medcalc(cases, file, strict=strict, edition=options.edition))
        return out, report, files, fixed
    if source.kind == "trec-ct":
        from ehr_adapters.trec_ct import read_trec_ct
        from ehrmind.tasks.trial_match import build_trial_match

        collections, trials, report, files = read_trec_ct(source.path, strict=strict)
        out = build_trial_match(collections, trials, strict=strict, criteria_chars=options.criteria_chars)
        return out, report, files, fixed
    if source.kind == "fhir":
        from ehr_adapters.fhir import read_fhir
        from ehrmind.tasks.calc_mined import build_calc, events_frame

        records, report = read_fhir(source.path, strict=strict)
        by_id = {r.patient_id: r for r in records}
        out = build_calc(
            events_frame(records),
            lambda ids: {i: by_id[i] for i in ids if i in by_id},
            serializer,
            str(source.path),
            per_patient=options.per_patient,
            strict=strict,
            edition=options.edition or "source",
        )
        return out, report, _all_files(source.path), fixed
    # meds
    import polars as pl

    from ehr_adapters.meds import read_meds
    from ehr_adapters.serialize import meds_timelines

    dataset = read_meds(source.path, strict=strict)
    out = TaskRows()

    timelines: dict[str, Any] = {}

    def get_records(ids: list) -> dict[str, Any]:
        # Timelines straight from the frame: the same prompt text as records, without Event objects;
        # built once per patient and shared by the calc and EHRSHOT builders.
        missing = [int(i) for i in ids if str(i) not in timelines]
        if missing:
            timelines.update({str(k): v for k, v in meds_timelines(dataset, missing).items()})
        return {str(i): timelines[str(i)] for i in ids if str(i) in timelines}

    if "calc" in families:
        from ehrmind.tasks.calc_mined import build_calc

        events = dataset.concept_events().with_columns(pl.col("subject_id").cast(pl.Utf8))
        out.extend(
            build_calc(
                events,
                get_records,
                serializer,
                str(source.path),
                per_patient=options.per_patient,
                strict=strict,
                edition=options.edition or "source",
            )
        )
    if "ehrshot" in families:
        from ehrmind.tasks.ehrshot_tasks import build_ehrshot, task_names

        try:
            names = task_names([t for t in options.tasks if t.split("/", 1)[0] == "ehrshot"])
        except ValueError as exc:
            raise BuildError(str(exc)) from None
        out.extend(
            build_ehrshot(
                dataset,
                names,
                get_records,
                serializer,
                str(source.path),
                max_per_task=options.max_per_task,
                seed=options.seed,
                strict=strict,
                given_labels=_label_files(options.labels),
                keep_unanswerable=options.keep_unanswerable,
                include_blood_gas=options.include_blood_gas,
            )
        )
    if "aces" in families:
        from ehrmind.tasks.aces_tasks import build_aces

        out.extend(
            build_aces(dataset, options.aces, options.aces_predicates, get_records, serializer,
                       str(source.path), max_per_task=options.max_per_task, seed=options.seed, strict=strict)
        )  # fmt: skip
    for subject, split in dataset.splits.items():
        if split is not None:
            if split not in MEDS_SPLIT_NAMES:
                raise BuildError(
                    f"{source}: subject_splits names split {split!r}; expected one of "
                    f"{', '.join(MEDS_SPLIT_NAMES)}"
                )
            fixed[str(subject)] = MEDS_SPLIT_NAMES[split]
    return out, dataset.report, list(dataset.files), fixed


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


def _write_splits(out: Path, rows: list[dict[str, Any]]) -> None:
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


def _write_json(path: Path, obj: dict[str, Any]) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def _all_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))


def _file_info(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return {
        "path": str(Path(path).resolve()),
        "bytes": Path(path).stat().st_size,
        "sha256": digest.hexdigest(),
    }


def ehrmind_version() -> str:
    """The installed package version, else the one in the checkout's pyproject.toml."""
    from importlib.metadata import PackageNotFoundError, version

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


def _label_files(paths: Sequence[Path]):
    """EHRSHOT's own label files, concatenated (None when none were given)."""
    if not paths:
        return None
    import polars as pl

    from ehr_adapters.ehrshot import read_labeled_patients

    return pl.concat([read_labeled_patients(p) for p in paths], how="vertical_relaxed")
