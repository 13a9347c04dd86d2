"""The continued-pre-training report: the usual loss curve plus each source's share and loss over time.

Aggregate numbers only (token counts, losses, shares); no corpus text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ehrmind.stages.report import _md_table, write_training_report
from ehrmind.stages.runs import read_metrics


def _plot(records: list[dict[str, Any]], names: list[str], prefix: str, title: str, out: Path) -> str | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = {n: [(r["step"], r[f"{prefix}/{n}"]) for r in records if f"{prefix}/{n}" in r] for n in names}
    series = {n: v for n, v in series.items() if v}
    if not series:
        return None
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for name, points in series.items():
        xs, ys = zip(*points, strict=True)
        ax.plot(xs, ys, marker="o", markersize=2, label=name)
    ax.set_xlabel("step")
    ax.set_title(title)
    if prefix == "share":
        ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    file = f"source_{prefix}.png"
    fig.savefig(out / file, dpi=110)
    plt.close(fig)
    return file


def write_pretrain_report(run_dir: Path, names: list[str], sources: dict[str, Any], summary: dict[str, Any],
                          *, mix: dict[str, Any]) -> Path:
    records = read_metrics(run_dir)
    plots = [_plot(records, names, "share", "sampling share per source", run_dir),
             _plot(records, names, "loss", "training loss per source (last batch)", run_dir)]
    settings = {k: v for k, v in mix.items() if k != "corpus"}
    path = write_training_report(run_dir, title="Continued pre-training (packed causal LM)",
                                 extra={"mix": settings, "throughput": summary})
    first, last = (records[0], records[-1]) if records else ({}, {})
    rows = [[n, sources[n]["documents"], sources[n]["tokens"], sources[n]["blocks"],
             sum(sources[n]["skipped"].values()), first.get(f"share/{n}", ""), last.get(f"share/{n}", ""),
             last.get(f"loss/{n}", "")] for n in names]
    lines = ["", "## Sources and their shares", "",
             _md_table(["source", "documents", "tokens", "blocks", "skipped", "first share", "last share",
                        "last loss"], rows), ""]
    skipped = {n: s["skipped"] for n, s in sources.items() if s["skipped"]}
    lines.append(f"Skipped (by reason): `{skipped}`" if skipped else "Nothing was skipped.")
    lines.append("")
    lines += [f"![{p}]({p})" for p in plots if p]
    path.write_text(path.read_text() + "\n".join(lines) + "\n")
    return path
