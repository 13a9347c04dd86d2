"""The measurement lines of MIMIC demo prompts, recounted from the raw events with plain polars.

Why: what the model sees is the prompt. `ehr_adapters.serialize` picks, for each lab and vital sign, the
latest value at or before the prediction time (through per-timeline indexes, caches and a budget), then
formats it. Here the same prompts (the build's MEDS fast path, with a budget large enough that only the
section caps apply) are checked against `events.parquet` read with polars alone: every line's number is the
latest raw value of its code at or before that time (4 significant digits) and its "N h ago" is that event's
distance, counted with the documented rule; a section that is under its cap shows every code that has a
value by then; nothing after the prediction time is shown (each line's event is at or before it, and
prompts one minute before an event do not show it). The one thing taken from the adapter is the name
table (code -> display, kind), which is data, not the logic under test.

    cd /work/main && python -m pytest tests/adapters/test_serialize_recount.py -q
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from ehr_adapters.meds import read_meds
from ehr_adapters.serialize import meds_timelines, serialize_timeline

MIMIC = Path(__file__).resolve().parents[3] / "shared" / "data" / "mimic-iv-demo-meds"

pytestmark = pytest.mark.skipif(not MIMIC.exists(), reason="needs ../shared/data/mimic-iv-demo-meds")
SECTIONS = {"Most recent labs:": ("lab", 25), "Most recent vital signs:": ("vital", 20)}


def _ago(minutes: int) -> str:
    """The documented relative time (module docstring of ehr_adapters.serialize), written out again."""
    if minutes < 90:
        return f"{minutes} min ago"
    if minutes // 60 < 48:
        return f"{minutes // 60} h ago"
    days = minutes // 1440
    if days < 60:
        return f"{days} d ago"
    if days < 730:
        return f"{int(days // 30.44)} mo ago"
    return f"{int(days // 365.25)} y ago"


def _sections(text: str) -> dict[str, list[tuple[str, str, str]]]:
    """Section title -> [(display, number, relative time)] of its "- Name: 7.1 mg/dL (3 h ago)" lines."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    current = None
    for line in text.splitlines():
        if not line.startswith("- "):
            current = line if line in SECTIONS else None
            if current:
                out[current] = []
            continue
        if current:
            head, _, ago = line[2:].rpartition(" (")
            display, _, shown = head.rpartition(": ")
            out[current].append((display, shown.split(" ")[0], ago.rstrip(")")))
    return out


@pytest.fixture(scope="module")
def cases():
    raw = pl.read_parquet(MIMIC / "events.parquet").filter(pl.col("value").is_not_null())
    subjects = sorted(raw.get_column("subject_id").unique().to_list())[::5]  # 20 patients
    timelines = meds_timelines(read_meds(MIMIC), subjects)
    out = []
    for subject in subjects:
        tl = timelines[subject]
        names = {}  # code -> (kind, display): the adapter's name table
        for kind in ("lab", "vital"):
            events = tl.by_kind.get(kind)
            if events is not None:
                names.update({c: (kind, d) for c, d in zip(events.codes, events.displays, strict=True)})
        mine = raw.filter(pl.col("subject_id") == subject, pl.col("code").is_in(list(names)))
        times = sorted(mine.get_column("time").unique().to_list())
        for when in (times[len(times) // 10], times[len(times) // 2], times[-1]):
            for now in (when, when - timedelta(minutes=1)):  # an event at `now` counts; one minute later not
                out.append((subject, now, names, mine.filter(pl.col("time") <= now), tl))
    return out


def test_every_measurement_line_is_the_latest_raw_value_at_its_time(cases) -> None:
    checked = 0
    for subject, now, names, before, tl in cases:
        text = serialize_timeline(tl, prediction_time=now, max_tokens=1_000_000)
        latest = (
            before.filter(pl.col("time") == pl.col("time").max().over("code"))
            .group_by("code")
            .agg(pl.col("time").first(), pl.col("value"))
        )
        by_display: dict[tuple[str, str], list[tuple[datetime, list[float]]]] = {}
        for code, time, values in latest.iter_rows():
            by_display.setdefault(names[code], []).append((time, values))
        sections = _sections(text)
        for title, (kind, cap) in SECTIONS.items():
            lines = sections.get(title, [])
            codes_with_value = sum(1 for code in latest.get_column("code").to_list() if names[code][0] == kind)
            # under its cap, a section shows every code that has a value by now; never more than the cap
            assert len(lines) == min(cap, codes_with_value), (subject, now, title, len(lines), codes_with_value)
            for display, number, ago in lines:
                found = [
                    (time, values)
                    for time, values in by_display.get((kind, display), [])
                    if number in {f"{float(f'{v:.7g}'):.4g}" for v in values}
                    and ago == _ago(int((now - time).total_seconds()) // 60)
                ]
                assert found, (subject, now, display, number, ago, by_display.get((kind, display)))
                checked += 1
    assert checked > 2000, checked
