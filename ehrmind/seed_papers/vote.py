"""Majority vote over a row's sampled answers: the pseudo-label, its share and entropy (MedSSR).

    vote(completions, gold='{"kind": "decimal", "value": 0, "calculator": "bmi"}', threshold=0.6)
    -> Vote(label=31.2, share=0.75, entropy=0.56, n=8, valid=7, groups=2, tie=False, accepted=True, ...)

Each completion's answer is read with the answer format (lenient, as the accuracy rewards read it) and
compared by `rewards.compare`, the comparator the `pseudo_label` reward also uses (one implementation):
normalised to the row's answer type, which the row's gold declares (kind, unit, calculator, choices) even
when its value is unknown; numbers converted to the gold's unit, labels resolved through aliases, dates
and (weeks, days) parsed. Numbers agree when they lie within the calculator's tolerance (`tolerance`), so
31.2 and 31.6 kg/m² are one answer for BMI; exact kinds agree when equal.

Grouping is greedy and deterministic: the answer (in sample order) that agrees with the most unassigned
answers founds the first group, and so on. A tie for the top group is broken by sample order and
reported (`tie=True`). `share` is the top group's size over all N samples (unreadable ones count against
it), `entropy` the Shannon entropy (nats) of the groups among readable answers. The label is accepted when
`share >= threshold`.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rewards.compare import (
    SIG_DIGITS,
    Tolerance,
    agree,
    entropy,
    gold_tolerance,
    group_answers,
    normalise,
)
from rewards.gold import Gold, canonical_gold_json, parse_gold
from rewards.parse import AnswerFormat
from rewards.values import AnswerValueError

LENIENT = AnswerFormat(strict=False)

__all__ = [
    "LENIENT",
    "Tolerance",
    "Vote",
    "VoteError",
    "agree",
    "answer_json",
    "entropy",
    "group_answers",
    "normalise",
    "pseudo_gold",
    "tolerance",
    "vote",
]


class VoteError(ValueError):
    """Bad arguments to the vote (a threshold outside [0, 1], no samples)."""


@dataclass(frozen=True)
class Vote:
    label: Any  # the majority answer, normalised (float | int | date | (weeks, days) | str), or None
    share: float  # top group size / n
    entropy: float  # nats, over the groups of readable answers
    n: int  # samples
    valid: int  # readable answers
    groups: int
    tie: bool  # another group had the top group's size (broken by sample order)
    accepted: bool  # share >= threshold (and, for integer answers, the majority is a whole number)
    unreadable: dict[str, int] = field(default_factory=dict)  # reason -> count


def tolerance(gold: Gold) -> Tolerance:
    """How far two numeric answers may differ and still be one answer (`rewards.compare.gold_tolerance`)."""
    return gold_tolerance(gold)


def vote(completions: list[str], gold: str | dict | Gold, threshold: float) -> Vote:
    """The majority answer of one row's completions (see the module docstring)."""
    if not 0 <= threshold <= 1:
        raise VoteError(f"threshold={threshold!r} must be between 0 and 1 (e.g. 0.6)")
    if not completions:
        raise VoteError("no completions to vote on: sample at least one per row")
    gold = parse_gold(gold)
    values: list[Any] = []
    unreadable: Counter = Counter()
    for text in completions:
        parsed = LENIENT.read_answer(text)
        if not parsed.ok:
            unreadable[parsed.reason] += 1
            continue
        try:
            values.append(normalise(parsed.answer, gold))
        except AnswerValueError as exc:
            unreadable[exc.reason] += 1
    n = len(completions)
    if not values:
        return Vote(None, 0.0, 0.0, n, 0, 0, False, False, dict(unreadable))
    groups, tie = group_answers(values, tolerance(gold))
    label, size = groups[0]
    share = size / n
    valid_label = gold.kind != "integer" or isinstance(label, int)
    return Vote(
        label,
        share,
        entropy([s for _, s in groups]),
        n,
        len(values),
        len(groups),
        tie,
        share >= threshold and valid_label,
        dict(unreadable),
    )


def answer_json(value: Any) -> Any:
    """A normalised answer as the JSON value a completion would write (dates as MM/DD/YYYY)."""
    if isinstance(value, date):
        return value.strftime("%m/%d/%Y")
    if isinstance(value, tuple):
        return list(value)
    return value


def pseudo_gold(label: Any, gold: Gold) -> dict[str, Any]:
    """The gold JSON of a majority answer, in the row's gold schema (same kind, unit, calculator, choices)."""
    lower = upper = None
    if gold.kind == "decimal" and not gold.calculator:
        # Without a calculator the graders need an interval: the vote's own tolerance around the label.
        tol = tolerance(gold)
        half = (
            tol.half_width(label)
            if tol
            else 0.5 * 10 ** (math.floor(math.log10(abs(label) or 1)) - SIG_DIGITS + 1)
        )
        lower, upper = label - half, label + half
    value = label.isoformat() if isinstance(label, date) else label
    new = Gold(
        gold.kind, value, lower, upper, gold.unit, gold.calculator, gold.analyte, gold.choices, gold.aliases
    )
    out = canonical_gold_json(new)
    if isinstance(label, date):
        out["value"] = label.isoformat()
    return out
