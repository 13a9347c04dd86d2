"""`ehrmind pseudo-label`: label unlabeled rows with the policy's own majority answer (MedSSR).

    ehrmind pseudo-label --data runs/synth --model runs/warmup/<run>/final --n 8 --threshold 0.6 --out runs/pseudo

Why: a hospital has far more unlabeled records than labeled ones. MedSSR (arXiv:2604.11547) samples the
policy N times per unlabeled question and keeps the majority answer as a label when the model agrees with
itself often enough; stage 1 of its curriculum trains on these labels, stage 2 on gold rows.

For each row of `--split` (default train): N sampled completions -> `ehrmind.seed_papers.vote.vote` (answers grouped
within the calculator's tolerance, labels through aliases) -> the majority becomes the row's gold when its
share >= `--threshold`. Written rows have `task = "pseudo/<task>"`, the majority as `gold` (same schema),
and `meta.pseudo = {share, entropy, n, valid, groups, tie, gold_available, matches_gold}`; the original task
and gold stay in `meta.original_task` / `meta.original_gold`. A row counts as unlabeled (no gold to compare
with) when its `meta.unlabeled` is true; its gold then only declares the answer type.

Where gold exists, the run measures how often the majority matches it, graded by the same reward code
as training (`matches_gold`): the agreement over accepted labels, the majority's accuracy at every share,
and both split by rare / common rows. `manifest.json` and `report.md` in `--out` hold these numbers and
the counts of rows left unlabeled with their reasons; no patient text is printed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ehrmind.seed_papers.vote import Vote, answer_json, pseudo_gold, vote
from ehrmind.tasks.schema import PSEUDO_PREFIX, read_rows, write_jsonl
from rewards.parse import DEFAULT_FORMAT

PREFIX = PSEUDO_PREFIX


def _meta(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(row["meta"]) if isinstance(row.get("meta"), str) else dict(row.get("meta") or {})


def grade_answers(rows: list[dict[str, Any]], answers: list[Any]) -> list[bool | None]:
    """Whether each answer is right for its row by the task's accuracy reward (None: no reward applies)."""
    # lazy: loads pydantic, yaml, which importing this module does not
    from ehrmind.stages.evaluate import grade
    if not rows:
        return []
    completions = [[DEFAULT_FORMAT.render("majority vote", answer_json(a))] for a in answers]
    return [g["correct"][0] if g["graded"] else None for g in grade(rows, completions)]


def label_rows(
    rows: list[dict[str, Any]],
    completions: list[list[str]],
    threshold: float,
) -> tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]]:
    """Majority-vote labels for rows with their sampled completions.

    Returns (pseudo-labeled rows, report, per-row vote records without any text)."""
    if len(rows) != len(completions):
        raise ValueError(f"{len(rows)} rows but {len(completions)} completion lists")
    votes: list[Vote] = [vote(c, r["gold"], threshold) for r, c in zip(rows, completions, strict=True)]
    metas = [_meta(r) for r in rows]
    has_gold = [not m.get("unlabeled", False) for m in metas]
    # Grade every majority (accepted or not) against the true gold, to show what the threshold buys.
    to_grade = [i for i, v in enumerate(votes) if v.label is not None and has_gold[i]]
    graded = dict(zip(to_grade, grade_answers([rows[i] for i in to_grade], [votes[i].label for i in to_grade]),
                      strict=True))  # fmt: skip
    out, records = [], []
    reasons: Counter = Counter()
    for i, (row, v, meta) in enumerate(zip(rows, votes, metas, strict=True)):
        matches = graded.get(i)
        info = {"share": round(v.share, 4), "entropy": round(v.entropy, 4), "n": v.n, "valid": v.valid,
                "groups": v.groups, "tie": v.tie, "gold_available": has_gold[i], "matches_gold": matches}  # fmt: skip
        records.append({"id": row["id"], "task": row["task"], "rare": bool(meta.get("rare")),
                        "accepted": v.accepted, **info, "unreadable": v.unreadable})  # fmt: skip
        if not v.accepted:
            if v.label is None:
                reasons["no_readable_answer"] += 1
            else:
                reasons["below_threshold" if v.share < threshold else "majority_not_whole_number"] += 1
            continue
        new_meta = {**meta, "original_task": row["task"], "pseudo": info}
        if has_gold[i]:
            new_meta["original_gold"] = (
                json.loads(row["gold"]) if isinstance(row["gold"], str) else row["gold"]
            )
        task = row["task"] if row["task"].startswith(PREFIX) else PREFIX + row["task"]
        out.append({**row, "task": task, "gold": json.dumps(pseudo_gold(v.label, _gold(row))),
                    "split": "train", "meta": json.dumps(new_meta, default=str)})  # fmt: skip
    return out, summarize(records, threshold, reasons), records


def _gold(row: dict[str, Any]):
    # lazy: read at call time, so tests can patch parse_gold
    from rewards.gold import parse_gold

    return parse_gold(row["gold"])


