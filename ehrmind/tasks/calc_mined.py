"""Task `calc`: calculator questions mined from structured records (MEDS or FHIR), gold computed by us.

For each calculator in `DEFAULT_CALCULATORS` whose required inputs a record can carry (lab and vital
concepts from `ehr_adapters.codes`, age, sex), candidate prediction times are the times its inputs were
measured. At each, an input takes the latest measurement at or before that time within its freshness
window (`WINDOWS`); a task is made only when every required input is present (optional measured ones,
e.g. SIRS's PaCO2, are used when fresh and otherwise named as not measured). Optional inputs records
cannot show (MELD-Na's dialysis) keep their declared default and the question states the assumption, so
the gold answers the question asked. Values keep their source units; the calculator converts them.
Up to `per_patient` times per patient and calculator are kept, spread over the record; a row is kept only
when the serialized prompt shows every input value (a token budget can hide one: then a spare candidate
is tried) and does not already state the answer (a lab-reported anion gap, a charted BMI).

The search is vectorized (one polars as-of join per input, GCS summed from its charted components), so a
MEDS extract is mined without building a PatientRecord per candidate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import polars as pl

from calculators import Calculator, CalculatorError
from calculators.editions import for_edition
from calculators.registry import load
from ehr_adapters.errors import AdapterError, SkippedItem
from ehr_adapters.record import age_years
from ehrmind.tasks.families.calc import NAME as TASK  # the family declaration names the rows
from ehrmind.tasks.prompt_numbers import answer_in_prompt, shown_number, visible
from ehrmind.tasks.prompts import chat_prompt
from ehrmind.tasks.schema import TaskRows, calculator_gold, new_row

if TYPE_CHECKING:
    from ehrmind.tasks.sources import BuildContext

__all__ = ["TASK", "answer_in_prompt", "build_calc", "plan_for", "question", "spread", "visible"]

DEFAULT_CALCULATORS: tuple[str, ...] = (
    "anion_gap", "albumin_corrected_anion_gap", "delta_gap", "serum_osmolality", "calcium_correction",
    "sodium_correction_hyperglycemia", "ckd_epi_2021", "cockcroft_gault", "meld_na", "free_water_deficit",
    "mean_arterial_pressure", "bmi", "bsa_mosteller", "sirs", "qsofa",
)  # fmt: skip

_VITALS = ("heart_rate", "respiratory_rate", "temperature", "systolic_bp", "diastolic_bp", "mean_bp", "spo2",
           "gcs", "fio2")  # fmt: skip
_LABS = ("creatinine", "sodium", "potassium", "chloride", "bicarbonate", "bun", "glucose", "albumin", "bilirubin",
         "inr", "platelets", "wbc", "hemoglobin", "hematocrit", "calcium", "lactate", "pao2", "paco2", "ph")  # fmt: skip
# How old a measurement may be at the prediction time: vitals change by the hour, labs are drawn daily,
# body size changes slowly.
WINDOWS: dict[str, timedelta] = {
    **dict.fromkeys(_VITALS, timedelta(hours=4)),
    **dict.fromkeys(_LABS, timedelta(hours=24)),
    "weight": timedelta(days=30),
    "height": timedelta(days=3650),
}
DEMOGRAPHIC_INPUTS = ("age", "sex")
SPARE_FACTOR = 3  # candidates tried per wanted row when inputs fall outside the prompt's token budget


class Patient(Protocol):
    """What builders need of a patient: a `PatientRecord`, or a serializer `Timeline` (MEDS fast path)."""

    patient_id: str
    birth_date: date | None
    sex: str | None


Serializer = Callable[[Any, datetime], str]  # (patient, prediction time) -> prompt context


# Optional inputs that a calculator needs from a record to be minable: qSOFA's altered mentation can only
# be judged from the Glasgow Coma Scale in structured data.
REQUIRED_FOR_MINING: dict[str, tuple[str, ...]] = {"qsofa": ("gcs",)}
# How a defaulted input is stated in the question, where the generic "Assume ...: no." would mislead.
ASSUMPTION_TEXT: dict[tuple[str, str], str] = {
    ("qsofa", "altered_mentation"): "Judge altered mentation from the Glasgow Coma Scale only (GCS < 15).",
}
# Concepts computed from others charted at the same time (MIMIC charts GCS as its three components).
DERIVED: dict[str, tuple[str, ...]] = {"gcs": ("gcs_eye", "gcs_verbal", "gcs_motor")}


@dataclass(frozen=True)
class MiningPlan:
    """How one calculator's inputs come from a record."""

    calculator: Calculator
    measured: dict[str, str]  # required input name -> concept
    demographic: tuple[str, ...]
    optional: dict[str, str] = field(default_factory=dict)  # optional measured inputs, used when fresh
    assumed: dict[str, Any] = field(default_factory=dict)  # optional inputs left at their default


