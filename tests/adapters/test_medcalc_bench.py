"""MedCalc-Bench CSV adapter: row parsing, published-answer parsing, lenient skips and strict errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ehr_adapters.errors import AdapterError
from ehr_adapters.medcalc_bench import REQUIRED_COLUMNS, benchmark_gold, parse_answer, read_medcalc_bench

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


@pytest.mark.parametrize(
    ("text", "output_type", "expected"),
    [
        ("68.2", "decimal", ("decimal", 68.2)),
        ("3", "integer", ("integer", 3)),
        ("1.5", "integer", ("decimal", 1.5)),  # a half-point score the benchmark labels "integer"
        ("10/12/2023", "date", ("date", "2023-10-12")),
        ("('29 weeks', '2 days')", "date", ("weeks_days", [29, 2])),
    ],
)
def test_parse_answer_forms(text: str, output_type: str, expected: tuple) -> None:
    assert parse_answer(text, output_type) == expected


@pytest.mark.parametrize(
    ("text", "output_type"), [("abc", "decimal"), ("2023-13-45", "date"), ("1", "score")]
)
def test_parse_answer_rejects_other_forms(text: str, output_type: str) -> None:
    with pytest.raises(ValueError, match="answer|output type"):
        parse_answer(text, output_type)


def test_reads_rows_and_keeps_published_limits(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "mc.csv", [row(), row(**{"Row Number": "2", "Note ID": "pmc-2"})])
    cases, report = read_medcalc_bench(path)
    assert [c.row_number for c in cases] == ["1", "2"]
    case = cases[0]
    assert case.calculator_id == 3 and case.note_id == "pmc-1"
    assert case.entities == {"age": [60, "years"], "sex": "Male"}
    assert benchmark_gold(case) == {"kind": "decimal", "value": 68.2, "lower": 64.8, "upper": 71.6}
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
        row(**{"Row Number": "3", "Ground Truth Answer": "n/a"}),
        row(**{"Row Number": "4", "Patient Note": "  "}),
    ]
    cases, report = read_medcalc_bench(write_csv(tmp_path / "mc.csv", rows))
    assert [c.row_number for c in cases] == ["1"]
    assert [(s.position, s.category) for s in report.skipped] == [
        ("row 2", "Calculator ID"),
        ("row 3", "Ground Truth Answer"),
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
    kinds = {benchmark_gold(c)["kind"] for c in cases}
    assert kinds == {"decimal", "integer", "date", "weeks_days"}
