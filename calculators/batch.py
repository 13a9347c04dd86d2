"""Evaluate one calculator over a table of patients (polars), vectorised where the method allows.

    from calculators import get
    from calculators.batch import evaluate_batch
    out = evaluate_batch(get("ckd_epi_2021"), df, units={"creatinine": "umol/L"})
    out.filter(pl.col("error").is_not_null())      # rows that could not be computed, with the reason

The result is `df` plus two columns: `value` (Float64; Date for date outputs, List[Int64] [weeks, days] for
weeks-and-days outputs) and `error` (Utf8, null when the row is fine). Bad rows are reported with every
problem of the row, never dropped, and get a null value. Problems with the table as a whole (a required
input without a column, a bare numeric column for a dimensional input, a unit that cannot be converted)
raise one `InputError` before anything is computed.

Columns: one per input, named like the input. The unit of a number comes from, in order: the unit written
in a string cell ("1.2 mg/dL"), a `<input>_unit` string column, `units[input]`. A bare number for a
dimensional input is an error unless `assume_canonical=True` or the input accepts bare numbers (ages,
rates, mm Hg, %), exactly as in `Calculator.evaluate`.

`Formula` calculators run vectorised: one unit conversion per distinct unit (scale and offset from
`units.conversion`, converted values rounded to 12 significant digits as `evaluate` does), vectorised range
checks, choice inputs turned into indicator columns, and the whole formula as one numpy function
(`Formula.batch_function`; a chain of one numpy function per step where sympy cannot compose the steps
cheaply, see `_vector_function`). Other methods (point scores, procedures, date inputs) run `evaluate` row
by row with the same unit rules.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl
import sympy as sp

from calculators import _batch_columns as cols
from calculators.errors import CalculatorError, InputError, Problem, UnitError
from calculators.formula import Formula, indicator_name
from calculators.spec import Calculator
from calculators.units import conversion, display_unit, split_number_unit

VALUE, ERROR = "value", "error"
_UNDEFINED = "(result): computation is undefined for these inputs"


def evaluate_batch(
    calc: Calculator,
    df: pl.DataFrame,
    *,
    units: Mapping[str, str] | None = None,
    assume_canonical: bool = False,
) -> pl.DataFrame:
    """`df` with `value` and `error` columns for `calc`; see the module docstring."""
    units = dict(units or {})
    _check_schema(calc, df, units, assume_canonical)
    vectorised = isinstance(calc.method, Formula) and all(i.kind != "date" for i in calc.inputs)
    if vectorised:
        value, error = _formula_batch(calc, df, units, assume_canonical)
    else:
        value, error = _rowwise_batch(calc, df, units, assume_canonical)
    return df.with_columns(value.alias(VALUE), error.alias(ERROR))


# -- table-level checks -------------------------------------------------------------------------------
def _check_schema(
    calc: Calculator, df: pl.DataFrame, units: Mapping[str, str], assume_canonical: bool
) -> None:
    problems = [
        Problem(name, name, "the table already has this output column", f"rename {name!r} first")
        for name in (VALUE, ERROR)
        if name in df.columns
    ]
    for name, unit in units.items():
        if name not in calc.input_names:
            problems.append(
                Problem(
                    name,
                    unit,
                    "units given for an unknown input",
                    f"inputs are: {', '.join(calc.input_names)}",
                )
            )
            continue
        spec = calc.input(name)
        if spec.kind != "number" or spec.unit is None:
            continue
        try:
            conversion(unit, spec.unit, spec.analyte)
        except UnitError as exc:
            problems.append(Problem(name, unit, str(exc), f"expected a unit convertible to {spec.unit}"))
    for spec in calc.inputs:
        if spec.name not in df.columns:
            if spec.required:
                problems.append(Problem(spec.name, None, "no column for a required input", spec.describe()))
            continue
        dtype = df.schema[spec.name]
        declared = spec.name in units or f"{spec.name}_unit" in df.columns
        bare_ok = assume_canonical or spec.accepts_bare_number
        if spec.kind == "number" and dtype.is_numeric() and not (declared or bare_ok):
            problems.append(
                Problem(
                    spec.name,
                    str(dtype),
                    f"a bare numeric column needs a unit; expected {display_unit(spec.unit)}",
                    f"pass units={{{spec.name!r}: {spec.unit!r}}}, add a {spec.name + '_unit'!r} column, "
                    "or assume_canonical=True (CLI: --canonical)",
                )
            )
    if problems:
        raise InputError(calc.id, problems)


# -- vectorised path ----------------------------------------------------------------------------------
def _formula_batch(
    calc: Calculator, df: pl.DataFrame, units: Mapping[str, str], assume_canonical: bool
) -> tuple[pl.Series, pl.Series]:
    n = df.height
    arrays: dict[str, np.ndarray] = {}
    problems: list[cols.Problems] = []
    for spec in calc.inputs:
        if spec.kind == "number":
            arrays[spec.name], found = cols.number_column(spec, df, units, assume_canonical)
        elif spec.kind == "bool":
            arrays[spec.name], found = cols.bool_column(spec, df)
        else:
            chosen, found = cols.choice_column(spec, df)
            for k, choice in enumerate(spec.choices):
                arrays[indicator_name(spec.name, choice)] = (chosen == k).astype(np.float64)
        problems.append(found)
    names, fn = _vector_function(calc.method)
    with np.errstate(all="ignore"):  # bad rows are masked below; numpy warnings would only be noise
        raw = fn(*[arrays[name] for name in names])
    result = np.array(np.broadcast_to(np.asarray(raw, dtype=np.float64), (n,)))
    input_bad = np.zeros(n, dtype=bool)
    for rows, _ in problems:
        input_bad[rows] = True
    # A row whose inputs are fine but whose result is not finite (e.g. a delta ratio with HCO3 = 24) is an
    # error too, as in `Calculator.evaluate`; rows with input problems report only those.
    undefined = np.flatnonzero(~input_bad & ~np.isfinite(result))
    problems.append((undefined, [_UNDEFINED] * len(undefined)))
    result[input_bad] = np.nan
    result[undefined] = np.nan
    return pl.Series(VALUE, result, dtype=pl.Float64).fill_nan(None), _error_column(n, problems)


def _conditions_on_steps(formula: Formula) -> bool:
    """Whether any branch condition mentions an earlier step (rather than inputs only)."""
    earlier: set[str] = set()
    for step in formula.steps:
        for piecewise in step.expr.atoms(sp.Piecewise):
            if any({s.name for s in cond.free_symbols} & earlier for _, cond in piecewise.args):
                return True
        earlier.add(step.name)
    return False


def _error_column(n: int, problems: list[cols.Problems]) -> pl.Series:
    """One Utf8 column: each bad row's messages joined with "; " in input order, null elsewhere."""
    rows = np.concatenate([r for r, _ in problems]).astype(np.int64)
    if not len(rows):
        return pl.repeat(None, n, dtype=pl.Utf8, eager=True).alias(ERROR)
    order = np.concatenate([np.full(len(r), k) for k, (r, _) in enumerate(problems)])
    messages = [m for _, found in problems for m in found]
    joined = (
        pl.DataFrame({"row": rows, "order": order, "message": messages})
        .sort("row", "order")
        .group_by("row", maintain_order=True)
        .agg(pl.col("message").str.join("; "))
    )
    return (
        pl.repeat(None, n, dtype=pl.Utf8, eager=True).alias(ERROR).scatter(joined["row"], joined["message"])
    )


