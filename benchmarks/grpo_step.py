"""One GRPO step, phase by phase: generation, reward, reference/old log-probs, forward+backward, optimizer.

    python benchmarks/grpo_step.py --model tiny --json /tmp/grpo_tiny.json        # CPU, seconds
    python benchmarks/grpo_step.py --model qwen2.5-0.5b --json grpo_05b.json      # GPU: EHRMIND MedCalc settings
    python benchmarks/grpo_step.py --model qwen2.5-1.5b --engine both             # HF generate vs vLLM
    python benchmarks/grpo_step.py --model /models/Qwen2.5-3B-Instruct            # any local config (weights unread)
    bash benchmarks/gpu_check.sh                                                  # the whole GPU check, to $OUT

Why: a GRPO step on a 3B-8B model is dominated by sampling 12 completions of up to 1,500 tokens per prompt;
knowing how the step splits (and how far vLLM moves the generation share) says where a GPU-hour goes before
a run is planned. The phases are written out with torch/transformers, not through TRL's GRPOTrainer, so
each one is timed on its own (CUDA synchronised around every phase, after one small untimed warm-up step).

Models are randomly initialised with real architectures (Qwen2.5-0.5B and -1.5B configs written out below:
no weights, no download). Prompts are random token ids of a fixed length and completions always run to the
token limit (EOS ignored), so the work is the same on every run and in both engines. The reward phase grades
synthetic MedCalc-shaped completions (about four characters per generated token, `<think>` then
`<answer>{"answer": ...}</answer>`, right / wrong / malformed) with EHRMIND's rewards (format failure -2,
wrong 0, right 1.1): a random model's text would fail at the first tag and make the reward look free.

Settings default to EHRMIND's MedCalc recipe on a GPU (group 12, up to 32 prompts per step scaled down to fit
the GPU's memory, 1,500 completion tokens, temperature 0.6, top-p 0.95, KL 0.001) and to a few tokens on CPU.
Reported: seconds and tokens/s per phase, and MFU = model FLOPs / time / peak. Model FLOPs count the matmul
parameters (embedding lookup excluded, the LM head only where logits are computed) at 2 FLOPs per parameter
and token forward, 6 forward+backward; attention-score FLOPs are left out, so MFU is a lower bound. Peak
bf16 dense TFLOPS come from PEAK_TFLOPS by GPU name, or --peak-tflops. vLLM runs only when importable and a
GPU is present ("skipped" otherwise); the policy-to-vLLM weight sync of TRL's colocate mode is not timed.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from grpo_phases import (  # noqa: E402  (benchmarks/ is a folder of scripts, not a package)
    BETA,
    COMPLETION,
    GROUP,
    LR,
    MAX_PROMPTS,
    QWEN,
    TEMPERATURE,
    TOP_P,
    build_model,
    generate_vllm,
    matmul_params,
    run_step,
)

# bf16 dense peak TFLOPS (no sparsity), matched in order against torch.cuda.get_device_name().
PEAK_TFLOPS = (
    ("H100 PCIe", 756.0),
    ("H100 NVL", 835.0),
    ("GH200", 989.0),
    ("H200", 989.0),
    ("H100", 989.0),
    ("A100", 312.0),
    ("L40S", 362.0),
    ("L4", 121.0),
    ("A10", 125.0),
)


SETTINGS = ("prompts", "group", "prompt_tokens", "max_new_tokens", "micro_batch", "gradient_checkpointing")


def peak_tflops(device, override: float | None) -> float | None:
    if override:
        return override
    if device.type != "cuda":
        return None
    import torch

    return peak_for_gpu(torch.cuda.get_device_name(device))


def peak_for_gpu(name: str) -> float | None:
    """bf16 dense peak TFLOPS for a CUDA device name (most specific entry first: "H100 PCIe" before "H100")."""
    return next((tflops for key, tflops in PEAK_TFLOPS if key in name), None)


def add_rates_and_mfu(result: dict[str, Any], body: int, head: int, peak: float | None) -> None:
    """tokens/s per phase, model FLOPs per phase, training MFU and whole-step MFU."""
    s = result["settings"]
    n, p_len, c = s["prompts"] * s["group"], s["prompt_tokens"], s["max_new_tokens"]
    flops = {
        "generation_hf": 2 * (body * n * (p_len + c) + head * n * c),
        "ref_logprobs": 2 * (body * n * (p_len + c) + head * n * (c + 1)),
        "backward": 6 * (body * n * (p_len + c) + head * n * (c + 1)),
    }
    flops["old_logprobs"] = flops["ref_logprobs"]
    for name, ph in result["phases"].items():
        if ph.get("seconds"):
            for count, rate in (("tokens", "tokens_per_s"), ("completions", "completions_per_s")):
                if ph.get(count):
                    ph[rate] = ph[count] / ph["seconds"]
            if name in flops:
                ph["model_tflops"] = flops[name] / 1e12
    step = sum(
        ph["seconds"] for k, ph in result["phases"].items() if k != "generation_vllm" and "seconds" in ph
    )
    result["step_seconds_hf"] = step
    why = None if peak else "no peak FLOPS known for this device: pass --peak-tflops"
    result["mfu"] = {
        "peak_tflops": peak,
        "training": flops["backward"] / result["phases"]["backward"]["seconds"] / (peak * 1e12)
        if peak
        else None,
        "step": sum(flops.values()) / step / (peak * 1e12) if peak else None,
        **({"why_none": why} if why else {}),
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"GRPO step: {result['model']} on {result['device']} ({result['matmul_params'] / 1e6:.1f} M matmul params)",
        "",
        "| phase | seconds | work | rate |",
        "|---|---:|---:|---:|",
    ]
    for name, ph in result["phases"].items():
        if "skipped" in ph:
            lines.append(f"| {name} | skipped: {ph['skipped']} | | |")
            continue
        work = f"{ph['tokens']} tok" if "tokens" in ph else ""
        rate = f"{ph['tokens_per_s']:,.0f} tok/s" if "tokens_per_s" in ph else ""
        if "completions" in ph:
            work += f", {ph['completions']} completions"
            rate += f", {ph['completions_per_s']:,.0f} completions/s"
        lines.append(f"| {name} | {ph['seconds']:.3f} | {work} | {rate} |")
    m = result["mfu"]

    def fmt(x: float | None) -> str:
        return f"{x:.1%}" if x is not None else "n/a"

    lines += [
        "",
        f"step (HF generate): {result['step_seconds_hf']:.3f} s; MFU training {fmt(m['training'])}, "
        f"whole step {fmt(m['step'])} (peak {m['peak_tflops'] or 'unknown'} TFLOPS)",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    ap.add_argument(
        "--model", default="tiny", help=f"tiny, {', '.join(QWEN)}, or a directory with config.json"
    )
    ap.add_argument("--device", default="auto", help="auto (cuda if present), cpu or cuda")
    ap.add_argument("--engine", choices=("hf", "vllm", "both"), default="both")
    ap.add_argument(
        "--prompts", type=int, help=f"prompts per step (GPU default: up to {MAX_PROMPTS}, fitted)"
    )
    ap.add_argument("--group", type=int, help=f"completions per prompt (default {GROUP})")
    ap.add_argument("--prompt-tokens", type=int, help="prompt length (GPU default 1024, CPU 32)")
    ap.add_argument(
        "--max-new-tokens", type=int, help=f"completion length (GPU default {COMPLETION}, CPU 16)"
    )
    ap.add_argument("--micro-batch", type=int, default=4, help="sequences per log-prob / training forward")
    ap.add_argument("--gen-batch", type=int, help="prompts per HF generate call (default: all)")
    ap.add_argument("--gradient-checkpointing", action=argparse.BooleanOptionalAction, default=None)
    ap.add_argument("--vllm-gpu-memory-utilization", type=float, default=0.3)
    ap.add_argument("--precision", choices=("mixed", "bf16", "fp32"),
                    help="mixed: fp32 master weights + bf16 autocast, as `ehrmind rl` trains (GPU default); "
                         "bf16: pure bf16 weights; fp32 (CPU default)")
    ap.add_argument("--peak-tflops", type=float, help="peak bf16 TFLOPS if the GPU is not in the table")
    ap.add_argument("--threads", type=int, help="CPU threads for torch (1 is steadiest on a shared machine)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    return ap.parse_args(argv)


def fit_prompts(model, args, device) -> int:
    """EHRMIND's 32 prompts per step, scaled down until the KV cache of one step fits in 40% of free memory."""
    import torch

    if args.prompts:
        return args.prompts
    if device.type != "cuda":
        return 2
    cfg = model.config
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    per_token = 2 * cfg.num_hidden_layers * cfg.num_key_value_heads * head_dim * 2  # K and V in bf16
    free, _ = torch.cuda.mem_get_info(device)
    per_prompt = args.group * (args.prompt_tokens + args.max_new_tokens) * per_token
    return max(1, min(MAX_PROMPTS, int(0.4 * free // per_prompt)))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    import importlib.util

    import torch

    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(
        ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    )
    gpu = device.type == "cuda"
    args.group = args.group or (GROUP if gpu else 4)
    args.prompt_tokens = args.prompt_tokens or (1024 if gpu else 32)
    args.max_new_tokens = args.max_new_tokens or (COMPLETION if gpu else 16)
    if args.group < 2 or args.prompt_tokens < 1 or args.max_new_tokens < 1:
        raise SystemExit("--group must be >= 2 (GRPO compares completions within a group); lengths >= 1")
    args.precision = args.precision or ("mixed" if gpu else "fp32")
    model = build_model(args.model, device, torch.bfloat16 if args.precision == "bf16" else torch.float32)
    args.gradient_checkpointing = gpu if args.gradient_checkpointing is None else args.gradient_checkpointing
    if args.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    ref = copy.deepcopy(model).eval().requires_grad_(False)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR)
    args.prompts = fit_prompts(model, args, device)
    gen = torch.Generator(device="cpu").manual_seed(0)
    vocab = model.config.vocab_size
    prompts = torch.randint(0, vocab, (args.prompts, args.prompt_tokens), generator=gen).to(device)

    # Untimed warm-up (allocator, kernels): a one-prompt step with short completions.
    warm = argparse.Namespace(**{**vars(args), "max_new_tokens": 4, "group": 2})
    autocast = (torch.autocast(device.type, dtype=torch.bfloat16) if args.precision == "mixed"
                else contextlib.nullcontext())  # fmt: skip
    with autocast:
        run_step(model, ref, optimizer, warm, prompts[:1], device)
    if gpu:
        torch.cuda.reset_peak_memory_stats(device)
    with autocast:
        phases = run_step(model, ref, optimizer, args, prompts, device)
    peak_gb = torch.cuda.max_memory_allocated(device) / 2**30 if gpu else None
    if args.engine in ("vllm", "both"):
        if importlib.util.find_spec("vllm") is None or not gpu:
            phases["generation_vllm"] = {"skipped": "vLLM not installed" if gpu else "vLLM needs a CUDA GPU"}
        else:
            torch.cuda.empty_cache()  # hand the allocator's cached blocks back before vLLM sizes its KV cache
            seconds, tokens = generate_vllm(
                model, prompts, args.group, args.max_new_tokens, args.vllm_gpu_memory_utilization
            )
            phases["generation_vllm"] = {"seconds": seconds, "tokens": tokens}
    if args.engine == "vllm":  # HF generation still ran (the rest of the step needs completions); say so
        phases["generation_hf"]["note"] = "timed anyway: the later phases need its completions"
    body, head = matmul_params(model)
    result: dict[str, Any] = {
        "model": args.model,
        "device": torch.cuda.get_device_name(device) if gpu else f"cpu ({torch.get_num_threads()} threads)",
        "torch": torch.__version__,
        "matmul_params": body + head,
        "settings": {k: getattr(args, k) for k in SETTINGS}
        | {
            "temperature": TEMPERATURE,
            "top_p": TOP_P,
            "beta": BETA,
            "lr": LR,
            "precision": args.precision,
        },
        "phases": phases,
        "peak_memory_gb_hf_step": peak_gb,
    }
    add_rates_and_mfu(result, body, head, peak_tflops(device, args.peak_tflops))
    print(markdown(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
