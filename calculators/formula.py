"""Equation calculators: the formula as named sympy steps.

A `Formula` is a sequence of `Step`s; each step is a sympy expression over the calculator's inputs and
earlier steps, and the last step is the result. From that one statement we derive:

- `compute` for one patient: each step lambdified with the `math` module (fast on scalars),
- `compute_batch` for a column of patients: the steps composed into one expression and lambdified with
  numpy (vectorised; Piecewise becomes `numpy.select`),
- the rationale: each step as formula, substituted values and value, in order, with no rounding of
  intermediates (numbers are only formatted for display).

Input symbols: a number or bool input `x` is `Symbol("x")` (bools are 1/0). A choice input `sex` with
choices ("female", "male") gives indicator symbols `sex_female` and `sex_male` (1 for the chosen one).
Use `symbols_for(...)` to get them by name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import sympy as sp

if TYPE_CHECKING:
    from calculators.spec import Calculator


def indicator_name(input_name: str, choice: str) -> str:
    """Symbol name of the 0/1 indicator for one choice of a choice input."""
    return f"{input_name}_{re.sub(r'[^0-9a-zA-Z]+', '_', choice).strip('_').lower()}"


def symbols_for(*names: str) -> tuple[sp.Symbol, ...]:
    """Real symbols for input or step names (use indicator_name for choices)."""
    return tuple(sp.Symbol(n, real=True) for n in names)


def fmt(x: float) -> str:
    """Display a number with 6 significant digits (display only; never fed back into computation)."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


@dataclass(frozen=True)
class Step:
    """One named intermediate (or, last, the result): `name = expr`."""

    name: str
    expr: sp.Expr
    label: str = ""


@dataclass(frozen=True)
class _Branch:
    expr: sp.Expr
    cond: Any  # sympy boolean or True
    template: str
    cond_text: str
    value_fn: Any
    cond_fn: Any


@dataclass(frozen=True)
class Formula:
    """Named sympy steps; see the module docstring."""

    steps: tuple[Step, ...]
    note: str = ""
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    # -- symbol environment --------------------------------------------------------------------------
    @staticmethod
    def environment(calc: Calculator, values: Mapping[str, Any]) -> dict[str, float]:
        """Numeric value of every input symbol (choices expanded into indicators)."""
        env: dict[str, float] = {}
        for spec in calc.inputs:
            value = values[spec.name]
            if spec.kind == "choice":
                for choice in spec.choices:
                    env[indicator_name(spec.name, choice)] = 1.0 if value == choice else 0.0
            elif spec.kind == "bool":
                env[spec.name] = 1.0 if value else 0.0
            elif value is not None:
                env[spec.name] = float(value)
        return env

    def _compiled(self) -> list[tuple[Step, list[_Branch]]]:
        if "steps" not in self._cache:
            self._cache["steps"] = [(step, _branches(step)) for step in self.steps]
        return self._cache["steps"]

    def _plan(self, calc: Calculator) -> _Plan:
        """Everything about the rationale that does not depend on the patient, built once per calculator.

        The hot path then only evaluates conditions and values, and formats the few numbers each step
        shows; the text is identical to formatting every environment value at every step.
        """
        key = ("plan", calc.id)
        plan = self._cache.get(key)
        if plan is None:
            plan = self._cache[key] = _build_plan(calc, self._compiled())
        return plan

    # -- scalar path ---------------------------------------------------------------------------------
    def compute(self, calc: Calculator, values: Mapping[str, Any]) -> tuple[float, Callable[[], list[str]]]:
        plan = self._plan(calc)
        env = _plan_environment(plan.inputs, values)
        taken: list[tuple[str, str, _Branch]] = []
        result = math.nan
        for name, prefix, branches in plan.steps:
            for branch in branches:
                if branch.cond_fn is True or branch.cond_fn(env):
                    break
            else:  # a Piecewise without a default branch and no true condition
                raise ValueError(f"{calc.id}: no branch of {name} applies")
            try:
                result = float(branch.value_fn(env))
            except (ZeroDivisionError, ValueError, OverflowError):
                result = math.nan
            taken.append((name, prefix, branch))
            env[name] = result

        def render() -> list[str]:
            # Steps only add names to `env`, so the final environment renders every step as it was computed.
            lines = []
            for name, prefix, branch in taken:
                shown = fmt(env[name])
                substituted = branch.template.format_map({n: fmt(env[n]) for n in branch.names})
                if substituted == branch.formula_text:  # a constant step
                    lines.append(f"{prefix}{branch.why}{name} = {shown}")
                else:
                    lines.append(f"{prefix}{branch.why}{name} = {branch.formula_text} = {substituted} = {shown}")
            return lines

        return result, render

    # -- batch path ----------------------------------------------------------------------------------
    @cached_property
    def composed(self) -> sp.Expr:
        """The result as one expression of the inputs (earlier steps substituted in)."""
        expr = self.steps[-1].expr
        for step in reversed(self.steps[:-1]):
            expr = expr.xreplace({sp.Symbol(step.name, real=True): step.expr, sp.Symbol(step.name): step.expr})
        return expr

    def batch_function(self):
        """(argument names, numpy function) for vectorised evaluation of the composed formula."""
        if "batch" not in self._cache:
            free = sorted(self.composed.free_symbols, key=lambda s: s.name)
            fn = sp.lambdify(free, self.composed, modules="numpy")
            self._cache["batch"] = ([s.name for s in free], fn)
        return self._cache["batch"]

    def describe(self, calc: Calculator) -> str:
        lines = [f"  {s.label + ': ' if s.label else ''}{s.name} = {sp.sstr(s.expr)}" for s in self.steps]
        if self.note:
            lines.append(f"  Note: {self.note}")
        return "\n".join(lines)


