"""Reward throughput: every reward (`medcalc_accuracy`, `format`, `ehrmind`, `calc_accuracy`, the label
rewards, `trial_consistency`, `pseudo_label`) vs Math-Verify's parse + verify.

    python benchmarks/rewards.py                    # 3 x 60,000 completions per reward, 1,000 for Math-Verify
    python benchmarks/rewards.py --n 200000 --mv-n 2000 --reps 5 --seed 1

Why: the reward runs on every sampled completion of every GRPO step, so it must never be what the GPU
waits for. The goal (issue #11) is >= 100,000 completions/s on one core for every reward on realistic
300-1,500 token completions, and >= 20x Math-Verify (the common verifier in open RL recipes) on the same
completions. The process pins itself to one CPU core when the OS allows it, and rates are computed from
the process's CPU time (`time.process_time`), so they are per core and not skewed by other load on the
machine; wall-clock rates are printed beside them. Each repetition is a fresh batch (new golds, new
completions) timed once, as each GRPO step brings new prompts, and the rewards' caches of answers and golds
are emptied before each timed pass (`rewards.caches.clear`), so no reward is served what another one read
from the same batch (a recipe that runs several rewards on one batch gets that help; one alone does not);
one-time imports happen in an untimed warm-up on another seed. A virtual
machine's speed drifts by 20-30 % within minutes (up to 2x on the development VM), hence the median of
several repetitions, and a fixed pure-Python probe (`build_e2e.speed_probe`) timed before and after each
repetition, printed with the results, so a slow run can be told from a slow machine.

Completions are synthetic but shaped like real ones: `<think>` reasoning of 300-1,500 tokens (about four
characters per token) built from clinical sentences with numbers, then `<answer>{"answer": ...}</answer>`
with a right or wrong value, sometimes with a unit, and ~5 % malformed. Gold rows mimic MedCalc-Bench
(decimal with limits, integer score, date, (weeks, days)); TRL's layout is kept (8 generations per prompt,
gold repeated per generation).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(1, str(Path(__file__).resolve().parent))

from build_e2e import speed_probe  # noqa: E402

from rewards import caches, get_reward, stats  # noqa: E402

SENTENCES = (
    "The patient is a {a}-year-old {s} presenting with shortness of breath and bilateral leg edema.",
    "Serum creatinine is {c} mg/dL, sodium {na} mmol/L, potassium {k} mmol/L and glucose {g} mg/dL.",
    "Blood pressure was {sbp}/{dbp} mm Hg with a heart rate of {hr} beats per minute.",
    "Using the CKD-EPI 2021 equation, kappa is 0.7 for females and 0.9 for males, alpha -0.241 or -0.302.",
    "So the ratio Scr/kappa = {c}/0.9 = {r}, and min(ratio, 1) raised to alpha gives {p}.",
    "Next, multiply by 142 and by 0.9938 raised to the age, which is {f}.",
    "The weight is {w} kg and the height is {h} cm, so the BMI is {w}/({h}/100)^2 = {bmi} kg/m².",
    "Checking each criterion: hypertension (+1), age >= 75 (+2), diabetes (+1), prior stroke (+2).",
    "The last menstrual period was on {d}; adding 280 days gives the estimated due date.",
    "I should double-check the units: creatinine in µmol/L would be {cu}, which converts back to {c}.",
    "Therefore, rounding only at the end, the computed value is approximately {v}.",
    "Wait, let me re-check the arithmetic step by step to be sure nothing was dropped.",
)


def _sentence(rng: random.Random) -> str:
    """One reasoning sentence with random numbers; the computed value stays a "{v}" placeholder."""
    return rng.choice(SENTENCES).format(
        a=rng.randint(18, 95),
        s=rng.choice(("man", "woman")),
        c=round(rng.uniform(0.5, 4), 2),
        na=rng.randint(125, 150),
        k=round(rng.uniform(3, 6), 1),
        g=rng.randint(70, 400),
        sbp=rng.randint(90, 190),
        dbp=rng.randint(50, 110),
        hr=rng.randint(45, 140),
        r=round(rng.uniform(0.5, 4), 3),
        p=round(rng.uniform(0.2, 1), 4),
        f=round(rng.uniform(0.5, 1), 4),
        w=rng.randint(40, 140),
        h=rng.randint(140, 200),
        bmi=round(rng.uniform(16, 45), 1),
        d=f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/20{rng.randint(10, 24)}",
        cu=round(rng.uniform(40, 350), 1),
        v="{v}",
    )


# Completions draw their sentences from a pool (formatting each sentence afresh made generating the
# batches take minutes); 8,192 distinct sentences in random order keep every reasoning text distinct.
_POOL: list[str] = []


def _think(rng: random.Random, value: float) -> str:
    if not _POOL:
        pool_rng = random.Random(12345)
        _POOL.extend(_sentence(pool_rng) for _ in range(8_192))
    target_chars = rng.randint(300, 1500) * 4
    parts: list[str] = []
    size = 0
    while size < target_chars:
        parts.append(rng.choice(_POOL))
        size += len(parts[-1]) + 1
    return " ".join(parts).replace("{v}", str(round(value, 2)))


def _gold_and_answers(rng: random.Random) -> tuple[dict, list]:
    kind = rng.choices(("decimal", "integer", "date", "weeks_days"), weights=(80, 12, 5, 3))[0]
    if kind == "decimal":
        v = round(rng.uniform(5, 150), 3)
        gold = {"kind": "decimal", "value": v, "lower": round(v * 0.95, 3), "upper": round(v * 1.05, 3),
                "unit": "mL/min/{1.73_m2}", "calculator": "ckd_epi_2021", "limits": "medcalc_bench"}
        answers = [
            v,
            round(v * rng.uniform(0.97, 1.03), 2),
            round(v * rng.uniform(0.5, 0.9), 1),
            f"{round(v, 1)} mL/min/1.73 m²",
            f"≈ {round(v)}",
            str(round(v * 1.2, 2)),
        ]
    elif kind == "integer":
        v = rng.randint(0, 9)
        gold = {"kind": "integer", "value": v}
        answers = [v, v + 1, f"{v} points", str(v), max(0, v - 1)]
    elif kind == "date":
        m, d, y = rng.randint(1, 12), rng.randint(1, 28), rng.randint(2000, 2024)
        gold = {"kind": "date", "value": f"{y}-{m:02d}-{d:02d}"}
        answers = [f"{m:02d}/{d:02d}/{y}", f"{m:02d}/{d + 1:02d}/{y}", f"{y}-{m:02d}-{d:02d}"]
    else:
        w, d = rng.randint(4, 40), rng.randint(0, 6)
        gold = {"kind": "weeks_days", "value": [w, d]}
        answers = [[w, d], f"({w} weeks, {d} days)", [w, (d + 1) % 7]]
    return gold, answers


def _completion(rng: random.Random, answer, gold_value) -> str:
    value = gold_value if isinstance(gold_value, float) else 50.0
    think = _think(rng, value)
    body = json.dumps({"answer": answer}, ensure_ascii=False)
    roll = rng.random()
    if roll < 0.02:
        return f"<think>{think}</think>\nThe answer is {answer}."  # missing answer tags
    if roll < 0.04:
        return f"<think>{think}</think><answer>{{'answer': {answer!r},}}</answer>"  # invalid JSON
    if roll < 0.05:
        return f"{think}</think><answer>{body}</answer> Hope this helps!"
    return f"<think>\n{think}\n</think>\n<answer>{body}</answer>"


def make_batch(n: int, seed: int, generations: int = 8) -> tuple[list[str], list[str], list[str]]:
    rng = random.Random(seed)
    completions, golds, tasks = [], [], []
    while len(completions) < n:
        gold, answers = _gold_and_answers(rng)
        gold_text = json.dumps(gold)
        for _ in range(generations):
            completions.append(_completion(rng, rng.choice(answers), gold["value"]))
            golds.append(gold_text)
            tasks.append("medcalc")
    return completions[:n], golds[:n], tasks[:n]


CALCS = (  # (calculator, gold unit, analyte, value range, answer spellings in another unit)
    ("sodium_correction_hyperglycemia", "mEq/L", "sodium", (125.0, 150.0), "{v} mmol/L"),
    ("bmi", "kg/m2", None, (16.0, 45.0), "{v} kg/m²"),
    ("ckd_epi_2021", "mL/min/{1.73_m2}", None, (10.0, 120.0), "{v} mL/min/1.73 m²"),
    ("anion_gap", "mEq/L", "monovalent_ions", (4.0, 30.0), "{v} mmol/L"),
)
TRIAL = ("not relevant", "excluded", "eligible")


def _label_answers(rng: random.Random, choices: tuple[str, ...], value: str) -> list:
    other = rng.choice([c for c in choices if c != value])
    return [value, value.capitalize() + ".", other, f"{value} or {other}", "N/A"]


def make_task_batch(task: str, n: int, seed: int, generations: int = 8) -> tuple[list[str], dict]:
    """Completions and columns for one reward's task: calc, trial_match, ehrshot, pseudo."""
    rng = random.Random(seed)
    completions: list[str] = []
    cols: dict[str, list] = {"gold": [], "task": [], "meta": [], "prompts": []}
    group = 0
    while len(completions) < n:
        meta = None
        if task == "calc" or task == "pseudo/calc":
            cid, unit, analyte, (lo, hi), spelled = rng.choice(CALCS)
            v = round(rng.uniform(lo, hi), 2)
            gold = {"kind": "decimal", "value": v, "unit": unit, "calculator": cid}
            if analyte:
                gold["analyte"] = analyte
            answers = [v, round(v + rng.uniform(-0.3, 0.3), 2), spelled.format(v=v), round(v * 0.8, 1), "x"]
        elif task == "trial_match":
            v = rng.choice(TRIAL)
            gold = {"kind": "label", "value": v, "choices": list(TRIAL)}
            answers = _label_answers(rng, TRIAL, v)
            age = rng.randint(10, 90)
            meta = json.dumps({"patient_age": age, "patient_sex": rng.choice(("female", "male")),
                               "trial_min_age": 18, "trial_max_age": None, "trial_sex": None,
                               "trial_limits": {"min_age": 18, "max_age": 65, "sex": None, "source": "text"},
                               "topic": group})  # fmt: skip
        else:  # ehrshot
            v = rng.choice(("yes", "no"))
            gold = {"kind": "label", "value": v, "choices": ["no", "yes"]}
            answers = _label_answers(rng, ("no", "yes"), v)
        gold_text = json.dumps(gold)
        for _ in range(generations):
            completions.append(_completion(rng, rng.choice(answers), 50.0))
            cols["gold"].append(gold_text)
            cols["task"].append(task if task != "ehrshot" else "ehrshot/new_hypertension")
            cols["meta"].append(meta)
            cols["prompts"].append(f"prompt {group}")
        group += 1
    return completions[:n], {k: v[:n] for k, v in cols.items()}


