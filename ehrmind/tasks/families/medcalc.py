"""Family `medcalc`: MedCalc-Bench rows (note + question, recomputed gold), graded by the benchmark's rules.

    ehrmind data build --source medcalc-bench:examples/medcalc-bench/train_slice.csv --tasks medcalc --out runs/data/medcalc
"""

from __future__ import annotations

from ehrmind.tasks.family import RewardSpec, TaskFamily
from ehrmind.tasks.schema import TaskRows

NAME = "medcalc"
NUMERIC_KINDS = ("decimal", "integer", "date", "weeks_days")  # calculator outputs (calculators.spec)


def build(ctx):
    """Rows of every MedCalc-Bench CSV of the source (`ehrmind.tasks.medcalc`)."""
    # lazy: ehrmind.tasks.medcalc imports this module at load time (an import cycle)
    from ehrmind.tasks.medcalc import build_medcalc
    out = TaskRows()
    for file, cases in ctx.loaded.data:
        out.extend(build_medcalc(cases, file, strict=ctx.options.strict, edition=ctx.options.edition))
    return out


FAMILY = TaskFamily(
    name=NAME,
    order=10,
    sources=("medcalc-bench",),
    build=build,
    gold_kinds=NUMERIC_KINDS,
    grader="medcalc_accuracy",
    rubric=(RewardSpec("ehrmind", 1.0),),  # recipes/medcalc/rl.yaml: EHRMIND's scheme exactly
    calculator_rows=True,
    help="medcalc",
)
