"""Column parsers for `calculators.batch`: one table column -> canonical float64 values + problems.

Each parser returns the values the formula receives (NaN where the cell is absent or bad) and the problems
found as (row indices, messages). Checks are vectorised (numpy masks); message text is built only for the
bad rows, so a clean table pays nothing for it. The rules mirror `Calculator.validate` exactly: same units
(one `units.conversion` per distinct unit string), same ranges, same yes/no words, same choice aliases.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl

from calculators.errors import UnitError
from calculators.parsing import FALSE_WORDS, TRUE_WORDS
from calculators.spec import Input
from calculators.units import conversion, display_unit

Problems = tuple[np.ndarray, list[str]]
NO_PROBLEMS: Problems = (np.empty(0, dtype=np.int64), [])

# Same grammar as units.split_number_unit: a leading number, then the unit text.
_NUMBER_UNIT = r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$"

# Problem codes, one per row and input; a row reports its highest-priority (lowest) code.
_MISSING, _NOT_NUMBER, _UNIT, _BARE, _NOT_FINITE, _RANGE = 1, 2, 3, 4, 5, 6


def number_column(
    spec: Input, df: pl.DataFrame, units: Mapping[str, str], assume_canonical: bool
) -> tuple[np.ndarray, Problems]:
    n = df.height
    if spec.name not in df.columns:  # optional input without a column: its default everywhere
        return np.full(n, np.nan if spec.default is None else float(spec.default)), NO_PROBLEMS
    col = df[spec.name]
    missing = col.is_null().to_numpy()
    cell_unit: pl.Series | None = None
    if col.dtype == pl.Utf8:
        parts = col.str.extract_groups(_NUMBER_UNIT)
        number = parts.struct.field("1").cast(pl.Float64)
        unparsed = ~missing & number.is_null().to_numpy()
        x = number.fill_null(np.nan).to_numpy()
        cell_unit = parts.struct.field("2").replace("", None)
    elif col.dtype.is_numeric():
        x = col.cast(pl.Float64).fill_null(np.nan).to_numpy()
        unparsed = np.zeros(n, dtype=bool)
    else:  # booleans, dates...: not numbers
        x, unparsed = np.full(n, np.nan), ~missing

    # The unit of each row: written in the cell, else the `<input>_unit` column, else `units[input]`.
    row_unit = cell_unit
    if f"{spec.name}_unit" in df.columns:
        unit_col = df[f"{spec.name}_unit"].cast(pl.Utf8)
        row_unit = unit_col if row_unit is None else row_unit.fill_null(unit_col)
    declared = units.get(spec.name)
    if row_unit is not None and declared is not None:
        row_unit = row_unit.fill_null(declared)
    bare_ok = assume_canonical or spec.accepts_bare_number or spec.unit is None
    distinct = [declared] if row_unit is None and declared is not None else []
    if row_unit is not None:
        distinct = row_unit.drop_nulls().unique().to_list()
    scales, offsets, failures = _unit_factors(spec, distinct)
    if row_unit is None:  # one unit (or none) for the whole column: scalar factors
        has_unit = np.full(n, declared is not None)
        scale = np.full(n, scales.get(declared, 1.0) if declared is not None else 1.0)
        offset = np.full(n, offsets.get(declared, 0.0) if declared is not None else 0.0)
        unit_bad = np.full(n, declared in failures)
    else:
        has_unit = row_unit.is_not_null().to_numpy()
        scale = (
            row_unit.replace_strict(scales, default=None, return_dtype=pl.Float64).fill_null(1.0).to_numpy()
        )
        offset = (
            row_unit.replace_strict(offsets, default=None, return_dtype=pl.Float64).fill_null(0.0).to_numpy()
        )
        unit_bad = row_unit.is_in(list(failures)).fill_null(False).to_numpy()
    value = x * scale + offset
    # As `Calculator.validate`: converted values lose conversion noise (12 significant digits). Rows whose
    # unit is already canonical (factor 1, offset 0) carry no conversion noise and are left as given.
    converted = has_unit & ((scale != 1.0) | (offset != 0.0))
    if spec.unit is not None and converted.any():
        value = np.where(converted, round_significant(value), value)
    lo, hi = spec.range if spec.range else (-np.inf, np.inf)

    # Lowest code wins: assign from the least to the most important problem.
    present = ~missing & ~unparsed
    with np.errstate(invalid="ignore"):
        code = np.where(present & ((value < lo) | (value > hi)), _RANGE, 0).astype(np.uint8)
    code[present & ~np.isfinite(x)] = _NOT_FINITE
    code[present & ~has_unit & (not bare_ok)] = _BARE
    code[present & unit_bad] = _UNIT
    code[unparsed] = _NOT_NUMBER
    code[missing] = _MISSING if spec.required else 0
    if not spec.required:
        value[missing] = np.nan if spec.default is None else float(spec.default)

    bad = np.flatnonzero(code)
    if not len(bad):
        return value, NO_PROBLEMS
    raw = col.gather(bad).cast(pl.Utf8).to_list()
    units_of_bad = [declared] * len(bad) if row_unit is None else row_unit.gather(bad).to_list()
    in_cell = [False] * len(bad) if cell_unit is None else cell_unit.gather(bad).is_not_null().to_list()
    shown = display_unit(spec.unit) if spec.unit else ""
    messages = []
    for i, r, unit, own, c in zip(bad.tolist(), raw, units_of_bad, in_cell, code[bad].tolist(), strict=True):
        given = f"{spec.name}={r}" if own or unit is None else f"{spec.name}={r} {unit}"
        if c == _MISSING:
            text = f"{spec.name}=None: missing required input"
        elif c == _NOT_NUMBER:
            text = f"{given}: not a number"
        elif c == _UNIT:
            text = f"{given}: {failures[unit]}"
        elif c == _BARE:
            text = f"{given}: a bare number needs a unit; expected {shown}"
        elif c == _NOT_FINITE:
            text = f"{given}: not a finite number"
        else:
            text = f"{given}: {value[i]:g} {shown} is outside the plausible range {lo:g}–{hi:g}"
        messages.append(text)
    value[bad] = np.nan
    return value, (bad, messages)


def round_significant(values: np.ndarray, digits: int = 12) -> np.ndarray:
    """Round to `digits` significant digits, vectorised (the scalar path formats with "{:.12g}").

    Both snap conversion noise such as 39.999999999999 °C back to 40.0 so thresholds hold; the two can
    differ only in the last bit of a value, far below any clinical or reward tolerance.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        exponent = np.floor(np.log10(np.abs(values)))
        factor = 10.0 ** (digits - 1 - exponent)
        rounded = np.round(values * factor) / factor
    return np.where(np.isfinite(rounded) & (values != 0), rounded, values)


