"""Task `medcalc`: gold recomputed by our calculators, benchmark fallback, skips, and the shared sample."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pytest

from ehr_adapters.errors import AdapterError
from ehr_adapters.medcalc_bench import MedCalcCase, read_medcalc_bench
from ehrmind.tasks.medcalc import benchmark_gold, build_medcalc
from ehrmind.tasks.schema import check_row
from ehrmind.tasks.warmup_data import worked_solution

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared" / "data" / "medcalc-bench"


def case(calc_id: int, entities: dict | None, answer: str, lower: str, upper: str, output: str = "decimal",
         row: str = "1", note_id: str = "pmc-1", question: str = "What is the value?") -> MedCalcCase:  # fmt: skip
    return MedCalcCase(
        row_number=row, calculator_id=calc_id, calculator_name="x", output_type=output, note_id=note_id,
        note_type="Extracted", note="A patient note.", question=question, entities=entities,
        entities_error=None if entities is not None else "Relevant Entities is not a Python literal", answer=answer,
        lower=lower, upper=upper,
    )  # fmt: skip


def test_gold_is_our_calculator_value_with_five_percent_limits() -> None:
    entities = {"age": [60, "years"], "sex": "Male", "creatinine": [1.2, "mg/dL"]}
    out = build_medcalc([case(3, entities, "68.2", "64.8", "71.6")], "train.csv")
    row = out.rows[0]
    check_row({**row, "split": "train"})
    gold, meta = json.loads(row["gold"]), json.loads(row["meta"])
    # CKD-EPI 2021, male: 142 × max(Scr/0.9, 1)^-1.200 × 0.9938^age (min term is 1 here).
    expected = 142 * (1.2 / 0.9) ** -1.2 * 0.9938**60
    assert gold["kind"] == "decimal" and gold["calculator"] == "ckd_epi_2021"
    assert gold["value"] == pytest.approx(expected, rel=1e-6)
    assert (gold["lower"], gold["upper"]) == (pytest.approx(expected * 0.95), pytest.approx(expected * 1.05))
    assert meta["gold_source"] == "calculator" and meta["agrees_with_benchmark"] is True
    assert meta["benchmark"]["answer"] == "68.2" and meta["benchmark"]["gold"]["upper"] == 71.6
    assert row["patient_id"] == "pmc-1" and row["id"] == "medcalc/train/1"
    assert row["prompt"][-1]["content"].startswith("A patient note.")


def test_disagreement_with_the_published_answer_is_recorded() -> None:
    entities = {"age": [60, "years"], "sex": "Male", "creatinine": [1.2, "mg/dL"]}
    out = build_medcalc([case(3, entities, "50.0", "47.5", "52.5")], "train.csv")
    assert json.loads(out.rows[0]["meta"])["agrees_with_benchmark"] is False
    assert out.counts["benchmark_disagrees"] == 1


def test_weeks_and_days_gold_from_dates() -> None:
    entities = {"Current Date": "07/12/2012", "Last menstrual date": "12/20/2011"}
    out = build_medcalc([case(69, entities, "('29 weeks', '2 days')", "", "", output="date")], "t.csv")
    days = (date(2012, 7, 12) - date(2011, 12, 20)).days
    assert json.loads(out.rows[0]["gold"])["value"] == [days // 7, days % 7]


def test_rejected_entities_fall_back_to_the_benchmark_answer() -> None:
    no_creatinine = {"age": [60, "years"], "sex": "Male"}
    out = build_medcalc([case(3, no_creatinine, "68.2", "64.8", "71.6"), case(3, None, "70", "66.5", "73.5", row="2")],
                        "t.csv")  # fmt: skip
    golds = [json.loads(r["gold"]) for r in out.rows]
    metas = [json.loads(r["meta"]) for r in out.rows]
    assert [g["value"] for g in golds] == [68.2, 70.0]
    assert (golds[0]["lower"], golds[0]["upper"]) == (64.8, 71.6)
    assert [m["gold_source"] for m in metas] == ["benchmark", "benchmark"]
    assert (
        "creatinine" in metas[0]["fallback_reason"] and "entities unparsable" in metas[1]["fallback_reason"]
    )
    assert out.counts["gold_source:benchmark"] == 2
    # The gold names the unit the question asks for (CKD-EPI's declared one), so an answer in another unit
    # is converted or wrong: before, a benchmark-answer gold had no unit and "68.2 mg" scored 1.
    assert {g.get("unit") for g in golds} == {"mL/min/{1.73_m2}"}
    from rewards import get_reward

    answers = ["68.2", "68.2 mL/min/1.73 m²", "68.2 mg", "68.2 %"]
    scores = get_reward("medcalc_accuracy")(
        completions=[f'<think>x</think><answer>{{"answer": "{a}"}}</answer>' for a in answers],
        gold=[out.rows[0]["gold"]] * len(answers),
        task=["medcalc"] * len(answers),
    )
    assert scores == [1.0, 1.0, 0.0, 0.0]


def test_unmapped_entity_key_is_skipped_by_name_never_a_benchmark_fallback() -> None:
    # Issue 10: a key we cannot read may carry a finding that changes the score, so the row is skipped
    # (its published answer is not used as gold either) and the skip names the key and the calculator.
    entities = {"age": [60, "years"], "sex": "Male", "creatinine": [1.2, "mg/dL"], "Mystery finding": True}
    out = build_medcalc([case(3, entities, "68.2", "64.8", "71.6")], "t.csv")
    assert out.rows == []
    assert "unmapped entity key 'Mystery finding' for ckd_epi_2021" in out.skipped[0].reason
    with pytest.raises(AdapterError, match="Mystery finding"):
        build_medcalc([case(3, entities, "68.2", "64.8", "71.6")], "t.csv", strict=True)


def test_unparsable_published_answer_is_skipped_with_the_field() -> None:
    entities = {"age": [60, "years"], "sex": "Male", "creatinine": [1.2, "mg/dL"]}
    out = build_medcalc([case(3, entities, "n/a", "", "")], "t.csv")
    assert out.rows == [] and out.skipped[0].category == "unparsable published answer"
    assert "'n/a'" in out.skipped[0].reason


def test_benchmark_gold_reads_every_label_form() -> None:
    assert benchmark_gold(case(3, {}, "68.2", "64.8", "71.6")) == {
        "kind": "decimal", "value": 68.2, "lower": 64.8, "upper": 71.6,
    }  # fmt: skip
    assert benchmark_gold(case(4, {}, "3", "3", "3", output="integer")) == {"kind": "integer", "value": 3}
    assert benchmark_gold(case(13, {}, "10/12/2023", "", "", output="date"))["value"] == "2023-10-12"
    weeks = benchmark_gold(case(69, {}, "('29 weeks', '2 days')", "", "", output="date"))
    assert weeks == {"kind": "weeks_days", "value": [29, 2]}


def test_published_answers_are_typed_as_the_benchmark_evaluator_grades_the_calculator_id() -> None:
    # MedCalc-Bench's evaluator (check_correctness) grades by calculator id, not by the Output Type column:
    # Verified row 13 labels Wells DVT (id 16) "decimal" 4/4/4, graded by round(answer) == 4; Verified
    # labels steroid conversion (id 24) "integer", graded within its Lower/Upper Limit.
    assert benchmark_gold(case(16, {}, "4", "4", "4")) == {"kind": "integer", "value": 4}
    assert benchmark_gold(case(24, {}, "10", "9.5", "10.5", output="integer")) == {
        "kind": "decimal", "value": 10.0, "lower": 9.5, "upper": 10.5,
    }  # fmt: skip
    # A row our calculator cannot recompute (entities unparsable) keeps the published answer as gold, and
    # the reward grades it as the evaluator would: 3.6 rounds to 4; 10.4 is within 9.5-10.5.
    dvt = build_medcalc([case(16, None, "4", "4", "4")], "t.csv", edition="verified").rows[0]
    steroid = build_medcalc([case(24, None, "10", "9.5", "10.5", output="integer")], "t.csv").rows[0]
    assert json.loads(dvt["meta"])["gold_source"] == json.loads(steroid["meta"])["gold_source"] == "benchmark"
    assert _medcalc_scores([dvt["gold"]] * 3, [4, 3.6, 5]) == [1.0, 1.0, 0.0]
    assert _medcalc_scores([steroid["gold"]] * 3, [10, 10.4, 11]) == [1.0, 1.0, 0.0]


def test_the_gold_is_in_the_unit_the_question_asks_for() -> None:
    # Ideal body weight (Devine), man of 175 cm = 68.898 in: 50 + 2.3 x 8.898 = 70.465 kg (hand calculation),
    # = 155.35 lb at 0.45359237 kg/lb. A question asking "in terms of kg" keeps the declared unit; one asking
    # in lb gets our value converted, so the prompt's hint and the gold name the question's unit; one asking
    # for a unit a weight cannot be in is skipped with the reason, never graded in the wrong unit.
    entities = {"sex": "Male", "height": [175, "cm"]}
    asked = "What is the patient's ideal body weight in terms of {}?"
    same = build_medcalc([case(10, entities, "70.465", "66.9", "73.99", question=asked.format("kg"))], "t.csv")
    gold = json.loads(same.rows[0]["gold"])
    assert gold["unit"] == "kg" and gold["value"] == pytest.approx(70.465, abs=1e-3)
    pounds = build_medcalc([case(10, entities, "155.35", "147.6", "163.1", question=asked.format("lb"))], "t.csv")
    gold = json.loads(pounds.rows[0]["gold"])
    assert gold["unit"] == "lb" and gold["value"] == pytest.approx(155.35, abs=1e-2)
    assert json.loads(pounds.rows[0]["meta"])["agrees_with_benchmark"]
    assert "The answer is a number in lb." in pounds.rows[0]["prompt"][0]["content"]
    # the worked solution (the warm-up's SFT target) ends with the conversion, then answers in lb
    solution = worked_solution(pounds.rows[0])
    assert "In lb, as the question asks: 70.46 kg = 155.35 lb\n</think>" in solution
    answer = json.loads(solution.split("<answer>", 1)[1].removesuffix("</answer>"))["answer"]
    assert answer == pytest.approx(155.35, abs=0.01)
    assert _medcalc_scores([pounds.rows[0]["gold"]] * 3, ["155.4", "70.47 kg", "70.47"]) == [1.0, 1.0, 0.0]
    wrong = build_medcalc([case(10, entities, "70.465", "66.9", "73.99", question=asked.format("mg/dL"))], "t.csv")
    assert wrong.rows == [] and wrong.skipped[0].category == "unit mismatch"
    assert "'mg/dL'" in wrong.skipped[0].reason and "ideal_body_weight" in wrong.skipped[0].reason
    # A row our calculator cannot recompute keeps the published answer, which is in the asked unit: named so.
    published = build_medcalc([case(10, None, "155.35", "147.6", "163.1", question=asked.format("lb"))], "t.csv")
    gold = json.loads(published.rows[0]["gold"])
    assert (gold["value"], gold["unit"], json.loads(published.rows[0]["meta"])["gold_source"]) == (
        155.35, "lb", "benchmark",
    )  # fmt: skip
    odd = build_medcalc([case(10, None, "70.465", "66.9", "73.99", question=asked.format("mg/dL"))], "t.csv")
    assert odd.rows == [] and odd.skipped[0].category == "unit mismatch"


def test_unknown_calculator_is_skipped_or_raises_in_strict_mode() -> None:
    out = build_medcalc([case(999, {}, "1", "1", "1", output="integer")], "t.csv")
    assert out.rows == [] and out.skipped[0].category == "calculator unavailable"
    with pytest.raises(AdapterError, match="999"):
        build_medcalc([case(999, {}, "1", "1", "1", output="integer")], "t.csv", strict=True)


def test_shared_sample_every_row_accounted_for() -> None:
    path = SHARED / "train_sample.csv"
    if not path.exists():
        pytest.skip("all 1,006 MedCalc-Bench sample rows: needs ../shared/data/medcalc-bench/train_sample.csv (not in a clone; README 'Data' says where to get it)")
    cases, _ = read_medcalc_bench(path)
    out = build_medcalc(cases, path)
    assert len(out.rows) + len(out.skipped) == len(cases)
    sources = out.counts.get("gold_source:calculator", 0) + out.counts.get("gold_source:benchmark", 0)
    assert sources == len(out.rows)
    for row in out.rows:
        gold = json.loads(row["gold"])
        if gold["kind"] == "decimal":
            assert gold["lower"] <= gold["value"] <= gold["upper"] and math.isfinite(gold["value"])


def _medcalc_scores(golds: list[str], answers: list) -> list[float]:
    from rewards import get_reward

    completions = [f"<think>x</think><answer>{json.dumps({'answer': a})}</answer>" for a in answers]
    return get_reward("medcalc_accuracy")(completions=completions, gold=golds, task=["medcalc"] * len(golds))


def test_exact_published_limits_stay_exact() -> None:
    # MedCalc-Bench publishes Lower = Upper = answer for steroid conversion, MME and most Wells PE rows: it
    # grades them exactly. Our gold keeps that (to the published answer's precision), never ±5 %: on an
    # MME of 206, an answer of 200 was paid before.
    entities = {"age": [60, "years"], "sex": "Male", "creatinine": [1.2, "mg/dL"]}
    exact = build_medcalc([case(3, entities, "68.24", "68.24", "68.24")], "t.csv").rows[0]
    gold = json.loads(exact["gold"])
    # the rounding the limit was written with, as the reward reads published limits (limit_slack)
    assert gold["upper"] - gold["value"] == pytest.approx(0.0005) and gold["limits"] == "medcalc_bench"
    five = json.loads(build_medcalc([case(3, entities, "68.2", "64.8", "71.6")], "t.csv").rows[0]["gold"])
    assert five["upper"] - five["value"] == pytest.approx(0.05 * five["value"])
    v = gold["value"]
    assert _medcalc_scores([exact["gold"]] * 3, [v, v + 0.0004, v * 0.98]) == [1.0, 1.0, 0.0]


def test_shared_sample_published_answers_are_paid_and_exact_rows_refuse_near_misses() -> None:
    """Independent reference: the benchmark's own answers. Every row whose gold is our calculator's value
    and agrees with the publication pays the published answer as written; on rows graded exactly by the
    benchmark, 4 % off our value is not paid, as it is within ±5 % elsewhere."""
    path = SHARED / "train_sample.csv"
    if not path.exists():
        pytest.skip("needs ../shared/data/medcalc-bench/train_sample.csv")
    cases, _ = read_medcalc_bench(path)
    out = build_medcalc(cases, path)
    agreeing, exact, relative = [], [], []
    for row in out.rows:
        gold, meta = json.loads(row["gold"]), json.loads(row["meta"])
        if meta["gold_source"] != "calculator":
            continue
        if meta["agrees_with_benchmark"]:
            agreeing.append((row["gold"], meta["benchmark"]["answer"]))
        published = meta["benchmark"]
        if gold["kind"] == "decimal" and gold["value"] != 0:
            group = exact if published["lower"] == published["upper"] else relative
            group.append((row["gold"], gold["value"] * 1.04))
    assert len(agreeing) > 900 and len(exact) >= 50 and len(relative) > 500
    assert _medcalc_scores(*map(list, zip(*agreeing, strict=True))) == [1.0] * len(agreeing)
    assert _medcalc_scores(*map(list, zip(*exact, strict=True))) == [0.0] * len(exact)
    assert _medcalc_scores(*map(list, zip(*relative, strict=True))) == [1.0] * len(relative)


def test_an_integer_score_on_a_row_graded_as_a_decimal_keeps_the_published_limits() -> None:
    # MedCalc-Bench publishes MELD Na as a decimal with ±5 % limits (Verified row 20: 40.0, 38.0-42.0); our
    # MELD Na is a whole score. The gold keeps the benchmark's grading (a decimal within ±5 % of our score),
    # so medcalc_accuracy scores the row as the paper does: 39 is paid, 37 is not.
    entities = {"creatinine": [7.78, "mg/dL"], "Continuous veno-venous hemodialysis for ≥24 hours in the past week": False,
                "Dialysis at least twice in the past week": False, "international normalized ratio": 2.2,
                "Sodium": [133.0, "mEq/L"], "Bilirubin": [36.1, "mg/dL"]}  # fmt: skip
    row = build_medcalc([case(23, entities, "40.0", "38.0", "42.0")], "t.csv", edition="verified").rows[0]
    gold = json.loads(row["gold"])
    assert gold["kind"] == "decimal" and gold["value"] == 40.0 and gold["limits"] == "medcalc_bench"
    assert (gold["lower"], gold["upper"]) == pytest.approx((38.0, 42.0))
    assert _medcalc_scores([row["gold"]] * 3, [40, 39, 37]) == [1.0, 1.0, 0.0]


def test_integer_ids_follow_the_benchmark_evaluator_not_the_output_type_column() -> None:
    # Verified labels Wells DVT (id 16) "decimal" with limits 4 and 4, but MedCalc-Bench's evaluator grades
    # id 16 by round(answer) == 4 (check_correctness), so the gold stays our integer: 3.6 is paid.
    entities = {"Active cancer": True, "Bedridden recently >3 days": False, "Major surgery within 12 weeks": True,
                "Localized tenderness along the deep venous system": True,
                "Paralysis, paresis, or recent plaster immobilization of the lower extremity": False,
                "Alternative diagnosis to Deep Vein Thrombosis as likely or more likely": False,
                "Collateral (nonvaricose) superficial veins present": True,
                "Pitting edema, confined to symptomatic leg": False}  # fmt: skip  (Verified row 13: score 4)
    row = build_medcalc([case(16, entities, "4", "4", "4")], "t.csv", edition="verified").rows[0]
    gold = json.loads(row["gold"])
    assert gold["kind"] == "integer" and gold["value"] == 4, (gold, json.loads(row["meta"]))
    assert _medcalc_scores([row["gold"]] * 3, [4, 3.6, 5]) == [1.0, 1.0, 0.0]
