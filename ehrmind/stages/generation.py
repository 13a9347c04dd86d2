"""k completions per chat prompt, with vLLM when it can run and Hugging Face `generate` otherwise.

    from ehrmind.stages.generation import generate_completions
    outs = generate_completions("runs/rl/<run>/final", None, prompts, k=12, max_new_tokens=1500,
                                temperature=0.6, top_p=0.95)        # -> list (per prompt) of k strings

Why one function: evaluation samples k completions per row at the recipe's temperature (pass@k), which on a
3B-8B model is hours with `model.generate` and minutes with vLLM's paged attention. Both paths render the
prompt with the tokenizer's chat template and tokenize it without extra special tokens, so they see the
same token ids; k == 1 is greedy in both. vLLM is used when `use_vllm` is "auto" (installed, a CUDA GPU is
present and a checkpoint *path* is given: vLLM loads weights itself, it cannot take an in-memory model) or
"on" (then anything missing is an error, not a silent fallback).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

Messages = list[dict[str, str]]
VllmChoice = Literal["auto", "on", "off"]


class GenerationError(ValueError):
    """Bad generation arguments, or vLLM requested where it cannot run; says what to change."""


def vllm_available() -> bool:
    """vLLM is importable and a CUDA GPU is visible."""
    if importlib.util.find_spec("vllm") is None:
        return False
    import torch

    return torch.cuda.is_available()


def _check_args(
    prompts: Sequence[Messages], k: int, max_new_tokens: int, temperature: float, top_p: float
) -> None:
    problems = []
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        problems.append(f"k={k!r}: use a whole number of samples >= 1")
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or max_new_tokens < 1:
        problems.append(f"max_new_tokens={max_new_tokens!r}: use a whole number >= 1")
    if not temperature > 0:
        problems.append(f"temperature={temperature!r}: use a number > 0 (k=1 is greedy anyway)")
    if not 0 < top_p <= 1:
        problems.append(f"top_p={top_p!r}: use a number in (0, 1]")
    for i, p in enumerate(prompts):
        if not isinstance(p, list) or not all(
            isinstance(m, dict) and "role" in m and "content" in m for m in p
        ):
            problems.append(f"prompts[{i}]: expected a list of chat messages {{'role': ..., 'content': ...}}")
            break
    if problems:
        raise GenerationError("generate_completions: " + "; ".join(problems))


def _wants_vllm(use_vllm: VllmChoice | bool, model_path_or_model: Any) -> bool:
    choice = ("on" if use_vllm else "off") if isinstance(use_vllm, bool) else use_vllm
    if choice not in ("auto", "on", "off"):
        raise GenerationError(f"use_vllm={use_vllm!r}: use 'auto', 'on' or 'off'")
    is_path = isinstance(model_path_or_model, str | os.PathLike)
    if choice == "off":
        return False
    if choice == "auto":
        return is_path and vllm_available()
    if not is_path:
        raise GenerationError(
            "use_vllm='on' needs a checkpoint path (vLLM loads the weights itself), not a model object"
        )
    if not vllm_available():
        raise GenerationError(
            "use_vllm='on' but vLLM is not installed or no CUDA GPU is visible; use 'auto' or 'off'"
        )
    return True


def chat_texts(tokenizer, prompts: Sequence[Messages]) -> list[str]:
    """Each prompt rendered with the chat template, ending with the assistant's turn.

    Both paths tokenize these with add_special_tokens=False: the template already holds what the model
    needs, and a second BOS would change what it sees.
    """
    return [tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True) for p in prompts]


def generate_completions(
    model_path_or_model: str | os.PathLike[str] | Any,
    tokenizer: Any | None,
    prompts: Sequence[Messages],
    *,
    k: int,
    max_new_tokens: int,
    temperature: float,
    top_p: float,
    use_vllm: VllmChoice | bool = "auto",
    batch_size: int = 16,
    progress: Callable[[int], None] | None = None,
    vllm_kwargs: dict[str, Any] | None = None,
) -> list[list[str]]:
    """k completions (decoded, special tokens removed) for each chat prompt, in prompt order.

    `tokenizer` may be None when a path is given (it is loaded from there). `progress(n)` is called after
    every n prompts. `vllm_kwargs` go to `vllm.LLM` (e.g. gpu_memory_utilization, max_model_len).
    """
    _check_args(prompts, k, max_new_tokens, temperature, top_p)
    if not prompts:
        return []
    vllm = _wants_vllm(use_vllm, model_path_or_model)
    is_path = isinstance(model_path_or_model, str | os.PathLike)
    if tokenizer is None and not is_path:
        raise GenerationError("tokenizer=None needs a checkpoint path to load it from; pass the tokenizer")
    # lazy: read at call time, so tests can patch load_model_and_tokenizer
    from ehrmind.stages.models import load_model_and_tokenizer, load_tokenizer

    if vllm:
        path = str(Path(model_path_or_model))
        tokenizer = tokenizer if tokenizer is not None else load_tokenizer(path)
        return _generate_vllm(
            path,
            tokenizer,
            prompts,
            k=k,
            max_new_tokens=max_new_tokens,
            temperature=temperature,
            top_p=top_p,
            progress=progress,
            **(vllm_kwargs or {}),
        )
    model = model_path_or_model
    if is_path:
        model, loaded = load_model_and_tokenizer(str(model_path_or_model))
        tokenizer = tokenizer if tokenizer is not None else loaded
        import torch

        if torch.cuda.is_available():  # a model we loaded ourselves goes where it generates fastest
            model.to("cuda")
    return _generate_hf(
        model,
        tokenizer,
        prompts,
        k=k,
        max_new_tokens=max_new_tokens,
        temperature=temperature,
        top_p=top_p,
        batch_size=batch_size,
        progress=progress,
    )


def _generate_hf(
    model,
    tokenizer,
    prompts: Sequence[Messages],
    *,
    k: int,
    max_new_tokens: int,
    temperature: float,
    top_p: float,
    batch_size: int,
    progress: Callable[[int], None] | None,
) -> list[list[str]]:
    """Batched `model.generate`, left-padded so every prompt ends where its completion starts."""
    import torch

    tokenizer.padding_side = "left"
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    outputs: list[list[str]] = []
    model.eval()
    for start in range(0, len(prompts), batch_size):
        batch = list(prompts[start : start + batch_size])
        texts = chat_texts(tokenizer, batch)
        enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
        with torch.no_grad():
            out = model.generate(
                **enc,
                max_new_tokens=max_new_tokens,
                do_sample=k > 1,
                temperature=temperature if k > 1 else None,
                top_p=top_p if k > 1 else None,
                num_return_sequences=k,
                pad_token_id=tokenizer.pad_token_id,
            )
        decoded = tokenizer.batch_decode(out[:, enc["input_ids"].shape[1] :], skip_special_tokens=True)
        outputs.extend(decoded[i * k : (i + 1) * k] for i in range(len(batch)))
        if progress:
            progress(len(batch))
    return outputs


def _generate_vllm(
    model_path: str,
    tokenizer,
    prompts: Sequence[Messages],
    *,
    k: int,
    max_new_tokens: int,
    temperature: float,
    top_p: float,
    progress: Callable[[int], None] | None,
    **llm_kwargs: Any,
) -> list[list[str]]:
    """vLLM offline engine; SamplingParams(n=k) shares each prompt's prefill across its k samples."""
    from vllm import LLM, SamplingParams

    llm_kwargs.setdefault("trust_remote_code", False)
    llm_kwargs.setdefault("seed", 0)
    llm = LLM(model=model_path, **llm_kwargs)
    greedy = k == 1
    params = SamplingParams(
        n=k,
        temperature=0.0 if greedy else temperature,
        top_p=1.0 if greedy else top_p,
        max_tokens=max_new_tokens,
        skip_special_tokens=True,
    )
    requests = [
        {"prompt_token_ids": tokenizer(t, add_special_tokens=False)["input_ids"]}
        for t in chat_texts(tokenizer, prompts)
    ]
    results = llm.generate(requests, params, use_tqdm=False)
    if progress:
        progress(len(prompts))
    return [[o.text for o in r.outputs] for r in results]
