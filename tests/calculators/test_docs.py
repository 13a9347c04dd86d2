"""docs/calculators.md is generated from the declarations and must match them.

cd /work/main && python -m pytest tests/calculators/test_docs.py -q
python -m calculators.docs > docs/calculators.md     # regenerate after changing a calculator
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import calculators
from calculators.docs import parse_notes, render_markdown

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "calculators.md"


def test_committed_docs_are_current() -> None:
    assert DOCS.is_file(), "run: python -m calculators.docs > docs/calculators.md"
    assert DOCS.read_text(encoding="utf-8") == render_markdown(), (
        "docs/calculators.md is stale; run: python -m calculators.docs > docs/calculators.md"
    )


def test_every_calculator_has_an_anchor() -> None:
    text = render_markdown()
    for calc in calculators.all_calculators():
        assert f"\n## {calc.id}\n" in text


def test_parse_notes_formats() -> None:
    notes = (
        "MedCalc-Bench v1.0: rounds the factor; ours: exact ratio; source: Liu 2013. "
        "MedCalc-Bench: adds |x|; ours: adds x; source: Baskett 2000. A closing remark."
    )
    deviations, other = parse_notes(SimpleNamespace(id="demo", notes=notes))
    assert [(d.benchmark, d.ours, d.source) for d in deviations] == [
        ("(v1.0) rounds the factor", "exact ratio", "Liu 2013."),
        ("adds |x|", "adds x", "Baskett 2000. A closing remark."),
    ]
    assert other == []
    assert parse_notes(SimpleNamespace(id="demo", notes="Follows the benchmark by design."))[0] == []


def test_group_c_deviations_are_in_the_table() -> None:
    text = render_markdown()
    for calc_id in ("due_date", "conception_date", "steroid_conversion", "mme"):
        deviations, other = parse_notes(calculators.get(calc_id))
        assert deviations and not other, calc_id
        assert f"| [{calc_id}](#{calc_id}) |" in text
