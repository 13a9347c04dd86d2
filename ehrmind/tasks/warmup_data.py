"""Knowledge-injection SFT data: the mix the warm-up trains on.

Four sources, each rendered from a declaration rather than written by hand:
(a) calculator knowledge cards: what it measures, inputs with units, formula or criteria table, citation,
    plus a worked example on a synthetic patient (all from the calculator's declaration);
(b) worked solutions of training rows: the calculator's own step-by-step rationale for the row's inputs,
    in the answer format (calculator rows carry `meta.inputs`; MedCalc-Bench rows carry the rationale the
    build already rendered, `meta.rationale`, with the gold value);
(c) user-provided rationales (JSONL with prompt, rationale, answer), e.g. teacher-written explanations;
(d) task rubrics: the trial-eligibility scale and EHRSHOT label definitions;
(e) plain instruction rows {prompt, response} (Citrus's general / complex instruction stages);
and, optionally, a teacher's thought template per task family in the worked solutions' prompts or targets
(MedCritical stage 1, `ehrmind templates`; counted as `with_template` / `without_template`).
Every example is a conversational prompt-completion pair, so SFTTrainer trains on the completion only.
With a prefill (EHRMIND: "Let me solve this step by step.\n<think>") the examples become text pairs whose
prompt is the chat-rendered prompt plus the prefill, so the model learns to continue *after* it.

`check_mix` is the dry run `ehrmind validate` and `ehrmind warmup` run first: counts per task and source,
and an error for a task family that would get no examples of a source it needs.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

import calculators
from ehrmind.config import WarmupMix
from ehrmind.jsonl import json_objects
from ehrmind.seed_papers.templates import apply_templates, template_family
from ehrmind.tasks.bundled import question_for
from ehrmind.tasks.family import calculator_families, families
from ehrmind.tasks.prompts import SYSTEM_PROMPT, chat_prompt
from ehrmind.tasks.schema import calculator_gold
from rewards.parse import DEFAULT_FORMAT
from rewards.tags import THINK_OPEN


def _assistant(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


def worked_solution(row: dict[str, Any]) -> str | None:
    """The rendered solution of a calculator row (None when the row has no calculator inputs)."""
    if row.get("completion"):
        return row["completion"]
    meta = _json(row.get("meta"))
    calc_id, inputs = meta.get("calculator"), meta.get("inputs")
    if calc_id and meta.get("rationale"):  # MedCalc-Bench: rationale rendered by the build, gold from the calculator
        gold = _json(row.get("gold"))
        if "value" not in gold:
            return None
        return DEFAULT_FORMAT.render(meta["rationale"], gold["value"])
    if not calc_id or not inputs:
        return None
    try:
        result = calculators.get(calc_id).evaluate(inputs, assume_canonical=meta.get("canonical", False))
    except calculators.CalculatorError:
        return None
    return DEFAULT_FORMAT.render(result.rationale, result.value)


def _json(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else (value or {})


def _sample_dates(calc, values: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Date inputs for a synthetic patient: the first in 2015-2024, each later one 0-280 days after it.

    Dates in declaration order go forward (LMP, then the assessment date), within a pregnancy's span, which
    is what every date calculator here accepts; the caller redraws when a calculator still refuses.
    """
    anchor = date(2015, 1, 1) + timedelta(days=rng.randrange(3650))
    first = True
    for spec in calc.inputs:
        if spec.kind != "date":
            continue
        if not first:
            anchor = anchor + timedelta(days=rng.randrange(281))
        values[spec.name] = anchor.isoformat()
        first = False
    return values


def example_inputs(calc, rng: random.Random) -> dict[str, Any]:
    """A full set of valid canonical inputs for a worked example (date calculators included)."""
    # lazy: loads sympy, which importing this module does not
    from ehrmind.tasks.synthetic_patients import sample_inputs, sample_value

    if all(spec.kind != "date" for spec in calc.inputs):
        return sample_inputs(calc, rng)
    for _ in range(50):
        values = {s.name: sample_value(s, rng) for s in calc.inputs if s.kind != "date"}
        values = _sample_dates(calc, values, rng)
        try:
            calc.evaluate(values, assume_canonical=True)
        except calculators.CalculatorError:
            continue
        return values
    raise RuntimeError(f"{calc.id}: could not sample valid inputs in 50 tries")


def knowledge_cards(calc_ids: list[str], per_calculator: int, seed: int) -> list[dict[str, Any]]:
    # lazy: loads sympy, which importing this module does not
    from ehrmind.tasks.synthetic_patients import render_note
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
                "calculator": cid,
            }
        )
        for _ in range(per_calculator - 1):
            values = example_inputs(calc, rng)
            result = calc.evaluate(values, assume_canonical=True)
            prompt = chat_prompt(render_note(calc, values), question_for(calc), calculator_gold(calc, result.value))
            out.append(
                {
                    "prompt": prompt,
                    "completion": _assistant(DEFAULT_FORMAT.render(result.rationale, result.value)),
                    "source": "knowledge_card_example",
                    "calculator": cid,
                }
            )
    return out


