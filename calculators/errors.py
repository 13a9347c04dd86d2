"""Typed errors for calculator input problems.

One `InputError` lists every problem at once (input, value, what was expected, a hint), in the spirit of
pydantic's validation errors, so a user fixes a row in one pass instead of one field per run.
"""

from __future__ import annotations

from dataclasses import dataclass


class CalculatorError(Exception):
    """Base class for every error raised by the calculators package."""


class UnknownCalculatorError(CalculatorError, KeyError):
    """No calculator has that id or MedCalc-Bench id."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else "unknown calculator"


class UnitError(CalculatorError, ValueError):
    """A unit string is unknown, or cannot be converted to the canonical unit."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input."""

    input: str
    value: object
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.input}={self.value!r}: {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text


class InputError(CalculatorError, ValueError):
    """Every problem found in one set of inputs to one calculator."""

    def __init__(self, calculator_id: str, problems: list[Problem]):
        self.calculator_id = calculator_id
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{calculator_id}: {len(self.problems)} input problem(s):\n{lines}")
