"""`ehrmind synthesize`: synthetic gold equals the calculators' values, the rare share is controlled."""

import json
import random
import re
from datetime import date

import pytest

import calculators
from calculators.errors import InputError, Problem
from ehrmind.seed_papers.synthesize import (
    RARE_SCENARIOS,
    SynthesisError,
    SynthesisPlan,
    calculator_rows,
    draw_case,
    run_synthesize,
)
from ehrmind.tasks.schema import check_row, read_rows

CALCS = ["meld_na", "bmi", "centor_mcisaac", "ckd_epi_2021", "anion_gap", "gestational_age", "cha2ds2_vasc"]


def _meta(row):
    return json.loads(row["meta"])


@pytest.fixture(scope="module")
def rows():
    # unit_variation=0.6: many inputs written in lb, inches, °F, µmol/L, mmol/L, g/L
    out, _ = calculator_rows(CALCS, 70, rare_share=0.3, seed=3, unit_variation=0.6)
    return out


def _close(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))
    return a == b


def test_gold_equals_the_calculator_on_the_values_the_note_shows(rows):
    for row in rows:
        check_row(row)
        meta, gold = _meta(row), json.loads(row["gold"])
        result = calculators.get(meta["calculator"]).evaluate(meta["inputs"])
        value = result.value
        value = (
            value.isoformat()
            if isinstance(value, date)
            else list(value)
            if isinstance(value, tuple)
            else value
        )
        assert _close(gold["value"], value), (row["id"], gold, value)
        note = row["prompt"][1]["content"]
        for name, written in meta["inputs"].items():
            if isinstance(written, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", written):
                assert date.fromisoformat(written).strftime("%m/%d/%Y") in note, (row["id"], name)
            elif isinstance(written, str) and re.match(r"^-?\d", written):
                assert written.split()[0] in note, (row["id"], name, written)  # the number the gold used
            elif isinstance(written, int | float) and not isinstance(written, bool):
                assert f"{written:g}" in note, (row["id"], name, written)


def test_values_written_in_other_units_stay_close_to_the_drawn_values(rows):
    alt = 0
    for row in rows:
        meta = _meta(row)
        calc = calculators.get(meta["calculator"])
        if calc.output.kind != "decimal":
            continue
        written = calc.evaluate(meta["inputs"]).value
        drawn = calc.evaluate(meta["inputs_canonical"], assume_canonical=True).value
        alt += any(
            isinstance(v, str) and not v.endswith(calc.input(k).unit or "") for k, v in meta["inputs"].items()
        )
        # display rounding of a converted unit moves the answer by far less than the grading tolerance
        assert abs(written - drawn) <= 0.02 * abs(drawn) + 0.05, (row["id"], written, drawn)
    assert alt > 5  # the test did see converted units


def test_rare_share_is_exact_per_calculator_and_rare_rows_are_rare(rows):
    per_calc = {}
    for row in rows:
        meta = _meta(row)
        per_calc.setdefault(meta["calculator"], []).append(meta["rare"])
    for cid, flags in per_calc.items():
        expected = round(len(flags) * 0.3) if cid != "gestational_age" else 0  # no rare tail for dates
        assert sum(flags) == expected, cid
    for row in rows:
        meta, gold = _meta(row), json.loads(row["gold"])
        if not meta["rare"]:
            continue
        if meta["calculator"] == "meld_na":
            assert gold["value"] >= 31
        elif meta["calculator"] == "centor_mcisaac":
            assert 3 <= meta["inputs_canonical"]["age"] <= 14
        elif meta["calculator"] == "bmi":
            assert gold["value"] >= 45 or gold["value"] < 16
        elif meta["calculator"] == "anion_gap":
            assert meta["inputs_canonical"]["bicarbonate"] <= 10


def test_no_rare_share_gives_no_rare_rows_and_the_seed_decides_everything():
    a, _ = calculator_rows(["bmi", "meld_na"], 20, rare_share=0.0, seed=1)
    b, _ = calculator_rows(["bmi", "meld_na"], 20, rare_share=0.0, seed=1)
    c, _ = calculator_rows(["bmi", "meld_na"], 20, rare_share=0.0, seed=2)
    assert not any(_meta(r)["rare"] for r in a)
    assert a == b and a != c


def test_every_rare_scenario_names_real_inputs():
    for cid, scenarios in RARE_SCENARIOS.items():
        calc = calculators.get(cid)
        for s in scenarios:
            assert set(s.tails) <= set(calc.input_names), (cid, s.what)


def test_run_writes_splits_and_a_manifest(tmp_path):
    manifest = run_synthesize(
        SynthesisPlan(
            out=tmp_path, n=40, rare_share=0.25, calculators=["bmi", "meld_na"], ehrshot=["lab_hyponatremia"]
        ),
        echo=lambda *_: None,
    )
    rows = read_rows(tmp_path)
    assert len(rows) == manifest["rows"] == 80 == sum(manifest["splits"].values())
    assert manifest["rare_rows"] == 20 and manifest["rare_share_achieved"] == 0.25
    assert json.loads((tmp_path / "manifest.json").read_text())["seed"] == 0


def test_bad_options_name_the_option(tmp_path):
    with pytest.raises(SynthesisError, match="rare-share"):
        run_synthesize(SynthesisPlan(out=tmp_path, rare_share=1.5, calculators=["bmi"]))
    with pytest.raises(SynthesisError, match="unknown calculator 'bmx'"):
        run_synthesize(SynthesisPlan(out=tmp_path, n=2, calculators=["bmx"]))
    with pytest.raises(SynthesisError, match="knowledge and --templates"):
        run_synthesize(SynthesisPlan(out=tmp_path, knowledge=tmp_path / "k.jsonl"))


# --- EHRSHOT lab rows ---------------------------------------------------------------------------------


def test_lab_severity_follows_ehrshot_boundaries():
    from ehr_adapters.ehrshot import TASKS
    from ehrmind.seed_papers.lab_and_knowledge_rows import lab_severity

    na, k = TASKS["lab_hyponatremia"], TASKS["lab_hyperkalemia"]
    assert [lab_severity(na, v) for v in (136, 135, 130, 129.9, 125, 124.9)] == [
        "normal", "mild", "mild", "moderate", "moderate", "severe"]  # fmt: skip
    assert [lab_severity(k, v) for v in (5.5, 5.6, 6.0, 6.1, 7.0, 7.1)] == [
        "normal", "mild", "mild", "moderate", "moderate", "severe"]  # fmt: skip


def test_lab_rows_gold_comes_from_the_written_value():
    from ehr_adapters.ehrshot import TASKS
    from ehrmind.seed_papers.lab_and_knowledge_rows import ehrshot_lab_rows, lab_severity

    rows, stats = ehrshot_lab_rows(["lab_hyponatremia", "ehrshot/lab_anemia"], 60, 0.2, seed=5)
    assert stats["per_task"]["lab_anemia"]["rare"] == 6
    for row in rows:
        meta, gold = _meta(row), json.loads(row["gold"])
        task = TASKS[meta["ehrshot_task"]]
        assert row["task"] == f"ehrshot/{task.name}_current"
        assert gold["value"] == lab_severity(task, meta["value"] * task.unit_factors[meta["unit"]])
        assert f"{meta['value']:g}" in row["prompt"][1]["content"]
        if meta["rare"]:
            assert gold["value"] == "severe"
    with pytest.raises(SynthesisError, match="not an EHRSHOT lab task"):
        ehrshot_lab_rows(["long_los"], 5, 0.0, seed=0)


# --- knowledge-file questions ------------------------------------------------------------------------


def _knowledge(tmp_path):
    entities = [
        {"entity": "Fabry disease", "facts": {"inheritance": "X-linked", "enzyme": "alpha-galactosidase A"}},
        {
            "entity": "Gaucher disease",
            "facts": {"inheritance": "autosomal recessive", "enzyme": "glucocerebrosidase"},
        },
        {"entity": "Marfan syndrome", "facts": {"inheritance": "autosomal dominant"}},
        {"entity": "Hypertension", "facts": {"inheritance": "polygenic"}, "rare": False},
    ]
    templates = [
        {"id": "inheritance", "question": "How is {entity} inherited?", "fact": "inheritance"},
        {"id": "enzyme", "question": "Which enzyme is deficient in {entity}?", "fact": "enzyme"},
    ]
    k, t = tmp_path / "k.jsonl", tmp_path / "t.jsonl"
    k.write_text("\n".join(json.dumps(e) for e in entities))
    t.write_text("\n".join(json.dumps(x) for x in templates))
    return k, t


def test_knowledge_questions_have_label_gold_and_seeded_injection(tmp_path):
    from ehrmind.seed_papers.lab_and_knowledge_rows import knowledge_rows

    k, t = _knowledge(tmp_path)
    rows, stats, skipped = knowledge_rows(k, t, 40, rare_share=0.5, inject_prob=1.0, seed=0)
    assert stats["injected"] == 40 and not skipped
    facts = {json.loads(line)["entity"]: json.loads(line)["facts"] for line in k.read_text().splitlines()}
    for row in rows:
        meta, gold = _meta(row), json.loads(row["gold"])
        assert gold["value"] == facts[meta["entity"]][meta["fact"]]
        assert gold["value"] in gold["choices"] and len(gold["choices"]) >= 2
        assert "Reference" in row["prompt"][1]["content"]
    assert sum(_meta(r)["rare"] for r in rows) == 20
    closed, _, _ = knowledge_rows(k, t, 40, rare_share=0.5, inject_prob=0.0, seed=0)
    assert not any("Reference" in r["prompt"][1]["content"] for r in closed)
    by_entity = {}
    for row in rows:  # every question about one entity lands in one split
        by_entity.setdefault(_meta(row)["entity"], set()).add(row["split"])
    assert all(len(s) == 1 for s in by_entity.values())


def test_bad_knowledge_line_names_the_line_and_field(tmp_path):
    from ehrmind.seed_papers.lab_and_knowledge_rows import knowledge_rows

    k, t = _knowledge(tmp_path)
    k.write_text(k.read_text() + '\n{"entity": "X", "facts": {"inheritance": 3}}')
    with pytest.raises(SynthesisError, match=r"k.jsonl:5: field 'facts'"):
        knowledge_rows(k, t, 4, 0.0, 0.0, seed=0)



def test_draw_case_names_the_constraint_that_rejected_every_draw(rejecting):
    always = rejecting(calculators.get("bmi"), InputError("bmi", [Problem("weight", 1, "below the plausible range")]))
    with pytest.raises(SynthesisError, match=r"bmi: could not draw a valid case in 20 tries; check RARE_SCENARIOS "
                                             r"\(rejected for: weight: below the plausible range \(20x\)\)"):
        draw_case(always, random.Random(0), rare=False, tries=20)
    with pytest.raises(ZeroDivisionError):  # a calculator bug is not a rejected draw
        draw_case(rejecting(calculators.get("bmi"), ZeroDivisionError()), random.Random(0), rare=False)
