"""MEDS parquet (and near-MEDS extracts) -> a validated polars frame and PatientRecords.

    ds = read_meds("../shared/data/mimic-iv-demo-meds")          # a folder, or one .parquet file
    ds.events                                                      # polars LazyFrame, normalized columns
    next(ds.records(until=datetime(2180, 5, 6)))                   # PatientRecord with kinds, units, display

Layouts: a MEDS folder (`data/**/*.parquet`, `metadata/codes.parquet`, `metadata/subject_splits.parquet`),
a folder of parquet files, or one parquet file. Near-MEDS extracts are mapped, not rewritten: the value
column is auto-detected (`numeric_value`, else `value`; or `value_column=`) and other names can be mapped
with `columns={"subject_id": "patient_id"}`. Extra columns (the MIMIC demo's `table`) are ignored.

Every shard is validated once when read (`ehr_adapters.meds_shard`; one pass, vectorized): missing
columns, null subject ids or codes, unparseable or mixed-time-zone times, exact duplicate events, and units
that are not UCUM. Strict mode raises `AdapterError` at the first problem; lenient mode (default) drops
what cannot be used and records each item in `report` (duplicates and bad rows by row number, units by
code), so nothing is lost silently.
Times end up as naive UTC `Datetime[us]`; tz-aware inputs are converted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl

from ehr_adapters.errors import AdapterError, ReadReport
from ehr_adapters.meds_codes import code_table
from ehr_adapters.meds_shard import drop_ambiguous_times, read_shard, report_problem
from ehr_adapters.record import Event, PatientRecord

NORMALIZED = {
    "subject_id": pl.Int64,
    "time": pl.Datetime("us"),
    "code": pl.Utf8,
    "numeric_value": pl.Float64,
    "text_value": pl.Utf8,
}


@dataclass
class MedsDataset:
    """A validated MEDS dataset: lazy events plus code descriptions, splits and the read report."""

    events: pl.LazyFrame
    codes: dict[str, str] = field(default_factory=dict)
    splits: dict[int, str | None] = field(default_factory=dict)
    report: ReadReport = field(default_factory=ReadReport)
    files: list[Path] = field(default_factory=list)
    _frame: pl.DataFrame | None = field(default=None, repr=False)
    _code_table: pl.DataFrame | None = field(default=None, repr=False)

    def frame(self) -> pl.DataFrame:
        """The events collected once (sorted by subject, time; nulls first) and cached."""
        if self._frame is None:
            self._frame = self.events.sort(
                ["subject_id", "time"], nulls_last=False, maintain_order=True
            ).collect()
        return self._frame

    def subject_ids(self) -> list[int]:
        return self.frame().get_column("subject_id").unique(maintain_order=True).to_list()

    def code_table(self) -> pl.DataFrame:
        """One row per distinct code: kind, display, UCUM unit, concept (see `meds_codes.code_table`)."""
        if self._code_table is None:
            distinct = self.frame().get_column("code").unique().sort().to_list()
            self._code_table = code_table(distinct, self.codes)
        return self._code_table

    def annotated(self) -> pl.DataFrame:
        """Events joined with their code's kind, display, unit and concept (for vectorized builders)."""
        return self.frame().join(self.code_table(), on="code", how="left", maintain_order="left")

    def concept_events(self, concepts: Iterable[str] | None = None) -> pl.DataFrame:
        """Numeric events that map to a calculator concept: subject_id, time, concept, numeric_value, unit, code."""
        table = self.code_table().filter(pl.col("concept").is_not_null())
        if concepts is not None:
            table = table.filter(pl.col("concept").is_in(list(concepts)))
        return (
            self.frame()
            .filter(pl.col("numeric_value").is_not_null() & pl.col("time").is_not_null())
            .join(table.select("code", "concept", "unit"), on="code", how="inner", maintain_order="left")
            .select("subject_id", "time", "concept", "numeric_value", "unit", "code")
        )

    def record_frame(
        self,
        subject_ids: Iterable[int] | None = None,
        until: datetime | None = None,
        *,
        keep_empty: bool = False,
    ) -> pl.DataFrame:
        """The annotated events that `records()` turns into PatientRecords (same filters, same order)."""
        df = self.annotated()
        if subject_ids is not None:
            df = df.filter(pl.col("subject_id").is_in(list(subject_ids)))
        if until is not None:
            df = df.filter(pl.col("time").is_null() | (pl.col("time") <= until))
        if not keep_empty:
            df = df.filter(
                ~pl.col("kind").is_in(["lab", "vital", "other"])
                | pl.col("code").is_in(["MEDS_BIRTH", "MEDS_DEATH"])
                | pl.col("code").str.starts_with("GENDER//")
                | pl.col("numeric_value").is_not_null()
                | pl.col("text_value").is_not_null()
            )
        return df

    def records(
        self,
        subject_ids: Iterable[int] | None = None,
        until: datetime | None = None,
        *,
        keep_empty: bool = False,
    ) -> Iterator[PatientRecord]:
        """One PatientRecord per subject (events at or before `until` when given).

        Measurements with neither a numeric nor a text value (MIMIC charted items whose text was not
        converted) carry nothing a prompt or a calculator can use; they are left out of records unless
        `keep_empty=True`. They stay in `events` and the labelers still see them.
        """
        df = self.record_frame(subject_ids, until, keep_empty=keep_empty)
        source = ",".join(str(f) for f in self.files)
        for (subject_id,), part in df.group_by("subject_id", maintain_order=True):
            yield _record_from_frame(int(subject_id), part, source)


