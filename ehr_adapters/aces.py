"""ACES task configs (PyPI `es-aces`) over a MEDS dataset -> cohort: subject_id, prediction_time, label.

    cohort = extract_cohort(read_meds("../shared/data/mimic-iv-demo-meds"),
                            "recipes/aces/readmission_30d.yaml", "recipes/aces/predicates/mimic_iv.yaml")

ACES (Event Stream ACES, the MEDS ecosystem's task language: trigger event, windows, label predicate) reads
proper MEDS shards: `subject_id`, `time`, `code`, `numeric_value` parquet files. Near-MEDS extracts (the MIMIC-IV
demo in `shared/data` is one file whose value column is `value`) go through `read_meds` first, whose column
mapping and validation (duplicates dropped, times normalised) are written back as a temporary MEDS layout
`<workdir>/data/<n>.parquet`, so ACES and our own labelers see the same events. Shards hold whole subjects
(ACES windows never cross subjects), and ACES runs once per shard as its `data=sharded` mode does, which
bounds memory on large extracts.

The label is ACES's label predicate counted in the label window, as a boolean (count > 0), like the MEDS label
files ACES writes. The prediction time is the config's `index_timestamp`; a config without one is an error
here, because a prompt must be cut at a time. es-aces is an optional dependency: `pip install 'ehrmind[aces]'`.
"""

from __future__ import annotations

import copy
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from ehr_adapters.errors import AdapterError
from ehr_adapters.meds import MedsDataset

COHORT_SCHEMA = {"subject_id": pl.Int64, "prediction_time": pl.Datetime("us"), "label": pl.Boolean}
SUBJECTS_PER_SHARD = 20_000
_INSTALL = "install the ACES extra: pip install 'ehrmind[aces]' (PyPI es-aces)"
_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class AcesTask:
    """A loaded ACES task: the es-aces config plus what our prompts need from the YAML's `metadata`."""

    name: str  # file stem, e.g. "readmission_30d"
    path: Path
    config: Any  # aces.config.TaskExtractorConfig
    description: str = ""
    question: str = ""  # metadata.question (our key; ACES ignores `metadata`)
    label_predicate: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


def load_task(config: str | Path, predicates: str | Path | None = None) -> AcesTask:
    """Load and check an ACES task config (and a predicates file that overrides its predicates).

    Raises AdapterError naming the file and the fix: es-aces missing, unreadable YAML, a predicate whose code
    is still the `???` placeholder (MEDS-DEV task files leave codes to a dataset's predicates file), no label
    window, no index_timestamp."""
    path = Path(config)
    aces_config = _aces_module("config")
    for file in (path, Path(predicates) if predicates else None):
        if file is not None and not file.is_file():
            raise AdapterError("file not found", file=file, fix="give the path of an ACES task YAML")
    try:
        cfg = aces_config.TaskExtractorConfig.load(config_path=path, predicates_path=predicates)
    except (KeyError, ValueError, TypeError) as exc:
        raise AdapterError(
            f"not a valid ACES task config: {exc}",
            file=predicates if predicates and "predicate" in str(exc).lower() else path,
            fix="see https://eventstreamaces.readthedocs.io (task configuration)",
        ) from None
    for name, pred in cfg.plain_predicates.items():
        if str(getattr(pred, "code", "")).strip() == "???":
            raise AdapterError(
                f"predicate {name!r} has no code (placeholder '???')",
                file=path,
                field=f"predicates.{name}.code",
                fix="pass --predicates with your dataset's codes, e.g. recipes/aces/predicates/mimic_iv.yaml",
            )
    if not cfg.label_window:
        raise AdapterError(
            "the task has no label window", file=path, field="windows.*.label",
            fix="set `label: <predicate>` on the window whose events decide the answer",
        )  # fmt: skip
    if not cfg.index_timestamp_window:
        raise AdapterError(
            "the task has no prediction time", file=path, field="windows.*.index_timestamp",
            fix="set `index_timestamp: end` on the input window (the prompt is cut at that time)",
        )  # fmt: skip
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    meta = raw.get("metadata") or {}
    description = " ".join(str(meta.get("description") or raw.get("description") or "").split())
    return AcesTask(
        name=_NAME.sub("_", path.stem),
        path=path,
        config=cfg,
        description=description,
        question=" ".join(str(meta.get("question") or "").split()),
        label_predicate=str(cfg.windows[cfg.label_window].label),
        meta={k: v for k, v in meta.items() if k not in ("description", "question")},
    )


