"""One MEDS parquet shard -> the normalized, validated events frame (`read_shard`); used by `read_meds`.

Columns are picked by MEDS name or mapped (`columns=`, `value_column=`), times normalized to naive UTC
`Datetime[us]`, and every row checked in one vectorized pass: null subject ids or codes, unparseable or
mixed-time-zone times, exact duplicate events. Strict mode raises `AdapterError` at the first problem;
lenient mode drops the row and reports it. Why apart from `ehr_adapters.meds`: validating a shard is
one job, and the dataset (lookups, records) another.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from ehr_adapters.errors import AdapterError, ReadReport, SkippedItem

_KEY = ["subject_id", "time", "code", "numeric_value", "text_value"]  # an exact duplicate event


def _pick(schema: Mapping[str, pl.DataType], name: str, columns: Mapping[str, str], *alts: str) -> str | None:
    if name in columns:
        return columns[name] if columns[name] in schema else None
    return next((c for c in (name, *alts) if c in schema), None)


def read_shard(
    file: Path,
    value_column: str | None,
    columns: Mapping[str, str],
    strict: bool,
    report: ReadReport,
) -> tuple[Path, str | None, pl.DataFrame]:
    lf = pl.scan_parquet(file)
    schema = lf.collect_schema()
    picked: dict[str, str | None] = {
        "subject_id": _pick(schema, "subject_id", columns),
        "time": _pick(schema, "time", columns),
        "code": _pick(schema, "code", columns),
        "numeric_value": value_column if value_column else _pick(schema, "numeric_value", columns, "value"),
        "text_value": _pick(schema, "text_value", columns),
    }
    for required in ("subject_id", "time", "code"):
        if picked[required] is None:
            raise AdapterError(
                f"missing required column (has: {', '.join(schema.names())})",
                file=file,
                position="schema",
                field=required,
                fix=f"rename the column to {required!r} or pass columns={{{required!r}: 'your_name'}}",
            )
    if value_column and value_column not in schema:
        raise AdapterError(
            "value column not found",
            file=file,
            position="schema",
            field=value_column,
            fix=f"choose one of {schema.names()}",
        )
    time_expr, tz = _time_expr(picked["time"], schema[picked["time"]], file)
    exprs = [
        pl.col(picked["subject_id"]).cast(pl.Int64, strict=False).alias("subject_id"),
        time_expr.alias("time"),
        pl.col(picked["code"]).cast(pl.Utf8).alias("code"),
        _value_expr(picked["numeric_value"], schema).alias("numeric_value"),
        (pl.col(picked["text_value"]).cast(pl.Utf8) if picked["text_value"] else pl.lit(None, pl.Utf8)).alias(
            "text_value"
        ),
    ]
    raw_time = pl.col(picked["time"])
    df = lf.select(*exprs, raw_time.is_not_null().alias("_has_time")).with_row_index("_row").collect()
    bad = df.filter(
        pl.col("subject_id").is_null()
        | pl.col("code").is_null()
        | (pl.col("_has_time") & pl.col("time").is_null())
    )
    for row in bad.iter_rows(named=True):
        fld = "subject_id" if row["subject_id"] is None else "code" if row["code"] is None else "time"
        msg = {
            "subject_id": "missing or not an integer",
            "code": "missing",
            "time": "not a parseable ISO 8601 time, or has no time zone among times that have one",
        }[fld]
        report_problem(
            strict, report, file, f"row {row['_row']}", fld, msg, f"fix the {fld} value in row {row['_row']}"
        )
    dup = df.select(pl.struct(_KEY).is_first_distinct().not_().alias("d")).get_column("d")
    dups = df.filter(dup)
    if dups.height and strict:
        first = dups.row(0, named=True)
        raise AdapterError(
            "duplicate event: identical subject_id, time, code and value to an earlier row",
            file=file,
            position=f"row {first['_row']}",
            field="subject_id,time,code,numeric_value",
            fix="deduplicate the extract, or read in lenient mode to drop duplicates",
        )
    why, where = "duplicate event: identical subject_id, time, code and value to an earlier row", str(file)
    report.skipped.extend(SkippedItem(where, f"row {r}", why) for r in dups.get_column("_row").to_list())
    keep = ~dup & pl.Series(~df["_row"].is_in(bad["_row"].implode()))
    return file, tz, df.filter(keep).drop("_row", "_has_time")


def drop_ambiguous_times(
    shards: list[tuple[Path, str | None, pl.DataFrame]], strict: bool, report: ReadReport
) -> list[pl.DataFrame]:
    """Shards with naive times next to shards with a time zone cannot be ordered together: report them."""
    zones = {tz for _, tz, _ in shards if tz is not None}
    if not zones or all(tz is not None for _, tz, _ in shards):
        return [frame for _, _, frame in shards]
    kept = []
    for file, tz, frame in shards:
        if tz is None:
            report_problem(
                strict,
                report,
                file,
                "schema",
                "time",
                f"naive times while other shards use time zone(s) {sorted(zones)}: ambiguous",
                "write every shard in one convention (MEDS: naive UTC)",
            )
            continue
        kept.append(frame)
    return kept


def _value_expr(name: str | None, schema: Mapping[str, pl.DataType]) -> pl.Expr:
    if name is None:
        return pl.lit(None, pl.Float64)
    expr = pl.col(name).cast(pl.Float64, strict=False)
    # float32 sources (the MIMIC demo) would show 15.100000381469727 after widening: keep float32's precision
    return expr.round_sig_figs(7) if schema[name] == pl.Float32 else expr


def _time_expr(name: str, dtype: pl.DataType, file: Path) -> tuple[pl.Expr, str | None]:
    """Expression turning the source time column into naive UTC Datetime[us]; and its time zone."""
    col = pl.col(name)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone:
            return col.dt.convert_time_zone("UTC").dt.replace_time_zone(None).dt.cast_time_unit(
                "us"
            ), dtype.time_zone
        return col.dt.cast_time_unit("us"), None
    if dtype == pl.Date:
        return col.cast(pl.Datetime("us")), None
    if dtype == pl.Utf8:
        # Strings: offsets are converted to UTC. A naive string mixed with offset strings is ambiguous: null.
        zoned = col.str.replace(r"Z$", "+00:00")
        aware = zoned.str.to_datetime(
            time_unit="us", time_zone="UTC", strict=False, format="%Y-%m-%dT%H:%M:%S%.f%z"
        )
        naive = col.str.to_datetime(time_unit="us", strict=False, format="%Y-%m-%dT%H:%M:%S%.f")
        any_aware = aware.is_not_null().any()
        expr = pl.when(any_aware).then(aware.dt.replace_time_zone(None)).otherwise(naive)
        return expr, None
    raise AdapterError(
        f"time column has type {dtype}",
        file=file,
        position="schema",
        field=name,
        fix="store time as a parquet timestamp (or ISO 8601 text)",
    )


def report_problem(
    strict: bool, report: ReadReport, file: Path, position: int | str, fld: str, msg: str, fix: str
) -> None:
    err = AdapterError(msg, file=file, position=position, field=fld, fix=fix)
    if strict:
        raise err
    report.skipped.append(err.as_skipped())
