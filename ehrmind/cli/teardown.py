"""Ending the `ehrmind` process without freeing every object one by one, for commands that ask.

Why: after `ehrmind data build` on the MIMIC-IV demo the interpreter holds a few hundred thousand objects
(module caches, sympy's, the read report's skipped items) and tearing it down took ~0.9 s of a ~6 s
command; the operating system reclaims the memory at once. A command opts in with `skip_teardown()` only
after everything it wrote is closed; the atexit handlers still run (logging, temporary directories) and
output is flushed. Not used by training commands: a library may rely on finalizers to flush its files.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
from typing import NoReturn

_entry = False  # set by the process entry point (`ehrmind.cli.app.run`), not when a test invokes a command
_requested = False
_left: list[object] = []  # data handed over by `leave`, never freed


def process_entry() -> None:
    """Called by the process entry point: `leave` holds data only then (in-process callers free it)."""
    global _entry
    _entry = True


def skip_teardown() -> None:
    """Ask `exit_process` to skip freeing objects (call after the command's files are closed)."""
    global _requested
    _requested = True


def leave(data: object) -> None:
    """Hold `data` until the process ends (a command that will skip teardown: freeing it would be wasted);
    nothing when the command runs inside another program (tests, notebooks), which should get it freed."""
    if _entry:
        _left.append(data)
        # Nothing alive now will be freed before exit, so the cycle collector need never walk it again:
        # without this the first collection after a build walked every object the build made (~0.23 s
        # after the MIMIC demo; they are all young, so even a young-generation collection saw them).
        gc.freeze()


def exit_process(code: int | str | None) -> NoReturn:
    """Exit with `code` as `raise SystemExit(code)` would; fast when asked and only the main thread runs."""
    if not _requested or threading.active_count() > 1 or not (code is None or isinstance(code, int)):
        raise SystemExit(code)
    atexit._run_exitfuncs()  # what a normal exit runs (logging.shutdown, temporary directories, ...)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code or 0)
