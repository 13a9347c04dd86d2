"""`format`, `medcalc_accuracy` and `calc_accuracy`: the format check and the two numeric graders.

- `format`: 1 when the completion follows the answer format (strict by default), else `fail_score`.
  Its own function so a recipe can weight it, or give it weight 0 to log it without training on it.
- `medcalc_accuracy` (rows with task "medcalc"): MedCalc-Bench's published rules. Decimal: lower <= x
  <= upper (inclusive, the row's limits); integer: `round(x) == gold` (Python's round, as the benchmark's
  evaluator does); date and (weeks, days): exact. A decimal answer written with a unit is converted to the
  gold's unit as `calc_accuracy` does (the unit the question asks for: the calculator's declared one), and a
  unit on a unitless gold is `wrong_unit`.
- `calc_accuracy` (task "calc"): the tolerance comes from the calculator's declaration
  (`output.rel_tol`, or `output.abs_tol` for results that are a small change of an input); an answer
  written with a unit is converted to the gold's unit (or the calculator's output unit) first, with the
  analyte the gold or the calculator declares; a unit on a unitless result is `wrong_unit`. Integers,
  dates and (weeks, days) are exact. The comparison is `rewards.compare`'s, shared with the vote.

EHRMIND's scheme (format failure -2 whatever the content, wrong 0, right 1.1, strict parsing) is the
`ehrmind` reward (`rewards.presets`), not a sum of these: `make_reward("format", fail_score=-2.0)` pays 1.0
for any well-formatted answer, and a lenient accuracy reward added to it pays a broken right answer -0.9.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from calculators.answers import decimal_interval, medcalc_correct
from rewards.common import AnswerReward, NumberCheck, check_score, parse_meta
from rewards.compare import decimal_reading, gold_tolerance, within
from rewards.gold import Gold, GoldError
from rewards.parse import AnswerFormat
from rewards.registry import Reasons, Reward, Scores, register
from rewards.units import UNITLESS
from rewards.values import parse_date, parse_number, parse_weeks_days

ABS_EPS = 1e-9  # float noise allowed around a gold of exactly 0 and at interval edges


@register("format")
class FormatReward(Reward):
    """`pass_score` for a well-formatted completion, `fail_score` (with the reason counted) otherwise."""

    def __init__(
        self,
        *,
        strict: bool = True,
        prefilled_think: bool = False,
        pass_score: float = 1.0,
        fail_score: float = 0.0,
    ) -> None:
        super().__init__()
        self.format = AnswerFormat(strict=bool(strict), prefilled_think=bool(prefilled_think))
        self.pass_score = check_score("pass_score", pass_score)
        self.fail_score = check_score("fail_score", fail_score)

    def score(
        self, texts: list[str], columns: Mapping[str, Any], prompts: Sequence[Any] | None
    ) -> tuple[Scores, Reasons]:
        scores: Scores = []
        reasons: Reasons = []
        for text in texts:
            parsed = self.format.read_answer(text)
            scores.append(self.pass_score if parsed.ok else self.fail_score)
            reasons.append(parsed.reason)
        return scores, reasons


def _exact(kind: str, answer: Any, gold: Gold) -> bool:
    if kind == "date":
        return parse_date(answer) == gold.value
    return parse_weeks_days(answer) == gold.value


@cache
def calculator_output(calculator_id: str, edition: str | None = None) -> tuple[float | None, str | None]:
    """(rel_tol, unit) a calculator declares for its output in `edition` (the row's `meta.edition`; None:
    the primary source); an unknown id or edition is a gold bug."""
    import calculators
    from calculators.editions import EditionError, for_edition

    try:
        calc = for_edition(calculators.get(calculator_id), edition)
    except (calculators.UnknownCalculatorError, ModuleNotFoundError, EditionError) as exc:
        raise GoldError(f"gold.calculator={calculator_id!r} (edition {edition!r}): {exc}") from None
    return calc.output.rel_tol, calc.output.unit


def row_edition(columns: Mapping[str, Any], row: int) -> str | None:
    """The calculator edition the row was built with (`meta.edition`, issue 16), None when not recorded."""
    metas = columns.get("meta")
    if metas is None or isinstance(metas, str | bytes) or row >= len(metas):
        return None
    return parse_meta(metas[row]).get("edition")


def _medcalc_limits(gold: Gold) -> tuple[float, float]:
    """A medcalc decimal gold's (lower, upper): its own, else its calculator's declared tolerance around the
    value (check_gold made sure there is a calculator)."""
    if gold.lower is not None:
        return gold.lower, gold.upper
    tol = gold_tolerance(gold).half_width(gold.value)
    return gold.value - tol, gold.value + tol


@register("medcalc_accuracy")
class MedcalcAccuracy(AnswerReward):
    """MedCalc-Bench's grading rules; see the module docstring."""

    tasks = ("medcalc",)
    kinds = ("decimal", "integer", "date", "weeks_days")

    def check_gold(self, gold: Gold, row: int) -> None:
        if gold.kind == "decimal" and gold.lower is None:
            if gold.calculator is None:
                raise GoldError(f"row {row}: a medcalc decimal gold needs lower/upper (or a calculator)")
            calculator_output(gold.calculator)

    def number_check(self, gold: Gold, task: Any) -> NumberCheck | None:
        # `grade`'s rules for a number read in the asked unit, with the same expressions: medcalc_correct's
        # interval for a decimal, its round() for an integer.
        if gold.kind == "decimal":
            # The unit the question asks for (a benchmark-answer gold names it too), as every reward reads it.
            unit, analyte, _ = decimal_reading(gold)
            lo, hi = decimal_interval(*_medcalc_limits(gold))
            return (lambda x: lo <= x <= hi), unit, analyte
        if gold.kind == "integer":
            value = round(float(gold.value))
            return (lambda x: round(x) == value), UNITLESS, None
        return None

    def grade(self, answer: Any, gold: Gold, row: int, columns: Mapping[str, Any]) -> float:
        # The comparison is calculators.answers.medcalc_correct, the one `calc audit` uses (issue 10).
        kind = gold.kind
        if kind == "decimal":
            unit, analyte, _ = decimal_reading(gold)
            x = parse_number(answer, target_unit=unit, analyte=analyte)
            lower, upper = _medcalc_limits(gold)
            ok = medcalc_correct("decimal", x, lower=lower, upper=upper)
        elif kind == "integer":
            ok = medcalc_correct("integer", parse_number(answer, target_unit=UNITLESS), gold.value)
        elif kind == "date":
            ok = medcalc_correct("date", parse_date(answer), gold.value)
        else:
            ok = medcalc_correct("weeks_days", parse_weeks_days(answer), gold.value)
        return self.correct_score if ok else self.wrong_score


