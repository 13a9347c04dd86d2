"""Safety: no code evaluation anywhere in rewards/, bounded work on hostile completions, properties."""

from __future__ import annotations

import ast
import json
import math
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rewards
from rewards import get_reward
from rewards.parse import DEFAULT_FORMAT, AnswerFormat
from rewards.values import AnswerValueError, parse_date, parse_label, parse_number, parse_weeks_days

PACKAGE = Path(rewards.__file__).parent
FORBIDDEN_NAMES = {"eval", "exec", "compile", "__import__"}  # builtins called by name
FORBIDDEN_ATTRS = {"eval", "exec", "sympify", "parse_expr", "literal_eval"}  # re.compile is fine


def test_no_code_evaluation_in_the_package():
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                bad = (
                    getattr(node.func, "id", None) in FORBIDDEN_NAMES
                    or getattr(node.func, "attr", None) in FORBIDDEN_ATTRS
                )
                assert not bad, f"{path.name}:{node.lineno} calls {ast.unparse(node.func)}"
            if isinstance(node, ast.ImportFrom | ast.Import):
                assert all(a.name not in ("sympy", "pickle", "subprocess") for a in node.names), path.name


GOLDS = {
    "medcalc_accuracy": (
        json.dumps({"kind": "decimal", "value": 72.5, "lower": 68.9, "upper": 76.1}),
        "medcalc",
    ),
    "calc_accuracy": (
        json.dumps({"kind": "decimal", "value": 93.3, "calculator": "mean_arterial_pressure"}),
        "calc",
    ),
    "trial_label": (
        json.dumps(
            {"kind": "label", "value": "eligible", "choices": ["not relevant", "excluded", "eligible"]}
        ),
        "trial_match",
    ),
    "diagnosis_label": (json.dumps({"kind": "label", "value": "yes", "choices": ["no", "yes"]}), "ehrshot/x"),
    "pseudo_label": (None, "pseudo/medcalc"),
    "trial_consistency": (None, "trial_match"),
    "format": (None, "medcalc"),
    "ehrmind": (json.dumps({"kind": "decimal", "value": 72.5, "lower": 68.9, "upper": 76.1}), "medcalc"),
}
META = json.dumps(
    {
        "patient_age": 16,
        "patient_sex": "female",
        "trial_min_age": 18,
        "inclusion_criteria": "Aged 18 to 65 years",
        "exclusion_criteria": "",
    }
)
HOSTILE = [
    "x" * 1_000_000,
    "<think>" + "a" * 900_000 + '</think><answer>{"answer": 72.5}</answer>',
    "<answer>" * 10_000 + "</answer>" * 10_000,
    "<think>" * 10_000 + "</think>" * 10_000 + '<answer>{"answer": 1}</answer>',
    "<think>r</think><answer>" + "[" * 4000 + "]" * 4000 + "</answer>",
    "<think>r</think><answer>" + '{"answer": ' * 2000 + "1" + "}" * 2000 + "</answer>",
    '<think>r</think><answer>{"answer": "' + "1," * 2000 + '"}</answer>',
    '<think>r</think><answer>{"answer": ' + "9" * 4000 + "}</answer>",
    "<think>" + "\u00a0" * 200_000 + "</think><answer>" + " " * 3000 + "</answer>",
    '<think>r</think><answer>{"answer": "' + "-" * 190 + '1"}</answer>',
    "<think>r</think><answer>" + "," * 4000 + "</answer>",
]


def _call(name, completions):
    gold, task = GOLDS[name]
    n = len(completions)
    return get_reward(name)(
        prompts=["p"] * n, completions=completions, gold=[gold] * n, task=[task] * n, meta=[META] * n
    )


def test_hostile_completions_are_scored_quickly():
    for name in GOLDS:
        start = time.perf_counter()
        scores = _call(name, HOSTILE)
        elapsed = time.perf_counter() - start
        assert len(scores) == len(HOSTILE) and all(isinstance(s, float) for s in scores), name
        assert elapsed < 2.0, f"{name} took {elapsed:.2f}s on hostile completions"
    for fmt in (DEFAULT_FORMAT, AnswerFormat(strict=False), AnswerFormat(prefilled_think=True)):
        for text in HOSTILE:
            start = time.perf_counter()
            fmt.parse(text)
            assert time.perf_counter() - start < 0.2


# Any unicode text, bare or wrapped in the format, and any JSON-ish answer value.
TEXT = st.text(max_size=300)
WRAPPED = st.builds(lambda a, b: f"<think>{a}</think><answer>{b}</answer>", TEXT, TEXT)
ANSWER_JSON = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
VALUE_WRAPPED = ANSWER_JSON.map(lambda v: f'<think>r</think><answer>{{"answer": {json.dumps(v)}}}</answer>')
COMPLETIONS = TEXT | WRAPPED | VALUE_WRAPPED
RANGES = {
    "format": (0, 1),
    "medcalc_accuracy": (0, 1),
    "calc_accuracy": (0, 1),
    "trial_label": (0, 1),
    "diagnosis_label": (0, 1),
    "pseudo_label": (0, 1),
    "trial_consistency": (-1, 0),
    "ehrmind": (-2, 1.1),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(COMPLETIONS, min_size=1, max_size=6))
def test_any_completion_scores_in_range(completions):
    for name, (lo, hi) in RANGES.items():
        for score in _call(name, completions):
            assert isinstance(score, float) and math.isfinite(score) and lo <= score <= hi, (name, score)


@settings(max_examples=300, deadline=None)
@given(ANSWER_JSON | TEXT)
def test_value_parsers_raise_only_their_own_error(value):
    for parse in (
        parse_number,
        parse_date,
        parse_weeks_days,
        lambda v: parse_label(v, ["no", "yes"]),
        lambda v: parse_number(v, target_unit="mg/dL", analyte="glucose"),
    ):
        try:
            out = parse(value)
        except AnswerValueError as exc:
            assert exc.reason
        else:
            if isinstance(out, float):
                assert math.isfinite(out)


@settings(max_examples=200, deadline=None)
@given(COMPLETIONS)
def test_parser_never_raises(text):
    for fmt in (DEFAULT_FORMAT, AnswerFormat(strict=False)):
        parsed = fmt.parse(text)
        assert parsed.ok or parsed.reason


def test_ehrmind_scheme_range():
    f = get_reward("ehrmind")
    gold = GOLDS["ehrmind"][0]
    right = '<think>r</think><answer>{"answer": 72.5}</answer>'
    assert f(completions=["junk", right, right + " thanks"], gold=[gold] * 3, task=["medcalc"] * 3) == [
        -2.0,
        1.1,
        -2.0,
    ]
