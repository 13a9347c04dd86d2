"""The answer format: the instructions a prompt shows and the parser that grades them, as one object.

    from rewards.parse import DEFAULT_FORMAT
    DEFAULT_FORMAT.instructions("a number in mL/min/1.73 m²")     # text for the system prompt
    DEFAULT_FORMAT.render("eGFR = ...", 72.5)                    # a perfectly formatted SFT target
    DEFAULT_FORMAT.parse(completion)                             # ParsedAnswer(ok, reason, answer, think)

A completion is `<think>reasoning</think><answer>{"answer": value}</answer>`. Strict mode (the default,
EHRMIND's rule) wants each tag exactly once and in order, only whitespace around the blocks, a JSON object
with the single key "answer", and nothing after `</answer>`. Lenient mode (`strict=False`) takes the last
`<answer>` block of the completion's tail and reads a JSON value, a JSON object with trailing commas or a
bare value inside it; accuracy rewards use it so that format and correctness are scored separately.
One rule for several answers, in both modes: two JSON answers in one block, or (lenient) an earlier answer
block after the reasoning with another value, fail as `multiple_values` (strict mode already rejects a
repeated tag); answer blocks inside `<think>` are drafts.

Why it is written this way: the parser runs on every sampled completion. It uses `str.find` scans (linear,
no regex backtracking over the reasoning), caps what it reads (`max_chars`, `tail_chars`,
`max_answer_chars`), decodes JSON with `json` only (NaN/Infinity rejected, deep nesting caught), and
never evaluates text. Failures come back as a reason from `FORMAT_REASONS`, never as an exception.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from rewards.values import (  # re-exported: the value grammar is part of the format's contract
    VALUE_REASONS,
    AnswerValueError,
    default_aliases,
    parse_date,
    parse_label,
    parse_number,
    parse_weeks_days,
)

__all__ = [
    "DEFAULT_FORMAT",
    "FORMAT_REASONS",
    "VALUE_REASONS",
    "AnswerFormat",
    "AnswerValueError",
    "ParsedAnswer",
    "completion_text",
    "default_aliases",
    "parse_date",
    "parse_label",
    "parse_number",
    "parse_weeks_days",
]

THINK_OPEN, THINK_CLOSE, ANSWER_OPEN, ANSWER_CLOSE = "<think>", "</think>", "<answer>", "</answer>"

# Every reason a completion's format can fail for (a closed set: stats and tests enumerate it).
FORMAT_REASONS = frozenset(
    {
        "empty",
        "too_long",
        "missing_answer_tag",
        "missing_think",
        "repeated_tag",
        "tags_out_of_order",
        "text_before_think",
        "text_between_tags",
        "text_after_answer",
        "answer_too_long",
        "empty_answer",
        "invalid_json",
        "not_an_object",
        "missing_answer_key",
        "extra_keys",
        "multiple_values",  # two answers: two JSON values in one block, or answer blocks that disagree
    }
)
_MAX_BLOCKS = 8  # answer blocks compared in lenient mode (more: the completion is spam, the last 8 decide)


class ParsedAnswer(NamedTuple):
    """What the parser read. `answer` is the raw JSON value (None when `ok` is False)."""

    ok: bool
    reason: str | None
    answer: Any
    think: str


def _fail(reason: str) -> ParsedAnswer:
    return ParsedAnswer(False, reason, None, "")


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


# NaN / Infinity are not JSON; Python's decoder accepts them unless told otherwise.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


class _BadJSON(Exception):
    pass


# The common answers, `{"answer": 72.5}` and `{"answer": "text"}`, read without the json module (three
# times faster); the patterns follow JSON's own number and string grammar, so they accept nothing that
# json.loads would reject. Anything else (escapes, nesting, long digits) goes through json.
_WS = r"[ \t\n\r]*"  # JSON whitespace only (\s would also accept unicode spaces)
_FAST_NUMBER = re.compile(
    r"\{"
    + _WS
    + r'"answer"'
    + _WS
    + ":"
    + _WS
    + r"(-?(?:0|[1-9][0-9]{0,20})(\.[0-9]{1,20})?([eE][-+]?[0-9]{1,3})?)"
    + _WS
    + r"\}"
)
_FAST_STRING = re.compile(
    r"\{" + _WS + r'"answer"' + _WS + ":" + _WS + r'"([^"\\\x00-\x1f]{0,200})"' + _WS + r"\}"
)
_MISS = object()


def _fast_answer(inner: str) -> Any:
    m = _FAST_NUMBER.fullmatch(inner)
    if m:
        literal = m.group(1)
        return float(literal) if m.group(2) or m.group(3) else int(literal)
    m = _FAST_STRING.fullmatch(inner)
    return m.group(1) if m else _MISS


def _loads(text: str) -> Any:
    try:
        return _DECODER.decode(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, int too long, NaN, deep nesting
        raise _BadJSON(str(exc)) from None


def completion_text(completion: str | Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> str:
    """The text of a completion: a string, or chat messages (the last assistant message is the answer).

    A message whose reasoning was split out by the chat template (`reasoning_content`, `thinking`) gets
    it back inside `<think>` tags, so both forms grade alike. Anything else is a caller bug: TypeError.
    """
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        return _message_text(completion)
    if isinstance(completion, Sequence) and all(isinstance(m, Mapping) for m in completion):
        if not completion:
            return ""
        for message in reversed(completion):
            if message.get("role", "assistant") == "assistant":
                return _message_text(message)
        return ""
    raise TypeError(
        f"completion must be a string or a list of chat messages, got {type(completion).__name__}"
    )


def _message_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if content is None:
        text = ""
    elif isinstance(content, str):
        text = content
    elif isinstance(content, list):  # multimodal parts: keep the text ones
        text = "".join(
            p.get("text", "") for p in content if isinstance(p, Mapping) and p.get("type") == "text"
        )
    else:
        raise TypeError(f"message content must be a string or a list of parts, got {type(content).__name__}")
    for key in ("reasoning_content", "thinking", "reasoning"):
        reasoning = message.get(key)
        if isinstance(reasoning, str) and reasoning and THINK_OPEN not in text:
            return f"{THINK_OPEN}{reasoning}{THINK_CLOSE}{text}"
    return text


@dataclass(frozen=True)
class AnswerFormat:
    """The `<think>…</think><answer>{json}</answer>` format; see the module docstring.

    `prefilled_think`: the chat template already opens `<think>` in the prompt (Qwen3, DeepSeek-R1), so
    the completion starts inside the reasoning and must not repeat the opening tag.
    """

    strict: bool = True
    prefilled_think: bool = False
    max_chars: int = 256_000  # longer completions fail as "too_long" before any scan
    tail_chars: int = 65_536  # lenient mode only looks for the answer in this tail
    max_answer_chars: int = 4_096

    # -- what the model is told ---------------------------------------------------------------------------
    def instructions(self, answer_hint: str) -> str:
        """The format instructions for a prompt; `answer_hint` says what the value is (never the value)."""
        opening = "" if self.prefilled_think else f"{THINK_OPEN} and "
        return (
            f"Reason step by step inside {opening}{THINK_CLOSE}. Then give the final answer inside "
            f"{ANSWER_OPEN} and {ANSWER_CLOSE} as a JSON object with one key, for example "
            f'{ANSWER_OPEN}{{"answer": ...}}{ANSWER_CLOSE}. The answer is {answer_hint.strip()}. '
            f"Use each tag once and write nothing after {ANSWER_CLOSE}."
        )

    def render(self, reasoning: str, answer: Any) -> str:
        """A completion this format parses as ok, with `answer` as its value (for SFT targets)."""
        for tag in (THINK_OPEN, THINK_CLOSE, ANSWER_OPEN, ANSWER_CLOSE):
            if tag in reasoning:
                raise ValueError(f"reasoning contains the tag {tag!r}; remove it so the target parses")
        body = json.dumps({"answer": _json_value(answer)}, ensure_ascii=False)
        opening = "" if self.prefilled_think else f"{THINK_OPEN}\n"
        return f"{opening}{reasoning.strip()}\n{THINK_CLOSE}\n{ANSWER_OPEN}{body}{ANSWER_CLOSE}"

    # -- reading a completion -----------------------------------------------------------------------------
    def parse(self, completion: str | Sequence[Mapping[str, Any]]) -> ParsedAnswer:
        """Read a completion; malformed input gives `ok=False` and a reason, never an exception."""
        return self._read(completion_text(completion), with_think=True)

    def read_answer(self, completion: str | Sequence[Mapping[str, Any]]) -> ParsedAnswer:
        """`parse` without copying out the reasoning (`think` is ""): the rewards' hot path."""
        return self._read(completion_text(completion), with_think=False)

    def _read(self, text: str, with_think: bool) -> ParsedAnswer:
        if len(text) > self.max_chars:
            return _fail("too_long")
        if not text or text.isspace():
            return _fail("empty")
        if self.strict:
            return self._parse_strict(text, with_think)
        return self._parse_lenient(text, with_think)

    def _parse_strict(self, text: str, with_think: bool) -> ParsedAnswer:
        tags = _tag_positions(text)
        if tags is None:
            return _fail("repeated_tag")
        t_open, t_close, a_open, a_close = tags
        if a_open == -1 or a_close == -1:
            return _fail("missing_answer_tag")
        if t_close == -1 or (t_open == -1 and not self.prefilled_think):
            return _fail("missing_think")
        if -2 in tags or (self.prefilled_think and t_open >= 0):
            return _fail("repeated_tag")
        think_start = 0 if self.prefilled_think else t_open + len(THINK_OPEN)
        if not (think_start <= t_close < a_open < a_close):
            return _fail("tags_out_of_order")
        if not self.prefilled_think and t_open and not text[:t_open].isspace():
            return _fail("text_before_think")
        between = text[t_close + len(THINK_CLOSE) : a_open]
        if between and not between.isspace():
            return _fail("text_between_tags")
        after = text[a_close + len(ANSWER_CLOSE) :]
        if after and not after.isspace():
            return _fail("text_after_answer")
        inner = text[a_open + len(ANSWER_OPEN) : a_close]
        if len(inner) > self.max_answer_chars:
            return _fail("answer_too_long")
        if not inner or inner.isspace():
            return _fail("empty_answer")
        inner = inner.strip()
        value = _fast_answer(inner)
        if value is not _MISS:
            return ParsedAnswer(True, None, value, text[think_start:t_close].strip() if with_think else "")
        try:
            obj = _loads(inner)
        except _BadJSON:
            return _fail("multiple_values" if _several_values(inner) else "invalid_json")
        if not isinstance(obj, dict):
            return _fail("not_an_object")
        if "answer" not in obj:
            return _fail("missing_answer_key")
        if len(obj) != 1:
            return _fail("extra_keys")
        return ParsedAnswer(
            True, None, obj["answer"], text[think_start:t_close].strip() if with_think else ""
        )

    def _parse_lenient(self, text: str, with_think: bool) -> ParsedAnswer:
        # Search only the tail (rfind with a start bound: no copy), from the end, so cost does not grow
        # with the reasoning's length.
        floor = max(0, len(text) - self.tail_chars)
        a_close = text.rfind(ANSWER_CLOSE, floor)
        a_open = text.rfind(ANSWER_OPEN, floor, a_close if a_close >= 0 else len(text))
        if a_open < 0:
            return _fail("missing_answer_tag")
        start = a_open + len(ANSWER_OPEN)
        end = a_close if a_close > a_open else len(text)  # an unclosed block runs to the end
        if end - start > self.max_answer_chars:
            return _fail("answer_too_long")
        inner = text[start:end].strip()
        if not inner:
            return _fail("empty_answer")
        found, value = _lenient_value(inner)
        if not found:
            return _fail(value)
        if _disagreeing_block(text, floor, a_open, value):
            return _fail("multiple_values")
        if not with_think:
            return ParsedAnswer(True, None, value, "")
        t_close = text.rfind(THINK_CLOSE, floor, a_open)
        t_open = text.rfind(THINK_OPEN, floor, t_close) if t_close >= 0 else -1
        think = text[t_open + len(THINK_OPEN) if t_open >= 0 else floor : t_close if t_close >= 0 else a_open]
        return ParsedAnswer(True, None, value, think.strip())


