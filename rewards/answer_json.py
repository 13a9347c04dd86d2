"""The JSON inside an `<answer>` block: read it (fast path, strict JSON, lenient repairs) and write it.

Why its own module: `rewards.parse` decides where the answer block is; this module only turns the block's
text into a value, and `render` turns a value into the block's JSON. Reading uses `json` only (NaN and
Infinity rejected, deep nesting caught), never evaluates text, and has a regex fast path for the common
`{"answer": 72.5}` / `{"answer": "text"}` forms that accepts nothing `json.loads` would reject.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date
from typing import Any


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


# NaN / Infinity are not JSON; Python's decoder accepts them unless told otherwise.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


class BadJSON(Exception):
    """The text is not the JSON the reader expects (a decode error, NaN, a too long int, deep nesting)."""


# The common answers, `{"answer": 72.5}` and `{"answer": "text"}`, read without the json module (three
# times faster); the patterns follow JSON's own number and string grammar, so they accept nothing that
# json.loads would reject. Anything else (escapes, nesting, long digits) goes through json.
_WS = r"[ \t\n\r]*"  # JSON whitespace only (\s would also accept unicode spaces)
_FAST = re.compile(
    r"\{"
    + _WS
    + r'"answer"'
    + _WS
    + ":"
    + _WS
    + r"(?:(-?(?:0|[1-9][0-9]{0,20})(\.[0-9]{1,20})?([eE][-+]?[0-9]{1,3})?)"  # a number, or
    + r'|"([^"\\\x00-\x1f]{0,200})")'  # a string (the branches start apart: '-'/digit or '"')
    + _WS
    + r"\}"
)
MISS = object()


def fast_answer(inner: str) -> Any:
    m = _FAST.fullmatch(inner)
    if m is None:
        return MISS
    literal, fraction, exponent, string = m.groups()  # one call instead of up to four `group` calls
    if literal is None:
        return string
    return float(literal) if fraction or exponent else int(literal)


def loads(text: str) -> Any:
    try:
        return _DECODER.decode(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, int too long, NaN, deep nesting
        raise BadJSON(str(exc)) from None


def lenient_value(inner: str) -> tuple[bool, Any]:
    """(True, value) or (False, reason): JSON, JSON without trailing commas, `{"answer": bare}`, or bare."""
    value = fast_answer(inner)
    if value is not MISS:
        return True, value
    if inner[0] in "{[":
        for attempt in range(2):
            try:  # as written, then without trailing commas (computed only when needed)
                obj = loads(inner if attempt == 0 else drop_trailing_commas(inner))
            except BadJSON:
                continue
            if isinstance(obj, dict):
                return (True, obj["answer"]) if "answer" in obj else (False, "missing_answer_key")
            return True, obj
        try:  # a JSON value followed by junk ('{"answer": 5} // done'): keep the value
            obj, end = _DECODER.raw_decode(inner)
        except (ValueError, RecursionError):
            obj, end = None, 0
        if isinstance(obj, dict) and "answer" in obj:
            if several_values(inner, obj, end):
                return False, "multiple_values"
            return True, obj["answer"]
        key = inner.find('"answer"')
        colon = inner.find(":", key) if key >= 0 else -1
        if colon < 0:
            return False, "invalid_json"
        bare = inner[colon + 1 :].strip().removesuffix("}").strip().rstrip(",").strip()
    else:
        bare = inner
    try:
        return True, loads(bare)
    except BadJSON:
        return True, bare.strip("\"'")


def several_values(inner: str, first: Any = MISS, end: int = 0) -> bool:
    """Whether `inner` holds two JSON answers ('{"answer": 72} {"answer": 10}') that differ."""
    try:
        if first is MISS:
            first, end = _DECODER.raw_decode(inner)
        rest = inner[end:].lstrip(" \t\n\r,;")
        if not rest or rest[0] not in "{[":
            return False
        second, _ = _DECODER.raw_decode(rest)
    except (ValueError, RecursionError):
        return False
    if isinstance(first, dict) and isinstance(second, dict):
        return first.get("answer", MISS) != second.get("answer", MISS)
    return first != second


def drop_trailing_commas(text: str) -> str:
    """Remove commas directly before a closing bracket (a linear scan, no regex)."""
    out: list[str] = []
    pending = ""  # a comma and whitespace held back until we see what follows
    for ch in text:
        if pending:
            if ch.isspace():
                pending += ch
                continue
            if ch not in "}]":
                out.append(pending)
            pending = ""
        if ch == ",":
            pending = ch
        else:
            out.append(ch)
    out.append(pending)
    return "".join(out)


def json_value(answer: Any) -> Any:
    """The JSON form `render` writes: numbers ≤ 4 decimals, dates MM/DD/YYYY, [weeks, days], labels."""
    if isinstance(answer, bool) or answer is None or isinstance(answer, str):
        return answer
    if isinstance(answer, int):
        return answer
    if isinstance(answer, float):
        if not math.isfinite(answer):
            raise ValueError(f"cannot render a non-finite answer {answer!r}")
        rounded = round(answer, 4)
        return int(rounded) if rounded.is_integer() and abs(rounded) < 1e15 else rounded
    if isinstance(answer, date):
        return answer.strftime("%m/%d/%Y")
    if isinstance(answer, list | tuple) and len(answer) == 2 and all(isinstance(x, int) for x in answer):
        return [int(answer[0]), int(answer[1])]
    raise TypeError(f"cannot render an answer of type {type(answer).__name__}: {answer!r}")
