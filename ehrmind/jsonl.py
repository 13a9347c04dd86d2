"""JSONL files a user hands in (rationales, instructions, templates, preference pairs, knowledge entities):
one JSON object per line, blank lines allowed, every problem named as `file:line`.

    for lineno, item in json_objects("rationales.jsonl", ValueError):
        ...   # item is a dict; a line that is not a JSON object raised ValueError("rationales.jsonl:3: ...")

One reader so that every such file fails the same way; each caller passes its own error type (the stage's
typed error) and checks the fields it needs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def json_objects(path: str | Path, error: type[Exception] = ValueError) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; raises `error` naming the file, line and problem."""
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"{path}:{lineno}: not JSON ({exc.msg}); write one JSON object per line") from None
        if not isinstance(item, dict):
            raise error(f"{path}:{lineno}: expected a JSON object, got {type(item).__name__}")
        yield lineno, item
