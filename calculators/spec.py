"""The declaration every calculator makes once: inputs, output, citation, method.

Everything user-facing is derived from a `Calculator`: CLI help and `calc show`, prompt text, SFT
rationales, input validation, reward tolerances. A calculator module builds one `Calculator` and names it
`CALCULATOR`; `calculators.registry` lists the modules.

How a value is computed lives in `method`, one of:
- `calculators.formula.Formula`: named sympy steps (equation calculators; vectorised via lambdify),
- `calculators.points.PointScore`: a table of criteria and points (scores),
- `calculators.procedure.Procedure`: a small explicit function for what is neither (dates, conversions).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Protocol

from calculators.errors import InputError, Problem
from calculators.parsing import BadValue, parse_input
from calculators.units import display_unit

InputKind = Literal["number", "bool", "choice", "date"]
OutputKind = Literal["integer", "decimal", "date", "weeks_days"]
Category = Literal["lab", "physical", "risk", "severity", "diagnosis", "date", "dosage"]

# Canonical units for which a bare number is unambiguous in clinical practice (age in years, rates per
# minute, blood pressure in mm Hg, percentages). Everything else needs an explicit unit.
BARE_NUMBER_UNITS = frozenset({"year", "years", "a", "/min", "1/min", "mm[Hg]", "mmHg", "%"})



@dataclass(frozen=True)
class Citation:
    """Primary publication of a calculator (and where our reading of it is recorded)."""

    text: str
    doi: str | None = None
    pmid: str | None = None

    def __str__(self) -> str:
        ids = [f"doi:{self.doi}" if self.doi else "", f"PMID:{self.pmid}" if self.pmid else ""]
        return " ".join([self.text, *[i for i in ids if i]])


@dataclass(frozen=True)
class Input:
    """One declared input.

    `unit` is the canonical unit (UCUM code) the method receives; `range` is the plausible range in that
    unit (values outside it are rejected: they are almost always unit mix-ups). `choices` lists the allowed
    values of a choice input; `aliases` maps other spellings (MedCalc-Bench's, FHIR's) to a choice.
    """

    name: str
    label: str
    kind: InputKind = "number"
    unit: str | None = None
    analyte: str | None = None
    range: tuple[float, float] | None = None
    choices: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)
    required: bool = True
    default: Any = None
    help: str = ""
    bare_number_ok: bool | None = None  # None: decided by BARE_NUMBER_UNITS
    # MedCalc-Bench `Relevant Entities` keys that carry this input (several keys for one yes/no input are
    # OR-ed, e.g. stroke, TIA and thromboembolism history). Used by the benchmark audit and adapters.
    medcalc_keys: tuple[str, ...] = ()
    # Values that are understood but refused, -> why (e.g. GCS "not testable": the total is undefined).
    rejects: Mapping[str, str] = field(default_factory=dict)

    @property
    def accepts_bare_number(self) -> bool:
        if self.bare_number_ok is not None:
            return self.bare_number_ok
        return self.unit is None or self.unit in BARE_NUMBER_UNITS

    def describe(self) -> str:
        """One line for help text and prompts."""
        if self.kind == "choice":
            what = "one of: " + ", ".join(self.choices)
        elif self.kind == "bool":
            what = "yes/no"
        elif self.kind == "date":
            what = "date (YYYY-MM-DD or MM/DD/YYYY)"
        else:
            unit = display_unit(self.unit) if self.unit else ""
            what = f"number{' in ' + unit if unit else ''}"
            if self.range:
                what += f", plausible {self.range[0]:g}–{self.range[1]:g}"
        opt = "" if self.required else f" (optional, default {self.default!r})"
        return f"{self.name}: {self.label} — {what}{opt}"


@dataclass(frozen=True)
class Output:
    """What a calculator returns and how rewards compare answers to it.

    `rel_tol` is the relative tolerance rewards use (MedCalc-Bench: ±5 % for decimals); None means exact
    (scores, dates, (weeks, days)). `decimals` is for display only: values are never rounded internally.
    """

    kind: OutputKind
    label: str
    unit: str | None = None
    rel_tol: float | None = None
    decimals: int = 2
    # An answer within `abs_tol` (in `unit`) of the result is right; set for results that are a small change
    # of an input (corrections, deltas, adjusted weights), where a relative tolerance would pay a copied input.
    abs_tol: float | None = None
    analyte: str | None = None  # what the result measures, for mEq/L <-> mmol/L and mg/dL <-> mmol/L answers

    def __post_init__(self) -> None:
        if self.kind == "decimal" and self.rel_tol is None and self.abs_tol is None:
            object.__setattr__(self, "rel_tol", 0.05)


@dataclass(frozen=True)
class Example:
    """A golden case: inputs as a user would write them, the expected value, and where it comes from.

    `source` must name the primary publication's worked example/table, or an independent published
    example (e.g. a textbook or a guideline's worked case), or say "hand calculation from the published
    formula" with the arithmetic in `note`. `ehrmind calc validate` and the tests run every example.
    """

    inputs: Mapping[str, Any]
    expected: Any
    source: str
    note: str = ""
    abs_tol: float | None = None  # for decimals when the source rounds (default: rel 1e-3 of expected)


class Result:
    """A computed value with its unit and the step-by-step rationale that produced it.

    The rationale is rendered on first access: rewards and batch callers need only the value, and
    formatting every intermediate number would otherwise dominate a single evaluation's cost.
    """

    __slots__ = ("calculator_id", "value", "unit", "_rationale", "_steps", "_final")

    def __init__(
        self,
        calculator_id: str,
        value: Any,  # float | int | date | tuple[int, int]
        unit: str | None,
        rationale: str | None = "",
        steps: list[str] | Callable[[], list[str]] | None = None,
        final: str = "",
    ) -> None:
        self.calculator_id, self.value, self.unit = calculator_id, value, unit
        self._rationale, self._steps, self._final = rationale, steps, final

    @property
    def steps(self) -> list[str]:
        if callable(self._steps):
            self._steps = list(self._steps())
        return self._steps or []

    @property
    def rationale(self) -> str:
        if self._rationale is None:
            self._rationale = "\n".join([*self.steps, self._final])
        return self._rationale

    def __repr__(self) -> str:
        return f"Result({self.calculator_id!r}, {self.value!r}, {self.unit!r})"

    def display_value(self, decimals: int = 2) -> str:
        return format_value(self.value, decimals)

    def to_json(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        return {"id": self.calculator_id, "value": value, "unit": self.unit, "rationale": self.rationale}


def format_value(value: Any, decimals: int = 2) -> str:
    """Display form of an output value (rounding for display only)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{decimals}f}"
    if isinstance(value, date):
        return value.strftime("%m/%d/%Y")
    if isinstance(value, tuple) and len(value) == 2:
        return f"({value[0]} weeks, {value[1]} days)"
    return str(value)


