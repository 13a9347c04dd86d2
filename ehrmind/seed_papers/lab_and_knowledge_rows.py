"""Synthetic rows beyond calculators: EHRSHOT lab-severity questions and knowledge-file text questions.

Both feed `ehrmind synthesize` (see `ehrmind.seed_papers.synthesize`) and share its controls: `n` rows, an exact share
of rare rows, a seed, patient-level splits.

- EHRSHOT labs (`--ehrshot lab_hyponatremia,...`): a synthetic patient's recent results of one lab, and
  the question "how severe is the latest result?" under the EHRSHOT task's own thresholds
  (`ehr_adapters.ehrshot.TASKS`). The gold label is computed from the value as written, so the row is
  verifiable from its text. This is a grading task, not EHRSHOT's anticipation task (which predicts an
  unseen result), so the task name is `ehrshot/<name>_current`. Rare rows are severe results.
- Knowledge questions (`--knowledge FILE --templates FILE`): a JSONL of entities with facts, e.g.
  `{"entity": "Fabry disease", "facts": {"inheritance": "X-linked"}, "rare": true, "text": "..."}`, and a
  JSONL of templates `{"id": "inheritance", "question": "How is {entity} inherited?", "fact": "inheritance"}`.
  Gold is the entity's fact; the choices are every value that fact takes in the file. With probability
  `inject_prob` (seeded) the entity's knowledge card is put in the context (open book), otherwise the
  question stands alone (closed book). Rare rows ask about entities marked `"rare": true`.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ehr_adapters.ehrshot_spec import SEVERITY
from ehrmind.jsonl import json_objects
from ehrmind.seed_papers.synthesis_base import SynthesisError, draw_split
from ehrmind.tasks.families.ehrshot import PREFIX
from ehrmind.tasks.prompts import chat_prompt

# Plausible ranges in EHRSHOT's units for the categories the thresholds do not bound.
NORMAL_RANGE = {"platelets": (150, 400), "potassium": (3.5, 5.5), "glucose": (4.0, 7.8), "sodium": (136, 145),
                "hemoglobin": (120, 165)}  # fmt: skip
SEVERE_RANGE = {"platelets": (5, 49), "potassium": (7.1, 8.5), "glucose": (1.5, 2.9), "sodium": (110, 124),
                "hemoglobin": (40, 69)}  # fmt: skip
SHOWN_UNIT = {"10*3/uL": "×10³/µL", "10*9/L": "×10⁹/L", "meq/L": "mEq/L"}
NORMAL, MILD, MODERATE, SEVERE = SEVERITY  # EHRSHOT's lab labels, as its task declarations name them
COMMON_CATEGORIES = ((NORMAL, 0.55), (MILD, 0.3), (MODERATE, 0.15))


def _ehrshot_tasks():
    try:
        from ehr_adapters.ehrshot import TASKS  # lazy: loads polars; only --ehrshot needs it
    except ImportError as exc:  # the adapter is optional for calculator synthesis
        raise SynthesisError(
            f"--ehrshot needs ehr_adapters.ehrshot, which failed to import ({exc})"
        ) from None
    return TASKS


def lab_severity(task, value: float) -> str:
    """EHRSHOT's severity of a lab value in the task's unit: the task declaration's own rule
    (`ehr_adapters.ehrshot_spec.EhrshotTask.severity`, which the labeller mirrors)."""
    return task.severity(value)


def _category_range(task, category: str) -> tuple[float, float]:
    mild, moderate, severe = task.thresholds
    if category == NORMAL:
        return NORMAL_RANGE[task.concept]
    if category == SEVERE:
        return SEVERE_RANGE[task.concept]
    if task.low_is_bad:
        return (moderate, mild) if category == MILD else (severe, moderate)
    return (mild, moderate) if category == MILD else (moderate, severe)


def _thresholds_text(task) -> str:
    severe, moderate, mild = task.cuts  # the declaration's cuts, severe first, each with its comparison
    return f"mild {mild.op} {mild.bound:g}, moderate {moderate.op} {moderate.bound:g}, severe {severe.op} {severe.bound:g}"


def _lab_question(task, unit_text: str) -> str:
    return (f"Using EHRSHOT's {task.name} thresholds in {unit_text} ({_thresholds_text(task)}), how severe is "
            f"the most recent {task.what} result: normal, mild, moderate or severe?")  # fmt: skip


def ehrshot_lab_rows(
    names: list[str],
    n: int,
    rare_share: float,
    seed: int,
    *,
    splits: tuple[float, float, float] = (0.8, 0.1, 0.1),
) -> tuple[list[dict], dict]:
    """`n` lab-severity rows spread over the named EHRSHOT lab tasks; rare rows have a severe latest value."""
    tasks = _ehrshot_tasks()
    labs = [t for t in tasks.values() if t.group == "lab"]
    chosen = []
    for name in names:
        name = name.removeprefix(PREFIX)
        if name not in tasks or tasks[name].group != "lab":
            raise SynthesisError(f"--ehrshot: {name!r} is not an EHRSHOT lab task; synthesizable tasks: "
                                 + ", ".join(t.name for t in labs))  # fmt: skip
        chosen.append(tasks[name])
    rng = random.Random(seed)
    rows, stats = [], {"per_task": {}}
    for k, task in enumerate(chosen):
        count = n // len(chosen) + (1 if k < n % len(chosen) else 0)
        rare_at = set(rng.sample(range(count), round(count * rare_share)))
        labels: Counter = Counter()
        for i in range(count):
            category = SEVERE if i in rare_at else rng.choices(*zip(*COMMON_CATEGORIES, strict=True))[0]
            unit, factor = rng.choice(sorted(task.unit_factors.items()))
            decimal_units = {
                ("potassium", "mmol/L"),
                ("potassium", "meq/L"),
                ("glucose", "mmol/L"),
                ("hemoglobin", "g/dL"),
            }
            places = 1 if (task.concept, unit) in decimal_units else 0
            lo, hi = _category_range(task, category)
            shown = round(rng.uniform(lo, hi) / factor, places)
            label = lab_severity(task, shown * factor)  # gold from the value exactly as written
            labels[label] += 1
            unit_text = SHOWN_UNIT.get(unit, unit)
            day = date(2023, 1, 1) + timedelta(days=rng.randrange(3 * 365))
            history = []
            for back in sorted(rng.sample(range(2, 60), rng.randint(1, 3)), reverse=True):
                past = round(rng.uniform(*NORMAL_RANGE[task.concept]) / factor, places)
                history.append(f"{(day - timedelta(days=back)).strftime('%m/%d/%Y')}: {past:g} {unit_text}")
            history.append(f"{day.strftime('%m/%d/%Y')}: {shown:g} {unit_text} (most recent)")
            context = f"{task.concept.capitalize()} results:\n" + "\n".join(history)
            gold = {"kind": "label", "value": label, "choices": list(task.choices)}
            meta = {"ehrshot_task": task.name, "variant": "grade_latest_result", "value": shown, "unit": unit,
                    "source": "synthetic", "rare": i in rare_at}  # fmt: skip
            rows.append({"id": f"synth/{PREFIX}{task.name}/{seed}/{i}", "task": f"{PREFIX}{task.name}_current",
                         "prompt": chat_prompt(context, _lab_question(task, unit_text), gold),
                         "gold": json.dumps(gold), "patient_id": f"synth-{seed}-{task.name}-{i}",
                         "split": draw_split(rng, splits), "meta": json.dumps(meta)})  # fmt: skip
        stats["per_task"][task.name] = {"rows": count, "rare": len(rare_at), "labels": dict(labels)}
    return rows, stats


# --- knowledge-file questions --------------------------------------------------------------------------


def _read_jsonl(path: Path, what: str) -> list[dict[str, Any]]:
    if not path.exists():
        raise SynthesisError(f"--{what}: file {path} does not exist")
    items = [{**item, "_line": lineno} for lineno, item in json_objects(path, SynthesisError)]
    if not items:
        raise SynthesisError(f"--{what}: {path} has no entries")
    return items


def read_knowledge(path: Path) -> list[dict[str, Any]]:
    """Entities `{"entity": str, "facts": {name: str}, "rare": bool = true, "text": str?}`, checked."""
    entities = _read_jsonl(path, "knowledge")
    for e in entities:
        where = f"{path}:{e['_line']}"
        if not isinstance(e.get("entity"), str) or not e["entity"].strip():
            raise SynthesisError(f"{where}: field 'entity'={e.get('entity')!r} must be a non-empty string")
        facts = e.get("facts")
        if not isinstance(facts, dict) or not facts or not all(isinstance(v, str) for v in facts.values()):
            raise SynthesisError(f"{where}: field 'facts'={facts!r} must map fact names to strings")
        if not isinstance(e.get("rare", True), bool):
            raise SynthesisError(f"{where}: field 'rare'={e.get('rare')!r} must be true or false")
    return entities


def read_templates(path: Path) -> list[dict[str, Any]]:
    """Templates `{"id": str, "question": "... {entity} ...", "fact": name}`, checked."""
    templates = _read_jsonl(path, "templates")
    for t in templates:
        where = f"{path}:{t['_line']}"
        for key in ("id", "question", "fact"):
            if not isinstance(t.get(key), str) or not t[key].strip():
                raise SynthesisError(f"{where}: field {key!r}={t.get(key)!r} must be a non-empty string")
        if "{entity}" not in t["question"]:
            raise SynthesisError(f"{where}: field 'question'={t['question']!r} must contain {{entity}}")
    return templates


def _card(entity: dict[str, Any]) -> str:
    facts = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in entity["facts"].items())
    text = entity.get("text")
    return (
        f"Reference — {entity['entity']}. "
        + (f"{text.strip()} " if isinstance(text, str) else "")
        + facts
        + "."
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def knowledge_rows(
    knowledge: Path,
    templates_path: Path,
    n: int,
    rare_share: float,
    inject_prob: float,
    seed: int,
    *,
    splits: tuple[float, float, float] = (0.8, 0.1, 0.1),
) -> tuple[list[dict], dict, list[dict[str, str]]]:
    """`n` label questions from a knowledge file and templates; returns rows, stats and skipped items."""
    entities = read_knowledge(knowledge)
    skipped: list[dict[str, str]] = []
    usable = []
    for t in read_templates(templates_path):
        values = sorted({e["facts"][t["fact"]] for e in entities if t["fact"] in e["facts"]})
        if len(values) < 2:
            skipped.append({"file": str(templates_path), "position": f"line {t['_line']}",
                            "reason": f"fact {t['fact']!r} takes {len(values)} value(s) in the knowledge file; "
                                      "a label question needs at least 2 choices"})  # fmt: skip
            continue
        usable.append((t, values))
    if not usable:
        raise SynthesisError(f"--templates: no template in {templates_path} can be asked (see skipped reasons: "
                             + "; ".join(s["reason"] for s in skipped) + ")")  # fmt: skip
    rng = random.Random(seed)
    pools = {
        True: [e for e in entities if e.get("rare", True)],
        False: [e for e in entities if not e.get("rare", True)],
    }
    # An entity's questions share one split, so its facts never leak from train into test.
    entity_split = {e["entity"]: draw_split(random.Random(f"{seed}:{e['entity']}"), splits) for e in entities}
    rare_at = set(rng.sample(range(n), round(n * rare_share)))
    rows, injected = [], 0
    for i in range(n):
        want_rare = i in rare_at
        pool = pools[want_rare] or pools[not want_rare]
        for _ in range(100):
            entity = rng.choice(pool)
            options = [(t, v) for t, v in usable if t["fact"] in entity["facts"]]
            if options:
                break
        else:
            skipped.append({"file": str(knowledge), "position": f"row {i}",
                            "reason": "no template asks a fact these entities have"})  # fmt: skip
            continue
        template, choices = rng.choice(options)
        inject = rng.random() < inject_prob
        injected += inject
        gold = {"kind": "label", "value": entity["facts"][template["fact"]], "choices": choices}
        question = template["question"].replace("{entity}", entity["entity"])
        meta = {"entity": entity["entity"], "template": template["id"], "fact": template["fact"],
                "injected": inject, "rare": bool(entity.get("rare", True)), "source": "synthetic-knowledge"}  # fmt: skip
        rows.append({"id": f"synth/knowledge/{template['id']}/{seed}/{i}", "task": f"knowledge/{template['id']}",
                     "prompt": chat_prompt(_card(entity) if inject else "", question, gold),
                     "gold": json.dumps(gold), "patient_id": f"knowledge-{_slug(entity['entity'])}",
                     "split": entity_split[entity["entity"]], "meta": json.dumps(meta)})  # fmt: skip
    stats = {"rows": len(rows), "injected": injected, "inject_share": injected / len(rows) if rows else 0.0,
             "entities": len(entities), "rare_entities": len(pools[True]), "templates_used": len(usable)}  # fmt: skip
    return rows, stats, skipped
