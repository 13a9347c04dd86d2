"""`ehrmind`: EHRMIND's reward exactly, as one named reward a recipe can use.

EHRMIND (the recipe this project reproduces) pays, per completion: -2 for any format failure, whatever the
answer inside it; 0 for a well-formatted wrong answer; 1.1 for a well-formatted right answer. The format is
strict (`rewards.parse`, strict mode: each tag once, in order, one JSON object with the key "answer",
nothing after `</answer>`), and an answer value that cannot be read (text, several values, a unit that is
not the question's) is a format failure too.

Summing two rewards does not give this scheme: `format` (-2 / 0) plus a lenient `medcalc_accuracy` pays a
broken completion with the right number -2 + 1.1 = -0.9, and `make_reward("format", fail_score=-2.0)`
alone pays 1.0 for any well-formatted answer. Use this reward on its own:

    rewards:
      - name: ehrmind        # recipes/medcalc/rl.yaml

Rows of task "medcalc" are graded by MedCalc-Bench's rules (`medcalc_accuracy`), rows of task "calc" by the
calculator's declaration (`calc_accuracy`); rows of other tasks get None (not this reward's rows).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rewards.accuracy import CalcAccuracy, MedcalcAccuracy
from rewards.common import AnswerReward, NumberCheck, column
from rewards.gold import Gold
from rewards.registry import Reasons, Scores, register

EHRMIND_FORMAT_FAILURE = -2.0
EHRMIND_WRONG = 0.0
EHRMIND_RIGHT = 1.1


@register("ehrmind")
class EhrmindReward(AnswerReward):
    """EHRMIND's scheme: -2 format failure, 0 wrong, 1.1 right, strict parsing (see the module docstring)."""

    tasks = ("medcalc", "calc")
    kinds = ("decimal", "integer", "date", "weeks_days")

    def __init__(self, *, prefilled_think: bool = False) -> None:
        # The scores and strictness are the preset: only the chat template's prefilled <think> is an option.
        scheme = {
            "strict": True,
            "prefilled_think": bool(prefilled_think),
            "correct_score": EHRMIND_RIGHT,
            "wrong_score": EHRMIND_WRONG,
            "fail_score": EHRMIND_FORMAT_FAILURE,
        }
        super().__init__(**scheme)
        self._graders = {"medcalc": MedcalcAccuracy(**scheme), "calc": CalcAccuracy(**scheme)}

    def _grader(self, columns: Mapping[str, Any], row: int) -> AnswerReward:
        tasks = columns.get("_tasks")
        return self._graders["calc" if tasks is not None and tasks[row] == "calc" else "medcalc"]

    def check_gold(self, gold: Gold, row: int) -> None:
        # Both graders need limits or a known calculator for a decimal; calc also checks the calculator id.
        self._graders["medcalc"].check_gold(gold, row)
        self._graders["calc"].check_gold(gold, row)

    def grade(self, answer: Any, gold: Gold, row: int, columns: Mapping[str, Any]) -> float:
        return self._grader(columns, row).grade(answer, gold, row, columns)

    def number_check(self, gold: Gold, task: Any) -> NumberCheck | None:
        # The same grader `_grader` picks for a row of this task.
        return self._graders["calc" if task == "calc" else "medcalc"].number_check(gold, task)

    def score(
        self, texts: list[str], columns: Mapping[str, Any], prompts: Sequence[Any] | None
    ) -> tuple[Scores, Reasons]:
        return super().score(texts, {**columns, "_tasks": column(columns, "task", len(texts))}, prompts)
