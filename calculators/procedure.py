"""Calculators that are neither a formula nor a point table (date arithmetic, dose conversion tables).

A `Procedure` wraps one small explicit function `fn(values) -> (value, rationale_lines)` plus the text
that documents it. Keep these rare: a formula or a point table is easier to check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from calculators.spec import Calculator


@dataclass(frozen=True)
class Procedure:
    fn: Callable[[Mapping[str, Any]], tuple[Any, list[str]]]
    text: str

    def compute(self, calc: Calculator, values: Mapping[str, Any]) -> tuple[Any, list[str]]:
        return self.fn(values)

    def describe(self, calc: Calculator) -> str:
        return "\n".join(f"  {line}" for line in self.text.strip().splitlines())
