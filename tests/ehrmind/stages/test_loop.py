"""The whole loop learns, on CPU, with the tiny offline model (seeded).

- warm-up: held-out format compliance goes from ~0 (random weights) to >= 80 %;
- GRPO on a toy verifiable task (a label whose right answer the warm-up did not teach; format +
  diagnosis_label rewards) raises the mean reward by >= 0.2 between the first and last logging steps;
- `rl --resume` after a crash continues from the last checkpoint at the right step.
These are the slowest tests of the default run (a few minutes on 2 cores) and the only proof that training
works, so they are not marked slow.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ehrmind.config import default_recipe, load_config
from ehrmind.stages.evaluate import generate, grade
from ehrmind.stages.models import load_model_and_tokenizer
from ehrmind.tasks.load import load_split


def config(stage: str, root: Path, model: Path | None, **sections):
    overrides = {"output_dir": str(root), "report": True, **sections}
    if model is not None:
        overrides["model"] = {"path": str(model)}
    return load_config(default_recipe(stage), stage=stage, overrides=overrides)


def format_compliance(model_path: Path, cfg, n_rows: int = 32) -> float:
    rows = load_split(cfg.data, "eval")[:n_rows]
    model, tok = load_model_and_tokenizer(str(model_path))
    completions = generate(model, tok, [r["prompt"] for r in rows], k=1, config=cfg)
    graded = grade(rows, completions)
    return sum(g["format_ok"][0] for g in graded) / len(graded)


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("loop")


@pytest.fixture(scope="module")
def warmed(root, tiny_model) -> Path:
    from ehrmind.stages.warmup import run_warmup

    run_dir = run_warmup(config("warmup", root / "full", tiny_model), echo=lambda *_: None)
    return run_dir


def test_warmup_teaches_the_answer_format(warmed, tiny_model, root):
    eval_cfg = config("eval", root / "full", None)
    before = format_compliance(tiny_model, eval_cfg)
    after = format_compliance(warmed / "final", eval_cfg)
    print(f"format compliance: untrained {before:.0%} -> after warm-up {after:.0%}")
    assert before <= 0.05
    assert after >= 0.8
    # the run directory has everything a user needs to read the run
    for name in ("config.yaml", "env.json", "metrics.jsonl", "report.md", "loss.png", "final/config.json"):
        assert (warmed / name).exists(), name
    losses = [r["loss"] for r in map(json.loads, (warmed / "metrics.jsonl").read_text().splitlines()) if "loss" in r]
    assert losses[-1] < losses[0] / 3


def toy_rows(path: Path, n: int = 160) -> Path:
    """A toy verifiable label task: the right answer is always "yes".

    The warm-up completions say "no" three times in four, so SFT teaches the format and a wrong prior; only
    the verifiable reward can teach the right answer, which is what GRPO must show.
    """
    import random

    from ehrmind.tasks.prompts import chat_prompt
    from ehrmind.tasks.schema import write_jsonl
    from rewards.parse import DEFAULT_FORMAT

    rng = random.Random(0)
    gold = {"kind": "label", "value": "yes", "choices": ["no", "yes"]}
    rows = []
    for i in range(n):
        sodium = rng.randint(120, 150)
        rows.append({
            "id": f"toy/{i}", "task": "knowledge/toy", "patient_id": f"toy-{i}", "split": "train",
            "prompt": chat_prompt(f"Serum sodium: {sodium} mmol/L.", "Toy question: is this a sodium value?", gold),
            "gold": json.dumps(gold), "meta": "{}",
            "completion": DEFAULT_FORMAT.render(f"The note gives sodium {sodium} mmol/L.", rng.choice(["yes", "no", "no", "no"])),
        })
    write_jsonl(rows, path)
    return path


def test_grpo_raises_the_mean_reward_on_a_toy_task(root, tiny_model):
    from ehrmind.stages.rl import run_rl
    from ehrmind.stages.runs import read_metrics
    from ehrmind.stages.warmup import run_warmup

    toy_root = root / "toy"
    data = {"train": str(toy_rows(toy_root / "toy.jsonl")), "eval": str(toy_root / "toy.jsonl")}
    run_warmup(config("warmup", toy_root, tiny_model, data=data, warmup={"knowledge_cards": 0, "task_rubrics": False},
                      training={"max_steps": 300, "save_steps": 1000}), echo=lambda *_: None)
    # The toy label is always "yes" (the warm-up prior says otherwise): single-class on purpose, so opt in.
    run_dir = run_rl(config("rl", toy_root, None, data={**data, "allow_single_class": True},
                            training={"max_steps": 60, "learning_rate": 5e-4, "logging_steps": 4,
                                      "per_device_train_batch_size": 16, "save_steps": 1000},
                            generation={"max_completion_length": 48, "temperature": 1.0, "num_generations": 8},
                            rewards=[{"name": "format", "weight": 1.0}, {"name": "diagnosis_label", "weight": 1.0}]),
                     echo=lambda *_: None)
    logs = [r for r in read_metrics(run_dir) if "reward" in r]
    first, last = logs[:3], logs[-3:]

    def mean(key, items):
        return sum(r[key] for r in items) / len(items)

    print(f"GRPO mean reward {mean('reward', first):.2f} -> {mean('reward', last):.2f}; accuracy "
          f"{mean('rewards/diagnosis_label/mean', first):.2f} -> {mean('rewards/diagnosis_label/mean', last):.2f}")
    assert mean("reward", last) >= mean("reward", first) + 0.2
    assert mean("rewards/diagnosis_label/mean", last) >= mean("rewards/diagnosis_label/mean", first) + 0.2
    assert (run_dir / "report.md").exists() and (run_dir / "reward.png").exists()


def test_rl_resume_continues_at_the_right_step(root, warmed, monkeypatch):
    import ehrmind.stages.runs
    from ehrmind.stages.rl import run_rl

    res_root = root / "resume"
    cfg = config("rl", res_root, warmed / "final",
                 training={"max_steps": 4, "save_steps": 2, "logging_steps": 1},
                 generation={"max_completion_length": 32})
    real_callback = ehrmind.stages.runs.metrics_callback

    def crashing_callback(run_dir):
        callback = real_callback(run_dir)
        original = callback.on_step_end

        def on_step_end(args, state, control, **kwargs):
            if state.global_step == 3:
                raise RuntimeError("simulated crash at step 3")
            return original(args, state, control, **kwargs) if original else None

        callback.on_step_end = on_step_end
        return callback

    monkeypatch.setattr(ehrmind.stages.runs, "metrics_callback", crashing_callback)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_rl(cfg, echo=lambda *_: None)
    monkeypatch.setattr(ehrmind.stages.runs, "metrics_callback", real_callback)

    messages: list[str] = []
    run_dir = run_rl(cfg, resume=True, echo=lambda m: messages.append(str(m)))
    assert any("checkpoint-2" in m for m in messages), messages
    state = json.loads((run_dir / "checkpoints" / "checkpoint-4" / "trainer_state.json").read_text())
    assert state["global_step"] == 4
    steps = [r["step"] for r in map(json.loads, (run_dir / "metrics.jsonl").read_text().splitlines()) if "loss" in r]
    assert steps[-2:] == [3, 4]  # the resumed run logged steps 3 and 4, after the crash's 1 and 2
    assert len(list((run_dir.parent).iterdir())) == 1  # resumed in place, not a new run


def test_prompts_over_max_prompt_length_are_counted_in_the_report(tiny_model, tmp_path):
    """Rows whose prompt does not fit are skipped (a cut record would change the gold) and counted in report.md."""
    from ehrmind.stages.models import load_tokenizer
    from ehrmind.stages.rl import run_rl

    cfg = config("rl", tmp_path, tiny_model)
    tok = load_tokenizer(str(tiny_model))
    rows = load_split(cfg.data, "train")
    def n_tokens(prompt) -> int:
        ids = tok.apply_chat_template(prompt, tokenize=True, add_generation_prompt=True)
        return len(ids["input_ids"] if hasattr(ids, "keys") else ids)

    lengths = sorted(n_tokens(r["prompt"]) for r in rows)
    limit = lengths[len(lengths) // 2]
    expected = sum(n > limit for n in lengths)  # recount with the tokenizer itself
    assert 0 < expected < len(rows)
    cfg = config("rl", tmp_path, tiny_model, generation={"max_prompt_length": limit, "max_completion_length": 8,
                                                         "num_generations": 2, "use_vllm": "off"},
                 training={"max_steps": 1, "per_device_train_batch_size": 2, "logging_steps": 1})  # fmt: skip
    run = run_rl(cfg, echo=lambda *_: None)
    report = (run / "report.md").read_text()
    assert f'"skipped_prompt_over_max_prompt_length": {expected}' in report
    assert f'"train_rows_used": {len(rows) - expected}' in report


def test_reward_stat_counts_do_not_overwrite_trls_fail_metrics(tmp_path):
    """TRL logs each reward's per-batch `format/fail/<reason>` fraction (via log_metric); the rewards.stats
    totals are counts under the same names, so metrics.jsonl must keep both, the counts under a prefix."""
    from types import SimpleNamespace

    from ehrmind.stages.runs import STATS_PREFIX, metrics_callback
    from rewards import make_reward, stats

    stats.snapshot_and_reset()
    make_reward("format")(prompts=None, completions=["no tags", "", "<think>a</think><answer>1</answer>", "x"])
    counts = stats.snapshot()
    callback = metrics_callback(tmp_path)
    trl_logs = {"loss": 0.1, "format/fail/missing_answer_tag": 0.25}
    callback.on_log(None, SimpleNamespace(is_world_process_zero=True, global_step=1, epoch=0.5), None,
                    logs=dict(trl_logs))  # fmt: skip
    record = json.loads((tmp_path / "metrics.jsonl").read_text())
    assert record["format/fail/missing_answer_tag"] == 0.25  # TRL's value, untouched
    for key, value in counts.items():
        assert record[f"{STATS_PREFIX}{key}"] == value
    assert any("/fail/" in k for k in counts)
