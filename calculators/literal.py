"""A fast reader for the Python literals MedCalc-Bench stores its `Relevant Entities` in.

    read_literal("{'age': [60, 'years'], 'sex': 'Male', 'Hypertension': True}")

Why not only `ast.literal_eval`: it compiles every cell, ≈ 0.2 ms a row, the largest single cost of an
audit. The benchmark's cells use a JSON-shaped subset of Python (dicts with string keys, lists, quoted
strings without escapes, numbers, True/False/None), so the text is rewritten token by token into JSON
(quotes, the three constants) and read by the C json parser (≈ 0.05 ms). Anything else — tuples,
escaped or multi-line strings, non-string keys, NaN/Infinity, expressions — raises `NotSimple`, and the
caller falls back to `ast.literal_eval`, so the accepted language and the values are exactly Python's.
Never `eval`.
"""

from __future__ import annotations

import json
import re
from typing import Any

# A quoted string with no backslash, newline or the other quote; a constant; or a bracket json lacks.
_TOKEN = re.compile(r"""'([^'"\\\n\t]*)'|"([^'"\\\n\t]*)"|\b(True|False|None)\b|[()]""")
_CONSTANTS = {"True": "true", "False": "false", "None": "null"}


class NotSimple(ValueError):
    """The text is outside the fast reader's grammar (the caller falls back to ast.literal_eval)."""


def _to_json(match: re.Match[str]) -> str:
    single, double, constant = match.group(1), match.group(2), match.group(3)
    if constant is not None:
        return _CONSTANTS[constant]
    if single is None and double is None:
        raise NotSimple("a tuple (json has none)")
    return f'"{single if single is not None else double}"'


def _no_constant(name: str) -> Any:
    raise NotSimple(f"{name} is not a Python literal")


def read_literal(text: str) -> Any:
    """The value of a Python literal in the benchmark's JSON-shaped grammar; raises NotSimple otherwise."""
    if "\\" in text:  # escapes mean different things in JSON ("\\/") and Python: let literal_eval read them
        raise NotSimple("backslash escapes")
    try:
        return json.loads(_TOKEN.sub(_to_json, text), parse_constant=_no_constant)
    except json.JSONDecodeError:
        raise NotSimple("outside the JSON-shaped subset") from None