def plan_for(calc: Calculator) -> MiningPlan | str:
    """A plan, or the reason the calculator cannot be mined from records."""
    measured: dict[str, str] = {}
    optional: dict[str, str] = {}
    demographic: list[str] = []
    assumed: dict[str, Any] = {}
    must = REQUIRED_FOR_MINING.get(calc.id, ())
    for spec in calc.inputs:
        if spec.name in WINDOWS:  # calculator input names are the concept names
            (measured if spec.required or spec.name in must else optional)[spec.name] = spec.name
        elif spec.name in DEMOGRAPHIC_INPUTS:
            demographic.append(spec.name)
        elif not spec.required:
            assumed[spec.name] = spec.default
        else:
            return f"input {spec.name!r} ({spec.label}) is not a record concept"
    if not measured:
        return "no required measured input"
    return MiningPlan(calc, measured, tuple(demographic), optional, assumed)


def _measurements(events: pl.DataFrame, concept: str, name: str) -> pl.DataFrame:
    """One concept's measurements (direct, plus derived sums of components charted together)."""
    cols = ("value", "unit", "time", "code", "parts")
    direct = events.filter(pl.col("concept") == concept).select(
        "subject_id",
        "time",
        "numeric_value",
        "unit",
        "code",
        pl.lit(None, pl.List(pl.Float64)).alias("parts"),
    )
    frames = [direct]
    parts = DERIVED.get(concept)
    if parts:
        derived = (
            events.filter(pl.col("concept").is_in(parts))
            .sort("concept")
            .group_by("subject_id", "time", maintain_order=True)
            .agg(pl.col("concept").n_unique().alias("n"), pl.len().alias("rows"), pl.col("numeric_value").sum(),
                 pl.col("numeric_value").alias("parts"))
            .filter((pl.col("n") == len(parts)) & (pl.col("rows") == len(parts)))  # exactly one of each
            .select("subject_id", "time", "numeric_value", pl.lit("{score}").alias("unit"),
                    pl.lit("+".join(parts)).alias("code"), "parts")
        )  # fmt: skip
        frames.append(derived)
    both = pl.concat(frames).sort(["subject_id", "time", "code", "numeric_value"])
    return both.select(
        "subject_id",
        "time",
        *[(pl.col("numeric_value") if c == "value" else pl.col(c)).alias(f"{name}__{c}") for c in cols],
    )


def candidates(events: pl.DataFrame, plan: MiningPlan) -> pl.DataFrame:
    """Every (subject, time) at which all of the plan's required inputs have a fresh value (optional ones
    are joined when fresh, else null), sorted by subject and time."""
    events = events.with_columns(pl.col("subject_id").cast(pl.Utf8))
    wanted = {**plan.measured, **plan.optional}
    concepts = set(wanted.values()) | {c for k in wanted.values() for c in DERIVED.get(k, ())}
    sub = events.filter(pl.col("concept").is_in(sorted(concepts)))
    frame = sub.select("subject_id", "time").unique().sort(["subject_id", "time"])
    for name, concept in wanted.items():
        frame = frame.join_asof(
            _measurements(sub, concept, name),
            on="time",
            by="subject_id",
            strategy="backward",
            tolerance=WINDOWS[concept],
            check_sortedness=False,
        )
    return frame.drop_nulls([f"{name}__value" for name in plan.measured])


def spread(times: Sequence[Any], k: int) -> list[int]:
    """Indices of up to k items spread evenly over a sequence (first and last included)."""
    n = len(times)
    if n <= k:
        return list(range(n))
    if k == 1:
        return [n - 1]
    return sorted({round(i * (n - 1) / (k - 1)) for i in range(k)})


