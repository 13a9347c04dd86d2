"""The EHRSHOT labeling of `ehr_adapters.ehrshot`, written the straightforward pandas way, for comparison.

Same inputs (the events file and the per-code table of kind / unit / concept), same definitions, same
output; `benchmarks/adapters.py` checks the labels are identical and reports the time ratio. Idiomatic
pandas (read_parquet, drop_duplicates, merge, merge_asof, groupby), no deliberate slowness.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import polars as pl

from ehr_adapters.ehrshot import TASKS

DAY_END = pd.Timedelta(hours=23, minutes=59)


def _eod(s: pd.Series) -> pd.Series:
    return s.dt.floor("D") + DAY_END


def _yes_no(mask: pd.Series) -> pd.Series:
    return mask.map({True: "yes", False: "no"})


def _dx_codes(codes: pd.DataFrame, task) -> set[str]:
    out = set()
    for code in codes["code"]:
        parts = code.split("//")
        if code.startswith("DIAGNOSIS//ICD//9//") and any(parts[3].startswith(p) for p in task.icd9):
            out.add(code)
        elif code.startswith("DIAGNOSIS//ICD//10//") and any(parts[3].startswith(p) for p in task.icd10):
            out.add(code)
        elif code.startswith("ICD9CM/") and any(code[7:].replace(".", "").startswith(p) for p in task.icd9):
            out.add(code)
        elif code.startswith("ICD10CM/") and any(code[8:].replace(".", "").startswith(p) for p in task.icd10):
            out.add(code)
        elif code in {f"SNOMED/{s}" for s in task.snomed}:
            out.add(code)
    return out


def pandas_read(events_path: Path) -> pd.DataFrame:
    """Read, normalize values and drop exact duplicates (what read_meds keeps), as pandas would."""
    df = pd.read_parquet(events_path, columns=["subject_id", "time", "code", "value"])
    # the file stores float32; go through its shortest decimal text so 15.1 stays 15.1 (as read_meds does)
    df["value"] = df["value"].astype(str).astype("float64")
    df = df.drop_duplicates(["subject_id", "time", "code", "value"])
    return df


def _pair(starts: pd.DataFrame, ends: pd.DataFrame) -> pd.DataFrame:
    """Start/end events -> (subject_id, start, end): at one instant close the open interval, then open."""
    marks = pd.concat([starts.assign(is_start=1), ends.assign(is_start=0)]).drop_duplicates()
    out = []
    for subject, group in marks.sort_values(["subject_id", "time", "is_start"]).groupby(
        "subject_id", sort=False
    ):
        open_at = None
        for time, kinds in group.groupby("time", sort=False)["is_start"]:
            has_end, has_start = (kinds == 0).any(), (kinds == 1).any()
            if has_end and open_at is not None:
                out.append((subject, open_at, time))
                open_at, has_end = None, False
            if has_end and has_start:
                continue
            if has_start:
                open_at = time
    return pd.DataFrame(out, columns=["subject_id", "start", "end"])


def _events(df: pd.DataFrame, prefix: str) -> pd.DataFrame:
    return df[df["code"].str.startswith(prefix)][["subject_id", "time"]].drop_duplicates()


def pandas_labels(df: pd.DataFrame, code_table: pl.DataFrame) -> pl.DataFrame:
    """Every event-derived EHRSHOT task, same definitions as ehr_adapters.ehrshot.label."""
    df = df[df["time"].notna()]
    codes = code_table.to_pandas()
    clinical = df[df["code"] != "MEDS_BIRTH"]
    span = pd.DataFrame(
        {
            "first": clinical.groupby("subject_id")["time"].min(),
            "last": df.groupby("subject_id")["time"].max(),
        }
    ).reset_index()
    visits = _pair(_events(df, "HOSPITAL_ADMISSION"), _events(df, "HOSPITAL_DISCHARGE"))
    visits = visits.rename(columns={"start": "admit", "end": "discharge"})
    multi = visits[visits["admit"].dt.date != visits["discharge"].dt.date]
    out = []

    los = pd.DataFrame(
        {
            "subject_id": multi["subject_id"],
            "prediction_time": _eod(multi["admit"]),
            "label": _yes_no(multi["discharge"] - multi["admit"] >= pd.Timedelta(days=7)),
        }
    )
    out.append(los.assign(task="long_los"))

    icu_starts = _events(df, "ICU_ADMISSION")
    stays = _pair(icu_starts, _events(df, "ICU_DISCHARGE"))
    points = icu_starts.rename(columns={"time": "start"}).assign(end=lambda d: d["start"])
    stays = pd.concat([stays, points]).drop_duplicates()
    rows = []
    for v in multi.itertuples(index=False):
        mine = stays[stays["subject_id"] == v.subject_id]
        overlap = mine[(mine["start"] <= v.discharge) & (mine["end"] >= v.admit)]
        transfer = overlap["start"].where(overlap["start"] > v.admit, v.admit)
        if (mine["start"].dt.date == v.admit.date()).any() or (transfer.dt.date == v.admit.date()).any():
            continue
        pred = v.admit.floor("D") + DAY_END
        rows.append((v.subject_id, pred, "yes" if (transfer > pred).any() else "no"))
    out.append(
        pd.DataFrame(rows, columns=["subject_id", "prediction_time", "label"]).assign(task="icu_transfer")
    )

    admits = _events(df, "HOSPITAL_ADMISSION")
    last = span.set_index("subject_id")["last"]
    preds = visits.assign(prediction_time=_eod(visits["discharge"]))
    preds = preds.groupby(["subject_id", "prediction_time"], as_index=False)["discharge"].max()
    rows = []
    for p in preds.itertuples(index=False):
        later = admits[admits["subject_id"] == p.subject_id]["time"]
        if ((later >= p.discharge) & (later <= p.prediction_time)).any():
            continue
        gap = later - p.prediction_time
        hit = ((gap >= pd.Timedelta(minutes=1)) & (gap <= pd.Timedelta(days=30))).any()
        if hit or last[p.subject_id] >= p.prediction_time + pd.Timedelta(days=30):
            rows.append((p.subject_id, p.prediction_time, "yes" if hit else "no"))
    out.append(
        pd.DataFrame(rows, columns=["subject_id", "prediction_time", "label"]).assign(task="readmission_30d")
    )

    item = codes["code"].str.extract(r"^LAB//(\d+)//", expand=False)
    for task in (t for t in TASKS.values() if t.group == "lab"):
        vocab = item.isna() & (
            codes["code"].isin(task.ehrshot_codes)
            | (
                (codes["concept"] == task.concept)
                & (codes["kind"] == "lab")
                & ~codes["code"].str.startswith("LAB//")
            )
        )
        lab_codes = codes[item.isin(task.used_items()) | vocab]
        res = df[df["code"].isin(lab_codes["code"]) & df["value"].notna()]
        res = res.merge(lab_codes[["code", "unit"]], on="code").merge(span, on="subject_id")
        res = res[res["time"] != res["first"]]
        res = res[res["unit"].isin(list(task.units))]
        value = (
            res.apply(lambda r, t=task: t.convert(r["value"], r["unit"]), axis=1)
            if len(res)
            else res["value"]
        )
        label = value.map(task.severity) if len(res) else pd.Series([], dtype=object)
        out.append(
            pd.DataFrame(
                {
                    "subject_id": res["subject_id"],
                    "prediction_time": res["time"] - pd.Timedelta(minutes=1),
                    "label": label,
                    "task": task.name,
                }
            )
        )

    discharge_preds = visits.assign(prediction_time=_eod(visits["discharge"]))[
        ["subject_id", "prediction_time"]
    ]
    discharge_preds = discharge_preds.drop_duplicates()
    for task in (t for t in TASKS.values() if t.group == "new_diagnosis"):
        dx = df[df["code"].isin(_dx_codes(codes, task))][["subject_id", "time"]].rename(
            columns={"time": "dx"}
        )
        first_dx = dx.groupby("subject_id")["dx"].min().rename("first_dx")
        p = discharge_preds.merge(first_dx, on="subject_id", how="left").merge(
            span, on="subject_id", how="left"
        )
        p = p[p["first_dx"].isna() | (p["prediction_time"] < p["first_dx"])]
        hits = p.merge(dx, on="subject_id")
        gap = hits["dx"] - hits["prediction_time"]
        hits = hits[(gap >= timedelta(minutes=1)) & (gap <= timedelta(days=365))]
        keys = set(zip(hits["subject_id"], hits["prediction_time"], strict=True))
        positive = pd.Series([k in keys for k in zip(p["subject_id"], p["prediction_time"], strict=True)],
                             index=p.index, dtype=bool)  # fmt: skip
        censored = ~positive & (p["last"] < p["prediction_time"] + timedelta(days=365))
        p = p[~censored]
        out.append(
            pd.DataFrame(
                {
                    "subject_id": p["subject_id"],
                    "prediction_time": p["prediction_time"],
                    "label": _yes_no(positive[~censored]),
                    "task": task.name,
                }
            )
        )

    result = pd.concat(out, ignore_index=True)[["subject_id", "prediction_time", "task", "label"]]
    return pl.from_pandas(result).cast(
        {"subject_id": pl.Int64, "prediction_time": pl.Datetime("us"), "task": pl.Utf8, "label": pl.Utf8}
    )
