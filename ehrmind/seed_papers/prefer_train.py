"""`ehrmind prefer train`: offline preference training on verified pairs (DPO, or CPO with a SimPO loss).

    ehrmind prefer train --pairs runs/pairs.jsonl --config recipes/prefer/dpo.yaml     # MedCritical's DPO
    ehrmind prefer train --pairs runs/pairs.jsonl --config recipes/prefer/simpo.yaml   # Citrus's CPO-SimPO

Why: a cheap complement to GRPO (Citrus, arXiv:2502.18274: CPO-SimPO on ~17k pairs; MedCritical,
arXiv:2509.23368: DPO on the model's own corrections). The `prefer` section of the recipe picks the method:
`method: dpo` uses TRL's DPOTrainer (reference model = the starting model, or the base under LoRA);
`method: cpo` uses TRL's CPOTrainer (reference-free), whose `loss_type: simpo` with `cpo_alpha` adds the
behaviour-cloning term Citrus uses. CPO lives in `trl.experimental.cpo` in TRL 1.x (`trl` in 0.x); the
import is guarded with a clear error. The model is `--model`, else the latest RL run's, else the tiny one.
Writes a run directory `runs/prefer/<time>/` like warmup and rl (config, env, metrics, final, report).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ehrmind.config import RunConfig
from ehrmind.jsonl import json_objects
from ehrmind.stages.report import write_training_report
from ehrmind.stages.train_common import (
    load_for_training,
    peft_config,
    resolve_model,
    save_final,
    training_precision,
)
from ehrmind.trl_args import cpo_classes, trl_class, trl_kwargs

PAIR_KEYS = ("prompt", "chosen", "rejected")
CPO_LOSSES = ("sigmoid", "hinge", "ipo", "simpo", "alphapo")  # TRL's CPOConfig.loss_type values


class PairsError(ValueError):
    """The pairs file is missing or a row is malformed; the message names the line and field."""


def _messages_ok(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) or (
        isinstance(value, list) and bool(value)
        and all(isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
                for m in value)
    )  # fmt: skip


def read_pairs(path: str | Path) -> list[dict[str, Any]]:
    """`{"prompt", "chosen", "rejected"}` rows (text or chat messages); raises PairsError naming the problem."""
    path = Path(path)
    if not path.is_file():
        raise PairsError(f"pairs file {path} does not exist; build it with `ehrmind prefer build`")
    pairs = []
    for lineno, row in json_objects(path, PairsError):
        for key in PAIR_KEYS:
            if not _messages_ok(row.get(key)):
                raise PairsError(f"{path}:{lineno}: field {key!r}={str(row.get(key))[:60]!r} must be text or a "
                                 "list of {role, content} messages")  # fmt: skip
        if row["chosen"] == row["rejected"]:
            raise PairsError(
                f"{path}:{lineno}: chosen and rejected are identical; such a pair teaches nothing"
            )
        pairs.append({k: row[k] for k in PAIR_KEYS})
    if not pairs:
        raise PairsError(f"{path} has no pairs; `ehrmind prefer build` reports why rows gave none")
    return pairs


def _trainer(config: RunConfig, run_dir: Path, model, tokenizer, dataset, callbacks):
    # DPO: beta, loss_type, max_length from the prefer section; CPO adds simpo_gamma and cpo_alpha
    args = trl_class(config)(**trl_kwargs(config, run_dir))
    if config.prefer.method == "dpo":
        from trl import DPOTrainer as trainer
    else:
        trainer = cpo_classes()[1]
    return trainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer,
                   peft_config=peft_config(config), callbacks=callbacks)  # fmt: skip


def run_prefer(config: RunConfig, *, echo=print) -> Path:
    """Train on the pairs in `config.data.train`; returns the run directory."""
    if config.stage != "prefer":
        raise ValueError(f"stage {config.stage!r}: `ehrmind prefer train` needs a recipe with stage: prefer")
    pairs = read_pairs(config.data.train)
    if config.prefer.method == "cpo":
        if config.prefer.loss_type not in CPO_LOSSES:
            raise ValueError(
                f"prefer.loss_type={config.prefer.loss_type!r} is not a CPO loss; use one of "
                f"{', '.join(CPO_LOSSES)} (Citrus: simpo)"
            )
        cpo_classes()  # fail before loading a model (MissingTrainer)

    from datasets import Dataset

    # lazy: read at call time, so tests can patch metrics_callback
    from ehrmind.stages.runs import metrics_callback, new_run_dir
    run_dir = new_run_dir(config)
    model_path = resolve_model(config, after_stage="rl")
    p = config.prefer
    label = "DPO" if p.method == "dpo" else f"CPO ({p.loss_type})"
    echo(f"model: {model_path}\nrun directory: {run_dir}\n{label} on {len(pairs)} pairs")
    # fp32 master weights, the recipe's dtype for compute (as warm-up and RL): at DPO's small learning rates a
    # pure-bf16 copy would round most updates away
    model, tokenizer = load_for_training(config, model_path)
    trainer = _trainer(
        config, run_dir, model, tokenizer, Dataset.from_list(pairs), [metrics_callback(run_dir)]
    )
    trainer.train()
    final = save_final(trainer, tokenizer, run_dir, compute_dtype=training_precision(config).compute_dtype,
                       base_model_path=model_path)
    echo(f"final model: {final}")
    if config.report and trainer.is_world_process_zero():  # one report, written by rank 0
        write_training_report(run_dir, title=f"Preference training ({label})", extra={
            "pairs": len(pairs), "pairs_file": config.data.train, **p.model_dump()})  # fmt: skip
    return run_dir