def time_columns(name: str, completions, cols: dict, batch: int = 256) -> tuple[float, float, float]:
    """Like `time_reward`, for any reward's columns (prompts kept: pseudo_label groups by prompt)."""
    f = get_reward(name)
    batches = []
    caches.clear()  # cold: another reward timed on the same batch must not have read it for this one
    clock = _Clock().__enter__()
    for i in range(0, len(completions), batch):
        part = {k: v[i : i + batch] for k, v in cols.items()}
        batches.append(f(completions=completions[i : i + batch], **part))
    clock.__exit__()
    return len(completions) / clock.cpu, len(completions) / clock.wall, _mean_score(batches, len(completions))


def _mean_score(batches: list[list], n: int) -> float:
    """Sum of the scores (None: not graded) over all rows, outside the timed loop."""
    return sum(s for scores in batches for s in scores if s is not None) / n


class _Clock:
    """CPU and wall time of a block."""

    def __enter__(self):
        self.cpu, self.wall = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.cpu, self.wall = time.process_time() - self.cpu, time.perf_counter() - self.wall


def time_reward(name: str, completions, golds, tasks, batch: int = 256) -> tuple[float, float, float]:
    """(completions per CPU second, per wall second, mean score), in TRL-sized batches."""
    f = get_reward(name)
    batches = []
    caches.clear()  # cold, as in `time_columns`
    clock = _Clock().__enter__()
    for i in range(0, len(completions), batch):
        batches.append(
            f(prompts=None, completions=completions[i : i + batch], gold=golds[i : i + batch],
              task=tasks[i : i + batch])
        )  # fmt: skip
    clock.__exit__()
    return len(completions) / clock.cpu, len(completions) / clock.wall, _mean_score(batches, len(completions))


