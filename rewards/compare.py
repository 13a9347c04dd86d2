"""One comparator for answers: typed by the gold, within the declared tolerance. Torch-free.

The accuracy rewards, the `pseudo_label` reward and the offline vote (`ehrmind.seed_papers.vote`) all decide "is this
the same answer" here, so a unit, an alias or a tolerance cannot count in one and not in another.

    declared("sodium_correction_hyperglycemia")   -> Declared(rel_tol=None, abs_tol=0.5, unit="mEq/L", ...)
    normalise("135.4 mEq/L", gold)                -> 135.4   (converted to the gold's unit, analyte known)
    agree(31.2, 31.6, gold_tolerance(gold))       -> True for BMI (±5 %)
    group_answers([72.0, 72.1, 80.0], tol)        -> ([(72.0, 2), (80.0, 1)], False)

The answer's type comes from the gold (kind, unit, calculator, choices), even when its value is unknown:
numbers are converted to the gold's unit (or rejected: `wrong_unit`), labels are resolved through aliases
(a hedge such as "yes or no" is `unknown_label`), dates and (weeks, days) are parsed. NaN and infinities
never parse. Two numbers agree when they are within the tolerance: the calculator's declaration
(`rel_tol` or `abs_tol`), else the gold's own limits, else equality to `SIG_DIGITS` significant digits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any, NamedTuple

from rewards.gold import Gold, GoldError
from rewards.units import UNITLESS
from rewards.values import (
    MAX_VALUE_CHARS,
    NO_VALUE,
    AnswerValueError,
    label_key,
    parse_date,
    parse_label,
    parse_number,
    parse_weeks_days,
    split_unit,
)

ABS_EPS = 1e-9  # float noise allowed around a gold of exactly 0 and at interval edges
SIG_DIGITS = 3  # numbers without any declared tolerance agree when equal to 3 significant digits


class Declared(NamedTuple):
    """What a calculator declares about its output, as the rewards need it."""

    rel_tol: float | None
    abs_tol: float | None
    unit: str | None
    analyte: str | None


class Tolerance(NamedTuple):
    rel: float = 0.0
    abs: float = 0.0

    def __bool__(self) -> bool:
        return bool(self.rel or self.abs)

    def half_width(self, center: float) -> float:
        return max(self.rel * abs(center), self.abs)


@cache
def declared(calculator_id: str) -> Declared:
    """The output declaration of a calculator; an unknown id is a gold bug (GoldError)."""
    import calculators

    try:
        calc = calculators.get(calculator_id)
    except (calculators.UnknownCalculatorError, ModuleNotFoundError) as exc:
        raise GoldError(f"gold.calculator={calculator_id!r} is not a registered calculator ({exc})") from None
    out = calc.output
    return Declared(out.rel_tol, getattr(out, "abs_tol", None), out.unit, getattr(out, "analyte", None))


@lru_cache(maxsize=65_536)  # a frozen Gold: TRL repeats each row per generation
def gold_tolerance(gold: Gold) -> Tolerance:
    """How far a number may be from the gold's value and still be the same answer (decimal golds)."""
    if gold.kind != "decimal":
        return Tolerance()
    if gold.calculator:
        d = declared(gold.calculator)
        if d.rel_tol or d.abs_tol:
            return Tolerance(d.rel_tol or 0.0, d.abs_tol or 0.0)
    if gold.lower is not None and gold.upper is not None:
        return Tolerance(0.0, (gold.upper - gold.lower) / 2)
    return Tolerance()


@lru_cache(maxsize=65_536)  # a frozen Gold: TRL repeats each row per generation
def target_unit(gold: Gold) -> str | None:
    """The unit answers are converted to: the gold's, else its calculator's, else `UNITLESS`."""
    if gold.unit:
        return gold.unit
    if gold.calculator:
        return declared(gold.calculator).unit or UNITLESS
    return UNITLESS


@lru_cache(maxsize=65_536)  # a frozen Gold: TRL repeats each row per generation
def gold_analyte(gold: Gold) -> str | None:
    if gold.analyte or not gold.calculator:
        return gold.analyte
    return declared(gold.calculator).analyte


@lru_cache(maxsize=65_536)  # a frozen Gold: TRL repeats each row per generation
def decimal_reading(gold: Gold) -> tuple[str | None, str | None, Tolerance]:
    """(target unit, analyte, tolerance) of a decimal gold: one cache lookup per row instead of three, and
    one cache entry per new gold (the parts are computed uncached: every GRPO prompt brings a new gold)."""
    return target_unit.__wrapped__(gold), gold_analyte.__wrapped__(gold), gold_tolerance.__wrapped__(gold)


