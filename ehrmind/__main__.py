"""`python -m ehrmind` (used by `accelerate launch -m ehrmind ...`)."""

from ehrmind.cli.app import run

run()
