"""Generate docs/calculators.md from the calculator declarations.

    python -m calculators.docs > docs/calculators.md

Why generated: the deviations from MedCalc-Bench live once, in each calculator's `notes` (format
"MedCalc-Bench: <what it does>; ours: <what we do>; source: <reference>", one deviation per line), and
the audit's disagreement reasons link to the `## <id>` anchors written here. A test checks that the
committed file equals `render_markdown()`, so the page cannot drift from the code.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

from calculators.checks import load_available
from calculators.spec import Calculator
from calculators.units import display_unit

# One deviation: "MedCalc-Bench[ qualifier]: ...; ours: ...; source: ..." up to the next deviation or the end.
# The qualifier (e.g. "v1.0", "Verified") says which release behaves so.
_START = r"MedCalc-Bench(?:\s+(?P<release>[^:;]{1,30}?))?:"
_DEVIATION = re.compile(
    _START
    + r"\s*(?P<bench>.+?);\s*ours:\s*(?P<ours>.+?);\s*source:\s*(?P<source>.+?)\s*(?=MedCalc-Bench[^:;]{0,31}:|$)",
    re.DOTALL,
)


@dataclass(frozen=True)
class Deviation:
    """One documented difference between MedCalc-Bench and our calculator."""

    calculator_id: str
    benchmark: str
    ours: str
    source: str


def parse_notes(calc: Calculator) -> tuple[list[Deviation], list[str]]:
    """(deviations in the standard format, the rest of the note text) of one calculator's `notes`."""
    text = " ".join(calc.notes.split())
    deviations, rest, position = [], [], 0
    for match in _DEVIATION.finditer(text):
        rest.append(text[position : match.start()])
        release = f"({match['release'].strip(' ()')}) " if match["release"] else ""
        deviations.append(Deviation(calc.id, release + match["bench"], match["ours"], match["source"]))
        position = match.end()
    rest.append(text[position:])
    other = [part.strip() for part in rest if part.strip()]
    return deviations, other


def documents_deviation(calc: Calculator) -> bool:
    """Whether the calculator's notes record at least one deviation from MedCalc-Bench."""
    return bool(parse_notes(calc)[0])


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _section(calc: Calculator) -> list[str]:
    unit = display_unit(calc.output.unit) if calc.output.unit else ""
    lines = [
        f"## {calc.id}",
        "",
        f"**{calc.name}**{f' — MedCalc-Bench #{calc.medcalc_id}' if calc.medcalc_id else ''}. {calc.description}",
        "",
        f"- Output: {calc.output.label} ({calc.output.kind}{', ' + unit if unit else ''})",
        f"- Inputs: {', '.join(f'`{i.name}`' for i in calc.inputs)}",
        f"- Source: {calc.citation}",
    ]
    deviations, other = parse_notes(calc)
    lines += [f"- MedCalc-Bench: {d.benchmark}; ours: {d.ours}; source: {d.source}" for d in deviations]
    lines += [f"- Note: {line}" for line in other]
    lines += [f"- Missing `{name}`: {_cell(rule)}" for name, rule in calc.missing_data.items()]
    lines += [f"- Ignored MedCalc-Bench key `{key}`: {_cell(why)}" for key, why in calc.medcalc_ignore.items()]
    lines += [f"- Edition `{e}`: {_cell(v.differs)} ({_cell(str(v.citation))})" for e, v in _differences(calc)]
    return [*lines, ""]


def _differences(calc: Calculator) -> list:
    from calculators.editions import differences

    return differences(calc)


# Yes/no findings: one convention for every score (stated once, listed per calculator in the table).
_FINDING_RULE = (
    "yes/no findings not reported → absent (no points): MedCalc-Bench's convention (its calculators read "
    "an unreported finding as False; e.g. calculator_implementations/cci.py)"
)


def _unreported_findings(calc: Calculator) -> list[str]:
    """Optional yes/no inputs without their own missing-data entry."""
    return [i.name for i in calc.inputs if i.kind == "bool" and not i.required and i.name not in calc.missing_data]


