"""`diagnosis_label` (EHRSHOT-style classification) and `pseudo_label` (agreement with the group majority).

- `diagnosis_label` (tasks "ehrshot/<name>", "aces/<name>"): the answer must match the gold label (yes/no,
  true/false, 0/1 and multiclass labels, with aliases). Class balancing is optional: `class_weights={"yes": 4.0}`
  scales the score of a correct answer by its gold class's weight; `balanced=True` without weights uses
  inverse class frequencies within the batch (mean weight 1). Note that GRPO's per-group reward scaling
  cancels a constant factor inside a group, so weights matter with `scale_rewards="batch"` or `"none"`.
- `pseudo_label` (tasks "pseudo/<task>"): no gold needed. Completions sharing a prompt (TRL samples
  `num_generations` per prompt) vote with their parsed answers; a completion scores `correct_score` when
  its answer equals the majority answer (MedSSR-style self-training). A row of the `pseudo_gold` column,
  when present and not null, replaces the vote for that row. Groups without a clear majority (a tie, fewer
  than `min_votes` votes or a share below `min_share`) score `wrong_score` with reason "no_majority".
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from rewards.common import AnswerReward, check_score, column
from rewards.gold import Gold, GoldError, parse_gold
from rewards.parse import AnswerFormat
from rewards.registry import Reasons, Reward, RewardConfigError, Scores, register
from rewards.values import (
    AnswerValueError,
    _label_key,
    default_aliases,
    parse_date,
    parse_label,
    parse_number,
    parse_weeks_days,
)


@register("diagnosis_label")
class DiagnosisLabel(AnswerReward):
    """Binary or multiclass label; see the module docstring for class balancing."""

    tasks = ("ehrshot/", "knowledge/", "aces/")  # EHRSHOT labels, knowledge questions, ACES task labels
    kinds = ("label",)

    def __init__(
        self,
        *,
        balanced: bool = False,
        class_weights: Mapping[str, float] | None = None,
        strict: bool = False,
        prefilled_think: bool = False,
        correct_score: float = 1.0,
        wrong_score: float = 0.0,
        fail_score: float = 0.0,
    ) -> None:
        super().__init__(
            strict=strict,
            prefilled_think=prefilled_think,
            correct_score=correct_score,
            wrong_score=wrong_score,
            fail_score=fail_score,
        )
        if class_weights is not None and not isinstance(class_weights, Mapping):
            raise RewardConfigError("class_weights must map a label to a weight")
        self.class_weights = {
            str(k): check_score(f"class_weights[{k!r}]", v) for k, v in (class_weights or {}).items()
        }
        if any(w < 0 for w in self.class_weights.values()):
            raise RewardConfigError("class_weights must be non-negative")
        self.balanced = bool(balanced)

    def score(
        self, texts: list[str], columns: Mapping[str, Any], prompts: Sequence[Any] | None
    ) -> tuple[Scores, Reasons]:
        if self.balanced and not self.class_weights:
            columns = {**columns, "_row_weight": self._batch_weights(len(texts), columns)}
        return super().score(texts, columns, prompts)

    def _batch_weights(self, n: int, columns: Mapping[str, Any]) -> list[float]:
        tasks = column(columns, "task", n)
        golds = column(columns, "gold", n) or [None] * n
        labels = [
            parse_gold(g).value if g is not None and (tasks is None or self.applies(tasks[i])) else None
            for i, g in enumerate(golds)
        ]
        counts = Counter(label for label in labels if label is not None)
        total, k = sum(counts.values()), len(counts)
        return [total / (k * counts[label]) if label is not None else 1.0 for label in labels]

    def grade(self, answer: Any, gold: Gold, row: int, columns: Mapping[str, Any]) -> float:
        aliases = gold.aliases if gold.aliases is not None else default_aliases(gold.choices)
        if parse_label(answer, gold.choices, aliases) != gold.value:
            return self.wrong_score
        if self.class_weights:
            if gold.value not in self.class_weights:
                raise RewardConfigError(f"class_weights has no weight for the gold label {gold.value!r}")
            return self.correct_score * self.class_weights[gold.value]
        weights = columns.get("_row_weight")
        return self.correct_score * (weights[row] if weights is not None else 1.0)


def answer_key(value: Any, sig_digits: int = 3) -> tuple:
    """A hashable canonical form of an answer for voting: a date, (weeks, days), a number or a label."""
    if isinstance(value, bool):
        return ("label", "true" if value else "false")
    if isinstance(value, int | float):
        return ("number", float(f"{parse_number(value):.{sig_digits}g}"))
    if isinstance(value, list | tuple | Mapping):
        return ("weeks_days", *parse_weeks_days(value))
    if isinstance(value, str):
        try:
            return ("date", parse_date(value))
        except AnswerValueError:
            pass
        lowered = value.lower()
        if "w" in lowered or lowered.lstrip()[:1] in ("(", "["):  # "5 weeks, 2 days", "(5, 2)"
            try:
                return ("weeks_days", *parse_weeks_days(value))
            except AnswerValueError:
                pass
        try:
            return ("number", float(f"{parse_number(value):.{sig_digits}g}"))
        except AnswerValueError as exc:
            if exc.reason in ("range", "multiple_values", "no_value", "not_finite", "value_too_long"):
                raise
        key = _label_key(value)
        if not key:
            raise AnswerValueError("no_value", value)
        return ("label", key)
    raise AnswerValueError("unknown_label", value)


def _prompt_key(prompt: Any) -> str:
    return prompt if isinstance(prompt, str) else json.dumps(prompt, sort_keys=True, default=str)


@register("pseudo_label")
class PseudoLabel(Reward):
    """Agreement with the majority answer of the completions that share a prompt."""

    tasks = ("pseudo/",)

    def __init__(
        self,
        *,
        min_votes: int = 2,
        min_share: float = 0.0,
        sig_digits: int = 3,
        strict: bool = False,
        prefilled_think: bool = False,
        correct_score: float = 1.0,
        wrong_score: float = 0.0,
        fail_score: float = 0.0,
    ) -> None:
        super().__init__()
        if isinstance(min_votes, bool) or not isinstance(min_votes, int) or min_votes < 1:
            raise RewardConfigError(f"min_votes={min_votes!r} must be an integer >= 1")
        if not isinstance(sig_digits, int) or not 1 <= sig_digits <= 15:
            raise RewardConfigError(f"sig_digits={sig_digits!r} must be an integer from 1 to 15")
        self.min_votes, self.sig_digits = min_votes, sig_digits
        self.min_share = check_score("min_share", min_share)
        self.format = AnswerFormat(strict=bool(strict), prefilled_think=bool(prefilled_think))
        self.correct_score = check_score("correct_score", correct_score)
        self.wrong_score = check_score("wrong_score", wrong_score)
        self.fail_score = check_score("fail_score", fail_score)

    def _gold_key(self, raw: Any) -> tuple:
        if isinstance(raw, Mapping) or isinstance(raw, str) and raw.lstrip().startswith("{"):
            gold = parse_gold(raw)
            value = gold.value.strftime("%m/%d/%Y") if gold.kind == "date" else gold.value
            return answer_key(value, self.sig_digits)
        try:
            return answer_key(json.loads(raw) if isinstance(raw, str) else raw, self.sig_digits)
        except (ValueError, AnswerValueError):
            try:
                return answer_key(raw, self.sig_digits)
            except AnswerValueError:
                raise GoldError(f"pseudo_gold {raw!r:.80} is not a readable answer") from None

    def score(
        self, texts: list[str], columns: Mapping[str, Any], prompts: Sequence[Any] | None
    ) -> tuple[Scores, Reasons]:
        n = len(texts)
        tasks = column(columns, "task", n)
        pseudo_gold = column(columns, "pseudo_gold", n)
        ids = column(columns, "id", n)
        if ids is None and prompts is None:
            raise ValueError(
                "pseudo_label groups completions by prompt: pass prompts=[...] (or an `id` column)"
            )
        group_of = ids if ids is not None else [_prompt_key(p) for p in prompts]
        applies = [
            tasks is None or (isinstance(t, str) and t.startswith("pseudo/")) for t in (tasks or [None] * n)
        ]
        keys: list[tuple | None] = [None] * n
        reasons: Reasons = [None] * n
        votes: dict[Any, Counter] = {}
        for i, text in enumerate(texts):
            if not applies[i]:
                continue
            parsed = self.format.read_answer(text)
            if not parsed.ok:
                reasons[i] = parsed.reason
                continue
            try:
                keys[i] = answer_key(parsed.answer, self.sig_digits)
            except AnswerValueError as exc:
                reasons[i] = exc.reason
                continue
            votes.setdefault(group_of[i], Counter())[keys[i]] += 1
        sizes = Counter(g for g, ok in zip(group_of, applies, strict=True) if ok)
        majority = {g: self._majority(c, sizes[g]) for g, c in votes.items()}
        scores: Scores = []
        for i in range(n):
            if not applies[i]:
                scores.append(None)
            elif reasons[i] is not None:
                scores.append(self.fail_score)
            else:
                target = None
                if pseudo_gold is not None and pseudo_gold[i] is not None:
                    target = self._gold_key(pseudo_gold[i])
                else:
                    target = majority.get(group_of[i])
                if target is None:
                    scores.append(self.wrong_score)
                    reasons[i] = "no_majority"
                else:
                    scores.append(self.correct_score if keys[i] == target else self.wrong_score)
        return scores, reasons

    def _majority(self, counts: Counter, group_size: int) -> tuple | None:
        (top, n_top), *rest = counts.most_common(2) + [(None, 0)]
        if rest and rest[0][1] == n_top:
            return None
        if n_top < self.min_votes or n_top / group_size < self.min_share:
            return None
        return top
