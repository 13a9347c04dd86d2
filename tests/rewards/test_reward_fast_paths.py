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

from rewards import make_reward, stats
from rewards.compare import Tolerance, agree, agreement_with, group_answers, top_group
from rewards.gold import GoldError
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


def test_agreement_with_a_center_is_agree() -> None:
    # pseudo_label tests each sample against its group's majority with `agreement_with`; the rule is `agree`.
    rng = random.Random(13)
    pool = [72.0, 72.1, 75.0, 75.6, 75.60000001, 68.4, 80.0, 3, 3.0, True, 1, 1.0, "yes", (5, 2), [5, 2], 0.0,
            -0.0, 1e-9, 2e-9, date(2024, 5, 1), (72.0, "kg"), 100.0, 105.0, 105.00000001]  # fmt: skip
    tolerances = (Tolerance(), Tolerance(0.05), Tolerance(0.0, 1.0), 0.05, Tolerance(0.05, 1.0), 0.0)
    for center in pool:
        for tol in tolerances:
            accept = agreement_with(center, tol)
            edges = []
            if isinstance(center, float) and isinstance(tol, Tolerance):  # at and around the bound
                half = tol.half_width(center)
                edges = [center + d for d in (half, half + 5e-10, half + 2e-9, -half - 5e-10, -half - 2e-9)]
            for a in pool + edges + [rng.uniform(60, 110) for _ in range(50)]:
                assert accept(a) is agree(a, center, tol), (a, center, tol)


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


LENIENT_PIECES = ("<think>", "</think>", "<answer>", "</answer>", '{"answer": 72}', '{"answer": 80}', "72",
                  " ", "\n", "a < b", "<b>", "x")  # fmt: skip


def test_lenient_read_matches_the_general_reading() -> None:
    # read_text stops after the answer block when the last '<' before it is `</think>` (or there is none);
    # parse always takes the general path (it copies out the reasoning). Both must read the same answer.
    fmt = AnswerFormat(strict=False)
    rng = random.Random(13)
    texts = ['<think>r</think>\n<answer>{"answer": 72}</answer>', '<answer>{"answer": 72}</answer>',
             '<think>r</think><answer>{"answer": 80}</answer> a < b <answer>{"answer": 72}</answer>',
             '<think>r</think>a<b<answer>{"answer": 72}</answer>']  # fmt: skip
    texts += ["".join(rng.choice(LENIENT_PIECES) for _ in range(rng.randint(1, 12))) for _ in range(20_000)]
    for text in texts:
        fast, general = fmt.read_text(text), fmt.parse(text)
        assert (fast.ok, fast.reason, fast.answer) == (general.ok, general.reason, general.answer), text


def test_rows_that_repeat_the_previous_gold_are_routed_and_checked_alike() -> None:
    # The row loop reuses the previous row's gold when its task and gold text repeat (TRL's layout); a
    # task change, a missing task or another gold in between must still be routed on its own.
    gold, other = json.dumps({"kind": "integer", "value": 3}), json.dumps({"kind": "integer", "value": 4})
    said = '<think>r</think><answer>{"answer": 3}</answer>'
    tasks = ["medcalc", "medcalc", "calc_other", "medcalc", None, "medcalc", "medcalc", "medcalc"]
    golds = [gold, gold, gold, gold, gold, gold, other, gold]
    f = make_reward("medcalc_accuracy")
    scores, reasons = f.score([said] * 8, {"gold": golds, "task": tasks}, None)
    assert scores == [1.0, 1.0, None, 1.0, None, 1.0, 0.0, 1.0]
    assert reasons == [None, None, None, None, "no_task", None, None, None]
    bad = json.dumps({"kind": "integer", "value": 3.5})
    with pytest.raises(GoldError, match="whole number"):  # a bad gold after a good one is still checked
        f.score([said] * 2, {"gold": [gold, bad], "task": ["medcalc"] * 2}, None)


def test_batch_stats_fast_path_counts_as_the_row_loop() -> None:
    rng = random.Random(14)
    for _ in range(2_000):
        n = rng.randint(0, 20)
        scores = [rng.choice([0.0, 1.0, 1.1, -2.0, 0.1, None]) for _ in range(n)]
        if rng.random() < 0.5:
            scores = [0.3 if s is None else s for s in scores]  # no skipped rows: the fast path
        reasons = [rng.choice([None, "invalid_json", "wrong_unit", "no_task"]) for _ in range(n)]
        fast = stats.RewardStats(count=2, total=0.7)
        fast.add(scores, reasons)
        slow = stats.RewardStats(count=2, total=0.7)
        slow.add(tuple(scores), tuple(reasons))  # not lists: the row loop
        assert (fast.count, fast.total, fast.skipped) == (slow.count, slow.total, slow.skipped)
        assert list(fast.failures.items()) == list(slow.failures.items())
        assert list(fast.skips.items()) == list(slow.skips.items())
    with pytest.raises(ValueError):
        stats.RewardStats().add([1.0, 0.0], [None])


