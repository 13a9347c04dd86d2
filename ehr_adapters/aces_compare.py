"""Row-by-row comparison of the ACES 30-day readmission cohort with ehrmind's own labeler, every difference named.

    table = compare_readmission(aces_cohort, label(dataset, ["readmission_30d"]), dataset)
    table.group_by("category").len()

`recipes/aces/readmission_30d.yaml` (MEDS-DEV's windows) and `ehr_adapters.ehrshot` (EHRSHOT's definition)
define the same outcome differently; this module says, for each row where they disagree, which definition
rule made the difference, recomputed from the raw events (admissions, discharges, last event), not
from either labeler's output. Rows are matched by (subject, calendar day of the prediction time), because ACES
predicts at the discharge instant and EHRSHOT at 11:59 pm that day. Categories (`CATEGORIES`):

- agree: both have the row, same label.
- aces_counts_same_day_admission: ACES's target window (discharge, discharge + 30 d] includes an admission later
  on the discharge day; EHRSHOT starts counting 1 minute after 11:59 pm.
- ours_counts_window_tail: an admission in (discharge + 30 d, 11:59 pm + 30 d]: inside EHRSHOT's window, after
  ACES's.
- ours_skips_same_day_readmission: EHRSHOT drops a discharge followed by an admission the same day (including
  one at the discharge's own minute, which ACES's (discharge, ...] window does not see).
- one_row_per_day: several discharges on one day; EHRSHOT predicts once per day (the last discharge).
- discharge_not_paired: the discharge is not the first discharge after any admission, which is how our labeler
  pairs visits; ACES only asks for some admission before it.
- aces_censors: the record has no event after discharge + 30 d (ACES's censoring window); EHRSHOT keeps the
  row because it is a readmission (femr's `TimeHorizonEventLabeler` censors only rows without the outcome).
- ours_censors: EHRSHOT's censoring, counted from 11:59 pm (no readmission in the window and the record's
  last event before 11:59 pm + 30 d), drops a row that ACES keeps.
- unexplained: none of the above; a test fails on any such row.

Neither definition looks at death: a discharge followed by death keeps its row in both (EHRSHOT's
`Guo_30DayReadmissionLabeler` has no death exclusion), so no category names it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import datetime, timedelta

import polars as pl

from ehr_adapters.ehrshot_spec import END_OF_DAY, TASKS
from ehr_adapters.meds import MedsDataset

CATEGORIES = (
    "agree",
    "aces_counts_same_day_admission",
    "ours_counts_window_tail",
    "ours_skips_same_day_readmission",
    "one_row_per_day",
    "discharge_not_paired",
    "aces_censors",
    "ours_censors",
    "unexplained",
)
_ACES_WINDOW = timedelta(days=30)  # recipes/aces/readmission_30d.yaml: target (trigger, start + 30d]
# EHRSHOT's outcome window (and, as END_OF_DAY, its prediction time of day), as our labeler declares them
_OURS_START, _OURS_WINDOW = TASKS["readmission_30d"].window  # (1 minute, 30 days) after the prediction time


class _Timeline:
    """One subject's admission and discharge times and last event (sorted), for the explanations."""

    def __init__(self) -> None:
        self.admits: list[datetime] = []
        self.discharges: list[datetime] = []
        self.last: datetime | None = None

    def admits_in(self, lo: datetime, hi: datetime) -> bool:
        """Any admission in (lo, hi]."""
        return bisect_right(self.admits, hi) > bisect_right(self.admits, lo)

    def admits_from(self, lo: datetime, hi: datetime) -> bool:
        """Any admission in [lo, hi] (an admission at the discharge's own minute is a readmission too)."""
        return bisect_right(self.admits, hi) > bisect_left(self.admits, lo)

    def paired(self, discharge: datetime) -> bool:
        """Is `discharge` the first discharge at or after some admission (our labeler's visit pairing)?"""
        for admit in self.admits:
            i = bisect_left(self.discharges, admit)
            if i < len(self.discharges) and self.discharges[i] == discharge:
                return True
        return False


