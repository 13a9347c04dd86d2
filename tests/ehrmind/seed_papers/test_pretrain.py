"""`ehrmind pretrain` on CPU with the tiny model: reading sources, packing, and the bandit mix at work.

The two-source corpus is built so one source's loss falls much faster than the other's: "easy" repeats
two words (with a fixed 50/50 mix the tiny model's loss on it falls from ~6.3 to ~1.4 in 40 steps at lr 3e-3),
"noise" is random letters (its loss stops near 4, the entropy of the letters' tokens, after ~20 steps). A bandit paid by relative loss decrease must move its share toward
"easy"; a fixed mix must stay where it was put.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from ehrmind.config import ConfigError, CorpusSource, default_recipe, load_config
from ehrmind.seed_papers.pretrain import CorpusError, pack, read_source


@pytest.fixture(scope="module")
def two_sources(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("corpus")
    easy = root / "easy.txt"
    easy.write_text("sodium potassium " * 1500)
    rng = random.Random(0)
    noise = root / "noise.jsonl"
    lines = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(400)) for _ in range(60)]
    noise.write_text("".join(json.dumps({"text": line}) + "\n" for line in lines))
    return {"easy": easy, "noise": noise}


def cpt_config(root: Path, model: Path, sources: dict[str, Path], mix: str, **training):
    overrides = {
        "output_dir": str(root), "model": {"path": str(model)},
        "pretrain": {"mix": mix, "block_size": 32, "eta": 0.5, "gamma": 0.1, "discount": 0.95,
                     "corpus": [{"name": n, "path": str(p)} for n, p in sources.items()]},
        "training": {"max_steps": 60, "per_device_train_batch_size": 4, "learning_rate": 3e-3, "logging_steps": 2,
                     "warmup_ratio": 0.0, "lr_scheduler_type": "constant", "save_steps": 1000, **training},
    }
    return load_config(default_recipe("pretrain"), stage="pretrain", overrides=overrides)


def shares(run_dir: Path, name: str) -> list[float]:
    return [r[f"share/{name}"] for r in map(json.loads, (run_dir / "metrics.jsonl").read_text().splitlines())]


def test_bandit_moves_the_mix_toward_the_source_whose_loss_falls_fastest(tmp_path, tiny_model, two_sources):
    from ehrmind.seed_papers.pretrain import run_pretrain

    run_dir = run_pretrain(cpt_config(tmp_path, tiny_model, two_sources, "bandit"), echo=lambda *_: None)
    easy = shares(run_dir, "easy")
    print(f"share of 'easy' over time: {[round(s, 2) for s in easy]}")
    late = easy[len(easy) // 2:]
    # a fixed mix would sit at 0.5 throughout; the bandit spends most of the second half on "easy"
    assert sum(late) / len(late) > 0.6
    assert max(late) > 0.7
    # (once "easy" is learned out its decreases vanish and, with discount < 1, its share falls back: by design)
    # the run directory and report a user reads
    for name in ("config.yaml", "metrics.jsonl", "report.md", "source_share.png", "loss.png", "final/config.json"):
        assert (run_dir / name).exists(), name
    report = (run_dir / "report.md").read_text()
    assert "| easy |" in report and "source_share.png" in report
    summary = json.loads((run_dir / "pretrain_summary.json").read_text())
    assert summary["tokens"] == 60 * 4 * 32 and summary["tokens_per_second"] > 0


def test_fixed_mix_keeps_its_weights(tmp_path, tiny_model, two_sources):
    from ehrmind.seed_papers.pretrain import run_pretrain

    cfg = cpt_config(tmp_path, tiny_model, two_sources, "fixed", max_steps=30)
    cfg.pretrain.corpus[0].weight = 3.0  # easy : noise = 3 : 1
    run_dir = run_pretrain(cfg, echo=lambda *_: None)
    assert set(shares(run_dir, "easy")) == {0.75}
    records = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    picked = sum(r["picked/easy"] for r in records)
    assert sum(r["picked/easy"] + r["picked/noise"] for r in records) == 30
    assert 15 <= picked <= 29  # Binomial(30, 0.75): mean 22.5, sd 2.4


def test_read_source_counts_what_it_skips(tmp_path):
    folder = tmp_path / "src"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("first document")
    (folder / "sub" / "b.md").write_text("second document")
    (folder / "empty.txt").write_text("  \n")
    (folder / "c.jsonl").write_text('{"text": "third"}\nnot json\n{"body": "no text field"}\n["a list"]\n\n')
    (folder / "ignored.csv").write_text("x,y")
    docs, skipped = read_source(CorpusSource(name="s", path=str(folder)))
    assert sorted(docs) == ["first document", "second document", "third"]
    assert skipped == {"empty file": 1, "line not JSON": 1, "no text in field 'text'": 2}


def test_read_source_errors_name_the_source(tmp_path):
    with pytest.raises(CorpusError, match="'gone'.*does not exist"):
        read_source(CorpusSource(name="gone", path=str(tmp_path / "nope")))
    (tmp_path / "x.jsonl").write_text('{"body": "wrong field"}\n')
    with pytest.raises(CorpusError, match="'x': no documents"):
        read_source(CorpusSource(name="x", path=str(tmp_path / "x.jsonl")))


def test_pack_joins_documents_with_eos_and_cuts_full_blocks(tiny_model):
    from ehrmind.stages.models import load_tokenizer

    tok = load_tokenizer(str(tiny_model))
    docs = ["Serum sodium 140 mmol/L.", "Creatinine 1.2 mg/dL."]
    blocks, total = pack(docs, tok, 4)
    expected = [*tok(docs[0], add_special_tokens=False)["input_ids"], tok.eos_token_id,
                *tok(docs[1], add_special_tokens=False)["input_ids"], tok.eos_token_id]
    assert total == len(expected)
    assert [i for b in blocks for i in b] == expected[: len(expected) // 4 * 4]
    assert all(len(b) == 4 for b in blocks)


def test_config_problems_are_listed_before_any_model_loads(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(default_recipe("pretrain"), stage="pretrain", overrides={"pretrain": {"corpus": [
            {"name": "a", "path": str(tmp_path / "missing")}, {"name": "a", "path": str(tmp_path)}]}})
    text = str(err.value)
    assert "used twice" in text and "does not exist" in text
    with pytest.raises(ConfigError, match="no sources"):
        load_config(default_recipe("pretrain"), stage="pretrain")


@pytest.mark.parametrize("command", ["pretrain", "templates"])
def test_new_commands_teach_with_an_example(command):
    from typer.testing import CliRunner

    from ehrmind.cli import app as cli

    cli._mount_subcommands()
    result = CliRunner().invoke(cli.app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output


def test_pretrain_command_rejects_a_bad_corpus_option(tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "ehrmind", "pretrain", "--corpus", "no-equals-sign", "--out",
                             str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "NAME=VALUE" in result.stdout and "Traceback" not in result.stdout + result.stderr
