"""`diagnosis_label` (EHRSHOT-style classification) and `pseudo_label` (agreement with the group majority).

- `diagnosis_label` (tasks "ehrshot/<name>", "aces/<name>"): the answer must match the gold label (yes/no,
  true/false, 0/1 and multiclass labels, with aliases). Class balancing is optional: `class_weights={"yes": 4.0}`
  scales the score of a correct answer by its gold class's weight (labels not listed keep weight 1;
  the mapping is checked when the reward is built, so `ehrmind validate` reports a bad one); `balanced=True` without weights uses
  inverse class frequencies within the batch (mean weight 1). Note that GRPO's per-group reward scaling
  cancels a constant factor inside a group, so weights matter with `scale_rewards="batch"` or `"none"`.
- `pseudo_label` (tasks "pseudo/<task>"): completions sharing a prompt (TRL samples `num_generations`
  per prompt) vote with their parsed answers; a completion scores `correct_score` when its answer agrees
  with the majority (MedSSR-style self-training). Answers are compared by `rewards.compare`, the same
  comparator as the offline vote (`ehrmind.seed_papers.vote`): typed by the row's `gold` when it has one (kind, unit,
  calculator tolerance, choices, aliases), else untyped (`normalise_untyped`, numbers within
  `untyped_rel_tol`). Unreadable, NaN and hedged answers ("yes or no") fail with their reason and never
  vote. A group without a clear majority (a tie, fewer than `min_votes` agreeing answers, or a share of
  all samples below `min_share`) pays `wrong_score` with reason "no_majority". A non-null `pseudo_gold`
  entry (a gold JSON or a bare value) replaces the vote for its row and is graded with the same tolerance.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rewards.common import AnswerReward, check_score, column
from rewards.compare import (
    UNTYPED_REL_TOL,
    Tolerance,
    agreement_with,
    decimal_reading,
    gold_tolerance,
    majority,
    normalise,
    normalise_untyped,
)
from rewards.gold import Gold, GoldError, parse_gold
from rewards.parse import SHAREABLE, AnswerFormat
from rewards.registry import Reasons, Reward, RewardConfigError, Scores, register
from rewards.values import AnswerValueError, parse_label


def _check_class_weights(raw: Any) -> dict[str, float]:
    """`class_weights` checked when the reward is built (so `ehrmind validate` reports it): a non-empty
    mapping of label -> finite weight > 0. Labels it does not name keep weight 1."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not raw:
        raise RewardConfigError(
            f"class_weights={raw!r:.60} must map labels to weights, e.g. {{\"yes\": 4.0}} (unlisted labels: 1)"
        )
    out = {}
    for label, weight in raw.items():
        if isinstance(label, bool):  # YAML 1.1 reads an unquoted yes/no/true/false key as a boolean
            raise RewardConfigError(
                f"class_weights key {label!r} is a boolean: quote the label in YAML, e.g. {{\"yes\": 4.0}}"
            )
        if not isinstance(label, str) or not label.strip():
            raise RewardConfigError(f"class_weights key {label!r} must be a label name such as \"yes\"")
        out[label] = check_score(f"class_weights[{label!r}]", weight)
        if out[label] <= 0:
            raise RewardConfigError(f"class_weights[{label!r}]={weight!r} must be > 0 (0 would never pay)")
    return out


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
        self.class_weights = _check_class_weights(class_weights)
        if balanced and self.class_weights:
            raise RewardConfigError("give class_weights or balanced=true, not both (balanced computes weights)")
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
        aliases = gold.aliases  # None: the choices' default aliases (cached in parse_label)
        if parse_label(answer, gold.choices, aliases) != gold.value:
            return self.wrong_score
        if self.class_weights:  # a label without a weight keeps weight 1
            return self.correct_score * self.class_weights.get(gold.value, 1.0)
        weights = columns.get("_row_weight")
        return self.correct_score * (weights[row] if weights is not None else 1.0)


def _prompt_key(prompt: Any) -> str:
    return prompt if isinstance(prompt, str) else json.dumps(prompt, sort_keys=True, default=str)


