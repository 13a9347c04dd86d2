"""Family `ehrshot`: EHRSHOT's 15 benchmark tasks labelled over MEDS data, one row task "ehrshot/<name>".

    ehrmind data build --source meds:examples/meds/mimic-iv-demo --tasks ehrshot --out runs/data/ehrshot

Each task's question, labels and labelling rule are its `ehr_adapters.ehrshot_spec` declaration.
"""

from __future__ import annotations

from ehrmind.tasks.family import RewardSpec, TaskFamily

NAME = "ehrshot"
PREFIX = NAME + "/"


def warmup_rubrics(tasks: set[str]) -> list[tuple[str, str, str]]:
    """One rubric card per EHRSHOT task in the data: its definition and labels."""
    names = {t.removeprefix(PREFIX) for t in tasks if t.startswith(PREFIX)}
    if not names:
        return []
    from ehr_adapters.ehrshot import TASKS  # lazy: loads polars, which importing the registry does not
    return [
        (PREFIX + name, f"Define the EHRSHOT task '{name}' and its labels.",
         f"{TASKS[name].description} Labels: {', '.join(TASKS[name].choices)}.")
        for name in sorted(names & set(TASKS))
    ]  # fmt: skip


FAMILY = TaskFamily(
    name=NAME,
    order=30,
    sources=("meds",),
    build="ehrmind.tasks.ehrshot_tasks:build_from_source",  # the builder imports this declaration, not the reverse
    prefetch="ehrmind.tasks.ehrshot_tasks:prefetch_labels",
    gold_kinds=("label",),
    grader="diagnosis_label",
    rubric=(  # recipes/ehrshot/rl.yaml
        RewardSpec("format", 1.0, {"pass_score": 0.0, "fail_score": -2.0}),
        RewardSpec("diagnosis_label", 1.0, {"correct_score": 1.1, "wrong_score": 0.0}),
    ),
    subtasks=True,
    selector=PREFIX + "<name>",
    warmup_rubrics=warmup_rubrics,
    help="ehrshot (all 15) or ehrshot/<name>",
)
