"""PatientRecord -> prompt text within a token budget.

    serialize(record, prediction_time=t, max_tokens=1024)                  # ~4 characters per token
    serialize(record, prediction_time=t, max_tokens=1024, tokenizer=tok)  # counted with the model's tokenizer

What the model sees, in order: demographics at the prediction time; allergies; active problems; the most
recent value of each lab and vital sign with its unit (measurements that calculators use listed first); medications; recent encounters; procedures,
immunizations and reports. Times are relative to the prediction time ("3 h ago") and only events at or
before it are used, so a label's future never leaks into its prompt. Each event is one whole line: when the
budget runs out, lines are dropped, never cut. Every section first gets a small guaranteed share, then the
remaining budget is filled in priority order, so one long lab panel cannot crowd out the problem list.
Output is a pure function of the record and the arguments (ties in time are ordered by code and value).

Building many prompts for one patient reuses one `Timeline` (events indexed by kind and time), so each
prompt costs O(lines shown), not O(events). `meds_timelines` builds timelines straight from a MEDS frame.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from ehr_adapters.record import PatientRecord, age_years, whole_years
from ehr_adapters.sections import section_rows

if TYPE_CHECKING:
    from ehr_adapters.meds import MedsDataset

# (time, kind, code, display, value, unit, text, end); times are integer microseconds since the epoch
# (cheap to compare and subtract; converting millions of datetimes is what made this slow)
Row = tuple[int, str, str, str, "float | None", "str | None", "str | None", "int | None"]


class Events(NamedTuple):
    """One kind's events of a timeline as columns, in time order (ties ordered as `_row_order`): columns
    are slices of a frame's columns, so no per-event object is built."""

    times: list[int]  # µs since the epoch
    codes: list[str]
    displays: list[str]
    values: list[float | None]
    units: list[str | None]
    texts: list[str | None]
    ends: list[int | None]  # µs since the epoch, or None


_EPOCH = datetime(1970, 1, 1)
_US_PER_S = 1_000_000


def _us(value: datetime) -> int:
    """Naive datetime -> microseconds since 1970-01-01 (aware datetimes are taken in their own clock)."""
    delta = value.replace(tzinfo=None) - _EPOCH
    return (delta.days * 86400 + delta.seconds) * _US_PER_S + delta.microseconds


# section title, event kind, mode, line cap, guaranteed share (lines) in the first pass
_SECTIONS = (
    ("Allergies", "allergy", "distinct", 10, 5),
    ("Active problems", "condition", "active", 20, 6),
    ("Most recent labs", "lab", "latest_value", 25, 8),
    ("Most recent vital signs", "vital", "latest_value", 20, 6),  # room for height and weight
    ("Medications", "medication", "distinct", 15, 5),
    ("Recent encounters", "encounter", "recent", 8, 3),
    ("Procedures", "procedure", "distinct", 8, 2),
    ("Immunizations", "immunization", "distinct", 5, 1),
    ("Reports", "report", "distinct", 5, 1),
)

_UNIT_DISPLAY = {
    "meq/L": "mEq/L",
    "10*3/uL": "x10^3/uL",
    "10*6/uL": "x10^6/uL",
    "10*9/L": "x10^9/L",
    "mm[Hg]": "mmHg",
    "[degF]": "°F",
    "Cel": "°C",
    "[lb_av]": "lb",
    "[in_i]": "in",
    "{score}": "",
    "1": "",
    "[IU]/L": "IU/L",
    "u[IU]/mL": "uIU/mL",
    "m[IU]/mL": "mIU/mL",
    "/min": "/min",
    "{ratio}": "",
    "[pH]": "",
    "cm[H2O]": "cmH2O",
    "kg/m2": "kg/m2",
    "/[HPF]": "/hpf",
    "/[LPF]": "/lpf",
}


