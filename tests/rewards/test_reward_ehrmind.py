"""The `ehrmind` preset reproduces EHRMIND exactly: -2 for any format failure whatever the content, 0 wrong,
1.1 right, strict parsing. Issue 11: docstrings called `make_reward("format", fail_score=-2.0)` EHRMIND's
scheme, which pays 1.0 for any well-formatted answer, and format + lenient accuracy pays a broken right
answer -0.9."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from rewards import get_reward, make_reward, options_of, reward_names

REPO = Path(__file__).resolve().parents[2]
GOLD = json.dumps({"kind": "decimal", "value": 72.5, "lower": 68.875, "upper": 76.125})  # MedCalc-Bench ±5 %
GOLD_INT = json.dumps({"kind": "integer", "value": 3})
GOLD_CALC = json.dumps({"kind": "decimal", "value": 135.5, "calculator": "sodium_correction_hyperglycemia"})
T, A = "<think>reasoning</think>", '<answer>{"answer": 72.5}</answer>'

# Format failures with the RIGHT value inside: EHRMIND pays -2 whatever the content.
BROKEN = [
    A,  # no think
    f"reasoning</think>{A}",
    f"<think>reasoning {A}",
    f"{T}{A}{A}",
    f'<think>draft <answer>{{"answer": 72.5}}</answer></think>{A}',
    f"{A}{T}",
    f"Sure! {T}{A}",
    f"{T} so {A}",
    f"{T}{A} Hope this helps!",
    f"{T}{A}\n```",
    f"{T}<answer></answer>",
    f'{T}<answer>{{"answer": 72.5,}}</answer>',
    f"{T}<answer>{{'answer': 72.5}}</answer>",
    f'{T}<answer>{{"answer": 72.5}} // final</answer>',
    f'{T}<answer>```json\n{{"answer": 72.5}}\n```</answer>',
    f"{T}<answer>72.5</answer>",
    f'{T}<answer>"72.5"</answer>',
    f'{T}<answer>{{"value": 72.5}}</answer>',
    f'{T}<answer>{{"answer": 72.5, "unit": "mL/min"}}</answer>',
    f'{T}<answer>{{"answer": 72.5}} {{"answer": 72.5}}</answer>',
    f'{T}<answer>{{"answer": 72.5}} {{"answer": 10}}</answer>',
    f'{T}<answer >{{"answer": 72.5}}</answer >',
    '<THINK>reasoning</THINK><ANSWER>{"answer": 72.5}</ANSWER>',
    f'{T}<answer>{{"answer": 72.5}}',
    f'{T}{{"answer": 72.5}}</answer>',
    "The answer is 72.5",
    "",
    "x" * 300_000 + A,
    f"<think><think>nested</think></think>{A}",
    f'{T}<answer>{{"answer": "72.5 or 80"}}</answer>',  # unreadable values are format failures too
    f'{T}<answer>{{"answer": "about seventy"}}</answer>',
    f'{T}<answer>{{"answer": [72.5, 80]}}</answer>',
    f'{T}<answer>{{"answer": "72,5"}}</answer>',
    f'{T}<answer>{{"answer": "72.5 blorps"}}</answer>',
    f'{T}<answer>{{"answer": null}}</answer>',
    f'{T}<answer>{{"answer": "N/A"}}</answer>',
    f'{T}<answer>{{"answer": 1e999}}</answer>',
    f'{T}<answer>{{"answer": "72.5-80"}}</answer>',
    f'{T}<answer>{{"answer": true}}</answer>',
]
RIGHT = [72.5, "72.5", 70, 75.0, 68.875, 76.125, "≈ 72.5", "72.5.", "７２．５", 7.25e1, "+72.5", "72.50"]
WRONG = [80, 0, -72.5, 68.8, 76.2, 725, 7.25, "80", 1e6, 60]


def _ehrmind(completion, gold=GOLD, task="medcalc"):
    return get_reward("ehrmind")(completions=[completion], gold=[gold], task=[task])[0]


@pytest.mark.parametrize("form", ["text", "chat"])
@pytest.mark.parametrize("completion", BROKEN, ids=range(len(BROKEN)))
def test_any_format_failure_is_minus_two(completion, form):
    # TRL passes conversational completions as messages; both forms grade alike.
    assert _ehrmind(completion if form == "text" else [{"role": "assistant", "content": completion}]) == -2.0


@pytest.mark.parametrize("value", RIGHT, ids=[repr(v) for v in RIGHT])
def test_right_is_1_1(value):
    assert _ehrmind(f'{T}<answer>{json.dumps({"answer": value})}</answer>') == 1.1
    assert _ehrmind(f'  {T}\n<answer> {json.dumps({"answer": value})} </answer>\n') == 1.1


@pytest.mark.parametrize("value", WRONG, ids=[repr(v) for v in WRONG])
def test_wrong_is_zero(value):
    assert _ehrmind(f'{T}<answer>{json.dumps({"answer": value})}</answer>') == 0.0


def test_enough_adversarial_cases():
    assert 2 * len(BROKEN) + 2 * len(RIGHT) + len(WRONG) + len(OTHER) >= 100


OTHER = [  # (gold, task, answer, expected)
    (GOLD_INT, "medcalc", 3, 1.1),
    (GOLD_INT, "medcalc", 3.4, 1.1),  # MedCalc-Bench rounds integer answers
    (GOLD_INT, "medcalc", 2, 0.0),
    (GOLD_INT, "medcalc", "3 points", 1.1),
    (GOLD_INT, "medcalc", "3 kg", -2.0),
    (GOLD_CALC, "calc", 135.5, 1.1),
    (GOLD_CALC, "calc", "135.4 mEq/L", 1.1),
    (GOLD_CALC, "calc", 130, 0.0),  # the measured sodium copied
    (GOLD_CALC, "calc", 137.5, 0.0),  # 2 mmol/L off: outside the absolute 0.5
    (GOLD_CALC, "calc", "135.5 kg", -2.0),
]


@pytest.mark.parametrize(("gold", "task", "answer", "expected"), OTHER, ids=range(len(OTHER)))
def test_calc_and_integer_rows(gold, task, answer, expected):
    assert _ehrmind(f'{T}<answer>{json.dumps({"answer": answer})}</answer>', gold, task) == expected


def test_other_tasks_are_not_its_rows():
    label = json.dumps({"kind": "label", "value": "yes", "choices": ["no", "yes"]})
    assert get_reward("ehrmind")(completions=[A], gold=[label], task=["ehrshot/x"]) == [None]


def test_the_preset_is_not_the_old_sum():
    # What the docstrings used to call EHRMIND's scheme gives 1.0 to a wrong well-formatted answer ...
    wrong = f'{T}<answer>{{"answer": 80}}</answer>'
    assert make_reward("format", fail_score=-2.0)(completions=[wrong]) == [1.0]
    # ... and format (-2/0) + lenient accuracy pays a broken right answer -0.9; the preset pays -2.
    broken_right = f"Sure! {T}{A}"
    fmt = make_reward("format", pass_score=0.0, fail_score=-2.0)(completions=[broken_right])[0]
    acc = make_reward("medcalc_accuracy", correct_score=1.1)(completions=[broken_right], gold=[GOLD],
                                                             task=["medcalc"])[0]
    assert fmt + acc == pytest.approx(-0.9) and _ehrmind(broken_right) == -2.0


def test_preset_options_and_registration():
    assert options_of("ehrmind") == {"prefilled_think": False}
    assert reward_names().count("ehrmind") == 1
    prefilled = make_reward("ehrmind", prefilled_think=True)
    assert prefilled(completions=[f"reasoning</think>{A}"], gold=[GOLD], task=["medcalc"]) == [1.1]


@pytest.mark.parametrize("recipe", ["rl.yaml", "rl_lora.yaml"])
def test_medcalc_recipes_use_the_preset(recipe):
    rewards_section = yaml.safe_load((REPO / "recipes" / "medcalc" / recipe).read_text())["rewards"]
    assert [r["name"] for r in rewards_section] == ["ehrmind"]
