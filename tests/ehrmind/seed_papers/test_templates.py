"""Thought templates (MedCritical stage 1, ehrmind/seed_papers/templates.py): leak check, regeneration, use in the warm-up.

Expected leak verdicts are worked out by hand from the rules in the module docstring; the row counts are a
recount of the bundled rows with plain Python."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ehrmind.config import DataConfig, WarmupMix
from ehrmind.seed_papers.templates import (
    apply_templates,
    build_templates,
    leaks,
    load_templates,
    template_family,
)
from ehrmind.tasks.load import load_split

BMI_GOLD = {"kind": "decimal", "value": 24.3, "lower": 23.1, "upper": 25.5, "calculator": "bmi"}


@pytest.mark.parametrize(("template", "golds", "card", "expected"), [
    ("Find weight and height; convert cm to m (divide by 100); BMI = kg / m^2.", [BMI_GOLD], "height/100", []),
    ("Here the BMI comes to about 24.1.", [BMI_GOLD], "", ["gold number"]),  # inside the tolerance band
    ("Here the BMI comes to about 27.0.", [BMI_GOLD], "", []),  # a number, but not this gold
    ("Add 1 point per criterion; a score of 3 is high.", [{"kind": "integer", "value": 3}], "", ["gold number"]),
    ("1. Find the criteria.\n2. Add the points.\n3) Check. Step 3 again.", [{"kind": "integer", "value": 3}], "", []),
    ("1. Add the points.\n2. The score is 3.", [{"kind": "integer", "value": 3}], "", ["gold number"]),
    ("Add 1 point per criterion; 3 points or more is high.", [{"kind": "integer", "value": 3}], "+3 points", []),
    ("Plan. <answer>{\"answer\": 1}</answer>", [{"kind": "integer", "value": 9}], "", ["answer block"]),
    ("Add 280 days to the LMP: 2024-03-05.", [{"kind": "date", "value": "2024-03-05"}], "", ["gold date"]),
    ("Count from the LMP: 39 weeks and 2 days.", [{"kind": "weeks_days", "value": [39, 2]}], "", ["gold weeks and days"]),
    ("Decide between yes and no from the criteria.", [{"kind": "label", "value": "yes"}], "", []),
    ("So the answer is yes.", [{"kind": "label", "value": "yes"}], "", ["gold label stated as the answer"]),
])
def test_leak_rules(template, golds, card, expected):
    assert leaks(template, golds, card) == expected


def bundled_rows():
    return load_split(DataConfig(), "train")


def test_leaking_candidates_are_rejected_counted_and_replaced():
    rows = bundled_rows()
    families = sorted({template_family(r) for r in rows})
    bmi_gold = next(json.loads(r["gold"])["value"] for r in rows if template_family(r) == "bmi")
    calls = []

    def teacher(prompts):
        calls.append(len(prompts))
        out = []
        for p in prompts:
            text = p[0]["content"]
            assert "Body mass index" in text or "bmi" not in text  # the teacher sees the card, no patient row
            if "(bmi," in text and len(calls) == 1:
                out.append([f"BMI is {bmi_gold}.", "<answer>1</answer>"])  # both leak: next round
            elif "(anion_gap," in text:
                out.append([""])  # never anything: no template
            else:
                out.append(["1. Find the inputs in the note.\n2. Convert units.\n3. Apply the formula.\n4. Check."])
        return out

    templates, report = build_templates(rows, teacher, rounds=2)
    by_family = {t["family"]: t for t in templates}
    assert calls == [len(families), 2]  # round 2 only for bmi and anion_gap
    assert report["families"] == len(families) and report["written"] == len(families) - 1
    assert report["no_template"] == ["anion_gap"]
    assert report["rejected_by_reason"] == {"gold number": 1, "answer block": 1, "empty": 2}
    assert by_family["bmi"]["attempts"] == 3 and "anion_gap" not in by_family
    assert all(not leaks(t["template"], [json.loads(r["gold"]) for r in rows if template_family(r) == t["family"]])
               for t in templates)


def test_templates_go_into_prompts_or_targets_and_are_counted(tmp_path):
    from ehrmind.tasks.warmup_data import build_mix

    rows = bundled_rows()
    path = tmp_path / "templates.jsonl"
    path.write_text(json.dumps({"family": "bmi", "template": "PLAN: weight over height squared."}) + "\n")
    expected = Counter(template_family(r) == "bmi" for r in rows)  # recount: rows of the templated family
    before = json.dumps(rows[0]["prompt"])
    for where in ("prompt", "target"):
        mix = WarmupMix(knowledge_cards=0, task_rubrics=False, templates_jsonl=str(path), templates_in=where)
        examples, counts = build_mix(rows, mix, seed=0)
        assert counts["with_template"] == expected[True] and counts["without_template"] == expected[False]
        with_plan = [e for e in examples if "PLAN:" in json.dumps(e)]
        assert len(with_plan) == expected[True]
        if where == "prompt":
            assert all("PLAN:" in e["prompt"][-1]["content"] for e in with_plan)
        else:
            assert all(e["completion"][0]["content"].startswith("<think>PLAN:") for e in with_plan)
    assert json.dumps(rows[0]["prompt"]) == before  # the rows themselves are not changed


def test_bad_template_file_names_the_line(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"family": "bmi", "template": "x"}\n{"family": "bmi"}\n')
    with pytest.raises(ValueError, match="t.jsonl:2"):
        load_templates(path)
    with pytest.raises(ValueError, match="t.jsonl:2"):
        apply_templates([], path)


def test_templates_command_with_the_tiny_teacher_then_warmup_uses_them(tmp_path, tiny_model):
    import torch
    from typer.testing import CliRunner

    from ehrmind.cli import app as cli
    from ehrmind.config import load_config
    from ehrmind.stages.warmup import run_warmup

    cli._mount_subcommands()
    torch.manual_seed(0)  # the tiny teacher samples; fix what it writes whatever ran before this test
    out = tmp_path / "templates.jsonl"
    result = CliRunner().invoke(cli.app, ["templates", "--teacher", str(tiny_model), "--data", "bundled", "--out",
                                          str(out), "--max-new-tokens", "24", "--samples", "2", "--rounds", "2",
                                          "--temperature", "1.0"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "templates.manifest.json").read_text())
    written = [json.loads(x) for x in out.read_text().splitlines()]
    assert manifest["written"] == len(written) >= 1
    assert manifest["families"] == len(written) + len(manifest["no_template"])
    assert manifest["candidates"] == len(written) + manifest["rejected"]
    cfg = load_config(None, stage="warmup", overrides={
        "output_dir": str(tmp_path / "runs"), "model": {"path": str(tiny_model)},
        "warmup": {"knowledge_cards": 0, "task_rubrics": False, "templates_jsonl": str(out)},
        "training": {"max_steps": 2, "per_device_train_batch_size": 4, "save_steps": 1000, "max_length": 256}})
    run_dir = run_warmup(cfg, echo=lambda *_: None)
    report = (Path(run_dir) / "report.md").read_text()
    families = {t["family"] for t in written}
    used = sum(template_family(r) in families for r in bundled_rows())
    assert f'"with_template": {used}' in report
