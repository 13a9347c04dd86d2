"""ACES cohort extraction vs ehrmind's own labeler: 30-day readmission on the MIMIC-IV demo, same run.

    python benchmarks/aces_cohorts.py                       # uses ../shared/data, 3 repetitions
    python benchmarks/aces_cohorts.py --data /path/to/shared/data --reps 5

Both start from the same validated `read_meds` dataset (read once, not timed in either) and produce the same
kind of output (subject, prediction time, label) for the readmission task:
- ACES (es-aces): `ehr_adapters.aces.extract_cohort` with `recipes/aces/readmission_30d.yaml` and the MIMIC
  predicates: writing the temporary MEDS shard (timed separately, then included), predicate columns, the
  window-tree query;
- ours: `ehr_adapters.ehrshot.label(dataset, ["readmission_30d"])`.
Polars is limited to one thread (set before the import) so figures compare on one core. The cohort sizes and
the comparison categories (`ehr_adapters.aces_compare`) are printed with the times. (Not named aces.py: the
script's folder comes first on sys.path and a benchmarks/aces.py would shadow the es-aces package.)
"""

from __future__ import annotations

import os

os.environ.setdefault("POLARS_MAX_THREADS", "1")  # one core for both; must precede the polars import

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ehr_adapters.aces import extract_cohort, load_task, write_meds_shards  # noqa: E402
from ehr_adapters.aces_compare import compare_readmission  # noqa: E402
from ehr_adapters.ehrshot import label  # noqa: E402
from ehr_adapters.meds import read_meds  # noqa: E402

TASK = REPO / "recipes" / "aces" / "readmission_30d.yaml"
PREDICATES = REPO / "recipes" / "aces" / "predicates" / "mimic_iv.yaml"


def _times(fn, reps: int) -> tuple[list[float], object]:
    out, result = [], None
    for _ in range(reps):
        start = time.perf_counter()
        result = fn()
        out.append(time.perf_counter() - start)
    return out, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()

    events = args.data / "mimic-iv-demo-meds" / "events.parquet"
    dataset = read_meds(events)
    dataset.frame()  # collect once, outside both timings
    n_events = dataset.frame().height
    task = load_task(TASK, PREDICATES)

    with tempfile.TemporaryDirectory() as tmp:
        shard_times, _ = _times(lambda: write_meds_shards(dataset, tmp), args.reps)
    aces_times, cohort = _times(lambda: extract_cohort(dataset, task), args.reps)
    ours_times, ours = _times(lambda: label(dataset, ["readmission_30d"]), args.reps)

    aces_med, ours_med = statistics.median(aces_times), statistics.median(ours_times)
    print(f"MIMIC-IV demo: {n_events:,} events after validation; {args.reps} repetitions, median (min-max)")
    print(f"  temporary MEDS shard write : {_fmt(shard_times)}  (included in ACES below)")
    print(f"  ACES extract_cohort        : {_fmt(aces_times)}  -> {cohort.height} rows")
    print(f"  ehrmind ehrshot.label      : {_fmt(ours_times)}  -> {ours.height} rows")
    print(f"  ratio ACES / ours          : {aces_med / ours_med:.0f}x")
    table = compare_readmission(cohort, ours, dataset)
    for category, n in table.group_by("category").len().sort("len", descending=True).iter_rows():
        print(f"  rows {category:<32}: {n}")


def _fmt(times: list[float]) -> str:
    return f"{statistics.median(times):7.3f} s ({min(times):.3f}-{max(times):.3f})"


if __name__ == "__main__":
    main()
