"""The declaration framework itself: input parsing, errors, results, registry look-ups."""

from datetime import date, datetime

import pytest

import calculators
from calculators.errors import InputError, UnknownCalculatorError
from calculators.spec import Result, format_value


def ckd(**values):
    return calculators.get("ckd_epi_2021").evaluate(values)


def problems(error: InputError) -> dict[str, str]:
    return {p.input: p.message for p in error.problems}


def test_registry_lookups():
    assert calculators.get(3).id == "ckd_epi_2021"
    assert calculators.get(" 3 ").id == "ckd_epi_2021"
    assert calculators.get("ckd_epi_2021") is calculators.get(3)
    with pytest.raises(UnknownCalculatorError, match="MedCalc-Bench id 1"):
        calculators.get(1)
    with pytest.raises(UnknownCalculatorError, match="calc list"):
        calculators.get("ckd_epi_2009")
    assert len(calculators.all_calculators()) == len(calculators.MODULES) == 56


@pytest.mark.parametrize(
    "creatinine",
    ["1.2 mg/dL", (1.2, "mg/dL"), [1.2, "mg/dL"], "106.08 umol/L", "106.08 µmol/L"],
)
def test_number_forms_are_equivalent(creatinine):
    # Hand calculation (Inker 2021): female, 60 y, Scr 1.2 mg/dL -> 51.82 (106.08 µmol/L = 1.2 mg/dL).
    assert ckd(creatinine=creatinine, age=60, sex="female").value == pytest.approx(51.82, abs=0.01)


@pytest.mark.parametrize(
    "value, message",
    [
        (1.2, "bare number needs a unit"),
        (True, "boolean"),
        ("high", "not a number"),
        (["x", "mg/dL"], "expected [number, unit]"),
        ({"v": 1}, "unsupported value type"),
        ("nan mg/dL", "not a number"),
        ("1.2 furlongs", "cannot convert"),
    ],
)
def test_bad_numbers_name_the_input(value, message):
    with pytest.raises(InputError) as info:
        ckd(creatinine=value, age=60, sex="female")
    assert message in problems(info.value)["creatinine"]


def test_non_finite_numbers_are_rejected():
    with pytest.raises(InputError, match="finite"):
        ckd(creatinine=(float("inf"), "mg/dL"), age=60, sex="female")


def test_assume_canonical_accepts_bare_numbers():
    calc = calculators.get("ckd_epi_2021")
    assert calc.evaluate({"creatinine": 1.2, "age": 60, "sex": "female"}, assume_canonical=True).value == pytest.approx(
        51.82, abs=0.01
    )


def test_every_problem_is_listed_at_once():
    with pytest.raises(InputError) as info:
        ckd(creatinine="106 mg/dL", age=200, sex="x", extra=1)
    found = problems(info.value)
    assert set(found) == {"creatinine", "age", "sex", "extra"}
    text = str(info.value)
    assert "did you mean umol/L" in text and "4 input problem(s)" in text
    assert "did you mean" not in found["age"]  # no absurd unit guesses for ages


def test_missing_required_and_optional_defaults():
    with pytest.raises(InputError, match="missing required input"):
        ckd(age=60, sex="female")
    cha = calculators.get("cha2ds2_vasc")
    assert cha.evaluate({"age": 50, "sex": "male"}).value == 0  # optional findings default to absent


@pytest.mark.parametrize("raw, expected", [(True, True), (1, True), (0, False), ("yes", True), (" No ", False),
                                           ("present", True), ("absent", False)])
def test_bool_forms(raw, expected):
    score = calculators.get("cha2ds2_vasc").evaluate({"age": 50, "sex": "male", "diabetes": raw}).value
    assert score == (1 if expected else 0)


@pytest.mark.parametrize("raw", ["maybe", 2, 0.5])
def test_bad_bools(raw):
    with pytest.raises(InputError, match="yes/no"):
        calculators.get("cha2ds2_vasc").evaluate({"age": 50, "sex": "male", "diabetes": raw})


def test_choice_aliases_and_case():
    cha = calculators.get("cha2ds2_vasc")
    assert cha.evaluate({"age": 50, "sex": "F"}).value == 1
    assert cha.evaluate({"age": 50, "sex": "FEMALE"}).value == 1


@pytest.mark.parametrize("raw", ["2024-02-03", "02/03/2024", date(2024, 2, 3), datetime(2024, 2, 3, 8, 30)])
def test_date_forms(raw):
    calc = calculators.get("gestational_age")
    result = calc.evaluate({"current_date": "2024-03-02", "lmp": raw})
    assert result.value == (4, 0)  # 28 days between the dates


def test_bad_date():
    with pytest.raises(InputError, match="not a date"):
        calculators.get("gestational_age").evaluate({"current_date": "2024-03-02", "lmp": "March 2"})


def test_result_json_and_display():
    result = ckd(creatinine="1.2 mg/dL", age=60, sex="female")
    payload = result.to_json()
    assert payload["id"] == "ckd_epi_2021" and payload["unit"] == "mL/min/1.73 m²"
    assert payload["rationale"].splitlines()[-1] == "eGFR = 51.82 mL/min/1.73 m²"
    assert result.display_value(1) == "51.8"
    dated = Result("x", date(2024, 5, 1), None, "")
    assert dated.to_json()["value"] == "2024-05-01"
    assert Result("x", (5, 2), None, "").to_json()["value"] == [5, 2]
    assert format_value(True) == "True" and format_value(3) == "3" and format_value("a") == "a"
    assert format_value(date(2024, 5, 1)) == "05/01/2024" and format_value((5, 2)) == "(5 weeks, 2 days)"


def test_describe_is_derived_from_the_declaration():
    card = calculators.get("ckd_epi_2021").describe()
    assert "creatinine: Serum creatinine — number in mg/dL" in card
    assert "doi:10.1056/NEJMoa2102953" in card and "MedCalc-Bench #3" in card
    with pytest.raises(KeyError, match="no input"):
        calculators.get("ckd_epi_2021").input("weight")
