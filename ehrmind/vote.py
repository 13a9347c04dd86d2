"""Majority vote over a row's sampled answers: the pseudo-label, its share and entropy (MedSSR).

    vote(completions, gold='{"kind": "decimal", "value": 0, "calculator": "bmi"}', threshold=0.6)
    -> Vote(label=31.2, share=0.75, entropy=0.56, n=8, valid=7, groups=2, tie=False, accepted=True, ...)

Each completion's answer is read with the answer format (lenient, as the accuracy rewards read it) and
normalised to the row's answer type, which the row's gold declares (kind, unit, calculator, choices) even
when its value is unknown: numbers are converted to the gold's unit, labels resolved through aliases,
dates and (weeks, days) parsed. Numbers agree when they lie within the calculator's tolerance
(`tolerance`), so 31.2 and 31.6 kg/m² are one answer for BMI; exact kinds agree when equal.

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

from rewards.gold import Gold, parse_gold
from rewards.parse import AnswerFormat
from rewards.values import (
    AnswerValueError,
    default_aliases,
    parse_date,
    parse_label,
    parse_number,
    parse_weeks_days,
)

ABS_EPS = 1e-9
SIG_DIGITS = 3  # numbers without a declared tolerance agree when equal to 3 significant digits
LENIENT = AnswerFormat(strict=False)


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


def tolerance(gold: Gold) -> float:
    """Relative tolerance two numeric answers may differ by and still be one answer (0 = exact)."""
    if gold.kind != "decimal":
        return 0.0
    if gold.calculator:
        from rewards.accuracy import calculator_output

        return calculator_output(gold.calculator)[0] or 0.0
    if gold.lower is not None and gold.upper is not None and gold.value:
        return (gold.upper - gold.lower) / 2 / abs(gold.value)
    return 0.0


def _unit(gold: Gold) -> str | None:
    if gold.unit or not gold.calculator:
        return gold.unit
    from rewards.accuracy import calculator_output

    return calculator_output(gold.calculator)[1]


def normalise(answer: Any, gold: Gold) -> Any:
    """An answer as a comparable value of the gold's kind; raises AnswerValueError when unreadable."""
    kind = gold.kind
    if kind == "decimal":
        x = parse_number(answer, target_unit=_unit(gold), analyte=gold.analyte)
        return x if tolerance(gold) else float(f"{x:.{SIG_DIGITS}g}")
    if kind == "integer":
        x = parse_number(answer)
        return int(x) if x.is_integer() else x  # a fraction is a (wrong) answer of its own, never a label
    if kind == "date":
        return parse_date(answer)
    if kind == "weeks_days":
        return parse_weeks_days(answer)
    aliases = gold.aliases if gold.aliases is not None else default_aliases(gold.choices)
    return parse_label(answer, gold.choices, aliases)


def agree(a: Any, center: Any, rel_tol: float) -> bool:
    """Whether answer `a` counts as the same answer as `center` (within the relative tolerance)."""
    if rel_tol and isinstance(a, float) and isinstance(center, float):
        return abs(a - center) <= rel_tol * abs(center) + ABS_EPS
    return a == center


def group_answers(values: list[Any], rel_tol: float) -> tuple[list[tuple[Any, int]], bool]:
    """[(center, size), ...] largest first, and whether the top size was tied (see the module docstring)."""
    unassigned = list(range(len(values)))
    groups: list[tuple[Any, int]] = []
    tie = False
    while unassigned:
        support = [(sum(agree(values[j], values[i], rel_tol) for j in unassigned), i) for i in unassigned]
        best_size = max(size for size, _ in support)
        best = next(i for size, i in support if size == best_size)  # earliest sample wins a tie
        members = [j for j in unassigned if agree(values[j], values[best], rel_tol)]
        if not groups:
            # A tie: another answer outside the winning group is as popular as it.
            tie = any(size == best_size and i not in members for size, i in support)
        groups.append((values[best], len(members)))
        unassigned = [j for j in unassigned if j not in members]
    return groups, tie


def entropy(sizes: list[int]) -> float:
    total = sum(sizes)
    return -sum(s / total * math.log(s / total) for s in sizes if s) if total else 0.0


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
    from rewards.gold import canonical_gold_json

    lower = upper = None
    if gold.kind == "decimal" and not gold.calculator:
        # Without a calculator the graders need an interval: the vote's own tolerance around the label.
        tol = tolerance(gold)
        half = (
            tol * abs(label)
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
