"""The rewards' caches of what they have read, in one list: `clear()` forgets them all.

Why: the rewards keep what they read from a batch's own content (answer blocks, number texts, label
spellings, gold JSON, limits, trial criteria and row metadata), because TRL repeats a row's gold once per
generation and a group's samples repeat answers. A new GRPO step brings new rows, so a throughput
benchmark must time each reward from cold caches (`benchmarks/rewards.py` calls `clear()` before each
timed pass): otherwise a reward timed after another on the same batch is served what the first one read.
Caches of fixed vocabularies (unit conversions, the label tables of a choice set, calculator declarations)
stay filled, as they do from one training step to the next. A test checks that every cache in the rewards
is in one of the two lists.
"""

from __future__ import annotations

from calculators import answers
from rewards import accuracy, compare, gold, parse, units, values

# `rewards.trial_limits` is also the name of a function the package exports: import from the module
from rewards.trial_limits import parse_criteria_limits, violations_for_meta

# lru_cache-wrapped functions keyed by a batch's content, emptied by `clear()`
CONTENT_CACHES = (
    gold._parse_text,
    compare.gold_tolerance,
    compare.target_unit,
    compare.gold_analyte,
    compare.decimal_reading,
    answers.decimal_interval,
    values.read_number_text,
    values._label_key,
    parse_criteria_limits,
    violations_for_meta,
)
# dicts keyed by an answer block's text, emptied by `clear()`
ANSWER_MEMOS = (parse._STRICT_MEMO, parse._LENIENT_MEMO)
# kept by `clear()`: keyed by what every training step shares
VOCABULARY_CACHES = (
    accuracy.calculator_output,
    compare.declared,
    units._scale,
    values._default_items,
    values._default_table,
    values._label_table,
)


def clear() -> None:
    """Forget every answer, gold, limit and criteria reading kept so far."""
    for cached in CONTENT_CACHES:
        cached.cache_clear()
    for memo in ANSWER_MEMOS:
        memo.clear()
