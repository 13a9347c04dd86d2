"""Synthetic patients for calculator tasks: input values drawn from declared distributions.

Gold answers always come from the calculators, so every synthetic row is verifiable. The distributions
here are for realistic demo and warm-up data; `ehrmind synthesize` (MedSSR-style) builds on them with
controllable shares of rare, extreme cases.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

from calculators.errors import InputError
from calculators.formula import fmt
from calculators.spec import Calculator, Input
from calculators.units import display_unit


@dataclass(frozen=True)
class Dist:
    """A truncated normal in the input's canonical unit; `rare` is an (low, high) tail for oversampling."""

    mean: float
    sd: float
    decimals: int = 1
    rare: tuple[float, float] | None = None


# Typical adult values in canonical units (approximate population distributions, for synthetic data only).
DISTRIBUTIONS: dict[str, Dist] = {
    "age": Dist(58, 17, 0, rare=(85, 100)),
    "weight": Dist(78, 18, 1, rare=(140, 220)),
    "height": Dist(170, 10, 0),
    "creatinine": Dist(1.1, 0.5, 2, rare=(4.0, 9.0)),
    "sodium": Dist(139, 4, 0, rare=(112, 124)),
    "chloride": Dist(103, 4, 0),
    "bicarbonate": Dist(24, 4, 0, rare=(6, 12)),
    "albumin": Dist(3.8, 0.6, 1, rare=(1.2, 2.2)),
    "glucose": Dist(115, 40, 0, rare=(400, 900)),
    "bun": Dist(16, 7, 0, rare=(60, 140)),
    "heart_rate": Dist(82, 16, 0, rare=(130, 180)),
    "systolic_bp": Dist(128, 20, 0, rare=(70, 85)),
    "diastolic_bp": Dist(76, 12, 0),
    "calcium": Dist(9.2, 0.6, 1),
    "qt_interval": Dist(400, 35, 0),
    "bilirubin": Dist(0.9, 0.6, 1, rare=(8, 25)),
    "inr": Dist(1.1, 0.3, 1, rare=(3, 6)),
}


def sample_value(spec: Input, rng: random.Random, rare: bool = False) -> Any:
    """One plausible value for an input (in its canonical unit)."""
    if spec.kind == "bool":
        return rng.random() < 0.3
    if spec.kind == "choice":
        return rng.choice(spec.choices)
    if spec.kind == "date":
        raise ValueError(f"{spec.name}: date inputs need a calculator-specific generator")
    lo, hi = spec.range if spec.range else (0.0, 100.0)
    dist = DISTRIBUTIONS.get(spec.name)
    if dist is None:
        mid, half = (lo + hi) / 2, (hi - lo) / 2
        dist = Dist(mid, half / 4, 1)
    if rare and dist.rare:
        value = rng.uniform(*dist.rare)
    else:
        value = rng.gauss(dist.mean, dist.sd)
    value = min(max(value, lo), hi)
    return round(value, dist.decimals) if dist.decimals else int(round(value))


MAX_DRAWS = 50  # draws per synthetic patient before sample_inputs gives up


class SamplingError(RuntimeError):
    """No draw of a calculator's inputs passed its constraints; names the calculator and what rejected them."""

    def __init__(self, calculator_id: str, draws: int, rejected: Counter[str]):
        self.calculator_id, self.draws, self.rejected = calculator_id, draws, rejected
        reasons = "; ".join(f"{why} ({n}x)" for why, n in rejected.most_common(3))
        super().__init__(f"{calculator_id}: could not sample valid inputs in {draws} tries; the calculator "
                         f"rejected the draws for: {reasons}. Fix: widen or shift DISTRIBUTIONS for those inputs")


def sample_inputs(calc: Calculator, rng: random.Random, rare: bool = False) -> dict[str, Any]:
    """A full set of valid inputs: rejection sampling, drawing again while the calculator rejects the draw.

    Each input is drawn on its own, so a joint constraint (e.g. an age range per branch) or an undefined
    result can reject a draw (`InputError`); after `MAX_DRAWS` rejections `SamplingError` names the calculator
    and the constraints that rejected the draws. Any other error is a bug and propagates.
    """
    rejected: Counter[str] = Counter()
    for _ in range(MAX_DRAWS):
        values = {spec.name: sample_value(spec, rng, rare) for spec in calc.inputs}
        try:
            calc.evaluate(values, assume_canonical=True)
        except InputError as exc:  # a violated constraint: count why, draw again
            rejected.update(f"{p.input}: {p.message}" for p in exc.problems)
            continue
        return values
    raise SamplingError(calc.id, MAX_DRAWS, rejected)


def render_note(calc: Calculator, values: dict[str, Any]) -> str:
    """A short clinical note stating the inputs in words with units."""
    sentences = []
    age = values.get("age")
    sex = values.get("sex")
    if age is not None or sex is not None:
        who = f"{fmt(float(age))}-year-old " if age is not None else ""
        sentences.append(f"A {who}{sex or 'patient'} is seen today.")
    for spec in calc.inputs:
        if spec.name in ("age", "sex"):
            continue
        value = values[spec.name]
        if spec.kind == "bool":
            sentences.append(f"{spec.label}: {'yes' if value else 'no'}.")
        elif spec.kind in ("choice", "date"):
            sentences.append(f"{spec.label}: {value}.")
        else:
            unit = display_unit(spec.unit) if spec.unit else ""
            sentences.append(f"{spec.label}: {fmt(float(value))}{' ' + unit if unit else ''}.")
    return " ".join(sentences)
