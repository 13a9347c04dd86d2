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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from rewards.answer_json import (
    MISS,
    BadJSON,
    fast_answer,
    json_value,
    lenient_value,
    loads,
    several_values,
)
from rewards.completion import completion_text
from rewards.tags import ANSWER_CLOSE, ANSWER_OPEN, THINK_CLOSE, THINK_OPEN, tag_positions
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
    "default_aliases",
    "parse_date",
    "parse_label",
    "parse_number",
    "parse_weeks_days",
]

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


_new_tuple = tuple.__new__

# One shared (immutable) result per failure reason: the failure path builds nothing.
_FAILED = {reason: ParsedAnswer(False, reason, None, "") for reason in FORMAT_REASONS}


def _fail(reason: str) -> ParsedAnswer:
    return _FAILED.get(reason) or ParsedAnswer(False, reason, None, "")


# Answer types a cache may hand to several callers (immutable).
SHAREABLE = frozenset({str, int, float, bool, type(None)})
# What an answer block's text reads as, per mode, remembered by the text: a group's samples repeat a
# handful of answers, and decoding one costs more than the rest of the parse. A result is shared between
# callers, so only results whose answer cannot be changed in place are kept (a list or dict is decoded
# afresh each time). Bounded: cleared when full.
_MEMO_MAX = 65_536
_STRICT_MEMO: dict[str, ParsedAnswer] = {}
_LENIENT_MEMO: dict[str, ParsedAnswer] = {}


def _remember(
    memo: dict[str, ParsedAnswer], inner: str, read: Callable[[str], ParsedAnswer]
) -> ParsedAnswer:
    """`read(inner)`, kept in `memo` when it can be shared (callers look the memo up first)."""
    parsed = read(inner)
    if type(parsed.answer) in SHAREABLE:
        if len(memo) >= _MEMO_MAX:
            memo.clear()
        memo[inner] = parsed
    return parsed


def _strict_block(inner: str) -> ParsedAnswer:
    """A stripped, non-empty strict answer block: one JSON object with the single key "answer"."""
    value = fast_answer(inner)
    if value is not MISS:
        return ParsedAnswer(True, None, value, "")
    try:
        obj = loads(inner)
    except BadJSON:
        return _fail("multiple_values" if several_values(inner) else "invalid_json")
    if not isinstance(obj, dict):
        return _fail("not_an_object")
    if "answer" not in obj:
        return _fail("missing_answer_key")
    if len(obj) != 1:
        return _fail("extra_keys")
    return ParsedAnswer(True, None, obj["answer"], "")


def _lenient_block(inner: str) -> ParsedAnswer:
    """A stripped, non-empty lenient answer block (`lenient_value`'s reading)."""
    found, value = lenient_value(inner)
    return ParsedAnswer(True, None, value, "") if found else _fail(value)