_TAG = re.compile(r"</?(?:think|answer)>")
_TAG_INDEX = {THINK_OPEN: 0, THINK_CLOSE: 1, ANSWER_OPEN: 2, ANSWER_CLOSE: 3}
_MAX_TAGS = 64
_MAX_OTHER_LT = 32  # '<' that start no tag before the walk hands over to the regex pass


def _tag_positions(text: str) -> list[int] | None:
    """[think open, think close, answer open, answer close]: index if once, -1 if absent, -2 if repeated.

    None when more than `_MAX_TAGS` tags appear, so 10,000 nested tags stop early. Every tag starts with
    '<' and holds no other '<', so visiting each '<' in order (`str.find` of one character is a memchr,
    several times faster than a regex pass over the reasoning) finds exactly the tags the regex `_TAG`
    would; text with many other '<' (inequalities, markup) goes to the regex pass, linear per character.
    """
    positions = [-1, -1, -1, -1]
    tags = others = 0
    i = text.find("<")
    while i >= 0:
        close = text.find(">", i + 1, i + 9)  # the longest tag, "</answer>", is 9 characters
        index = _TAG_INDEX.get(text[i : close + 1]) if close >= 0 else None
        if index is None:
            others += 1
            if others > _MAX_OTHER_LT:
                return _tag_positions_regex(text)
        else:
            if tags >= _MAX_TAGS:
                return None
            tags += 1
            positions[index] = i if positions[index] == -1 else -2
        i = text.find("<", i + 1)
    return positions


