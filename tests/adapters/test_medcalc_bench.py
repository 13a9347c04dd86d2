"""MedCalc-Bench CSV adapter: row parsing, lenient skips and strict errors (answer labels: calculators.answers)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ehr_adapters.errors import AdapterError
from ehr_adapters.medcalc_bench import REQUIRED_COLUMNS, read_medcalc_bench

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data" / "medcalc-bench"

COLUMNS = [*REQUIRED_COLUMNS, "Category", "Note Type", "Ground Truth Explanation"]


def row(**overrides: str) -> dict[str, str]:
    base = {
        "Row Number": "1", "Calculator ID": "3", "Calculator Name": "CKD-EPI", "Output Type": "decimal",
        "Note ID": "pmc-1", "Patient Note": "A 60-year-old man, creatinine 1.2 mg/dL.",
        "Question": "What is the GFR?", "Relevant Entities": "{'age': [60, 'years'], 'sex': 'Male'}",
        "Ground Truth Answer": "68.2", "Lower Limit": "64.8", "Upper Limit": "71.6", "Category": "lab",
        "Note Type": "Extracted", "Ground Truth Explanation": "...",
    }  # fmt: skip
    base.update(overrides)
    return base


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for item in rows:
            writer.writerow({k: v for k, v in item.items() if k in columns})
    return path


def test_reads_rows_and_keeps_published_limits(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "mc.csv", [row(), row(**{"Row Number": "2", "Note ID": "pmc-2"})])
    cases, report = read_medcalc_bench(path)
    assert [c.row_number for c in cases] == ["1", "2"]
    case = cases[0]
    assert case.calculator_id == 3 and case.note_id == "pmc-1"
    assert case.entities == {"age": [60, "years"], "sex": "Male"}
    assert (case.answer, case.lower, case.upper) == ("68.2", "64.8", "71.6")  # claims, kept as written
    assert report.skipped == [] and report.counts["rows"] == 2


def test_unparsable_entities_keep_the_case_with_a_reason(tmp_path: Path) -> None:
    # The note and question are still a valid case; the builder decides what to do without entities.
    path = write_csv(tmp_path / "mc.csv", [row(**{"Relevant Entities": "{'age': __import__('os')}"})])
    cases, _ = read_medcalc_bench(path)
    assert cases[0].entities is None
    assert "not a Python literal" in (cases[0].entities_error or "")


def test_lenient_mode_skips_bad_rows_with_position_and_field(tmp_path: Path) -> None:
    rows = [
        row(),
        row(**{"Row Number": "2", "Calculator ID": "three"}),
        row(**{"Row Number": "3", "Output Type": "score"}),
        row(**{"Row Number": "4", "Patient Note": "  "}),
    ]
    cases, report = read_medcalc_bench(write_csv(tmp_path / "mc.csv", rows))
    assert [c.row_number for c in cases] == ["1"]
    assert [(s.position, s.category) for s in report.skipped] == [
        ("row 2", "Calculator ID"),
        ("row 3", "Output Type"),
        ("row 4", "Patient Note"),
    ]


def test_strict_mode_raises_at_the_first_bad_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "mc.csv", [row(), row(**{"Row Number": "2", "Calculator ID": "x"})])
    with pytest.raises(AdapterError) as info:
        read_medcalc_bench(path, strict=True)
    err = info.value
    assert (err.position, err.field) == ("row 2", "Calculator ID")
    assert str(path) in str(err) and "fix:" in str(err)


def test_missing_column_is_always_an_error(tmp_path: Path) -> None:
    columns = [c for c in COLUMNS if c != "Relevant Entities"]
    path = write_csv(tmp_path / "mc.csv", [row()], columns)
    with pytest.raises(AdapterError, match="Relevant Entities"):
        read_medcalc_bench(path)


def test_shared_training_sample_reads_completely() -> None:
    path = SHARED / "train_sample.csv"
    if not path.exists():
        pytest.skip("all 1,006 MedCalc-Bench sample rows: needs ../shared/data/medcalc-bench/train_sample.csv (not in a clone; README 'Data' says where to get it)")
    cases, report = read_medcalc_bench(path, strict=True)
    assert len(cases) == 1006 and not report.skipped
    assert all(c.entities is not None for c in cases)
    assert {c.output_type for c in cases} == {"decimal", "integer", "date"}
