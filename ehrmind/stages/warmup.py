"""Stage 1: knowledge-injection SFT warm-up (TRL SFTTrainer, loss on the completion only).

    ehrmind warmup                                        # bundled demo data, tiny offline model
    ehrmind warmup --config recipes/medcalc/warmup.yaml --model /path/to/Qwen2.5-3B-Instruct
    ehrmind warmup --dry-run                              # counts per source and two rendered examples

Why: EHRMIND found RL alone cannot teach knowledge the model lacks (low pass@k); a short SFT on worked
solutions rendered from the calculators, plus knowledge cards, gives GRPO something to sharpen.
"""

from __future__ import annotations

from pathlib import Path

from ehrmind.config import RunConfig
from ehrmind.stages.report import write_training_report
from ehrmind.stages.train_common import (
    load_for_training,
    peft_config,
    quiet_trainer,
    resolve_model,
    save_final,
    training_precision,
)
from ehrmind.tasks.load import load_split
from ehrmind.tasks.warmup_data import apply_prefill, build_mix, check_mix
from ehrmind.trl_args import trl_kwargs


def check_warmup_data(config: RunConfig) -> tuple[dict[str, dict[str, int]], list[str]]:
    """The warm-up mix's dry run (`ehrmind validate`): per-task counts per source, and problems."""
    rows = load_split(config.data, "train")
    examples, _ = build_mix(rows, config.warmup, config.training.seed)
    return check_mix(rows, examples, config.warmup)


def run_warmup(config: RunConfig, *, dry_run: bool = False, resume: bool = False, echo=print) -> Path | None:
    rows = load_split(config.data, "train")
    examples, counts = build_mix(rows, config.warmup, config.training.seed)
    echo(f"warm-up data: {len(examples)} examples " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    per_task, problems = check_mix(rows, examples, config.warmup)
    for task, c in sorted(per_task.items()):
        echo(f"  {task}: " + ", ".join(f"{k}={v}" for k, v in c.items()))
    if problems:  # a task family with no usable examples would "warm up" on nothing: say so before training
        raise ValueError("warm-up data problems:\n" + "\n".join(f"  - {p}" for p in problems))
    if dry_run:
        for ex in examples[:2]:
            echo("--- prompt ---")
            for m in ex["prompt"]:
                echo(f"[{m['role']}] {m['content']}")
            echo("--- completion ---")
            echo(ex["completion"][0]["content"])
        return None
    if not examples:
        raise ValueError("the warm-up mix is empty: enable a source in the recipe's `warmup` section")

    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    # lazy: read at call time, so tests can patch metrics_callback
    from ehrmind.stages.runs import latest_checkpoint, metrics_callback, run_dir_for
    run_dir = run_dir_for(config, resume=resume)
    model_path = resolve_model(config)
    echo(f"model: {model_path}\nrun directory: {run_dir}")
    model, tokenizer = load_for_training(config, model_path)  # fp32 master weights, recipe's compute dtype
    if config.warmup.prefill:
        examples = apply_prefill(examples, tokenizer, config.warmup.prefill)
    dataset = Dataset.from_list([{"prompt": e["prompt"], "completion": e["completion"]} for e in examples])
    args = SFTConfig(**trl_kwargs(config, run_dir))  # completion-only loss, unpacked, training.max_length
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=peft_config(config),
        callbacks=[metrics_callback(run_dir)],
    )
    quiet_trainer(trainer, echo)
    checkpoint = latest_checkpoint(run_dir) if resume else None
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    final = save_final(trainer, tokenizer, run_dir, compute_dtype=training_precision(config).compute_dtype,
                       base_model_path=model_path)
    echo(f"final model: {final}")
    if config.report and trainer.is_world_process_zero():  # one report, written by rank 0
        write_training_report(run_dir, title="Warm-up (knowledge-injection SFT)", extra={"data": dict(counts)})
    return run_dir
