"""`ehrmind calc` sub-commands through typer's CliRunner.

cd /work/main && python -m pytest tests/ehrmind/cli/test_calc_cli.py -q
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from calculators import checks, registry
from calculators.checks import CheckResult
from ehrmind.cli import calc as calc_cli
from ehrmind.cli.calc import app

REPO = Path(__file__).resolve().parents[3]
VERIFIED = REPO.parent / "shared" / "data" / "medcalc-bench" / "one_shot_verified.csv"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


@pytest.mark.parametrize("command", ["list", "show", "run", "validate", "audit"])
def test_help_has_an_example(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example: ehrmind calc " + command in result.output


def test_list_table_and_json() -> None:
    table = invoke("list")
    assert table.exit_code == 0 and "due_date" in table.output and "mme" in table.output
    listed = json.loads(invoke("list", "--json").output)
    by_id = {entry["id"]: entry for entry in listed}
    assert set(by_id) == set(registry.MODULES)
    due = by_id["due_date"]
    assert due["medcalc_id"] == 13 and due["citation"]["doi"] == "10.1097/AOG.0000000000002046"
    assert {"name": "cycle_length", "kind": "number", "unit": "d", "required": False} in due["inputs"]


def test_list_survives_an_unwritten_module(monkeypatch: pytest.MonkeyPatch) -> None:
    modules = (*registry.MODULES, "not_written_yet")
    monkeypatch.setattr(registry, "MODULES", modules)
    monkeypatch.setattr(checks, "MODULES", modules)
    result = invoke("list")
    assert result.exit_code == 0
    assert "not_written_yet" in result.output and "not implemented" in result.output
    listed = json.loads(invoke("list", "--json").output)
    assert {"id": "not_written_yet", "status": "not implemented"} in listed


def test_show_prints_card_and_worked_example() -> None:
    result = invoke("show", "due_date")
    assert result.exit_code == 0
    assert "Naegele" in result.output and "worked example" in result.output
    # First example: LMP 01/03/2023 + 280 days = 10/10/2023, 26-day cycle -> 10/08/2023.
    assert "10/08/2023" in result.output
    assert invoke("show", "13").exit_code == 0  # MedCalc-Bench id works too


def test_run_prints_value_and_rationale() -> None:
    # 10 mg prednisone -> dexamethasone: 10 × 0.75/5 = 1.5 mg.
    result = invoke("run", "steroid_conversion", "steroid=prednisone", "dose=10 mg", "target=dexamethasone")
    assert result.exit_code == 0
    assert "= 1.50 mg" in result.output and "since steroid is prednisone" in result.output


def test_run_json() -> None:
    result = invoke("run", "gestational_age", "lmp=2011-12-20", "current_date=2012-07-12", "--json")
    assert result.exit_code == 0
    payload = json.loads(result.output)
    assert set(payload) == {"id", "value", "unit", "rationale", "edition"}
    assert payload["edition"] == "source"  # the default edition (issue 16)
    assert payload["id"] == "gestational_age" and payload["value"] == [29, 2]  # 205 days = 29 w 2 d


def test_run_canonical_flag() -> None:
    bare = invoke("run", "steroid_conversion", "steroid=prednisone", "dose=10", "target=prednisolone")
    assert bare.exit_code == 1 and "dose" in bare.output
    ok = invoke(
        "run", "steroid_conversion", "steroid=prednisone", "dose=10", "target=prednisolone", "--canonical"
    )
    assert ok.exit_code == 0 and "= 10.00 mg" in ok.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("run", "due_date", "cycle_length=26"), "lmp"),  # missing input
        (("run", "due_date", "lmp=2023-01-03", "cycle_length=4"), "cycle_length"),  # out of range
        (("run", "mme", "oxycodone_dose=10 kg", "oxycodone_per_day=2"), "oxycodone_dose"),  # wrong unit
        (("run", "due_date", "lmp"), "name=value"),
        (("run", "no_such_calculator"), "unknown calculator"),
        (("audit", "/nonexistent/file.csv"), "no such file"),
    ],
)
def test_errors_exit_1_with_one_message(args: tuple[str, ...], needle: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 1
    assert needle in result.output and "Traceback" not in result.output


def test_validate_passes_for_group_c() -> None:
    result = invoke(
        "validate",
        "due_date",
        "conception_date",
        "gestational_age",
        "steroid_conversion",
        "mme",
        "framingham_hard_chd",
    )
    assert result.exit_code == 0, result.output
    assert "framingham_hard_chd" in result.output and "FAIL" not in result.output


def test_validate_fails_on_a_failed_check(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(calc):
        return [CheckResult(calc.id, "example 1", False, "got 1, expected 2")]

    monkeypatch.setattr(calc_cli, "check_calculator", broken)
    result = invoke("validate", "due_date")
    assert result.exit_code == 1 and "FAIL" in result.output and "expected 2" in result.output


def test_audit_writes_json(tmp_path: Path) -> None:
    if not VERIFIED.is_file():
        pytest.skip(f"MedCalc-Bench data not found at {VERIFIED}")
    out = tmp_path / "audit" / "verified.json"
    result = invoke("audit", str(VERIFIED), "--out", str(out))
    assert result.exit_code == 0 and "due_date" in result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["total"] == 55 == report["agree"] + report["disagree"] + report["error"]
    assert {"per_calculator", "rows"} <= set(report)


def test_audit_names_an_unmapped_entity_key(tmp_path: Path) -> None:
    # Issue 10: a key the calculator does not declare is a row error whose reason is shown, never skipped.
    path = tmp_path / "mc.csv"
    entities = "{'age': [60, 'years'], 'sex': 'Male', 'creatinine': [1.2, 'mg/dL'], 'Shoe size': [44, 'EU']}"
    header = "Row Number,Calculator ID,Output Type,Relevant Entities,Ground Truth Answer,Lower Limit,Upper Limit"
    path.write_text(f'{header}\n7,3,decimal,"{entities}",68.2,64.79,71.61\n', encoding="utf-8")
    result = invoke("audit", str(path))
    assert result.exit_code == 0
    assert "1 row error(s)" in result.output
    assert "row 7:" in result.output and "unmapped entity key 'Shoe size' for ckd_epi_2021" in result.output
