"""The CLI: every command teaches with an example, errors are one clear message, --debug shows more."""

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from ehrmind.cli import app as cli

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


def _ehrmind(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ehrmind", *args], capture_output=True, text=True, cwd=cwd,
                          env={**__import__("os").environ, "HF_HUB_OFFLINE": "1"})


@pytest.mark.parametrize("stage", ["rl", "warmup"])
def test_resume_with_nothing_to_resume_is_an_error(tmp_path, stage):
    result = _ehrmind(stage, "--resume", "--out", str(tmp_path))
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error")]
    assert errors == lines[-1:], lines  # one error line, the last thing printed (warmup first says its data mix)
    assert errors[0].startswith("error: --resume: no ") and f"ehrmind {stage}` without --resume" in errors[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / stage).exists() or not any((tmp_path / stage).iterdir())  # no fresh run started


def test_resume_of_a_finished_run_says_so_and_trains_nothing(tmp_path):
    run = tmp_path / "rl" / "20260101-000000"
    (run / "checkpoints" / "checkpoint-4").mkdir(parents=True)
    (run / "final").mkdir()
    result = _ehrmind("rl", "--resume", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "already finished" in result.stdout and "nothing to resume" in result.stdout
    assert sorted(p.name for p in (tmp_path / "rl").iterdir()) == ["20260101-000000"]  # no new run directory
    assert not (run / "metrics.jsonl").exists()  # nothing trained


def test_unknown_recipe_key_suggests_the_field(tmp_path):
    recipe = tmp_path / "typo.yaml"
    recipe.write_text("stage: rl\ntraining: {learning_rat: 1.0e-5}\nrewards:\n  - {name: format, wieght: 1}\n")
    result = _ehrmind("validate", str(recipe))
    assert result.returncode == 1
    text = " ".join(result.stdout.split())  # rich wraps long lines
    assert "did you mean 'learning_rate'?" in text and "did you mean 'weight'?" in text


def test_yaml_error_names_the_file(tmp_path):
    recipe = tmp_path / "broken.yaml"
    recipe.write_text("stage: rl\ntraining:\n  learning_rate: [1\n")
    result = _ehrmind("validate", str(recipe))
    assert result.returncode == 1
    assert "broken.yaml" in result.stdout.replace("\n", "") and "<unicode string>" not in result.stdout


def test_progress_line_is_readable():
    from ehrmind.stages.progress import format_line

    logs = {"loss": 0.1182, "reward": 0.53, "rewards/format/mean": 0.9, "rewards/diagnosis_label/mean": 0.41,
            "kl": 0.0, "completions/mean_length": 40.0, "grad_norm": 1.0, "learning_rate": 5e-4}
    line = format_line(12, 30, logs, 3.42)
    assert line == "step   12/30  reward 0.530  accuracy 0.410  KL 0.0000  loss 0.118  3.4 s/step"
    # SFT logs have no reward: only what is there is shown
    assert format_line(10, 80, {"loss": 2.5}, None) == "step   10/80  loss 2.500"


def test_eval_table_separates_rows_and_samples():
    metrics = {"k": 4, "rows": 10, "samples": 40, "format_compliance": 0.5,
               "per_task": {"calc": {"n": 10, "pass@1": 0.2, "pass@4": 0.5}}}
    with cli.console.capture() as captured:
        cli._summary_table(metrics)
    text = captured.get()
    assert "rows" in text and "samples" in text
    calc_line = next(line for line in text.splitlines() if "calc" in line)
    assert "10" in calc_line and "40" in calc_line  # 10 rows, 40 samples: not samples under "rows"


WARN_SCRIPT = """
import warnings
from ehrmind.stages.progress import silence_known_warnings
silence_known_warnings()
warnings.warn_explicit("`gradient_checkpointing` is deprecated", FutureWarning, "x.py", 1, module="transformers.training_args")
warnings.warn_explicit("'pin_memory' argument is set as true", UserWarning, "y.py", 1, module="torch.utils.data.dataloader")
warnings.warn_explicit("your own deprecation", FutureWarning, "z.py", 1, module="my_pipeline")
"""


@pytest.mark.parametrize("verbose", [False, True])
def test_known_library_warnings_are_quiet_unless_verbose(verbose):
    import os

    env = {**os.environ, "EHRMIND_VERBOSE": "1" if verbose else ""}
    result = subprocess.run([sys.executable, "-c", WARN_SCRIPT], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "your own deprecation" in result.stderr  # warnings from outside the known libraries always show
    assert ("gradient_checkpointing" in result.stderr) is verbose
    assert ("pin_memory" in result.stderr) is verbose


IMPORT_SCRIPT = """
import sys
from ehrmind.cli.app import main
sys.argv = ["ehrmind", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("training stack imported:", "transformers" in sys.modules or "datasets" in sys.modules)
"""


@pytest.mark.parametrize(("argv", "imported"), [(["calc", "list"], False), (["validate", "--help"], True)])
def test_only_commands_that_may_train_import_the_training_stack(argv, imported):
    # Silencing the trainers' progress bars imports datasets + transformers (~1.2 s): `ehrmind calc|data`
    # never train, so they skip it (issue #12: the data build's wall time).
    result = subprocess.run([sys.executable, "-c", IMPORT_SCRIPT, *argv], capture_output=True, text=True,
                            env={**os.environ, "EHRMIND_VERBOSE": ""})
    assert result.returncode == 0, result.stderr
    assert f"training stack imported: {imported}" in result.stdout


def test_training_commands_still_silence_the_library_progress_bars():
    script = (
        "from ehrmind.stages.progress import silence_known_warnings\n"
        "silence_known_warnings()\n"
        "import datasets\n"
        "print('bars enabled:', datasets.is_progress_bar_enabled())\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={**os.environ, "EHRMIND_VERBOSE": ""})
    assert result.returncode == 0, result.stderr
    assert "bars enabled: False" in result.stdout
