"""Family `medcalc`: MedCalc-Bench rows (note + question, recomputed gold), graded by the benchmark's rules.

    ehrmind data build --source medcalc-bench:examples/medcalc-bench/train_slice.csv --tasks medcalc --out runs/data/medcalc
"""

from __future__ import annotations

from ehrmind.tasks.family import RewardSpec, TaskFamily

NAME = "medcalc"
NUMERIC_KINDS = ("decimal", "integer", "date", "weeks_days")  # calculator outputs (calculators.spec)


FAMILY = TaskFamily(
    name=NAME,
    order=10,
    sources=("medcalc-bench",),
    build="ehrmind.tasks.medcalc:build_from_source",  # the builder imports this declaration, not the reverse
    gold_kinds=NUMERIC_KINDS,
    grader="medcalc_accuracy",
    rubric=(RewardSpec("ehrmind", 1.0),),  # recipes/medcalc/rl.yaml: EHRMIND's scheme exactly
    calculator_rows=True,
    help="medcalc",
)
