"""Thought templates from a local teacher (MedCritical stage 1), checked so none gives away a row's answer.

    ehrmind templates --teacher /models/Qwen2.5-72B-Instruct --data runs/data/mimic --out runs/templates.jsonl
    ehrmind warmup --config recipes/medcalc/warmup.yaml --set warmup.templates_jsonl=runs/templates.jsonl

Why: MedCritical (arXiv:2509.23368) has a larger teacher write high-level, detailed long-chain thought
templates that guide a small student's reasoning before its self-correction DPO stage. Here the teacher
writes one template per task family (a calculator id, else the task name): the plan of the reasoning
(which values to find, which units to convert, which formula or criteria to apply, how to check), never
the answer. The teacher sees the family's knowledge card, never a patient row, and every template is
checked against the gold of every row of its family (`leaks`); a leaking or empty template is rejected and
the next sampled candidate is tried (`--samples` per round, `--rounds` rounds), and each rejection is
counted by reason in the manifest. The warm-up
then puts each worked solution's family template in the prompt (`templates_in: prompt`, guidance) or at the
start of its <think> block (`target`), and its report counts how many examples used one.

Leak rules (explicit, no model judgement): an <answer> block; for numeric golds, a number within the
row's tolerance of the gold that is not already in the calculator's card (formula constants and point
values are knowledge, not answers; step numbers such as a line starting "2." or "Step 3" are skipped); the gold date; the gold (weeks, days); for labels, a sentence that
states the gold label as the answer ("answer is X", "answer: X").
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import calculators
from calculators.weeks_days import WEEKS_DAYS_MENTION
from ehrmind.jsonl import json_objects

NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])")
# Step numbers (a line starting "1." or "2)", or "Step 3") order the plan; they are not values, so the leak
# check skips them. Only at a line start: "the score is 3." mid-line is a value and is checked.
STEP_MARKER = re.compile(r"^\s*\d+[.)](?=\s|$)|\bstep\s+\d+\b", re.IGNORECASE | re.MULTILINE)
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
PLAN_REQUEST = (
    "Write a thought template for the task below: a numbered, step-by-step plan of the reasoning a careful "
    "clinician follows to solve any case of this kind (which facts to find in the note, which units to "
    "convert, which formula or criteria to apply, how to check the result). It is a plan, not a solution: "
    "do not compute or state any answer and do not use <answer> tags."
)


def _meta(row: dict[str, Any]) -> dict[str, Any]:
    meta = row.get("meta")
    return json.loads(meta) if isinstance(meta, str) else (meta or {})


def _gold(row: dict[str, Any]) -> dict[str, Any]:
    gold = row.get("gold")
    return json.loads(gold) if isinstance(gold, str) else (gold or {})


def template_family(row: dict[str, Any]) -> str:
    """A row's template family: its calculator id, else its task name."""
    return _meta(row).get("calculator") or row.get("task") or "unknown"


def family_card(family: str, rows: list[dict[str, Any]]) -> str:
    """What the teacher is told about a family: the calculator's card, or the task name and its labels."""
    try:
        return calculators.get(family).describe()
    except calculators.UnknownCalculatorError:  # a label task's family (e.g. ehrshot/...): no calculator card
        choices = sorted({str(c) for r in rows for c in (_gold(r).get("choices") or [])})
        return f"Task: {family}." + (f" The answer is one of: {', '.join(choices)}." if choices else "")


def teacher_prompt(family: str, rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"{PLAN_REQUEST}\n\n{family_card(family, rows)}"}]


def _numbers(text: str) -> list[float]:
    return [float(x) for x in NUMBER.findall(STEP_MARKER.sub(" ", text))]