@register("calc_accuracy")
class CalcAccuracy(AnswerReward):
    """Calculator tasks: tolerance and unit from the calculator's declaration; see the module docstring."""

    tasks = ("calc",)
    kinds = ("decimal", "integer", "date", "weeks_days")

    def check_gold(self, gold: Gold, row: int) -> None:
        if gold.calculator is not None:
            calculator_output(gold.calculator)
        elif gold.kind == "decimal" and gold.lower is None:
            raise GoldError(f"row {row}: a calc decimal gold needs `calculator` (or lower/upper)")

    def number_check(self, gold: Gold, task: Any) -> NumberCheck | None:
        # `grade`'s rules for a number read in the asked unit, with the same expressions.
        if gold.kind == "integer":
            value = gold.value
            return (lambda x: x.is_integer() and int(x) == value), UNITLESS, None
        if gold.kind != "decimal":
            return None
        unit, analyte, tolerance = decimal_reading(gold)
        if gold.calculator is not None:
            center = gold.value
            return (lambda x: within(x, center, tolerance)), unit, analyte
        lo, hi = gold.lower - ABS_EPS, gold.upper + ABS_EPS
        return (lambda x: lo <= x <= hi), unit, analyte

    def grade(self, answer: Any, gold: Gold, row: int, columns: Mapping[str, Any]) -> float:
        kind = gold.kind
        if kind == "decimal":
            unit, analyte, tolerance = decimal_reading(gold)
            x = parse_number(answer, target_unit=unit, analyte=analyte)
            if gold.calculator is not None:
                ok = within(x, gold.value, tolerance)
            else:  # check_gold made sure there are limits
                ok = gold.lower - ABS_EPS <= x <= gold.upper + ABS_EPS
        elif kind == "integer":
            x = parse_number(answer, target_unit=UNITLESS)
            ok = x.is_integer() and int(x) == gold.value
        else:
            ok = _exact(kind, answer, gold)
        return self.correct_score if ok else self.wrong_score
