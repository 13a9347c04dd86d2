"""Which of a timeline's rows a prompt section shows at a given time (`section_rows`).

A section lists, newest first and at most `cap` rows: the latest value of each code (labs, vital signs;
measurements calculators use first), each distinct item (allergies, medications, ...; conditions only
while active), or the most recent rows (encounters). Only rows at or before the prediction time count.
Why a module of its own: rendering many prompts of one patient is dominated by this choice, so each
timeline keeps an index per kind (built once) and the rows each section showed for a given prefix of its
events; `ehr_adapters.serialize` only formats and budgets the lines.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ehr_adapters.codes import concept_of

if TYPE_CHECKING:
    from ehr_adapters.serialize import Timeline

MAX_SCAN = 20000  # rows looked at per section; bounds the cost on very long records


@dataclass(frozen=True)
class _KeyIndex:
    """The rows of one kind grouped by key (code for latest values, display otherwise), built once per
    timeline: row i is its key's latest at or before now exactly when i < end <= next_same[i], so a
    section's rows at any time are one vectorized comparison."""

    next_same: Any  # per row: the next row with the same key (len(rows): none; -1: never shown)
    is_key: list[bool]  # per row, latest values only: a measurement calculators use (listed first)
    has_end: bool  # any row with an end time (then "active" depends on now, not only on the rows before it)


def _key_rows(tl: Timeline, kind: str, latest: bool) -> _KeyIndex:
    """The kind's `_KeyIndex`, built once per timeline."""
    cache_key = (kind, latest)
    found = tl.key_index.get(cache_key)
    if found is None:
        import numpy as np

        events = tl.by_kind[kind]
        n = len(events.times)
        keys = events.codes if latest else events.displays
        # One backward pass: each shown row learns the next row with its key. Latest values: rows with
        # neither a value nor a text are never shown (-1) and do not hide an earlier value.
        next_same = [-1] * n
        follow: dict[str, int] = {}
        values, texts = events.values, events.texts
        for i in range(n - 1, -1, -1):
            if not latest or values[i] is not None or texts[i]:
                key = keys[i]
                next_same[i] = follow.get(key, n)
                follow[key] = i
        key_codes = {code: _is_key(code) for code in follow} if latest else {}
        is_key = [key_codes.get(code, False) for code in events.codes] if latest else []
        index = np.array(next_same, dtype=np.int64)
        found = tl.key_index[cache_key] = _KeyIndex(index, is_key, events.ends.count(None) != n)
    return found


def section_rows(tl: Timeline, kind: str, mode: str, cap: int, now: int | None) -> list[int]:
    """Indices (into the kind's rows) of the rows a section shows at `now`, in display order (at most
    `cap`). Cached per timeline by the rows before `now`: most prompts of a patient share all but the
    lab and vital sections (no new diagnosis between two lab draws)."""
    if now is None or kind not in tl.by_kind:
        return []
    times = tl.by_kind[kind].times
    end = bisect_right(times, now)  # events at or before now
    if mode == "recent":
        stop = max(0, end - MAX_SCAN)
        return list(range(end - 1, max(stop, end - cap) - 1, -1))
    latest = mode == "latest_value"
    index = _key_rows(tl, kind, latest)
    active = mode == "active" and index.has_end  # then which rows show depends on now itself
    cache_key = (kind, mode, cap, end, now if active else None)
    found = tl.shown.get(cache_key)
    if found is None:
        found = tl.shown[cache_key] = _pick_rows(tl.by_kind[kind].ends, index, mode, cap, end, now)
    return found


def _pick_rows(
    ends: list[int | None], index: _KeyIndex, mode: str, cap: int, end: int, now: int
) -> list[int]:
    import numpy as np

    stop = max(0, end - MAX_SCAN)  # bounds the rows looked at on very long records
    # The latest row of each key at or before now, newest first: the order a backward scan meets them.
    newest = np.flatnonzero(index.next_same[stop:end] >= end)[::-1] + stop
    if mode == "latest_value":
        # Measurements calculators use come first (most relevant); look past the first `cap` codes so
        # key ones are not crowded out.
        head = newest[: cap * 3].tolist()
        is_key = index.is_key
        keys = [i for i in head if is_key[i]]
        if len(keys) >= cap:
            return keys[:cap]
        return (keys + [i for i in head if not is_key[i]])[:cap]
    if mode == "active":
        shown: list[int] = []
        for i in newest.tolist():
            row_end = ends[i]
            if row_end is None or row_end > now:  # else resolved before now: not active
                shown.append(i)
                if len(shown) >= cap:
                    break
        return shown[:cap]
    return newest[:cap].tolist()  # distinct items


@lru_cache(maxsize=65536)
def _is_key(code: str) -> bool:
    return concept_of(code) is not None
