"""Calculator editions (issue 16): source (primary publications), v1.0 and verified (MedCalc-Bench releases).

    HF_HUB_OFFLINE=1 python -m pytest -q tests/calculators/test_editions.py

References for expected values: MELD 3.0 from the published equation (Kim et al., Gastroenterology 2021;
OPTN Policy 9.1.D bounds) re-derived in plain Python below, independent of the sympy declaration; Verified's
behaviour from nikhilk7153/MedCalc-Bench-Verified calculator_implementations/ (meldna.py, creatinine_clearance.py,
mme.py) and from the Verified one-shot rows themselves (their published answers).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from pathlib import Path

import pytest

import calculators
from calculators.audit import audit_csv, audit_rows
from calculators.editions import (
    EDITIONS,
    EditionError,
    check_edition,
    detect_edition,
    differences,
    for_edition,
    output_type,
    output_type_markers,
)
from calculators.medcalc import parse_entities, values_from_entities

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "medcalc-bench"
ONE_SHOT = DATA / "one_shot_verified.csv"
TRAIN = DATA / "train_sample.csv"
needs_data = pytest.mark.skipif(not ONE_SHOT.is_file(), reason="shared MedCalc-Bench data not present")


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# -- item 2: the audit against Verified ----------------------------------------------------------------------


@needs_data
def test_verified_one_shot_rows_reproduced_55_of_55_under_verified() -> None:
    report = audit_csv(ONE_SHOT)  # no edition given: the file's own, detected
    assert report["edition"] == "verified"
    assert "marker" in report["edition_reason"]  # detected from the rows, not only the file name
    assert report["total"] == len(_rows(ONE_SHOT)) == 55
    bad = [r for r in report["rows"] if r["status"] != "agree"]
    assert report["agree"] == 55, bad


@needs_data
def test_every_place_verified_differs_from_the_source_is_declared() -> None:
    """Where a one-shot row's value differs between the verified and source editions, the calculator
    declares a verified variant (documented, with its citation, in docs/calculators.md)."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "calculators.md").read_text(encoding="utf-8")
    for row in _rows(ONE_SHOT):
        source = calculators.get(int(row["Calculator ID"]))
        verified = for_edition(source, "verified")
        entities = parse_entities(row["Relevant Entities"])
        ours = source.evaluate(values_from_entities(source, entities)).value
        theirs = verified.evaluate(values_from_entities(verified, entities)).value
        if ours != theirs:
            assert verified is not source, row["Calculator ID"]
    for calc in calculators.all_calculators():
        for edition, variant in differences(calc):
            assert variant.differs and variant.citation.text, calc.id
            assert f"| [{calc.id}](#{calc.id}) | `{edition}` |" in docs, (calc.id, edition)


@needs_data
def test_train_sample_is_v1_and_audited_under_v1_and_source() -> None:
    rows = _rows(TRAIN)
    edition, why = detect_edition(rows, str(TRAIN))
    assert edition == "v1.0" and "marker" in why
    v1, source = audit_rows(rows, "v1.0"), audit_rows(rows, "source")
    for report in (v1, source):
        assert report["agree"] + report["disagree"] + report["error"] == report["total"] == len(rows)
    # A row's value may differ between the editions only for a calculator with a v1.0 variant.
    for a, b in zip(v1["rows"], source["rows"], strict=True):
        if a["ours"] != b["ours"]:
            assert differences(calculators.get(int(a["calculator_id"]))), a


# -- item 1: definitions by edition ---------------------------------------------------------------------------


def _meld3(cr, bili, inr, na, albumin=3.5, female=False, age=50, dialysis=False) -> int:
    """MELD 3.0 from the published equation (Kim 2021) with OPTN's bounds, in plain Python."""
    cr = 3.0 if dialysis else min(max(cr, 1.0), 3.0)
    bili, inr = max(bili, 1.0), max(inr, 1.0)
    na, albumin = min(max(na, 125.0), 137.0), min(max(albumin, 1.5), 3.5)
    constant = 7.33 if age < 18 else 6 + 1.33 * female
    raw = (
        constant
        + 4.56 * math.log(bili)
        + 0.82 * (137 - na)
        - 0.24 * (137 - na) * math.log(bili)
        + 9.09 * math.log(inr)
        + 11.14 * math.log(cr)
        + 1.85 * (3.5 - albumin)
        - 1.83 * (3.5 - albumin) * math.log(cr)
    )
    return min(max(math.floor(raw + 0.5), 6), 40)


