"""Audit MedCalc-Bench labels: recompute every row from its Relevant Entities and compare.

    from calculators.audit import audit_csv
    report = audit_csv("shared/data/medcalc-bench/train_sample.csv")
    report["agree"], report["disagree"], report["error"]

Why: published benchmark answers are not ground truth (formula bugs in the benchmark's own code reached
its labels). Each row is recomputed with our calculator from the row's own extracted entities and judged
with `calculators.answers.medcalc_correct`, the same comparator the `medcalc_accuracy` reward uses, so
an "agree" here is a reward paid for answering our value (limits widened by half their last written
decimal; integers equal after rounding; dates and (weeks, days) equal; labels parsed by
`parse_medcalc_answer`, which reads "('29 weeks', '2 days')").

Every row is accounted for: `agree`, `disagree` (the reason names the calculator's documented deviation
when it has one), or `error` (missing or unusable entities, an entity key the calculator does not declare,
a calculator not implemented yet, an unparseable label), never dropped. Conversions (and failed ones) are
cached and entity cells are read through json (`calculators.literal`), so 10,000 rows take under a second
of CPU once the calculators are loaded (benchmarks/calculators.py).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from calculators.answers import AnswerLabelError, graded_kind, medcalc_correct, parse_medcalc_answer
from calculators.checks import load_available
from calculators.docs import documents_deviation
from calculators.editions import check_edition, detect_edition, for_edition
from calculators.errors import CalculatorError
from calculators.medcalc import EntityError, parse_entities, values_from_entities
from calculators.spec import Calculator

STATUSES = ("agree", "disagree", "error")


REQUIRED_COLUMNS = (
    "Row Number",
    "Calculator ID",
    "Output Type",
    "Relevant Entities",
    "Ground Truth Answer",
    "Lower Limit",
    "Upper Limit",
)


class AuditError(ValueError):
    """The file is not a MedCalc-Bench CSV (a missing column); nothing to audit row by row."""


class _RowError(Exception):
    """A row that cannot be judged; the message is the row's reason."""


