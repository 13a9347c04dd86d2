"""Family `calc`: calculator tasks mined from structured records (FHIR, MEDS), tolerance from the declaration.

    ehrmind data build --source meds:examples/meds/mimic-iv-demo --tasks calc --out runs/data/calc
"""

from __future__ import annotations

from ehrmind.tasks.families.medcalc import NUMERIC_KINDS
from ehrmind.tasks.family import RewardSpec, TaskFamily

NAME = "calc"


FAMILY = TaskFamily(
    name=NAME,
    order=20,
    sources=("fhir", "meds"),
    build="ehrmind.tasks.calc_mined:build_from_source",  # the builder imports this declaration, not the reverse
    prepare="ehrmind.tasks.calc_mined:prepare",
    prefetch="ehrmind.tasks.calc_mined:prefetch_records",
    gold_kinds=NUMERIC_KINDS,
    grader="calc_accuracy",
    rubric=(  # recipes/calc/rl.yaml
        RewardSpec("format", 1.0, {"pass_score": 0.0, "fail_score": -2.0}),
        RewardSpec("calc_accuracy", 1.0, {"correct_score": 1.1, "wrong_score": 0.0}),
    ),
    calculator_rows=True,
    help="calc",
)
