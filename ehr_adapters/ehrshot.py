"""EHRSHOT's 15 tasks as vectorized labelers over any MEDS dataset, and readers for EHRSHOT label files.

    labels = label(read_meds("../shared/data/mimic-iv-demo-meds"))   # subject_id, prediction_time, task, label

Every task is declared once in `ehr_adapters.ehrshot_spec` (codes with provenance, thresholds, prediction
time, window, censoring, exclusions); this module only applies those declarations, following EHRSHOT's
FEMR labelers (som-shahlab/femr `labelers/ehrshot.py`, `core.py`), with the deviations listed in
`ehrshot_spec.DEVIATIONS` and docs/ehrshot.md:
- operational tasks over inpatient visits (`ehr_adapters.visits`: intervals robust to same-minute events),
  predicted at 11:59 pm; readmission and new-diagnosis labels follow `TimeHorizonEventLabeler`: positive
  when an outcome falls in the window, else dropped when the record ends inside the window (censored);
- lab tasks predicted 1 minute before each result, severity from the declared cuts;
- chest X-ray findings (CheXpert, multi-label) exist only as EHRSHOT label files: `read_labeled_patients`.

Visits are MIMIC-style `HOSPITAL_ADMISSION//...` / `HOSPITAL_DISCHARGE//...` events and ICU stays
`ICU_ADMISSION//...` / `ICU_DISCHARGE//...`. Diagnoses match by ICD-9/ICD-10 prefix in either MIMIC
(`DIAGNOSIS//ICD//10//I10`) or vocabulary form (`ICD10CM/I10`), plus EHRSHOT's SNOMED root codes.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from ehr_adapters.ehrshot_files import read_labeled_patients  # noqa: F401  (public here too)
from ehr_adapters.ehrshot_spec import (  # noqa: F401  (re-exported: callers import them from here)
    CHEXPERT_FINDINGS,
    DEVIATIONS,
    END_OF_DAY,
    LAB_LEAD,
    SEVERITY,
    TASKS,
    YES_NO,
    Cut,
    EhrshotTask,
)
from ehr_adapters.errors import AdapterError, ReadReport
from ehr_adapters.meds import MedsDataset
from ehr_adapters.visits import pair_intervals

_SCHEMA = {"subject_id": pl.Int64, "prediction_time": pl.Datetime("us"), "task": pl.Utf8, "label": pl.Utf8}
_STATIC = ("MEDS_BIRTH",)
SIG_FIGS = 9  # converted lab values are compared at this precision (see `_lab_labels`)  # not a clinical event: the first-event lab exclusion skips it


def label(
    dataset: MedsDataset,
    tasks: Sequence[str] | None = None,
    report: ReadReport | None = None,
    *,
    include_blood_gas: bool = False,
    with_history: bool = False,
) -> pl.DataFrame:
    """Label every applicable (subject, prediction time) for the chosen tasks (all when None).

    Returns subject_id, prediction_time, task, label (one of the task's choices). Tasks that cannot be
    derived from events (chest_xray), lab results in an unknown unit and unpaired visit events are noted
    in `report` when given. `include_blood_gas` also reads MIMIC's blood-gas lab items (a deviation from
    the default, see `DEVIATIONS`). `with_history` adds a column `history`: for lab labels, whether the
    patient has an earlier result of the same test (without one the prompt holds no value to reason
    from); null for the other tasks."""
    names = list(TASKS) if tasks is None else list(tasks)
    unknown = [n for n in names if n not in TASKS]
    if unknown:
        raise AdapterError(
            f"unknown EHRSHOT task(s) {unknown}", field="tasks", fix=f"choose from {list(TASKS)}"
        )
    report = report if report is not None else ReadReport()
    # Work on a slim frame and decide everything code-dependent once per distinct code (a few thousand),
    # then select events with `is_in`: per-event string work is what makes labelers slow.
    events = (
        dataset.frame()
        .select("subject_id", "time", "code", "numeric_value")
        .filter(pl.col("time").is_not_null())
    )
    codes = dataset.code_table()
    span = events.group_by("subject_id").agg(
        pl.col("time").filter(~pl.col("code").is_in(_STATIC)).min().alias("first"),
        pl.col("time").max().alias("last"),
    )
    need_visits = any(TASKS[n].group in ("operational", "new_diagnosis") for n in names)
    visits = _intervals(events, codes, "HOSPITAL_ADMISSION", "HOSPITAL_DISCHARGE", "visit", report) \
        if need_visits else None  # fmt: skip
    out: list[pl.DataFrame] = []
    for name in names:
        task = TASKS[name]
        if task.group == "operational":
            frame = _operational(task, events, codes, visits, span, report)
        elif task.group == "lab":
            frame = _lab_labels(task, events, codes, span, report, include_blood_gas)
        elif task.group == "new_diagnosis":
            frame = _new_diagnosis(task, events, codes, span, visits)
        else:
            report.skip(
                name, "task", "not derivable from events: chest X-ray labels come from EHRSHOT label files"
            )
            continue
        history = pl.col("history") if "history" in frame.columns else pl.lit(None, pl.Boolean)
        out.append(
            frame.select(
                pl.col("subject_id"),
                pl.col("prediction_time"),
                pl.lit(name).alias("task"),
                pl.col("label"),
                history.alias("history"),
            )
        )
        report.count(f"labels:{name}", frame.height)
    schema = {**_SCHEMA, "history": pl.Boolean} if with_history else _SCHEMA
    if not out:
        return pl.DataFrame(schema=schema)
    frame = pl.concat(out).select(list(schema)).cast(schema)
    return frame.sort(["task", "subject_id", "prediction_time"], maintain_order=True)


def _codes_where(codes: pl.DataFrame, predicate: pl.Expr) -> pl.Series:
    return codes.filter(predicate).get_column("code").implode()


def _events_with_prefix(events: pl.DataFrame, codes: pl.DataFrame, prefix: str) -> pl.DataFrame:
    return events.filter(pl.col("code").is_in(_codes_where(codes, pl.col("code").str.starts_with(prefix))))


def _intervals(events, codes, start: str, end: str, what: str, report: ReadReport) -> pl.DataFrame:
    """(subject_id, start, end) from start/end code prefixes; anomalies counted in the report."""
    frame, anomalies = pair_intervals(
        _events_with_prefix(events, codes, start), _events_with_prefix(events, codes, end)
    )
    for kind, n in anomalies.items():
        report.count(f"{what}s:{kind}", n)
    return frame


def _end_of_day(col: str) -> pl.Expr:
    return pl.col(col).dt.truncate("1d") + END_OF_DAY


def _yes_no(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr).then(pl.lit("yes")).otherwise(pl.lit("no"))


def _operational(task, events, codes, visits, span, report) -> pl.DataFrame:
    multi_day = visits.filter(pl.col("start").dt.date() != pl.col("end").dt.date())
    if task.name == "long_los":
        return multi_day.select(
            "subject_id",
            _end_of_day("start").alias("prediction_time"),
            _yes_no(pl.col("end") - pl.col("start") >= task.long_stay).alias("label"),
        )
    if task.name == "icu_transfer":
        return _icu_transfer(multi_day, events, codes, report)
    # outcome = every admission event, also one whose discharge is not in the extract (OMOP visits, which
    # EHRSHOT reads, always have an end; MIMIC's last admission may not)
    admits = _events_with_prefix(events, codes, "HOSPITAL_ADMISSION").select("subject_id", "time").unique()
    return _readmission(task, visits, admits, span)


def _icu_transfer(multi_day, events, codes, report) -> pl.DataFrame:
    """Guo_ICUAdmissionLabeler: yes when an ICU stay starts after the admission day and by discharge.
    Excluded: visits with any ICU start on the admission day, or an ICU stay already running at admission
    (it started minutes before the admission record: the transfer is at admission, and in the prompt)."""
    starts = _events_with_prefix(events, codes, "ICU_ADMISSION")
    stays = _intervals(events, codes, "ICU_ADMISSION", "ICU_DISCHARGE", "icu_stay", report)
    # an ICU start with no discharge event still starts a stay: keep it as a point
    icu = pl.concat(
        [stays, starts.select("subject_id", pl.col("time").alias("start"), pl.col("time").alias("end"))]
    )
    icu = icu.rename({"start": "icu_start", "end": "icu_end"}).unique()
    joined = multi_day.with_row_index("_visit").join(icu, on="subject_id", how="left")
    overlaps = (pl.col("icu_start") <= pl.col("end")) & (pl.col("icu_end") >= pl.col("start"))
    transfer = pl.max_horizontal("icu_start", "start")  # a stay running at admission counts from admission
    admit_day = pl.col("start").dt.date()
    per_visit = joined.group_by("_visit", "subject_id", "start", maintain_order=True).agg(
        ((pl.col("icu_start").dt.date() == admit_day) | (overlaps & (transfer.dt.date() == admit_day)))
        .any()
        .alias("excluded"),
        (overlaps & (transfer > _end_of_day("start"))).any().alias("transfer"),
    )
    return per_visit.filter(~pl.col("excluded")).select(
        "subject_id",
        _end_of_day("start").alias("prediction_time"),
        _yes_no(pl.col("transfer")).alias("label"),
    )


def _readmission(
    task: EhrshotTask, visits: pl.DataFrame, admits: pl.DataFrame, span: pl.DataFrame
) -> pl.DataFrame:
    """Guo_30DayReadmissionLabeler + TimeHorizonEventLabeler: outcome = an admission in the window after
    11:59 pm of the discharge day; no outcome and a record ending inside the window: censored, dropped."""
    lo, hi = task.window
    pred = visits.group_by("subject_id", _end_of_day("end").alias("prediction_time")).agg(
        pl.col("end").max().alias("discharge")
    )
    admits = admits.select("subject_id", pl.col("time").alias("next_admit"))
    joined = pred.with_row_index("_p").join(admits, on="subject_id", how="left")
    gap = pl.col("next_admit") - pl.col("prediction_time")
    per = joined.group_by("_p", "subject_id", "prediction_time", maintain_order=True).agg(
        # an admission at or after this discharge and by 11:59 pm: readmitted the same day (in the prompt)
        ((pl.col("next_admit") >= pl.col("discharge")) & (pl.col("next_admit") <= pl.col("prediction_time")))
        .any()
        .alias("same_day"),
        ((gap >= lo) & (gap <= hi)).any().alias("outcome"),
    )
    per = per.join(span.select("subject_id", "last"), on="subject_id", how="left")
    censored = ~pl.col("outcome") & (pl.col("last") < pl.col("prediction_time") + hi)
    return per.filter(~pl.col("same_day") & ~censored).select(
        "subject_id", "prediction_time", _yes_no(pl.col("outcome")).alias("label")
    )


def _lab_codes(task: EhrshotTask, codes: pl.DataFrame, include_blood_gas: bool) -> pl.DataFrame:
    """The task's lab codes: declared MIMIC items (`LAB//<item>//unit`), else vocabulary codes of the
    concept or EHRSHOT's own root codes."""
    items = [i.item for i in task.mimic_items if i.used or include_blood_gas]
    item = pl.col("code").str.extract(r"^LAB//(\d+)//", 1)
    mimic = item.is_in(items)
    vocab = item.is_null() & (
        pl.col("code").is_in(list(task.ehrshot_codes))
        | (
            (pl.col("concept") == task.concept)
            & (pl.col("kind") == "lab")
            & ~pl.col("code").str.starts_with("LAB//")
        )
    )
    return codes.filter(mimic | vocab)