# Decimal golds of each shape the float fast paths see: benchmark limits, a declared relative tolerance
# (BMI), an absolute one (sodium correction, delta gap), a calculator gold without limits, limits with many
# decimals.
FLOAT_GOLDS = (
    {"kind": "decimal", "value": 64.786, "lower": 61.547, "upper": 68.025},
    {"kind": "decimal", "value": 38.1872, "lower": 38.1872, "upper": 38.1872},
    {"kind": "decimal", "value": 0.0, "lower": 0.0, "upper": 0.0},
    {"kind": "decimal", "value": 24.7, "unit": "kg/m2", "calculator": "bmi"},
    {"kind": "decimal", "value": 138.4, "unit": "mmol/L", "calculator": "sodium_correction_hyperglycemia",
     "analyte": "sodium"},
    {"kind": "decimal", "value": 71.3, "lower": 67.735, "upper": 74.865, "calculator": "ckd_epi_2021",
     "unit": "mL/min/{1.73_m2}", "limits": "medcalc_bench"},
    {"kind": "decimal", "value": -2.5, "lower": -2.625, "upper": -2.375},
    {"kind": "decimal", "value": 0.0, "unit": "mEq/L", "calculator": "delta_gap"},  # edge: x - 0 is exact
)  # fmt: skip


def _last_right(right, inside: float, outside: float) -> tuple[float, float]:
    """The two adjacent floats where `right` turns False between a right answer and a wrong one, found by
    bisection on `grade` itself (so the edge does not come from the code under test)."""
    while True:
        mid = (inside + outside) / 2
        if mid in (inside, outside):
            return inside, outside
        if right(mid):
            inside = mid
        else:
            outside = mid


def _probe_floats(rng: random.Random, right, value: float) -> list[float]:
    """Random floats around the gold, and the floats at, before and after each edge of the right ones."""
    import math

    out = [0.0, -0.0, 1e308, -1e308, 5e-324, value]
    for outside in (value - abs(value) - 10.0, value + abs(value) + 10.0):
        edge, beyond = _last_right(right, value, outside)
        out += [edge, beyond, math.nextafter(edge, value), math.nextafter(beyond, outside)]
        out += [edge + rng.uniform(-0.01, 0.01) for _ in range(200)]
    return out


@pytest.mark.parametrize("name", ["medcalc_accuracy", "calc_accuracy"])
def test_number_check_grades_floats_as_grade_does(name: str) -> None:
    from rewards.gold import parse_gold

    rng = random.Random(15)
    task = "medcalc" if name == "medcalc_accuracy" else "calc"
    f = make_reward(name, correct_score=1.1, wrong_score=-0.5)
    for spec in FLOAT_GOLDS:
        gold = parse_gold(json.dumps(spec))
        check = f.number_check(gold, task)
        assert check is not None
        right_fast = check[0]

        def right(x: float, gold=gold) -> bool:
            return f.grade(x, gold, 0, {"task": [task]}) == 1.1

        for x in _probe_floats(rng, right, spec["value"]):
            assert right_fast(x) == right(x), (spec, x)
    assert f.number_check(parse_gold('{"kind": "date", "value": "2024-05-01"}'), task) is None


# Integer golds (MedCalc-Bench rounds an integer answer; calc wants a whole number), for the number path.
INTEGER_GOLDS = (
    {"kind": "integer", "value": 3},
    {"kind": "integer", "value": 0, "calculator": "cha2ds2_vasc"},
)


def _number_answer(rng: random.Random, value: float) -> str:
    """A JSON answer around `value`: floats, integers, strings with and without units, junk."""
    return rng.choice(
        [f"{value!r}", f"{value * rng.uniform(0.9, 1.1)!r}", "1e999", "-1e999", f'"{value} kg"', f"{round(value)}",
         f'"{value}"', "null", f'"≈ {round(value, 1)}"', f'"{value} mEq/L"', f'"{value} mg/dL"', f'"{value} %"',
         '"x"', f'"{value} or 80"', f'"{value} !l"', "1" + "0" * 400, f"{round(value) + 1}", f'"{round(value)} points"',
         f"{round(value)}.4", f"{round(value)}.5", "true", f"[{value}]", f'"{value}-{value + 1}"', '""'])  # fmt: skip


@pytest.mark.parametrize("name", ["medcalc_accuracy", "calc_accuracy", "ehrmind"])
def test_number_answers_score_as_the_general_path(name: str, monkeypatch) -> None:
    """Every number answer `number_check` grades in place (floats, integers, strings with units, rejected
    strings) scores and fails as `grade` does, for each gold shape and task."""
    rng = random.Random(16)
    tasks = ["medcalc"] if name == "medcalc_accuracy" else ["calc"] if name == "calc_accuracy" else ["medcalc", "calc"]
    texts, golds, task_column = [], [], []
    for _ in range(600):
        spec = rng.choice(FLOAT_GOLDS + INTEGER_GOLDS)
        task = rng.choice(tasks)
        for _ in range(rng.randint(1, 8)):  # a group of generations: one gold, one task
            answer = _number_answer(rng, spec["value"])
            texts.append(f"<think>r</think><answer>{{\"answer\": {answer}}}</answer>")
            golds.append(json.dumps(spec))
            task_column.append(task)
    cols = {"gold": golds, "task": task_column}
    options = {} if name == "ehrmind" else {"correct_score": 1.1, "wrong_score": -0.5, "fail_score": -2.0}
    fast = make_reward(name, **options)
    general = make_reward(name, **options)
    monkeypatch.setattr(general, "number_check", lambda gold, task: None)
    expected = general.score(texts, cols, None)
    assert fast.score(texts, cols, None) == expected
    fails = set(expected[1])
    assert {"not_finite", "wrong_unit", "not_a_number", "multiple_values", "unknown_unit"} <= fails, fails
    assert len(set(expected[0])) == 3


