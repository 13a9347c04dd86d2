"""Stage 2: GRPO with verifiable rewards (TRL GRPOTrainer).

    ehrmind rl                                            # bundled demo data, from the latest warm-up
    ehrmind rl --config recipes/medcalc/rl.yaml --model runs/warmup/<run>/final
    ehrmind rl --resume                                   # continue the latest run from its last checkpoint
    accelerate launch --config_file recipes/accelerate/zero2.yaml -m ehrmind rl --config recipes/medcalc/rl.yaml

Rewards are chosen by name in the recipe with weights (`rewards:` list); each name is registered once in
`rewards/`. Generation uses vLLM (colocate by default) when it is installed and a GPU is present, and
`model.generate` otherwise.
"""

from __future__ import annotations

from pathlib import Path

from ehrmind.batch import accumulation_steps, step_sequences, world_size
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
from ehrmind.tasks.family import make_task_reward
from ehrmind.tasks.load import load_split
from ehrmind.tasks.schema import check_label_balance
from ehrmind.trl_args import trl_kwargs

DATASET_COLUMNS = ("prompt", "gold", "task", "meta", "id")


def build_reward_functions(config: RunConfig):
    # Routed by the task families: a reward also grades rows of every family that names it.
    funcs = [make_task_reward(r.name, **r.options) for r in config.rewards]
    return funcs, [r.weight for r in config.rewards]


def fit_prompts(rows: list[dict], tokenizer, max_tokens: int) -> tuple[list[dict], int]:
    """Rows whose chat prompt fits `max_tokens` (never truncated: a cut record would change the gold)."""
    kept = []
    for row in rows:
        ids = tokenizer.apply_chat_template(row["prompt"], tokenize=True, add_generation_prompt=True)
        if hasattr(ids, "keys"):  # transformers 5 may return a BatchEncoding
            ids = ids["input_ids"]
        if len(ids) <= max_tokens:
            kept.append(row)
    return kept, len(rows) - len(kept)


def run_rl(config: RunConfig, *, resume: bool = False, echo=print) -> Path:
    rows = load_split(config.data, "train")
    check_label_balance(rows, allow_single_class=config.data.allow_single_class)  # always-"no" tasks pay
    reward_funcs, weights = build_reward_functions(config)

    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    # lazy: read at call time, so tests can patch metrics_callback
    from ehrmind.stages.runs import latest_checkpoint, metrics_callback, run_dir_for
    run_dir = run_dir_for(config, resume=resume)
    model_path = resolve_model(config, after_stage="warmup")
    echo(f"model: {model_path}\nrun directory: {run_dir}\ntrain rows: {len(rows)}")
    model, tokenizer = load_for_training(config, model_path)  # fp32 master weights, recipe's compute dtype
    rows, too_long = fit_prompts(rows, tokenizer, config.generation.max_prompt_length)
    if too_long:
        echo(f"skipped {too_long} rows whose prompt exceeds generation.max_prompt_length="
             f"{config.generation.max_prompt_length} tokens")
    if not rows:
        raise ValueError("no training rows fit generation.max_prompt_length: raise it or shorten the prompts")
    # TRL drops an incomplete generation batch: with fewer prompts than one step needs it would "train"
    # zero steps and save an unchanged model. Say so instead.
    n_proc = world_size()
    per_step = step_sequences(config, n_proc)
    if per_step % config.generation.num_generations:
        raise ValueError(
            f"one step's {per_step} completions (per device x accumulation x {n_proc} processes) is not a "
            f"multiple of generation.num_generations ({config.generation.num_generations}): set "
            "generation.prompts_per_step instead of the accumulation steps"
        )
    echo(f"batch: {per_step // config.generation.num_generations} prompts x {config.generation.num_generations} = "
         f"{per_step} completions per step ({config.training.per_device_train_batch_size} per device x "
         f"{accumulation_steps(config, n_proc)} accumulation x {n_proc} processes)")
    if len(rows) * config.generation.num_generations < per_step:
        raise ValueError(
            f"{len(rows)} training rows × {config.generation.num_generations} generations is less than one "
            f"step's {per_step} completions: add rows or lower generation.prompts_per_step"
        )
    dataset = Dataset.from_list([{k: r[k] for k in DATASET_COLUMNS} for r in rows])
    args = GRPOConfig(**trl_kwargs(config, run_dir))  # reward_weights: the rewards list's weights
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=reward_funcs,
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=peft_config(config),
        callbacks=[metrics_callback(run_dir)],
    )
    quiet_trainer(trainer, echo)
    checkpoint = latest_checkpoint(run_dir) if resume else None
    if resume:
        echo(f"resuming from {checkpoint}" if checkpoint else "no checkpoint to resume from: starting fresh")
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    final = save_final(trainer, tokenizer, run_dir, compute_dtype=training_precision(config).compute_dtype,
                       base_model_path=model_path)
    echo(f"final model: {final}")
    if config.report and trainer.is_world_process_zero():  # one report, written by rank 0
        write_training_report(run_dir, title="GRPO with verifiable rewards", extra={
            "rewards": dict(zip([r.name for r in config.rewards], weights, strict=True)),
            "data": {"train_rows_used": len(rows), "skipped_prompt_over_max_prompt_length": too_long,
                     "max_prompt_length": config.generation.max_prompt_length},
        })
    return run_dir
