"""`trial_label` and `trial_consistency`: patient-to-trial eligibility (TREC Clinical Trials) rewards.

Labels are TREC's: 0 = "not relevant", 1 = "excluded", 2 = "eligible" (the names, never the numbers,
are what the model writes; EHRMIND's trial reward swapped two of them, so tests pin the mapping).

- `trial_label`: `correct_score` for the gold label; otherwise `partial_credit[gold][answer]` when the
  recipe gives a matrix (e.g. {"eligible": {"excluded": 0.25}}), else `wrong_score`.
- `trial_consistency`: a deterministic check of the answer against the trial's hard limits: if the
  patient's age or sex breaks them, any answer other than "excluded"/"not relevant" scores `penalty`;
  otherwise 0. It needs no gold, only `meta`: the patient's age/sex and the trial's limits as parsed once
  when the row was built (`meta.trial_limits`; older rows without it are parsed from their criteria by
  `rewards.trial_limits`). Penalized rows are counted under the limit they broke: reason
  "broke_min_age", "broke_max_age" or "broke_sex" (`trial_consistency/fail/broke_max_age`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from rewards.common import AnswerReward, check_score, column, parse_meta
from rewards.gold import Gold, GoldError
from rewards.parse import SHAREABLE, AnswerFormat
from rewards.registry import Reasons, Reward, RewardConfigError, Scores, register
from rewards.trial_limits import broken_for_meta, violations_for_meta
from rewards.values import TRIAL_LABELS, AnswerValueError, parse_label

# TREC qrels codes -> label names (0 not relevant, 1 excluded, 2 eligible): `TRIAL_LABELS` in grade order.
QREL_LABELS = dict(enumerate(TRIAL_LABELS))
ELIGIBLE = QREL_LABELS[2]  # the one label that admits the patient
# The task these rewards grade when used on their own (rewards import no ehrmind); ehrmind's `trial_match`
# family (`ehrmind/tasks/families/trial_match.py`) routes its rows here by the same name.
TRIAL_TASK = "trial_match"


def _check_matrix(matrix: Mapping[str, Mapping[str, float]] | None) -> dict[str, dict[str, float]]:
    if matrix is None:
        return {}
    if not isinstance(matrix, Mapping):
        raise RewardConfigError("partial_credit must map gold label -> {answer label: score}")
    out: dict[str, dict[str, float]] = {}
    for gold, row in matrix.items():
        if gold not in TRIAL_LABELS or not isinstance(row, Mapping):
            raise RewardConfigError(
                f"partial_credit key {gold!r}: use one of {TRIAL_LABELS} mapping to a dict"
            )
        for pred, value in row.items():
            if pred not in TRIAL_LABELS or pred == gold:
                raise RewardConfigError(
                    f"partial_credit[{gold!r}] key {pred!r}: use another label among {TRIAL_LABELS}"
                )
            out.setdefault(gold, {})[pred] = check_score(f"partial_credit[{gold!r}][{pred!r}]", value)
    return out


@register("trial_label")
class TrialLabel(AnswerReward):
    """3-class eligibility label with an optional partial-credit matrix."""

    tasks = (TRIAL_TASK,)
    kinds = ("label",)

    def __init__(
        self,
        *,
        partial_credit: Mapping[str, Mapping[str, float]] | None = None,
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
        self.partial_credit = _check_matrix(partial_credit)

    def grade(self, answer: Any, gold: Gold, row: int, columns: Mapping[str, Any]) -> float:
        aliases = gold.aliases  # None: the choices' default aliases (cached in parse_label)
        pred = parse_label(answer, gold.choices, aliases)
        if pred == gold.value:
            return self.correct_score
        return self.partial_credit.get(gold.value, {}).get(pred, self.wrong_score)


@register("trial_consistency")
class TrialConsistency(Reward):
    """`penalty` when the answer admits a patient the trial's hard age/sex limits exclude, else 0."""

    tasks = (TRIAL_TASK,)

    def __init__(
        self,
        *,
        penalty: float = -1.0,
        use_text: bool = True,
        strict: bool = False,
        prefilled_think: bool = False,
    ) -> None:
        super().__init__()
        self.penalty = check_score("penalty", penalty)
        self.use_text = bool(use_text)
        self.format = AnswerFormat(strict=bool(strict), prefilled_think=bool(prefilled_think))

    def _violations(self, raw_meta: Any) -> tuple[str, ...]:
        try:
            if isinstance(raw_meta, str):
                return violations_for_meta(raw_meta or "{}", self.use_text)
            return broken_for_meta(parse_meta(raw_meta), self.use_text)
        except (ValueError, TypeError) as exc:  # malformed meta is a data bug
            if isinstance(exc, GoldError):
                raise
            raise GoldError(f"trial_match meta is malformed: {exc}") from None

    def score(
        self, texts: list[str], columns: Mapping[str, Any], prompts: Sequence[Any] | None
    ) -> tuple[Scores, Reasons]:
        n = len(texts)
        tasks = column(columns, "task", n)
        metas = column(columns, "meta", n)
        if metas is None:
            raise GoldError("trial_consistency needs the `meta` column (patient age/sex, trial limits)")
        scores: Scores = []
        reasons: Reasons = []
        read = self.format.read_text
        # Within a batch each meta text is checked once (TRL repeats a row's
        # meta per generation) and each distinct answer read as a label once.
        broken_of: dict[str, tuple[str, ...]] = {}
        labels: dict[tuple, tuple[str | None, str | None]] = {}
        for i, text in enumerate(texts):
            if tasks is not None:
                task = tasks[i]
                if not isinstance(task, str):
                    scores.append(None)
                    reasons.append(None)
                    continue
                if not self.applies(task):  # cached per task name (`Reward.applies`)
                    scores.append(None)
                    reasons.append(None)
                    continue
            raw = metas[i]
            if type(raw) is str:
                broken = broken_of.get(raw)
                if broken is None:
                    broken = broken_of[raw] = self._violations(raw)
            else:
                broken = self._violations(raw)
            parsed = read(text)
            if not parsed.ok:
                scores.append(0.0)
                reasons.append(parsed.reason)
                continue
            answer = parsed.answer
            key = (type(answer), answer) if type(answer) in SHAREABLE else None  # 1, 1.0, true differ
            read_as = labels.get(key) if key is not None else None
            if read_as is None:
                read_as = _read_label(answer)
                if key is not None:
                    labels[key] = read_as
            label, failure = read_as
            if failure is not None:
                scores.append(0.0)
                reasons.append(failure)
                continue
            inconsistent = bool(broken) and label == ELIGIBLE  # "excluded" / "not relevant" admit nobody
            scores.append(self.penalty if inconsistent else 0.0)
            reasons.append(f"broke_{broken[0]}" if inconsistent else None)
        return scores, reasons


def _read_label(answer: Any) -> tuple[str | None, str | None]:
    """(trial label, None), or (None, the reason it is not one); default aliases: TRIAL_ALIASES."""
    try:
        return parse_label(answer, TRIAL_LABELS), None
    except AnswerValueError as exc:
        return None, exc.reason


def gold_from_qrel(score: int | str) -> str:
    """The gold JSON text of a TREC qrels score (0/1/2)."""
    try:
        label = QREL_LABELS[int(score)]
    except (KeyError, ValueError):
        raise GoldError(f"qrels score {score!r} must be 0, 1 or 2") from None
    return json.dumps({"kind": "label", "value": label, "choices": list(TRIAL_LABELS)})