def _agreement(records: list[dict[str, Any]]) -> dict[str, Any]:
    accepted = [r for r in records if r["accepted"] and r["matches_gold"] is not None]
    voted = [r for r in records if r["matches_gold"] is not None]
    return {
        "labeled_with_gold": len(accepted),
        "matches": sum(r["matches_gold"] for r in accepted),
        "agreement": sum(r["matches_gold"] for r in accepted) / len(accepted) if accepted else None,
        "majority_accuracy_any_share": sum(r["matches_gold"] for r in voted) / len(voted) if voted else None,
        "voted_with_gold": len(voted),
    }


def summarize(records: list[dict[str, Any]], threshold: float, reasons: Counter) -> dict[str, Any]:
    """Counts, coverage, ties and agreement with gold (overall, rare rows, common rows)."""
    n = len(records)
    accepted = sum(r["accepted"] for r in records)
    return {
        "rows": n,
        "threshold": threshold,
        "labeled": accepted,
        "coverage": accepted / n if n else 0.0,
        "unlabeled_reasons": dict(reasons),
        "ties": sum(r["tie"] for r in records),
        "ties_accepted": sum(r["tie"] and r["accepted"] for r in records),
        "mean_share": sum(r["share"] for r in records) / n if n else 0.0,
        "mean_entropy": sum(r["entropy"] for r in records) / n if n else 0.0,
        "agreement": _agreement(records),
        "agreement_rare": _agreement([r for r in records if r["rare"]]),
        "agreement_common": _agreement([r for r in records if not r["rare"]]),
    }


def _fmt(x: Any) -> str:
    return "n/a" if x is None else f"{x:.1%}" if isinstance(x, float) else str(x)


def agreement_lines(report: dict[str, Any]) -> list[str]:
    """Markdown lines with the pseudo-label agreement (used here and by the curriculum report)."""
    lines = ["| rows | labeled with gold | matches gold | agreement | majority accuracy at any share |",
             "|---|---|---|---|---|"]  # fmt: skip
    for name in ("agreement", "agreement_rare", "agreement_common"):
        a = report[name]
        label = {"agreement": "all", "agreement_rare": "rare", "agreement_common": "common"}[name]
        lines.append(f"| {label} | {a['labeled_with_gold']} | {a['matches']} | {_fmt(a['agreement'])} | "
                     f"{_fmt(a['majority_accuracy_any_share'])} |")  # fmt: skip
    return lines


def write_report(out: Path, report: dict[str, Any], settings: dict[str, Any]) -> Path:
    lines = ["# Pseudo-labels (MedSSR majority vote)", "",
             f"- model: `{settings.get('model')}`; {settings.get('n')} samples per row; threshold "
             f"{report['threshold']}",
             f"- rows: {report['rows']}; labeled: {report['labeled']} ({_fmt(report['coverage'])}); ties: "
             f"{report['ties']} ({report['ties_accepted']} accepted, broken by sample order)",
             f"- left unlabeled: {json.dumps(report['unlabeled_reasons'])}",
             f"- mean share {report['mean_share']:.3f}, mean entropy {report['mean_entropy']:.3f} nats", "",
             "## Agreement with gold (graded by the task's accuracy reward)", "", *agreement_lines(report), ""]  # fmt: skip
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_pseudo_label(
    data: str | Path,
    out: str | Path,
    *,
    sample: Callable[[list, int], list[list[str]]],
    n: int = 8,
    threshold: float = 0.6,
    split: str = "train",
    max_rows: int | None = None,
    settings: dict[str, Any] | None = None,
    echo=print,
) -> dict[str, Any]:
    """Read rows, sample `n` completions each with `sample(prompts, n)`, vote, write rows + manifest + report."""
    if n < 1:
        raise ValueError(f"--n={n}: sample at least 1 answer per row (MedSSR uses 8 or more)")
    rows = read_rows(data, split=split)
    rows = rows[:max_rows] if max_rows else rows
    if not rows:
        raise ValueError(f"no {split!r} rows in {data}")
    echo(f"pseudo-labeling {len(rows)} rows × {n} samples (threshold {threshold})")
    completions = sample([r["prompt"] for r in rows], n)
    labeled, report, records = label_rows(rows, completions, threshold)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(labeled, out / "train.jsonl")
    with (out / "votes.ndjson").open("w") as fh:  # ids and stats only (.ndjson: not read as task rows)
        for rec in records:
            fh.write(json.dumps(rec, default=str) + "\n")
    settings = {"data": str(data), "split": split, "n": n, "threshold": threshold, **(settings or {})}
    manifest = {"source": "ehrmind pseudo-label", "pseudo": report, "settings": settings,
                "splits": {"train": len(labeled)}}  # fmt: skip
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    write_report(out, report, settings)
    a = report["agreement"]
    echo(f"labeled {report['labeled']}/{report['rows']} rows; agreement with gold: {_fmt(a['agreement'])} "
         f"({a['matches']}/{a['labeled_with_gold']})")  # fmt: skip
    return manifest