def within(x: float, center: float, tol: Tolerance) -> bool:
    return abs(x - center) <= tol.half_width(center) + ABS_EPS


def normalise(answer: Any, gold: Gold) -> Any:
    """An answer as a comparable value of the gold's kind; raises AnswerValueError when unreadable."""
    kind = gold.kind
    if kind == "decimal":
        unit, analyte, tolerance = decimal_reading(gold)
        x = parse_number(answer, target_unit=unit, analyte=analyte)
        return x if tolerance else float(f"{x:.{SIG_DIGITS}g}")
    if kind == "integer":
        x = parse_number(answer, target_unit=UNITLESS)
        return int(x) if x.is_integer() else x  # a fraction is a (wrong) answer of its own, never a label
    if kind == "date":
        return parse_date(answer)
    if kind == "weeks_days":
        return parse_weeks_days(answer)
    aliases = gold.aliases  # None: the choices' default aliases (cached in parse_label)
    return parse_label(answer, gold.choices, aliases)


UNTYPED_REL_TOL = 0.05  # numbers of an untyped answer agree within 5 % (MedCalc-Bench's decimal rule)
_NUMERIC_START = re.compile(r"\s*(?:[-+−~≈]\s*)?\.?[0-9０-９]")  # one way to split spaces: linear
_HEDGE = re.compile(r"\b(?:or|and/or|either|maybe|possibly|probably|unclear)\b|/|\?")


def normalise_untyped(answer: Any) -> Any:
    """An answer without a declared type (no gold): a float, a (float, unit) pair, a date, (weeks, days) or
    a label key. Raises AnswerValueError for what must never vote: no value, NaN and infinities, hedges
    ("yes or no", "yes/no", "maybe"), several values, and text that starts like a number but is not one
    ("72,5", "72 blorps"). A number with a unit is its own answer: without a type, "72 kg" and 72 differ.
    """
    if answer is None:
        raise AnswerValueError("no_value", answer)
    if isinstance(answer, bool):
        return "true" if answer else "false"
    if isinstance(answer, int | float):
        return parse_number(answer)
    if isinstance(answer, list | tuple):
        return parse_weeks_days(answer)
    if not isinstance(answer, str):
        raise AnswerValueError("not_a_number", answer)
    if len(answer) > MAX_VALUE_CHARS:
        raise AnswerValueError("value_too_long", answer[:40])
    try:
        return parse_date(answer)
    except AnswerValueError:
        pass
    lowered = answer.lower()
    if "week" in lowered or lowered.lstrip()[:1] in ("(", "["):  # "5 weeks, 2 days", "(5, 2)"
        return parse_weeks_days(answer)
    if _NUMERIC_START.match(answer):
        number = parse_number(answer)  # raises for "72,5", "80-90", "72 or 80", unknown units
        unit = split_unit(answer)
        return number if unit is None else (number, unit)
    key = label_key(answer)
    if key in ("nan", "inf", "infinity", "-inf"):
        raise AnswerValueError("not_finite", answer)
    if not key or key in NO_VALUE:
        raise AnswerValueError("no_value", answer)
    if _HEDGE.search(key):
        raise AnswerValueError("multiple_values", answer, "give one answer")
    return key


def _as_tolerance(tol: Tolerance | float) -> Tolerance:
    return tol if isinstance(tol, Tolerance) else Tolerance(float(tol))


def agree(a: Any, center: Any, tol: Tolerance | float) -> bool:
    """Whether answer `a` counts as the same answer as `center` (a float `tol` is relative)."""
    tol = _as_tolerance(tol)
    # Types first: they are C checks, and a label or an integer never needs the tolerance.
    if isinstance(a, float) and isinstance(center, float) and tol:
        return within(a, center, tol)
    return a == center


def agreement_with(center: Any, tol: Tolerance | float) -> Callable[[Any], bool]:
    """`agree(·, center, tol)` as a one-argument test, with the half-width computed once: a vote compares
    every sample of its group with the same majority."""
    tol = _as_tolerance(tol)
    if isinstance(center, float) and tol:
        bound = tol.half_width(center) + ABS_EPS  # `within`'s right-hand side, as `agree` computes it
        return lambda a: abs(a - center) <= bound if isinstance(a, float) else a == center
    return lambda a: a == center