def leaks(template: str, golds: list[dict[str, Any]], card: str = "") -> list[str]:
    """Why `template` gives away one of `golds` (empty list: it does not). `card` numbers are allowed."""
    reasons: list[str] = []
    if "<answer>" in template.lower():
        reasons.append("answer block")
    allowed = set(_numbers(card))
    found = [n for n in _numbers(template) if n not in allowed]
    for gold in golds:
        kind, value = gold.get("kind"), gold.get("value")
        if kind == "decimal" and value is not None:
            lower, upper = gold.get("lower", value), gold.get("upper", value)
            if any(lower <= n <= upper for n in found):
                reasons.append("gold number")
        elif kind == "integer" and value is not None:
            if any(n == value for n in found):
                reasons.append("gold number")
        elif kind == "date" and value:
            if str(value) in ISO_DATE.findall(template):
                reasons.append("gold date")
        elif kind == "weeks_days" and value:
            if any([int(w), int(d)] == list(value) for w, d in WEEKS_DAYS_MENTION.findall(template)):
                reasons.append("gold weeks and days")
        elif kind == "label" and value is not None:
            pattern = rf"answer\s*(?:is|:|=|would be)\s*['\"“]?{re.escape(str(value))}\b"
            if re.search(pattern, template, re.IGNORECASE):
                reasons.append("gold label stated as the answer")
    return sorted(set(reasons))


def build_templates(
    rows: list[dict[str, Any]],
    generate: Callable[[list[list[dict[str, str]]]], list[list[str]]],
    *,
    rounds: int = 2,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One checked template per family: (templates, report).

    `generate` maps chat prompts to candidate texts (one list per prompt); each family takes its first clean
    candidate, and families with none go to the next of `rounds` rounds. Every rejected candidate is counted."""
    by_family: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_family[template_family(row)].append(row)
    cards = {f: family_card(f, rs) for f, rs in by_family.items()}
    golds = {f: [_gold(r) for r in rs] for f, rs in by_family.items()}
    pending = sorted(by_family)
    attempts: Counter = Counter()
    rejected: Counter = Counter()
    templates: list[dict[str, Any]] = []
    for _ in range(rounds):
        if not pending:
            break
        candidates = generate([teacher_prompt(f, by_family[f]) for f in pending])
        still = []
        for family, texts in zip(pending, candidates, strict=True):
            for text in texts:
                attempts[family] += 1
                text = (text or "").strip()
                reasons = ["empty"] if not text else leaks(text, golds[family], cards[family])
                if not reasons:
                    templates.append({"family": family, "template": text, "attempts": attempts[family],
                                      "rows": len(by_family[family])})
                    break
                rejected.update(reasons)
            else:
                still.append(family)
        pending = still
    report = {
        "families": len(by_family),
        "written": len(templates),
        "candidates": sum(attempts.values()),
        "rejected": sum(rejected.values()),
        "rejected_by_reason": dict(rejected),
        "no_template": pending,  # every candidate leaked or was empty
        "rows": len(rows),
    }
    return templates, report


def write_templates(templates: list[dict[str, Any]], out: str | Path, report: dict[str, Any],
                    settings: dict[str, Any]) -> Path:
    """templates.jsonl and <name>.manifest.json beside it (counts only; no patient text)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in templates))
    manifest = out.with_name(out.stem + ".manifest.json")
    manifest.write_text(json.dumps({"settings": settings, **report}, indent=2))
    return manifest


def load_templates(path: str | Path) -> dict[str, str]:
    """family -> template from an `ehrmind templates` file; raises ValueError naming a bad line."""
    out: dict[str, str] = {}
    for lineno, item in json_objects(path):
        if not isinstance(item.get("family"), str) or not isinstance(
                item.get("template"), str) or not item["template"].strip():
            raise ValueError(f"{path}:{lineno}: each line needs text fields family and template")
        out[item["family"]] = item["template"]
    return out


def apply_templates(examples: list[dict[str, Any]], path: str | Path, where: str = "prompt") -> Counter:
    """Put each worked solution's family template in its prompt or <think>; count with / without one."""
    templates = load_templates(path)
    counts: Counter = Counter()
    for ex in examples:
        if ex.get("source") != "worked_solution":
            continue
        template = templates.get(ex.get("family", ""))
        if template is None:
            counts["without_template"] += 1
            continue
        counts["with_template"] += 1
        if where == "prompt":
            messages = [dict(m) for m in ex["prompt"]]  # a copy: the row's own prompt stays as it was
            last = max(i for i, m in enumerate(messages) if m["role"] == "user")
            messages[last]["content"] += f"\n\nReasoning plan to follow:\n{template}"
            ex["prompt"] = messages
        else:
            content = ex["completion"][0]["content"]
            if "<think>" in content:
                content = content.replace("<think>", f"<think>{template}\n", 1)
            else:
                content = f"{template}\n{content}"
            ex["completion"] = [{"role": "assistant", "content": content}]
    return counts