def time_math_verify(completions, golds) -> tuple[float, float, float]:
    from math_verify import parse, verify

    cache: dict[str, object] = {}
    correct = 0
    clock = _Clock().__enter__()
    for text, gold_text in zip(completions, golds, strict=True):
        if gold_text not in cache:
            value = json.loads(gold_text)["value"]
            cache[gold_text] = parse(
                str(value) if not isinstance(value, list) else f"({value[0]}, {value[1]})"
            )
        correct += bool(verify(cache[gold_text], parse(text)))
    clock.__exit__()
    return len(completions) / clock.cpu, len(completions) / clock.wall, correct / len(completions)


TASK_REWARDS = (  # (reward, the task whose rows it grades)
    ("calc_accuracy", "calc"),
    ("trial_label", "trial_match"),
    ("trial_consistency", "trial_match"),
    ("diagnosis_label", "ehrshot"),
    ("pseudo_label", "pseudo/calc"),
)


def one_rep(n: int, seed: int) -> dict[str, tuple[float, float, float]]:
    """Each reward's (CPU rate, wall rate, mean score) on a fresh batch drawn with `seed`: new golds and
    new completions, as every GRPO step brings new prompts (so the answer and gold caches start cold)."""
    completions, golds, tasks = make_batch(n, seed)
    rates = {name: time_reward(reward, completions, golds, tasks)
             for name, reward in (("medcalc_accuracy", "medcalc_accuracy"), ("format (strict)", "format"),
                                  ("ehrmind (preset)", "ehrmind"))}  # fmt: skip
    del completions, golds, tasks
    for name, task in TASK_REWARDS:
        batch, cols = make_task_batch(task, n, seed)
        rates[name] = time_columns(name, batch, cols)
    return rates