def _read_lenient_block(inner: str) -> ParsedAnswer:
    """`_remember(_LENIENT_MEMO, inner, _lenient_block)` with the common `{"answer": 72.5}` read in place:
    one call instead of four on every new answer text (a group's samples rarely repeat a number)."""
    value = fast_answer(inner)
    if value is MISS:
        return _remember(_LENIENT_MEMO, inner, _lenient_block)
    # fast_answer gives only str, int or float: shareable. Built as ParsedAnswer's own __new__ builds it
    # (`tuple.__new__`), without that Python-level call: this line runs for every new answer text.
    parsed = _new_tuple(ParsedAnswer, (True, None, value, ""))
    if len(_LENIENT_MEMO) >= _MEMO_MAX:
        _LENIENT_MEMO.clear()
    _LENIENT_MEMO[inner] = parsed
    return parsed


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
        body = json.dumps({"answer": json_value(answer)}, ensure_ascii=False)
        opening = "" if self.prefilled_think else f"{THINK_OPEN}\n"
        return f"{opening}{reasoning.strip()}\n{THINK_CLOSE}\n{ANSWER_OPEN}{body}{ANSWER_CLOSE}"

    # -- reading a completion -----------------------------------------------------------------------------
    def parse(self, completion: str | Sequence[Mapping[str, Any]]) -> ParsedAnswer:
        """Read a completion; malformed input gives `ok=False` and a reason, never an exception."""
        return self._read(completion_text(completion), with_think=True)

    def read_answer(self, completion: str | Sequence[Mapping[str, Any]]) -> ParsedAnswer:
        """`parse` without copying out the reasoning (`think` is ""): the rewards' hot path."""
        return self._read(completion_text(completion), with_think=False)

    def read_text(self, text: str) -> ParsedAnswer:
        """`read_answer` of a completion already turned into text (`completion_text`): the rewards' loops.
        `_read` without its layer of call (it runs once per sampled completion)."""
        if len(text) > self.max_chars:
            return _fail("too_long")
        if not text or text.isspace():
            return _fail("empty")
        if self.strict:
            return self._parse_strict(text, False)
        return self._parse_lenient(text, False)

    def _read(self, text: str, with_think: bool) -> ParsedAnswer:
        if len(text) > self.max_chars:
            return _fail("too_long")
        if not text or text.isspace():
            return _fail("empty")
        if self.strict:
            return self._parse_strict(text, with_think)
        return self._parse_lenient(text, with_think)

    def _parse_strict(self, text: str, with_think: bool) -> ParsedAnswer:
        tags = tag_positions(text)
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
        parsed = _STRICT_MEMO.get(inner) or _remember(_STRICT_MEMO, inner, _strict_block)
        if with_think and parsed.ok:
            return ParsedAnswer(True, None, parsed.answer, text[think_start:t_close].strip())
        return parsed

    def _parse_lenient(self, text: str, with_think: bool) -> ParsedAnswer:
        # Search only the tail (rfind with a start bound: no copy), from the end, so cost does not grow
        # with the reasoning's length.
        n = len(text)
        floor = n - self.tail_chars if n > self.tail_chars else 0
        a_close = text.rfind(ANSWER_CLOSE, floor)
        a_open = text.rfind(ANSWER_OPEN, floor, a_close if a_close >= 0 else n)
        if a_open < 0:
            return _fail("missing_answer_tag")
        start = a_open + len(ANSWER_OPEN)
        end = a_close if a_close > a_open else n  # an unclosed block runs to the end
        if end - start > self.max_answer_chars:
            return _fail("answer_too_long")
        inner = text[start:end].strip()
        if not inner:
            return _fail("empty_answer")
        parsed = _LENIENT_MEMO.get(inner) or _read_lenient_block(inner)
        if not parsed.ok:
            return parsed
        # Answer blocks before this one count only after the reasoning (inside <think> they are drafts).
        # Most completions have none, which the last '<' before this block tells (a memrchr): none at all,
        # or the `</think>` tag, so no other tag lies between the reasoning and this block.
        if not with_think:
            lt = text.rfind("<", floor, a_open)
            if lt < 0 or text.startswith(THINK_CLOSE, lt):
                return parsed
        t_close = text.rfind(THINK_CLOSE, floor, a_open)
        after_think = t_close + len(THINK_CLOSE) if t_close >= 0 else floor
        if text.rfind(ANSWER_OPEN, after_think, a_open) >= 0 and _disagreeing_block(
            text, after_think, a_open, parsed.answer
        ):
            return _fail("multiple_values")
        if not with_think:
            return parsed
        t_open = text.rfind(THINK_OPEN, floor, t_close) if t_close >= 0 else -1
        think = text[t_open + len(THINK_OPEN) if t_open >= 0 else floor : t_close if t_close >= 0 else a_open]
        return ParsedAnswer(True, None, parsed.answer, think.strip())


def _disagreeing_block(text: str, start: int, end: int, value: Any) -> bool:
    """Whether an answer block in text[start:end] (after the reasoning, before the last block) holds
    another value than the last one; the scan is bounded by `_MAX_BLOCKS`."""
    for _ in range(_MAX_BLOCKS):
        prev = text.rfind(ANSWER_OPEN, start, end)
        if prev < 0:
            return False
        close = text.find(ANSWER_CLOSE, prev, end)
        inner = text[prev + len(ANSWER_OPEN) : close if close >= 0 else end].strip()
        if inner and len(inner) <= 4_096:
            other = _LENIENT_MEMO.get(inner) or _read_lenient_block(inner)
            if not other.ok or other.answer != value:
                return True
        end = prev
    return False


DEFAULT_FORMAT = AnswerFormat()
