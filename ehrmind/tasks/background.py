"""Work a build starts early and takes later: `in_background(fn, *args)` runs it in a daemon thread and
returns a `Future`; `.result()` waits for it and raises its error where the result is needed.

Why: most of reading a source, labelling it and indexing its timelines is polars work, which releases the
GIL, so on two cores it overlaps the pure-Python building of rows (issue 12: the MIMIC demo build's wall
time). Only work that reads shared data and writes nothing shared is started this way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any


def in_background(fn: Callable[..., Any], *args: Any, name: str) -> Future:
    """`fn(*args)` in a daemon thread named `name`; its result or exception in the returned future."""
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # handed to whoever takes the result, which raises it there
            future.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future