def group_answers(values: list[Any], tol: Tolerance | float) -> tuple[list[tuple[Any, int]], bool]:
    """[(center, size), ...] largest first, and whether the top size was tied.

    Greedy and deterministic: the answer (in sample order) that agrees with the most unassigned answers
    founds the first group, and so on; a tie for the top group is broken by sample order and reported.
    """
    distinct, holders, masks, slot = _agreement(values, _as_tolerance(tol))
    agrees = [masks[k] for k in slot]
    unassigned = list(range(len(values)))
    left = (1 << len(values)) - 1  # the same set as `unassigned`, as bits
    groups: list[tuple[Any, int]] = []
    tie = False
    while unassigned:
        support = [((agrees[i] & left).bit_count(), i) for i in unassigned]
        best_size = max(size for size, _ in support)
        best = next(i for size, i in support if size == best_size)  # earliest sample wins a tie
        taken = agrees[best] & left
        members = [j for j in unassigned if taken >> j & 1]
        if not groups:
            tie = any(size == best_size and not taken >> i & 1 for size, i in support)
        groups.append((values[best], len(members)))
        left &= ~taken
        unassigned = [j for j in unassigned if not taken >> j & 1]
    return groups, tie


def top_group(values: list[Any], tol: Tolerance | float) -> tuple[Any, int, bool]:
    """(center, size) of `group_answers`' first group and its tie flag, without grouping the rest (all a
    vote needs). In the first round every sample is unassigned, so a sample's support is the size of its
    distinct answer's agreement set, and the earliest sample with the top support holds the earliest such
    distinct answer (distinct answers are numbered in sample order)."""
    if not values:
        raise ValueError("top_group needs at least one answer")
    distinct, holders, masks, _ = _agreement(values, _as_tolerance(tol))
    sizes = [mask.bit_count() for mask in masks]
    best_size = max(sizes)
    best = sizes.index(best_size)
    taken = masks[best]
    tie = any(size == best_size and held & ~taken for size, held in zip(sizes, holders, strict=True))
    return distinct[best], best_size, tie


def _agreement(values: list[Any], tol: Tolerance) -> tuple[list[Any], list[int], list[int], list[int]]:
    """`_distinct`'s (distinct answers, holders, slot) and masks[k]: bit j set when values[j] agrees with
    center distinct[k] (the rule of agree()). Equal answers of one type agree with the same answers, so
    each distinct answer is compared once (with its half-width computed once): a group of 8 samples
    holding 3 answers costs 9 comparisons, not 64."""
    distinct, holders, slot = _distinct(values)
    for center in distinct:
        if isinstance(center, float) and not math.isfinite(center):
            # NaN agrees with nothing, not even itself: grouping would never take it (and never end)
            raise ValueError(f"cannot group the non-finite answer {center!r}: `normalise` rejects it first")
    has_tol = bool(tol)
    masks = []
    for center in distinct:
        h = tol.half_width(center) + ABS_EPS if has_tol and isinstance(center, float) else None
        mask = 0
        for a, held in zip(distinct, holders, strict=True):
            if abs(a - center) <= h if h is not None and isinstance(a, float) else a == center:
                mask |= held
        masks.append(mask)
    return distinct, holders, masks, slot


def _distinct(values: list[Any]) -> tuple[list[Any], list[int], list[int]]:
    """(distinct answers, bit mask of the samples holding each, each sample's distinct index).

    Answers are the same when type and value are (1 and 1.0 stay apart: a float center has a tolerance,
    an int one does not); unhashable answers are each their own."""
    distinct: list[Any] = []
    holders: list[int] = []
    slot: list[int] = []
    index: dict[Any, int] = {}
    for j, v in enumerate(values):
        try:
            k = index.setdefault((type(v), v), len(distinct))
        except TypeError:  # unhashable (a list): compared on its own
            k = len(distinct)
        if k == len(distinct):
            distinct.append(v)
            holders.append(0)
        holders[k] |= 1 << j
        slot.append(k)
    return distinct, holders, slot


def entropy(sizes: list[int]) -> float:
    total = sum(sizes)
    return -sum(s / total * math.log(s / total) for s in sizes if s) if total else 0.0


def majority(values: list[Any], n: int, tol: Tolerance, min_votes: int, min_share: float) -> Any | None:
    """The majority answer of `n` samples whose readable answers are `values`, or None (no majority).

    No majority: no readable answer, a tie for the top group, fewer than `min_votes` agreeing answers, or a
    share (top group / all n samples, unreadable ones counting against it) below `min_share`.
    """
    if not values:
        return None
    label, size, tie = top_group(values, tol)
    if tie or size < min_votes or size / n < min_share:
        return None
    return label


__all__ = [
    "ABS_EPS",
    "SIG_DIGITS",
    "AnswerValueError",
    "Declared",
    "Tolerance",
    "agree",
    "agreement_with",
    "decimal_reading",
    "declared",
    "entropy",
    "gold_analyte",
    "gold_tolerance",
    "group_answers",
    "majority",
    "normalise",
    "normalise_untyped",
    "target_unit",
    "top_group",
    "within",
]
