"""`ehrmind prefer build`: preference pairs from the model's own verified samples (Citrus, MedCritical).

    ehrmind prefer build --data runs/synth --model runs/rl/<run>/final --n 8 --max-pairs 2 --out runs/pairs.jsonl
    ehrmind prefer build ... --medcritical        # rejected = a wrong answer, chosen = its corrected retry

Why: Citrus (arXiv:2502.18274) and MedCritical (arXiv:2509.23368) show that offline preference training on
the model's own samples is a cheap complement to GRPO; they judge samples with an LLM. ehrmind grades them
with the verifiable rewards instead: a sample is well-formed when the strict answer format parses it and
correct when the task's accuracy reward says so (the same code as training and `ehrmind eval`).

Pairs (`select_pairs`, pure): chosen = correct, rejected = wrong; both well-formed, within the token
limits, with different final answers, each sample used once, at most `--max-pairs` per row. MedCritical
variant: each well-formed wrong sample gets verifiable feedback ("Your answer X was incorrect because it is
too high ...; try again", never the gold value) and the model retries; the pair is kept only when a retry
is verified correct (chosen = the retry, rejected = the wrong answer, prompt = the original prompt).

Output: JSONL rows `{"prompt": [messages], "chosen": [assistant message], "rejected": [...]}` (TRL's
conversational preference format, plus `id`, `task`, `source`) and `<out>.manifest.json` with counts and
the reasons rows gave no pair.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ehrmind.seed_papers.vote import LENIENT, answer_json, normalise
from rewards.gold import parse_gold
from rewards.values import AnswerValueError

SampleFn = Callable[[list[list[dict[str, Any]]], int], list[list[str]]]


@dataclass(frozen=True)
class Sample:
    text: str
    well_formed: bool  # the strict answer format parses it
    correct: bool | None  # by the task's accuracy reward; None when no reward grades this task
    answer: Any  # the normalised final answer (None when unreadable)
    length: int  # tokens (or whatever the length function counts)


def score_samples(
    row: dict[str, Any], completions: list[str], length: Callable[[str], int] = len
) -> list[Sample]:
    """Grade one row's completions with the format parser and the task's accuracy reward."""
    # lazy: loads pydantic, yaml, which importing this module does not
    from ehrmind.stages.evaluate import grade

    graded = grade([row], [completions])[0]
    gold = parse_gold(row["gold"])
    samples = []
    for text, ok, right in zip(completions, graded["format_ok"], graded["correct"], strict=True):
        answer = None
        parsed = LENIENT.read_answer(text)
        if parsed.ok:
            try:
                answer = normalise(parsed.answer, gold)
            except AnswerValueError:
                answer = None
        samples.append(Sample(text, ok, right if graded["graded"] else None, answer, length(text)))
    return samples


def _fits(s: Sample, min_tokens: int, max_tokens: int | None) -> bool:
    return s.length >= min_tokens and (max_tokens is None or s.length <= max_tokens)


def no_pair_reason(samples: list[Sample], min_tokens: int = 1, max_tokens: int | None = None) -> str:
    """Why a row's samples give no pair (the first filter that empties a side)."""
    if all(s.correct is None for s in samples):
        return "no_accuracy_reward"
    formed = [s for s in samples if s.well_formed]
    if not formed:
        return "malformed"
    fitting = [s for s in formed if _fits(s, min_tokens, max_tokens)]
    if not fitting:
        return "length"
    if not any(s.correct for s in fitting):
        return "no_correct"
    if not any(s.correct is False for s in fitting):
        return "no_incorrect"
    return "same_answer"


def select_pairs(
    samples: list[Sample],
    *,
    max_pairs: int = 2,
    min_tokens: int = 1,
    max_tokens: int | None = None,
) -> list[tuple[Sample, Sample]]:
    """(chosen, rejected) pairs from one row's samples under the filters in the module docstring."""
    if max_pairs < 1:
        raise ValueError(f"max_pairs={max_pairs}: allow at least 1 pair per row")
    seen: set[str] = set()
    eligible = []
    for s in samples:  # identical texts would make a pair teach nothing: keep the first
        if s.well_formed and _fits(s, min_tokens, max_tokens) and s.text not in seen:
            seen.add(s.text)
            eligible.append(s)
    chosen = [s for s in eligible if s.correct is True and s.answer is not None]
    rejected = [s for s in eligible if s.correct is False and s.answer is not None]
    pairs, used = [], set()
    for c in chosen:
        match = next((j for j, r in enumerate(rejected) if j not in used and r.answer != c.answer), None)
        if match is None:
            continue
        used.add(match)
        pairs.append((c, rejected[match]))
        if len(pairs) == max_pairs:
            break
    return pairs