def _severity_expr(task: EhrshotTask, value: pl.Expr) -> pl.Expr:
    """The declared cuts as one polars expression (same order as `EhrshotTask.severity`)."""
    ops = {"<": value.__lt__, "<=": value.__le__, ">": value.__gt__}
    expr = None
    for cut in task.cuts:
        cond = ops[cut.op](cut.bound)
        expr = (
            pl.when(cond).then(pl.lit(cut.label)) if expr is None else expr.when(cond).then(pl.lit(cut.label))
        )
    return expr.otherwise(pl.lit("normal"))


def _lab_labels(task, events, codes, span, report, include_blood_gas) -> pl.DataFrame:
    lab_codes = _lab_codes(task, codes, include_blood_gas)
    results = (
        events.filter(
            pl.col("code").is_in(lab_codes.get_column("code").implode())
            & pl.col("numeric_value").is_not_null()
        )
        .join(lab_codes.select("code", "unit"), on="code", how="left")
        .join(span.select("subject_id", "first"), on="subject_id", how="left")
        # an earlier result of this test (any unit, before the exclusions below) is in the prompt's record
        .with_columns((pl.col("time") > pl.col("time").min().over("subject_id")).alias("history"))
        .filter(pl.col("time") != pl.col("first"))
    )
    conv = pl.DataFrame(
        [(u, op == "*", float(k)) for u, (op, k) in task.units.items()],
        schema={"unit": pl.Utf8, "_mul": pl.Boolean, "_k": pl.Float64},
        orient="row",
    )
    results = results.join(conv, on="unit", how="left")
    for unit, n in results.filter(pl.col("_k").is_null()).group_by("unit").len().iter_rows():
        report.skip(task.name, f"unit {unit}", f"lab result in unsupported unit: {n} results not labelled")
    results = results.filter(pl.col("_k").is_not_null())
    # the same arithmetic as EhrshotTask.convert, rounded to 9 significant digits so that a value on a cut
    # in exact arithmetic (70.2 mg/dL / 18 = 3.9 mmol/L) is on it, as the prompt's rule says (deviation)
    value = (
        pl.when(pl.col("_mul"))
        .then(pl.col("numeric_value") * pl.col("_k"))
        .otherwise(pl.col("numeric_value") / pl.col("_k"))
        .round_sig_figs(SIG_FIGS)
    )
    return results.select(
        "subject_id", (pl.col("time") - LAB_LEAD).alias("prediction_time"),
        _severity_expr(task, value).alias("label"), "history",
    )  # fmt: skip


