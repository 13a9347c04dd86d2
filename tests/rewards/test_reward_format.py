"""The answer format: strict and lenient parsing of adversarial completions, render/parse round trips."""

from __future__ import annotations

from datetime import date

import pytest

from rewards import get_reward, make_reward
from rewards.completion import completion_text
from rewards.parse import DEFAULT_FORMAT, FORMAT_REASONS, AnswerFormat

GOOD = '<think>Compute MAP = (2*80 + 120)/3.</think>\n<answer>{"answer": 93.3}</answer>'
T = "<think>reasoning</think>"
A = '<answer>{"answer": 5}</answer>'

# (completion, strict reason or None when well-formed, whether lenient mode extracts an answer)
CASES: list[tuple[object, str | None, bool]] = [
    (GOOD, None, True),
    ("\n\n  " + GOOD + "\n  ", None, True),
    (f"{T}{A}", None, True),
    (f"{T}\n\n{A}", None, True),
    (f"<think>\n</think>{A}", None, True),  # empty reasoning is still the format
    (f"<think>−3 ≈ ７２ µmol/L ²</think>{A}", None, True),
    ('<think>r</think><answer>{"answer": "72 mL/min/1.73 m²"}</answer>', None, True),
    ('<think>r</think><answer>{"answer": null}</answer>', None, True),  # the value is judged later
    ('<think>r</think><answer>{"answer": [5, 2]}</answer>', None, True),
    ('<think>r</think><answer>{"answer": "N/A"}</answer>', None, True),
    ('<think>r</think><answer>{"answer": "__import__(\'os\')"}</answer>', None, True),
    ('<think>r</think><answer>  {"answer": 1}  </answer>', None, True),
    ('<think>r</think><answer>{"answer": 1e999}</answer>', None, True),  # JSON-valid; value check rejects
    ("", "empty", False),
    ("   \n\t ", "empty", False),
    ("The answer is 5.", "missing_answer_tag", False),
    (f"{T} The answer is 5.", "missing_answer_tag", False),
    (f'{T}<answer>{{"answer": 5}}', "missing_answer_tag", True),  # unclosed: lenient reads to the end
    (f'{T}{{"answer": 5}}</answer>', "missing_answer_tag", False),
    (A, "missing_think", True),
    (f"<think>reasoning {A}", "missing_think", True),
    (f"reasoning</think>{A}", "missing_think", True),
    (f"{T}{A}{A}", "repeated_tag", True),  # the same answer twice: lenient reads one value
    # One rule for several answers (issue 11): two values in one block or in two blocks fail alike.
    (f'{T}<answer>{{"answer": 72}} {{"answer": 10}}</answer>', "multiple_values", False),
    (f'{T}<answer>{{"answer": 72}}, {{"answer": 10}}</answer>', "multiple_values", False),
    (f'{T}<answer>{{"answer": 72}}\n{{"answer": "10"}}</answer>', "multiple_values", False),
    (f'{T}<answer>{{"answer": 72}}</answer><answer>{{"answer": 10}}</answer>', "repeated_tag", False),
    (f'{T}<answer>{{"answer": 72}}</answer>\n<answer>10</answer>', "repeated_tag", False),
    (f'<think>draft <answer>{{"answer": 4}}</answer></think>{A}', "repeated_tag", True),
    (f"<think><think>nested</think></think>{A}", "repeated_tag", True),
    (f"{A}{T}", "tags_out_of_order", True),
    (f"</think>r<think>{A}", "tags_out_of_order", True),
    (f"Sure! {T}{A}", "text_before_think", True),
    (f"{T} so {A}", "text_between_tags", True),
    (f"{T}{A} Hope this helps!", "text_after_answer", True),
    (f"{T}{A}\n```", "text_after_answer", True),
    (f"{T}<answer></answer>", "empty_answer", False),
    (f"{T}<answer>   </answer>", "empty_answer", False),
    (f'{T}<answer>{{"answer": 5,}}</answer>', "invalid_json", True),  # trailing comma: lenient repairs it
    (f'{T}<answer>{{"answer": [5, 2,],}}</answer>', "invalid_json", True),
    (f"{T}<answer>{{'answer': 5}}</answer>", "invalid_json", False),  # single quotes, no "answer" key
    (f'{T}<answer>{{"answer": NaN}}</answer>', "invalid_json", True),  # lenient: bare text "NaN"
    (f'{T}<answer>{{"answer": Infinity}}</answer>', "invalid_json", True),
    (f"{T}<answer>__import__('os').system('ls')</answer>", "invalid_json", True),  # lenient: a bare string
    (f'{T}<answer>{{"answer": __import__("os")}}</answer>', "invalid_json", True),
    (f'{T}<answer>{{"answer": 5}} // final</answer>', "invalid_json", True),  # lenient: the JSON prefix
    (f'{T}<answer>{{"answer": 5}}}}</answer>', "invalid_json", True),
    (f'{T}<answer>```json\n{{"answer": 5}}\n```</answer>', "invalid_json", True),
    (f"{T}<answer>{'[' * 1500}{']' * 1500}</answer>", "invalid_json", False),  # deep nesting
    (f"{T}<answer>5</answer>", "not_an_object", True),
    (f'{T}<answer>"eligible"</answer>', "not_an_object", True),
    (f'{T}<answer>{{"value": 5}}</answer>', "missing_answer_key", False),
    (f'{T}<answer>{{"answer": 5, "unit": "mg/dL"}}</answer>', "extra_keys", True),
    (f"{T}<answer>{'9' * 5000}</answer>", "answer_too_long", False),
    ('<THINK>r</THINK><ANSWER>{"answer": 5}</ANSWER>', "missing_answer_tag", False),
    (f'{T}<answer >{{"answer": 5}}</answer >', "missing_answer_tag", False),
    ("x" * 300_000 + A, "too_long", False),
    ("<answer>" * 10_000 + '{"answer": 1}' + "</answer>" * 10_000, "repeated_tag", False),
]


