"""Continued pre-training (CPT) on local text with an online source mix (Citrus, arXiv:2502.18274).

    ehrmind pretrain --corpus cards=examples/corpus/cards --corpus notes=examples/corpus/notes.jsonl --mix bandit
    ehrmind pretrain --config recipes/citrus/cpt.yaml --model /models/Qwen2.5-7B --corpus guidelines=/data/guidelines

Why: Citrus continues pre-training on medical text from several sources (web data, textbooks, guidelines,
literature) and picks each source's share online as a multi-armed bandit with the training loss as the
signal, instead of fixing the mix by hand. Here every optimizer step trains one batch drawn from one
source; the sampler (`ehrmind.seed_papers.bandit`: fixed weights, EXP3 or Thompson sampling) chooses the source and
is paid that source's loss decrease since it was last chosen. The shares over time go to
metrics.jsonl (`share/<source>`) and to a plot in the report.

Sources are local only: a .txt/.md file (one document), a .jsonl file (one document per line, text in
`text_field`), or a folder of such files (read recursively, in sorted order). Nothing is downloaded.
Unreadable lines are skipped and counted per source with the reason. Documents are tokenized, joined with
the end-of-text token and cut into `block_size` blocks (packing); the causal LM loss covers every token.

One process (one GPU or the CPU); not resumable: a crashed run starts again from the model it began with.
Writes runs/pretrain/<time>/ (config.yaml, env.json, metrics.jsonl, checkpoints/, final/, report.md).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ehrmind.config import CorpusSource, RunConfig
from ehrmind.seed_papers.bandit import LossDecrease, make_sampler
from ehrmind.seed_papers.pretrain_report import write_pretrain_report
from ehrmind.stages.precision import use_bf16
from ehrmind.stages.runs import new_run_dir
from ehrmind.stages.train_common import peft_config, resolve_model

TEXT_SUFFIXES = {".txt", ".md"}
JSONL_SUFFIXES = {".jsonl"}


class CorpusError(ValueError):
    """A corpus source is missing, empty or too small; the message names the source and the fix."""


def read_source(source: CorpusSource) -> tuple[list[str], Counter]:
    """The documents of one source and a count of what was skipped, by reason."""
    path = Path(source.path)
    if not path.exists():
        raise CorpusError(f"source {source.name!r}: {path} does not exist")
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES | JSONL_SUFFIXES)
    else:
        files = [path]
    skipped: Counter = Counter()
    docs: list[str] = []
    for file in files:
        if file.suffix not in TEXT_SUFFIXES | JSONL_SUFFIXES:
            raise CorpusError(f"source {source.name!r}: {file} is neither text (.txt, .md) nor JSONL (.jsonl)")
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            skipped["file not UTF-8"] += 1
            continue
        if file.suffix in TEXT_SUFFIXES:
            if text.strip():
                docs.append(text)
            else:
                skipped["empty file"] += 1
            continue
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                skipped["line not JSON"] += 1
                continue
            value = item.get(source.text_field) if isinstance(item, dict) else None
            if not isinstance(value, str) or not value.strip():
                skipped[f"no text in field {source.text_field!r}"] += 1
                continue
            docs.append(value)
    if not docs:
        raise CorpusError(f"source {source.name!r}: no documents in {path} (skipped: {dict(skipped) or 'none'}); "
                          "give .txt/.md files or JSONL with a text field (pretrain.corpus[].text_field)")
    return docs, skipped


def pack(docs: list[str], tokenizer, block_size: int) -> tuple[list[list[int]], int]:
    """Blocks of `block_size` token ids from the documents joined by the end-of-text token; total tokens."""
    eos = tokenizer.eos_token_id
    ids: list[int] = []
    for doc in docs:
        ids.extend(tokenizer(doc, add_special_tokens=False, verbose=False)["input_ids"])
        ids.append(eos)
    n = len(ids) // block_size
    return [ids[i * block_size:(i + 1) * block_size] for i in range(n)], len(ids)


class BlockStream:
    """Endless batches from one source's blocks: shuffled, reshuffled after each pass (counted in `passes`)."""

    def __init__(self, blocks: list[list[int]], seed: int) -> None:
        self.blocks, self.passes = blocks, 0
        self._rng = random.Random(seed)
        self._order: list[int] = []

    def take(self, n: int) -> list[list[int]]:
        out = []
        for _ in range(n):
            if not self._order:
                self._order = list(range(len(self.blocks)))
                self._rng.shuffle(self._order)
                self.passes += 1
            out.append(self.blocks[self._order.pop()])
        return out