def _type_gold(raw: Any) -> Gold | None:
    return None if raw is None else parse_gold(raw)


def _float_as_is(gold: Gold | None) -> bool:
    """Whether `_read` gives a finite float answer back unchanged: untyped (`normalise_untyped`), or a
    decimal gold with a tolerance (`normalise`; without one it rounds to `SIG_DIGITS`)."""
    return gold is None or (gold.kind == "decimal" and bool(decimal_reading(gold)[2]))


@register("pseudo_label")
class PseudoLabel(Reward):
    """Agreement with the majority answer of the completions that share a prompt (see the module doc)."""

    tasks = ("pseudo/",)

    def __init__(
        self,
        *,
        min_votes: int = 2,
        min_share: float = 0.5,
        untyped_rel_tol: float = UNTYPED_REL_TOL,
        strict: bool = False,
        prefilled_think: bool = False,
        correct_score: float = 1.0,
        wrong_score: float = 0.0,
        fail_score: float = 0.0,
    ) -> None:
        super().__init__()
        if isinstance(min_votes, bool) or not isinstance(min_votes, int) or min_votes < 2:
            raise RewardConfigError(f"min_votes={min_votes!r} must be an integer >= 2 (one answer is no vote)")
        self.min_votes = min_votes
        self.min_share = check_score("min_share", min_share)
        if not 0.0 <= self.min_share <= 1.0:
            raise RewardConfigError(f"min_share={min_share!r} must be between 0 and 1 (e.g. 0.5)")
        self.untyped = Tolerance(check_score("untyped_rel_tol", untyped_rel_tol))
        if not 0.0 <= self.untyped.rel < 1.0:
            raise RewardConfigError(f"untyped_rel_tol={untyped_rel_tol!r} must be in [0, 1), e.g. 0.05")
        self.format = AnswerFormat(strict=bool(strict), prefilled_think=bool(prefilled_think))
        self.correct_score = check_score("correct_score", correct_score)
        self.wrong_score = check_score("wrong_score", wrong_score)
        self.fail_score = check_score("fail_score", fail_score)

    def _read(self, answer: Any, typed: Gold | None) -> Any:
        return normalise(answer, typed) if typed is not None else normalise_untyped(answer)

    def _read_row(
        self, answer: Any, typed: Gold | None, raw_type: Any, readings: dict[tuple, tuple[Any, str | None]]
    ) -> tuple[Any, str | None]:
        """(comparable value, None) or (None, why it cannot vote). A group's samples repeat answers, so
        `readings` keeps each (gold text, answer) read in this batch; the answer's type is part of the key
        (1, 1.0 and true are different answers), and only text golds and scalar answers are kept."""
        key = None
        if type(answer) in SHAREABLE and (raw_type is None or type(raw_type) is str):
            key = (raw_type, type(answer), answer)
            hit = readings.get(key)
            if hit is not None:
                return hit
        try:
            reading = self._read(answer, typed), None
        except AnswerValueError as exc:
            reading = None, exc.reason
        if key is not None:
            readings[key] = reading
        return reading

    def _tolerance(self, typed: Gold | None) -> Tolerance:
        return gold_tolerance(typed) if typed is not None else self.untyped

    def _stored(self, raw: Any, typed: Gold | None) -> tuple[Any, Tolerance]:
        """A stored pseudo-gold as a comparable value, and the tolerance answers are graded with."""
        if isinstance(raw, Mapping) or isinstance(raw, str) and raw.lstrip().startswith("{"):
            gold = parse_gold(raw)
            return gold.value, self._tolerance(gold) if gold.kind == "decimal" else Tolerance()
        try:
            value = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            value = raw
        try:
            return self._read(value, typed), self._tolerance(typed)
        except AnswerValueError:
            raise GoldError(f"pseudo_gold {raw!r:.80} is not a readable answer") from None

    def score(
        self, texts: list[str], columns: Mapping[str, Any], prompts: Sequence[Any] | None
    ) -> tuple[Scores, Reasons]:
        n = len(texts)
        tasks = column(columns, "task", n)
        types = column(columns, "gold", n)  # the row's gold declares the answer type (kind, unit, choices)
        stored = column(columns, "pseudo_gold", n)
        ids = column(columns, "id", n)
        if ids is None and prompts is None:
            raise ValueError(
                "pseudo_label groups completions by prompt: pass prompts=[...] (or an `id` column)"
            )
        group_of = ids if ids is not None else [p if type(p) is str else _prompt_key(p) for p in prompts]
        applies = [
            tasks is None or (isinstance(t, str) and t.startswith("pseudo/")) for t in (tasks or [None] * n)
        ]
        typed: list[Gold | None] = [None] * n
        # Per row: whether a finite bare float answer votes as itself, as `_read` would read it (no gold,
        # or a decimal gold with a tolerance); then the common answer skips the reading.
        float_as_is = [True] * n
        if types is not None:
            seen: dict[str, tuple[Gold | None, bool]] = {}  # TRL repeats a row's gold once per generation
            for i in range(n):
                if applies[i]:
                    raw = types[i]
                    if not isinstance(raw, str):
                        gold = _type_gold(raw)
                        typed[i], float_as_is[i] = gold, _float_as_is(gold)
                    elif raw in seen:
                        typed[i], float_as_is[i] = seen[raw]
                    else:
                        gold = _type_gold(raw)
                        typed[i], float_as_is[i] = seen[raw] = gold, _float_as_is(gold)
        tols: dict[str, Tolerance] = {}

        def tolerance_of(i: int) -> Tolerance:  # computed when first needed, as before; once per gold text
            raw = types[i] if types is not None else None
            if not isinstance(raw, str):
                return self._tolerance(typed[i])
            if raw not in tols:
                tols[raw] = self._tolerance(typed[i])
            return tols[raw]

        values: list[Any] = [None] * n
        reasons: Reasons = [None] * n
        members: dict[Any, list[int]] = {}
        read = self.format.read_text
        readings: dict[tuple, tuple[Any, str | None]] = {}
        for i, text in enumerate(texts):
            if not applies[i]:
                continue
            members.setdefault(group_of[i], []).append(i)
            parsed = read(text)
            if not parsed.ok:
                reasons[i] = parsed.reason
                continue
            answer = parsed.answer
            if float_as_is[i] and type(answer) is float and answer - answer == 0.0:  # finite: x - x is 0.0
                values[i] = answer
                continue
            raw_type = types[i] if types is not None else None
            values[i], reasons[i] = self._read_row(answer, typed[i], raw_type, readings)
        majorities: dict[Any, Any] = {}
        for g, rows in members.items():
            valid = [values[i] for i in rows if reasons[i] is None]
            tol = tolerance_of(rows[0])
            majorities[g] = majority(valid, len(rows), tol, self.min_votes, self.min_share)
        scores: Scores = []
        # `agree` with a group's majority, built once per (group, gold text): a group's rows share both.
        accepts: dict[tuple[Any, Any], Callable[[Any], bool]] = {}
        for i in range(n):
            if not applies[i]:
                scores.append(None)
                continue
            if reasons[i] is not None:
                scores.append(self.fail_score)
                continue
            if stored is not None and stored[i] is not None:
                target, tol = self._stored(stored[i], typed[i])
                accept = None if target is None else agreement_with(target, tol)
            else:
                raw = types[i] if types is not None else None
                key = (group_of[i], raw) if raw is None or type(raw) is str else None
                accept = accepts.get(key) if key is not None else None
                if accept is None:
                    known = tols.get(raw) if type(raw) is str else None  # the vote computed it for the group
                    target, tol = majorities[group_of[i]], known if known is not None else tolerance_of(i)
                    accept = None if target is None else agreement_with(target, tol)
                    if key is not None and accept is not None:
                        accepts[key] = accept
            if accept is None:
                scores.append(self.wrong_score)
                reasons[i] = "no_majority"
            else:
                scores.append(self.correct_score if accept(values[i]) else self.wrong_score)
        return scores, reasons
