"""The `ehrmind` command line: the typer app (`app.py`) and its sub-apps (`calc`, `data`, seed papers)."""
