"""The CLI: every command teaches with an example, errors are one clear message, --debug shows more."""

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from ehrmind import cli

runner = CliRunner()
COMMANDS = ["warmup", "rl", "eval", "init-model", "validate", "demo"]


@pytest.fixture(scope="module", autouse=True)
def mounted():
    cli._mount_subcommands()


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_an_example(command):
    result = runner.invoke(cli.app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output


def test_validate_reports_every_problem_and_exits_nonzero(tmp_path):
    recipe = tmp_path / "bad.yaml"
    recipe.write_text("stage: rl\nrewards:\n  - {name: nope, weight: 1}\ntraining: {learning_rate: -1}\n")
    result = subprocess.run([sys.executable, "-m", "ehrmind", "validate", str(recipe)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "nope" in result.stdout and "learning_rate" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_debug_shows_the_traceback(tmp_path):
    recipe = tmp_path / "bad.yaml"
    recipe.write_text("stage: rl\nrewards:\n  - {name: nope, weight: 1}\n")
    result = subprocess.run([sys.executable, "-m", "ehrmind", "--debug", "validate", str(recipe)],
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_missing_model_is_one_message(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "ehrmind", "warmup", "--model", str(tmp_path / "missing"), "--out", str(tmp_path)],
        capture_output=True, text=True,
    )
    assert result.returncode == 1
    assert "model.path" in result.stdout and "Traceback" not in result.stdout + result.stderr


def test_warmup_dry_run_prints_counts_and_examples(tmp_path):
    result = runner.invoke(cli.app, ["warmup", "--dry-run", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "worked_solution=" in result.output and "knowledge_card=" in result.output
    assert result.output.count("--- completion ---") == 2
    assert not (tmp_path / "warmup").exists()  # a dry run trains and writes nothing
