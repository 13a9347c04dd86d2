"""Recount the MIMIC-IV demo's EHRSHOT labels with plain polars, independently of `ehr_adapters.ehrshot`.

Nothing here imports the labelers' code tables or declarations: item ids come from MIMIC-IV's public
`d_labitems` (serum/plasma chemistry and hematology items, not the blood-gas ones), cuts from EHRSHOT's
`value_to_label` methods (som-shahlab/femr `src/femr/labelers/ehrshot.py`), windows and censoring from
femr `core.py` TimeHorizonEventLabeler. Visits are paired by rank (k-th admission with k-th discharge),
which is valid on the demo because admissions and discharges alternate (asserted below).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

REPO = Path(__file__).resolve().parents[2]
EVENTS = REPO.parent / "shared" / "data" / "mimic-iv-demo-meds" / "events.parquet"
pytestmark = pytest.mark.skipif(not EVENTS.exists(), reason="shared data not present (../shared/data)")

EOD = timedelta(hours=23, minutes=59)


@pytest.fixture(scope="module")
def raw() -> pl.DataFrame:
    return pl.read_parquet(EVENTS).filter(pl.col("time").is_not_null())


@pytest.fixture(scope="module")
def ours() -> pl.DataFrame:
    from ehr_adapters.ehrshot import label
    from ehr_adapters.meds import read_meds

    return label(read_meds(EVENTS.parent))


def _same(ours: pl.DataFrame, task: str, theirs: pl.DataFrame) -> None:
    mine = ours.filter(pl.col("task") == task).select("subject_id", "prediction_time", "label")
    key = ["subject_id", "prediction_time", "label"]
    theirs = theirs.select(key).with_columns(pl.col("prediction_time").cast(pl.Datetime("us")))
    assert mine.sort(key).rows() == theirs.sort(key).rows(), task
    assert mine.height > 0, task


# (item id, task, how to reach EHRSHOT's unit, cuts) -- items per MIMIC-IV d_labitems
LABS = {
    "lab_hyponatremia": ("50983", lambda v: v, [("severe", "<", 125), ("moderate", "<", 130), ("mild", "<=", 135)]),
    "lab_hyperkalemia": ("50971", lambda v: v, [("severe", ">", 7), ("moderate", ">", 6), ("mild", ">", 5.5)]),
    "lab_hypoglycemia": ("50931", lambda v: v / 18, [("severe", "<", 3), ("moderate", "<", 3.5), ("mild", "<=", 3.9)]),
    "lab_anemia": ("51222", lambda v: v * 10, [("severe", "<", 70), ("moderate", "<", 110), ("mild", "<", 120)]),
    "lab_thrombocytopenia": ("51265", lambda v: v, [("severe", "<", 50), ("moderate", "<", 100), ("mild", "<", 150)]),
}  # fmt: skip


@pytest.mark.parametrize("task", sorted(LABS))
def test_lab_labels_recounted(raw, ours, task):
    item, convert, cuts = LABS[task]
    first = (
        raw.filter(pl.col("code") != "MEDS_BIRTH")
        .group_by("subject_id")
        .agg(pl.col("time").min().alias("first"))
    )
    res = (
        raw.filter(pl.col("code").str.starts_with(f"LAB//{item}//") & pl.col("value").is_not_null())
        .join(first, on="subject_id")
        .filter(pl.col("time") != pl.col("first"))
    )
    value = convert(pl.col("value").cast(pl.Float64).round_sig_figs(7)).round_sig_figs(9)
    ops = {"<": value.__lt__, "<=": value.__le__, ">": value.__gt__}
    expr = pl.when(ops[cuts[0][1]](cuts[0][2])).then(pl.lit(cuts[0][0]))
    for name, op, bound in cuts[1:]:
        expr = expr.when(ops[op](bound)).then(pl.lit(name))
    theirs = res.select(
        "subject_id", (pl.col("time") - timedelta(minutes=1)).alias("prediction_time"),
        expr.otherwise(pl.lit("normal")).alias("label"),
    )  # fmt: skip
    _same(ours, task, theirs)


@pytest.fixture(scope="module")
def visits(raw) -> pl.DataFrame:
    def ranked(prefix: str, name: str) -> pl.DataFrame:
        return (
            raw.filter(pl.col("code").str.starts_with(prefix))
            .select("subject_id", pl.col("time").alias(name))
            .unique()
            .sort("subject_id", name)
            .with_columns(pl.int_range(pl.len()).over("subject_id").alias("k"))
        )

    adm, dis = ranked("HOSPITAL_ADMISSION", "admit"), ranked("HOSPITAL_DISCHARGE", "discharge")
    v = adm.join(dis, on=["subject_id", "k"], how="inner")
    assert adm.height == dis.height == v.height
    nxt = v.sort("subject_id", "k").with_columns(pl.col("admit").shift(-1).over("subject_id").alias("next"))
    assert nxt.filter(pl.col("discharge") > pl.col("next")).height == 0  # alternate: rank pairing is valid
    assert v.filter(pl.col("discharge") <= pl.col("admit")).height == 0
    return v


def test_long_los_recounted(ours, visits):
    theirs = visits.filter(pl.col("admit").dt.date() != pl.col("discharge").dt.date()).select(
        "subject_id",
        (pl.col("admit").dt.truncate("1d") + EOD).alias("prediction_time"),
        pl.when(pl.col("discharge") - pl.col("admit") >= timedelta(days=7)).then(pl.lit("yes")).otherwise(pl.lit("no")).alias("label"),
    )  # fmt: skip
    _same(ours, "long_los", theirs)


def test_readmission_recounted(raw, ours, visits):
    last = raw.group_by("subject_id").agg(pl.col("time").max().alias("last"))
    pred = visits.group_by("subject_id", (pl.col("discharge").dt.truncate("1d") + EOD).alias("t")).agg(
        pl.col("discharge").max()
    )
    pairs = pred.join(visits.select("subject_id", pl.col("admit").alias("a")), on="subject_id")
    same_day = pairs.filter((pl.col("a") >= pl.col("discharge")) & (pl.col("a") <= pl.col("t")))
    hit = pairs.filter(
        (pl.col("a") >= pl.col("t") + timedelta(minutes=1))
        & (pl.col("a") <= pl.col("t") + timedelta(days=30))
    )
    theirs = (
        pred.join(same_day.select("subject_id", "t").unique(), on=["subject_id", "t"], how="anti")
        .join(hit.select("subject_id", "t").unique().with_columns(pl.lit("yes").alias("label")), on=["subject_id", "t"], how="left")
        .join(last, on="subject_id")
        .with_columns(pl.col("label").fill_null("no"))
        .filter((pl.col("label") == "yes") | (pl.col("last") >= pl.col("t") + timedelta(days=30)))
        .rename({"t": "prediction_time"})
    )  # fmt: skip
    _same(ours, "readmission_30d", theirs)
    # the censoring removes rows that the uncensored count labelled "no" (31-37 in the recount)
    assert pred.height - theirs.height - same_day.select("subject_id", "t").unique().height > 0


def test_icu_transfer_recounted(raw, ours, visits):
    icu = raw.filter(pl.col("code").str.starts_with("ICU_ADMISSION")).select(
        "subject_id", pl.col("time").alias("icu")
    )
    icu_out = raw.filter(pl.col("code").str.starts_with("ICU_DISCHARGE")).select(
        "subject_id", pl.col("time").alias("out")
    )
    # every ICU stay: its admission and the first ICU discharge at or after it
    stays = icu.sort("subject_id", "icu").join_asof(
        icu_out.sort("subject_id", "out"), left_on="icu", right_on="out", by="subject_id", strategy="forward"
    )
    stays = stays.with_columns(pl.col("out").fill_null(pl.col("icu")))
    multi = visits.filter(pl.col("admit").dt.date() != pl.col("discharge").dt.date())
    j = multi.join(stays, on="subject_id", how="left")
    overlap = (pl.col("icu") <= pl.col("discharge")) & (pl.col("out") >= pl.col("admit"))
    start = pl.max_horizontal("icu", "admit")
    per = j.group_by("subject_id", "admit").agg(
        (
            (pl.col("icu").dt.date() == pl.col("admit").dt.date())
            | (overlap & (start.dt.date() == pl.col("admit").dt.date()))
        )
        .any()
        .alias("x"),
        (overlap & (start > pl.col("admit").dt.truncate("1d") + EOD)).any().alias("y"),
    )
    theirs = per.filter(~pl.col("x")).select(
        "subject_id", (pl.col("admit").dt.truncate("1d") + EOD).alias("prediction_time"),
        pl.when(pl.col("y")).then(pl.lit("yes")).otherwise(pl.lit("no")).alias("label"),
    )  # fmt: skip
    _same(ours, "icu_transfer", theirs)


@pytest.mark.parametrize(
    ("task", "prefixes"),
    [("new_hypertension", ("9//401", "10//I10")), ("new_acute_mi", ("9//410", "10//I21", "10//I22"))],
)
def test_new_diagnosis_recounted(raw, ours, visits, task, prefixes):
    codes = pl.any_horizontal([pl.col("code").str.starts_with(f"DIAGNOSIS//ICD//{p}") for p in prefixes])
    dx = raw.filter(codes).select("subject_id", pl.col("time").alias("dx"))
    first = dx.group_by("subject_id").agg(pl.col("dx").min().alias("first"))
    last = raw.group_by("subject_id").agg(pl.col("time").max().alias("last"))
    pred = visits.select("subject_id", (pl.col("discharge").dt.truncate("1d") + EOD).alias("t")).unique()
    pred = pred.join(first, on="subject_id", how="left").filter(
        pl.col("first").is_null() | (pl.col("t") < pl.col("first"))
    )
    hits = pred.join(dx, on="subject_id").filter(
        (pl.col("dx") >= pl.col("t") + timedelta(minutes=1))
        & (pl.col("dx") <= pl.col("t") + timedelta(days=365))
    )
    theirs = (
        pred.join(hits.select("subject_id", "t").unique().with_columns(pl.lit("yes").alias("label")), on=["subject_id", "t"], how="left")
        .join(last, on="subject_id").with_columns(pl.col("label").fill_null("no"))
        .filter((pl.col("label") == "yes") | (pl.col("last") >= pl.col("t") + timedelta(days=365)))
        .rename({"t": "prediction_time"})
    )  # fmt: skip
    _same(ours, task, theirs)
