"""Evaluation: generate on held-out rows, grade with the same reward code, explain the failures.

    ehrmind eval                                   # latest RL (else warm-up, else tiny) model on bundled test rows
    ehrmind eval --model runs/rl/<run>/final --data runs/data/test --set eval_samples=12

Writes `metrics.json` (for machines) and `report.md` (for people) into runs/eval/<timestamp>/.
Metrics: format compliance and failure reasons; pass@1 and pass@k per task, calculator and category;
EHRMIND's "reliable pass@k"; seen vs unseen calculators; and per calculator whether failures look like
missing knowledge (low pass@k: warm up first) or misapplied knowledge (high pass@k, low pass@1: RL helps).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

import calculators
from ehrmind.config import RewardConfig, RunConfig
from ehrmind.stages.models import load_tokenizer
from ehrmind.stages.report import write_eval_report
from ehrmind.stages.runs import latest_run, new_run_dir
from ehrmind.stages.train_common import ensure_tiny_model
from ehrmind.tasks.family import calculator_families, eval_graders, make_task_reward, reliable_shares
from ehrmind.tasks.load import load_split
from ehrmind.tasks.open_book import append_report, closed_book_rows, compare_books, open_book_rows
from rewards.parse import DEFAULT_FORMAT, AnswerFormat

# Which reward grades correctness for which task: each task family's grader, `eval_graders()` (first one that
# applies to a row wins). EHRMIND's reliable pass@k thresholds (share of k samples correct), by calculator
# category here and by task family in its declaration (`reliable_share_table()`).
RELIABLE_SHARE = {"diagnosis": 3 / 12, "severity": 3 / 12, "risk": 2 / 12}
DEFAULT_RELIABLE_SHARE = 3 / 12
# Fewer held-out rows than this give no failure mode: one row's pass@k says nothing about a calculator.
MIN_ROWS_FOR_FAILURE_MODE = 5


def generate(model, tokenizer, prompts: list[list[dict]], *, k: int, config: RunConfig, batch_size: int = 16,
             progress=None) -> list[list[str]]:
    """k completions per prompt (greedy when k == 1): vLLM when it can run, else HF generate.

    `model` is a loaded model or a checkpoint path. A path lets vLLM load the weights itself (in the recipe's
    dtype, with max_model_len = prompt + completion), so no HF copy of the model takes GPU memory beside it.
    """
    # lazy: read at call time, so tests can patch vllm_available
    from ehrmind.stages.generation import generate_completions, vllm_available

    g = config.generation
    source = model
    path = model if isinstance(model, str | Path) else getattr(model, "name_or_path", "")
    if g.use_vllm != "off" and vllm_available() and path and Path(path).is_dir():
        source = str(path)
    return generate_completions(
        source,
        tokenizer,
        prompts,
        k=k,
        max_new_tokens=g.max_completion_length,
        temperature=g.temperature,
        top_p=g.top_p,
        use_vllm="off" if g.use_vllm == "off" else "auto",
        batch_size=batch_size,
        progress=progress,
        # vLLM samples with its own generator: seeded from the eval seed (run_eval puts it in training.seed)
        vllm_kwargs={"dtype": VLLM_DTYPES[config.model.dtype], "max_model_len": g.max_model_length(),
                     "seed": config.training.seed},
    )


# Eval settings taken from the run that trained the model, where the eval recipe does not set them.
INHERITED_GENERATION = ("max_prompt_length", "max_completion_length", "temperature", "top_p", "vllm_max_model_length")
VLLM_DTYPES = {"auto": "auto", "bf16": "bfloat16", "fp16": "float16", "fp32": "float32"}


def inherit_training_recipe(config: RunConfig, model_path: str) -> tuple[RunConfig, dict[str, Any]]:
    """The eval config completed from the recipe of the run that produced `model_path` (its config.yaml).

    Why: a model trained to reason in 1,500 tokens at T 0.6 / top-p 0.95, graded with the recipe's reward
    options (e.g. `prefilled_think`), must be evaluated the same way; the demo's 256 tokens would cut it off.
    Only what the eval recipe (or --set) leaves unset is taken: generation settings and rewards from an RL
    run, the model dtype from an RL or warm-up run. Returns the config and what was taken, for the report.
    """
    recipe = Path(model_path).parent / "config.yaml"
    if not recipe.is_file():
        return config, {}
    trained = yaml.safe_load(recipe.read_text()) or {}
    if trained.get("stage") not in ("rl", "warmup"):
        return config, {}
    taken: dict[str, Any] = {"from": str(recipe)}
    updates: dict[str, Any] = {}
    if "dtype" not in config.model.model_fields_set and trained.get("model", {}).get("dtype"):
        updates["model"] = config.model.model_copy(update={"dtype": trained["model"]["dtype"]})
        taken["model.dtype"] = trained["model"]["dtype"]
    if trained["stage"] == "rl":
        gen = {f: trained.get("generation", {}).get(f) for f in INHERITED_GENERATION
               if f not in config.generation.model_fields_set and f in trained.get("generation", {})}  # fmt: skip
        if gen:
            updates["generation"] = config.generation.model_copy(update=gen)
            taken.update({f"generation.{k}": v for k, v in gen.items()})
        if "rewards" not in config.model_fields_set and trained.get("rewards"):
            updates["rewards"] = [RewardConfig.model_validate(r) for r in trained["rewards"]]
            taken["rewards"] = [r["name"] for r in trained["rewards"]]
    return config.model_copy(update=updates), taken


def grade(rows: list[dict[str, Any]], completions: list[list[str]],
          reward_options: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Per row: format ok per sample, correctness per sample, failure reasons.

    `reward_options` (reward name -> the recipe's options) grade as training did: e.g. `prefilled_think` or
    `strict` for the format, custom scores for accuracy (correct = above the midpoint of wrong and right).
    """
    options = reward_options or {}
    fmt = options.get("format", {})
    if "ehrmind" in options:  # the EHRMIND preset parses strictly: eval reads the format as training paid it
        fmt = {**fmt, "strict": True, "prefilled_think": options["ehrmind"].get("prefilled_think", False)}
    answer_format = (AnswerFormat(strict=bool(fmt.get("strict", True)),  # the format reward's default
                                  prefilled_think=bool(fmt.get("prefilled_think", False)))
                     if fmt else DEFAULT_FORMAT)  # fmt: skip

    k = len(completions[0]) if completions else 1
    flat_rows = [r for r in rows for _ in range(k)]
    flat = [c for cs in completions for c in cs]
    columns = {c: [r[c] for r in flat_rows] for c in ("gold", "task", "meta")}
    prompts = [r["prompt"] for r in flat_rows]
    correct: list[bool | None] = [None] * len(flat)
    for name in eval_graders():  # read at call time: a family registered after import is graded too
        opts = options.get(name, {})
        threshold = (float(opts.get("correct_score", 1.0)) + float(opts.get("wrong_score", 0.0))) / 2
        scores = make_task_reward(name, **opts)(prompts=prompts, completions=flat, **columns)
        correct = [c if c is not None else (None if s is None else s > threshold)
                   for c, s in zip(correct, scores, strict=True)]  # fmt: skip
    graded = []
    for i, row in enumerate(rows):
        samples = flat[i * k : (i + 1) * k]
        parsed = [answer_format.parse(s) for s in samples]
        scores = correct[i * k : (i + 1) * k]
        meta = json.loads(row["meta"]) if isinstance(row.get("meta"), str) else (row.get("meta") or {})
        graded.append(
            {
                "id": row["id"],
                "task": row["task"],
                "calculator": meta.get("calculator"),
                "edition": meta.get("edition"),  # calculator definitions of the gold (issue 16)
                "format_ok": [p.ok for p in parsed],
                "format_reasons": [p.reason for p in parsed if not p.ok],
                "correct": [bool(s) for s in scores],
                "graded": all(s is not None for s in scores),
            }
        )
    return graded


