"""`ehrmind demo`'s pieces: the example records build, the warm-up targets, the held-out split, the statistics.

The whole demo (minutes of training) runs from the README's first command; these tests check what it is
made of, so a broken piece fails here in seconds.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from ehrmind.demo import DEMO_TASK, Scored, build_demo_data, examples_dir, paired_gain, prepare_rows, verdict
from rewards.parse import DEFAULT_FORMAT


@pytest.fixture(scope="module")
def demo_rows(tmp_path_factory) -> tuple[dict, dict[str, Path]]:
    root = tmp_path_factory.mktemp("demo")
    manifest = build_demo_data(examples_dir(), root / "data")
    return manifest, prepare_rows(root / "data", root / "rows")


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_records_become_calculator_and_label_tasks(demo_rows):
    manifest, _ = demo_rows
    assert manifest["counts"][DEMO_TASK]["train"] >= 100
    assert manifest["counts"][DEMO_TASK]["test"] >= 50  # enough held-out rows for an interval
    assert manifest["counts"]["calc"]["total"] > 0  # calculator tasks mined from the MEDS/FHIR records
    kinds = {s["kind"] for s in manifest["sources"]}
    assert kinds == {"meds", "fhir"}


def test_heldout_patients_never_train(demo_rows):
    _, paths = demo_rows
    train = {r["patient_id"] for r in _read(paths["rl"])} | {r["patient_id"] for r in _read(paths["warmup"])}
    heldout = _read(paths["heldout"])
    assert heldout and all(r["split"] == "test" and r["task"] == DEMO_TASK for r in heldout)
    assert not train & {r["patient_id"] for r in heldout}


def test_warmup_teaches_the_format_not_the_label(demo_rows, tiny_model):
    from ehrmind.demo import GRPO
    from ehrmind.stages.models import load_tokenizer

    _, paths = demo_rows
    tok = load_tokenizer(str(tiny_model))
    labels = [r for r in _read(paths["warmup"]) if r["task"] == DEMO_TASK]
    agree = 0
    for row in labels:
        parsed = DEFAULT_FORMAT.parse(row["completion"])
        gold = json.loads(row["gold"])
        assert parsed.ok and parsed.answer in gold["choices"]
        agree += parsed.answer == gold["value"]
        # the whole target fits the completion budget GRPO and eval sample with
        assert len(tok(row["completion"])["input_ids"]) <= GRPO["generation"]["max_completion_length"]
    # a uniform pick over 4 labels agrees with the gold about a quarter of the time (gold-copying would be 1.0)
    assert agree / len(labels) < 0.4
    calc = [r for r in _read(paths["warmup"]) if r["task"] == "calc"]
    assert calc and all(DEFAULT_FORMAT.parse(r["completion"]).ok for r in calc)


def test_paired_gain_matches_a_recount_with_statistics():
    before, after = [0.0, 0.0, 1.0, 1.0, 0.5], [1.0, 1.0, 1.0, 0.0, 0.75]
    diffs = [a - b for a, b in zip(after, before, strict=True)]
    mean, low, high = paired_gain(before, after)
    half = 1.96 * statistics.stdev(diffs) / len(diffs) ** 0.5  # the normal interval, recomputed independently
    assert mean == pytest.approx(statistics.mean(diffs))
    assert (low, high) == pytest.approx((mean - half, mean + half))


def test_verdict_says_helped_only_when_the_interval_excludes_zero():
    def scored(rows):
        return Scored("m", rows, 0.0, 1.0)

    flat = scored([0.0] * 40)
    assert verdict(flat, scored([1.0] * 30 + [0.0] * 10)).startswith("RL helped")
    assert verdict(flat, scored([1.0, 0.0] * 20)).startswith("RL helped")
    assert verdict(scored([1.0] * 40), flat).startswith("RL hurt")
    noisy = verdict(scored([0.0, 1.0] * 20), scored([1.0, 0.0] * 19 + [1.0, 1.0]))
    assert noisy.startswith("No clear effect") and "includes 0" in noisy


def test_a_small_fhir_build_warns_about_an_empty_split(tmp_path):
    from ehrmind.tasks.build import BuildOptions, build, parse_source

    manifest = build(BuildOptions(sources=[parse_source(f"fhir:{examples_dir() / 'fhir'}")], tasks=["calc"],
                                  out=tmp_path / "fhir"))
    empty = [s for s, v in manifest["splits"].items() if v["rows"] == 0]
    assert empty, "three patients cannot fill three splits at 0.8/0.1/0.1"
    for split in empty:
        assert any(f"split {split!r} is empty" in w for w in manifest["warnings"]), manifest["warnings"]


def test_the_demo_runs_end_to_end_at_toy_size(tmp_path, monkeypatch):
    """The full wiring (build, warm-up, GRPO, three seeded evals, table, verdict) with 2+1 steps and 6 rows."""
    from rich.console import Console

    from ehrmind import demo

    monkeypatch.setitem(demo.WARMUP["training"], "max_steps", 2)
    monkeypatch.setitem(demo.GRPO["training"], "max_steps", 1)
    monkeypatch.setitem(demo.EVAL["data"], "max_eval_rows", 6)
    monkeypatch.setitem(demo.EVAL, "eval_samples", 2)
    import torch

    stages: list[str] = []
    threads = torch.get_num_threads()
    try:
        scored, sentence, baseline = demo.run_demo(str(tmp_path), echo=lambda *_: None, stage=stages.append)
    finally:
        torch.set_num_threads(threads)  # the demo pins one thread; later tests get the session's setting back
    assert [s.name for s in scored] == ["random model", "after warm-up", "after GRPO"]
    assert all(len(s.per_row) == 6 for s in scored)  # the same held-out rows for all three
    assert len(stages) == 4 and sentence.endswith(".") and "95 % interval" in sentence
    assert "most common training label" in baseline
    console = Console(record=True, width=120)
    console.print(demo.results_table(scored, k=2))
    text = console.export_text()
    assert all(name in text for name in ("random model", "after warm-up", "after GRPO", "pass@2", "format rate"))
