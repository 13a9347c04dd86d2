"""Task `medcalc`: MedCalc-Bench rows -> task rows whose gold is recomputed by our calculators.

Published MedCalc-Bench answers are not ground truth (formula bugs in the benchmark's own code reached its
labels), so gold = our calculator's value computed from the row's Relevant Entities, with lower/upper =
value × (1 ∓ rel_tol) for decimals. When our calculator rejects the row's entities (missing or implausible
inputs), the benchmark's answer is kept with `meta.gold_source = "benchmark"` and counted; the benchmark's
answer and limits are always stored in `meta.benchmark` so disagreements can be audited. A row whose
calculator is not available (module not written yet, unknown id) is skipped with a reason.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Any

from calculators import Calculator, CalculatorError
from calculators.medcalc import EntityError, values_from_entities
from calculators.registry import MODULES, load
from ehr_adapters.errors import AdapterError, SkippedItem
from ehr_adapters.medcalc_bench import MedCalcCase, benchmark_gold
from ehrmind.prompts import chat_prompt
from ehrmind.tasks.schema import TaskRows, calculator_gold, new_row

TASK = "medcalc"


@cache
def calculators_by_medcalc_id() -> tuple[dict[int, Calculator], tuple[str, ...]]:
    """MedCalc-Bench id -> calculator, loading each registered module on its own so that one module not
    written yet does not hide the others; also returns the names of modules that are missing."""
    found: dict[int, Calculator] = {}
    missing: list[str] = []
    for name in MODULES:
        try:
            calc = load(name)
        except ModuleNotFoundError as exc:
            if exc.name != f"calculators.defs.{name}":
                raise  # a real import bug inside an existing module
            missing.append(name)
            continue
        if calc.medcalc_id is not None:
            found[calc.medcalc_id] = calc
    return found, tuple(missing)


def agrees(gold: dict[str, Any], benchmark: dict[str, Any]) -> bool:
    """Does our value fall within the benchmark's published answer (limits for decimals, equality else)?"""
    if gold["kind"] in ("decimal", "integer") and benchmark["kind"] in ("decimal", "integer"):
        lower = benchmark.get("lower", benchmark["value"])
        upper = benchmark.get("upper", benchmark["value"])
        return lower - 1e-9 <= gold["value"] <= upper + 1e-9
    return gold["kind"] == benchmark["kind"] and gold["value"] == benchmark["value"]


def build_medcalc(cases: list[MedCalcCase], source: str | Path, *, strict: bool = False) -> TaskRows:
    """One row per case. `source` names the CSV (row ids and skip records use its stem and path)."""
    out = TaskRows()
    stem = Path(source).stem
    by_id, missing = calculators_by_medcalc_id()
    for case in cases:
        position = f"row {case.row_number}"
        calc = by_id.get(case.calculator_id)
        if calc is None:
            why = f"calculator unavailable: no calculator answers MedCalc-Bench id {case.calculator_id}" + (
                f" (modules not written yet: {len(missing)})" if missing else ""
            )
            _skip(out, strict, source, position, "Calculator ID", why)
            continue
        benchmark = benchmark_gold(case)
        gold, source_kind, why_fallback, rationale = _recompute(calc, case, benchmark)
        if gold is None:
            _skip(out, strict, source, position, "Relevant Entities", why_fallback or "")
            continue
        out.count(f"gold_source:{source_kind}")
        meta: dict[str, Any] = {
            "calculator": calc.id,
            "medcalc_id": case.calculator_id,
            "calculator_name": case.calculator_name,
            "note_id": case.note_id,
            "note_type": case.note_type,
            "row_number": case.row_number,
            "source": str(source),
            "gold_source": source_kind,
            "benchmark": {"answer": case.answer, "lower": case.lower, "upper": case.upper, "gold": benchmark},
        }
        if source_kind == "calculator":
            meta["agrees_with_benchmark"] = agrees(gold, benchmark)
            out.count("benchmark_agrees" if meta["agrees_with_benchmark"] else "benchmark_disagrees")
            meta["rationale"] = rationale
        else:
            meta["fallback_reason"] = why_fallback
        prompt = chat_prompt(case.note, case.question, gold)
        out.rows.append(new_row(f"{TASK}/{stem}/{case.row_number}", TASK, prompt, gold, case.note_id, meta))
    return out


def _recompute(
    calc: Calculator, case: MedCalcCase, benchmark: dict[str, Any]
) -> tuple[dict[str, Any] | None, str, str | None, str | None]:
    """(gold, gold_source, reason for falling back, our rationale)."""
    if case.entities is None:
        return _fallback(calc, benchmark, f"entities unparsable: {case.entities_error}")
    try:
        result = calc.evaluate(values_from_entities(calc, case.entities))
    except (CalculatorError, EntityError, ValueError) as exc:
        detail = " ".join(line.strip() for line in str(exc).splitlines()[:3])
        return _fallback(calc, benchmark, f"calculator rejected entities: {detail}")
    except Exception as exc:  # noqa: BLE001 - a calculator bug: never a gold; skipped and named (strict raises)
        return None, "", f"calculator bug: {calc.id} raised {type(exc).__name__}: {exc}", None
    value = result.value
    if isinstance(value, float) and not math.isfinite(value):
        return _fallback(calc, benchmark, "calculator result not finite")
    return calculator_gold(calc, value, benchmark_limits=True), "calculator", None, result.rationale


def _fallback(
    calc: Calculator, benchmark: dict[str, Any], why: str
) -> tuple[dict[str, Any] | None, str, str | None, str | None]:
    """The benchmark's answer as gold, typed by our calculator's output kind where they agree."""
    gold = dict(benchmark)
    if calc.output.kind != benchmark["kind"] and {calc.output.kind, benchmark["kind"]} != {
        "integer",
        "decimal",
    }:
        return None, "", f"benchmark answer kind {benchmark['kind']} does not match {calc.id} output", None
    # No "unit": the benchmark's answer is in the unit its question asks for, which need not be ours.
    gold["calculator"] = calc.id
    return gold, "benchmark", why, None


def _skip(out: TaskRows, strict: bool, source: str | Path, position: str, field: str, reason: str) -> None:
    if strict:
        raise AdapterError(
            reason,
            file=source,
            position=position,
            field=field,
            fix="fix the row, or build without --strict to skip it with a reason",
        )
    out.skipped.append(SkippedItem(str(source), position, reason))
