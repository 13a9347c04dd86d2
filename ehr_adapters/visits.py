"""Hospital visits and ICU stays as intervals, from start/end events that may share a minute.

MIMIC-style MEDS has no visit id on events: a visit is a `HOSPITAL_ADMISSION//...` event and the next
`HOSPITAL_DISCHARGE//...` event; an ICU stay is `ICU_ADMISSION//...` to `ICU_DISCHARGE//...`. Pairing each
start with "the next end" breaks when a readmission starts at the very minute the previous visit ends
(the readmission would take the earlier discharge). So starts and ends are walked in time order with an
open/closed state: at one instant, an open interval is closed first, then new ones open; a start and an
end at one instant with nothing open is a zero-length interval (EHRSHOT drops those: start == end).
Starts without an end and ends without a start are returned as anomalies so callers can count them.

The walk is a plain loop over the start/end events only (a few per patient), not over all events.
"""

from __future__ import annotations

from itertools import groupby

import polars as pl

_SCHEMA = {"subject_id": pl.Int64, "start": pl.Datetime("us"), "end": pl.Datetime("us")}


def pair_intervals(starts: pl.DataFrame, ends: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, int]]:
    """(subject_id, start, end) intervals with start < end, and counts of anomalies by kind.

    `starts` and `ends` have columns subject_id, time (duplicates at one instant count once)."""
    marks = (
        pl.concat(
            [
                starts.select("subject_id", "time", pl.lit(1, pl.Int8).alias("is_start")),
                ends.select("subject_id", "time", pl.lit(0, pl.Int8).alias("is_start")),
            ]
        )
        .unique()
        .sort("subject_id", "time", "is_start")
    )
    out: list[tuple] = []
    anomalies = {"start without end": 0, "end without start": 0, "zero-length": 0}
    rows = marks.iter_rows()
    for subject, group in groupby(rows, key=lambda r: r[0]):
        open_at = None
        for time, instant in groupby(group, key=lambda r: r[1]):
            kinds = {r[2] for r in instant}
            has_end, has_start = 0 in kinds, 1 in kinds
            if has_end and open_at is not None:
                out.append((subject, open_at, time))
                open_at, has_end = None, False
            if has_end and has_start:  # nothing was open: a zero-length interval at this instant
                anomalies["zero-length"] += 1
                continue
            if has_end:
                anomalies["end without start"] += 1
            if has_start:
                if open_at is not None:  # a second start while one is open: the first never ended
                    anomalies["start without end"] += 1
                open_at = time
        if open_at is not None:
            anomalies["start without end"] += 1
    frame = pl.DataFrame(out, schema=_SCHEMA, orient="row")
    return frame, {k: v for k, v in anomalies.items() if v}
