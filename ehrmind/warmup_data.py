"""Knowledge-injection SFT data: the mix the warm-up trains on.

Four sources, each rendered from a declaration rather than written by hand:
(a) calculator knowledge cards: what it measures, inputs with units, formula or criteria table, citation,
    plus a worked example on a synthetic patient (all from the calculator's declaration);
(b) worked solutions of training rows: the calculator's own step-by-step rationale for the row's inputs,
    in the answer format;
(c) user-provided rationales (JSONL with prompt, rationale, answer), e.g. teacher-written explanations;
(d) task rubrics: the trial-eligibility scale and EHRSHOT label definitions;
(e) plain instruction rows {prompt, response} (Citrus's general / complex instruction stages);
and, optionally, a teacher's thought template per task family in the worked solutions' prompts or targets
(MedCritical stage 1, `ehrmind templates`; counted as `with_template` / `without_template`).
Every example is a conversational prompt-completion pair, so SFTTrainer trains on the completion only.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

from ehrmind.config import WarmupMix
from ehrmind.templates import apply_templates, template_family

TRIAL_RUBRIC = (
    "Trial eligibility is graded on three levels: 'eligible' (the patient meets the inclusion criteria and "
    "no exclusion criterion), 'excluded' (the patient has the condition the trial studies but meets an "
    "exclusion criterion or misses an inclusion criterion), 'not relevant' (the trial does not concern the "
    "patient's condition or there is not enough information). Hard limits such as age and sex always apply."
)


def _assistant(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


def worked_solution(row: dict[str, Any]) -> str | None:
    """The rendered solution of a calculator row (None when the row has no calculator inputs)."""
    import calculators
    from rewards.parse import DEFAULT_FORMAT

    if row.get("completion"):
        return row["completion"]
    meta = json.loads(row["meta"]) if isinstance(row.get("meta"), str) else (row.get("meta") or {})
    calc_id, inputs = meta.get("calculator"), meta.get("inputs")
    if not calc_id or not inputs:
        return None
    try:
        result = calculators.get(calc_id).evaluate(inputs, assume_canonical=meta.get("canonical", False))
    except calculators.CalculatorError:
        return None
    return DEFAULT_FORMAT.render(result.rationale, result.value)


def knowledge_cards(calc_ids: list[str], per_calculator: int, seed: int) -> list[dict[str, Any]]:
    import calculators
    from ehrmind.prompts import chat_prompt
    from ehrmind.sample_data import question_for
    from ehrmind.synth import render_note, sample_inputs
    from ehrmind.tasks.schema import calculator_gold
    from rewards.parse import DEFAULT_FORMAT

    rng = random.Random(seed)
    out = []
    for cid in calc_ids:
        calc = calculators.get(cid)
        card = calc.describe()
        out.append(
            {
                "prompt": [{"role": "user", "content": f"Explain the {calc.name}: inputs, method and source."}],
                "completion": _assistant(card),
                "source": "knowledge_card",
            }
        )
        for _ in range(per_calculator - 1):
            values = sample_inputs(calc, rng)
            result = calc.evaluate(values, assume_canonical=True)
            prompt = chat_prompt(render_note(calc, values), question_for(calc), calculator_gold(calc, result.value))
            out.append(
                {
                    "prompt": prompt,
                    "completion": _assistant(DEFAULT_FORMAT.render(result.rationale, result.value)),
                    "source": "knowledge_card_example",
                }
            )
    return out


def user_rationales(path: str) -> list[dict[str, Any]]:
    from ehrmind.prompts import SYSTEM_PROMPT
    from rewards.parse import DEFAULT_FORMAT

    out = []
    for lineno, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        item = json.loads(line)
        missing = {"prompt", "rationale", "answer"} - set(item)
        if missing:
            raise ValueError(f"{path}:{lineno}: missing {sorted(missing)}; each line needs prompt, rationale, answer")
        out.append(
            {
                "prompt": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": item["prompt"]}],
                "completion": _assistant(DEFAULT_FORMAT.render(item["rationale"], item["answer"])),
                "source": "user_rationale",
            }
        )
    return out


def rubrics(tasks: set[str]) -> list[dict[str, Any]]:
    out = []
    if "trial_match" in tasks:
        out.append(
            {
                "prompt": [{"role": "user", "content": "How is clinical-trial eligibility graded?"}],
                "completion": _assistant(TRIAL_RUBRIC),
                "source": "rubric",
            }
        )
    ehrshot = {t.split("/", 1)[1] for t in tasks if t.startswith("ehrshot/")}
    if ehrshot:
        try:
            from ehr_adapters.ehrshot import TASKS
        except ImportError:
            TASKS = {}
        for name in sorted(ehrshot & set(TASKS)):
            task = TASKS[name]
            out.append(
                {
                    "prompt": [{"role": "user", "content": f"Define the EHRSHOT task '{name}' and its labels."}],
                    "completion": _assistant(f"{task.description} Labels: {', '.join(task.choices)}."),
                    "source": "rubric",
                }
            )
    return out


def instructions(path: str) -> list[dict[str, Any]]:
    """Plain instruction rows {prompt, response}: the completion is the response as written (no answer format)."""
    out = []
    for lineno, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{lineno}: not JSON ({exc.msg})") from None
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) and item[k].strip()
                                                 for k in ("prompt", "response")):
            raise ValueError(f"{path}:{lineno}: each line needs non-empty text fields prompt and response")
        out.append({"prompt": [{"role": "user", "content": item["prompt"]}],
                    "completion": _assistant(item["response"]), "source": "instruction"})
    return out


def build_mix(rows: list[dict[str, Any]], mix: WarmupMix, seed: int) -> tuple[list[dict[str, Any]], Counter]:
    """The SFT examples and a count per source (and of rows skipped for lack of a solution)."""
    counts: Counter = Counter()
    examples: list[dict[str, Any]] = []
    if mix.worked_solutions:
        for row in rows:
            solution = worked_solution(row)
            if solution is None:
                counts["skipped_no_solution"] += 1
                continue
            examples.append({"prompt": row["prompt"], "completion": _assistant(solution), "source": "worked_solution",
                             "family": template_family(row)})
    calc_ids = sorted({json.loads(r["meta"]).get("calculator") for r in rows if r.get("meta")} - {None})
    if mix.knowledge_cards:
        examples.extend(knowledge_cards(calc_ids, mix.knowledge_cards, seed))
    if mix.rationales_jsonl:
        examples.extend(user_rationales(mix.rationales_jsonl))
    if mix.task_rubrics:
        examples.extend(rubrics({r["task"] for r in rows}))
    if mix.instructions_jsonl:
        examples.extend(instructions(mix.instructions_jsonl))
    if mix.templates_jsonl:  # MedCritical stage 1: the teacher's thought template of each row's family
        counts.update(apply_templates(examples, mix.templates_jsonl, mix.templates_in))
    for ex in examples:
        counts[ex["source"]] += 1
    random.Random(seed).shuffle(examples)
    return examples, counts
