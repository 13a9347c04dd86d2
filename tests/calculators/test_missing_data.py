"""Missing-data conventions (issue 10): declared per calculator, documented, and applied as declared."""

from __future__ import annotations

import pytest

import calculators
from calculators.docs import render_markdown
from calculators.errors import InputError
from calculators.medcalc import values_from_entities
from calculators.registry import all_calculators


@pytest.mark.parametrize("calc", all_calculators(), ids=lambda c: c.id)
def test_every_optional_value_input_declares_its_missing_data_convention(calc: calculators.Calculator) -> None:
    # Yes/no findings share one documented rule (not reported = absent); every other optional input
    # states what its absence means, with a source, in the calculator's declaration.
    undeclared = [i.name for i in calc.inputs if not i.required and i.kind != "bool" and i.name not in calc.missing_data]
    assert not undeclared, f"{calc.id}: no missing_data entry for {undeclared}"
    assert set(calc.missing_data) <= set(calc.input_names)
    assert all(i.required is False for i in calc.inputs if i.name in calc.missing_data and i.kind != "choice")


def test_docs_list_every_convention() -> None:
    text = render_markdown()
    for calc in all_calculators():
        for name in calc.missing_data:
            assert f"| [{calc.id}](#{calc.id}) | `{name}` |" in text
        for key in calc.medcalc_ignore:
            assert f"`{key}`" in text


SOFA_FULL = {
    "pao2": 70, "fio2": 21, "platelets": "120 10*3/uL", "bilirubin": "1.5 mg/dL", "gcs": 14,
    "systolic_bp": 90, "diastolic_bp": 55, "creatinine": "1.5 mg/dL",
}  # fmt: skip


def test_sofa_unmeasured_systems_score_normal() -> None:
    # Hand calculation from Vincent 1996, table 1: the full row scores 1 per system = 6 (one of the
    # declared examples). Dropping a system's measurement removes exactly that system's point.
    sofa = calculators.get("sofa")
    assert sofa.evaluate(SOFA_FULL).value == 6
    for dropped, remaining in [(("pao2",), 5), (("platelets",), 5), (("bilirubin",), 5), (("gcs",), 5),
                               (("systolic_bp", "diastolic_bp"), 5), (("creatinine",), 5)]:  # fmt: skip
        values = {k: v for k, v in SOFA_FULL.items() if k not in dropped}
        result = sofa.evaluate(values)
        assert result.value == remaining, dropped
        assert "not recorded" in result.rationale
    with pytest.raises(InputError, match="no organ system recorded"):
        sofa.evaluate({})


def test_sofa_benchmark_row_with_absent_components() -> None:
    # A MedCalc-Bench-style row without platelets, bilirubin or GCS (v1.0 test rows of this shape could
    # not be computed before): PaO2/FiO2 = 60 / 0.5 = 120 on mechanical ventilation → 3; creatinine 2.5 → 2.
    sofa = calculators.get("sofa")
    entities = {"PaO₂": [60, "mm Hg"], "FiO₂": [50, "%"], "On mechanical ventilation": True,
                "creatinine": [2.5, "mg/dL"]}  # fmt: skip
    assert sofa.evaluate(values_from_entities(sofa, entities)).value == 5


def test_charlson_solid_tumour_as_a_finding() -> None:
    # Charlson 1987: any (non-metastatic) tumour 2 points, metastatic 6. Age 45 → 0 age points.
    charlson = calculators.get("charlson")
    base = {"age": [45, "years"]}
    assert charlson.evaluate(values_from_entities(charlson, {**base, "Solid tumor": True})).value == 2
    assert charlson.evaluate(values_from_entities(charlson, {**base, "Solid tumor": False})).value == 0
    assert charlson.evaluate(values_from_entities(charlson, {**base, "Solid tumor": "Metastatic"})).value == 6
    severe_ckd = {**base, "Moderate to severe Chronic Kidney Disease": "Severe"}
    assert charlson.evaluate(values_from_entities(charlson, severe_ckd)).value == 2


def test_gcs_not_testable_is_refused_with_the_reason() -> None:
    gcs = calculators.get("glasgow_coma_scale")
    entities = {"Best eye response": "not testable", "Best verbal response": "oriented",
                "Best motor response": "obeys commands"}  # fmt: skip
    with pytest.raises(InputError, match="GCS total is undefined"):
        gcs.evaluate(values_from_entities(gcs, entities))


def test_a_yes_no_finding_never_uses_python_truthiness() -> None:
    # "absent" is a non-empty string: truthy in Python, but a negative finding.
    from calculators.medcalc import EntityError

    wells = calculators.get("wells_dvt")
    values = values_from_entities(wells, {"Active cancer": "absent"})
    assert values["active_cancer"] is False
    with pytest.raises(EntityError, match="not a yes/no finding"):
        values_from_entities(wells, {"Active cancer": "maybe"})