def test_meld_verified_is_meld_3_0() -> None:
    meld = for_edition(calculators.get("meld_na"), "verified")
    # Hand calculation (Kim 2021 equation): female 50 y, bilirubin 2.0, Na 130, INR 1.5, Cr 1.5, albumin 2.8:
    # 1.33 + 3.1607 + 5.74 − 1.1645 + 3.6857 + 4.5169 + 1.295 − 0.5194 + 6 = 24.044 → 24.
    case = {"sex": "female", "age": 50, "bilirubin": "2.0 mg/dL", "sodium": "130 mmol/L", "inr": 1.5,
            "creatinine": "1.5 mg/dL", "albumin": "2.8 g/dL"}  # fmt: skip
    assert meld.evaluate(case).value == 24
    # The source edition computes MELD-Na on the same labs (no albumin, sex): a different number (OPTN 2016:
    # MELD(i) = 0.957 ln 1.5 + 0.378 ln 2 + 1.120 ln 1.5 + 0.643 = 1.748 → 17; 17 + 9.24 − 3.927 = 22.3 → 22).
    source_case = {k: v for k, v in case.items() if k not in ("sex", "age", "albumin")}
    assert calculators.get("meld_na").evaluate(source_case).value == 22
    grid = [
        (cr, bili, inr, na, alb, female, age, dialysis)
        for cr in (0.6, 1.4, 2.9, 5.0)
        for bili in (0.5, 3.0, 20.0)
        for inr in (0.9, 1.7, 3.5)
        for na in (120, 131, 140)
        for alb in (1.2, 2.6, 4.1)
        for female, age, dialysis in ((False, 60, False), (True, 45, False), (True, 15, True))
    ]
    for cr, bili, inr, na, alb, female, age, dialysis in grid:
        value = meld.evaluate({
            "creatinine": f"{cr} mg/dL", "bilirubin": f"{bili} mg/dL", "inr": inr, "sodium": f"{na} mmol/L",
            "albumin": f"{alb} g/dL", "sex": "female" if female else "male", "age": age, "dialysis": dialysis,
        }).value  # fmt: skip
        assert value == _meld3(cr, bili, inr, na, alb, female, age, dialysis), (cr, bili, inr, na, alb, female)


def test_meld_3_missing_albumin_sex_age_conventions() -> None:
    meld = for_edition(calculators.get("meld_na"), "verified")
    labs = {"creatinine": "1.5 mg/dL", "bilirubin": "2.0 mg/dL", "inr": 1.5, "sodium": "130 mmol/L"}
    # Not reported: albumin 3.5 (no term), male, adult (Verified's code assumes male and adult).
    assert meld.evaluate(labs).value == _meld3(1.5, 2.0, 1.5, 130)
    assert set(meld.missing_data) >= {"albumin", "sex", "age"}


def test_cockcroft_gault_bmi_band_by_edition() -> None:
    # BMI 24.95 (80.838 kg, 180 cm): the primary-source band (< 25 normal) takes min(IBW 74.992, 80.838);
    # MedCalc-Bench's band (normal ≤ 24.9) takes ABW = 74.992 + 0.4 × (80.838 − 74.992) = 77.330 kg.
    case = {"age": 60, "sex": "male", "weight": "80.838 kg", "height": "180 cm", "creatinine": "1.2 mg/dL"}
    cg = calculators.get("cockcroft_gault")
    assert cg.evaluate(case).value == pytest.approx(80 * 74.992 / 86.4, rel=1e-4)
    for edition in ("v1.0", "verified"):
        assert for_edition(cg, edition).evaluate(case).value == pytest.approx(80 * 77.3304 / 86.4, rel=1e-4)
    # Away from the boundary the editions agree (BMI 28.4: adjusted weight in both).
    other = {**case, "weight": "92 kg"}
    assert for_edition(cg, "verified").evaluate(other).value == cg.evaluate(other).value


def test_mme_buprenorphine_only_in_benchmark_editions() -> None:
    entities = {"Buprenorphine Dose": [2, "mg"], "Buprenorphine Dose Per Day": [1, "per day"],
                "Morphine Dose": [10, "mg"], "Morphine Dose Per Day": [2, "per day"]}  # fmt: skip
    source = calculators.get("mme")
    with pytest.raises(ValueError, match="buprenorphine has no CDC"):
        source.evaluate(values_from_entities(source, entities))
    for edition in ("v1.0", "verified"):
        mme = for_edition(source, edition)
        # mme.py of both releases: buprenorphine 10 MME/mg: 2 × 1 × 10 + 10 × 2 × 1 = 40.
        assert mme.evaluate(values_from_entities(mme, entities)).value == pytest.approx(40.0)


