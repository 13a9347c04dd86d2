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


def pandas_labels(df: pd.DataFrame, code_table: pl.DataFrame) -> pl.DataFrame:
    """Every event-derived EHRSHOT task, same definitions as ehr_adapters.ehrshot.label."""
    df = df[df["time"].notna()]
    codes = code_table.to_pandas()
    span = df.groupby("subject_id")["time"].agg(first="min", last="max").reset_index()

    adm = df[df["code"].str.startswith("HOSPITAL_ADMISSION")][["subject_id", "time"]].drop_duplicates()
    dis = df[df["code"].str.startswith("HOSPITAL_DISCHARGE")][["subject_id", "time"]].drop_duplicates()
    adm = adm.rename(columns={"time": "admit"}).sort_values("admit")
    dis = dis.rename(columns={"time": "discharge"}).sort_values("discharge")
    visits = pd.merge_asof(
        adm, dis, left_on="admit", right_on="discharge", by="subject_id", direction="forward"
    )
    visits = visits.dropna(subset=["discharge"])
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

    icu = df[df["code"].str.startswith("ICU_ADMISSION")][["subject_id", "time"]].rename(
        columns={"time": "icu"}
    )
    rows = []
    for v in multi.itertuples(index=False):
        stays = icu[
            (icu["subject_id"] == v.subject_id) & (icu["icu"] >= v.admit) & (icu["icu"] <= v.discharge)
        ]
        if (stays["icu"].dt.date == v.admit.date()).any():
            continue
        pred = v.admit.floor("D") + DAY_END
        rows.append((v.subject_id, pred, "yes" if (stays["icu"] > pred).any() else "no"))
    out.append(
        pd.DataFrame(rows, columns=["subject_id", "prediction_time", "label"]).assign(task="icu_transfer")
    )

    deaths = df[df["code"] == "MEDS_DEATH"].groupby("subject_id")["time"].min()
    preds = visits.assign(prediction_time=_eod(visits["discharge"]))
    preds = preds.groupby(["subject_id", "prediction_time"], as_index=False)["discharge"].max()
    rows = []
    for p in preds.itertuples(index=False):
        later = visits[(visits["subject_id"] == p.subject_id)]["admit"]
        if ((later > p.discharge) & (later.dt.date == p.prediction_time.date())).any():
            continue
        death = deaths.get(p.subject_id)
        if death is not None and death <= p.prediction_time:
            continue
        gap = later - p.prediction_time
        hit = ((gap >= pd.Timedelta(minutes=1)) & (gap <= pd.Timedelta(days=30))).any()
        rows.append((p.subject_id, p.prediction_time, "yes" if hit else "no"))
    out.append(
        pd.DataFrame(rows, columns=["subject_id", "prediction_time", "label"]).assign(task="readmission_30d")
    )

    charted = codes["code"].str.extract(r"^LAB//(\d+)//", expand=False).astype("float").ge(220000)
    for task in (t for t in TASKS.values() if t.group == "lab"):
        lab_codes = codes[(codes["concept"] == task.concept) & (codes["kind"] == "lab") & ~charted]
        res = df[df["code"].isin(lab_codes["code"]) & df["value"].notna()]
        res = res.merge(lab_codes[["code", "unit"]], on="code").merge(span, on="subject_id")
        res = res[res["time"] != res["first"]]
        res = res[res["unit"].isin(list(task.unit_factors))]
        value = res["value"] * res["unit"].map(task.unit_factors)
        mild, moderate, severe = task.thresholds
        label = pd.Series("normal", index=res.index)
        if task.low_is_bad:
            inclusive = task.concept in ("glucose", "sodium")
            label[(value <= mild) if inclusive else (value < mild)] = "mild"
            label[value < moderate] = "moderate"
            label[value < severe] = "severe"
        else:
            label[value > mild] = "mild"
            label[value > moderate] = "moderate"
            label[value > severe] = "severe"
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
        first_dx = (
            df[df["code"].isin(_dx_codes(codes, task))].groupby("subject_id")["time"].min().rename("dx")
        )
        p = discharge_preds.merge(first_dx, on="subject_id", how="left").merge(
            span, on="subject_id", how="left"
        )
        p = p[p["dx"].isna() | (p["prediction_time"] < p["dx"])]
        gap = p["dx"] - p["prediction_time"]
        positive = p["dx"].notna() & (gap >= timedelta(minutes=1)) & (gap <= timedelta(days=365))
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