def test_pseudo_label_votes_bare_floats_as_the_general_reading(monkeypatch) -> None:
    import rewards.labels as labels

    rng = random.Random(17)
    golds = [json.dumps(g) for g in FLOAT_GOLDS[3:5]] + [
        json.dumps({"kind": "decimal", "value": 72.46}),  # no tolerance: answers rounded to 3 digits
        json.dumps({"kind": "integer", "value": 3}),
        None,  # untyped
    ]
    texts, cols = [], {"gold": [], "task": [], "id": []}
    for group in range(600):
        gold = rng.choice(golds)
        for _ in range(8):
            answer = rng.choice(["72.4", "72.46", "72.5", "3.0", "3", "1e999", '"72.4 kg"', "138.4", "24.7"])
            texts.append(f'<think>r</think><answer>{{"answer": {answer}}}</answer>')
            cols["gold"].append(gold)
            cols["task"].append("pseudo/calc")
            cols["id"].append(f"p{group}")
    fast = make_reward("pseudo_label", correct_score=1.1, wrong_score=-0.5, fail_score=-2.0)
    expected_fast = fast.score(texts, cols, None)
    monkeypatch.setattr(labels, "_float_as_is", lambda gold: False)
    general = make_reward("pseudo_label", correct_score=1.1, wrong_score=-0.5, fail_score=-2.0)
    assert expected_fast == general.score(texts, cols, None)
    assert {1.1, -0.5, -2.0} <= set(expected_fast[0])


def test_gold_init_is_the_dataclass_signature_and_stays_frozen() -> None:
    import dataclasses
    import inspect

    from rewards.gold import Gold

    params = list(inspect.signature(Gold.__init__).parameters.values())[1:]
    fields = dataclasses.fields(Gold)
    assert [p.name for p in params] == [f.name for f in fields]
    missing = inspect.Parameter.empty
    assert [p.default for p in params] == [
        missing if f.default is dataclasses.MISSING else f.default for f in fields
    ]
    gold = Gold("decimal", 72.5, 68.9, 76.1, unit="kg", calculator="bmi")
    assert vars(gold) == {f.name: getattr(gold, f.name) for f in fields}
    assert gold == Gold("decimal", 72.5, 68.9, 76.1, "kg", "bmi") and hash(gold) == hash(Gold(**vars(gold)))
    assert gold != Gold("decimal", 72.5, 68.9, 76.1, "kg", "bmi", limits="medcalc_bench")
    assert dataclasses.replace(gold, value=70.0).value == 70.0 and gold.value == 72.5
    with pytest.raises(dataclasses.FrozenInstanceError):
        gold.value = 1.0  # type: ignore[misc]


GOLD_TEXTS = (
    '{"kind": "decimal", "value": 72.5, "lower": 68.9, "upper": 76.1}',
    '{"kind": "integer", "value": 3}',
    ' {"kind": "integer", "value": 3} ',  # whitespace around: json.loads's path
    '{"kind": "integer", "value": 3} {"kind": "integer", "value": 4}',  # extra data
    '{"kind": "integer", "value": 3,}',  # trailing comma
    '{"kind": "decimal", "value": NaN}',  # a constant json.loads accepts; the number check refuses it
    '{"kind": "decimal", "value": 1e999}',
    '{"kind": "label", "value": "yes", "choices": ["no", "yes"]}',
    '{"kind": "date", "value": "2024-05-01"}',
    '{"kind": "weeks_days", "value": [5, 2]}',
    "{}",
    "{",
    "}",
    "{ }",
    '{"kind": "integer", "value": 3}}',
    '{"kind": "integer", "value": "\\u0033"}',
    "[1, 2]",
    '"text"',
    "",
    "\ufeff{}",
    "{" * 100_000 + "}",  # nesting past the recursion limit: a GoldError, as through json.loads
)


@pytest.mark.parametrize("text", GOLD_TEXTS, ids=range(len(GOLD_TEXTS)))
def test_gold_text_parses_as_through_json_loads(text: str, monkeypatch) -> None:
    # The direct scanner call must give json.loads's value or error for every text (reference: the same
    # parse with json.loads itself, patched in).
    import rewards.gold as gold_module

    def outcome(parse):
        try:
            return ("ok", parse(text))
        except (GoldError, RecursionError) as exc:
            return (type(exc).__name__, str(exc)[:200])

    fast = outcome(gold_module._parse_text.__wrapped__)
    monkeypatch.setattr(gold_module, "_scan_object", json.loads)
    assert fast == outcome(gold_module._parse_text.__wrapped__)