def _chat(completion):
    return [{"role": "assistant", "content": completion}] if isinstance(completion, str) else completion


# Every case both as a string and as TRL's conversational form: > 100 completions.
TABLE = [(c, r, ok) for c, r, ok in CASES] + [(_chat(c), r, ok) for c, r, ok in CASES]


def test_table_is_large_and_covers_every_reason():
    assert len(TABLE) >= 100
    assert {r for _, r, _ in CASES if r} == FORMAT_REASONS


@pytest.mark.parametrize(("completion", "reason", "lenient_ok"), TABLE, ids=range(len(TABLE)))
def test_strict_and_lenient(completion, reason, lenient_ok):
    parsed = DEFAULT_FORMAT.parse(completion)
    assert parsed.ok is (reason is None)
    assert parsed.reason == reason
    assert AnswerFormat(strict=False).parse(completion).ok is lenient_ok


@pytest.mark.parametrize(("completion", "reason", "lenient_ok"), TABLE, ids=range(len(TABLE)))
def test_format_reward_scores_table(completion, reason, lenient_ok):
    assert get_reward("format")(prompts=None, completions=[completion]) == [1.0 if reason is None else 0.0]
    ehrmind = make_reward("format", fail_score=-2.0)
    assert ehrmind(completions=[completion]) == [1.0 if reason is None else -2.0]


def test_lenient_reads_the_last_answer_and_repairs():
    lenient = AnswerFormat(strict=False)
    assert lenient.parse(f'<think>x <answer>{{"answer": 4}}</answer></think>{A}').answer == 5
    assert lenient.parse(f'{T}<answer>{{"answer": [5, 2,],}}</answer>').answer == [5, 2]
    assert lenient.parse(f"{T}<answer>72 mL/min</answer>").answer == "72 mL/min"
    assert lenient.parse(f'{T}<answer>{{"answer": 72 mL/min}}</answer>').answer == "72 mL/min"
    assert lenient.parse(f"{T}<answer>__import__('os')</answer>").answer == "__import__('os')"
    assert lenient.parse(f'{T}<answer>{{"answer": 5}} // final</answer>').answer == 5
    assert lenient.parse(f'{T}<answer>{{"answer": 5}}}}</answer>').answer == 5
    assert lenient.parse("no tags at all").reason == "missing_answer_tag"


def test_think_text_is_returned():
    assert DEFAULT_FORMAT.parse(GOOD).think == "Compute MAP = (2*80 + 120)/3."
    assert AnswerFormat(strict=False).parse(GOOD).think == "Compute MAP = (2*80 + 120)/3."
    assert DEFAULT_FORMAT.read_answer(GOOD) == (True, None, 93.3, "")


def test_prefilled_think():
    fmt = AnswerFormat(prefilled_think=True)
    assert fmt.parse(f"reasoning</think>{A}").ok
    assert fmt.parse(f"{T}{A}").reason == "repeated_tag"
    assert "<think>" not in fmt.instructions("an integer").split("</think>")[0]
    assert fmt.parse(fmt.render("why", 3)).answer == 3


@pytest.mark.parametrize(
    ("answer", "written"),
    [
        (72.123456, 72.1235),
        (95.0, 95),
        (3, 3),
        (-0.5, -0.5),
        (date(2024, 5, 1), "05/01/2024"),
        ((5, 2), [5, 2]),
        ("eligible", "eligible"),
        (1e20, 1e20),
    ],
)
def test_render_round_trips(answer, written):
    text = DEFAULT_FORMAT.render("Step 1. Step 2.", answer)
    parsed = DEFAULT_FORMAT.parse(text)
    assert parsed.ok and parsed.answer == written and parsed.think == "Step 1. Step 2."


def test_render_refuses_what_would_not_parse():
    with pytest.raises(ValueError, match="tag"):
        DEFAULT_FORMAT.render("see <answer>", 1)
    with pytest.raises(ValueError, match="non-finite"):
        DEFAULT_FORMAT.render("r", float("nan"))
    with pytest.raises(TypeError):
        DEFAULT_FORMAT.render("r", object())


def test_instructions_name_the_tags_and_the_hint():
    text = DEFAULT_FORMAT.instructions("a number in mL/min/1.73 m²")
    for needle in ("<think>", "</think>", "<answer>", "</answer>", '{"answer": ...}', "mL/min/1.73 m²"):
        assert needle in text


def test_completion_text_forms():
    assert completion_text([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]) == "a"
    parts = [{"role": "assistant", "content": [{"type": "text", "text": "x"}, {"type": "image"}]}]
    assert completion_text(parts) == "x"
    split = [{"role": "assistant", "content": A, "reasoning_content": "why"}]
    assert DEFAULT_FORMAT.parse(split).ok
    assert completion_text([]) == ""
    with pytest.raises(TypeError, match="completion"):
        completion_text(42)