def build_calc(
    events: pl.DataFrame,
    get_records: Callable[[list[str]], dict[str, Patient]],
    serialize: Serializer,
    source: str,
    *,
    calculators: Sequence[str] = DEFAULT_CALCULATORS,
    per_patient: int = 2,
    strict: bool = False,
    edition: str = "source",
) -> TaskRows:
    """Mine rows. `events` has subject_id, time, concept, numeric_value, unit, code; `get_records` returns
    patients (records or timelines: all events, birth date, sex) for the given subject ids;
    `serialize(patient, time)` renders the prompt context. Golds follow the calculators' `edition`
    (calculators.editions; default the primary sources), recorded in each row's meta."""
    out = TaskRows()
    # (plan, subject, candidate rows in trial order): the evenly spread picks first, then spare ones
    # tried only when a pick's inputs do not all show in the serialized prompt.
    chosen: list[tuple[MiningPlan, str, list[dict[str, Any]]]] = []
    for calc_id in calculators:
        try:
            calc = for_edition(load(calc_id), edition)
        except ModuleNotFoundError:
            # Not a data problem, so never fatal, even with --strict; recorded for the manifest.
            out.skipped.append(SkippedItem(source, calc_id, "calculator unavailable: module not written yet"))
            continue
        plan = plan_for(calc)
        if isinstance(plan, str):
            out.skipped.append(SkippedItem(source, calc_id, f"calculator not minable: {plan}"))
            continue
        found = candidates(events, plan)
        out.count(f"candidates:{calc_id}", found.height)
        # Only the tried candidates become Python dicts (~9 % of them): their row numbers first, per subject.
        take: list[int] = []
        groups: list[tuple[Any, int]] = []  # (subject, candidates tried)
        start = 0
        for n, subject in found.select(pl.col("subject_id").rle()).unnest("subject_id").iter_rows():
            primary = spread(range(n), per_patient)
            spare = [i for i in spread(range(n), SPARE_FACTOR * per_patient) if i not in primary]
            take.extend(start + i for i in primary + spare)
            groups.append((subject, len(primary) + len(spare)))
            start += n
        tried = found.select(pl.all().gather(take)).to_dicts()
        start = 0
        for subject, n in groups:
            chosen.append((plan, str(subject), tried[start : start + n]))
            start += n
    records = get_records(sorted({subject for _, subject, _ in chosen}))
    chosen.sort(key=lambda item: (item[1], item[0].calculator.id))  # patient-major: reuse its timeline
    for plan, subject, trials in chosen:
        record = records.get(subject)
        if record is None:
            _skip(out, strict, source, subject, "no record: patient has measurements but no record")
            continue
        made = 0
        for row in trials:
            if made == per_patient:
                break
            built = _make_row(plan, row, record, serialize, source, out, strict, edition)
            if built is not None:
                out.rows.append(built)
                out.count(f"rows:{plan.calculator.id}")
                made += 1
    return out


def _make_row(
    plan: MiningPlan, row: dict[str, Any], record: Patient, serialize: Serializer, source: str, out: TaskRows,
    strict: bool, edition: str = "source",
) -> dict[str, Any] | None:  # fmt: skip
    calc, when = plan.calculator, row["time"]
    position = f"{record.patient_id}@{when.isoformat()}"
    context = serialize(record, when)
    values: dict[str, Any] = {}
    shown: dict[str, dict[str, Any]] = {}
    missing, hidden = [], []
    for name in [*plan.measured, *plan.optional]:
        value, unit, parts = row[f"{name}__value"], row[f"{name}__unit"], row[f"{name}__parts"]
        if value is None:
            missing.append(name)
            continue
        # The gold is computed from the numbers the prompt shows (the serializer rounds to 4 digits).
        displayed = [shown_number(context, v) for v in (parts if parts is not None else [value])]
        if None in displayed:
            hidden.append(name)
            continue
        number = sum(displayed)  # type: ignore[arg-type]
        values[name] = (number, unit) if unit else number
        shown[name] = {"value": number, "unit": unit, "time": row[f"{name}__time"].isoformat(),
                       "code": row[f"{name}__code"], **({"source_value": value} if number != value else {})}  # fmt: skip
        if parts is not None:
            shown[name]["parts"] = displayed
    for name in plan.demographic:
        demo = _demographic(record, name, when)
        if demo is None:
            _skip(
                out, strict, source, position, f"missing input: {calc.id} needs {name}, the record has none"
            )
            return None
        if name == "age" and f"{demo}-year-old" not in context:
            hidden.append("age")
        values[name] = demo
        shown[name] = {"value": demo}
    if hidden:
        _skip(out, strict, source, position, f"input not in prompt: {calc.id} {', '.join(hidden)} cut by the token budget")  # fmt: skip
        return None
    try:
        result = calc.evaluate({**values, **plan.assumed})
    except (CalculatorError, ValueError) as exc:
        detail = " ".join(line.strip() for line in str(exc).splitlines()[:3])
        _skip(out, strict, source, position, f"calculator rejected inputs: {detail}")
        return None
    gold = calculator_gold(calc, result.value)
    copied = answer_in_prompt(calc.id, context, gold)
    if copied:
        _skip(out, strict, source, position, f"answer in prompt: {calc.id} result shown as {copied!r}")
        return None
    meta = {"calculator": calc.id, "prediction_time": when.isoformat(), "inputs": shown, "not_measured": missing,
            "assumed": dict(plan.assumed), "rationale": result.rationale, "source": source,
            "edition": edition}  # fmt: skip
    row_id = f"{TASK}/{calc.id}/{record.patient_id}/{when.isoformat()}"
    prompt = chat_prompt(context, question(plan, missing), gold)
    return new_row(row_id, TASK, prompt, gold, record.patient_id, meta)


