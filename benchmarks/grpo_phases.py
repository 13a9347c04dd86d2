"""The phases of one GRPO step, each a plain function so `grpo_step.py` can time them one by one.

Generation (HF generate; vLLM offline engine), reward (EHRMIND's MedCalc rewards on synthetic
completions), per-token log-probs under no_grad (reference and old policy), and the policy's
forward+backward with the GRPO loss. See `grpo_step.py` for the command and what is measured.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QWEN = {  # published Qwen2.5 architectures (config.json of Qwen/Qwen2.5-{0.5B,1.5B}-Instruct)
    "qwen2.5-0.5b": dict(
        hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14
    ),
    "qwen2.5-1.5b": dict(
        hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12
    ),
}
QWEN_COMMON = dict(
    vocab_size=151936,
    num_key_value_heads=2,
    max_position_embeddings=32768,
    rope_theta=1e6,
    rms_norm_eps=1e-6,
    tie_word_embeddings=True,
)
# The tiny offline model's architecture (ehrmind.stages.models.build_tiny_model defaults).
TINY = dict(
    vocab_size=1024,
    hidden_size=96,
    intermediate_size=288,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    max_position_embeddings=2048,
    tie_word_embeddings=True,
)
# EHRMIND's MedCalc GRPO settings (recipes/medcalc/rl.yaml): group size, prompts per step, completion
# tokens, sampling, KL coefficient, clipping and learning rate.
GROUP = 12
MAX_PROMPTS = 32
COMPLETION = 1500
TEMPERATURE, TOP_P = 0.6, 0.95
BETA, EPSILON, LR = 0.001, 0.2, 1e-6


def build_model(name: str, device, dtype):
    """A randomly initialised causal LM: a named architecture, or a local checkpoint's config.json."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, Qwen2Config

    if name == "tiny":
        config = Qwen2Config(**TINY)
    elif name in QWEN:
        config = Qwen2Config(**QWEN[name], **QWEN_COMMON)
    elif (Path(name) / "config.json").is_file():
        config = AutoConfig.from_pretrained(name, local_files_only=True, trust_remote_code=False)
    else:
        raise SystemExit(f"--model {name!r}: use tiny, {', '.join(QWEN)} or a directory with a config.json")
    config.use_cache = True
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config, dtype=dtype)
    return model.to(device)


def matmul_params(model) -> tuple[int, int]:
    """(body, head): parameters used as matmuls per token (embedding lookup excluded), LM head apart."""
    head = model.get_output_embeddings().weight.numel()
    embed = model.get_input_embeddings().weight.numel()
    total = sum(p.numel() for p in model.parameters())
    tied = model.get_output_embeddings().weight is model.get_input_embeddings().weight
    return total - embed - (0 if tied else head), head


class Timer:
    """Wall time of a block with the GPU synchronised on both sides."""

    def __init__(self, device):
        self.device = device

    def _sync(self):
        if self.device.type == "cuda":
            import torch

            torch.cuda.synchronize(self.device)

    def __enter__(self):
        self._sync()
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self._sync()
        self.seconds = time.perf_counter() - self.start


def generate_hf(model, prompts, group: int, max_new: int, gen_batch: int):
    """Sampled completions (group per prompt) with model.generate; EOS ignored so lengths are fixed."""
    import torch
    from transformers import GenerationConfig

    config = GenerationConfig(
        do_sample=True,
        temperature=TEMPERATURE,
        top_p=TOP_P,
        max_new_tokens=max_new,
        num_return_sequences=group,
        eos_token_id=None,
        pad_token_id=0,
        use_cache=True,
    )
    model.eval()
    outs = []
    with torch.no_grad():
        for start in range(0, len(prompts), gen_batch):
            ids = prompts[start : start + gen_batch]
            out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), generation_config=config)
            outs.append(out[:, ids.shape[1] :])
    return torch.cat(outs)


def generate_vllm(model, prompts, group: int, max_new: int, memory: float):
    """The same sampling with vLLM's offline engine on the same random weights (saved to a temp dir)."""
    import torch
    from vllm import LLM, SamplingParams

    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        llm = LLM(
            model=tmp,
            skip_tokenizer_init=True,
            dtype="bfloat16",
            seed=0,
            gpu_memory_utilization=memory,
            max_model_len=prompts.shape[1] + max_new,
        )
    params = SamplingParams(
        n=group, temperature=TEMPERATURE, top_p=TOP_P, max_tokens=max_new, ignore_eos=True, detokenize=False
    )
    requests = [{"prompt_token_ids": p.tolist()} for p in prompts]
    llm.generate(requests[:1], SamplingParams(n=1, max_tokens=8, detokenize=False), use_tqdm=False)  # warm-up
    with Timer(prompts.device) as t:
        results = llm.generate(requests, params, use_tqdm=False)
    tokens = sum(len(o.token_ids) for r in results for o in r.outputs)
    del llm
    torch.cuda.empty_cache()
    return t.seconds, tokens