def write_meds_shards(
    dataset: MedsDataset, out_dir: str | Path, subjects_per_shard: int = SUBJECTS_PER_SHARD
) -> list[Path]:
    """Write the dataset's validated events as MEDS shards `<out_dir>/data/<n>.parquet` (whole subjects each).

    Columns: subject_id (int64), time (datetime[us], null for static facts), code (string), numeric_value
    (float32, as MEDS 0.4 declares it). Returns the shard paths."""
    frame = dataset.frame().select(
        pl.col("subject_id").cast(pl.Int64),
        pl.col("time").cast(pl.Datetime("us")),
        pl.col("code").cast(pl.Utf8),
        pl.col("numeric_value").cast(pl.Float32),
    )
    subjects = frame.get_column("subject_id").unique().sort()
    data = Path(out_dir) / "data"
    data.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, start in enumerate(range(0, max(len(subjects), 1), subjects_per_shard)):
        chunk = subjects.slice(start, subjects_per_shard).implode()
        path = data / f"{n}.parquet"
        frame.filter(pl.col("subject_id").is_in(chunk)).write_parquet(path)
        paths.append(path)
    return paths


def extract_cohort(
    dataset: MedsDataset,
    task: AcesTask | str | Path,
    predicates: str | Path | None = None,
    *,
    workdir: str | Path | None = None,
    subjects_per_shard: int = SUBJECTS_PER_SHARD,
) -> pl.DataFrame:
    """Run an ACES task over a MEDS dataset: subject_id, prediction_time, label (bool), sorted.

    `workdir` keeps the temporary MEDS shards (default: a temporary folder removed afterwards)."""
    if not isinstance(task, AcesTask):
        task = load_task(task, predicates)
    predicates_mod, query_mod = _aces_module("predicates"), _aces_module("query")
    from omegaconf import DictConfig

    parts = []
    with _workdir(workdir) as root:
        for shard in write_meds_shards(dataset, root, subjects_per_shard):
            # A fresh copy per run: es-aces 0.7.3's query mutates its config (a second query with the same
            # object returned fewer rows, or none, in our tests), so one config object runs once.
            config = copy.deepcopy(task.config)
            data_config = DictConfig({"path": str(shard), "standard": "meds"})
            predicates_df = predicates_mod.get_predicates_df(config, data_config)
            result = query_mod.query(config, predicates_df)
            if result.height:
                parts.append(
                    result.select(
                        pl.col("subject_id").cast(pl.Int64),
                        pl.col("index_timestamp").cast(pl.Datetime("us")).alias("prediction_time"),
                        (pl.col("label").cast(pl.Int64) > 0).alias("label"),
                    )
                )
    if not parts:
        return pl.DataFrame(schema=COHORT_SCHEMA)
    return pl.concat(parts).cast(COHORT_SCHEMA).sort("subject_id", "prediction_time")


@contextmanager
def _workdir(path: str | Path | None) -> Iterator[Path]:
    if path is not None:
        Path(path).mkdir(parents=True, exist_ok=True)
        yield Path(path)
        return
    with tempfile.TemporaryDirectory(prefix="ehrmind-aces-") as tmp:
        yield Path(tmp)


def _aces_module(name: str):
    """`aces.<name>`, or an AdapterError that says how to install es-aces."""
    import importlib

    try:
        return importlib.import_module(f"aces.{name}")
    except ImportError as exc:
        raise AdapterError(f"es-aces is not installed ({exc})", field="--aces", fix=_INSTALL) from None
