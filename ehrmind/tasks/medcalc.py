"""Task `medcalc`: MedCalc-Bench rows -> task rows whose gold is recomputed by our calculators.

Published MedCalc-Bench answers are not ground truth (formula bugs in the benchmark's own code reached its
labels), so gold = our calculator's value computed from the row's Relevant Entities, with lower/upper =
value × (1 ∓ rel_tol) for decimals. When our calculator rejects the row's entities (missing or implausible
inputs), the benchmark's answer is kept with `meta.gold_source = "benchmark"` and counted; the benchmark's
answer and limits are always stored in `meta.benchmark` so disagreements can be audited. A row whose
calculator is not available (module not written yet, unknown id), or whose entities carry a key the
calculator does not declare (`unmapped entity key ...`: a finding we cannot read), is skipped with a reason.
A gold with a unit is in the unit the row's question asks for (`in_asked_unit`; the declared one for all
but one public question), so the prompt's answer hint and the question agree.
Golds are computed with the definitions of the file's edition (`meta.edition`: `verified` or `v1.0`, detected
by calculators.editions.detect_edition unless given; e.g. MELD 3.0 on Verified rows).
"""

from __future__ import annotations

import math
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from calculators import Calculator, CalculatorError
from calculators.answers import AnswerLabelError, graded_kind, medcalc_correct, parse_medcalc_answer
from calculators.editions import check_edition, detect_edition, for_edition
from calculators.errors import UnitError
from calculators.medcalc import EntityError, UnmappedKeyError, values_from_entities
from calculators.registry import MODULES, load
from calculators.spec import format_value
from calculators.units import conversion, display_unit, normalize_unit
from ehr_adapters.errors import AdapterError, SkippedItem
from ehr_adapters.medcalc_bench import MedCalcCase
from ehrmind.tasks.families.medcalc import NAME as TASK  # the family declaration names the rows
from ehrmind.tasks.prompts import chat_prompt
from ehrmind.tasks.schema import TaskRows, calculator_gold, new_row
from rewards.units import answer_unit, to_gold_unit

if TYPE_CHECKING:
    from ehrmind.tasks.sources import BuildContext


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


def benchmark_gold(case: MedCalcCase) -> dict[str, Any]:
    """The published answer as a gold dict (JSON values; the published limits for decimals), of the kind
    MedCalc-Bench's evaluator grades the row as (`calculators.answers.graded_kind`: by calculator id, not
    by the Output Type column). Raises AnswerLabelError (a ValueError) naming the text when the label has
    none of the benchmark's forms."""
    kind, value = parse_medcalc_answer(case.answer, graded_kind(case.calculator_id, case.output_type))
    if isinstance(value, date):
        value = value.isoformat()
    elif isinstance(value, tuple):
        value = list(value)
    gold: dict[str, Any] = {"kind": kind, "value": value}
    if kind == "decimal":
        try:
            gold["lower"], gold["upper"] = float(case.lower), float(case.upper)
        except ValueError:
            raise AnswerLabelError(f"limits {case.lower!r}, {case.upper!r} are not numbers") from None
    return gold


def agrees(gold: dict[str, Any], benchmark: dict[str, Any]) -> bool:
    """Would the medcalc_accuracy reward pay our value against the benchmark's published answer? (The
    same comparator, `calculators.answers.medcalc_correct`, the reward and `calc audit` use.)"""
    kind = benchmark["kind"]
    if kind == "decimal" and "lower" not in benchmark:
        kind = "integer"
    if {gold["kind"], kind} <= {"decimal", "integer"}:
        if kind == "decimal":
            return medcalc_correct("decimal", gold["value"], lower=benchmark["lower"], upper=benchmark["upper"])
        return medcalc_correct("integer", gold["value"], benchmark["value"])
    return gold["kind"] == kind and medcalc_correct(kind, gold["value"], benchmark["value"])


def build_medcalc(
    cases: list[MedCalcCase],
    source: str | Path,
    *,
    strict: bool = False,
    edition: str | None = None,
    edition_reason: str = "given",
) -> TaskRows:
    """One row per case. `source` names the CSV (row ids and skip records use its stem and path); `edition`
    the definitions golds follow (None: the file's own, detected from `source`)."""
    if edition is None:  # the rows' own markers (Output Type labels, MELD 3.0 explanations), name, size
        rows = (
            {"Row Number": c.row_number, "Calculator ID": str(c.calculator_id), "Output Type": c.output_type,
             "Ground Truth Explanation": c.explanation}
            for c in cases
        )  # fmt: skip
        edition, edition_reason = detect_edition(rows, str(source))
    edition = check_edition(edition)
    out = TaskRows()
    out.count(f"edition:{edition}", len(cases))
    stem = Path(source).stem
    by_id, missing = calculators_by_medcalc_id()
    for case in cases:
        position = f"row {case.row_number}"
        calc = by_id.get(case.calculator_id)
        calc = None if calc is None else for_edition(calc, edition)
        if calc is None:
            why = f"calculator unavailable: no calculator answers MedCalc-Bench id {case.calculator_id}" + (
                f" (modules not written yet: {len(missing)})" if missing else ""
            )
            _skip(out, strict, source, position, "Calculator ID", why)
            continue
        try:
            benchmark = benchmark_gold(case)
        except AnswerLabelError as exc:
            _skip(out, strict, source, position, "Ground Truth Answer", f"unparsable published answer: {exc}")
            continue
        gold, source_kind, why_fallback, rationale = _recompute(calc, case, benchmark)
        if gold is None:
            _skip(out, strict, source, position, "Relevant Entities", why_fallback or "")
            continue
        asked = asked_unit(case.question)
        declared = gold
        gold = in_asked_unit(gold, asked, from_benchmark=source_kind == "benchmark")
        if gold is None:
            why = f"unit mismatch: the question asks for {asked!r}; {calc.id} gives {calc.output.unit!r}"
            _skip(out, strict, source, position, "Question", why)
            continue
        if rationale and gold is not declared:  # the worked solution (SFT target) ends in the gold's unit
            rationale += f"\n{_conversion_line(declared, gold)}"
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
            "edition": edition,
            "edition_reason": edition_reason,
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
    except UnmappedKeyError as exc:
        # Never a benchmark fallback: the row carries a finding we do not understand, so neither our
        # value nor (unchecked) the benchmark's can be trusted as gold. Skipped, with the key named.
        return None, "", str(exc), None
    except (CalculatorError, EntityError, ValueError) as exc:
        detail = " ".join(line.strip() for line in str(exc).splitlines()[:3])
        return _fallback(calc, benchmark, f"calculator rejected entities: {detail}")
    except Exception as exc:  # noqa: BLE001 - a calculator bug: never a gold; skipped and named (strict raises)
        return None, "", f"calculator bug: {calc.id} raised {type(exc).__name__}: {exc}", None
    value = result.value
    if isinstance(value, float) and not math.isfinite(value):
        return _fallback(calc, benchmark, "calculator result not finite")
    exact = published_exact_limit(case)
    # MedCalc-Bench's evaluator grades by calculator id (`graded_kind`); of our integer calculators only
    # MELD Na (23) is graded as a decimal, so its gold is a decimal within the published limits
    graded_as = graded_kind(case.calculator_id, case.output_type)
    gold = calculator_gold(calc, value, benchmark_limits=True, exact_limit=exact, graded_as=graded_as)
    return gold, "calculator", None, result.rationale