def reliable_share_table() -> dict[str, float]:
    """Reliable pass@k thresholds by calculator category and by task family."""
    return {**RELIABLE_SHARE, **reliable_shares()}


def _category(calc_id: str | None) -> str | None:
    if not calc_id:
        return None
    try:
        return calculators.get(calc_id).category
    except calculators.UnknownCalculatorError:  # a row naming a calculator we do not have: counted as "unknown"
        return None


def summarize(graded: list[dict[str, Any]], *, k: int, seen_calculators: set[str]) -> dict[str, Any]:
    def rates(items: list[dict[str, Any]]) -> dict[str, Any]:
        if not items:
            return {"n": 0}
        pass1 = sum(sum(g["correct"]) / len(g["correct"]) for g in items) / len(items)
        passk = sum(any(g["correct"]) for g in items) / len(items)
        return {"n": len(items), "pass@1": pass1, f"pass@{k}": passk}

    by_task: dict[str, list] = defaultdict(list)
    by_calc: dict[str, list] = defaultdict(list)
    by_cat: dict[str, list] = defaultdict(list)
    for g in graded:
        by_task[g["task"]].append(g)
        if g["calculator"]:
            by_calc[g["calculator"]].append(g)
            by_cat[_category(g["calculator"]) or "unknown"].append(g)
    n_samples = sum(len(g["format_ok"]) for g in graded)
    reasons = Counter(r for g in graded for r in g["format_reasons"])
    per_calc = {}
    for cid, items in sorted(by_calc.items()):
        stats = rates(items)
        share = reliable_share_table().get(_category(cid) or "", DEFAULT_RELIABLE_SHARE)
        stats["reliable_pass@k"] = sum(sum(g["correct"]) / k >= share for g in items) / len(items)
        stats["seen_in_training"] = cid in seen_calculators
        stats["failure_mode"] = (failure_mode(stats["pass@1"], stats[f"pass@{k}"], k)
                                 if len(items) >= MIN_ROWS_FOR_FAILURE_MODE
                                 else f"too few rows (n={len(items)} < {MIN_ROWS_FOR_FAILURE_MODE})")
        per_calc[cid] = stats
    seen = [g for g in graded if g["calculator"] in seen_calculators]
    unseen = [g for g in graded if g["calculator"] and g["calculator"] not in seen_calculators]
    return {
        "k": k,
        "rows": len(graded),
        "samples": n_samples,
        "ungraded_rows": sum(not g["graded"] for g in graded),
        "format_compliance": sum(sum(g["format_ok"]) for g in graded) / max(n_samples, 1),
        "format_failure_reasons": dict(reasons.most_common()),
        "overall": rates(graded),
        "per_task": {t: rates(v) for t, v in sorted(by_task.items())},
        "per_category": {c: rates(v) for c, v in sorted(by_cat.items())},
        "per_calculator": per_calc,
        "seen_vs_unseen": {"seen": rates(seen), "unseen": rates(unseen)},
        # Calculator rows by the edition their golds follow (source, v1.0, verified; "unrecorded" for rows
        # built before editions): a model is graded with the definitions of the row's benchmark edition.
        "per_edition": {
            e: rates([g for g in graded if g["calculator"] and (g.get("edition") or "unrecorded") == e])
            for e in sorted({g.get("edition") or "unrecorded" for g in graded if g["calculator"]})
        },
    }