class Method(Protocol):
    """How a calculator computes: given validated canonical inputs, a value and its rationale steps
    (a list, or a function rendering the list on demand)."""

    def compute(
        self, calc: Calculator, values: Mapping[str, Any]
    ) -> tuple[Any, list[str] | Callable[[], list[str]]]: ...

    def describe(self, calc: Calculator) -> str: ...


@dataclass(frozen=True)
class Calculator:
    """A calculator's single declaration. See the module docstring."""

    id: str
    name: str
    category: Category
    description: str
    inputs: tuple[Input, ...]
    output: Output
    citation: Citation
    method: Method
    medcalc_id: int | None = None
    notes: str = ""  # deviations from MedCalc-Bench, with the reason (mirrored in docs/calculators.md)
    # Optional override for MedCalc-Bench entities -> input values, for calculators whose benchmark
    # entities do not map one key to one input (e.g. MME's per-drug doses). Default: `medcalc_keys`.
    from_medcalc: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    examples: tuple[Example, ...] = ()
    # MedCalc-Bench keys read by `from_medcalc` itself (not carried by one input); see calculators.medcalc.
    medcalc_keys: tuple[str, ...] = ()
    # MedCalc-Bench keys deliberately not used -> why (an undeclared key is an error, never skipped).
    medcalc_ignore: Mapping[str, str] = field(default_factory=dict)
    # Input name -> what an unreported value means and the source of that convention (docs/calculators.md).
    missing_data: Mapping[str, str] = field(default_factory=dict)
    # Definitions that differ by edition (calculators.editions.Variant, one per differing definition, each
    # with its citation); `edition` names the edition this object computes, `base` is its source declaration.
    editions: tuple[Any, ...] = ()
    edition: str = "source"
    base: Calculator | None = None

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs)

    def input(self, name: str) -> Input:
        for item in self.inputs:
            if item.name == name:
                return item
        raise KeyError(f"{self.id} has no input {name!r}; inputs: {', '.join(self.input_names)}")

    # -- validation ----------------------------------------------------------------------------------
    def validate(self, values: Mapping[str, Any], *, assume_canonical: bool = False) -> dict[str, Any]:
        """Parse, convert and range-check every input; raise one InputError listing every problem."""
        known = set(self.input_names)
        problems = [
            Problem(k, v, "unknown input", f"inputs are: {', '.join(self.input_names)}")
            for k, v in values.items()
            if k not in known
        ]
        clean: dict[str, Any] = {}
        for spec in self.inputs:
            raw = values.get(spec.name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                if spec.required:
                    problems.append(Problem(spec.name, raw, "missing required input", spec.describe()))
                else:
                    clean[spec.name] = spec.default
                continue
            try:
                clean[spec.name] = parse_input(spec, raw, assume_canonical)
            except BadValue as bad:
                problems.append(Problem(spec.name, raw, bad.message, bad.hint))
        if problems:
            raise InputError(self.id, problems)
        return clean

    def evaluate(self, values: Mapping[str, Any], *, assume_canonical: bool = False) -> Result:
        """Validate `values` and compute. Strings like "1.2 mg/dL", pairs like (1.2, "mg/dL") and,
        for inputs whose unit is unambiguous (or with assume_canonical=True), bare numbers are accepted."""
        clean = self.validate(values, assume_canonical=assume_canonical)
        value, steps = self.method.compute(self, clean)
        if self.output.kind == "integer" and isinstance(value, float):
            if not value.is_integer():
                raise AssertionError(f"{self.id}: integer output computed as {value}")
            value = int(value)
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(self.id, [Problem("(result)", value, "computation is undefined for these inputs")])
        unit = display_unit(self.output.unit) if self.output.unit else None
        final = f"{self.output.label} = {format_value(value, self.output.decimals)}{' ' + unit if unit else ''}"
        return Result(self.id, value, unit, None, steps, final)

    def describe(self, edition: str | None = None) -> str:
        """Plain-text card: what it measures, inputs, method, output, citation (for help and SFT), as
        defined in `edition` (default: this object's own edition)."""
        if edition is not None:
            from calculators.editions import card_for_edition

            return card_for_edition(self, edition)
        unit = display_unit(self.output.unit)
        lines = [
            f"{self.name} ({self.id}{f', MedCalc-Bench #{self.medcalc_id}' if self.medcalc_id else ''})",
            self.description,
            "Inputs:",
            *[f"  - {i.describe()}" for i in self.inputs],
            "Method:",
            self.method.describe(self),
            f"Output: {self.output.label} ({self.output.kind}{', ' + unit if unit else ''})",
            f"Source: {self.citation}",
        ]
        return "\n".join(lines)