def _tag_positions_regex(text: str) -> list[int] | None:
    """`_tag_positions` in one regex pass (the same result; kept for text with many other '<')."""
    positions = [-1, -1, -1, -1]
    for n, m in enumerate(_TAG.finditer(text)):
        if n >= _MAX_TAGS:
            return None
        i = _TAG_INDEX[m.group()]
        positions[i] = m.start() if positions[i] == -1 else -2
    return positions


def _lenient_value(inner: str) -> tuple[bool, Any]:
    """(True, value) or (False, reason): JSON, JSON without trailing commas, `{"answer": bare}`, or bare."""
    value = _fast_answer(inner)
    if value is not _MISS:
        return True, value
    if inner[0] in "{[":
        for attempt in range(2):
            try:  # as written, then without trailing commas (computed only when needed)
                obj = _loads(inner if attempt == 0 else _drop_trailing_commas(inner))
            except _BadJSON:
                continue
            if isinstance(obj, dict):
                return (True, obj["answer"]) if "answer" in obj else (False, "missing_answer_key")
            return True, obj
        try:  # a JSON value followed by junk ('{"answer": 5} // done'): keep the value
            obj, end = _DECODER.raw_decode(inner)
        except (ValueError, RecursionError):
            obj, end = None, 0
        if isinstance(obj, dict) and "answer" in obj:
            if _several_values(inner, obj, end):
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
        return True, _loads(bare)
    except _BadJSON:
        return True, bare.strip("\"'")


