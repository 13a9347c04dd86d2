"""`ehrmind demo`: the whole mission on the example records, and a held-out answer to "did RL help?".

    ehrmind demo                 # examples/ (MIMIC-IV demo MEDS + Synthea FHIR) -> tasks -> SFT -> GRPO -> eval

1. `data build` turns the example records into task rows: calculator tasks mined from the MEDS and FHIR
   records, and the EHRSHOT lab-anticipation label `ehrshot/lab_hyponatremia` (patient-level splits).
2. The warm-up (SFT) teaches the answer format on worked calculator solutions and on the label task. For
   the label rows it has no teacher rationale, so its targets name one of the four labels at random: the
   model learns how to answer, not which answer is right (the warm-up leaves a uniform prior).
3. GRPO on the label task with the `format` and `diagnosis_label` rewards: only the verifiable reward says
   which label is right how often.
4. The same seeded held-out rows (test patients) are scored for the random model, the warm-up model and the
   GRPO model; the gain is a paired per-row difference with a 95 % normal interval.

The tiny model cannot read a record well in minutes, so what GRPO can learn here is mostly the label's base
rate ("normal" for most patients), and the demo prints that baseline beside its verdict: it shows the loop
and the measurement, not clinical skill. The interval treats rows as independent; held-out rows of one
patient are correlated, so it is narrower than a patient-level interval would be.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ehrmind.tasks.build import BuildOptions, build, parse_source
from ehrmind.tasks.families.calc import NAME as CALC
from ehrmind.tasks.families.ehrshot import PREFIX as EHRSHOT
from ehrmind.tasks.schema import read_rows, write_jsonl
from rewards.parse import DEFAULT_FORMAT

DEMO_TASK = EHRSHOT + "lab_hyponatremia"
EVAL_SEED = 1234
EVAL_SAMPLES = 4
CALC_WARMUP_ROWS = 16  # worked calculator solutions in the warm-up mix (records -> calculator tasks)
LABEL_RATIONALE = "One of: {choices}."  # short: the whole answer must fit generation.max_completion_length

WARMUP = {"training": {"max_steps": 240, "learning_rate": 3e-3, "per_device_train_batch_size": 8,
                       "max_length": 512, "logging_steps": 10, "save_steps": 1000, "seed": 0},
          "warmup": {"knowledge_cards": 0, "task_rubrics": False, "worked_solutions": True}}
GRPO = {"training": {"max_steps": 30, "learning_rate": 7e-4, "per_device_train_batch_size": 16,
                     "logging_steps": 4, "save_steps": 1000, "seed": 0},
        "generation": {"max_completion_length": 64, "temperature": 1.0, "num_generations": 8,
                       "max_prompt_length": 1024},
        "grpo": {"beta": 0.0},
        "rewards": [{"name": "format", "weight": 1.0}, {"name": "diagnosis_label", "weight": 1.0}]}
EVAL = {"eval_samples": EVAL_SAMPLES, "data": {"max_eval_rows": None},
        "generation": {"max_completion_length": 64, "temperature": 0.7}}


def examples_dir() -> Path:
    """`examples/` of the source checkout (an editable install); the demo's records live there."""
    here = Path(__file__).resolve().parents[1] / "examples"
    if not (here / "meds").is_dir():
        raise FileNotFoundError(f"example records not found at {here}: run the demo from a clone of the repository "
                                "(pip install -e .), or pass --examples PATH")
    return here


def build_demo_data(examples: Path, out: Path) -> dict[str, Any]:
    """`ehrmind data build` on the example records; returns the manifest."""
    return build(BuildOptions(
        sources=[parse_source(f"meds:{examples / 'meds' / 'mimic-iv-demo'}"), parse_source(f"fhir:{examples / 'fhir'}")],
        tasks=[CALC, DEMO_TASK], out=out, seed=0, split=(0.6, 0.1, 0.3), max_tokens=64))


