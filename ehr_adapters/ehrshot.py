"""EHRSHOT's 15 tasks as vectorized labelers over any MEDS dataset, and readers for EHRSHOT label files.

    labels = label(read_meds("../shared/data/mimic-iv-demo-meds"))   # subject_id, prediction_time, task, label

Definitions follow EHRSHOT (Wornow et al., NeurIPS 2023, arXiv:2307.02028) and its FEMR labelers:
- operational outcomes over inpatient visits, predicted at 11:59 pm: long length of stay (>= 7 days) on the
  admission day; 30-day readmission on the discharge day; ICU transfer during the visit on the admission
  day. Visits that end on their admission day are skipped, as are ICU transfers on the admission day and
  readmissions on the discharge day (the answer would already be in the record).
- lab anticipation, predicted 1 minute before each result: normal/mild/moderate/severe with EHRSHOT's
  thresholds (platelets 10^9/L <150/<100/<50; potassium mmol/L >5.5/>6/>7; glucose mmol/L <=3.9/<3.5/<3;
  sodium mmol/L <=135/<130/<125; hemoglobin g/L <120/<110/<70). Results at the patient's first timestamp
  are skipped.
- new diagnosis within 1 year, predicted at 11:59 pm on each discharge day before the first diagnosis;
  labels censored by the end of the record (no diagnosis and < 1 year of follow-up) are dropped.
- chest X-ray findings (CheXpert, multi-label) exist only as EHRSHOT label files: `read_labeled_patients`.

Visits are MIMIC-style `HOSPITAL_ADMISSION//...` / `HOSPITAL_DISCHARGE//...` pairs and ICU stays are
`ICU_ADMISSION//...` codes. Diagnoses match by ICD-9/ICD-10 prefix in either MIMIC
(`DIAGNOSIS//ICD//10//I10`) or vocabulary form (`ICD10CM/I10`), plus EHRSHOT's SNOMED root codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import polars as pl

from ehr_adapters.errors import AdapterError, ReadReport
from ehr_adapters.meds import MedsDataset

YES_NO = ("no", "yes")
SEVERITY = ("normal", "mild", "moderate", "severe")
CHEXPERT_FINDINGS = (
    "No Finding",
    "Enlarged Cardiomediastinum",
    "Cardiomegaly",
    "Lung Lesion",
    "Lung Opacity",
    "Edema",
    "Consolidation",
    "Pneumonia",
    "Atelectasis",
    "Pneumothorax",
    "Pleural Effusion",
    "Pleural Other",
    "Fracture",
    "Support Devices",
)


@dataclass(frozen=True)
class EhrshotTask:
    """One EHRSHOT task: label type, label strings, a description for prompts, and its EHRSHOT name."""

    name: str
    kind: str  # "binary" | "multiclass" | "multilabel" (chest_xray only)
    choices: tuple[str, ...]
    description: str
    ehrshot_name: str
    group: str  # "operational" | "lab" | "new_diagnosis" | "imaging"
    # lab tasks: concept and (unit -> factor to EHRSHOT's unit); diagnosis tasks: ICD prefixes and SNOMED roots
    concept: str | None = None
    unit_factors: dict[str, float] = field(default_factory=dict)
    thresholds: tuple[float, float, float] | None = None  # mild, moderate, severe cut points
    low_is_bad: bool = True
    icd9: tuple[str, ...] = ()
    icd10: tuple[str, ...] = ()
    snomed: tuple[str, ...] = ()


def _lab(
    name: str, ehr: str, concept: str, what: str, factors: dict[str, float], cuts, low: bool
) -> EhrshotTask:
    unit = {"platelets": "10^9/L", "hemoglobin": "g/L"}.get(concept, "mmol/L")
    sign = "<" if low else ">"
    desc = (
        f"Anticipate the next {what} result, 1 minute before it is reported: normal, mild, moderate or "
        f"severe ({what} {sign} {cuts[0]}, {sign} {cuts[1]}, {sign} {cuts[2]} {unit})."
    )
    return EhrshotTask(name, "multiclass", SEVERITY, desc, ehr, "lab", concept, factors, cuts, low)


def _dx(name: str, ehr: str, what: str, icd9: tuple, icd10: tuple, snomed: tuple) -> EhrshotTask:
    desc = (
        f"Will the patient receive a first diagnosis of {what} within the next year (after this discharge)?"
    )
    return EhrshotTask(
        name, "binary", YES_NO, desc, ehr, "new_diagnosis", icd9=icd9, icd10=icd10, snomed=snomed
    )


_MMOL = {"mmol/L": 1.0, "meq/L": 1.0}
_AT_ADMISSION = "(predicted at 11:59 pm on the day of admission)"
# fmt: off
TASKS: dict[str, EhrshotTask] = {t.name: t for t in (
    EhrshotTask("long_los", "binary", YES_NO, f"Will this hospital stay last 7 days or longer? {_AT_ADMISSION}",
                "guo_los", "operational"),
    EhrshotTask("readmission_30d", "binary", YES_NO, "Will the patient be readmitted to hospital within 30 days? "
                "(predicted at 11:59 pm on the day of discharge)", "guo_readmission", "operational"),
    EhrshotTask("icu_transfer", "binary", YES_NO, "Will the patient be transferred to an ICU during this hospital "
                f"stay? {_AT_ADMISSION}", "guo_icu", "operational"),
    _lab("lab_thrombocytopenia", "lab_thrombocytopenia", "platelets", "platelet count",
         {"10*3/uL": 1.0, "10*9/L": 1.0}, (150, 100, 50), True),
    _lab("lab_hyperkalemia", "lab_hyperkalemia", "potassium", "potassium", _MMOL, (5.5, 6.0, 7.0), False),
    # EHRSHOT converts glucose mg/dL -> mmol/L by dividing by 18; kept so labels match theirs
    _lab("lab_hypoglycemia", "lab_hypoglycemia", "glucose", "glucose", {"mmol/L": 1.0, "mg/dL": 1 / 18},
         (3.9, 3.5, 3.0), True),
    _lab("lab_hyponatremia", "lab_hyponatremia", "sodium", "sodium", _MMOL, (135, 130, 125), True),
    _lab("lab_anemia", "lab_anemia", "hemoglobin", "hemoglobin", {"g/dL": 10.0, "g/L": 1.0}, (120, 110, 70), True),
    _dx("new_hypertension", "new_hypertension", "essential hypertension", ("401",), ("I10",), ("59621000",)),
    _dx("new_hyperlipidemia", "new_hyperlipidemia", "hyperlipidemia", ("2720", "2721", "2722", "2723", "2724"),
        ("E780", "E781", "E782", "E783", "E784", "E785"), ("55822004",)),
    _dx("new_pancreatic_cancer", "new_pancan", "pancreatic cancer", ("157",), ("C25",), ("372003004",)),
    _dx("new_celiac", "new_celiac", "celiac disease", ("5790",), ("K900",), ("396331005",)),
    _dx("new_lupus", "new_lupus", "systemic lupus erythematosus", ("7100",), ("M32",), ("55464009",)),
    _dx("new_acute_mi", "new_acutemi", "acute myocardial infarction", ("410",), ("I21", "I22"), ("57054005",)),
    EhrshotTask("chest_xray", "multilabel", CHEXPERT_FINDINGS, "Which findings will the next chest X-ray report "
                "show? (predicted 24 hours before the report)", "chexpert", "imaging"),
)}
# fmt: on
_BY_EHRSHOT_NAME = {t.ehrshot_name: t.name for t in TASKS.values()}

_END_OF_DAY = timedelta(hours=23, minutes=59)
_SCHEMA = {"subject_id": pl.Int64, "prediction_time": pl.Datetime("us"), "task": pl.Utf8, "label": pl.Utf8}


def label(
    dataset: MedsDataset, tasks: Sequence[str] | None = None, report: ReadReport | None = None
) -> pl.DataFrame:
    """Label every applicable (subject, prediction time) for the chosen tasks (all when None).

    Returns subject_id, prediction_time, task, label (one of the task's choices). Tasks that cannot be
    derived from events (chest_xray) or lab results in an unknown unit are noted in `report` when given.
    """
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
        pl.col("time").min().alias("first"), pl.col("time").max().alias("last")
    )
    visits = _visits(events, codes)
    out: list[pl.DataFrame] = []
    for name in names:
        task = TASKS[name]
        if task.group == "operational":
            frame = _operational(name, events, codes, visits)
        elif task.group == "lab":
            frame = _lab_labels(task, events, codes, span, report)
        elif task.group == "new_diagnosis":
            frame = _new_diagnosis(task, events, codes, span, visits)
        else:
            report.skip(
                name, "task", "not derivable from events: chest X-ray labels come from EHRSHOT label files"
            )
            continue
        out.append(
            frame.select(
                pl.col("subject_id"), pl.col("prediction_time"), pl.lit(name).alias("task"), pl.col("label")
            )
        )
        report.count(f"labels:{name}", frame.height)
    if not out:
        return pl.DataFrame(schema=_SCHEMA)
    return pl.concat(out).cast(_SCHEMA).sort(["task", "subject_id", "prediction_time"], maintain_order=True)


def _codes_where(codes: pl.DataFrame, predicate: pl.Expr) -> pl.Series:
    return codes.filter(predicate).get_column("code").implode()


def _visits(events: pl.DataFrame, codes: pl.DataFrame) -> pl.DataFrame:
    """Inpatient visits (subject_id, admit, discharge): each admission paired with the next discharge."""
    adm = events.filter(
        pl.col("code").is_in(_codes_where(codes, pl.col("code").str.starts_with("HOSPITAL_ADMISSION")))
    )
    dis = events.filter(
        pl.col("code").is_in(_codes_where(codes, pl.col("code").str.starts_with("HOSPITAL_DISCHARGE")))
    )
    adm = adm.select("subject_id", pl.col("time").alias("admit")).unique().sort("subject_id", "admit")
    dis = dis.select("subject_id", pl.col("time").alias("discharge")).unique().sort("subject_id", "discharge")
    paired = adm.join_asof(
        dis,
        left_on="admit",
        right_on="discharge",
        by="subject_id",
        strategy="forward",
        check_sortedness=False,
    )  # sorted by (subject_id, time) just above
    return paired.filter(pl.col("discharge").is_not_null())


def _end_of_day(col: str) -> pl.Expr:
    return pl.col(col).dt.truncate("1d") + _END_OF_DAY


def _yes_no(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr).then(pl.lit("yes")).otherwise(pl.lit("no"))


def _operational(name: str, events: pl.DataFrame, codes: pl.DataFrame, visits: pl.DataFrame) -> pl.DataFrame:
    multi_day = visits.filter(pl.col("admit").dt.date() != pl.col("discharge").dt.date())
    if name == "long_los":
        return multi_day.select(
            "subject_id",
            _end_of_day("admit").alias("prediction_time"),
            _yes_no(pl.col("discharge") - pl.col("admit") >= timedelta(days=7)).alias("label"),
        )
    if name == "icu_transfer":
        icu = events.filter(
            pl.col("code").is_in(_codes_where(codes, pl.col("code").str.starts_with("ICU_ADMISSION")))
        )
        icu = icu.select("subject_id", pl.col("time").alias("icu"))
        joined = multi_day.with_row_index("_visit").join(icu, on="subject_id", how="left")
        within = (pl.col("icu") >= pl.col("admit")) & (pl.col("icu") <= pl.col("discharge"))
        per_visit = joined.group_by("_visit", "subject_id", "admit", maintain_order=True).agg(
            (within & (pl.col("icu").dt.date() == pl.col("admit").dt.date())).any().alias("same_day"),
            (within & (pl.col("icu") > _end_of_day("admit"))).any().alias("transfer"),
        )
        return per_visit.filter(~pl.col("same_day")).select(
            "subject_id",
            _end_of_day("admit").alias("prediction_time"),
            _yes_no(pl.col("transfer")).alias("label"),
        )
    # readmission_30d: every discharge; skip same-day readmissions and deaths before the prediction time
    deaths = (
        events.filter(pl.col("code") == "MEDS_DEATH")
        .group_by("subject_id")
        .agg(pl.col("time").min().alias("death"))
    )
    pred = visits.group_by("subject_id", _end_of_day("discharge").alias("prediction_time")).agg(
        pl.col("discharge").max()
    )
    admits = visits.select("subject_id", pl.col("admit").alias("next_admit"))
    joined = pred.with_row_index("_p").join(admits, on="subject_id", how="left")
    gap = pl.col("next_admit") - pl.col("prediction_time")
    after = pl.col("next_admit") > pl.col("discharge")
    per = joined.group_by("_p", "subject_id", "prediction_time", maintain_order=True).agg(
        (after & (pl.col("next_admit").dt.date() == pl.col("prediction_time").dt.date()))
        .any()
        .alias("same_day"),
        ((gap >= timedelta(minutes=1)) & (gap <= timedelta(days=30))).any().alias("readmitted"),
    )
    per = per.join(deaths, on="subject_id", how="left")
    keep = ~pl.col("same_day") & (pl.col("death").is_null() | (pl.col("death") > pl.col("prediction_time")))
    return per.filter(keep).select(
        "subject_id", "prediction_time", _yes_no(pl.col("readmitted")).alias("label")
    )


def _lab_labels(
    task: EhrshotTask, events: pl.DataFrame, codes: pl.DataFrame, span: pl.DataFrame, report: ReadReport
) -> pl.DataFrame:
    lab_codes = codes.filter((pl.col("concept") == task.concept) & (pl.col("kind") == "lab") & ~_is_charted())
    results = (
        events.filter(
            pl.col("code").is_in(lab_codes.get_column("code").implode())
            & pl.col("numeric_value").is_not_null()
        )
        .join(lab_codes.select("code", "unit"), on="code", how="left")
        .join(span, on="subject_id", how="left")
        .filter(pl.col("time") != pl.col("first"))
    )
    factors = pl.DataFrame({"unit": list(task.unit_factors), "_f": list(task.unit_factors.values())})
    results = results.join(factors, on="unit", how="left")
    for unit, n in results.filter(pl.col("_f").is_null()).group_by("unit").len().iter_rows():
        report.skip(task.name, f"unit {unit}", f"lab result in unsupported unit: {n} results not labelled")
    results = results.filter(pl.col("_f").is_not_null())
    value = pl.col("numeric_value") * pl.col("_f")
    mild, moderate, severe = task.thresholds or (0, 0, 0)
    if task.low_is_bad:
        # EHRSHOT's boundaries: mild is inclusive (<=) for glucose and sodium, strict (<) for the others
        inclusive = task.concept in ("glucose", "sodium")
        is_mild = (value <= mild) if inclusive else (value < mild)
        sev = (
            pl.when(value < severe)
            .then(pl.lit("severe"))
            .when(value < moderate)
            .then(pl.lit("moderate"))
            .when(is_mild)
            .then(pl.lit("mild"))
            .otherwise(pl.lit("normal"))
        )
    else:
        sev = (
            pl.when(value > severe)
            .then(pl.lit("severe"))
            .when(value > moderate)
            .then(pl.lit("moderate"))
            .when(value > mild)
            .then(pl.lit("mild"))
            .otherwise(pl.lit("normal"))
        )
    return results.select(
        "subject_id", (pl.col("time") - timedelta(minutes=1)).alias("prediction_time"), sev.alias("label")
    )


def _is_charted() -> pl.Expr:
    # MIMIC charted copies of lab values (icu item ids >= 220000) would duplicate each lab-system result
    item = pl.col("code").str.extract(r"^LAB//(\d+)//", 1).cast(pl.Int64, strict=False)
    return item.is_not_null() & (item >= 220000)


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


def _new_diagnosis(
    task: EhrshotTask, events: pl.DataFrame, codes: pl.DataFrame, span: pl.DataFrame, visits: pl.DataFrame
) -> pl.DataFrame:
    dx_codes = _codes_where(codes, _diagnosis_match(task))
    first_dx = (
        events.filter(pl.col("code").is_in(dx_codes))
        .group_by("subject_id")
        .agg(pl.col("time").min().alias("dx"))
    )
    last = span.select("subject_id", "last")
    pred = visits.select("subject_id", _end_of_day("discharge").alias("prediction_time")).unique()
    pred = pred.join(first_dx, on="subject_id", how="left").join(last, on="subject_id", how="left")
    pred = pred.filter(pl.col("dx").is_null() | (pl.col("prediction_time") < pl.col("dx")))
    gap = pl.col("dx") - pl.col("prediction_time")
    positive = pl.col("dx").is_not_null() & (gap >= timedelta(minutes=1)) & (gap <= timedelta(days=365))
    censored = ~positive & (pl.col("last") < pl.col("prediction_time") + timedelta(days=365))
    return pred.filter(~censored).select("subject_id", "prediction_time", _yes_no(positive).alias("label"))


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