def _diagnosis_match(task: EhrshotTask) -> pl.Expr:
    code = pl.col("code")
    mimic9 = code.str.strip_prefix("DIAGNOSIS//ICD//9//")
    mimic10 = code.str.strip_prefix("DIAGNOSIS//ICD//10//")
    vocab9 = code.str.strip_prefix("ICD9CM/").str.replace_all(".", "", literal=True)
    vocab10 = code.str.strip_prefix("ICD10CM/").str.replace_all(".", "", literal=True)
    is9 = code.str.starts_with("DIAGNOSIS//ICD//9//") | code.str.starts_with("ICD9CM/")
    is10 = code.str.starts_with("DIAGNOSIS//ICD//10//") | code.str.starts_with("ICD10CM/")
    icd9 = pl.when(code.str.starts_with("ICD9CM/")).then(vocab9).otherwise(mimic9)
    icd10 = pl.when(code.str.starts_with("ICD10CM/")).then(vocab10).otherwise(mimic10)
    match = pl.lit(False)
    for prefix in task.icd9:
        match = match | (is9 & icd9.str.starts_with(prefix))
    for prefix in task.icd10:
        match = match | (is10 & icd10.str.starts_with(prefix))
    return match | code.is_in([f"SNOMED/{s}" for s in task.snomed])


