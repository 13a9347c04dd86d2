"""The rewards' fast paths give exactly what the general code gives (issue 11, throughput).

Each shortcut has a general path it must agree with: the strict tag scan's common shape (`tags`) with the
regex scan, the vote's top group (`compare.top_group`) with `group_answers`, and the per-text and per-batch
memos (`rewards.parse`, `rewards.common`, `rewards.trial`, `rewards.labels`) with reading every row afresh:
answers that compare equal but differ in type (1, 1.0, true) must never share a result, and a list answer
must never be shared between callers.
"""

from __future__ import annotations

import json
import random
from datetime import date

import pytest

from rewards import make_reward
from rewards.compare import Tolerance, group_answers, top_group
from rewards.parse import AnswerFormat
from rewards.tags import tag_positions, tag_positions_regex

PIECES = ("<think>", "</think>", "<answer>", "</answer>", "<", ">", "x", " ", "\n", "<thin", "</answer", "<<answer>>")


def test_tag_scan_matches_the_regex_scan() -> None:
    rng = random.Random(11)
    texts = ["", "<", "<think>r</think><answer>1</answer>", "</think><answer>1</answer>"]
    texts += ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 10))) for _ in range(20_000)]
    for text in texts:
        assert tag_positions(text) == tag_positions_regex(text), text


def test_top_group_is_the_first_group() -> None:
    rng = random.Random(12)
    pool = [72.0, 72.1, 75.0, 80.0, 3, 3.0, True, 1, 1.0, "yes", "no", (5, 2), [5, 2], 0.0, -0.0, 68.0,
            76.0, date(2024, 5, 1), (72.0, "kg"), 100.0, 104.9, 95.2]  # fmt: skip
    tolerances = (Tolerance(), Tolerance(0.05), Tolerance(0.0, 1.0), 0.05, Tolerance(0.05, 1.0))
    for _ in range(5_000):
        values = [rng.choice(pool) for _ in range(rng.randint(1, 12))]
        tol = rng.choice(tolerances)
        groups, tie = group_answers(values, tol)
        center, size, top_tie = top_group(values, tol)
        assert (center, size, top_tie) == (groups[0][0], groups[0][1], tie)
        assert center is groups[0][0]
    with pytest.raises(ValueError):
        top_group([], 0.05)


@pytest.mark.parametrize("strict", [True, False])
def test_a_list_answer_is_never_shared(strict: bool) -> None:
    fmt = AnswerFormat(strict=strict)
    text = '<think>r</think><answer>{"answer": [5, 2]}</answer>'
    first = fmt.read_answer(text)
    first.answer.append(99)  # a caller changing its answer must not change the next reading
    assert fmt.read_answer(text).answer == [5, 2]
    assert fmt.parse(text).think == "r"  # a remembered block still gives each completion its reasoning


def test_equal_answers_of_other_types_are_graded_apart() -> None:
    gold = json.dumps({"kind": "integer", "value": 1})
    answers = [1, True, 1.0, True, 1]
    texts = [f'<think>r</think><answer>{json.dumps({"answer": a})}</answer>' for a in answers]
    f = make_reward("medcalc_accuracy")
    scores, reasons = f.score(texts, {"gold": [gold] * 5, "task": ["medcalc"] * 5}, None)
    assert scores == [1.0, 0.0, 1.0, 0.0, 1.0]
    assert reasons == [None, "not_a_number", None, "not_a_number", None]


def test_pseudo_label_reads_equal_answers_of_other_types_apart() -> None:
    gold = json.dumps({"kind": "integer", "value": 0, "calculator": "cha2ds2_vasc"})
    answers = [1, True, 1, True, 1.0]
    texts = [f'<think>r</think><answer>{json.dumps({"answer": a})}</answer>' for a in answers]
    f = make_reward("pseudo_label")
    scores, reasons = f.score(texts, {"gold": [gold] * 5, "task": ["pseudo/calc"] * 5}, ["p"] * 5)
    assert reasons == [None, "not_a_number", None, "not_a_number", None]
    assert scores == [1.0, 0.0, 1.0, 0.0, 1.0]


def test_trial_consistency_reads_each_row_by_its_own_meta() -> None:
    young = json.dumps({"patient_age": 10, "trial_limits": {"min_age": 18, "max_age": None, "sex": None,
                                                            "source": "text"}})  # fmt: skip
    adult = json.dumps({"patient_age": 30, "trial_limits": {"min_age": 18, "max_age": None, "sex": None,
                                                            "source": "text"}})  # fmt: skip
    said = '<think>r</think><answer>{"answer": "eligible"}</answer>'
    f = make_reward("trial_consistency")
    scores, reasons = f.score([said] * 4, {"meta": [young, adult, young, adult]}, None)
    assert scores == [-1.0, 0.0, -1.0, 0.0]
    assert reasons == ["broke_min_age", None, "broke_min_age", None]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_grouping_a_non_finite_answer_is_an_error_not_an_endless_loop(bad):
    # NaN agrees with nothing, itself included: group_answers used to loop forever on it
    with pytest.raises(ValueError, match="non-finite"):
        group_answers([bad, 72.0], Tolerance(rel=0.05))
    with pytest.raises(ValueError, match="non-finite"):
        top_group([72.0, bad], Tolerance(rel=0.05))
