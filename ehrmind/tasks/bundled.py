"""The bundled sample data: calculator tasks on synthetic patients, generated deterministically.

`ehrmind warmup|rl|eval` with no data argument use these rows, so a newcomer runs the whole loop offline.
They are generated from the project's own calculators (no third-party data, nothing to license), seeded,
with patient-level splits. Each row follows the task-row schema (`ehrmind.tasks.schema`) and keeps its
inputs in `meta` so the warm-up can render the worked solution from the same calculator declaration.
"""

from __future__ import annotations

import json
import random
from typing import Any

import calculators
from calculators.units import display_unit
from ehrmind.tasks.families.calc import NAME as CALC
from ehrmind.tasks.prompts import chat_prompt
from ehrmind.tasks.schema import calculator_gold
from rewards.parse import DEFAULT_FORMAT

# Calculators the demo uses: short inputs, short rationales, a mix of equation and point score.
DEMO_CALCULATORS = (
    "mean_arterial_pressure",
    "bmi",
    "anion_gap",
    "cha2ds2_vasc",
    "ckd_epi_2021",
    "centor_mcisaac",
)


def question_for(calc) -> str:
    unit = calc.output.unit
    return f"Using the {calc.name}, what is the patient's {calc.output.label}" + (
        f" in {display_unit(unit)}?" if unit else "?"
    )


def available_calculators(ids: tuple[str, ...] | list[str]) -> list:
    """The calculators with these ids; an unknown or unwritten one raises (it would silently shrink the data)."""
    return [calculators.get(cid) for cid in ids]


def sample_rows(
    n_per_calculator: int = 60,
    seed: int = 0,
    calculator_ids: tuple[str, ...] | list[str] = DEMO_CALCULATORS,
    split_fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
) -> list[dict[str, Any]]:
    """Deterministic calculator task rows (with a rendered worked `completion` for SFT)."""
    # lazy: loads sympy, which importing this module does not
    from ehrmind.tasks.synthetic_patients import render_note, sample_inputs
    rng = random.Random(seed)
    rows = []
    calcs = available_calculators(calculator_ids)
    if not calcs:
        raise RuntimeError("none of the demo calculators is available")
    for calc in calcs:
        for i in range(n_per_calculator):
            values = sample_inputs(calc, rng)
            result = calc.evaluate(values, assume_canonical=True)
            gold = calculator_gold(calc, result.value)
            r = rng.random()
            split = "train" if r < split_fractions[0] else "val" if r < sum(split_fractions[:2]) else "test"
            patient_id = f"synthetic-{calc.id}-{i}"
            rows.append(
                {
                    "id": f"{CALC}/{calc.id}/{i}",
                    "task": CALC,
                    "prompt": chat_prompt(render_note(calc, values), question_for(calc), gold),
                    "gold": json.dumps(gold),
                    "patient_id": patient_id,
                    "split": split,
                    "meta": json.dumps({"calculator": calc.id, "inputs": values, "source": "synthetic", "edition": calc.edition}),
                    "completion": DEFAULT_FORMAT.render(result.rationale, result.value),
                }
            )
    return rows
