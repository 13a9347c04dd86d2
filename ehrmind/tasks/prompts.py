"""Prompts: the one place that turns (context, question, gold) into chat messages.

The answer format (the instructions the model sees and the parser that grades it) is one object,
`rewards.parse.AnswerFormat`; this module only adds the system role and the answer hint derived from the
gold's kind, so the task builders, warm-up, RL and evaluation all show the model the same contract.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from calculators.units import display_unit
from rewards.parse import DEFAULT_FORMAT

SYSTEM_PROMPT = (
    "You are a careful clinical reasoning assistant. Read the patient information, reason step by step, "
    "and give a final answer that can be checked."
)


def answer_hint(gold: dict[str, Any] | str) -> str:
    """What kind of answer is expected, in words (never the answer itself)."""
    gold = json.loads(gold) if isinstance(gold, str) else gold
    kind = gold["kind"]
    if kind == "decimal":
        unit = gold.get("unit")
        if unit:
            return f"a number in {display_unit(unit)}"
        return "a number"
    if kind == "integer":
        return "an integer"
    if kind == "date":
        return "a date written MM/DD/YYYY"
    if kind == "weeks_days":
        return "a pair [weeks, days], e.g. [5, 2]"
    if kind == "label":
        return "one of: " + ", ".join(gold["choices"])
    raise ValueError(f"unknown gold kind {kind!r}")


def chat_prompt(context: str, question: str, gold: dict[str, Any] | str) -> list[dict[str, str]]:
    """System + user messages for one task row."""
    context, question = context.strip(), question.strip()
    user = f"{context}\n\n{question}" if context else question
    return [{"role": "system", "content": _system_message(answer_hint(gold))}, {"role": "user", "content": user}]


@lru_cache(maxsize=1024)
def _system_message(hint: str) -> str:
    # one text per answer hint: a build writes thousands of rows with the same few hints
    return f"{SYSTEM_PROMPT}\n{DEFAULT_FORMAT.instructions(hint)}"
