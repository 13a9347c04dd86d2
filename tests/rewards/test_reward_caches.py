"""`rewards.caches`: every cache the rewards keep is listed, and `clear()` forgets what a batch filled.

The reward benchmark times each reward from cold caches with `clear()`; a cache missing from the lists
would let a reward timed second be served what the first one read.
"""

import importlib
import json
import pkgutil

import rewards
from rewards import caches, get_reward, parse


def _reward_modules():
    # import_module, not getattr: `rewards.trial_limits` is also an exported function's name. Plus the
    # grading rules the rewards share with `calc audit` (calculators.answers).
    names = [f"rewards.{m.name}" for m in pkgutil.iter_modules(rewards.__path__)] + ["calculators.answers"]
    return [importlib.import_module(name) for name in names]


def test_every_cache_in_the_rewards_is_listed():
    listed = {id(f) for f in caches.CONTENT_CACHES + caches.VOCABULARY_CACHES}
    memos = {id(m) for m in caches.ANSWER_MEMOS}
    found = []
    for module in _reward_modules():
        for name, obj in vars(module).items():
            if hasattr(obj, "cache_clear") and getattr(obj, "__module__", None) == module.__name__:
                found.append(name)
                assert id(obj) in listed, f"{module.__name__}.{name} is cached but not in rewards.caches"
            if name.endswith("_MEMO") and isinstance(obj, dict):
                found.append(name)
                assert id(obj) in memos, f"{module.__name__}.{name} is a memo not in rewards.caches"
    assert {"_parse_text", "read_number_text", "_LENIENT_MEMO", "declared", "decimal_interval"} <= set(found)  # the walk sees them


MEDCALC_GOLD = json.dumps(
    {"kind": "decimal", "value": 72.0, "lower": 68.4, "upper": 75.6, "calculator": "ckd_epi_2021"}
)
COMPLETIONS = [
    '<think>r</think><answer>{"answer": 72.1}</answer>',
    '<think>r</think><answer>{"answer": "72 mL/min/1.73 m²"}</answer>',
    '<think>r</think><answer>{"answer": 50}</answer>',
]
META = json.dumps({"patient_age": 30, "patient_sex": "male", "trial_min_age": None, "trial_max_age": None,
                   "trial_sex": None, "inclusion_criteria": "Adults aged 18 to 65 years", "exclusion_criteria": ""})  # fmt: skip


def _score_batch() -> list:
    return [
        get_reward("medcalc_accuracy")(completions=COMPLETIONS, gold=[MEDCALC_GOLD] * 3, task=["medcalc"] * 3),
        get_reward("ehrmind")(completions=COMPLETIONS, gold=[MEDCALC_GOLD] * 3, task=["medcalc"] * 3),
        get_reward("trial_consistency")(
            completions=['<think>r</think><answer>{"answer": "eligible"}</answer>'], meta=[META],
            task=["trial_match"],
        ),
    ]  # fmt: skip


def test_clear_forgets_the_batch_and_keeps_the_vocabulary():
    caches.clear()
    first = _score_batch()
    assert first[0] == [1.0, 1.0, 0.0]  # 72 mL/min/1.73 m² is the gold's unit: read through read_number_text
    filled = [f.__name__ for f in caches.CONTENT_CACHES if f.cache_info().currsize]
    assert {"_parse_text", "decimal_interval", "read_number_text", "violations_for_meta"} <= set(filled)
    assert parse._LENIENT_MEMO and parse._STRICT_MEMO
    vocabulary = sum(f.cache_info().currsize for f in caches.VOCABULARY_CACHES)
    assert vocabulary > 0  # the calculator declaration at least
    caches.clear()
    assert [f.__name__ for f in caches.CONTENT_CACHES if f.cache_info().currsize] == []
    assert not parse._LENIENT_MEMO and not parse._STRICT_MEMO
    assert sum(f.cache_info().currsize for f in caches.VOCABULARY_CACHES) == vocabulary
    assert _score_batch() == first  # cold caches give the same scores
