"""`ehrmind synthesize`: verifiable task rows on synthetic patients, with a controlled share of rare cases.

    ehrmind synthesize --calculators meld_na,bmi,centor_mcisaac --n 500 --rare-share 0.2 --out runs/synth
    ehrmind synthesize --ehrshot lab_hyponatremia --n 200 --rare-share 0.3 --out runs/synth-labs
    ehrmind synthesize --knowledge rare_diseases.jsonl --templates questions.jsonl --inject-prob 0.3 \
        --n 300 --out runs/synth-text

Why (MedSSR, arXiv:2604.11547): models gain most from RL on the rare ends of a distribution, which real
extracts seldom contain. Here a rare case is drawn from a calculator's rare scenario (`RARE_SCENARIOS`:
MELD-Na > 30, paediatric Centor ages, extreme BMI, severe hyponatraemia ...) or, for calculators without
one, from the `rare` tails in `ehrmind.tasks.synthetic_patients.DISTRIBUTIONS`; `--rare-share` sets exactly how many rows per
calculator are rare. Each row is rendered as a note with varied phrasing and units, and its gold answer is
computed by the calculator from the values exactly as the note writes them, so every row is verifiable.

Output: `<split>.jsonl` files in the task-row schema and `manifest.json` (counts, rare share requested and
achieved, per-calculator counts, seed, skipped items with reasons).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import calculators
from ehrmind.seed_papers.lab_and_knowledge_rows import ehrshot_lab_rows, knowledge_rows
from ehrmind.seed_papers.synthesis_base import SynthesisError, draw_split
from ehrmind.seed_papers.varied_notes import render_varied_note, write_values
from ehrmind.tasks.bundled import question_for
from ehrmind.tasks.families.calc import NAME as CALC
from ehrmind.tasks.families.ehrshot import NAME as EHRSHOT
from ehrmind.tasks.prompts import chat_prompt
from ehrmind.tasks.schema import calculator_gold, write_jsonl
from ehrmind.tasks.synthetic_patients import DISTRIBUTIONS, sample_value


@dataclass(frozen=True)
class RareScenario:
    """A rare presentation: inputs drawn from `tails` (canonical units), optionally an output condition."""

    what: str
    tails: dict[str, tuple[float, float]]
    min_output: float | None = None  # inclusive bounds on the calculator's value
    max_output: float | None = None


# Calculator-specific rare presentations (a calculator may have several; one is picked per rare row).
RARE_SCENARIOS: dict[str, tuple[RareScenario, ...]] = {
    "meld_na": (RareScenario("MELD-Na > 30 (decompensated cirrhosis)", {"bilirubin": (6.0, 30.0), "inr": (2.2, 5.0),
                             "creatinine": (2.0, 4.0), "sodium": (118, 130)}, min_output=31),),
    "centor_mcisaac": (RareScenario("paediatric sore throat (age 3-14)", {"age": (3, 14)}),),
    "bmi": (RareScenario("BMI >= 45", {"weight": (140.0, 220.0)}, min_output=45.0),
            RareScenario("BMI < 16", {"weight": (32.0, 45.0), "height": (165, 190)}, max_output=15.99)),
    "sodium_correction_hyperglycemia": (
        RareScenario("severe hyperglycaemia with hyponatraemia", {"glucose": (600, 1200), "sodium": (112, 124)}),),
    "serum_osmolality": (RareScenario("hyperosmolar state", {"glucose": (600, 1200), "bun": (50, 120)}),
                         RareScenario("severe hyponatraemia", {"sodium": (108, 120)})),
    "free_water_deficit": (RareScenario("severe hypernatraemia", {"sodium": (158, 175)}),),
    "anion_gap": (RareScenario("severe metabolic acidosis", {"bicarbonate": (4, 10)}),),
    "maintenance_fluids": (RareScenario("paediatric weight", {"weight": (3.0, 25.0)}),),
    "ckd_epi_2021": (RareScenario("severe renal failure", {"creatinine": (4.0, 9.0)}),),
    "cockcroft_gault": (RareScenario("very old with renal failure", {"age": (85, 100), "creatinine": (3.0, 8.0)}),),
    "calcium_correction": (RareScenario("severe hypoalbuminaemia", {"albumin": (1.2, 2.2)}),),
    "child_pugh": (RareScenario("Child-Pugh class C", {"bilirubin": (3.5, 20.0), "inr": (2.3, 5.0),
                                                      "albumin": (1.5, 2.7)}, min_output=10),),
}  # fmt: skip


def rare_scenarios(calc) -> tuple[RareScenario, ...]:
    """The rare presentations of a calculator: its own, else one per input with a `rare` tail."""
    if calc.id in RARE_SCENARIOS:
        return RARE_SCENARIOS[calc.id]
    return tuple(
        RareScenario(f"{spec.name} in its rare tail", {spec.name: DISTRIBUTIONS[spec.name].rare})
        for spec in calc.inputs
        if spec.kind == "number" and spec.name in DISTRIBUTIONS and DISTRIBUTIONS[spec.name].rare
    )


def _decimals(name: str) -> int:
    dist = DISTRIBUTIONS.get(name)
    return dist.decimals if dist else 1


def _sample_date(spec, values: dict[str, Any], rng: random.Random) -> date:
    # Visits in 2023-2025; a last menstrual period 2-41 weeks before the visit (the calculators' window).
    if spec.name == "current_date":
        return date(2023, 1, 1) + timedelta(days=rng.randrange(3 * 365))
    visit = values.get("current_date") or date(2023, 1, 1) + timedelta(days=rng.randrange(3 * 365))
    return visit - timedelta(days=rng.randrange(14, 287))


def _canonical_draw(calc, rng: random.Random, scenario: RareScenario | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    # current_date first so an LMP can be drawn before it
    for spec in sorted(calc.inputs, key=lambda s: s.name != "current_date"):
        if spec.kind == "date":
            values[spec.name] = _sample_date(spec, values, rng)
        elif scenario and spec.name in scenario.tails:
            lo, hi = scenario.tails[spec.name]
            if spec.range:
                lo, hi = max(lo, spec.range[0]), min(hi, spec.range[1])
            raw = rng.uniform(lo, hi)
            places = _decimals(spec.name)
            values[spec.name] = round(raw, places) if places else int(round(raw))
        else:
            values[spec.name] = sample_value(spec, rng)
    return values


@dataclass
class CalcCase:
    values: dict[str, Any]  # canonical
    written: dict[str, Any]  # as the note writes them (what the gold is computed from)
    note: str
    result: Any  # calculators.Result
    scenario: RareScenario | None


def draw_case(
    calc, rng: random.Random, *, rare: bool, unit_variation: float = 0.3, tries: int = 200
) -> CalcCase:
    """One synthetic patient for `calc` (a rare presentation when `rare`), its note and its gold result."""
    scenarios = rare_scenarios(calc) if rare else ()
    if rare and not scenarios:
        raise SynthesisError(f"calculator {calc.id!r} has no rare scenario or rare input tail")
    rejected: Counter[str] = Counter()  # why draws were rejected, named in the error if none passes
    for _ in range(tries):
        scenario = rng.choice(scenarios) if scenarios else None
        values = _canonical_draw(calc, rng, scenario)
        written, texts = write_values(
            calc,
            values,
            rng,
            unit_variation=unit_variation,
            decimals={s.name: _decimals(s.name) for s in calc.inputs},
        )
        try:
            result = calc.evaluate(written)
        except calculators.InputError as exc:  # a joint constraint or a range edge after unit rounding: count why, draw again
            rejected.update(f"{p.input}: {p.message}" for p in exc.problems)
            continue
        value = result.value
        if scenario and scenario.min_output is not None and not value >= scenario.min_output:
            rejected[f"output {value} below the scenario's min_output {scenario.min_output}"] += 1
            continue
        if scenario and scenario.max_output is not None and not value <= scenario.max_output:
            rejected[f"output {value} above the scenario's max_output {scenario.max_output}"] += 1
            continue
        return CalcCase(values, written, render_varied_note(calc, values, texts, rng), result, scenario)
    kind = f"rare case ({scenarios[0].what}...)" if rare else "case"
    reasons = "; ".join(f"{why} ({n}x)" for why, n in rejected.most_common(3))
    raise SynthesisError(f"{calc.id}: could not draw a valid {kind} in {tries} tries; check RARE_SCENARIOS "
                         f"(rejected for: {reasons})")


def _json_safe(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def calculator_rows(
    calc_ids: list[str],
    n: int,
    rare_share: float,
    seed: int,
    *,
    splits: tuple[float, float, float] = (0.8, 0.1, 0.1),
    unit_variation: float = 0.3,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """`n` calculator rows spread evenly over `calc_ids`, exactly round(share * rows) rare per calculator."""
    calcs = []
    for cid in calc_ids:
        try:
            calcs.append(calculators.get(cid))
        except calculators.UnknownCalculatorError:
            raise SynthesisError(
                f"--calculators: unknown calculator {cid!r}; list them with `ehrmind calc list`"
            ) from None
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    stats: dict[str, Any] = {"per_calculator": {}, "no_rare_scenario": []}
    for k, calc in enumerate(calcs):
        count = n // len(calcs) + (1 if k < n % len(calcs) else 0)
        n_rare = round(count * rare_share) if rare_scenarios(calc) else 0
        if not rare_scenarios(calc) and rare_share > 0:
            stats["no_rare_scenario"].append(calc.id)
        rare_at = set(rng.sample(range(count), n_rare))
        for i in range(count):
            case = draw_case(calc, rng, rare=i in rare_at, unit_variation=unit_variation)
            gold = calculator_gold(calc, case.result.value)
            patient = f"synth-{seed}-{calc.id}-{i}"
            meta = {"calculator": calc.id, "inputs": _json_safe(case.written), "canonical": False,
                    "inputs_canonical": _json_safe(case.values), "source": "synthetic", "rare": i in rare_at,
                    "rare_scenario": case.scenario.what if case.scenario else None, "edition": calc.edition}  # fmt: skip
            rows.append({"id": f"synth/{CALC}/{calc.id}/{seed}/{i}", "task": CALC,
                         "prompt": chat_prompt(case.note, question_for(calc), gold), "gold": json.dumps(gold),
                         "patient_id": patient, "split": draw_split(rng, splits), "meta": json.dumps(meta)})  # fmt: skip
        stats["per_calculator"][calc.id] = {"rows": count, "rare": n_rare}
    return rows, stats


@dataclass
class SynthesisPlan:
    """Everything `ehrmind synthesize` was asked for (kept in the manifest)."""

    out: Path
    n: int = 500
    seed: int = 0
    rare_share: float = 0.2
    calculators: list[str] = field(default_factory=list)
    ehrshot: list[str] = field(default_factory=list)
    knowledge: Path | None = None
    templates: Path | None = None
    inject_prob: float = 0.3
    unit_variation: float = 0.3
    splits: tuple[float, float, float] = (0.8, 0.1, 0.1)

    def check(self) -> None:
        problems = []
        if self.n < 1:
            problems.append(f"--n={self.n}: give at least 1 row")
        for name, value in (
            ("--rare-share", self.rare_share),
            ("--inject-prob", self.inject_prob),
            ("--unit-variation", self.unit_variation),
        ):
            if not 0 <= value <= 1:
                problems.append(f"{name}={value}: must be between 0 and 1")
        if len(self.splits) != 3 or abs(sum(self.splits) - 1) > 1e-6 or min(self.splits) < 0:
            problems.append(f"--splits={self.splits}: give three fractions (train,val,test) that sum to 1")
        if (self.knowledge is None) != (self.templates is None):
            problems.append("--knowledge and --templates go together: give both files or neither")
        if not (self.calculators or self.ehrshot or self.knowledge):
            problems.append("nothing to synthesize: give --calculators, --ehrshot or --knowledge/--templates")
        if problems:
            raise SynthesisError("synthesize: " + "; ".join(problems))


def run_synthesize(plan: SynthesisPlan, echo=print) -> dict[str, Any]:
    """Synthesize rows for every requested source, write `<split>.jsonl` + `manifest.json`, return the manifest.

    `--n` is the number of rows per source (calculators together, EHRSHOT tasks together, text questions)."""
    plan.check()
    rows: list[dict[str, Any]] = []
    sources: dict[str, Any] = {}
    skipped: list[dict[str, str]] = []
    if plan.calculators:
        calc_rows, stats = calculator_rows(
            plan.calculators,
            plan.n,
            plan.rare_share,
            plan.seed,
            splits=plan.splits,
            unit_variation=plan.unit_variation,
        )
        rows += calc_rows
        sources["calculators"] = stats
    if plan.ehrshot:
        lab_rows, stats = ehrshot_lab_rows(
            plan.ehrshot, plan.n, plan.rare_share, plan.seed, splits=plan.splits
        )
        rows += lab_rows
        sources[EHRSHOT] = stats
    if plan.knowledge is not None and plan.templates is not None:
        text_rows, stats, text_skipped = knowledge_rows(
            plan.knowledge,
            plan.templates,
            plan.n,
            plan.rare_share,
            plan.inject_prob,
            plan.seed,
            splits=plan.splits,
        )
        rows += text_rows
        sources["knowledge"] = stats
        skipped += text_skipped
    plan.out.mkdir(parents=True, exist_ok=True)
    counts = {split: write_jsonl([r for r in rows if r["split"] == split], plan.out / f"{split}.jsonl")
              for split in ("train", "val", "test")}  # fmt: skip
    rare = sum(bool(json.loads(r["meta"]).get("rare")) for r in rows)
    manifest = {
        "source": "ehrmind synthesize",
        "seed": plan.seed,
        "rows": len(rows),
        "splits": counts,
        "tasks": dict(Counter(r["task"] for r in rows)),
        "rare_share_requested": plan.rare_share,
        "rare_rows": rare,
        "rare_share_achieved": rare / len(rows) if rows else 0.0,
        "inject_prob": plan.inject_prob if plan.knowledge else None,
        "unit_variation": plan.unit_variation,
        "sources": sources,
        "skipped": skipped,
        "plan": {k: str(v) if isinstance(v, Path) else v for k, v in plan.__dict__.items()},
    }
    (plan.out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    echo(f"{len(rows)} rows ({rare} rare, {manifest['rare_share_achieved']:.1%}) written to {plan.out}")
    return manifest
