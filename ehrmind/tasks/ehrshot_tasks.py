"""Tasks `ehrshot/<name>`: EHRSHOT labels over a MEDS dataset -> label-prediction rows.

`ehr_adapters.ehrshot.label` finds every (patient, prediction time, label) with EHRSHOT's definitions;
this module turns each into a prompt: the patient's record serialized as of the prediction time (only
events at or before it, so the answer is never in the context), the task's description as the question,
and gold = the label with the task's choices. Labels are sampled (seeded) down to `max_per_task` before
any prompt is rendered, because serialization is the expensive step and lab tasks have thousands of labels.
Multi-label tasks (chest X-ray findings) have no single-label gold and are skipped with a reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from ehr_adapters.ehrshot import TASKS, label, read_labeled_patients
from ehr_adapters.errors import AdapterError, ReadReport, SkippedItem
from ehr_adapters.meds import MedsDataset
from ehrmind.tasks.background import in_background
from ehrmind.tasks.calc_mined import Patient
from ehrmind.tasks.families.ehrshot import NAME, PREFIX  # the family's declaration names the rows
from ehrmind.tasks.prompts import chat_prompt
from ehrmind.tasks.schema import TaskRows, new_row
from ehrmind.tasks.sources import BuildContext, BuildError


def task_names(selected: Sequence[str] | None) -> list[str]:
    """EHRSHOT task names from "ehrshot" (all) or "ehrshot/<name>" selectors; raises on unknown names."""
    if not selected:
        return list(TASKS)
    names = []
    for item in selected:
        name = item.removeprefix(PREFIX)
        if name in (NAME, "", "all"):
            return list(TASKS)
        if name not in TASKS:
            raise ValueError(
                f"unknown EHRSHOT task {item!r}; choose from: {', '.join(PREFIX + t for t in TASKS)}"
            )
        names.append(name)
    return names


def question(name: str) -> str:
    """The task's question, derived from its declaration (`ehr_adapters.ehrshot_spec`); the serialized
    record already says that "now" is the prediction time."""
    return TASKS[name].question


def build_ehrshot(
    dataset: MedsDataset,
    names: Sequence[str],
    get_patients: Callable[[list[int]], dict[str, Patient]],
    serialize: Callable[[Any, datetime], str],
    source: str,
    *,
    max_per_task: int | None = None,
    seed: int = 0,
    strict: bool = False,
    given_labels: pl.DataFrame | None = None,
    keep_unanswerable: bool = False,
    include_blood_gas: bool = False,
    labelled: tuple[pl.DataFrame, ReadReport] | None = None,
) -> TaskRows:
    """Rows for the chosen EHRSHOT tasks; labels beyond `max_per_task` per task are sampled away first.

    `get_patients(subject_ids)` returns records or timelines by patient id; `serialize(patient, time)`
    renders the context as of the prediction time. `given_labels` (subject_id, prediction_time, task,
    label; from EHRSHOT's own label files) replaces the labelers for the tasks it covers. Lab labels with
    no earlier result of the same test are skipped as unanswerable unless `keep_unanswerable` (EHRSHOT
    keeps them; the prompt would hold nothing to reason from). `labelled`: `derive_labels`'s result for
    these tasks when already computed (the family's prefetch)."""
    out = TaskRows()
    given = set(given_labels.get_column("task").unique().to_list()) if given_labels is not None else set()
    derive = [n for n in names if TASKS[n].kind != "multilabel" and n not in given]
    if labelled is None:
        labelled = derive_labels(dataset, derive, include_blood_gas)
    labels, report = labelled
    no_history = labels.filter(pl.col("history").not_())
    keep = pl.lit(True) if keep_unanswerable else pl.col("history").fill_null(True)  # null: not a lab task
    labels = labels.filter(keep).drop("history")
    if keep_unanswerable:
        out.count("unanswerable_kept", no_history.height)
    else:
        # a policy filter, not bad data: skipped and counted even in --strict builds
        why = "unanswerable: no earlier {} result in the record (EHRSHOT keeps these; --keep-unanswerable)"
        for subject, when, name, _value, _h in no_history.iter_rows():
            position = f"{PREFIX}{name}/{subject}@{when.isoformat()}"
            out.skipped.append(SkippedItem(source, position, why.format(TASKS[name].what)))
    if given_labels is not None:
        chosen = given_labels.filter(pl.col("task").is_in(list(names)))
        out.count("labels_from_files", chosen.height)
        labels = pl.concat([labels, chosen.select(labels.columns)], how="vertical_relaxed")
    for name in names:
        if TASKS[name].kind == "multilabel":
            out.skipped.append(
                SkippedItem(
                    source,
                    PREFIX + name,
                    "task not buildable: multi-label findings have no single-label gold (chest X-ray)",
                )
            )
    out.skipped.extend(report.skipped)
    labels = _dedupe(labels, out, source, strict)
    parts = []
    for (name,), part in labels.group_by("task", maintain_order=True):
        out.count(f"labels:{name}", part.height)
        if max_per_task is not None and part.height > max_per_task:
            part = part.sample(n=max_per_task, seed=seed).sort(["subject_id", "prediction_time"])
        parts.append(part)
    if not parts:
        return out
    # Patient-major order: consecutive prompts reuse one patient's timeline.
    chosen = pl.concat(parts).sort(["subject_id", "prediction_time", "task"])
    records = get_patients(chosen.get_column("subject_id").unique().sort().to_list())
    for subject, when, name, value in chosen.select(
        "subject_id", "prediction_time", "task", "label"
    ).iter_rows():
        task, patient, at = TASKS[name], str(subject), when.isoformat()
        if value not in task.choices:
            why = f"label not in choices: {value!r} not in {list(task.choices)}"
            _skip(out, strict, source, f"{PREFIX}{name}/{patient}@{at}", why)
            continue
        record = records.get(patient)
        if record is None:
            why = "no record: labelled patient has no events in the record"
            _skip(out, strict, source, f"{PREFIX}{name}/{patient}@{at}", why)
            continue
        gold = {"kind": "label", "value": value, "choices": list(task.choices)}
        meta = {"ehrshot_task": name, "ehrshot_name": task.ehrshot_name, "prediction_time": at, "source": source}
        prompt = chat_prompt(serialize(record, when), question(name), gold)
        out.rows.append(new_row(f"{PREFIX}{name}/{patient}/{at}", PREFIX + name, prompt, gold, patient, meta))
    return out


def derive_labels(
    dataset: MedsDataset, derive: Sequence[str], include_blood_gas: bool
) -> tuple[pl.DataFrame, ReadReport]:
    """EHRSHOT's labelers over the dataset for the tasks in `derive` (with the lab `history` column), and
    what they noted (unknown units, unpaired visits)."""
    report = ReadReport()
    labels = label(dataset, derive, report=report, include_blood_gas=include_blood_gas, with_history=True)
    return labels, report


def _dedupe(labels: pl.DataFrame, out: TaskRows, source: str, strict: bool) -> pl.DataFrame:
    """One label per (patient, time, task): two results at one instant (e.g. a lab and a blood-gas
    hemoglobin) give two labels; equal ones are merged, conflicting ones skipped (the answer is ambiguous)."""
    key = ["subject_id", "prediction_time", "task"]
    grouped = labels.group_by(key, maintain_order=True).agg(
        pl.col("label").unique(maintain_order=True), pl.len()
    )
    merged = grouped.filter(pl.col("len") > 1)
    if merged.height:
        out.count("duplicate_labels_merged", int((merged.get_column("len") - 1).sum()))
    for subject, when, name, values, _n in merged.filter(pl.col("label").list.len() > 1).iter_rows():
        _skip(
            out,
            strict,
            source,
            f"{PREFIX}{name}/{subject}@{when.isoformat()}",
            f"conflicting labels: {values} for one prediction time",
        )
    return grouped.filter(pl.col("label").list.len() == 1).select(*key, pl.col("label").list.first())


def _skip(out: TaskRows, strict: bool, source: str, position: str, reason: str) -> None:
    if strict:
        raise AdapterError(
            reason,
            file=source,
            position=position,
            field="label",
            fix="fix the labeler or the data, or build without --strict",
        )
    out.skipped.append(SkippedItem(source, position, reason))


def label_files(paths: Sequence[Path]) -> pl.DataFrame | None:
    """EHRSHOT's own label files, concatenated (None when none were given)."""
    if not paths:
        return None
    return pl.concat([read_labeled_patients(p) for p in paths], how="vertical_relaxed")


def prefetch_labels(ctx: BuildContext) -> Future | None:
    """The family declaration's prefetch: start every patient's record and the labels `build_from_source`
    derives (polars queries) in the background, while the calc rows are built. None with EHRSHOT label
    files: the builder reads them first (they decide which tasks are derived)."""
    ctx.loaded.data.prefetch()
    if ctx.options.labels:
        return None
    derive = [n for n in _names(ctx) if TASKS[n].kind != "multilabel"]
    dataset, blood_gas = ctx.loaded.data.dataset, ctx.options.include_blood_gas
    return in_background(derive_labels, dataset, derive, blood_gas, name="ehrshot-labels")


def _names(ctx: BuildContext) -> list[str]:
    try:
        return task_names(ctx.selected(NAME))
    except ValueError as exc:
        raise BuildError(str(exc)) from None


def build_from_source(ctx: BuildContext) -> TaskRows:
    """Rows of the selected EHRSHOT tasks (all for "ehrshot"), from labels or EHRSHOT's label files."""
    names = _names(ctx)
    options = ctx.options
    return build_ehrshot(
        ctx.loaded.data.dataset,
        names,
        ctx.loaded.data.get,
        ctx.render,
        str(ctx.source.path),
        max_per_task=options.max_per_task,
        seed=options.seed,
        strict=options.strict,
        given_labels=label_files(options.labels),
        keep_unanswerable=options.keep_unanswerable,
        include_blood_gas=options.include_blood_gas,
        labelled=ctx.prefetched_result(NAME),
    )

