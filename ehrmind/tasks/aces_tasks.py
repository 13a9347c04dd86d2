"""Tasks `aces/<name>`: an ACES task config's cohort over a MEDS dataset -> yes/no label rows.

    ehrmind data build --source meds:DIR --aces recipes/aces/readmission_30d.yaml \
        --predicates recipes/aces/predicates/mimic_iv.yaml --out runs/data/aces

A hospital that already defines its prediction tasks in ACES (the MEDS ecosystem's task language; MEDS-DEV
publishes readmission, mortality and abnormal-lab tasks) should not rewrite them as our labelers. ACES decides
who is in the cohort, when the prediction is made and the boolean label (`ehr_adapters.aces`); this module
only renders prompts: the record serialized as of the prediction time (events at or before it, as ACES's
input window ending at the trigger includes), the task's question, and gold = the label as "yes"/"no".
Rows are sampled (seeded) down to `max_per_task` before any prompt is rendered, as for EHRSHOT tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ehr_adapters.aces import AcesTask, extract_cohort, load_task
from ehr_adapters.errors import AdapterError, SkippedItem
from ehr_adapters.meds import MedsDataset
from ehrmind.tasks.calc_mined import Patient
from ehrmind.tasks.families.aces import LABELS as CHOICES  # the family declaration owns the labels
from ehrmind.tasks.families.aces import PREFIX
from ehrmind.tasks.prompts import chat_prompt
from ehrmind.tasks.schema import TaskRows, new_row

if TYPE_CHECKING:
    from ehrmind.tasks.sources import BuildContext


def question(task: AcesTask) -> str:
    """The config's `metadata.question`, else a question built from its description or label predicate."""
    if task.question:
        return task.question
    if task.description:
        return f"{task.description} For this patient, at this time: yes or no?"
    window = task.config.label_window
    return (
        f"Will the event '{task.label_predicate}' occur in the window '{window}' of the task "
        f"'{task.name}'? Answer yes or no."
    )


def build_aces(
    dataset: MedsDataset,
    config: Path,
    predicates: Path | None,
    get_patients: Callable[[list[int]], dict[str, Patient]],
    serialize: Callable[[Any, datetime], str],
    source: str,
    *,
    max_per_task: int | None = None,
    seed: int = 0,
    strict: bool = False,
) -> TaskRows:
    """Rows of one ACES task over `dataset` (see the module docstring)."""
    out = TaskRows()
    task = load_task(config, predicates)
    name = PREFIX + task.name
    cohort = extract_cohort(dataset, task)
    out.count(f"labels:{name}", cohort.height)
    out.count(f"labels:{name}:yes", int(cohort.get_column("label").sum() or 0))
    duplicated = cohort.is_duplicated()
    if duplicated.any():  # ACES gives one row per trigger instant; guard against a config that does not
        out.count(f"duplicate_labels:{name}", int(duplicated.sum()))
        cohort = cohort.unique(["subject_id", "prediction_time"], keep="first", maintain_order=True)
    if max_per_task is not None and cohort.height > max_per_task:
        cohort = cohort.sample(n=max_per_task, seed=seed).sort("subject_id", "prediction_time")
    records = get_patients(cohort.get_column("subject_id").unique().sort().to_list())
    meta_base = {"aces_task": task.name, "aces_config": str(task.path), "source": source}
    if predicates is not None:
        meta_base["aces_predicates"] = str(predicates)
    text = question(task)
    for subject, when, value in cohort.iter_rows():
        patient = str(subject)
        record = records.get(patient)
        if record is None:
            reason = "no record: patient in the ACES cohort has no events in the record"
            if strict:
                raise AdapterError(reason, file=source, position=f"{name}/{patient}@{when.isoformat()}",
                                   field="subject_id", fix="check the MEDS data or build without --strict")  # fmt: skip
            out.skipped.append(SkippedItem(source, f"{name}/{patient}@{when.isoformat()}", reason))
            continue
        gold = {"kind": "label", "value": CHOICES[0] if value else CHOICES[1], "choices": list(CHOICES)}
        meta = {**meta_base, "prediction_time": when.isoformat()}
        prompt = chat_prompt(serialize(record, when), text, gold)
        out.rows.append(new_row(f"{name}/{patient}/{when.isoformat()}", name, prompt, gold, patient, meta))
    return out


def build_from_source(ctx: BuildContext) -> TaskRows:
    """Rows of the ACES task of `--aces`: the family declaration's builder."""
    o = ctx.options
    return build_aces(ctx.loaded.data.dataset, o.aces, o.aces_predicates, ctx.loaded.data.get, ctx.render,
                      str(ctx.source.path), max_per_task=o.max_per_task, seed=o.seed, strict=o.strict)  # fmt: skip