def user_rationales(path: str) -> list[dict[str, Any]]:
    out = []
    for lineno, item in json_objects(path):
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
    """Rubric cards of the tasks' families (their `warmup_rubrics`): how a label task is graded."""
    # Cards of single-task families before per-subtask cards: the order the mix is shuffled from (seeded), kept
    # so a seed gives the same warm-up examples as before the families were declared.
    ordered = sorted(families(), key=lambda f: f.subtasks)
    return [
        {"prompt": [{"role": "user", "content": question}], "completion": _assistant(answer),
         "source": "rubric", "task": task}
        for family in ordered if family.warmup_rubrics is not None
        for task, question, answer in family.warmup_rubrics(tasks)
    ]  # fmt: skip


def instructions(path: str) -> list[dict[str, Any]]:
    """Plain instruction rows {prompt, response}: the completion is the response as written (no answer format)."""
    out = []
    for lineno, item in json_objects(path):
        if not all(isinstance(item.get(k), str) and item[k].strip()
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
                             "task": row["task"], "family": template_family(row)})
    calc_ids = sorted({_json(r.get("meta")).get("calculator") for r in rows} - {None})
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


def check_mix(
    rows: list[dict[str, Any]], examples: list[dict[str, Any]], mix: WarmupMix
) -> tuple[dict[str, dict[str, int]], list[str]]:
    """Per task: worked solutions, knowledge cards (+ examples), rubrics, and problems (a needed source empty).

    Calculator tasks (families with `calculator_rows`) need worked solutions and, when asked for, knowledge
    cards; label tasks have no rendered solutions and need their rubric, rows that carry their own
    `completion`, or user rationales.
    """
    tasks_of_calc: dict[str, set[str]] = defaultdict(set)
    rows_per_task: Counter = Counter()
    for row in rows:
        rows_per_task[row["task"]] += 1
        cid = _json(row.get("meta")).get("calculator")
        if cid:
            tasks_of_calc[cid].add(row["task"])
    summary: dict[str, dict[str, int]] = {
        t: {"rows": n, "worked_solutions": 0, "knowledge_cards": 0, "rubrics": 0} for t, n in rows_per_task.items()
    }
    users = sum(ex["source"] == "user_rationale" for ex in examples)
    for ex in examples:
        source = ex["source"]
        if source == "worked_solution":
            summary[ex["task"]]["worked_solutions"] += 1
        elif source.startswith("knowledge_card"):
            for task in tasks_of_calc.get(ex["calculator"], ()):
                summary[task]["knowledge_cards"] += 1
        elif source == "rubric" and ex["task"] in summary:
            summary[ex["task"]]["rubrics"] += 1
    calculator = calculator_families()  # zero examples of a source these need is a recipe error
    problems = []
    for task, counts in sorted(summary.items()):
        family = task.split("/", 1)[0]
        if family in calculator:
            if mix.worked_solutions and not counts["worked_solutions"]:
                problems.append(f"warmup: task {task!r}: 0 of {counts['rows']} rows got a worked solution "
                                "(rows need meta.inputs or meta.rationale; rebuild the data with `ehrmind data build`)")
            if mix.knowledge_cards and not counts["knowledge_cards"]:
                problems.append(f"warmup: task {task!r}: no knowledge cards (its rows name no calculator)")
        elif not counts["rubrics"] and not counts["worked_solutions"] and not users:
            # a label task learns from its rubric, from rows that carry their own `completion`, or from
            # user rationales
            problems.append(f"warmup: task {task!r}: no warm-up examples (no rubric and no row with a "
                            "completion: enable warmup.task_rubrics, or give warmup.rationales_jsonl)")
    return summary, problems


def apply_prefill(examples: list[dict[str, Any]], tokenizer, prefill: str) -> list[dict[str, Any]]:
    """Text prompt-completion pairs whose prompt ends with `prefill` at the start of the assistant turn.

    EHRMIND prefills "Let me solve this step by step.\n<think>": the model continues inside the reasoning
    block, so a completion that would open `<think>` itself drops that tag. Completions without a reasoning
    block (knowledge cards, rubrics) keep the plain generation prompt. SFTTrainer appends the EOS token.
    """
    out = []
    for ex in examples:
        prompt = tokenizer.apply_chat_template(ex["prompt"], tokenize=False, add_generation_prompt=True)
        completion = ex["completion"][0]["content"]
        if completion.startswith(THINK_OPEN):
            prompt += prefill
            if prefill.rstrip().endswith(THINK_OPEN):
                completion = completion[len(THINK_OPEN):]
        out.append({**ex, "prompt": prompt, "completion": completion})
    return out
