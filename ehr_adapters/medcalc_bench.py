"""MedCalc-Bench CSV rows -> typed cases (note, question, calculator id, entities, published answer).

    cases, report = read_medcalc_bench("medcalc-bench/train_sample.csv")

The benchmark's published answers are kept as *claims* (`answer`, `lower`, `upper`, the CSV's strings):
a sizeable share are wrong, so task builders recompute gold with our calculators and keep these only for
comparison. Their grammar lives once, in `calculators.answers.parse_medcalc_answer` (the audit and the
reward read labels with it); this adapter imports no calculator code, so the builder parses them. `Relevant Entities` is a Python dict literal; it is parsed with
`ast.literal_eval` (never `eval`). A row whose entities do not parse is still a valid case (its note and
question are fine): `entities` is None and `entities_error` says why, so the builder can decide.
Why here: one place knows the CSV layout; the calculators package never sees a file.
"""

from __future__ import annotations

import ast
import csv
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ehr_adapters.errors import AdapterError, ReadReport

REQUIRED_COLUMNS = (
    "Row Number",
    "Calculator ID",
    "Calculator Name",
    "Output Type",
    "Note ID",
    "Patient Note",
    "Question",
    "Relevant Entities",
    "Ground Truth Answer",
    "Lower Limit",
    "Upper Limit",
)
OUTPUT_TYPES = ("decimal", "integer", "date")


@dataclass(frozen=True, slots=True)
class MedCalcCase:
    """One benchmark row. `answer`/`lower`/`upper` are the published strings, unparsed."""

    row_number: str
    calculator_id: int
    calculator_name: str
    output_type: str
    note_id: str
    note_type: str
    note: str
    question: str
    entities: dict[str, Any] | None
    entities_error: str | None
    answer: str
    lower: str
    upper: str
    category: str = ""
    explanation: str = ""
    source: str = ""  # "file:row N"


def read_medcalc_bench(path: str | Path, *, strict: bool = False) -> tuple[list[MedCalcCase], ReadReport]:
    """Every usable row of a MedCalc-Bench CSV, with a report of the rows left out and why.

    Strict mode raises `AdapterError` at the first bad row; a missing column always raises (no row could
    be read correctly). A row is bad when its calculator id is not an integer, its note or question is
    empty or its output type is unknown (the published answer is checked by the task builder).
    """
    path = Path(path)
    report = ReadReport()
    cases: list[MedCalcCase] = []
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # patient notes can be long
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise AdapterError(
                f"missing column(s) {missing}",
                file=path,
                position="header",
                field="columns",
                fix="use the MedCalc-Bench CSV layout (see ehr_adapters/medcalc_bench.py)",
            )
        for index, row in enumerate(reader, 1):
            try:
                cases.append(_case(row, f"{path}:row {index}"))
            except AdapterError as exc:
                error = AdapterError(
                    exc.message, file=path, position=f"row {index}", field=exc.field, fix=exc.fix
                )
                if strict:
                    raise error from None
                report.skipped.append(error.as_skipped())
    report.count("rows", len(cases))
    return cases, report


def _case(row: dict[str, str | None], source: str) -> MedCalcCase:
    def text(column: str) -> str:
        return (row.get(column) or "").strip()

    try:
        calculator_id = int(text("Calculator ID"))
    except ValueError:
        raise AdapterError(
            f"not an integer: {text('Calculator ID')!r}",
            field="Calculator ID",
            fix="use MedCalc-Bench's numeric calculator id",
        ) from None
    for column in ("Patient Note", "Question", "Note ID"):
        if not text(column):
            raise AdapterError("empty", field=column, fix=f"fill in {column}")
    output_type = text("Output Type").lower()
    entities, entities_error = _entities(text("Relevant Entities"))
    case = MedCalcCase(
        row_number=text("Row Number"),
        calculator_id=calculator_id,
        calculator_name=text("Calculator Name"),
        output_type=output_type,
        note_id=text("Note ID"),
        note_type=text("Note Type"),
        note=text("Patient Note"),
        question=text("Question"),
        entities=entities,
        entities_error=entities_error,
        answer=text("Ground Truth Answer"),
        lower=text("Lower Limit"),
        upper=text("Upper Limit"),
        category=text("Category"),
        explanation=text("Ground Truth Explanation"),
        source=source,
    )
    if output_type not in OUTPUT_TYPES:
        raise AdapterError(
            f"unknown output type {output_type!r}", field="Output Type", fix=f"one of {', '.join(OUTPUT_TYPES)}"
        )
    return case


def _entities(cell: str) -> tuple[dict[str, Any] | None, str | None]:
    try:
        value = ast.literal_eval(cell)  # a Python literal, never code
    except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
        return None, f"Relevant Entities is not a Python literal ({type(exc).__name__})"
    if not isinstance(value, dict):
        return None, f"Relevant Entities is a {type(value).__name__}, expected a dict"
    return value, None
