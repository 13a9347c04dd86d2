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
from itertools import groupby, repeat
from typing import Any

from rewards.gold import Gold, GoldError, parse_gold
from rewards.parse import SHAREABLE, AnswerFormat
from rewards.registry import Reasons, Reward, RewardConfigError, Scores
from rewards.values import AnswerValueError, parse_number, read_number_text


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


_USABLE = object()  # `_unusable`'s answer for rows this reward grades
# `number_check`'s answer: (right, unit, analyte); see there.
NumberCheck = tuple[Callable[[float], bool], str | None, str | None]


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

    def number_check(self, gold: Gold, task: Any) -> NumberCheck | None:
        """Optional fast path for number answers (None: `grade` decides every answer). `(right, unit,
        analyte)` such that, for a JSON number or a string answer, `grade` is `correct_score` when
        `right(parse_number(answer, target_unit=unit, analyte=analyte))`, else `wrong_score`, and
        parse_number's rejection is grade's failure. Only for a reward whose grade of a number reads nothing
        but the gold and the row's task; the tests compare the two on random floats, the edges, integers and
        strings."""
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
        correct, wrong, fail = self.correct_score, self.wrong_score, self.fail_score
        # A gold text is parsed and checked once per batch; an answer to it that `number_check` does not
        # cover is graded once per batch (`same_grade`: a group's samples repeat answers).
        checked: dict[tuple, tuple[Gold, NumberCheck | None]] = {}
        graded: dict[tuple, tuple[float, str | None]] = {}
        routes: dict[Any, bool] = {}  # `applies` per task name
        # TRL lays out a prompt's generations as consecutive rows with one task and one gold: each run of
        # them is routed and its gold checked once, and the loop below reads only the answers.
        runs = groupby(zip(tasks or repeat(None, n), golds or repeat(None, n), strict=True))
        stop = 0
        for (task, raw), run in runs:
            start, stop = stop, stop + len(list(run))
            skip = self._unusable(task, tasks, routes)
            if skip is not _USABLE:
                scores += [None] * (stop - start)
                reasons += [skip] * (stop - start)
                continue
            key = (task, raw) if type(raw) is str else None
            found = checked.get(key) if key is not None else None
            if found is None:
                gold = self._row_gold(raw, tasks, start)
                if type(gold) is str:  # no task column and another kind of gold: another task's rows
                    scores += [None] * (stop - start)
                    reasons += [gold] * (stop - start)
                    continue
                found = gold, self.number_check(gold, task)
                if key is not None:
                    checked[key] = found
            gold, number = found
            right, unit, analyte = number if number is not None else (None, None, None)
            shared = self.same_grade and key is not None
            for i in range(start, stop):
                parsed = read(texts[i])
                if not parsed.ok:
                    scores.append(fail)
                    reasons.append(parsed.reason)
                    continue
                answer = parsed.answer
                kind = type(answer)
                if right is not None:
                    # Numbers graded in place: a finite bare float (x - x is 0.0 only when finite), a
                    # string read by the cached number reader, an integer through parse_number.
                    if kind is float and answer - answer == 0.0:
                        scores.append(correct if right(answer) else wrong)
                        reasons.append(None)
                        continue
                    if kind is str or kind is int:
                        try:
                            x = (
                                read_number_text(answer, unit, analyte)
                                if kind is str
                                else parse_number(answer, target_unit=unit, analyte=analyte)
                            )
                        except AnswerValueError as exc:  # a huge integer: not finite
                            x = (exc.reason,)
                        if type(x) is float:
                            scores.append(correct if right(x) else wrong)
                            reasons.append(None)
                        else:  # a rejection: (reason, value, detail)
                            scores.append(fail)
                            reasons.append(x[0])
                        continue
                # The answer's type is part of the key: 1, 1.0 and true are different answers.
                memo = shared and kind in SHAREABLE
                answer_key = (key, kind, answer) if memo else None
                outcome = graded.get(answer_key) if memo else None
                if outcome is None:
                    try:
                        outcome = (self.grade(answer, gold, i, columns), None)
                    except AnswerValueError as exc:  # an unreadable value: a failure with its reason
                        outcome = (fail, exc.reason)
                    if memo:
                        graded[answer_key] = outcome
                scores.append(outcome[0])
                reasons.append(outcome[1])
        return scores, reasons

    def _unusable(self, task: Any, tasks: list[Any] | None, routes: dict[Any, bool]) -> Any:
        """Why rows of this task get no score (None: another reward's task; "no_task": the task column is
        null), or `_USABLE`."""
        if tasks is None:
            return _USABLE
        if task is None:
            # A row without a task cannot be routed to a reward: unusable, skipped and counted.
            return "no_task"
        route = routes.get(task) if type(task) is str else None
        if route is None:
            route = self.applies(task)  # raises for a task that is not a string
            routes[task] = route
        return _USABLE if route else None

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
