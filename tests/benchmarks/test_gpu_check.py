"""benchmarks/gpu_check.sh in its reduced CPU mode (--dry-run): every step of the GPU check runs end to end.

Why in the default suite: the GPU check is run rarely, on a borrowed GPU with minutes to spare; a script that
broke since (a renamed flag, a moved file) would waste that time. The dry run takes the same code paths with
tiny sizes and HF generate instead of vLLM (~1-3 min on a shared 2-core machine).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_gpu_check_dry_run_runs_every_step(tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "OUT": str(out), "PYTHON": sys.executable, "CUDA_VISIBLE_DEVICES": "",
           "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}  # fmt: skip
    result = subprocess.run(["bash", str(REPO / "benchmarks" / "gpu_check.sh"), "--dry-run"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=900)  # fmt: skip
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["dry_run"] is True and (out / "summary.md").exists()
    grpo = summary["grpo_step"]["tiny"]
    assert grpo["rc"] == 0 and grpo["hf_generate_tokens_per_s"] > 0 and grpo["train_mfu"] > 0
    assert grpo["vllm"] == "vLLM needs a CUDA GPU"  # said, not silently missing
    rl = summary["rl"]
    assert rl["rc"] == 0 and rl["steps"] == 3 and rl["mean_step_seconds"] > 0
    assert rl["peak_child_rss_gb"] > 0
    reload = summary["reload"]
    assert reload["loads"] is True and reload["generated_tokens"] == 4
    assert (out / "logs" / "rl.log").exists() and (out / "grpo_step_tiny.json").exists()


def test_gpu_mode_refuses_without_a_gpu(tmp_path):
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "gpu_check.py"), "--out", str(tmp_path / "o")],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode != 0 and "--dry-run" in result.stderr
