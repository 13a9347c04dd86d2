"""benchmarks/grpo_step.py on the tiny model (CPU): every phase timed, tokens/s and MFU consistent."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROMPTS, GROUP, PROMPT_TOKENS, NEW_TOKENS = 2, 3, 12, 6
PHASES = ("generation_hf", "reward", "ref_logprobs", "old_logprobs", "backward", "optimizer")


def _load(name: str):
    sys.path.insert(0, str(REPO / "benchmarks"))
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    return _load("grpo_step")


@pytest.fixture(scope="module")
def run(bench, tmp_path_factory):
    import torch

    out = tmp_path_factory.mktemp("bench") / "grpo.json"
    threads = torch.get_num_threads()
    args = ["--model", "tiny", "--device", "cpu", "--threads", "1", "--prompts", str(PROMPTS),
            "--group", str(GROUP), "--prompt-tokens", str(PROMPT_TOKENS), "--max-new-tokens", str(NEW_TOKENS),
            "--micro-batch", "2", "--peak-tflops", "0.5", "--json", str(out)]  # fmt: skip
    try:
        result = bench.main(args)
    finally:
        torch.set_num_threads(threads)  # the benchmark's setting must not leak into other tests
    return result, json.loads(out.read_text())


def test_every_phase_is_timed_with_rates(run):
    result, written = run
    assert written == json.loads(json.dumps(result))
    phases = written["phases"]
    for name in PHASES:
        assert phases[name]["seconds"] > 0, name
    n = PROMPTS * GROUP
    # EOS is ignored, so every completion runs to the limit and the work is the same on every run.
    assert phases["generation_hf"]["tokens"] == n * NEW_TOKENS
    for name in ("ref_logprobs", "old_logprobs", "backward"):
        assert phases[name]["tokens"] == n * (PROMPT_TOKENS + NEW_TOKENS)
    for name in ("generation_hf", "reward", "ref_logprobs", "old_logprobs", "backward"):
        ph = phases[name]
        assert ph["tokens_per_s"] == pytest.approx(ph["tokens"] / ph["seconds"])
    assert phases["reward"]["completions"] == n
    # The GRPO loss produced a real gradient (groups hold right and wrong answers: non-zero advantages).
    assert math.isfinite(phases["backward"]["grad_norm"]) and phases["backward"]["grad_norm"] > 0
    assert written["settings"]["group"] == GROUP and written["settings"]["gradient_checkpointing"] is False


def test_vllm_is_reported_as_skipped_on_cpu(run):
    assert "CUDA" in run[1]["phases"]["generation_vllm"]["skipped"]


def test_mfu_follows_six_n_tokens(run):
    written = run[1]
    phases, mfu = written["phases"], written["mfu"]
    # Forward+backward is 3x a forward over the same tokens; MFU is model FLOPs / time / peak.
    assert phases["backward"]["model_tflops"] == pytest.approx(3 * phases["ref_logprobs"]["model_tflops"])
    assert mfu["training"] == pytest.approx(
        phases["backward"]["model_tflops"] / phases["backward"]["seconds"] / 0.5
    )
    assert 0 < mfu["step"] < 1 and mfu["peak_tflops"] == 0.5
    step = sum(phases[p]["seconds"] for p in PHASES)
    assert written["step_seconds_hf"] == pytest.approx(step)


def test_markdown_lists_every_phase(bench, run, capsys):
    text = bench.markdown(run[0])
    for name in (*PHASES, "generation_vllm"):
        assert f"| {name} |" in text
    assert "MFU training" in text


def test_rewards_follow_ehrmind_scheme():
    phases = _load("grpo_phases")
    import torch

    _, rewards = phases.reward_phase(4 * GROUP, GROUP, chars=200, device=torch.device("cpu"))
    assert set(rewards) <= {1.1, 0.0, -2.0}
    for g in range(4):
        group = rewards[g * GROUP : (g + 1) * GROUP]
        assert 1.1 in group and 0.0 in group  # every group can be ranked


@pytest.mark.parametrize(
    ("name", "peak"),
    [("NVIDIA H100 80GB HBM3", 989.0), ("NVIDIA H100 PCIe", 756.0), ("NVIDIA H200", 989.0),
     ("NVIDIA A100-SXM4-80GB", 312.0), ("NVIDIA L40S", 362.0), ("NVIDIA L4", 121.0), ("NVIDIA A10G", 125.0),
     ("Some Future GPU", None)],
)  # fmt: skip
def test_peak_table_prefers_the_most_specific_name(bench, name, peak):
    assert bench.peak_for_gpu(name) == peak