def run_pretrain(config: RunConfig, *, echo=print) -> Path:
    """Train `config.model` on `config.pretrain.corpus`; returns the run directory."""
    if config.stage != "pretrain":
        raise ValueError(f"stage {config.stage!r}: `ehrmind pretrain` needs a recipe with stage: pretrain")
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        raise ValueError("ehrmind pretrain runs in one process (one GPU or the CPU); launch it without accelerate")
    p, t = config.pretrain, config.training
    if t.max_steps < 1:
        raise ValueError("training.max_steps must be set (> 0) for pretrain: with a bandit mix there are no epochs")
    names = [s.name for s in p.corpus]

    import torch

    # lazy: loads tqdm, which importing this module does not
    from tqdm.auto import tqdm
    from transformers import get_scheduler

    # lazy: read at call time, so tests can patch load_model_and_tokenizer
    from ehrmind.stages.models import load_model_and_tokenizer
    # 1. Read and pack every source before the model trains, so a bad source fails in seconds.
    model_path = resolve_model(config)
    model, tokenizer = load_model_and_tokenizer(model_path, trust_remote_code=config.model.trust_remote_code,
                                                allow_download=config.model.allow_download, dtype=config.model.dtype)
    streams, sources = [], {}
    for i, source in enumerate(p.corpus):
        docs, skipped = read_source(source)
        blocks, tokens = pack(docs, tokenizer, p.block_size)
        if not blocks:
            raise CorpusError(f"source {source.name!r}: {tokens} tokens, fewer than one block of {p.block_size}; "
                              "add text or lower pretrain.block_size")
        streams.append(BlockStream(blocks, seed=t.seed + i))
        sources[source.name] = {"documents": len(docs), "tokens": tokens, "blocks": len(blocks),
                                "skipped": dict(skipped)}
        echo(f"source {source.name}: {len(docs)} documents, {tokens} tokens, {len(blocks)} blocks"
             + (f", skipped {dict(skipped)}" if skipped else ""))

    # 2. Model, optimizer, schedule, sampler.
    run_dir = new_run_dir(config)
    echo(f"model: {model_path}\nrun directory: {run_dir}\nmix: {p.mix}")
    torch.manual_seed(t.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if config.lora.enabled:
        from peft import get_peft_model

        model = get_peft_model(model, peft_config(config))
    if t.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    model.to(device).train()
    bf16 = use_bf16(config) and device == "cuda"
    # fused AdamW (one kernel for all parameters) is what transformers' Trainer uses by default, on CPU too
    optimizer = torch.optim.AdamW([q for q in model.parameters() if q.requires_grad], lr=t.learning_rate,
                                  weight_decay=t.weight_decay, fused=True)
    scheduler = get_scheduler(t.lr_scheduler_type, optimizer, num_warmup_steps=int(t.warmup_ratio * t.max_steps),
                              num_training_steps=t.max_steps)
    sampler = make_sampler(p.mix, names, weights=[s.weight for s in p.corpus], seed=t.seed, eta=p.eta,
                           gamma=p.gamma, sigma=p.sigma, discount=p.discount)
    reward_of = LossDecrease(len(names))

    # 3. The loop: choose a source, train one step on it, pay the sampler that source's loss decrease.
    metrics = (run_dir / "metrics.jsonl").open("a")
    last_loss: dict[str, float] = {}
    window_losses: list[float] = []
    picked: Counter = Counter()
    tokens_seen, started = 0, time.perf_counter()
    for step in tqdm(range(1, t.max_steps + 1), desc="pretrain", unit="step"):
        arm = sampler.choose()
        step_loss = 0.0
        for _ in range(t.gradient_accumulation_steps):
            batch = torch.tensor(streams[arm].take(t.per_device_train_batch_size), device=device)
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=bf16):
                loss = model(input_ids=batch, labels=batch).loss
            (loss / t.gradient_accumulation_steps).backward()
            step_loss += loss.item() / t.gradient_accumulation_steps
            tokens_seen += batch.numel()
        torch.nn.utils.clip_grad_norm_(model.parameters(), t.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        sampler.update(arm, reward_of(arm, step_loss))
        last_loss[names[arm]] = step_loss
        window_losses.append(step_loss)
        picked[names[arm]] += 1

        if step % t.logging_steps == 0 or step == t.max_steps:
            elapsed = time.perf_counter() - started
            record: dict[str, Any] = {"step": step, "loss": sum(window_losses) / len(window_losses),
                                      "learning_rate": scheduler.get_last_lr()[0], "tokens": tokens_seen,
                                      "tokens_per_second": tokens_seen / elapsed if elapsed > 0 else None}
            for name, share in zip(names, sampler.shares(), strict=True):
                record[f"share/{name}"] = share
                record[f"picked/{name}"] = picked[name]
                if name in last_loss:
                    record[f"loss/{name}"] = last_loss[name]
            metrics.write(json.dumps(record) + "\n")
            metrics.flush()
            window_losses.clear()
            picked.clear()
        if step % t.save_steps == 0 and step < t.max_steps:
            _save_checkpoint(model, tokenizer, run_dir, step, t.save_total_limit)
    metrics.close()
    elapsed = time.perf_counter() - started

    # 4. Final model (LoRA merged) and report.
    final = run_dir / "final"
    if hasattr(model, "merge_and_unload"):
        model = model.merge_and_unload()
    model.save_pretrained(final)
    tokenizer.save_pretrained(final)
    summary = {"tokens": tokens_seen, "seconds": round(elapsed, 2), "tokens_per_second": round(tokens_seen / elapsed, 1),
               "passes": {n: s.passes for n, s in zip(names, streams, strict=True)}}
    (run_dir / "pretrain_summary.json").write_text(json.dumps({"sources": sources, **summary}, indent=2))
    echo(f"final model: {final}  ({tokens_seen} tokens, {summary['tokens_per_second']} tokens/s)")
    if config.report:
        write_pretrain_report(run_dir, names, sources, summary, mix=p.model_dump())
    return run_dir


def _save_checkpoint(model, tokenizer, run_dir: Path, step: int, keep: int | None) -> None:
    out = run_dir / "checkpoints" / f"checkpoint-{step}"
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    if keep:
        old = sorted((run_dir / "checkpoints").glob("checkpoint-*"), key=lambda q: int(q.name.split("-")[-1]))
        for stale in old[:-keep]:
            shutil.rmtree(stale)
