"""EHRSHOT's own label files -> the label frame `ehr_adapters.ehrshot.label` returns.

    read_labeled_patients("ehrshot/guo_los/labeled_patients.csv")   # subject_id, prediction_time, task, label

EHRSHOT ships one folder per task (`labeled_patients.csv`: patient_id, prediction_time, value); MEDS label
parquet files (meds 0.4: subject_id, prediction_time, *_value) are read too. Values become the task's
label strings; a value the task cannot have is an `AdapterError` naming the row.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ehr_adapters.ehrshot_spec import TASKS, EhrshotTask
from ehr_adapters.errors import AdapterError

_BY_EHRSHOT_NAME = {t.ehrshot_name: t.name for t in TASKS.values()}
_SCHEMA = {"subject_id": pl.Int64, "prediction_time": pl.Datetime("us"), "task": pl.Utf8, "label": pl.Utf8}


def read_labeled_patients(path: str | Path, task: str | None = None) -> pl.DataFrame:
    """EHRSHOT `labeled_patients.csv` or a MEDS label parquet -> subject_id, prediction_time, task, label.

    The task is `task`, else inferred from the folder name (EHRSHOT keeps one folder per task, named
    e.g. `guo_los`, `lab_anemia`, `chexpert`) or the file stem. Values become the task's label strings.
    """
    path = Path(path)
    name = task or _BY_EHRSHOT_NAME.get(path.parent.name) or _BY_EHRSHOT_NAME.get(path.stem) or path.stem
    if name not in TASKS:
        raise AdapterError(
            f"cannot tell which EHRSHOT task this file holds ({name!r})",
            file=path,
            field="task",
            fix=f"pass task= one of {list(TASKS)}",
        )
    spec = TASKS[name]
    if path.suffix == ".csv":
        df = pl.read_csv(path, infer_schema_length=10000)
        need = {"patient_id", "prediction_time", "value"}
        if not need <= set(df.columns):
            raise AdapterError(
                f"missing columns {sorted(need - set(df.columns))}",
                file=path,
                position="header",
                field="patient_id,prediction_time,value",
                fix="use EHRSHOT's labeled_patients.csv",
            )
        df = df.rename({"patient_id": "subject_id"})
        raw = pl.col("value").cast(pl.Utf8)
    else:
        df = pl.read_parquet(path)
        value_cols = [
            c
            for c in ("boolean_value", "integer_value", "float_value", "categorical_value")
            if c in df.columns
        ]
        if "subject_id" not in df.columns or "prediction_time" not in df.columns or not value_cols:
            raise AdapterError(
                "not a MEDS label file",
                file=path,
                position="schema",
                field="subject_id,prediction_time,*_value",
                fix="write meds 0.4 label parquet",
            )
        raw = pl.coalesce([pl.col(c).cast(pl.Utf8) for c in value_cols])
    df = df.with_columns(
        raw.alias("_raw"),
        pl.col("prediction_time").cast(pl.Utf8).str.to_datetime(time_unit="us")
        if df.schema["prediction_time"] == pl.Utf8
        else pl.col("prediction_time").cast(pl.Datetime("us")),
    )
    labels = [_value_to_label(spec, v, path, i) for i, v in enumerate(df.get_column("_raw").to_list())]
    return df.select(
        pl.col("subject_id").cast(pl.Int64),
        "prediction_time",
        pl.lit(name).alias("task"),
        pl.Series("label", labels, pl.Utf8),
    ).cast(_SCHEMA)


def _value_to_label(spec: EhrshotTask, raw: str | None, path: Path, row: int) -> str:
    text = (raw or "").strip().lower()
    if spec.kind == "binary" and text in ("true", "1", "yes", "false", "0", "no"):
        return "yes" if text in ("true", "1", "yes") else "no"
    if spec.kind == "multiclass" and text.isdigit() and int(text) < len(spec.choices):
        return spec.choices[int(text)]
    if spec.kind == "multiclass" and text in spec.choices:
        return text
    if spec.kind == "multilabel" and text.isdigit() and int(text) < 2 ** len(spec.choices):
        # EHRSHOT packs the 14 CheXpert findings as bits, first finding = most significant bit
        bits = format(int(text), f"0{len(spec.choices)}b")
        return "; ".join(f for f, b in zip(spec.choices, bits, strict=True) if b == "1") or "none"
    raise AdapterError(
        f"value {raw!r} is not a {spec.kind} label for {spec.name}",
        file=path,
        position=row + 2,
        field="value",
        fix=f"expected one of {spec.choices}",
    )
