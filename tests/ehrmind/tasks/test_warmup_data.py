"""Warm-up data for every task family: MedCalc worked solutions, date-calculator cards, the dry run, prefill."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ehrmind.config import WarmupMix
from ehrmind.tasks.warmup_data import apply_prefill, build_mix, check_mix, knowledge_cards, worked_solution
from rewards.parse import DEFAULT_FORMAT


@pytest.fixture(scope="module")
def medcalc_rows(shared_data) -> list[dict]:
    from ehr_adapters.medcalc_bench import read_medcalc_bench
    from ehrmind.tasks.medcalc import build_medcalc

    path = shared_data / "medcalc-bench" / "train_sample.csv"
    cases, _report = read_medcalc_bench(path)
    rows = build_medcalc(cases, path).rows
    return [{**r, "split": "train"} for r in rows]


def test_medcalc_rows_get_worked_solutions_from_their_rationale(medcalc_rows):
    # The defect: warmup_data read meta.inputs, which MedCalc rows do not store -> 0 solutions.
    with_rationale = [r for r in medcalc_rows if json.loads(r["meta"]).get("rationale")]
    assert with_rationale, "the shared sample should have rows whose gold our calculators recomputed"
    from rewards import make_reward

    texts = [worked_solution(row) for row in with_rationale]
    for row, text in zip(with_rationale, texts, strict=True):
        parsed = DEFAULT_FORMAT.parse(text)
        assert parsed.ok, parsed.reason
        assert json.loads(row["meta"])["rationale"].strip() in text
    # Every rendered answer is paid by the same reward RL trains with (gold limits from the row itself).
    scores = make_reward("medcalc_accuracy")(
        prompts=[r["prompt"] for r in with_rationale], completions=texts,
        **{c: [r[c] for r in with_rationale] for c in ("gold", "task", "meta")},
    )  # fmt: skip
    assert all(s is not None and s > 0.5 for s in scores)
    # Rows that fell back to the benchmark's answer have no rationale of ours: no invented solution.
    fallback = [r for r in medcalc_rows if json.loads(r["meta"]).get("gold_source") != "calculator"]
    assert all(worked_solution(r) is None for r in fallback)


def test_date_calculators_get_knowledge_cards():
    # The defect: sample_inputs raised "lmp: date inputs need a calculator-specific generator".
    import calculators

    ids = ["due_date", "gestational_age", "conception_date"]
    cards = knowledge_cards(ids, per_calculator=3, seed=0)
    assert len(cards) == 9
    for ex in cards:
        if ex["source"] == "knowledge_card_example":
            assert DEFAULT_FORMAT.parse(ex["completion"][0]["content"]).ok
    # Every example's answer is what the calculator computes from the note's dates (independent recompute).
    examples = [c for c in cards if c["source"] == "knowledge_card_example" and c["calculator"] == "due_date"]
    for ex in examples:
        note = ex["prompt"][-1]["content"]
        assert "20" in note  # an ISO date is stated in the note
        answer = json.loads(ex["completion"][0]["content"].split("<answer>")[1].split("</answer>")[0])["answer"]
        assert calculators.get("due_date").output.kind == "date" and len(answer) == 10


def test_dry_run_counts_per_task_and_zero_is_an_error(medcalc_rows):
    mix = WarmupMix(knowledge_cards=2)
    examples, _ = build_mix(medcalc_rows, mix, seed=0)
    summary, problems = check_mix(medcalc_rows, examples, mix)
    assert problems == []
    n_rationale = sum(bool(json.loads(r["meta"]).get("rationale")) for r in medcalc_rows)
    assert summary["medcalc"]["worked_solutions"] == n_rationale > 0
    n_calcs = len({json.loads(r["meta"])["calculator"] for r in medcalc_rows})
    assert summary["medcalc"]["knowledge_cards"] == 2 * n_calcs
    # Rows without inputs or a rationale (what the old reader saw): 0 worked solutions is an error.
    stripped = []
    for r in medcalc_rows:
        meta = json.loads(r["meta"])
        meta.pop("rationale", None)
        stripped.append({**r, "meta": json.dumps(meta)})
    examples, _ = build_mix(stripped, mix, seed=0)
    _, problems = check_mix(stripped, examples, mix)
    assert any("0 of" in p and "worked solution" in p for p in problems)


def test_label_tasks_need_their_rubric():
    rows = [{"id": "t1", "task": "trial_match", "prompt": [{"role": "user", "content": "x"}],
             "gold": json.dumps({"kind": "label", "value": "eligible"}), "meta": "{}", "split": "train"}]  # fmt: skip
    with_rubric = WarmupMix(task_rubrics=True)
    examples, _ = build_mix(rows, with_rubric, seed=0)
    summary, problems = check_mix(rows, examples, with_rubric)
    assert summary["trial_match"]["rubrics"] == 1 and problems == []
    without = WarmupMix(task_rubrics=False)
    examples, _ = build_mix(rows, without, seed=0)
    assert check_mix(rows, examples, without)[1]
    # ... or rows that carry their own target (the demo's and the loop tests' label rows)
    answered = [{**rows[0], "completion": '<think>r</think>\n<answer>{"answer": "eligible"}</answer>'}]
    examples, _ = build_mix(answered, without, seed=0)
    summary, problems = check_mix(answered, examples, without)
    assert summary["trial_match"]["worked_solutions"] == 1 and problems == []


def test_validate_dry_runs_the_warmup_mix(tmp_path, medcalc_rows):
    from ehrmind.cli import app as cli

    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in medcalc_rows))
    recipe = Path(__file__).resolve().parents[3] / "recipes" / "medcalc" / "warmup.yaml"  # the repository
    runner = CliRunner()
    ok = runner.invoke(cli.app, ["validate", str(recipe), "--set", f"data.train={data}"])
    assert ok.exit_code == 0, ok.output
    assert "medcalc: rows=" in ok.output and "worked_solutions=0" not in ok.output
    stripped = tmp_path / "stripped.jsonl"
    stripped.write_text("".join(json.dumps({**r, "meta": json.dumps({"calculator": json.loads(r["meta"])["calculator"]})})
                                + "\n" for r in medcalc_rows))
    bad = runner.invoke(cli.app, ["validate", str(recipe), "--set", f"data.train={stripped}"])
    assert bad.exit_code != 0
    assert "worked solution" in str(bad.exception)


def test_prefill_moves_the_think_tag_into_the_prompt(tiny_model):
    from ehrmind.stages.models import load_tokenizer

    tok = load_tokenizer(str(tiny_model))
    prefill = "Let me solve this step by step.\n<think>"
    ex = {"prompt": [{"role": "user", "content": "q"}],
          "completion": [{"role": "assistant", "content": DEFAULT_FORMAT.render("r", 3)}], "source": "worked_solution"}
    card = {"prompt": [{"role": "user", "content": "card?"}],
            "completion": [{"role": "assistant", "content": "A card."}], "source": "knowledge_card"}  # fmt: skip
    out, out_card = apply_prefill([ex, card], tok, prefill)
    assert out["prompt"].endswith("<|im_start|>assistant\n" + prefill)
    assert "<think>" not in out["completion"] and out["completion"].startswith("\nr")
    # The prompt's prefill plus the completion is what a prefilled_think reward parses as a good answer.
    from rewards.parse import AnswerFormat

    assert AnswerFormat(prefilled_think=True).parse(out["completion"]).ok
    assert out_card["prompt"].endswith("assistant\n") and out_card["completion"] == "A card."