def test_curb65_bun_cut_off_by_edition() -> None:
    # Lim 2003: urea > 7 mmol/L = BUN > 19.6 mg/dL (× 2.8014); curb_65.py: BUN > 19 (v1.0), > 20 (Verified).
    curb = calculators.get("curb65")
    base = {"respiratory_rate": 18, "systolic_bp": 120, "diastolic_bp": 80, "age": 40}
    expected = {"19 mg/dL": (0, 0, 0), "19.5 mg/dL": (0, 1, 0), "20 mg/dL": (1, 1, 0), "20.1 mg/dL": (1, 1, 1)}
    for bun, points in expected.items():
        got = tuple(for_edition(curb, e).evaluate({**base, "bun": bun}).value for e in ("source", "v1.0", "verified"))
        assert got == points, bun


def test_every_edition_passes_its_self_checks() -> None:
    """Golden examples (the variant's own, e.g. MELD 3.0's hand calculations) and unit invariance."""
    from calculators.checks import check_calculator

    for calc in calculators.all_calculators():
        for edition, _ in differences(calc):
            resolved = for_edition(calc, edition)
            failed = [r for r in check_calculator(resolved) if not r.ok]
            assert not failed, (calc.id, edition, failed)
            assert differences(resolved) == differences(calc)  # a resolved calculator still knows its editions
    assert len(for_edition(calculators.get("meld_na"), "verified").examples) == 2


def test_a_bug_is_never_an_edition() -> None:
    # CKD-EPI 2021: MedCalc-Bench's male κ 0.7 is a bug; every edition computes κ 0.9 (Inker 2021).
    ckd = calculators.get("ckd_epi_2021")
    values = {"creatinine": "1.2 mg/dL", "age": 60, "sex": "male"}
    assert {for_edition(ckd, e).evaluate(values).value for e in EDITIONS} == {ckd.evaluate(values).value}
    assert not differences(ckd)


def test_output_type_markers_and_detection() -> None:
    markers = output_type_markers()
    # Verified relabelled Wells PE, steroid conversion and MME 'integer', Wells DVT 'decimal'.
    assert markers[8] == {"decimal": "v1.0", "integer": "verified"}
    assert markers[16] == {"integer": "v1.0", "decimal": "verified"}
    assert output_type(calculators.get("wells_pe"), "verified") == "integer"
    assert output_type(calculators.get("wells_pe"), "source") == "decimal"
    v1 = [{"Row Number": "1", "Calculator ID": "8", "Output Type": "decimal"}]
    verified = [{"Row Number": "2", "Calculator ID": "49", "Output Type": "integer"}]
    assert detect_edition(v1)[0] == "v1.0"
    assert detect_edition(verified)[0] == "verified"
    assert detect_edition([{"Ground Truth Explanation": "The OPTN MELD 3.0 calculation uses"}])[0] == "verified"
    with pytest.raises(EditionError, match="--edition"):
        detect_edition(v1 + verified)
    # No marker: the file name, then the release size, then v1.0 with the reason said.
    assert detect_edition([], "x/test_verified.csv")[0] == "verified"
    assert detect_edition([{"Calculator ID": "6", "Output Type": "decimal"}] * 1100)[0] == "verified"
    edition, why = detect_edition([{"Calculator ID": "6", "Output Type": "decimal"}])
    assert edition == "v1.0" and "no Verified marker" in why


def test_edition_names() -> None:
    assert check_edition(None) == "source"
    assert check_edition("V1") == "v1.0" and check_edition("verified") == "verified"
    with pytest.raises(EditionError, match="source.*v1.0.*verified"):
        check_edition("v2")
    calc = calculators.get("meld_na")
    verified = for_edition(calc, "verified")
    assert verified.edition == "verified" and verified.base is calc
    assert for_edition(verified, "source") is calc  # resolves from the source declaration
    assert for_edition(calc, "verified") is verified  # one object per (calculator, edition)
    assert "Edition: verified — OPTN MELD 3.0" in calc.describe("verified")
    assert "Albumin" in calc.describe("verified") and "Albumin" not in calc.describe()


# -- edition in rows, rewards, the CLI -----------------------------------------------------------------------