def synthetic_completions(n: int, group: int, chars: int, seed: int) -> tuple[list[str], list[str]]:
    """MedCalc-shaped completions and their gold: each group has a right and a wrong answer, the rest mixed."""
    from rewards.parse import DEFAULT_FORMAT

    rng = random.Random(seed)
    words = "creatinine 1.4 mg/dL sodium 131 mmol/L so the ratio is 0.82 and the score adds 2 points".split()
    golds, texts = [], []
    for _ in range(n // group):
        value = round(rng.uniform(20, 120), 1)
        gold = json.dumps({"kind": "decimal", "value": value, "lower": value * 0.95, "upper": value * 1.05})
        kinds = ["right", "wrong"] + rng.choices(["right", "wrong", "malformed"], [9, 9, 2], k=group - 2)
        rng.shuffle(kinds)
        for kind in kinds:
            reasoning = " ".join(rng.choice(words) for _ in range(max(1, chars // 6)))
            answer = value if kind == "right" else round(value * rng.choice([0.5, 1.5, 2.0]), 1)
            text = DEFAULT_FORMAT.render(reasoning, answer)
            texts.append(text.replace("</answer>", "") if kind == "malformed" else text)
            golds.append(gold)
    return texts, golds


def reward_phase(n: int, group: int, chars: int, device) -> tuple[float, list[float]]:
    from rewards import make_reward

    texts, golds = synthetic_completions(n, group, chars, seed=0)
    funcs = [
        make_reward("format", pass_score=0.0, fail_score=-2.0),
        make_reward("medcalc_accuracy", correct_score=1.1, wrong_score=0.0),
    ]
    with Timer(device) as t:
        parts = [f(prompts=None, completions=texts, gold=golds, task=["medcalc"] * n) for f in funcs]
        rewards = [sum(s for s in scores if s is not None) for scores in zip(*parts, strict=True)]
    return t.seconds, rewards


def completion_logprobs(model, sequences, n_completion: int, micro: int, grad: bool = False, scale=None):
    """Per-token log-probs of the completion tokens (logits only where needed), micro-batch by micro-batch.

    With `grad`, `scale(i, logps)` returns each micro-batch's loss, which is backpropagated right away.
    """
    import torch

    out = []
    for i in range(0, len(sequences), micro):
        seq = sequences[i : i + micro]
        with torch.set_grad_enabled(grad):
            logits = model(input_ids=seq, logits_to_keep=n_completion + 1, use_cache=False).logits[:, :-1]
            targets = seq[:, -n_completion:]
            # Row by row: a float32 log-softmax over a 152k vocabulary for a whole micro-batch is gigabytes.
            logps = torch.stack([_token_logps(row, t) for row, t in zip(logits, targets, strict=True)])
            if grad:
                scale(i, logps).backward()
            else:
                out.append(logps)
    return torch.cat(out) if out else None


def _token_logps(logits, targets):
    """log softmax(logits)[target] per position, in float32."""
    import torch

    logits = logits.float()
    return logits.gather(-1, targets[:, None]).squeeze(-1) - torch.logsumexp(logits, dim=-1)


def grpo_loss_fn(old, ref, advantages, total_tokens: int):
    """DAPO-style token-level clipped surrogate + k3 KL to the reference, normalised over all tokens."""
    import torch

    def loss(i, logps):
        n = len(logps)
        ratio = torch.exp(logps - old[i : i + n])
        adv = advantages[i : i + n, None]
        surrogate = torch.minimum(ratio * adv, torch.clamp(ratio, 1 - EPSILON, 1 + EPSILON) * adv)
        delta = ref[i : i + n] - logps
        kl = torch.exp(delta) - delta - 1
        return (-surrogate + BETA * kl).sum() / total_tokens

    return loss


def run_step(model, ref, optimizer, args, prompts, device) -> dict[str, Any]:
    """One timed GRPO step; returns seconds and counts per phase."""
    import torch

    n_prompts, p_len = prompts.shape
    n, c = n_prompts * args.group, args.max_new_tokens
    phases: dict[str, Any] = {}
    with Timer(device) as t:
        completions = generate_hf(model, prompts, args.group, c, args.gen_batch or n_prompts)
    phases["generation_hf"] = {
        "seconds": t.seconds,
        "tokens": completions.numel(),
        "prefill_tokens": prompts.numel(),
    }
    sequences = torch.cat([prompts.repeat_interleave(args.group, dim=0), completions], dim=1)
    seconds, rewards = reward_phase(n, args.group, chars=4 * c, device=device)
    phases["reward"] = {
        "seconds": seconds,
        "tokens": n * c,
        "completions": n,
        "mean_reward": statistics.fmean(rewards),
    }
    r = torch.tensor(rewards, device=device).view(-1, args.group)
    advantages = ((r - r.mean(1, keepdim=True)) / (r.std(1, keepdim=True) + 1e-4)).flatten()
    model.eval()
    with Timer(device) as t:
        ref_logps = completion_logprobs(ref, sequences, c, args.micro_batch)
    phases["ref_logprobs"] = {"seconds": t.seconds, "tokens": sequences.numel()}
    with Timer(device) as t:
        old_logps = completion_logprobs(model, sequences, c, args.micro_batch)
    phases["old_logprobs"] = {"seconds": t.seconds, "tokens": sequences.numel()}
    model.train()
    optimizer.zero_grad(set_to_none=True)
    loss = grpo_loss_fn(old_logps, ref_logps, advantages, total_tokens=n * c)
    with Timer(device) as t:
        completion_logprobs(model, sequences, c, args.micro_batch, grad=True, scale=loss)
    phases["backward"] = {"seconds": t.seconds, "tokens": sequences.numel()}
    with Timer(device) as t:  # clipping at 1.0 as the recipes do, then AdamW
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    phases["backward"]["grad_norm"] = grad_norm.item()
    phases["optimizer"] = {"seconds": t.seconds}
    return phases
