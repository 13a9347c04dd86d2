"""The answer format's four tags and where they occur in a completion (the strict parser's one scan).

`tag_positions` is the only pass over the whole reasoning in strict mode, so it is written for speed:
`str.find` of '<' (a memchr) visits each candidate, and text with many other '<' falls back to one regex
pass. Both give the same result, and both stop after `_MAX_TAGS` tags.
"""

from __future__ import annotations

import re

THINK_OPEN, THINK_CLOSE, ANSWER_OPEN, ANSWER_CLOSE = "<think>", "</think>", "<answer>", "</answer>"

_TAG = re.compile(r"</?(?:think|answer)>")
_TAG_INDEX = {THINK_OPEN: 0, THINK_CLOSE: 1, ANSWER_OPEN: 2, ANSWER_CLOSE: 3}
_MAX_TAGS = 64
_MAX_OTHER_LT = 32  # '<' that start no tag before the walk hands over to the regex pass


def tag_positions(text: str) -> list[int] | None:
    """[think open, think close, answer open, answer close]: index if once, -1 if absent, -2 if repeated.

    None when more than `_MAX_TAGS` tags appear, so 10,000 nested tags stop early. Every tag starts with
    '<' and holds no other '<', so visiting each '<' in order (`str.find` of one character is a memchr,
    several times faster than a regex pass over the reasoning) finds exactly the tags the regex `_TAG`
    would; text with many other '<' (inequalities, markup) goes to the regex pass, linear per character.
    """
    canonical = _canonical_positions(text)
    if canonical is not None:
        return canonical
    positions = [-1, -1, -1, -1]
    tags = others = 0
    i = text.find("<")
    while i >= 0:
        close = text.find(">", i + 1, i + 9)  # the longest tag, "</answer>", is 9 characters
        index = _TAG_INDEX.get(text[i : close + 1]) if close >= 0 else None
        if index is None:
            others += 1
            if others > _MAX_OTHER_LT:
                return tag_positions_regex(text)
        else:
            if tags >= _MAX_TAGS:
                return None
            tags += 1
            positions[index] = i if positions[index] == -1 else -2
        i = text.find("<", i + 1)
    return positions


def _canonical_positions(text: str) -> list[int] | None:
    """`tag_positions` of a completion whose only '<' are its tags, once each and in order (the common
    case: `<think>…</think><answer>…</answer>`, or without `<think>` when the template prefilled it), with a
    handful of C-level finds instead of the walk's per-tag Python steps; None for anything else, which
    the walk then reads. The same result: each tag's first '>' is its last character, so the walk would
    read exactly these tags at these positions and nothing else."""
    i = text.find("<")
    j = text.find("<", i + 1) if i >= 0 else -1
    k = text.find("<", j + 1) if j >= 0 else -1
    m = text.find("<", k + 1) if k >= 0 else -1
    if m < 0:  # three '<' at most: the prefilled-think shape </think><answer></answer>, or something else
        if (
            k >= 0
            and text.startswith(THINK_CLOSE, i)
            and text.startswith(ANSWER_OPEN, j)
            and text.startswith(ANSWER_CLOSE, k)
        ):
            return [-1, i, j, k]
        return None
    if (
        text.find("<", m + 1) < 0
        and text.startswith(THINK_OPEN, i)
        and text.startswith(THINK_CLOSE, j)
        and text.startswith(ANSWER_OPEN, k)
        and text.startswith(ANSWER_CLOSE, m)
    ):
        return [i, j, k, m]
    return None


def tag_positions_regex(text: str) -> list[int] | None:
    """`tag_positions` in one regex pass (the same result; kept for text with many other '<')."""
    positions = [-1, -1, -1, -1]
    for n, m in enumerate(_TAG.finditer(text)):
        if n >= _MAX_TAGS:
            return None
        i = _TAG_INDEX[m.group()]
        positions[i] = m.start() if positions[i] == -1 else -2
    return positions
