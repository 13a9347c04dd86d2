"""Open-book mode: the calculator's card is in the prompt only when asked (data build and eval), and
`ehrmind eval --open-book` reports closed-book and open-book side by side for the same model and rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import calculators
from ehrmind.cli import data
from ehrmind.tasks.bundled import sample_rows
from ehrmind.tasks.open_book import CARD_OPEN, closed_book_row, open_book_row, open_book_rows
from ehrmind.tasks.schema import read_rows, write_jsonl
from rewards.parse import DEFAULT_FORMAT

runner = CliRunner()
NOTE = "A 60-year-old man; creatinine 1.2 mg/dL."


def medcalc_csv(path: Path) -> Path:
    """Five MedCalc-Bench-shaped rows for CKD-EPI (calculator id 3)."""
    import csv

    columns = ["Row Number", "Calculator ID", "Calculator Name", "Output Type", "Note ID", "Patient Note",
               "Question", "Relevant Entities", "Ground Truth Answer", "Lower Limit", "Upper Limit"]  # fmt: skip
    rows = [
        [str(i), "3", "CKD-EPI", "decimal", f"note-{i}", f"{NOTE} ({i})", "What is the GFR?",
         f"{{'age': [{60 + i}, 'years'], 'sex': 'Male', 'creatinine': [1.2, 'mg/dL']}}", "70", "66.5", "73.5"]
        for i in range(5)
    ]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def fake_model(tmp_path: Path) -> Path:
    """A directory the config accepts as a checkpoint; the tests replace loading and generation."""
    (tmp_path / "model").mkdir(exist_ok=True)
    (tmp_path / "model" / "config.json").write_text("{}")
    return tmp_path / "model"


def user_text(row: dict) -> str:
    return next(m["content"] for m in row["prompt"] if m["role"] == "user")


@pytest.mark.parametrize("open_book", [False, True])
def test_data_build_puts_the_card_only_when_asked(tmp_path: Path, open_book: bool) -> None:
    source = medcalc_csv(tmp_path / "mc.csv")
    out = tmp_path / "out"
    args = ["build", "--source", f"medcalc-bench:{source}", "--tasks", "medcalc", "--out", str(out)]
    result = runner.invoke(data.app, args + (["--open-book"] if open_book else []))
    assert result.exit_code == 0, result.output
    rows = read_rows(out)
    assert len(rows) == 5
    # the card is the calculator's own describe() (what `ehrmind calc show` prints), not a copy of it
    card = calculators.get("ckd_epi_2021").describe()
    assert "Inputs:" in card and "mg/dL" in card  # inputs with units are in the card
    for row in rows:
        text = user_text(row)
        assert (card in text) is open_book
        assert (CARD_OPEN in text) is open_book
        assert NOTE in text and "What is the GFR?" in text  # the note and question stay
        assert json.loads(row["meta"]).get("open_book", False) is open_book
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["builders"].get("open_book_cards", 0) == (5 if open_book else 0)
    assert manifest["options"]["open_book"] is open_book


def test_cards_go_to_calculator_rows_only_and_come_off_exactly() -> None:
    rows = sample_rows()[:6]
    assert rows and all(r["task"] == "calc" for r in rows)
    trial = {**rows[0], "id": "trial_match/x", "task": "trial_match"}
    opened, n = open_book_rows([*rows, trial])
    assert n == len(rows) and opened[-1] is trial  # a non-calculator row is left as it is
    for before, after in zip(rows, opened[:-1], strict=True):
        calc = json.loads(before["gold"])["calculator"]
        assert calculators.get(calc).describe() in user_text(after)
        assert open_book_row(after) is after  # never two cards
        assert closed_book_row(after)["prompt"] == before["prompt"]  # exact inverse


def test_eval_reports_closed_and_open_book_side_by_side(tmp_path: Path, monkeypatch) -> None:
    """A stand-in model that answers right only when the card is in its prompt: the closed-book column must
    read 0 % and the open-book column 100 %, on the same rows; the main metrics stay closed-book."""
    from ehrmind.config import default_recipe, load_config
    from ehrmind.stages import evaluate, models

    rows = [{**r, "split": "test"} for r in sample_rows()[:8]]
    golds = {user_text(r): json.loads(r["gold"]) for r in rows}
    write_jsonl(rows, tmp_path / "rows.jsonl")
    seen_prompts: list[str] = []

    def answer(prompt: list[dict]) -> str:
        text = next(m["content"] for m in prompt if m["role"] == "user")
        seen_prompts.append(text)
        if CARD_OPEN not in text:
            return DEFAULT_FORMAT.render("No card.", "unknown")
        gold = golds[text.split("(end of reference card)\n\n", 1)[1]]
        return DEFAULT_FORMAT.render("Used the card.", gold["value"])

    monkeypatch.setattr(models, "load_model_and_tokenizer", lambda *a, **k: (object(), object()))
    monkeypatch.setattr(
        evaluate,
        "generate",
        lambda model, tok, prompts, *, k, config, **kw: [[answer(p)] * k for p in prompts],
    )
    cfg = load_config(
        default_recipe("eval"),
        stage="eval",
        overrides={"output_dir": str(tmp_path / "runs"), "model": {"path": str(fake_model(tmp_path))},
                   "data": {"train": str(tmp_path / "rows.jsonl"), "eval": str(tmp_path / "rows.jsonl")}},
    )  # fmt: skip
    run_dir, metrics = evaluate.run_eval(cfg, echo=lambda *_: None, open_book=True)
    assert sum(CARD_OPEN in p for p in seen_prompts) == len(rows)  # each row once with the card...
    assert sum(CARD_OPEN not in p for p in seen_prompts) == len(rows)  # ...and once without
    assert metrics["overall"]["pass@1"] == 0.0  # main metrics: closed-book
    book = metrics["open_book"]
    assert book["rows"] == len(rows)
    assert book["overall"]["closed_pass@1"] == 0.0 and book["overall"]["open_pass@1"] == 1.0
    assert set(book["per_calculator"]) == {json.loads(r["gold"])["calculator"] for r in rows}
    saved = json.loads((run_dir / "metrics.json").read_text())
    assert saved["open_book"]["overall"]["open_pass@1"] == 1.0
    report = (run_dir / "report.md").read_text()
    assert "## Open-book vs closed-book" in report
    assert "| closed-book pass@1 | open-book pass@1 |" in report
    assert "| all calculator rows | 8 | 0.0% | 100.0% | +100.0 pts |" in report


def test_eval_without_open_book_shows_no_card_and_no_section(tmp_path: Path, monkeypatch) -> None:
    from ehrmind.config import default_recipe, load_config
    from ehrmind.stages import evaluate, models

    rows, _ = open_book_rows([{**r, "split": "test"} for r in sample_rows()[:3]])  # rows built open-book
    write_jsonl(rows, tmp_path / "rows.jsonl")
    prompts: list[str] = []
    monkeypatch.setattr(models, "load_model_and_tokenizer", lambda *a, **k: (object(), object()))
    monkeypatch.setattr(
        evaluate,
        "generate",
        lambda model, tok, ps, *, k, config, **kw: [
            [prompts.append(user_text({"prompt": p})) or "no answer"] * k for p in ps
        ],
    )
    cfg = load_config(
        default_recipe("eval"),
        stage="eval",
        overrides={"output_dir": str(tmp_path / "runs"), "model": {"path": str(fake_model(tmp_path))},
                   "data": {"train": str(tmp_path / "rows.jsonl"), "eval": str(tmp_path / "rows.jsonl")}},
    )  # fmt: skip
    run_dir, metrics = evaluate.run_eval(cfg, echo=lambda *_: None)
    # rows are evaluated as they were built (here open-book); no comparison is made unless asked
    assert len(prompts) == 3 and all(CARD_OPEN in p for p in prompts)
    assert "open_book" not in metrics
    assert "Open-book" not in (run_dir / "report.md").read_text()
