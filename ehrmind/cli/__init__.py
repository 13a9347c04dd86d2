"""The `ehrmind` command line: the typer app (`app.py`) and its sub-apps (`calc`, `data`, seed papers).

Every command, `ehrmind --help` included, imports all of these modules, so they import the library inside
the command that uses it (`# lazy: only when this command runs`): a command loads only what it needs.
"""