def _editions_section(calculators: list[Calculator], deviations: list[Deviation]) -> list[str]:
    """## Editions: calculator × edition × difference, then everything Verified does unlike the sources."""
    from calculators.editions import DESCRIPTIONS, EDITIONS, differences

    rows = [(calc, e, v) for calc in calculators for e, v in differences(calc)]
    # Deviations of every release or of Verified, except Output Type labels (declared as edition variants).
    verified_labels = [d for d in deviations if (not d.benchmark.startswith("(") or "verified" in
                       d.benchmark.split(")")[0].lower()) and "Output Type" not in d.benchmark]  # fmt: skip
    return [
        "## Editions",
        "",
        "Every command that uses a calculator takes `--edition`: "
        + "; ".join(f"`{e}`: {DESCRIPTIONS[e]}" for e in EDITIONS)
        + ". `data build` records each row's edition in its meta (a MedCalc-Bench file's own edition is "
        "detected from its rows: the Output Type labels below, MELD 3.0 explanations; then its name and size), "
        "rewards grade with it and `eval` reports it. An edition selects a *definition*; no edition reproduces "
        "a bug (those are label errors, in the deviations table below). Calculators not listed are the same "
        "in every edition.",
        "",
        "| Calculator | Edition | Difference from the primary source | Definition |",
        "|---|---|---|---|",
        *[f"| [{c.id}](#{c.id}) | `{e}` | {_cell(v.differs)} | {_cell(str(v.citation))} |" for c, e, v in rows],
        "",
        "### MedCalc-Bench Verified vs the primary sources",
        "",
        "Definitions Verified changed (computed by `--edition verified`): "
        + ", ".join(f"[{c.id}](#{c.id})" for c, e, _ in rows if e == "verified")
        + ". Label errors that remain in Verified (every edition computes the source's definition; `calc audit` "
        "reports these rows as disagreements): "
        + ", ".join(sorted({f"[{d.calculator_id}](#{d.calculator_id})" for d in verified_labels}))
        + ".",
        "",
    ]


def render_markdown() -> str:
    """The full docs/calculators.md text."""
    calculators, missing = load_available()
    deviations = [d for calc in calculators for d in parse_notes(calc)[0]]
    out = [
        "# Calculators",
        "",
        "Generated by `python -m calculators.docs > docs/calculators.md` from the calculator declarations "
        "(`calculators/defs/`); do not edit by hand. `ehrmind calc list` and `ehrmind calc show ID` give "
        "the same information on the command line.",
        "",
        *_editions_section(calculators, deviations),
        "## Deviations from MedCalc-Bench",
        "",
        "Where MedCalc-Bench's implementation differs from the primary source we follow the source; "
        "`ehrmind calc audit` reports the affected benchmark rows as label disagreements linking here.",
        "",
        "| Calculator | MedCalc-Bench | Ours | Source |",
        "|---|---|---|---|",
        *[
            f"| [{d.calculator_id}](#{d.calculator_id}) | {_cell(d.benchmark)} | {_cell(d.ours)} | "
            f"{_cell(d.source)} |"
            for d in deviations
        ],
        "",
        "## Missing data",
        "",
        "What an input that a record (or a MedCalc-Bench row) does not report means, per calculator, with the "
        "source of the convention. Inputs not listed here are required: a row without them is an error.",
        "",
        "| Calculator | Input | Convention and source |",
        "|---|---|---|",
        *[
            f"| [{calc.id}](#{calc.id}) | `{name}` | {_cell(rule)} |"
            for calc in calculators
            for name, rule in calc.missing_data.items()
        ],
        *[
            f"| [{calc.id}](#{calc.id}) | {', '.join(f'`{n}`' for n in findings)} | {_FINDING_RULE} |"
            for calc in calculators
            if (findings := _unreported_findings(calc))
        ],
        "",
        "## Ignored MedCalc-Bench entity keys",
        "",
        "Keys a calculator deliberately does not read, with the reason. Any other key it does not declare is an "
        "error naming the key (`unmapped entity key`), never silently skipped.",
        "",
        "| Calculator | Key | Why ignored |",
        "|---|---|---|",
        *[
            f"| [{calc.id}](#{calc.id}) | `{_cell(key)}` | {_cell(why)} |"
            for calc in calculators
            for key, why in calc.medcalc_ignore.items()
        ],
        "",
    ]
    for calc in calculators:
        out += _section(calc)
    if missing:
        out += ["## Not implemented yet", ""]
        out += [f"- `{name}`: {reason}" for name, reason in missing.items()]
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(render_markdown())
