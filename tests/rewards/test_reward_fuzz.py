"""30,000 seeded-random completions through every reward: no exception, every score finite and in range.

The completions are spliced from fragments an adversarial or broken policy writes: tags (repeated, nested,
unclosed, upper-case), JSON (valid, trailing commas, NaN, two objects, deep nesting), numbers (signs,
exponents, full-width digits, decimal commas), unit spellings and junk units, hedges, labels, dates with
bad times, and unicode noise. Seeded, so a failure reproduces.
"""

from __future__ import annotations

import json
import math
import random

import pytest

from rewards import get_reward

N = 30_000
SEED = 11
FRAGMENTS = [
    "<think>", "</think>", "<answer>", "</answer>", "<THINK>", "<answer >", "\n", " ", "\t", "\u00a0",
    '{"answer": ', "}", "{", "[", "]", ",", ":", '"', "'", "NaN", "Infinity", "-", "+", "1e999", "1e-5",
    "72.5", "72,5", "１３５", "−3", "0", "80-90", "72 or 80", "yes or no", "yes/no", "maybe", "N/A", "null",
    "true", "135.4 mEq/L", "4f", "4 !l", "4:．BF–B$g", "mmol/L", "kg", "°F", "mL/min/1.73 m²", "points",
    "eligible", "Excluded.", "not relevant", "included", "yes", "No", "2024-05-01T99:99", "05/01/2024",
    "(5 weeks, 2 days)", "[5, 2]", '{"answer": 72} {"answer": 10}', '{"answer": 72.5,}', "age ", " " * 50,
    "a" * 30, "\\u0000", "\\", "𝟕", "²", "</think></think>", "<answer><answer>", "// done", "```json",
]  # fmt: skip
ROWS = {  # reward -> (gold, task, meta) of its rows, and its score range
    "format": ((None, "medcalc", None), (0.0, 1.0)),
    "medcalc_accuracy": (('{"kind": "decimal", "value": 72.5, "lower": 68.9, "upper": 76.1}', "medcalc", None),
                         (0.0, 1.0)),
    "calc_accuracy": (('{"kind": "decimal", "value": 135.5, "calculator": "sodium_correction_hyperglycemia"}',
                       "calc", None), (0.0, 1.0)),
    "ehrmind": (('{"kind": "integer", "value": 3}', "medcalc", None), (-2.0, 1.1)),
    "trial_label": (('{"kind": "label", "value": "eligible", "choices": ["not relevant", "excluded", '
                     '"eligible"]}', "trial_match", None), (0.0, 1.0)),
    "trial_consistency": ((None, "trial_match", json.dumps({
        "patient_age": 30, "patient_sex": "male",
        "trial_limits": {"min_age": 40, "max_age": None, "sex": None, "source": "text"}})), (-1.0, 0.0)),
    "diagnosis_label": (('{"kind": "label", "value": "yes", "choices": ["no", "yes"]}', "ehrshot/x", None),
                        (0.0, 1.0)),
    "pseudo_label": (('{"kind": "decimal", "value": 0, "calculator": "bmi"}', "pseudo/calc", None), (0.0, 1.0)),
}  # fmt: skip


def _completions() -> list[str]:
    rng = random.Random(SEED)
    out = []
    for _ in range(N):
        roll = rng.random()
        pieces = [rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 14))]
        if roll < 0.5:  # mostly well-shaped, with a fuzzed value inside
            value = "".join(pieces[:3])
            out.append(f'<think>{"".join(pieces[3:])}</think><answer>{{"answer": {json.dumps(value)}}}</answer>')
        elif roll < 0.7:
            out.append(f'<think>r</think><answer>{{"answer": {"".join(pieces)}}}</answer>')
        else:
            out.append("".join(pieces))
    return out


COMPLETIONS = _completions()


@pytest.mark.parametrize("name", sorted(ROWS))
def test_30k_fuzzed_completions(name):
    (gold, task, meta), (lo, hi) = ROWS[name]
    f = get_reward(name)
    seen = set()
    for i in range(0, N, 240):  # TRL-sized batches: 30 prompts x 8 generations
        batch = COMPLETIONS[i : i + 240]
        if name == "pseudo_label":  # 5 of each 8 generations agree, so majorities exist to be paid
            batch = [batch[k - k % 8] if k % 8 < 5 else c for k, c in enumerate(batch)]
        n = len(batch)
        scores = f(prompts=[f"p{(i + k) // 8}" for k in range(n)], completions=batch, gold=[gold] * n,
                   task=[task] * n, meta=[meta] * n)
        for s in scores:
            assert isinstance(s, float) and math.isfinite(s) and lo <= s <= hi, (name, s)
            seen.add(s)
    assert len(seen) >= 2, f"{name} gave one score to 30,000 fuzzed completions: {seen}"