def _record_from_frame(subject_id: int, part: pl.DataFrame, source: str) -> PatientRecord:
    birth: date | None = None
    death: date | None = None
    sex: str | None = None
    events: list[Event] = []
    cols = [
        part.get_column(c).to_list()
        for c in ("time", "code", "kind", "display", "numeric_value", "unit", "text_value")
    ]
    for time, code, kind, display, value, unit, text in zip(*cols, strict=True):
        if code == "MEDS_BIRTH":
            birth = time.date() if time is not None else None
            continue
        if code.startswith("GENDER//"):
            sex = {"F": "female", "M": "male"}.get(code[8:], "other")
            continue
        if code == "MEDS_DEATH" and time is not None:
            death = time.date()  # kept as an event too, so time filters apply to it like to any event
        events.append(Event(time, code, "meds", display, kind, value, unit, text))
    return PatientRecord(str(subject_id), birth, sex, death, events, source)


def read_meds(
    path: str | Path,
    *,
    value_column: str | None = None,
    strict: bool = False,
    columns: Mapping[str, str] | None = None,
) -> MedsDataset:
    """Read and validate a MEDS file or folder; see the module docstring for layouts and checks."""
    root = Path(path)
    files = _data_files(root)
    report = ReadReport()
    shards: list[tuple[Path, str | None, pl.DataFrame]] = []
    for file in files:
        try:
            shards.append(read_shard(file, value_column, columns or {}, strict, report))
        except AdapterError as err:
            if strict:
                raise
            report.skipped.append(err.as_skipped())
    frames = drop_ambiguous_times(shards, strict, report)
    if not frames:
        first = report.skipped[0] if report.skipped else None
        raise AdapterError(
            f"no readable MEDS shard ({first.reason if first else 'no parquet files'})",
            file=first.file if first else root,
            position=first.position if first else "",
            fix="check the column names (subject_id, time, code) or pass columns={...}",
        )
    events = pl.concat(frames, how="vertical").lazy()
    report.count("events", sum(f.height for f in frames))
    meta = root / "metadata" if root.is_dir() else None
    dataset = MedsDataset(
        events=events,
        codes=_read_codes(meta / "codes.parquet") if meta else {},
        splits=_read_splits(meta / "subject_splits.parquet") if meta else {},
        report=report,
        files=files,
    )
    _check_units(dataset, strict)
    return dataset


def _data_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    if not root.exists():
        raise AdapterError("path does not exist", file=root, fix="pass a MEDS folder or a .parquet file")
    data = root / "data"
    files = sorted(data.rglob("*.parquet")) if data.is_dir() else sorted(root.glob("*.parquet"))
    if not files:
        raise AdapterError(
            "no parquet files", file=root, fix="expected data/*.parquet or *.parquet in the folder"
        )
    return files


def _check_units(dataset: MedsDataset, strict: bool) -> None:
    """Units that are not UCUM (and not a known spelling): strict raises; lenient reports each code."""
    table = dataset.code_table().filter(pl.col("unit_error").is_not_null())
    if table.height == 0:
        return
    counts = dict(
        dataset.frame()
        .filter(pl.col("code").is_in(table["code"].implode()))
        .group_by("code")
        .len()
        .iter_rows()
    )
    for code, problem in table.select("code", "unit_error").iter_rows():
        where = ",".join(str(f) for f in dataset.files)
        report_problem(
            strict,
            dataset.report,
            Path(where),
            f"code {code}",
            "code (unit)",
            f"non-UCUM unit: {problem}; unit left empty on {counts.get(code, 0)} events",
            "map the unit to UCUM in the extract (e.g. mmol/L, mg/dL)",
        )


def _read_codes(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    df = pl.read_parquet(path)
    if "code" not in df.columns or "description" not in df.columns:
        raise AdapterError(
            "codes.parquet needs columns code and description",
            file=path,
            position="schema",
            field="code,description",
            fix="write MEDS metadata/codes.parquet",
        )
    return {c: d for c, d in df.select("code", "description").drop_nulls().iter_rows()}


def _read_splits(path: Path) -> dict[int, str | None]:
    if not path.exists():
        return {}
    df = pl.read_parquet(path)
    if "subject_id" not in df.columns or "split" not in df.columns:
        raise AdapterError(
            "subject_splits.parquet needs columns subject_id and split",
            file=path,
            position="schema",
            field="subject_id,split",
            fix="write MEDS subject_splits",
        )
    return {int(s): p for s, p in df.select("subject_id", "split").iter_rows()}


__all__ = ["MedsDataset", "read_meds"]
