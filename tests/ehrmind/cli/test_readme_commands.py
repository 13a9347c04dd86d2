"""Every `ehrmind data ...` / `ehrmind calc ...` command in the README and in `--help` examples runs as written.

The commands are parsed from README.md's bash blocks and from the commands' docstrings (the `Example:` lines
that `--help` prints), then run in a scratch folder where `examples/` is the repository's example data, so
a newcomer on a fresh clone gets what the README promises. Training commands (warmup, rl, eval, with model
paths a user must supply) are covered by test_loop.py and the demo, not here.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
RUNNABLE = ("ehrmind data ", "ehrmind calc ")


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    # a command continued with a trailing backslash is one command
    lines = [line.strip() for block in blocks for line in block.replace("\\\n", " ").splitlines()]
    lines += [span for span in re.findall(r"`(ehrmind [^`]+)`", text) if "examples/" in span]  # table cells
    return [line for line in lines if line.startswith(RUNNABLE)]


def help_examples() -> list[str]:
    from ehrmind.cli import calc, data

    out = []
    for app in (data.app, calc.app):
        for command in app.registered_commands:
            out += re.findall(r"Example: (ehrmind .+)", command.callback.__doc__ or "")
    return [c.strip() for c in out if c.startswith(RUNNABLE)]


def commands() -> list[str]:
    seen: dict[tuple[str, ...], str] = {}
    for command in readme_commands() + help_examples():  # README first: its builds feed `data show` examples
        seen.setdefault(tuple(shlex.split(command, comments=True)), command)
    return list(seen.values())


def test_the_readme_shows_the_data_and_calc_commands():
    found = commands()
    for needed in ("ehrmind calc audit examples/", "--source meds:examples/", "--source fhir:examples/",
                   "--source trec-ct:examples/", "--source medcalc-bench:examples/", "ehrmind data show"):
        assert any(needed in c for c in found), needed


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("readme")
    (work / "examples").symlink_to(REPO / "examples")
    (work / "recipes").symlink_to(REPO / "recipes")  # ACES task configs live there
    return work


@pytest.mark.parametrize("command", commands())
def test_command_runs_as_written(command, workdir):
    argv = shlex.split(command, comments=True)
    assert argv[0] == "ehrmind"
    result = subprocess.run([sys.executable, "-m", "ehrmind", *argv[1:]], cwd=workdir, capture_output=True,
                            text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"}, timeout=900)
    assert result.returncode == 0, f"{command}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    assert "Traceback" not in result.stderr
