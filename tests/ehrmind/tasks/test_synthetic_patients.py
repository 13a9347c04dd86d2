"""Rejection sampling of synthetic patients: a violated constraint is counted and named, a bug propagates."""

from __future__ import annotations

import random

import pytest

import calculators
from calculators.errors import InputError, Problem
from ehrmind.tasks.synthetic_patients import MAX_DRAWS, SamplingError, sample_inputs


def test_sample_inputs_draws_valid_inputs():
    calc = calculators.get("bmi")
    values = sample_inputs(calc, random.Random(0))
    assert calc.evaluate(values, assume_canonical=True).value > 0


def test_every_rejected_draw_is_counted_and_named(rejecting):
    bmi = calculators.get("bmi")
    always = rejecting(bmi, InputError("bmi", [Problem("height", 12, "below the plausible range")]))
    with pytest.raises(SamplingError, match=rf"bmi: could not sample valid inputs in {MAX_DRAWS} tries; .*"
                                            rf"height: below the plausible range \({MAX_DRAWS}x\)") as info:
        sample_inputs(always, random.Random(0))
    assert info.value.rejected == {"height: below the plausible range": MAX_DRAWS}
    assert isinstance(info.value, RuntimeError)  # what sample_inputs raised before it named the constraint


def test_a_calculator_bug_is_not_taken_for_a_rejected_draw(rejecting):
    buggy = rejecting(calculators.get("bmi"), ZeroDivisionError("division by zero"))
    with pytest.raises(ZeroDivisionError):
        sample_inputs(buggy, random.Random(0))