def _vector_function(formula: Formula):
    """The composed numpy function (`Formula.batch_function`), or a numpy chain of one lambdified function
    per step when composing is impractical: a branch condition that tests an earlier step (MELD's
    "MELD(i) > 11") becomes an ITE once composed and sympy's numpy printer then spends seconds simplifying
    it, and a step inside Min/Max cannot be composed when sympy cannot prove it real. Both are vectorised."""
    if not _conditions_on_steps(formula):
        try:
            return formula.batch_function()
        except (TypeError, ValueError):
            pass
    cached = formula._cache.get("batch_stepwise")
    if cached is None:
        steps = []
        for step in formula.steps:
            free = sorted(step.expr.free_symbols, key=lambda s: s.name)
            steps.append((step.name, [s.name for s in free], sp.lambdify(free, step.expr, modules="numpy")))
        names = sorted({a for _, args, _ in steps for a in args} - {s.name for s in formula.steps})

        def chain(*arrays: np.ndarray) -> np.ndarray:
            env = dict(zip(names, arrays, strict=True))
            for name, args, fn in steps:
                env[name] = fn(*[env[a] for a in args])
            return env[formula.steps[-1].name]

        cached = formula._cache["batch_stepwise"] = (names, chain)
    return cached


# -- row-by-row fallback ------------------------------------------------------------------------------
def _rowwise_batch(
    calc: Calculator, df: pl.DataFrame, units: Mapping[str, str], assume_canonical: bool
) -> tuple[pl.Series, pl.Series]:
    kind = calc.output.kind
    values: list = []
    errors: list[str | None] = []
    for row in df.iter_rows(named=True):
        given = {}
        for spec in calc.inputs:
            if spec.name not in row:
                continue
            raw = row[spec.name]
            unit = row.get(f"{spec.name}_unit") or units.get(spec.name)
            if spec.kind == "number" and raw is not None and unit:
                # The cell's own unit wins ("1.2 mg/dL"); a bare cell takes the row's or the table's unit.
                parsed = split_number_unit(raw) if isinstance(raw, str) else None
                if parsed is not None and not parsed[1]:
                    raw = (parsed[0], unit)
                elif isinstance(raw, int | float) and not isinstance(raw, bool):
                    raw = (raw, unit)
            given[spec.name] = raw
        try:
            result = calc.evaluate(given, assume_canonical=assume_canonical)
        except InputError as exc:
            values.append(None)
            errors.append("; ".join(str(p) for p in exc.problems))
            continue
        except CalculatorError as exc:
            values.append(None)
            errors.append(str(exc))
            continue
        value = result.value
        values.append(list(value) if kind == "weeks_days" else value if kind == "date" else float(value))
        errors.append(None)
    dtype = {"date": pl.Date, "weeks_days": pl.List(pl.Int64)}.get(kind, pl.Float64)
    return pl.Series(VALUE, values, dtype=dtype), pl.Series(ERROR, errors, dtype=pl.Utf8)
