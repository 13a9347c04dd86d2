"""Continued pre-training throughput (tokens/s): `ehrmind pretrain` (bandit and fixed mix) vs HF Trainer.

    python benchmarks/pretrain.py --threads 1 --json /tmp/cpt_tiny.json                 # CPU, tiny model
    python benchmarks/pretrain.py --model /models/Qwen2.5-0.5B --steps 50 --batch 8 --block 1024   # a GPU

Why: CPT is the stage that reads the most tokens, so its tokens/s sets the cost of a corpus. The same packed
blocks of the example corpus (examples/corpus: cards + notes) are trained for the same number of steps,
batch and block size three ways: `ehrmind.seed_papers.pretrain.run_pretrain` with the EXP3 bandit mix, the same with a
fixed mix (the bandit's own cost is the difference), and the peer, transformers' `Trainer` on the same
blocks (plain causal LM, no mixing). Throughput is training tokens / seconds of the training loop (model
loading and tokenization excluded: run_pretrain's own timer; Trainer's `train_runtime`). fp32 on CPU, bf16
on a GPU. Each configuration runs `--repeats` times; the table shows min-max.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# benchmarks/calculators.py would shadow the `calculators` package: drop this script's folder from the path.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
SOURCES = {"cards": REPO / "examples" / "corpus" / "cards", "notes": REPO / "examples" / "corpus" / "notes.jsonl"}


def ours(model: str, root: Path, mix: str, args) -> float:
    from ehrmind.config import load_config
    from ehrmind.seed_papers.pretrain import run_pretrain

    cfg = load_config(None, stage="pretrain", overrides={
        "output_dir": str(root), "report": False, "model": {"path": model},
        "pretrain": {"mix": mix, "block_size": args.block, "corpus": [{"name": n, "path": str(p)} for n, p in SOURCES.items()]},
        "training": {"max_steps": args.steps, "per_device_train_batch_size": args.batch, "learning_rate": 1e-4,
                     "logging_steps": args.steps, "save_steps": 10**6, "lr_scheduler_type": "constant"}})
    run_dir = run_pretrain(cfg, echo=lambda *_: None)
    return json.loads((run_dir / "pretrain_summary.json").read_text())["tokens_per_second"]


def peer(model: str, root: Path, args) -> float:
    """transformers.Trainer on the same packed blocks (both sources, concatenated), same steps and batch."""
    import torch
    from transformers import Trainer, TrainingArguments

    from ehrmind.config import CorpusSource
    from ehrmind.seed_papers.pretrain import pack, read_source
    from ehrmind.stages.models import load_model_and_tokenizer

    net, tok = load_model_and_tokenizer(model)
    blocks = []
    for name, path in SOURCES.items():
        docs, _ = read_source(CorpusSource(name=name, path=str(path)))
        blocks += pack(docs, tok, args.block)[0]

    class Blocks(torch.utils.data.Dataset):
        def __len__(self):
            return len(blocks)

        def __getitem__(self, i):
            ids = torch.tensor(blocks[i])
            return {"input_ids": ids, "labels": ids}

    targs = TrainingArguments(output_dir=str(root / "trainer"), max_steps=args.steps,
                              per_device_train_batch_size=args.batch, learning_rate=1e-4, lr_scheduler_type="constant",
                              logging_steps=args.steps, save_strategy="no", report_to=[], dataloader_num_workers=0,
                              bf16=torch.cuda.is_available(), disable_tqdm=True)
    result = Trainer(model=net, args=targs, train_dataset=Blocks()).train()
    return args.steps * args.batch * args.block / result.metrics["train_runtime"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny", help="'tiny' (built offline) or a local checkpoint directory")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--block", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (1 avoids contention on a loaded box)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    root = Path(tempfile.mkdtemp(prefix="cpt_bench_"))
    model = args.model
    if model == "tiny":
        from ehrmind.stages.models import build_tiny_model

        model = str(build_tiny_model(root / "tiny"))
    results: dict[str, list[float]] = {"ehrmind pretrain (bandit)": [], "ehrmind pretrain (fixed)": [],
                                       "transformers Trainer (peer)": []}
    started = time.time()
    for r in range(args.repeats):
        results["ehrmind pretrain (bandit)"].append(ours(model, root / f"b{r}", "bandit", args))
        results["ehrmind pretrain (fixed)"].append(ours(model, root / f"f{r}", "fixed", args))
        results["transformers Trainer (peer)"].append(peer(model, root / f"t{r}", args))
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"CPU, {torch.get_num_threads()} thread(s)"
    print(f"model {args.model}; {args.steps} steps x {args.batch} blocks x {args.block} tokens; {device}; "
          f"{args.repeats} repeats; {time.time() - started:.0f} s")
    print("| configuration | tokens/s (min-max) |\n|---|---:|")
    for name, values in results.items():
        print(f"| {name} | {min(values):,.0f}-{max(values):,.0f} |")
    best = {k: max(v) for k, v in results.items()}
    ratio = best["ehrmind pretrain (bandit)"] / best["transformers Trainer (peer)"]
    change = best["ehrmind pretrain (bandit)"] / best["ehrmind pretrain (fixed)"] - 1
    print(f"ehrmind (bandit) / Trainer: {ratio:.2f}x; bandit vs fixed mix: {change:+.1%} tokens/s")
    if args.json:
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "device": device,
                                         "results": results, "ratio_vs_trainer": ratio}, indent=2))


if __name__ == "__main__":
    sys.exit(main())
