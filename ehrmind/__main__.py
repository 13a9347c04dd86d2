"""`python -m ehrmind` (used by `accelerate launch -m ehrmind ...`)."""

from ehrmind.cli import main

main()
