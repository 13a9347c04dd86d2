"""Regenerate the example corpus in this folder from the project's own calculator declarations.

    python examples/corpus/make_corpus.py          # rewrites cards/, notes.jsonl, sft_general.jsonl, sft_complex.jsonl

Everything here is rendered from `calculators/` (the declarations this project wrote) and synthetic patients
(`ehrmind.tasks.synthetic_patients`), so it carries the project's licence (Apache-2.0) and no third-party or patient text.
Deterministic (fixed seed): rerunning gives byte-identical files.

- cards/<id>.txt      one knowledge card per calculator (what it measures, inputs, method, source): a
                      "textbook" source for `ehrmind pretrain`;
- notes.jsonl         short synthetic clinical notes ({"text": ...}): a "notes" source for `ehrmind pretrain`;
- sft_general.jsonl   simple one-step instructions ({"prompt", "response"}): Citrus SFT stage 1;
- sft_complex.jsonl   multi-constraint instructions ({"prompt", "response"}): Citrus SFT stage 2.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _unit(spec) -> str:
    from calculators.units import display_unit

    if spec.kind == "bool":
        return "yes/no"
    if spec.kind == "choice":
        return "one of " + ", ".join(map(str, spec.choices))
    return display_unit(spec.unit) if spec.unit else "no unit"


def main() -> None:
    import calculators
    from ehrmind.tasks.synthetic_patients import render_note, sample_inputs

    rng = random.Random(17)
    calcs = [calculators.get(m) for m in calculators.MODULES]
    calcs = sorted(calcs, key=lambda c: c.id)

    cards = HERE / "cards"
    cards.mkdir(exist_ok=True)
    for calc in calcs:
        (cards / f"{calc.id}.txt").write_text(calc.describe() + "\n")

    notes, general, complex_ = [], [], []
    for calc in calcs:
        for _ in range(3):
            try:
                notes.append({"text": render_note(calc, sample_inputs(calc, rng))})
            except (RuntimeError, ValueError):
                break  # a calculator whose inputs the synthetic distributions cannot fill: no note
        first = calc.inputs[0]
        general.append({"prompt": f"Which inputs does the {calc.name} use?",
                        "response": ", ".join(s.label for s in calc.inputs) + "."})
        general.append({"prompt": f"In which unit is '{first.label}' entered for the {calc.name}?",
                        "response": f"{_unit(first)}."})
        general.append({"prompt": f"Where was the {calc.name} published?", "response": str(calc.citation)})
        rows = sorted(calc.inputs, key=lambda s: s.label.lower())
        bullets = "\n".join(f"- {s.label}: {_unit(s)}" for s in rows)
        out_unit = calc.output.unit or "no unit"
        complex_.append({
            "prompt": f"For the {calc.name}: list every input with its unit as a bulleted list sorted "
                      "alphabetically by name, then state in one sentence what the output is and its unit.",
            "response": f"{bullets}\nThe output is the {calc.output.label} ({calc.output.kind}, {out_unit}).",
        })
    for name, items in (("notes.jsonl", notes), ("sft_general.jsonl", general), ("sft_complex.jsonl", complex_)):
        (HERE / name).write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in items))
    print(f"{len(calcs)} cards, {len(notes)} notes, {len(general)} general and {len(complex_)} complex instructions")


if __name__ == "__main__":
    main()
