"""Load checkpoints (safely, from local paths) and build the tiny offline demo model.

`load_model_and_tokenizer` is the only way ehrmind loads a model: the demo's tiny model and a user's
Qwen2.5-3B-Instruct go through the same `from_pretrained` path. Remote code is off unless asked for, and
nothing is downloaded unless the user opts in (`allow_download`): a path that does not exist is an error,
not a hub lookup.

`build_tiny_model` makes a small Qwen2-architecture causal LM with random weights and a byte-level BPE
tokenizer trained locally (with `tokenizers`) on text rendered from the project's own calculators, so the
whole loop runs on a laptop CPU with no network.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ehrmind.tasks.bundled import available_calculators, sample_rows
from ehrmind.tasks.prompts import SYSTEM_PROMPT

# Tokens the answer format uses; single tokens make the format learnable by a very small model.
FORMAT_TOKENS = ["<think>", "</think>", "<answer>", "</answer>"]
CHAT_TOKENS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]

# A Qwen2-style ChatML template (what Qwen2.5-Instruct uses), with a generation prompt.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


class ModelLoadError(RuntimeError):
    """The model path is missing or not a checkpoint; says what to do."""


def resolve_model_path(model: str | os.PathLike[str], *, allow_download: bool = False) -> str:
    """A local checkpoint directory, or (only with allow_download) a hub id."""
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "config.json").exists():
            raise ModelLoadError(f"{path} has no config.json: not a Hugging Face checkpoint directory")
        return str(path)
    if allow_download:
        return str(model)
    raise ModelLoadError(
        f"model path {str(model)!r} does not exist. Pass a local checkpoint directory "
        "(e.g. --model /path/to/Qwen2.5-3B-Instruct), build the demo model with `ehrmind init-model`, "
        "or pass --allow-download to fetch a hub id."
    )


def load_tokenizer(model: str, *, trust_remote_code: bool = False, allow_download: bool = False):
    from transformers import AutoTokenizer

    path = resolve_model_path(model, allow_download=allow_download)
    tok = AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code, local_files_only=not allow_download)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def load_model_and_tokenizer(
    model: str,
    *,
    trust_remote_code: bool = False,
    allow_download: bool = False,
    dtype: str = "auto",
) -> tuple[Any, Any]:
    """Load a causal LM and its tokenizer from a local directory."""
    import torch
    from transformers import AutoModelForCausalLM

    path = resolve_model_path(model, allow_download=allow_download)
    tok = load_tokenizer(path, trust_remote_code=trust_remote_code, allow_download=allow_download)
    torch_dtype = {"auto": "auto", "bf16": torch.bfloat16, "fp32": torch.float32, "fp16": torch.float16}[dtype]
    net = AutoModelForCausalLM.from_pretrained(
        path, trust_remote_code=trust_remote_code, local_files_only=not allow_download, dtype=torch_dtype
    )
    return net, tok


def tokenizer_corpus() -> list[str]:
    """Text to train the tiny tokenizer on: calculator cards, rendered demo tasks, format strings."""
    # lazy: read at call time, so tests can patch MODULES
    from calculators import MODULES
    texts = [SYSTEM_PROMPT]
    texts.extend(calc.describe() for calc in available_calculators(MODULES))
    for row in sample_rows(n_per_calculator=40, seed=1):
        texts.extend(m["content"] for m in row["prompt"])
        texts.append(row["completion"])
    texts.append("0123456789 .,-+/()[]{}\":")
    return texts


# Published Qwen2.5 body shapes (config.json of Qwen/Qwen2.5-{0.5B,1.5B}-Instruct), for random models with a real
# architecture (benchmarks/gpu_check.sh): same layers, widths and GQA heads; the vocabulary is the local one.
QWEN_SHAPES: dict[str, dict[str, int]] = {
    "qwen2.5-0.5b": {"hidden_size": 896, "intermediate_size": 4864, "num_layers": 24, "num_heads": 14,
                     "num_kv_heads": 2},
    "qwen2.5-1.5b": {"hidden_size": 1536, "intermediate_size": 8960, "num_layers": 28, "num_heads": 12,
                     "num_kv_heads": 2},
}


def build_tiny_model(
    out_dir: str | os.PathLike[str],
    *,
    vocab_size: int = 1024,
    hidden_size: int = 96,
    num_layers: int = 2,
    num_heads: int = 4,
    seed: int = 0,
    shape: str | None = None,
    intermediate_size: int | None = None,
    num_kv_heads: int | None = None,
    dtype: str = "fp32",
) -> Path:
    """Build, save and reload-check a tiny Qwen2 model + tokenizer in `out_dir`.

    `shape` ("qwen2.5-0.5b", "qwen2.5-1.5b") gives the random model a real architecture's body instead;
    `dtype="bf16"` saves it the way real checkpoints ship.
    """
    if shape is not None:
        if shape not in QWEN_SHAPES:
            raise ValueError(f"shape={shape!r}: use one of {', '.join(QWEN_SHAPES)}")
        dims = QWEN_SHAPES[shape]
        hidden_size, num_layers, num_heads = dims["hidden_size"], dims["num_layers"], dims["num_heads"]
        intermediate_size, num_kv_heads = dims["intermediate_size"], dims["num_kv_heads"]
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)

    bpe = Tokenizer(models.BPE(unk_token=None, byte_fallback=False))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=CHAT_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(tokenizer_corpus(), trainer=trainer)
    bpe.add_tokens(FORMAT_TOKENS)
    tok = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        bos_token=None,
        unk_token=None,
        model_max_length=32768 if shape else 2048,
    )
    tok.chat_template = CHAT_TEMPLATE
    tok.padding_side = "left"

    config = Qwen2Config(
        vocab_size=len(tok),
        hidden_size=hidden_size,
        intermediate_size=intermediate_size or hidden_size * 3,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        num_key_value_heads=num_kv_heads or max(1, num_heads // 2),
        max_position_embeddings=32768 if shape else 2048,
        tie_word_embeddings=True,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        bos_token_id=None,
    )
    model = Qwen2ForCausalLM(config)
    if dtype == "bf16":
        model = model.to(torch.bfloat16)
    model.generation_config.eos_token_id = tok.eos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    model.save_pretrained(out)
    tok.save_pretrained(out)
    (out / "ehrmind_tiny.json").write_text(
        json.dumps({"what": "ehrmind tiny demo model: random weights, local tokenizer", "seed": seed,
                    "shape": shape or "tiny"}, indent=2)
    )
    # Reload through the public path so a broken save fails here, not in training.
    load_model_and_tokenizer(str(out))
    return out
