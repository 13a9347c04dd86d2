"""Verifiable rewards: answer parsing and graders with TRL's reward signature, chosen by name.

    from rewards import get_reward, make_reward, reward_names, check_weights
    f = get_reward("medcalc_accuracy")
    f(prompts=prompts, completions=completions, gold=gold, task=task)   # -> list[float | None]

The answer format (instructions + parser) is `rewards.parse.DEFAULT_FORMAT`; gold JSON is documented in
`rewards.gold`; per-reward failure counts are in `rewards.stats`. Importing this package registers every
reward and imports neither torch nor transformers.
"""

from rewards import stats
from rewards.gold import Gold, GoldError, parse_gold
from rewards.parse import DEFAULT_FORMAT, AnswerFormat, AnswerValueError, ParsedAnswer
from rewards.registry import (
    Reward,
    RewardConfigError,
    check_weights,
    get_reward,
    make_reward,
    options_of,
    reward_names,
)
from rewards.trial_limits import TrialLimits, audit_qrels, parse_criteria_limits, trial_limits

# Importing these modules registers their rewards (registration order = `reward_names()` order).
from rewards import accuracy, labels, trial, presets  # noqa: E402,F401  isort: skip

__all__ = [
    "DEFAULT_FORMAT",
    "AnswerFormat",
    "AnswerValueError",
    "Gold",
    "GoldError",
    "ParsedAnswer",
    "Reward",
    "TrialLimits",
    "audit_qrels",
    "parse_criteria_limits",
    "trial_limits",
    "RewardConfigError",
    "check_weights",
    "get_reward",
    "make_reward",
    "options_of",
    "parse_gold",
    "reward_names",
    "stats",
]