def published_exact_limit(case: MedCalcCase) -> float | None:
    """The row's published limit when Lower = Upper = the answer (MedCalc-Bench grades the row exactly:
    steroid conversion, MME, most Wells PE rows), else None (its ±5 % limits)."""
    try:
        answer, lower, upper = float(case.answer), float(case.lower), float(case.upper)
    except ValueError:
        return None  # a date, (weeks, days) or no limits: not a decimal row
    return lower if math.isfinite(lower) and answer == lower == upper else None


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
    # The benchmark's answer is in the unit its question asks for: the declared one here, replaced by the
    # question's own by `in_asked_unit` where that differs. The gold names it, so an answer in another unit
    # is converted or wrong, never read as written.
    if calc.output.unit:
        gold["unit"] = calc.output.unit
    if calc.output.analyte:
        gold["analyte"] = calc.output.analyte
    gold["calculator"] = calc.id
    return gold, "benchmark", why, None


# "... in terms of mL/min/1.73 m²?", "... in mg of Hydrocortisone IV?", "... in terms of kg.": the phrase ends
# at '?', or at '.' before a space or the end ("1.73" goes on). At most 40 characters: linear on any text.
_ASKED = re.compile(r"\bin (?:terms of )?(.{1,40}?)(?:\?|\.(?:\s|$))")


def asked_unit(question: str) -> str | None:
    """The unit a MedCalc-Bench question asks for, as a unit-table code (`rewards.units.answer_unit`), or
    None when it names none ("What is the patient's CURB-65 score?")."""
    if "percentage value" in question:  # "... as a percentage value"
        return answer_unit("%")
    for match in _ASKED.finditer(question):
        code = answer_unit(match.group(1).split(" of ")[0].strip())  # "mg of Hydrocortisone IV" -> "mg"
        if code is not None:
            return code
    return None


def in_asked_unit(gold: dict[str, Any], asked: str | None, *, from_benchmark: bool) -> dict[str, Any] | None:
    """The gold in the unit its question asks for, so the prompt's answer hint names the question's unit
    (one public free-water-deficit question asks "in terms of kg", the others for liters). Our value is
    converted from the declared unit (1:1 for every public question: tests/rewards/test_medcalc_question_units.py);
    a benchmark answer is already in the asked unit, which the gold then names. None when the declared
    unit does not convert to the asked one (the question asks for another quantity). A gold without a unit
    (a score) and a question naming none are left as they are."""
    unit = gold.get("unit")
    if unit is None or asked is None or normalize_unit(asked) == normalize_unit(unit):
        return gold  # no unit, or a spelling of the declared one ("mL/hr" for mL/h, "msec" for ms)
    analyte = gold.get("analyte")
    if to_gold_unit(1.0, unit, asked, analyte) is None:
        return None
    if from_benchmark:
        return {**gold, "unit": asked}
    numbers = [k for k in ("value", "lower", "upper") if isinstance(gold.get(k), int | float)]
    return {**gold, **{k: to_gold_unit(gold[k], unit, asked, analyte) for k in numbers}, "unit": asked}


def _conversion_line(declared: dict[str, Any], asked: dict[str, Any]) -> str:
    """The rationale's last step when the question asks for another unit: "In lb, as the question asks:
    70.47 kg = 155.35 lb"."""
    unit, target = display_unit(declared["unit"]), display_unit(asked["unit"])
    before, after = format_value(declared["value"]), format_value(asked["value"])
    line = f"In {target}, as the question asks: {before} {unit} = {after} {target}"
    try:
        conversion(declared["unit"], asked["unit"])
    except UnitError:  # a volume of water as a mass, or back (`rewards.units.WATER`)
        line += " (1 L of water = 1 kg)"
    return line


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


def build_from_source(ctx: BuildContext) -> TaskRows:
    """Rows of every MedCalc-Bench CSV of the source: the family declaration's builder."""
    out = TaskRows()
    for file, cases in ctx.loaded.data:
        out.extend(build_medcalc(cases, file, strict=ctx.options.strict, edition=ctx.options.edition))
    return out