def prepare_rows(data_dir: Path, work: Path, seed: int = 0) -> dict[str, Path]:
    """Split the build into the warm-up mix, the GRPO rows and the held-out rows (JSONL files)."""
    rng = random.Random(seed)
    rows = read_rows(str(data_dir))
    label_train = [r for r in rows if r["task"] == DEMO_TASK and r["split"] == "train"]
    heldout = [r for r in rows if r["task"] == DEMO_TASK and r["split"] == "test"]
    calc_train = [r for r in rows if r["task"] == CALC and r["split"] == "train"]
    rng.shuffle(calc_train)
    warm = []
    for r in label_train:  # format-only targets: a uniformly random label (see the module docstring)
        choices = json.loads(r["gold"])["choices"]
        text = LABEL_RATIONALE.format(choices=", ".join(choices))
        warm.append({**r, "completion": DEFAULT_FORMAT.render(text, rng.choice(choices))})
    for r in calc_train[:CALC_WARMUP_ROWS]:  # mined rows carry the calculator's rationale for their own inputs
        meta = json.loads(r["meta"])
        warm.append({**r, "completion": DEFAULT_FORMAT.render(meta["rationale"], json.loads(r["gold"])["value"])})
    work.mkdir(parents=True, exist_ok=True)
    paths = {"warmup": work / "warmup.jsonl", "rl": work / "rl.jsonl", "heldout": work / "heldout.jsonl"}
    write_jsonl(warm, paths["warmup"])
    write_jsonl(label_train, paths["rl"])
    write_jsonl(heldout, paths["heldout"])
    return paths


@dataclass
class Scored:
    name: str
    per_row: list[float]  # pass@1 of each held-out row (share of its k samples correct)
    pass_k: float
    format_rate: float

    @property
    def pass1(self) -> float:
        return sum(self.per_row) / len(self.per_row)

    @property
    def half_width(self) -> float:
        return 1.96 * _sd(self.per_row) / math.sqrt(len(self.per_row))


def _sd(xs: list[float]) -> float:
    if len(xs) < 2:
        return 0.0
    mean = sum(xs) / len(xs)
    return math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1))


def paired_gain(before: list[float], after: list[float]) -> tuple[float, float, float]:
    """Mean per-row difference (after - before) and its 95 % normal interval (low, high)."""
    diffs = [a - b for a, b in zip(after, before, strict=True)]
    mean = sum(diffs) / len(diffs)
    half = 1.96 * _sd(diffs) / math.sqrt(len(diffs))
    return mean, mean - half, mean + half


def score(name: str, run_dir: Path, metrics: dict[str, Any]) -> Scored:
    graded = [json.loads(line) for line in (run_dir / "graded.jsonl").read_text().splitlines() if line.strip()]
    k = metrics["k"]
    return Scored(name, [sum(g["correct"]) / len(g["correct"]) for g in graded],
                  metrics["overall"].get(f"pass@{k}", 0.0), metrics["format_compliance"])


def majority_baseline(train: Path, heldout: Path) -> str:
    """What always answering the most common training label scores on the held-out rows (for scale)."""
    def labels(path: Path) -> list[str]:
        return [json.loads(json.loads(line)["gold"])["value"] for line in path.read_text().splitlines() if line.strip()]

    held = labels(heldout)
    top, _ = Counter(labels(train)).most_common(1)[0]
    share = sum(label == top for label in held) / len(held)
    return (f"For scale: always answering the most common training label ({top!r}) scores {share:.1%} on these rows; "
            "a tiny model trained for minutes learns the base rate, not to read the record.")


def verdict(before: Scored, after: Scored) -> str:
    gain, low, high = paired_gain(before.per_row, after.per_row)
    span = (f"{gain * 100:+.1f} points of pass@1 (95 % interval {low * 100:+.1f} to {high * 100:+.1f}, "
            f"n={len(after.per_row)} held-out rows)")
    if low > 0:
        return f"RL helped: GRPO raised held-out accuracy over the warm-up by {span}."
    if high < 0:
        return f"RL hurt: GRPO lowered held-out accuracy below the warm-up by {span}."
    return f"No clear effect of RL: the interval of the gain includes 0 ({span})."