def failure_mode(pass1: float, passk: float, k: int) -> str:
    """EHRMIND's diagnosis: low pass@k = missing knowledge (SFT first); high pass@k, low pass@1 = misapplied."""
    if pass1 >= 0.8:
        return "solved"
    if k == 1:
        return "unknown (needs k > 1 samples)"
    if passk < 0.25:
        return "missing knowledge (warm up first)"
    if passk - pass1 >= 0.25:
        return "misapplied knowledge (RL helps)"
    return "partially known"


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (CPU and CUDA) so sampled generations repeat exactly.

    Why: eval samples at temperature > 0; unseeded, the same checkpoint gave pass@1 8.8 % then 10.6 %.
    """
    from transformers import set_seed

    set_seed(seed)  # random, numpy, torch and torch.cuda


def run_eval(config: RunConfig, *, model_path: str | None = None, echo=print,
             open_book: bool = False, seed: int | None = None) -> tuple[Path, dict[str, Any]]:
    """Generate on the held-out rows and grade; `seed` (default: training.seed) makes the run repeatable.
    With `open_book`, calculator rows are evaluated closed-book (the main metrics) and again with the
    calculator's card in the prompt, side by side in metrics["open_book"] and the report."""
    # lazy: loads rich, which importing this module does not
    from rich.progress import Progress

    # lazy: read at call time, so tests can patch load_model_and_tokenizer
    from ehrmind.stages.models import load_model_and_tokenizer
    rows = load_split(config.data, "eval")
    if open_book:  # the main metrics are closed-book; rows built with --open-book lose their card here
        rows = closed_book_rows(rows)
    if model_path is None:
        model_path = config.model.path
    if model_path is None:
        for stage in ("rl", "warmup"):
            previous = latest_run(config.output_dir, stage)
            if previous is not None:
                model_path = str(previous / "final")
                break
        else:
            model_path = ensure_tiny_model(config.output_dir)
    config, inherited = inherit_training_recipe(config, model_path)
    run_dir = new_run_dir(config)
    echo(f"model: {model_path}\nrun directory: {run_dir}\neval rows: {len(rows)} × {config.eval_samples} samples")
    g = config.generation
    echo(f"generation: {g.max_completion_length} new tokens, temperature {g.temperature}, top-p {g.top_p}, "
         f"dtype {config.model.dtype}" + (f" (from {inherited['from']})" if inherited else ""))
    # lazy: read at call time, so tests can patch vllm_available
    from ehrmind.stages.generation import vllm_available
    k = config.eval_samples
    seed = config.training.seed if seed is None else seed
    seed_everything(seed)  # HF sampling; vLLM gets the seed through the config (generate)
    config = config.model_copy(update={"training": config.training.model_copy(update={"seed": seed})})
    if g.use_vllm != "off" and vllm_available():
        # vLLM loads the checkpoint itself and takes its share of GPU memory: no HF copy is loaded beside it.
        model = model_path
        tokenizer = load_tokenizer(model_path, trust_remote_code=config.model.trust_remote_code,
                                   allow_download=config.model.allow_download)
    else:
        model, tokenizer = load_model_and_tokenizer(
            model_path, trust_remote_code=config.model.trust_remote_code,
            allow_download=config.model.allow_download, dtype=config.model.dtype,
        )  # fmt: skip
        import torch

        if torch.cuda.is_available():  # HF generate on the GPU when there is one
            model.to("cuda")
    with Progress(transient=True) as progress:
        task = progress.add_task("generating", total=len(rows))
        completions = generate(model, tokenizer, [r["prompt"] for r in rows], k=k, config=config,
                               progress=lambda n: progress.advance(task, n))
    graded = grade(rows, completions, {r.name: r.options for r in config.rewards})
    try:  # "seen" = calculators in the training rows; an eval-only data set has none
        train_rows = load_split(config.data, "train")
    except ValueError:
        train_rows = []
    seen = {json.loads(r["meta"]).get("calculator") for r in train_rows} - {None}
    metrics = summarize(graded, k=k, seen_calculators=seen)
    metrics["model"] = model_path
    metrics["settings"] = {"max_new_tokens": g.max_completion_length, "temperature": g.temperature, "top_p": g.top_p,
                           "k": k, "dtype": config.model.dtype, "inherited": inherited}
    metrics["seed"] = seed
    if open_book:
        metrics["open_book"] = _open_book(model, tokenizer, rows, graded, config, seen, echo)
    (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
    with (run_dir / "graded.jsonl").open("w") as fh:  # ids and scores only: no patient text
        for g in graded:
            fh.write(json.dumps(g) + "\n")
    write_eval_report(run_dir, metrics)
    if metrics.get("open_book", {}).get("rows"):
        append_report(run_dir, metrics["open_book"])
    return run_dir, metrics


def _open_book(model, tokenizer, rows, graded, config: RunConfig, seen: set, echo) -> dict[str, Any]:
    """The calculator rows again, with the calculator's card in the prompt: closed vs open for one model."""
    opened, n = open_book_rows(rows)
    opened = [r for r, before in zip(opened, rows, strict=True) if r is not before]
    if not n:
        echo(f"open book: no calculator rows (tasks {', '.join(calculator_families())}) in the eval data; "
             "nothing to compare")
        return {"rows": 0}
    echo(f"open book: {n} calculator rows again with the calculator's card")
    ids = {r["id"] for r in opened}
    k = config.eval_samples
    completions = generate(model, tokenizer, [r["prompt"] for r in opened], k=k, config=config)
    closed = summarize([g for g in graded if g["id"] in ids], k=k, seen_calculators=seen)
    options = {r.name: r.options for r in config.rewards}  # the same grading as the closed-book rows
    return compare_books(closed, summarize(grade(opened, completions, options), k=k, seen_calculators=seen))
