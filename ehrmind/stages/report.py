"""Human-readable reports: metrics JSONL / metrics.json -> report.md (+ report.html) with PNG plots.

Reports hold aggregate numbers only: no patient text.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from ehrmind.stages.runs import read_metrics

CURVE_KEYS = ("loss", "reward", "kl", "completions/mean_length")


def _plot_curves(records: list[dict[str, Any]], out: Path) -> list[str]:
    """One PNG per metric family present in the log; returns the file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    reward_keys = sorted({k for r in records for k in r if k.startswith("rewards/") and k.endswith("/mean")})
    groups = {"loss": ["loss"], "reward": ["reward", *reward_keys], "kl": ["kl"],
              "length": ["completions/mean_length"]}
    for name, keys in groups.items():
        series = {k: [(r["step"], r[k]) for r in records if isinstance(r.get(k), int | float)] for k in keys}
        series = {k: v for k, v in series.items() if v}
        if not series:
            continue
        fig, ax = plt.subplots(figsize=(6, 3.2))
        for key, points in series.items():
            xs, ys = zip(*points, strict=True)
            ax.plot(xs, ys, marker="o", markersize=2, label=key)
        ax.set_xlabel("step")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        file = f"{name}.png"
        fig.savefig(out / file, dpi=110)
        plt.close(fig)
        made.append(file)
    return made


def _md_table(header: list[str], rows: list[list[Any]]) -> str:
    def cell(v: Any) -> str:
        return f"{v:.3f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _write(run_dir: Path, markdown: str) -> Path:
    path = run_dir / "report.md"
    path.write_text(markdown)
    body = html.escape(markdown)
    # Minimal HTML twin: the markdown as preformatted text plus the plots inline.
    images = "".join(f'<p><img src="{p.name}"></p>' for p in sorted(run_dir.glob("*.png")))
    (run_dir / "report.html").write_text(f"<html><body><pre>{body}</pre>{images}</body></html>")
    return path


def write_training_report(run_dir: Path, *, title: str, extra: dict[str, Any] | None = None) -> Path:
    records = read_metrics(run_dir)
    plots = _plot_curves(records, run_dir)
    lines = [f"# {title}", "", f"Run directory: `{run_dir}`", ""]
    if extra:
        for key, value in extra.items():
            lines.append(f"- **{key}**: `{json.dumps(value)}`")
        lines.append("")
    steps = [r for r in records if "loss" in r or "reward" in r]
    if steps:
        keys = [k for k in ("loss", "reward", "kl", "completions/mean_length") if any(k in r for r in steps)]
        first, last = steps[0], steps[-1]
        lines.append(_md_table(["metric", f"first (step {first['step']})", f"last (step {last['step']})"],
                               [[k, first.get(k, ""), last.get(k, "")] for k in keys]))
        lines.append("")
    for plot in plots:
        lines.append(f"![{plot}]({plot})")
    return _write(run_dir, "\n".join(lines) + "\n")


def _editions_line(per_edition: dict[str, dict[str, Any]]) -> str:
    """'- Calculator editions: verified 55 rows (pass@1 40.0%)': which definitions the golds follow."""
    if not per_edition:
        return "- Calculator editions: no calculator rows"
    parts = [f"{e} {v['n']} rows (pass@1 {v.get('pass@1', 0):.1%})" for e, v in per_edition.items()]
    return "- Calculator editions (definitions of the golds): " + "; ".join(parts)


def write_eval_report(run_dir: Path, metrics: dict[str, Any]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = metrics["k"]
    # With one sample per row pass@k is pass@1: show the column once.
    pass_cols = ["pass@1"] + ([f"pass@{k}"] if k > 1 else [])

    def rate_rows(groups: dict[str, dict[str, Any]]) -> list[list[Any]]:
        return [[name, v["n"], *[v.get(c, "") for c in pass_cols]] for name, v in groups.items()]

    overall = metrics["overall"]
    lines = [
        "# Evaluation",
        "",
        f"Model: `{metrics.get('model')}`; {metrics['rows']} rows × {k} sample(s).",
        "",
        f"- Format compliance: **{metrics['format_compliance']:.1%}**",
        "- " + "; ".join(f"{c}: **{overall.get(c, 0):.1%}**" for c in pass_cols),
        _editions_line(metrics.get("per_edition") or {}),
        "",
        "## Per task",
        _md_table(["task", "n", *pass_cols], rate_rows(metrics["per_task"])),
        "",
        "## Per category",
        _md_table(["category", "n", *pass_cols], rate_rows(metrics["per_category"])),
        "",
        "## Per calculator (failure mode: missing vs misapplied knowledge)",
        _md_table(["calculator", "n", *pass_cols, "reliable pass@k", "seen", "failure mode"],
                  [[c, v["n"], *[v.get(col, "") for col in pass_cols], v["reliable_pass@k"], v["seen_in_training"],
                    v["failure_mode"]] for c, v in metrics["per_calculator"].items()]),
        "",
        "Failure modes follow EHRMIND: low pass@k means missing knowledge (warm up first); high pass@k with low "
        "pass@1 means misapplied knowledge (RL alone helps). Run with `-k 12` to classify; a calculator with "
        "fewer than 5 held-out rows gets no failure mode.",
        "",
        "*Reliable pass@k* (EHRMIND) is the share of rows where at least a set share of the k samples is correct "
        "(2/12 for risk scores, 3/12 for diagnosis, severity and the rest, 6/12 for trial matching): pass@k "
        "counts a row solved by one lucky sample, reliable pass@k does not.",
        "",
        "## Seen vs unseen calculators",
        _md_table(["group", "n", *pass_cols], rate_rows(metrics["seen_vs_unseen"])),
        "",
        "## Format failures",
        _md_table(["reason", "count"], [[r, n] for r, n in metrics["format_failure_reasons"].items()])
        if metrics["format_failure_reasons"] else "None.",
        "",
    ]
    cats = metrics["per_category"]
    if cats:
        fig, ax = plt.subplots(figsize=(6, 3))
        names = list(cats)
        bars = ax.bar([f"{c}\nn={cats[c]['n']}" for c in names], [cats[c].get("pass@1", 0) for c in names],
                      label="pass@1")
        ax.bar_label(bars, labels=[f"{cats[c].get('pass@1', 0):.0%}" for c in names], fontsize=7)
        ax.set_ylim(0, 1)
        ax.set_ylabel("pass@1")
        ax.set_title("accuracy by category (n = held-out rows)")
        fig.tight_layout()
        fig.savefig(run_dir / "accuracy_by_category.png", dpi=110)
        plt.close(fig)
        lines.append("![accuracy by category](accuracy_by_category.png)")
    # Reward curves of the run that produced the model, when it is an ehrmind run directory.
    model_dir = Path(str(metrics.get("model", ""))).parent
    if (model_dir / "metrics.jsonl").exists():
        for plot in _plot_curves(read_metrics(model_dir), run_dir):
            lines.append(f"![{plot} of the training run]({plot})")
    return _write(run_dir, "\n".join(lines) + "\n")