def audit_csv(path: str | Path, edition: str | None = None) -> dict[str, Any]:
    """Audit one MedCalc-Bench CSV (columns as in the benchmark release) under `edition`; None: the file's
    own edition (`verified` or `v1.0`, detected by calculators.editions.detect_edition)."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        absent = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or ())]
        if absent:
            raise AuditError(f"{path}: not a MedCalc-Bench CSV, missing column(s) {', '.join(absent)}")
        rows = list(reader)
    why = "given"
    if edition is None:
        edition, why = detect_edition(rows, str(path))
    report = audit_rows(rows, edition)
    report["edition_reason"] = why
    return report


def audit_rows(rows: Iterable[Mapping[str, str]], edition: str | None = None) -> dict[str, Any]:
    """Audit already-read rows (dicts keyed by the benchmark's column names) under `edition` (default
    `source`, the primary publications)."""
    edition = check_edition(edition)
    calculators, missing = load_available()
    by_medcalc_id = {c.medcalc_id: for_edition(c, edition) for c in calculators if c.medcalc_id is not None}
    records = [_audit_row(row, by_medcalc_id, missing) for row in rows]
    report: dict[str, Any] = {
        "total": len(records),
        "edition": edition,
        **dict.fromkeys(STATUSES, 0),
        "per_calculator": {},
    }
    for record in records:
        report[record["status"]] += 1
        bucket = report["per_calculator"].setdefault(
            record["calculator_id"], {"total": 0, **dict.fromkeys(STATUSES, 0)}
        )
        bucket["total"] += 1
        bucket[record["status"]] += 1
    report["per_calculator"] = dict(sorted(report["per_calculator"].items(), key=lambda kv: _id_key(kv[0])))
    report["rows"] = records
    return report


def _id_key(calculator_id: str) -> tuple[int, str]:
    return (int(calculator_id), "") if calculator_id.isdigit() else (10**9, calculator_id)


def _audit_row(
    row: Mapping[str, str], by_medcalc_id: Mapping[int, Calculator], missing: Mapping[str, str]
) -> dict[str, Any]:
    raw_number = (row.get("Row Number") or "").strip()
    calculator_id = (row.get("Calculator ID") or "").strip()
    record: dict[str, Any] = {
        "row_number": int(raw_number) if raw_number.isdigit() else raw_number,
        "calculator_id": calculator_id,
        "ours": None,
        "ground_truth": (row.get("Ground Truth Answer") or "").strip(),
        "status": "error",
        "reason": "",
    }
    try:
        calc = _calculator(calculator_id, by_medcalc_id, missing)
        ours = _recompute(calc, row.get("Relevant Entities") or "")
        record["ours"] = _jsonable(ours)
        agree, why = _judge(row, ours)
    except _RowError as exc:
        record["reason"] = str(exc)
        return record
    record["status"] = "agree" if agree else "disagree"
    if not agree:
        record["reason"] = _disagreement_reason(calc, why)
    return record


def _calculator(
    calculator_id: str, by_medcalc_id: Mapping[int, Calculator], missing: Mapping[str, str]
) -> Calculator:
    if not calculator_id.isdigit():
        raise _RowError(f"unparseable Calculator ID {calculator_id!r}")
    calc = by_medcalc_id.get(int(calculator_id))
    if calc is not None:
        return calc
    if missing:
        raise _RowError(
            f"calculator not implemented (MedCalc-Bench id {calculator_id}; registered but not "
            f"importable yet: {', '.join(sorted(missing))})"
        )
    raise _RowError(f"unknown calculator: no registered calculator answers MedCalc-Bench id {calculator_id}")


def _recompute(calc: Calculator, entities_text: str) -> Any:
    try:
        entities = parse_entities(entities_text)
        values = values_from_entities(calc, entities)
        return calc.evaluate(values).value
    except EntityError as exc:
        raise _RowError(f"unusable entities: {exc}") from None
    except CalculatorError as exc:
        raise _RowError(f"unusable entities: {exc}") from None


def _judge(row: Mapping[str, str], ours: Any) -> tuple[bool, str]:
    """(agree?, what differs) with `medcalc_correct`, the comparator the medcalc_accuracy reward uses."""
    output_type = (row.get("Output Type") or "").strip().lower()
    label = (row.get("Ground Truth Answer") or "").strip()
    if output_type not in ("decimal", "integer", "date"):
        raise _RowError(f"unknown Output Type {output_type!r}")
    # graded as the benchmark's evaluator does: by calculator id (a digit string: `_calculator` checked it),
    # whatever the Output Type column says
    output_type = graded_kind(int((row.get("Calculator ID") or "").strip()), output_type)
    if output_type == "decimal":
        lo = _float((row.get("Lower Limit") or "").strip(), "Lower Limit")
        hi = _float((row.get("Upper Limit") or "").strip(), "Upper Limit")
        agree = medcalc_correct("decimal", ours, lower=lo, upper=hi)
        return agree, f"ours {_jsonable(ours)} is outside [{lo:g}, {hi:g}]"
    try:
        kind, gold = parse_medcalc_answer(label, output_type)
    except AnswerLabelError as exc:
        raise _RowError(f"Ground Truth Answer: {exc}") from None
    if kind == "decimal":  # a half-point score labelled "integer" (e.g. 1.5): the benchmark rounds both
        kind = "integer"
    return medcalc_correct(kind, ours, gold), f"ours {_jsonable(ours)} ≠ {label}"


def _disagreement_reason(calc: Calculator, why: str) -> str:
    if documents_deviation(calc):
        return f"label differs from primary source: see docs/calculators.md#{calc.id}"
    return why


def _float(text: str, column: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise _RowError(f"{column} {text!r} is not a number") from None


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.strftime("%m/%d/%Y")
    if isinstance(value, tuple):
        return list(value)
    return value