def _several_values(inner: str, first: Any = _MISS, end: int = 0) -> bool:
    """Whether `inner` holds two JSON answers ('{"answer": 72} {"answer": 10}') that differ."""
    try:
        if first is _MISS:
            first, end = _DECODER.raw_decode(inner)
        rest = inner[end:].lstrip(" \t\n\r,;")
        if not rest or rest[0] not in "{[":
            return False
        second, _ = _DECODER.raw_decode(rest)
    except (ValueError, RecursionError):
        return False
    if isinstance(first, dict) and isinstance(second, dict):
        return first.get("answer", _MISS) != second.get("answer", _MISS)
    return first != second


def _disagreeing_block(text: str, floor: int, a_open: int, value: Any) -> bool:
    """Whether an earlier answer block after the reasoning holds another value than the last one.

    Blocks inside `<think>` are drafts and do not count; the scan is bounded by `_MAX_BLOCKS`."""
    t_close = text.rfind(THINK_CLOSE, floor, a_open)
    start = max(floor, t_close + len(THINK_CLOSE) if t_close >= 0 else floor)
    end = a_open
    for _ in range(_MAX_BLOCKS):
        prev = text.rfind(ANSWER_OPEN, start, end)
        if prev < 0:
            return False
        close = text.find(ANSWER_CLOSE, prev, end)
        inner = text[prev + len(ANSWER_OPEN) : close if close >= 0 else end].strip()
        if inner and len(inner) <= 4_096:
            found, other = _lenient_value(inner)
            if not found or other != value:
                return True
        end = prev
    return False


def _drop_trailing_commas(text: str) -> str:
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


def _json_value(answer: Any) -> Any:
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


DEFAULT_FORMAT = AnswerFormat()
