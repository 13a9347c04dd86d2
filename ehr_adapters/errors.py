"""Typed errors and skip reports shared by every adapter.

Two modes, one vocabulary. Strict mode stops at the first problem and raises `AdapterError`, which names
the file, the position in it (line, bundle entry index or row), the field and a fix. Lenient mode keeps
going and records each dropped item as a `SkippedItem` in a `ReadReport`, so a build manifest can say
exactly what was left out and why: nothing is dropped silently.

Reasons are written "category: detail" (e.g. "invalid JSON: Expecting ',' delimiter"); the category is
what `ReadReport.summary()` counts, the detail is for the person fixing the file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path


class AdapterError(ValueError):
    """One bad input item: where it is, which field, what is wrong and how to fix it.

    str() reads "file:position: field: message; fix: ...". `position` is a line number (NDJSON), a bundle
    entry index ("entry[12]"), a row number or a code, whatever lets a person find the item.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path = "",
        position: int | str = "",
        field: str = "",
        fix: str = "",
    ) -> None:
        self.file = str(file)
        self.position = position
        self.field = field
        self.message = message
        self.fix = fix
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.file or "<input>"
        if self.position != "":
            where += f":{self.position}"
        text = f"{where}: {self.field + ': ' if self.field else ''}{self.message}"
        return text + (f"; fix: {self.fix}" if self.fix else "")

    def as_skipped(self) -> SkippedItem:
        """The same problem as a lenient-mode skip record."""
        reason = f"{self.field}: {self.message}" if self.field else self.message
        return SkippedItem(self.file, self.position, reason)


@dataclass(frozen=True, slots=True)
class SkippedItem:
    """An item lenient mode left out: file, position (line / entry index / row / code) and reason."""

    file: str
    position: int | str
    reason: str

    @property
    def category(self) -> str:
        """The reason up to its first ': ' (what summaries count)."""
        return _category(self.reason)

    def __str__(self) -> str:
        return f"{self.file}:{self.position}: {self.reason}"


@lru_cache(maxsize=4096)
def _category(reason: str) -> str:
    # cached: a build counts the categories of ~100k skips (MIMIC's duplicate events) several times
    return reason.split(": ", 1)[0]


@dataclass(slots=True)
class ReadReport:
    """What a read kept (`counts`, e.g. resources per type) and what it skipped (`skipped`, with reasons)."""

    skipped: list[SkippedItem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def skip(self, file: str | Path, position: int | str, reason: str) -> None:
        self.skipped.append(SkippedItem(str(file), position, reason))

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def merge(self, other: ReadReport) -> ReadReport:
        """Add another report's skips and counts to this one (returns self)."""
        self.skipped.extend(other.skipped)
        for key, n in other.counts.items():
            self.count(key, n)
        return self

    def summary(self) -> dict[str, int]:
        """Skipped items counted by reason category, most frequent first (for manifests)."""
        return dict(Counter(item.category for item in self.skipped).most_common())

    def to_dict(self, max_items: int = 1000) -> dict:
        """JSON-ready form: counts, skip summary and the first `max_items` skipped items."""
        return {
            "counts": dict(self.counts),
            "skipped_total": len(self.skipped),
            "skipped_by_reason": self.summary(),
            "skipped": [
                {"file": s.file, "position": s.position, "reason": s.reason} for s in self.skipped[:max_items]
            ],
        }