def question(plan: MiningPlan, not_measured: Sequence[str] = ()) -> str:
    """The question for a mined calculator task, stating defaulted and unmeasured inputs."""
    calc = plan.calculator
    what = (
        calc.output.label
        if calc.output.label.lower() in calc.name.lower()
        else f"{calc.output.label} ({calc.name})"
    )
    what = calc.name if what == calc.output.label else what
    what = (
        what[0].lower() + what[1:] if len(what) > 1 and what[1].islower() else what
    )  # "Anion gap" -> "anion gap"
    text = f"Calculate the patient's {what} from the most recent measurements in the record (at the prediction time)."
    for name in not_measured:
        text += f" {calc.input(name).label}: not measured recently (treat as not reported)."
    for name, default in plan.assumed.items():
        label = calc.input(name).label
        if (calc.id, name) in ASSUMPTION_TEXT:
            text += " " + ASSUMPTION_TEXT[(calc.id, name)]
        elif isinstance(default, bool) or default is None:
            text += f" Assume {label[0].lower() + label[1:]}: {'yes' if default else 'no'}."
        else:
            text += f" Assume {label[0].lower() + label[1:]}: {default}."
    return text


def _demographic(record: Patient, name: str, when: datetime) -> Any:
    if name == "sex":
        return record.sex if record.sex in ("female", "male") else None
    if record.birth_date is None:
        return None
    return age_years(record.birth_date, when)  # as the serializer prints it: the gold matches the prompt



def _skip(out: TaskRows, strict: bool, source: str, position: str, reason: str) -> None:
    if strict:
        raise AdapterError(
            reason,
            file=source,
            position=position,
            field=TASK,
            fix="fix the source record, or build without --strict to skip it with a reason",
        )
    out.skipped.append(SkippedItem(source, position, reason))


def prepare(options: Any) -> None:
    """Load the default calculators and compile their formulas (sympy, ~0.5 s) by evaluating each one's
    first golden example, which also loads pint's units: the family declaration's `prepare`, run while
    the sources are read. Errors are left to `build_calc`, which makes the same calls."""
    for calc_id in DEFAULT_CALCULATORS:
        calc = for_edition(load(calc_id), options.edition or "source")
        if calc.examples:
            calc.evaluate(calc.examples[0].inputs)


def prefetch_records(ctx: BuildContext) -> None:
    """The family declaration's prefetch: records of every patient, built in the background (the mined
    rows come from nearly all of them)."""
    ctx.loaded.data.prefetch()


def build_from_source(ctx: BuildContext) -> TaskRows:
    """Rows of every calculator whose inputs the source's records hold: the family declaration's builder."""
    records = ctx.loaded.data
    return build_calc(
        records.events(),
        records.get,
        ctx.render,
        str(ctx.source.path),
        per_patient=ctx.options.per_patient,
        strict=ctx.options.strict,
        edition=ctx.options.edition or "source",
    )