def feedback(row: dict[str, Any], wrong: Sample) -> str:
    """Verifiable feedback on a wrong answer (its direction or kind of error; never the gold value)."""
    gold = parse_gold(row["gold"])
    shown = json.dumps(answer_json(wrong.answer), ensure_ascii=False, default=str)
    if gold.kind in ("decimal", "integer") and isinstance(wrong.answer, int | float):
        why = "it is too high" if wrong.answer > gold.value else "it is too low"
    elif gold.kind == "label":
        why = "it is not the category the record supports"
    elif gold.kind == "date":
        why = "it is too late" if wrong.answer > gold.value else "it is too early"
    else:
        why = "it does not match the value the record supports"
    return (f"Your answer {shown} was incorrect because {why}. Re-read the patient information, check each "
            "step, and try again in the same answer format.")  # fmt: skip


def retry_prompt(row: dict[str, Any], wrong: Sample) -> list[dict[str, str]]:
    return [
        *row["prompt"],
        {"role": "assistant", "content": wrong.text},
        {"role": "user", "content": feedback(row, wrong)},
    ]


def _pair_row(row: dict[str, Any], chosen: str, rejected: str, k: int, source: str) -> dict[str, Any]:
    return {"prompt": row["prompt"], "chosen": [{"role": "assistant", "content": chosen}],
            "rejected": [{"role": "assistant", "content": rejected}], "id": f"{row['id']}#{k}",
            "task": row["task"], "source": source}  # fmt: skip


def build_pairs(
    rows: list[dict[str, Any]],
    sample: SampleFn,
    *,
    n: int = 8,
    max_pairs: int = 2,
    medcritical: bool = False,
    retries: int = 2,
    min_tokens: int = 1,
    max_tokens: int | None = None,
    length: Callable[[str], int] = len,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Sample, grade and pair (see the module docstring); returns pair rows and statistics."""
    if n < 2 and not medcritical:
        raise ValueError(f"--n={n}: a verified pair needs at least 2 samples per row")
    completions = sample([r["prompt"] for r in rows], n)
    scored = [score_samples(r, c, length) for r, c in zip(rows, completions, strict=True)]
    pairs: list[dict[str, Any]] = []
    reasons: Counter = Counter()
    stats = Counter()
    if not medcritical:
        for row, samples in zip(rows, scored, strict=True):
            found = select_pairs(samples, max_pairs=max_pairs, min_tokens=min_tokens, max_tokens=max_tokens)
            if not found:
                reasons[no_pair_reason(samples, min_tokens, max_tokens)] += 1
            pairs += [_pair_row(row, c.text, r.text, k, "verified") for k, (c, r) in enumerate(found)]
    else:
        jobs = []  # (row, wrong sample): wrong, well-formed answers to retry with feedback
        for row, samples in zip(rows, scored, strict=True):
            wrong = [s for s in samples if s.correct is False and s.well_formed and s.answer is not None
                     and _fits(s, min_tokens, max_tokens)]  # fmt: skip
            if not wrong:
                reasons[
                    "no_wrong_answer" if any(s.correct is not None for s in samples) else "no_accuracy_reward"
                ] += 1
            unique = list({s.answer: s for s in reversed(wrong)}.values())[::-1]  # one retry per wrong answer
            jobs += [(row, s) for s in unique[:max_pairs]]
        retried = sample([retry_prompt(row, s) for row, s in jobs], retries) if jobs else []
        kept: Counter = Counter()
        for (row, wrong), outs in zip(jobs, retried, strict=True):
            stats["retried"] += 1
            fixed = [s for s in score_samples(row, outs, length)
                     if s.correct and s.well_formed and s.answer != wrong.answer and _fits(s, min_tokens, max_tokens)]  # fmt: skip
            if not fixed:
                stats["retry_failed"] += 1
                continue
            pairs.append(_pair_row(row, fixed[0].text, wrong.text, kept[row["id"]], "medcritical"))
            kept[row["id"]] += 1
        stats["corrected"] = len(pairs)
    with_pairs = len({p["id"].rsplit("#", 1)[0] for p in pairs})
    report = {"rows": len(rows), "samples_per_row": n, "pairs": len(pairs), "rows_with_pairs": with_pairs,
              "no_pair_reasons": dict(reasons), "medcritical": dict(stats) if medcritical else None,
              "well_formed_share": _share([s.well_formed for ss in scored for s in ss]),
              "correct_share": _share([bool(s.correct) for ss in scored for s in ss])}  # fmt: skip
    return pairs, report


def _share(flags: list[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def write_pairs(
    pairs: list[dict[str, Any]], out: str | Path, report: dict[str, Any], settings: dict[str, Any]
) -> Path:
    """Write the pairs JSONL and `<stem>.manifest.json` beside it; returns the manifest path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for p in pairs:
            fh.write(json.dumps(p, ensure_ascii=False) + "\n")
    manifest = out.with_name(out.stem + ".manifest.json")
    manifest.write_text(json.dumps({"source": "ehrmind prefer build", **report, "settings": settings}, indent=2,
                                   default=str))  # fmt: skip
    return manifest
