"""`calculators.batch.evaluate_batch`: same numbers as `evaluate`, bad rows reported and never dropped.

cd /work/main && python -m pytest tests/calculators/test_batch.py -q
"""

from __future__ import annotations

import math
import random
from datetime import date

import numpy as np
import polars as pl
import pytest
import sympy as sp

import calculators
from calculators.batch import evaluate_batch
from calculators.checks import load_available
from calculators.errors import InputError
from calculators.formula import Formula, Step, symbols_for
from calculators.spec import Calculator, Citation, Input, Output

LOADED, _ = load_available()
FORMULAS = [c for c in LOADED if isinstance(c.method, Formula)]


def _random_rows(calc: Calculator, n: int, seed: int) -> list[dict]:
    """Valid inputs in canonical units, with a few values exactly on range edges."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        row: dict = {}
        for spec in calc.inputs:
            if spec.kind == "number":
                lo, hi = spec.range if spec.range else (0.5, 100.0)
                row[spec.name] = rng.choice([lo, hi]) if rng.random() < 0.05 else rng.uniform(lo, hi)
            elif spec.kind == "bool":
                row[spec.name] = rng.random() < 0.5
            else:
                row[spec.name] = rng.choice(spec.choices)
        rows.append(row)
    return rows


def _scalar(calc: Calculator, row: dict, **kw) -> tuple[float | None, bool]:
    try:
        return float(calc.evaluate(row, **kw).value), True
    except InputError:
        return None, False


@pytest.mark.parametrize("calc", FORMULAS, ids=[c.id for c in FORMULAS])
def test_batch_equals_scalar_on_random_rows(calc: Calculator) -> None:
    rows = _random_rows(calc, 60, seed=len(calc.id))
    out = evaluate_batch(calc, pl.DataFrame(rows), assume_canonical=True)
    assert out.height == len(rows)
    for row, got, error in zip(rows, out["value"].to_list(), out["error"].to_list(), strict=True):
        expected, ok = _scalar(calc, row, assume_canonical=True)
        if ok:
            assert error is None, (row, error)
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), row
        else:
            assert got is None and error, row


def test_units_declared_by_mapping_column_and_cell_agree() -> None:
    calc = calculators.get("free_water_deficit")
    scalar = calc.evaluate({"age": 70, "sex": "male", "weight": "80 kg", "sodium": "155 mmol/L"}).value
    by_mapping = pl.DataFrame({"age": [70], "sex": ["M"], "weight": [176.3698097479], "sodium": [155.0]})
    by_column = by_mapping.with_columns(weight_unit=pl.lit("[lb_av]"))
    by_cell = pl.DataFrame(
        {"age": ["840 months"], "sex": ["male"], "weight": ["80000 g"], "sodium": ["155 mEq/L"]}
    )
    for df, units in ((by_mapping, {"weight": "lbs", "sodium": "mmol/L"}), (by_column, {"sodium": "mmol/L"})):
        assert evaluate_batch(calc, df, units=units)["value"][0] == pytest.approx(scalar, rel=1e-9)
    assert evaluate_batch(calc, by_cell)["value"][0] == pytest.approx(scalar, rel=1e-9)


def test_conversion_noise_is_rounded_as_in_evaluate() -> None:
    # 18 years written in weeks converts to 17.999999999999996 years in floating point; like `evaluate`,
    # the batch path rounds converted values to 12 significant digits, so the patient is an adult (TBW 0.5
    # for a woman, Adrogué & Madias 2000) and not a child (0.6).
    calc = calculators.get("free_water_deficit")
    row = {"age": f"{18 * 365.25 / 7!r} weeks", "sex": "female", "weight": "60 kg", "sodium": "150 mmol/L"}
    expected = 0.5 * 60 * (150 / 140 - 1)
    assert calc.evaluate(row).value == pytest.approx(expected, rel=1e-12)
    got = evaluate_batch(calc, pl.DataFrame({k: [v] for k, v in row.items()}))["value"][0]
    assert got == pytest.approx(expected, rel=1e-12)


def test_one_conversion_per_distinct_unit_in_a_unit_column() -> None:
    calc = calculators.get("ckd_epi_2021")
    df = pl.DataFrame(
        {
            "creatinine": [1.2, 106.0820, 0.9, 79.5615],
            "creatinine_unit": ["mg/dL", "umol/L", "mg/dL", "µmol/L"],
            "age": [60, 60, 45, 45],
            "sex": ["female", "female", "male", "male"],
        }
    )
    values = evaluate_batch(calc, df)["value"].to_list()
    # 1.2 mg/dL = 1.2 / 0.011312 = 106.0820 µmol/L and 0.9 mg/dL = 79.5615 µmol/L (creatinine 113.12 g/mol)
    assert values[0] == pytest.approx(values[1], rel=1e-6)
    assert values[2] == pytest.approx(values[3], rel=1e-6)


def test_bad_rows_are_reported_never_dropped() -> None:
    calc = calculators.get("ckd_epi_2021")
    df = pl.DataFrame(
        {
            "creatinine": ["1.2 mg/dL", "3000 umol/L", None, "abc", "2 furlongs", "1.0", "0.8 mg/dL"],
            "age": [60, 60, 60, 60, 60, 60, None],
            "sex": ["female", "female", "female", "female", "female", "female", "alien"],
        }
    )
    out = evaluate_batch(calc, df)
    assert out.height == df.height and out.columns == [*df.columns, "value", "error"]
    errors = out["error"].to_list()
    assert errors[0] is None and out["value"][0] is not None
    assert errors[1] == "creatinine=3000 umol/L: 33.936 mg/dL is outside the plausible range 0.1–25"
    assert errors[2] == "creatinine=None: missing required input"
    assert errors[3] == "creatinine=abc: not a number"
    assert "furlongs" in errors[4] and errors[4].startswith("creatinine=2 furlongs:")
    assert errors[5] == "creatinine=1.0: a bare number needs a unit; expected mg/dL"
    # Every problem of a row, in input order.
    assert errors[6] == (
        "age=None: missing required input; sex=alien: not an allowed choice (choose one of: female, male)"
    )
    assert out["value"].null_count() == 6


def test_undefined_result_is_an_error_row() -> None:
    calc = calculators.get("delta_ratio")
    df = pl.DataFrame({"sodium": [140.0, 140.0], "chloride": [100.0, 100.0], "bicarbonate": [24.0, 14.0]})
    out = evaluate_batch(calc, df, units={"sodium": "mEq/L", "chloride": "mEq/L", "bicarbonate": "mEq/L"})
    assert out["error"].to_list() == ["(result): computation is undefined for these inputs", None]
    assert out["value"].to_list()[1] == pytest.approx((140 - 114 - 12) / (24 - 14))


def test_optional_inputs_take_their_default() -> None:
    calc = calculators.get("mdrd_gfr")
    base = {"creatinine": [1.2, 1.2], "age": [60, 60], "sex": ["male", "male"]}
    without = evaluate_batch(calc, pl.DataFrame(base), units={"creatinine": "mg/dL"})["value"].to_list()
    with_nulls = pl.DataFrame({**base, "race": [None, "Black"]})
    got = evaluate_batch(calc, with_nulls, units={"creatinine": "mg/dL"})["value"].to_list()
    assert without[0] == without[1] == got[0]
    assert got[1] == pytest.approx(got[0] * 1.212)  # Levey 2006 race coefficient


def test_bool_columns_accept_words_and_zero_one() -> None:
    calc = calculators.get("meld_na")
    labs = {"creatinine": [1.2] * 4, "bilirubin": [2.0] * 4, "inr": [1.5] * 4, "sodium": [130.0] * 4}
    units = {"creatinine": "mg/dL", "bilirubin": "mg/dL", "sodium": "mmol/L"}
    words = evaluate_batch(
        calc, pl.DataFrame({**labs, "dialysis": ["yes", "no", "maybe", None]}), units=units
    )
    numbers = evaluate_batch(calc, pl.DataFrame({**labs, "dialysis": [1, 0, 2, None]}), units=units)
    for out in (words, numbers):
        values, errors = out["value"].to_list(), out["error"].to_list()
        assert values[0] > values[1] == values[3]  # dialysis sets creatinine to 4.0; missing means no
        assert errors[2] is not None and errors[2].startswith("dialysis=") and values[2] is None


@pytest.mark.parametrize(
    ("frame", "units", "kwargs", "named"),
    [
        ({"age": [60], "sex": ["male"]}, {}, {}, "creatinine"),  # no column for a required input
        ({"creatinine": [1.2], "age": [60], "sex": ["male"]}, {}, {}, "creatinine"),  # bare numbers
        ({"creatinine": [1.2], "age": [60], "sex": ["male"]}, {"creatinine": "kg"}, {}, "creatinine"),
        ({"creatinine": [1.2], "age": [60], "sex": ["male"]}, {"creatinin": "mg/dL"}, {}, "creatinin"),
        ({"creatinine": ["1.2 mg/dL"], "age": [60], "sex": ["male"], "value": [0]}, {}, {}, "value"),
    ],
)
def test_table_problems_raise_before_computing(frame: dict, units: dict, kwargs: dict, named: str) -> None:
    with pytest.raises(InputError) as info:
        evaluate_batch(calculators.get("ckd_epi_2021"), pl.DataFrame(frame), units=units, **kwargs)
    assert named in {p.input for p in info.value.problems}


def test_assume_canonical_accepts_bare_numbers() -> None:
    calc = calculators.get("ckd_epi_2021")
    df = pl.DataFrame({"creatinine": [1.2], "age": [60], "sex": ["female"]})
    got = evaluate_batch(calc, df, assume_canonical=True)["value"][0]
    assert got == pytest.approx(calc.evaluate({"creatinine": "1.2 mg/dL", "age": 60, "sex": "female"}).value)


def test_point_scores_fall_back_to_rows() -> None:
    calc = calculators.get("cha2ds2_vasc")
    df = pl.DataFrame({"age": [80, 50, 130], "sex": ["female", "male", "male"], "chf": [True, False, False]})
    out = evaluate_batch(calc, df)
    # Lip 2010: age ≥ 75 (2) + female (1) + CHF (1) = 4; a 50-year-old man without findings scores 0.
    assert out["value"].to_list()[:2] == [4.0, 0.0]
    assert out["error"][2].startswith("age=130:")


def test_row_fallback_applies_declared_units() -> None:
    calc = calculators.get("rcri")
    df = pl.DataFrame({"creatinine": [200.0, 100.0], "high_risk_surgery": [True, False]})
    out = evaluate_batch(calc, df, units={"creatinine": "umol/L"})
    for row, got in zip(df.iter_rows(named=True), out["value"].to_list(), strict=True):
        scalar = calc.evaluate({**row, "creatinine": f"{row['creatinine']} umol/L"}).value
        assert got == scalar
    assert out["value"][0] > out["value"][1]  # 200 µmol/L = 2.26 mg/dL is above Lee's 2.0 mg/dL


def test_date_outputs_keep_their_type() -> None:
    dated = [c for c in LOADED if c.output.kind == "date" and c.id == "due_date"]
    if not dated:
        pytest.skip("due_date is not implemented")
    calc = dated[0]
    out = evaluate_batch(calc, pl.DataFrame({"lmp": ["2024-01-01", "not a date"]}))
    assert out["value"].dtype == pl.Date
    # Naegele's rule: LMP + 280 days.
    assert out["value"][0] == date(2024, 10, 7)
    assert out["value"][1] is None and out["error"][1]


def test_stepwise_fallback_when_sympy_cannot_compose() -> None:
    # Min() of a step that is a Piecewise cannot be composed into one sympy expression (the argument is not
    # known to be comparable); the batch path then chains the steps in numpy instead.
    x, half = symbols_for("x", "half")
    calc = Calculator(
        id="capped_half",
        name="capped half",
        category="lab",
        description="test only",
        inputs=(Input("x", "x", unit="mg/dL", analyte="glucose", range=(0, 1000)),),
        output=Output("decimal", "capped half"),
        citation=Citation("test"),
        method=Formula(
            steps=(
                Step("half", sp.Piecewise((x / 2, x > 10), (x, True))),
                Step("capped", sp.Min(sp.floor(half + sp.Rational(1, 2)), 40)),
            )
        ),
    )
    xs = np.array([4.0, 30.0, 200.0])
    out = evaluate_batch(calc, pl.DataFrame({"x": xs}), units={"x": "mg/dL"})
    assert out["value"].to_list() == [4.0, 15.0, 40.0]
    assert all(
        calc.evaluate({"x": f"{v} mg/dL"}).value == got for v, got in zip(xs, out["value"], strict=True)
    )


@pytest.mark.slow
def test_million_rows_stay_vectorised() -> None:
    calc = calculators.get("anion_gap")
    rng = np.random.default_rng(0)
    n = 1_000_000
    df = pl.DataFrame(
        {
            k: rng.uniform(lo, hi, n)
            for k, lo, hi in [("sodium", 120, 150), ("chloride", 90, 115), ("bicarbonate", 10, 30)]
        }
    )
    out = evaluate_batch(calc, df, units={k: "mEq/L" for k in df.columns})
    assert out["error"].null_count() == n
    assert math.isclose(out["value"][0], df["sodium"][0] - df["chloride"][0] - df["bicarbonate"][0])