@dataclass
class Timeline:
    """A patient's events sorted by time and indexed by kind, ready to render many prompts."""

    patient_id: str
    birth_date: date | None
    sex: str | None
    by_kind: dict[str, Events] = field(default_factory=dict)
    last_time: datetime | None = None
    # Per-timeline caches, filled as prompts are rendered (`ehr_adapters.sections`, `_lines`).
    key_index: dict[tuple[str, bool], Any] = field(default_factory=dict, repr=False)
    shown: dict[tuple, list[int]] = field(default_factory=dict, repr=False)
    prefixes: dict[tuple[str, bool], list[str | None]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_rows(cls, patient_id: str, birth: date | None, sex: str | None, rows: list[Row]) -> Timeline:
        """Rows must be sorted by time; rows without a time are static facts and are not shown."""
        tl = cls(patient_id, birth, sex)
        by_kind: dict[str, list[Row]] = {}
        last = None
        for row in rows:
            if row[0] is None:
                continue
            by_kind.setdefault(row[1], []).append(row)
            last = row[0] if last is None or row[0] > last else last
        for kind, kept in by_kind.items():
            times, _kind, *rest = map(list, zip(*kept, strict=True))
            tl.by_kind[kind] = Events(times, *rest)
        tl.last_time = _EPOCH + timedelta(microseconds=last) if last is not None else None
        return tl

    @classmethod
    def from_record(cls, record: PatientRecord) -> Timeline:
        rows = [
            (
                _us(e.time),
                e.kind,
                e.code,
                e.display or e.code,
                e.value,
                e.unit,
                e.text,
                _us(e.end) if e.end is not None else None,
            )
            for e in record.events
            if e.time is not None
        ]
        rows.sort(key=_row_order)
        return cls.from_rows(record.patient_id, record.birth_date, record.sex, rows)


def _row_order(row: Row) -> tuple:
    # time, then code and value: the text does not depend on the order events arrive in
    return (row[0], row[2], row[4] is None, row[4] or 0.0, row[6] is None, row[6] or "")


_CACHE: OrderedDict[int, tuple[PatientRecord, int, Timeline]] = OrderedDict()


def _timeline_for(record: PatientRecord) -> Timeline:
    # Keyed by id(record) while holding a reference (so the id cannot be reused); rebuilt if events change.
    hit = _CACHE.get(id(record))
    if hit is not None and hit[0] is record and hit[1] == len(record.events):
        _CACHE.move_to_end(id(record))
        return hit[2]
    tl = Timeline.from_record(record)
    _CACHE[id(record)] = (record, len(record.events), tl)
    if len(_CACHE) > 16:
        _CACHE.popitem(last=False)
    return tl


def serialize(
    record: PatientRecord,
    *,
    prediction_time: datetime | None = None,
    max_tokens: int = 1024,
    tokenizer: Any = None,
) -> str:
    """Render `record` as prompt text using only events at or before `prediction_time` (see module doc)."""
    return serialize_timeline(
        _timeline_for(record), prediction_time=prediction_time, max_tokens=max_tokens, tokenizer=tokenizer
    )


def serialize_timeline(
    tl: Timeline, *, prediction_time: datetime | None = None, max_tokens: int = 1024, tokenizer: Any = None
) -> str:
    """`serialize` for a prebuilt Timeline (what `serialize` and the MEDS fast path both call)."""
    if max_tokens < 16:
        raise ValueError(f"max_tokens={max_tokens} is too small for a patient summary; use at least 16")
    now = prediction_time or tl.last_time
    count = _counter(tokenizer)
    header = _header(tl, now, prediction_time is not None)
    now_us = _us(now) if now is not None else None
    budget = max_tokens - sum(count(line) for line in header)
    # each section's lines in display order (at most its cap; ~75 lines, of which ~74 are usually shown)
    candidates = [_lines(tl, kind, mode, cap, now_us) for _, kind, mode, cap, _ in _SECTIONS]
    if tokenizer is None:  # `count` inlined: ~400 lines per prompt
        costs = [[(len(line) + 4) // 4 for line in lines] for lines in candidates]
    else:
        costs = [[count(line) for line in lines] for lines in candidates]
    titles = [count(spec[0] + ":") if lines else 0 for spec, lines in zip(_SECTIONS, candidates, strict=True)]
    if sum(map(sum, costs)) + sum(titles) <= budget:
        chosen = candidates  # everything fits: what the fill below would pick, line for line
    else:
        chosen = _fill(candidates, costs, titles, budget)
    out = list(header)
    for (title, *_), lines in zip(_SECTIONS, chosen, strict=True):
        if lines:
            out.append(f"{title}:")
            out.extend(lines)
    text = "\n".join(out)
    if tokenizer is not None:
        # per-line counts can differ from the joined text by a token or two at line joins: trim to be exact
        while len(out) > len(header) and count(text) > max_tokens:
            out.pop()
            if out[-1].endswith(":"):
                out.pop()
            text = "\n".join(out)
    return text


def _fill(
    candidates: list[list[str]], costs: list[list[int]], titles: list[int], budget: int
) -> list[list[str]]:
    """The lines shown when not all fit: pass 1 gives each section its guaranteed share, pass 2 fills up
    to each cap in priority order; a section stops at its first line that does not fit."""
    taken = [0] * len(_SECTIONS)
    for limit in (4, 3):
        for i, spec in enumerate(_SECTIONS):
            section_costs, n = costs[i], taken[i]
            stop = min(spec[limit], len(section_costs))
            while n < stop:
                cost = section_costs[n] + (0 if n else titles[i])
                if cost > budget:
                    break
                budget -= cost
                n += 1
            taken[i] = n
    return [lines[:n] for lines, n in zip(candidates, taken, strict=True)]


def _counter(tokenizer: Any):
    if tokenizer is None:
        return lambda s: (len(s) + 4) // 4  # ceil((chars + 1 newline) / 4)
    return lambda s: len(tokenizer(s, add_special_tokens=False)["input_ids"]) + 1


def _header(tl: Timeline, now: datetime | None, explicit: bool) -> list[str]:
    parts = []
    if tl.birth_date is not None and now is not None:
        parts.append(f"{age_years(tl.birth_date, now)}-year-old")
    parts.append(tl.sex or "patient of unknown sex")
    lines = [f"Patient: {' '.join(parts)}."]
    if now is None:
        lines.append("No dated events in the record.")
    elif explicit:
        lines.append("Times are relative to now (the prediction time); nothing after now is shown.")
    else:
        lines.append("Times are relative to the last recorded event.")
    return lines


def _ago(now: int, then: int) -> str:
    minutes = (now - then) // 60_000_000
    if minutes < 90:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h ago"
    days = hours // 24
    if days < 60:
        return f"{days} d ago"
    if days < 730:
        return f"{int(days // 30.44)} mo ago"
    return f"{whole_years(days)} y ago"


_VALUE_TEXT: dict[tuple[float, str | None], str] = {}


def _value(value: float | None, unit: str | None, text: str | None) -> str:
    if value is None:
        return text or ""
    key = (value, unit)
    shown = _VALUE_TEXT.get(key)
    if shown is None:  # memoized: the same value and unit recur thousands of times in a record
        unit_text = _UNIT_DISPLAY.get(unit, unit) if unit else ""
        number = f"{value:.4g}" if abs(value) < 1e6 else f"{value:.0f}"
        shown = f"{number} {unit_text}".rstrip()
        if len(_VALUE_TEXT) < 200_000:
            _VALUE_TEXT[key] = shown
    return shown


def _lines(tl: Timeline, kind: str, mode: str, cap: int, now: int | None) -> list[str]:
    """The section's event lines at `now`: "- Sodium: 138 mEq/L (3 h ago)"; recent encounters show no
    value. The part before the time is formatted once per row and timeline, the time once per distance."""
    picks = section_rows(tl, kind, mode, cap, now)
    if not picks:
        return []
    recent = mode == "recent"
    events = tl.by_kind[kind]
    prefixes = tl.prefixes.get((kind, recent))
    if prefixes is None:
        prefixes = tl.prefixes[(kind, recent)] = [None] * len(events.times)
    for i in picks:
        if prefixes[i] is None:
            shown = None if recent else _value(events.values[i], events.units[i], events.texts[i])
            prefixes[i] = f"- {events.displays[i]}: {shown}" if shown else f"- {events.displays[i]}"
    # comprehensions, not one loop with appends: ~75 lines per prompt, thousands of prompts per build
    times = events.times
    minutes = [(now - times[i]) // 60_000_000 for i in picks]  # type: ignore[operator]
    keys = [m if m < 90 else -1 - m // 60 if m < 2880 else -1000 - m // 1440 for m in minutes]
    suffixes = [_AGO.get(k) for k in keys]
    if None in suffixes:
        for j, m in enumerate(minutes):
            if suffixes[j] is None:
                suffixes[j] = _ago_suffix(m, keys[j])
    return [prefixes[i] + suffix for i, suffix in zip(picks, suffixes, strict=True)]  # type: ignore[operator]


def _ago_suffix(minutes: int, key: int) -> str:
    """ " (3 h ago)" for a distance in whole minutes, memoized under `key` (see `_AGO`)."""
    suffix = f" ({_ago(minutes * 60_000_000, 0)})"
    if len(_AGO) < 200_000:
        _AGO[key] = suffix
    return suffix


# " (3 h ago)" by what its text depends on (`_ago`): the minutes below 90 (key = minutes), the whole hours
# below 48 h (key = -1 - hours) and the whole days beyond (key = -1000 - days). Keyed by the minutes alone,
# the memo missed on most lines: old events are at a different minute from every prediction time.
_AGO: dict[int, str] = {}


def meds_timelines(
    dataset: MedsDataset, subject_ids: list[int] | None = None, *, keep_empty: bool = False
) -> dict[int, Timeline]:
    """Timelines for MEDS subjects straight from the frame (no Event objects): same text as via records()."""
    import polars as pl

    frame = dataset.record_frame(subject_ids, None, keep_empty=keep_empty)
    demo = frame.filter((pl.col("code") == "MEDS_BIRTH") | pl.col("code").str.starts_with("GENDER//"))
    births = {
        s: t.date()
        for s, c, t in demo.select("subject_id", "code", "time").iter_rows()
        if c == "MEDS_BIRTH" and t is not None
    }
    sexes = {
        s: {"F": "female", "M": "male"}.get(c[8:], "other")
        for s, c in demo.select("subject_id", "code").iter_rows()
        if c.startswith("GENDER//")
    }
    shown = [spec[1] for spec in _SECTIONS]
    timed = frame.filter(pl.col("time").is_not_null())
    last = dict(timed.group_by("subject_id").agg(pl.col("time").max()).iter_rows())
    out = {
        int(s): Timeline(str(s), births.get(s), sexes.get(s), last_time=last.get(s))
        for s in frame.get_column("subject_id").unique(maintain_order=True).to_list()
    }
    timed = (
        timed.filter(pl.col("kind").is_in(shown))
        .with_columns(pl.col("time").dt.epoch("us").alias("t_us"))
        # each (subject, kind) contiguous, in time order within it (ties as _row_order)
        .sort(["subject_id", "kind", "t_us", "code", "numeric_value", "text_value"], nulls_last=True)
    )
    cols = ("t_us", "code", "display", "numeric_value", "unit", "text_value")
    columns = [_python_list(timed.get_column(c)) for c in cols]  # one conversion, then slices per group
    runs = (
        timed.select(pl.col("subject_id").rle_id().alias("s"), pl.col("kind").rle_id().alias("k"))
        .select(pl.struct("s", "k").rle().alias("r"))
        .unnest("r")
    )
    start = 0
    subjects, kinds = timed.get_column("subject_id"), timed.get_column("kind")
    for length in runs.get_column("len").to_list():
        part = [c[start : start + length] for c in columns]
        out[int(subjects[start])].by_kind[kinds[start]] = Events(*part, [None] * length)  # MEDS: no end times
        start += length
    return out


def _python_list(column: Any) -> list[Any]:
    """A column as a Python list; a string column with one Python string per distinct value, shared by
    its rows (a code recurs thousands of times: one string object per row made the MIMIC demo's
    timelines ~250 MB and cost their allocation and page faults)."""
    import polars as pl

    if column.dtype != pl.Utf8:
        return column.to_list()
    distinct = column.drop_nulls().unique(maintain_order=True)
    values = distinct.to_list()
    index = column.cast(pl.Enum(distinct)).to_physical().to_list()  # a null stays None
    if column.null_count():
        return [None if i is None else values[i] for i in index]
    return [values[i] for i in index]