@dataclass(frozen=True)
class _BranchPlan:
    """One branch, ready to render: the symbols it shows, its text with and without values, its reason."""

    value_fn: Any
    cond_fn: Any
    names: tuple[str, ...]
    template: str
    formula_text: str
    why: str


@dataclass(frozen=True)
class _Plan:
    # (input name, kind, ((choice, indicator symbol), ...)) for each input, in declaration order
    inputs: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]
    # (step name, "label: " prefix, branches) for each step
    steps: tuple[tuple[str, str, tuple[_BranchPlan, ...]], ...]


def _build_plan(calc: Calculator, compiled: Sequence[tuple[Step, Sequence[_Branch]]]) -> _Plan:
    inputs = tuple(
        (
            spec.name,
            spec.kind,
            tuple((c, indicator_name(spec.name, c)) for c in spec.choices) if spec.kind == "choice" else (),
        )
        for spec in calc.inputs
    )
    steps = []
    for step, branches in compiled:
        planned = []
        for branch in branches:
            names = tuple(sorted(s.name for s in branch.expr.free_symbols))
            why = f"since {_readable_condition(branch.cond_text, calc)}, " if branch.cond_text else ""
            formula_text = branch.template.format_map({n: n for n in names})
            planned.append(
                _BranchPlan(branch.value_fn, branch.cond_fn, names, branch.template, formula_text, why)
            )
        steps.append((step.name, f"{step.label}: " if step.label else "", tuple(planned)))
    return _Plan(inputs, tuple(steps))


def _plan_environment(
    inputs: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...], values: Mapping[str, Any]
) -> dict[str, float]:
    """`Formula.environment` driven by a precompiled plan (no regex or attribute lookups per call)."""
    env: dict[str, float] = {}
    for name, kind, indicators in inputs:
        value = values[name]
        if indicators:
            for choice, symbol in indicators:
                env[symbol] = 1.0 if value == choice else 0.0
        elif kind == "bool":
            env[name] = 1.0 if value else 0.0
        elif value is not None:
            env[name] = float(value)
    return env


def _readable_condition(text: str, calc: Calculator) -> str:
    """Print `Eq(sex_female, 1)` as `sex is female` and `Eq(diabetes, 1)` as `diabetes`."""
    names = {}
    for spec in calc.inputs:
        if spec.kind == "choice":
            names.update({indicator_name(spec.name, c): f"{spec.name} is {c}" for c in spec.choices})
        elif spec.kind == "bool":
            names[spec.name] = spec.name
    text = re.sub(r"Eq\((\w+), 1\)", lambda m: names.get(m.group(1), m.group(0)), text)
    return re.sub(r"Eq\((\w+), 0\)", lambda m: "not " + names.get(m.group(1), m.group(0)), text)


def _branches(step: Step) -> list[_Branch]:
    expr = step.expr
    pieces: Sequence[tuple[sp.Expr, Any]] = expr.args if isinstance(expr, sp.Piecewise) else [(expr, True)]
    out = []
    for piece, cond in pieces:
        free = sorted(piece.free_symbols, key=lambda s: s.name)
        # The template prints each symbol as "{name}" so values can be formatted in without re-printing.
        template = sp.sstr(piece.xreplace({s: sp.Symbol("{" + s.name + "}") for s in free}))
        value_fn = _env_function(piece)
        if cond is True or cond == sp.true:
            out.append(_Branch(piece, True, template, "", value_fn, True))
        else:
            out.append(_Branch(piece, cond, template, sp.sstr(cond), value_fn, _env_function(cond)))
    return out


def _env_function(expr: Any):
    """Lambdify `expr` with the math module, taking an environment dict of symbol values."""
    free = sorted(expr.free_symbols, key=lambda s: s.name)
    names = [s.name for s in free]
    fn = sp.lambdify(free, expr, modules=["math"])
    # Specialised by arity: this runs once per step per evaluation (the scalar hot path).
    if not names:
        return lambda env: fn()
    if len(names) == 1:
        (only,) = names
        return lambda env: fn(env[only])
    getter = itemgetter(*names)
    return lambda env: fn(*getter(env))
