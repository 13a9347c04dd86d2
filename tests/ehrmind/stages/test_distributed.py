"""Two CPU processes through `accelerate launch` (recipes/accelerate/cpu2.yaml): warm-up and GRPO.

Why: multi-GPU bugs (each rank naming its own run directory, every rank writing the final model, metrics
and report) only show with more than one process. gloo on CPU runs the same code path as NCCL on GPUs,
so CI catches them without a GPU. Both runs use the tiny model, 2 steps and tiny lengths (~30 s each).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
CPU2 = REPO / "recipes" / "accelerate" / "cpu2.yaml"
TRAIN_ROWS = 8


def _free_port() -> int:
    # Other test sessions may launch at the same time: never rely on the default 29500.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(stage: str, out: Path, model: Path | None, *sets: str, processes: int = 2) -> str:
    launcher = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(CPU2),
                "--main_process_port", str(_free_port())] if processes == 2 else [sys.executable]  # fmt: skip
    cmd = [
        *launcher,
        "-m", "ehrmind", stage, "--out", str(out), *(["--model", str(model)] if model else []),
        "--set", "training.max_steps=2", "--set", "training.logging_steps=1",
        "--set", f"data.max_train_rows={TRAIN_ROWS}", "--set", "training.warmup_ratio=0",
        *[arg for s in sets for arg in ("--set", s)],
    ]  # fmt: skip
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "CUDA_VISIBLE_DEVICES": "",
        "OMP_NUM_THREADS": "1",
        "COLUMNS": "300",
    }
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    return output


def _one_run(out: Path, stage: str) -> Path:
    runs = [p for p in (out / stage).iterdir() if p.is_dir()]
    assert len(runs) == 1, f"expected one run directory shared by both ranks, got {runs}"
    return runs[0]


def _check_run(run: Path, output: str) -> list[dict]:
    assert output.count("run directory:") == 2, "both ranks should start (and report the same directory)"
    assert output.count(f"run directory: {run}") == 2
    final = run / "final"
    assert (final / "config.json").exists() and (final / "model.safetensors").exists()
    assert (final / "tokenizer.json").exists()
    assert (run / "report.md").exists() and (run / "config.yaml").exists() and (run / "env.json").exists()
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    steps = [r["step"] for r in records if "loss" in r]
    assert steps == [1, 2], f"each logging step once (rank 0 only), got {steps}"
    from ehrmind.stages.models import load_model_and_tokenizer

    model, _ = load_model_and_tokenizer(str(final))
    assert model.config.model_type == "qwen2"
    return records


# A two-process launch can rarely fail outside the code under test (seen once in ~16 runs; e.g. the
# rendezvous port is chosen before torchrun binds it). A rerun must then pass with every assertion intact.
@pytest.mark.flaky(reruns=2)
def test_rl_with_two_processes(tmp_path):
    out = tmp_path / "runs"
    # No --model and no warm-up run: the demo's tiny model is built under runs/ (by rank 0 only, once).
    output = _launch("rl", out, None, *RL_BATCH)
    records = _check_run(_one_run(out, "rl"), output)
    tiny = out / "tiny-model"
    assert (tiny / "config.json").exists()
    assert output.count(f"model: {tiny}\n") == 2  # both ranks start from the one model rank 0 built
    # prompts_per_step=2 over two ranks (1 completion per micro-batch, accumulation derived: 2): 2 of the 8
    # prompts per optimizer step, the same as one process below (accumulation 4).
    first = next(r for r in records if r["step"] == 1 and "loss" in r)
    assert first["epoch"] == pytest.approx(2 / TRAIN_ROWS)
    assert "4 completions per step (1 per device x 2 accumulation x 2 processes)" in output


# The recipe's global batch, not a per-device one: per_device 1 is not a multiple of the group size 2
# (TRL only needs whole groups per generation batch).
RL_BATCH = ("generation.num_generations=2", "generation.prompts_per_step=2", "training.per_device_train_batch_size=1",
            "generation.max_completion_length=8")  # fmt: skip


def test_rl_one_process_trains_the_same_global_batch(tmp_path):
    out = tmp_path / "runs"
    output = _launch("rl", out, None, *RL_BATCH, processes=1)
    run = _one_run(out, "rl")
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    first = next(r for r in records if r["step"] == 1 and "loss" in r)
    assert first["epoch"] == pytest.approx(2 / TRAIN_ROWS), output[-2000:]
    assert "4 completions per step (1 per device x 4 accumulation x 1 processes)" in output


@pytest.mark.flaky(reruns=2)
def test_warmup_with_two_processes(tiny_model, tmp_path):
    out = tmp_path / "runs"
    output = _launch(
        "warmup", out, tiny_model,
        "training.per_device_train_batch_size=1", "training.max_length=512", "warmup.knowledge_cards=0",
    )  # fmt: skip
    records = _check_run(_one_run(out, "warmup"), output)
    first = next(r for r in records if r["step"] == 1 and "loss" in r)
    assert first["epoch"] == pytest.approx(2 / TRAIN_ROWS)


ACCELERATE = sorted((REPO / "recipes" / "accelerate").glob("*.yaml"))


@pytest.mark.parametrize("path", ACCELERATE, ids=lambda p: p.stem)
def test_every_accelerate_config_saves_weights_the_next_stage_loads(path):
    """transformers' save_model (trainer.py, 5.x) writes weights under FSDP only for FULL_STATE_DICT, and under
    ZeRO-3 a loadable file only with zero3_save_16bit_model (else an empty state dict and zero_to_fp32)."""
    import yaml

    cfg = yaml.safe_load(path.read_text())
    kind = cfg["distributed_type"]
    if kind == "FSDP":
        assert cfg["fsdp_config"]["fsdp_state_dict_type"] == "FULL_STATE_DICT"
    if kind == "DEEPSPEED" and cfg["deepspeed_config"]["zero_stage"] == 3:
        assert cfg["deepspeed_config"]["zero3_save_16bit_model"] is True
    if not cfg.get("use_cpu"):
        assert cfg["mixed_precision"] == "bf16"  # bf16 compute over ehrmind's fp32 master weights


def test_final_save_gathers_a_sharded_fsdp_state_dict():
    # A user's own SHARDED_STATE_DICT config: save_final switches the plugin to FULL before save_model.
    from types import SimpleNamespace

    from accelerate.utils import FullyShardedDataParallelPlugin

    from ehrmind.stages.train_common import full_state_dict_on_save, sharding

    plugin = FullyShardedDataParallelPlugin(fsdp_version=2, state_dict_type="SHARDED_STATE_DICT")
    trainer = SimpleNamespace(accelerator=SimpleNamespace(state=SimpleNamespace(fsdp_plugin=plugin)),
                              is_fsdp_enabled=True, is_deepspeed_enabled=False)  # fmt: skip
    assert "FULL_STATE_DICT" not in str(plugin.state_dict_type)
    full_state_dict_on_save(trainer)
    assert "FULL_STATE_DICT" in str(plugin.state_dict_type)
    assert type(plugin.state_dict_config).__name__ == "FullStateDictConfig"
    assert sharding(trainer) == "fsdp"
    zero3 = SimpleNamespace(is_fsdp_enabled=False, is_deepspeed_enabled=True, accelerator=SimpleNamespace(
        state=SimpleNamespace(deepspeed_plugin=SimpleNamespace(zero_stage=3))))
    zero2 = SimpleNamespace(is_fsdp_enabled=False, is_deepspeed_enabled=True, accelerator=SimpleNamespace(
        state=SimpleNamespace(deepspeed_plugin=SimpleNamespace(zero_stage=2))))
    assert (sharding(zero3), sharding(zero2)) == ("zero3", None)


def test_curriculum_files_are_written_by_rank_zero_only(tmp_path, monkeypatch):
    """Every file the curriculum writes goes through runs.on_main_process (rank 0 writes, the others get its
    result): checked by failing any write made outside it. The stages' training itself is faked here."""
    import yaml

    from ehrmind.seed_papers import curriculum
    from ehrmind.stages import runs

    inside = {"depth": 0}
    real_on_main = runs.on_main_process

    def tracking_on_main(make):
        inside["depth"] += 1
        try:
            return real_on_main(make)
        finally:
            inside["depth"] -= 1

    real_write = Path.write_text

    def guarded_write(self, *args, **kwargs):
        if str(self).startswith(str(tmp_path / "runs" / "curriculum")):
            assert inside["depth"], f"{self} written outside on_main_process (every rank would write it)"
        return real_write(self, *args, **kwargs)

    def fake_rl(config, echo=print):
        run = tmp_path / "runs" / "rl" / config.run_name
        (run / "final").mkdir(parents=True)
        (run / "metrics.jsonl").write_text(json.dumps({"step": 1, "reward": 0.5}) + "\n")
        return run

    monkeypatch.setattr(runs, "on_main_process", tracking_on_main)
    monkeypatch.setattr(Path, "write_text", guarded_write)
    monkeypatch.setattr("ehrmind.stages.rl.run_rl", fake_rl)
    stage = REPO / "recipes" / "medssr" / "stage2_gold.yaml"
    plan = {"stage": "curriculum", "description": "two gold stages",
            "overrides": {"output_dir": str(tmp_path / "runs"), "data.train": "bundled", "data.eval": "bundled",
                          "model.fallback": "tiny", "generation.num_generations": 2,
                          "generation.prompts_per_step": 2, "training.per_device_train_batch_size": 4},
            "stages": [{"name": "a", "recipe": str(stage)}, {"name": "b", "recipe": str(stage)}]}  # fmt: skip
    path = tmp_path / "curriculum.yaml"
    path.write_text(yaml.safe_dump(plan))
    cdir = curriculum.run_curriculum(path, echo=lambda *_: None)
    assert {p.name for p in cdir.iterdir()} >= {"curriculum.yaml", "stages.json", "report.md"}
    assert len(json.loads((cdir / "stages.json").read_text())) == 2