def run_demo(out: str = "runs", examples: Path | None = None, echo=print, stage=lambda title: None):
    """The four steps; returns the three scored models, the verdict sentence and the majority-label note."""
    # lazy: loads pydantic, yaml, which importing this module does not
    from ehrmind.config import default_recipe, load_config

    # lazy: loads pydantic, yaml, which importing this module does not
    from ehrmind.overrides import deep_merge

    # lazy: loads pydantic, yaml, which importing this module does not
    from ehrmind.stages.evaluate import run_eval

    # lazy: loads pydantic, yaml, which importing this module does not
    from ehrmind.stages.rl import run_rl

    # lazy: loads pydantic, yaml, which importing this module does not
    from ehrmind.stages.train_common import ensure_tiny_model

    # lazy: loads pydantic, yaml, which importing this module does not
    from ehrmind.stages.warmup import run_warmup

    root = Path(out) / "demo"
    examples = examples or examples_dir()
    import torch

    # The tiny model's matmuls are too small to gain from threads, and on a shared machine two threads contend
    # badly (benchmarks/RESULTS.md, GRPO step: 0.1 s with one thread, 17.5 s with two on a loaded machine).
    torch.set_num_threads(1)

    def cfg(stage_name: str, rows: Path, **sections):
        overrides = deep_merge({"output_dir": str(root), "data": {"train": str(rows), "eval": str(rows)}}, sections)
        return load_config(default_recipe(stage_name), stage=stage_name, overrides=overrides)

    stage("1/4 records -> task rows (ehrmind data build)")
    manifest = build_demo_data(examples, root / "data")
    for task, counts in manifest["counts"].items():
        echo(f"{task}: train {counts['train']}, val {counts['val']}, test {counts['test']}")
    paths = prepare_rows(root / "data", root / "rows")
    tiny = ensure_tiny_model(str(root))

    stage("2/4 warm-up (SFT: answer format, worked calculator solutions)")
    warm_dir = run_warmup(cfg("warmup", paths["warmup"], model={"path": tiny}, **WARMUP), echo=echo)
    stage(f"3/4 GRPO on {DEMO_TASK} (format + diagnosis_label rewards)")
    rl_dir = run_rl(cfg("rl", paths["rl"], model={"path": str(warm_dir / "final")}, **GRPO), echo=echo)

    stage(f"4/4 held-out evaluation (seed {EVAL_SEED}, {EVAL_SAMPLES} samples per row)")
    eval_cfg = cfg("eval", paths["heldout"], **EVAL)
    eval_cfg.data.train = str(paths["rl"])  # "seen" calculators/tasks come from the GRPO rows
    scored = []
    for name, model in (("random model", tiny), ("after warm-up", str(warm_dir / "final")),
                        ("after GRPO", str(rl_dir / "final"))):
        run_dir, metrics = run_eval(eval_cfg, model_path=model, echo=lambda *_: None, seed=EVAL_SEED)
        scored.append(score(name, run_dir, metrics))
    return scored, verdict(scored[1], scored[2]), majority_baseline(paths["rl"], paths["heldout"])


def results_table(scored: list[Scored], k: int = EVAL_SAMPLES):
    """One rich table: pass@1 ± 95 % interval, pass@k and format rate per model."""
    # lazy: loads rich, which importing this module does not
    from rich.table import Table

    n = len(scored[0].per_row)
    table = Table(title=f"{DEMO_TASK}: same {n} held-out rows × {k} samples, seed {EVAL_SEED}")
    for col in ("model", "pass@1 (± 95 %)", f"pass@{k}", "format rate"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for s in scored:
        table.add_row(s.name, f"{s.pass1:.1%} ± {s.half_width:.1%}", f"{s.pass_k:.1%}", f"{s.format_rate:.1%}")
    return table