@needs_data
def test_medcalc_rows_carry_their_edition_and_golds_follow_it() -> None:
    from ehr_adapters.medcalc_bench import read_medcalc_bench
    from ehrmind.tasks.medcalc import build_medcalc
    from rewards import make_reward

    cases, _ = read_medcalc_bench(ONE_SHOT)
    metas = [json.loads(r["meta"]) for r in build_medcalc(cases, ONE_SHOT).rows]
    assert {m["edition"] for m in metas} == {"verified"} and len(metas) == 55
    assert {json.loads(r["meta"])["edition"] for r in build_medcalc(cases, ONE_SHOT, edition="source").rows} == {
        "source"
    }
    # A MELD row where MELD 3.0 and MELD-Na differ: the Verified gold is MELD 3.0 (24), and the reward pays it,
    # not the MELD-Na answer (22) a model following v1.0's definition would give. (Attack on the reward.)
    meld = next(c for c in cases if c.calculator_id == 23)
    entities = {"creatinine": [1.5, "mg/dL"], "Bilirubin": [2.0, "mg/dL"], "international normalized ratio": 1.5,
                "Sodium": [130.0, "mmol/L"], "Albumin": [2.8, "g/dL"], "sex": "Female", "age": [50, "years"]}  # fmt: skip
    case = dataclasses.replace(meld, entities=entities)
    rows = build_medcalc([case], ONE_SHOT, edition="verified").rows
    assert json.loads(rows[0]["gold"])["value"] == 24
    reward = make_reward("medcalc_accuracy")
    columns = {"gold": [rows[0]["gold"]] * 2, "task": ["medcalc"] * 2, "meta": [rows[0]["meta"]] * 2}
    scores = reward(prompts=[rows[0]["prompt"]] * 2, completions=["<answer>24</answer>", "<answer>22</answer>"],
                    **columns)  # fmt: skip
    assert scores[0] > scores[1]


def test_rewards_read_the_row_edition() -> None:
    from rewards.accuracy import calculator_output, row_edition
    from rewards.gold import GoldError

    assert row_edition({"meta": [json.dumps({"edition": "verified"})]}, 0) == "verified"
    assert row_edition({}, 0) is None
    assert calculator_output("cockcroft_gault", "verified") == calculator_output("cockcroft_gault", None)
    with pytest.raises(GoldError, match="unknown edition"):
        calculator_output("bmi", "v9")


def test_cli_shows_editions() -> None:
    from typer.testing import CliRunner

    from ehrmind.cli.calc import app

    runner = CliRunner()
    listing = json.loads(runner.invoke(app, ["list", "--json"]).output)
    by_id = {row["id"]: row for row in listing}
    assert "verified: OPTN MELD 3.0" in by_id["meld_na"]["editions"]
    assert by_id["bmi"]["editions"] == "same in every edition"
    shown = runner.invoke(app, ["show", "meld_na", "--edition", "verified"])
    assert shown.exit_code == 0 and "MELD 3.0" in shown.output and "Editions:" in shown.output
    run = runner.invoke(app, ["run", "mme", "--edition", "verified", "--json", "morphine_dose=10 mg",
                              "morphine_per_day=2"])  # fmt: skip
    assert run.exit_code == 0 and json.loads(run.output)["edition"] == "verified"
    bad = runner.invoke(app, ["run", "bmi", "--edition", "v2", "weight=80 kg", "height=180 cm"])
    assert bad.exit_code == 1 and "unknown edition" in bad.output


def test_eval_reports_the_edition(tmp_path: Path) -> None:
    from ehrmind.stages.evaluate import summarize
    from ehrmind.stages.report import write_eval_report

    def graded(i: int, edition: str | None, ok: bool) -> dict:
        return {"id": str(i), "task": "medcalc", "calculator": "meld_na", "edition": edition, "format_ok": [True],
                "format_reasons": [], "correct": [ok], "graded": True}  # fmt: skip

    metrics = summarize([graded(0, "verified", True), graded(1, "verified", False), graded(2, "source", True)],
                        k=1, seen_calculators=set())  # fmt: skip
    assert metrics["per_edition"] == {"source": {"n": 1, "pass@1": 1.0},
                                      "verified": {"n": 2, "pass@1": 0.5}}  # fmt: skip
    report = write_eval_report(tmp_path, {**metrics, "model": "m"}).read_text(encoding="utf-8")
    assert "Calculator editions (definitions of the golds): source 1 rows (pass@1 100.0%); verified 2 rows" in report


def test_no_edition_changes_an_output_tolerance_or_unit() -> None:
    """The rewards take a calculator's tolerance, unit and analyte from its base declaration
    (rewards.compare.declared): the gold itself is computed with the row's edition, and this test keeps that
    shortcut true. An edition that needs another tolerance must make the rewards read it per row."""
    import calculators
    from calculators.editions import EDITIONS, for_edition

    for base in calculators.all_calculators():
        calc_id = base.id
        for edition in EDITIONS:
            out = for_edition(base, edition).output
            assert (out.rel_tol, out.abs_tol, out.unit, out.analyte) == (
                base.output.rel_tol, base.output.abs_tol, base.output.unit, base.output.analyte,
            ), (calc_id, edition)  # fmt: skip