def _unit_factors(spec: Input, distinct: list[str]) -> tuple[dict, dict, dict]:
    """Per distinct unit string: scale, offset, or the conversion error (each pint solve is cached)."""
    scales, offsets, failures = {}, {}, {}
    for unit in distinct:
        if spec.unit is None:  # dimensionless input: a written unit is ignored, as in `evaluate`
            scales[unit], offsets[unit] = 1.0, 0.0
            continue
        try:
            scales[unit], offsets[unit] = conversion(unit, spec.unit, spec.analyte)
        except UnitError as exc:
            failures[unit] = str(exc)
    return scales, offsets, failures


def bool_column(spec: Input, df: pl.DataFrame) -> tuple[np.ndarray, Problems]:
    n = df.height
    default = 1.0 if spec.default else 0.0
    if spec.name not in df.columns:
        return np.full(n, default), NO_PROBLEMS
    col = df[spec.name]
    missing = col.is_null().to_numpy()
    if col.dtype == pl.Boolean:
        parsed = col.cast(pl.Float64)
    elif col.dtype.is_numeric():  # only 0 and 1 mean no and yes
        parsed = col.cast(pl.Float64).replace_strict({0.0: 0.0, 1.0: 1.0}, default=None)
    else:
        words = {**{t: 1.0 for t in TRUE_WORDS}, **{f: 0.0 for f in FALSE_WORDS}}
        lookup = {
            raw: words.get(raw.strip().lower()) for raw in col.cast(pl.Utf8).drop_nulls().unique().to_list()
        }
        parsed = col.cast(pl.Utf8).replace_strict(lookup, default=None, return_dtype=pl.Float64)
    value = parsed.fill_null(np.nan).to_numpy(writable=True)
    bad_mask = ~missing & np.isnan(value)
    if spec.required:
        bad_mask |= missing
    value[missing] = default
    bad = np.flatnonzero(bad_mask)
    raw = col.gather(bad).cast(pl.Utf8).to_list()
    messages = [
        f"{spec.name}=None: missing required input"
        if r is None
        else f"{spec.name}={r}: expected yes/no (true/false)"
        for r in raw
    ]
    value[bad] = np.nan
    return value, (bad, messages)


def choice_column(spec: Input, df: pl.DataFrame) -> tuple[np.ndarray, Problems]:
    """The index of the chosen choice per row (-1 where bad), and the problems."""
    n = df.height
    index = {c: k for k, c in enumerate(spec.choices)}
    if spec.name not in df.columns:
        return np.full(n, index.get(spec.default, -1)), NO_PROBLEMS
    # Choices win over aliases that spell the same, as in `Calculator.evaluate`.
    lookup = {**{a.lower(): c for a, c in spec.aliases.items()}, **{c.lower(): c for c in spec.choices}}
    col = df[spec.name].cast(pl.Utf8)
    codes = {
        raw: index.get(lookup.get(raw.strip().lower()), -1) for raw in col.drop_nulls().unique().to_list()
    }
    chosen = col.replace_strict(codes, default=None, return_dtype=pl.Int64)
    missing = col.is_null().to_numpy()
    chosen_arr = chosen.fill_null(-1).to_numpy(writable=True)
    chosen_arr[missing] = index.get(spec.default, -1) if not spec.required else -1
    bad = np.flatnonzero((chosen_arr < 0) & (~missing | spec.required))
    raw = col.gather(bad).to_list()
    allowed = ", ".join(spec.choices)
    messages = [
        f"{spec.name}=None: missing required input"
        if r is None
        else f"{spec.name}={r}: not an allowed choice (choose one of: {allowed})"
        for r in raw
    ]
    return chosen_arr, (bad, messages)