def _timelines(dataset: MedsDataset) -> dict[int, _Timeline]:
    events = dataset.frame().filter(pl.col("time").is_not_null()).select("subject_id", "time", "code")
    out: dict[int, _Timeline] = defaultdict(_Timeline)
    for subject, last in events.group_by("subject_id").agg(pl.col("time").max()).iter_rows():
        out[subject].last = last
    marked = events.filter(
        pl.col("code").str.starts_with("HOSPITAL_ADMISSION//")
        | pl.col("code").str.starts_with("HOSPITAL_DISCHARGE//")
    ).sort("subject_id", "time")
    for subject, time, code in marked.iter_rows():
        tl = out[subject]
        if code.startswith("HOSPITAL_ADMISSION//"):
            tl.admits.append(time)
        else:
            tl.discharges.append(time)
    for tl in out.values():
        tl.admits = sorted(set(tl.admits))
        tl.discharges = sorted(set(tl.discharges))
    return out


def compare_readmission(aces: pl.DataFrame, ours: pl.DataFrame, dataset: MedsDataset) -> pl.DataFrame:
    """One row per (subject, day) in either cohort (more for days with several ACES discharges).

    `aces`: subject_id, prediction_time (the discharge), label (bool) from `extract_cohort`.
    `ours`: subject_id, prediction_time, label ("yes"/"no") from `ehrshot.label(..., ["readmission_30d"])`.
    Returns subject_id, day, aces_time, aces_label, ours_time, ours_label, category."""
    timelines = _timelines(dataset)
    ours_by_day = {
        (s, t.date()): (t, label == "yes")
        for s, t, label in ours.select("subject_id", "prediction_time", "label").iter_rows()
    }
    aces_by_day: dict[tuple[int, object], list[tuple[datetime, bool]]] = defaultdict(list)
    for s, t, label in aces.select("subject_id", "prediction_time", "label").iter_rows():
        aces_by_day[(s, t.date())].append((t, bool(label)))
    rows = []
    for key in sorted(set(ours_by_day) | set(aces_by_day)):
        subject, day = key
        tl = timelines.get(subject, _Timeline())
        ours_row = ours_by_day.get(key)
        aces_rows = sorted(aces_by_day.get(key, []))
        if not aces_rows:
            discharge = _last_discharge_on(tl, day)
            category = _ours_only(tl, discharge)
            rows.append((subject, day, None, None, ours_row[0], ours_row[1], category))
            continue
        for i, (t, aces_label) in enumerate(aces_rows):
            last_of_day = i == len(aces_rows) - 1
            if ours_row is None or not last_of_day:
                category = _aces_only(tl, t, several=not last_of_day)
                rows.append((subject, day, t, aces_label, None, None, category))
                continue
            category = _both(tl, t, aces_label, ours_row[1])
            rows.append((subject, day, t, aces_label, ours_row[0], ours_row[1], category))
    schema = {
        "subject_id": pl.Int64, "day": pl.Date, "aces_time": pl.Datetime("us"), "aces_label": pl.Boolean,
        "ours_time": pl.Datetime("us"), "ours_label": pl.Boolean, "category": pl.Utf8,
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def _day_end(t: datetime) -> datetime:
    return datetime.combine(t.date(), datetime.min.time()) + END_OF_DAY


def _last_discharge_on(tl: _Timeline, day) -> datetime | None:
    same_day = [d for d in tl.discharges if d.date() == day]
    return same_day[-1] if same_day else None


def _both(tl: _Timeline, t: datetime, aces_label: bool, ours_label: bool) -> str:
    if aces_label == ours_label:
        return "agree"
    if aces_label and tl.admits_in(t, _day_end(t)):
        return "aces_counts_same_day_admission"
    if ours_label and tl.admits_in(t + _ACES_WINDOW, _day_end(t) + _OURS_WINDOW):
        return "ours_counts_window_tail"
    return "unexplained"


def _aces_only(tl: _Timeline, t: datetime, *, several: bool) -> str:
    if several:
        return "one_row_per_day"
    if tl.admits_from(t, _day_end(t)):
        return "ours_skips_same_day_readmission"
    if not tl.paired(t):
        return "discharge_not_paired"
    horizon_end = _day_end(t) + _OURS_WINDOW
    readmitted = tl.admits_from(_day_end(t) + _OURS_START, horizon_end)
    if not readmitted and tl.last is not None and tl.last < horizon_end:  # femr: end_time < t + 30 d
        return "ours_censors"
    return "unexplained"


def _ours_only(tl: _Timeline, discharge: datetime | None) -> str:
    if discharge is None:
        return "unexplained"
    if tl.last is None or tl.last <= discharge + _ACES_WINDOW:
        return "aces_censors"
    return "unexplained"
