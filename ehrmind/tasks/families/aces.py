"""Family `aces`: a yes/no task defined by an ACES config, labelled over MEDS data; rows "aces/<config stem>".

    ehrmind data build --source meds:examples/meds/mimic-iv-demo --aces recipes/aces/readmission_30d.yaml \
        --predicates recipes/aces/predicates/mimic_iv.yaml --out runs/data/aces

Selected by `--aces TASK.yaml` (the CLI adds the task), not listed under `--tasks`.
"""

from __future__ import annotations

from ehrmind.tasks.family import RewardSpec, TaskFamily
from ehrmind.tasks.sources import BuildError

NAME = "aces"
PREFIX = NAME + "/"
LABELS = ("yes", "no")


def check_options(options, selected: bool) -> None:
    """The task and its config come together (`--aces TASK.yaml` adds the task)."""
    if selected != (options.aces is not None):
        raise BuildError("an ACES task needs both --aces TASK.yaml and the task 'aces' (the CLI adds it)")


FAMILY = TaskFamily(
    name=NAME,
    order=50,
    sources=("meds",),
    build="ehrmind.tasks.aces_tasks:build_from_source",  # the builder imports this declaration, not the reverse
    gold_kinds=("label",),
    grader="diagnosis_label",
    rubric=(
        RewardSpec("format", 1.0, {"pass_score": 0.0, "fail_score": -2.0}),
        RewardSpec("diagnosis_label", 1.0, {"correct_score": 1.1, "wrong_score": 0.0}),
    ),
    labels=LABELS,
    subtasks=True,
    cli_option="--aces",
    check_options=check_options,
    help="aces",
)