def _new_diagnosis(task, events, codes, span, visits) -> pl.DataFrame:
    """FirstDiagnosisTimeHorizonCodeLabeler: prediction at 11:59 pm of each discharge day strictly before
    the first diagnosis; positive when a diagnosis falls in the window; censored 'no' labels dropped."""
    lo, hi = task.window
    dx = events.filter(pl.col("code").is_in(_codes_where(codes, _diagnosis_match(task))))
    dx = dx.select("subject_id", pl.col("time").alias("dx")).unique()
    first = dx.group_by("subject_id").agg(pl.col("dx").min().alias("first_dx"))
    pred = visits.select("subject_id", _end_of_day("end").alias("prediction_time")).unique()
    pred = pred.join(first, on="subject_id", how="left").join(
        span.select("subject_id", "last"), on="subject_id", how="left"
    )
    pred = pred.filter(pl.col("first_dx").is_null() | (pl.col("prediction_time") < pl.col("first_dx")))
    # outcome: any diagnosis time in [t + lo, t + hi] (TimeHorizonEventLabeler's first outcome >= t + lo)
    hits = (
        pred.join(dx, on="subject_id", how="inner")
        .filter(
            (pl.col("dx") >= pl.col("prediction_time") + lo)
            & (pl.col("dx") <= pl.col("prediction_time") + hi)
        )
        .select("subject_id", "prediction_time")
        .unique()
        .with_columns(pl.lit(True).alias("outcome"))
    )
    pred = pred.join(hits, on=["subject_id", "prediction_time"], how="left").with_columns(
        pl.col("outcome").fill_null(False)
    )
    censored = ~pl.col("outcome") & (pl.col("last") < pl.col("prediction_time") + hi)
    return pred.filter(~censored).select(
        "subject_id", "prediction_time", _yes_no(pl.col("outcome")).alias("label")
    )