def warm_up(seed: int) -> None:
    """Import everything the rewards load lazily (calculator modules, unit registry) on a small batch of
    another seed, so no timed pass pays a one-time import."""
    completions, golds, tasks = make_batch(512, seed)
    for reward in ("medcalc_accuracy", "format", "ehrmind"):
        time_reward(reward, completions, golds, tasks)
    for name, task in TASK_REWARDS:
        batch, cols = make_task_batch(task, 512, seed)
        time_columns(name, batch, cols)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=60_000, help="completions per reward and repetition")
    ap.add_argument("--mv-n", type=int, default=1_000, help="completions for Math-Verify (slow)")
    ap.add_argument(
        "--reps", type=int, default=3, help="repetitions, each on a fresh batch (seed, seed+1...)"
    )
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    warm_up(args.seed + 10_000)
    probes = [speed_probe()]
    reps = []
    for r in range(args.reps):
        reps.append(one_rep(args.n, args.seed + r))
        probes.append(speed_probe())
    completions, golds, _ = make_batch(args.mv_n, args.seed)
    chars = [len(c) for c in completions]
    mv = time_math_verify(completions, golds)
    stats.reset()
    print(f"command: python benchmarks/rewards.py --n {args.n} --mv-n {args.mv_n} --reps {args.reps} "
          f"--seed {args.seed}")  # fmt: skip
    print(
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, 1 core"
    )
    print(f"completion length: {min(chars)}-{max(chars)} chars (mean {sum(chars) / len(chars):.0f})")
    print("speed probe s, before and after each repetition: " + ", ".join(f"{p:.3f}" for p in probes)
          + " (build_e2e.speed_probe: 0.14-0.16 s on the dev VM at its normal speed; higher: slower)")  # fmt: skip
    print(f"each reward: median (min) of {args.reps} passes over {args.n:,} fresh completions\n")
    print("| reward | completions/s (CPU time, 1 core) | min | completions/s (wall) | mean score |")
    print("|---|---:|---:|---:|---:|")
    medians: dict[str, float] = {}
    for name in reps[0]:
        cpu = [rep[name][0] for rep in reps]
        medians[name] = statistics.median(cpu)
        wall = statistics.median(rep[name][1] for rep in reps)
        score = statistics.mean(rep[name][2] for rep in reps)
        print(f"| {name} | {medians[name]:,.0f} | {min(cpu):,.0f} | {wall:,.0f} | {score:.3f} |")
    print(f"| math_verify parse+verify ({args.mv_n:,}) | {mv[0]:,.0f} | | {mv[1]:,.0f} | {mv[2]:.3f} |\n")
    for name, rate in medians.items():
        verdict = "met" if rate >= 100_000 else "NOT met"
        print(f"{name}: {rate / mv[0]:,.0f}x Math-Verify (goal >= 20x); >= 100,000/s per core {verdict}")


if __name__ == "__main__":
    main()
