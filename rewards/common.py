"""What answer-grading rewards share: options, column access, task filtering and the row loop.

An `AnswerReward` parses each completion with its `AnswerFormat` (lenient by default: the `format` reward
scores the format, accuracy rewards score the value), skips rows of other tasks (None), and turns each
row into `correct_score`, `wrong_score` or `fail_score` with a failure reason. Rows it cannot use give
None with a counted reason (`rewards.stats` `<name>/skip/<reason>`): "no_task" (the task column is null
for the row), "gold_kind_<kind>" (no task column and a gold kind this reward does not grade). Subclasses say which
tasks and gold kinds they grade (`applies`) and how (`grade`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rewards.gold import Gold, GoldError, parse_gold
from rewards.parse import SHAREABLE, AnswerFormat
from rewards.registry import Reasons, Reward, RewardConfigError, Scores
from rewards.values import AnswerValueError


def column(columns: Mapping[str, Any], name: str, n: int) -> list[Any] | None:
    """A dataset column by name (None if the dataset has none), checked to have one entry per row."""
    values = columns.get(name)
    if values is None:
        return None
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise TypeError(
            f"column {name!r} must be a list with one entry per completion, got {type(values).__name__}"
        )
    if len(values) != n:
        raise ValueError(f"column {name!r} has {len(values)} entries for {n} completions")
    return list(values)


def parse_meta(raw: Any) -> dict[str, Any]:
    """The `meta` column entry (JSON text or dict) as a dict; malformed meta is a data bug and raises."""
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return dict(raw)
    if isinstance(raw, str):
        try:
            obj = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise GoldError(f"meta is not valid JSON: {raw!r:.80}") from None
        if isinstance(obj, dict):
            return obj
    raise GoldError(f"meta must be a JSON object, got {raw!r:.80}")


def check_score(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RewardConfigError(f"option {name}={value!r} must be a finite number")
    return float(value)


_NONE = object()  # "no previous row" (equal to nothing)


class AnswerReward(Reward):
    """Base of rewards that grade the parsed answer against the row's gold."""

    kinds: tuple[str, ...] = ()  # gold kinds it can grade (`tasks`, the task names: `Reward`)
    # `grade` reads only the answer, the gold, the row's task and columns that are the same for every row
    # of one gold in a batch, so an answer repeated for one gold within a batch is graded once. A subclass
    # whose grade reads anything else of the row sets this False.
    same_grade: bool = True

    def __init__(
        self,
        *,
        strict: bool = False,
        prefilled_think: bool = False,
        correct_score: float = 1.0,
        wrong_score: float = 0.0,
        fail_score: float = 0.0,
    ) -> None:
        super().__init__()
        self.format = AnswerFormat(strict=bool(strict), prefilled_think=bool(prefilled_think))
        self.correct_score = check_score("correct_score", correct_score)
        self.wrong_score = check_score("wrong_score", wrong_score)
        self.fail_score = check_score("fail_score", fail_score)

    def check_gold(self, gold: Gold, row: int) -> None:
        """Raise GoldError if this reward cannot grade against `gold` (cheap: called for every row)."""

    def grade(self, answer: Any, gold: Gold, row: int, columns: Mapping[str, Any]) -> float:
        """The score of a parsed answer; raise AnswerValueError for an unreadable value."""
        raise NotImplementedError

    def float_check(self, gold: Gold) -> Callable[[float], bool] | None:
        """Optional: whether a finite bare JSON float answer is right against `gold`, as `grade` decides
        it, for the most common answer (None: `grade` decides every answer). Only for a reward whose grade
        of a float reads nothing but the gold (not the task or other columns), and it must agree with
        `grade` on every finite float: the tests compare the two on random floats and at the edges."""
        return None

    def score(
        self, texts: list[str], columns: Mapping[str, Any], prompts: Sequence[Any] | None
    ) -> tuple[Scores, Reasons]:
        n = len(texts)
        tasks = column(columns, "task", n)
        golds = column(columns, "gold", n)
        scores: Scores = []
        reasons: Reasons = []
        read = self.format.read_text
        same_grade = self.same_grade
        # TRL repeats a row's gold text per generation, and a group's samples repeat answers: within one
        # batch a gold text is parsed and checked once, and an answer to it graded once (`same_grade`).
        checked: dict[str, tuple[Gold, Callable[[float], bool] | None]] = {}
        graded: dict[tuple, tuple[float, str | None]] = {}
        correct, wrong = self.correct_score, self.wrong_score
        routes: dict[Any, bool] = {}  # `applies` per task name, looked up without a method call per row
        # The previous usable row's task, gold text and gold: a prompt's generations are consecutive rows,
        # so most rows repeat them and skip the checks below.
        last_task: Any = _NONE
        last_raw: Any = _NONE
        last_gold: Gold | None = None
        last_check: Callable[[float], bool] | None = None  # `float_check` of last_gold
        for i, text in enumerate(texts):
            task = tasks[i] if tasks is not None else None
            raw = golds[i] if golds is not None else None
            if raw == last_raw and task == last_task:
                gold, check = last_gold, last_check
            else:
                if tasks is not None:
                    if task is None:
                        # A row without a task cannot be routed to a reward: unusable, skipped and counted.
                        scores.append(None)
                        reasons.append("no_task")
                        continue
                    route = routes.get(task) if type(task) is str else None
                    if route is None:
                        route = self.applies(task)  # raises for a task that is not a string
                        routes[task] = route
                    if not route:
                        scores.append(None)
                        reasons.append(None)
                        continue
                found = checked.get(raw) if type(raw) is str else None
                if found is None:
                    gold = self._row_gold(raw, tasks, i)
                    if type(gold) is str:  # no task column and another kind of gold: another task's row
                        scores.append(None)
                        reasons.append(gold)
                        continue
                    check = self.float_check(gold)
                    if type(raw) is str:
                        checked[raw] = gold, check
                else:
                    gold, check = found
                last_task, last_raw, last_gold, last_check = task, raw, gold, check
            parsed = read(text)
            if not parsed.ok:
                scores.append(self.fail_score)
                reasons.append(parsed.reason)
                continue
            answer = parsed.answer
            # The most common answer, a finite bare float, graded in place (x - x is 0.0 only when finite).
            if check is not None and type(answer) is float and answer - answer == 0.0:
                scores.append(correct if check(answer) else wrong)
                reasons.append(None)
                continue
            # The answer's type is part of the key: 1, 1.0 and true are different answers.
            scalar = same_grade and type(raw) is str and type(answer) in SHAREABLE
            key = (task, raw, type(answer), answer) if scalar else None
            outcome = graded.get(key) if scalar else None
            if outcome is None:
                try:
                    outcome = (self.grade(answer, gold, i, columns), None)
                except AnswerValueError as exc:  # an unreadable value: a failure with its reason
                    outcome = (self.fail_score, exc.reason)
                if scalar:
                    graded[key] = outcome
            scores.append(outcome[0])
            reasons.append(outcome[1])
        return scores, reasons

    def _row_gold(self, raw: Any, tasks: list[Any] | None, i: int) -> Gold | str:
        """The row's gold, checked for this reward; or, without a task column, the skip reason of a gold
        kind this reward does not grade. A bad gold raises (whatever the completion says)."""
        if raw is None:
            raise GoldError(f"row {i}: reward {self.__name__!r} needs a gold answer; the row has none")
        gold = parse_gold(raw)
        if gold.kind not in self.kinds:
            if tasks is None:  # no task column: a kind this reward does not grade is another task's row
                return f"gold_kind_{gold.kind}"
            raise GoldError(
                f"row {i}: task {tasks[i]!r} has a {gold.kind!r} gold, which "
                f"{self.__name__!r} cannot grade (it grades {', '.join(self.kinds)})"
            )
        self.check_gold(gold, i)
        return gold
