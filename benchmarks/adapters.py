"""Adapter throughput: MIMIC-IV demo -> EHRSHOT labels + calculator inputs + prompts, and FHIR read rates.

    cd /work/main && python benchmarks/adapters.py            # uses ../shared/data
    python benchmarks/adapters.py --data /path/to/shared/data --reps 5

What is timed, on one core (polars is limited to one thread before it is imported):
1. `read_meds` on the MIMIC-IV demo (916k events; validation, dedup and unit checks included);
2. every event-derived EHRSHOT label (`ehrshot.label`), and the same labeling written in plain pandas
   (checked to give identical labels), to report the speed ratio;
3. calculator concept extraction: for each labelled (patient, prediction time), the latest value of every
   calculator concept within 24 h (`concept_events` + an as-of join);
4. one serialized prompt per distinct (patient, prediction time), 1024-token budget.
Then FHIR bundles/s and resources/s on the Synthea bundles, strict (R4B validation) vs lenient.
Targets from issue #5: pipeline < 5 s, label scan >= 1M events/s, peak RSS < 2 GB, lenient >= 5x strict.
"""

from __future__ import annotations

import os

os.environ.setdefault("POLARS_MAX_THREADS", "1")  # one core, as the target says; must precede the import

import argparse  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

import polars as pl  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.adapters_pandas import pandas_labels, pandas_read  # noqa: E402
from ehr_adapters import ehrshot  # noqa: E402
from ehr_adapters.fhir import read_fhir  # noqa: E402
from ehr_adapters.fhir_extract import _parse_datetime  # noqa: E402
from ehr_adapters.meds import read_meds  # noqa: E402
from ehr_adapters.serialize import meds_timelines, serialize_timeline  # noqa: E402
from ehr_adapters.ucum import is_ucum  # noqa: E402

FRESHNESS = timedelta(hours=24)


CPU: dict[str, float] = {}  # step -> CPU seconds (all threads): an upper bound on one-core time


def _timed(fn, *args, **kwargs):
    """Run fn; return (result, wall seconds) and record CPU seconds under fn's name."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    CPU[fn.__name__] = CPU.get(fn.__name__, 0.0) + time.process_time() - cpu
    return out, time.perf_counter() - start


def calc_inputs(ds, labels: pl.DataFrame) -> pl.DataFrame:
    """Latest value of each calculator concept within FRESHNESS before each (subject, prediction time)."""
    concepts = ds.concept_events().sort("time")
    points = labels.select("subject_id", "prediction_time").unique()
    kinds = concepts.select("concept").unique()
    grid = points.join(kinds, how="cross").sort("prediction_time")
    joined = grid.join_asof(
        concepts,
        left_on="prediction_time",
        right_on="time",
        by=["subject_id", "concept"],
        strategy="backward",
        tolerance=FRESHNESS,
        check_sortedness=False,
    )
    return joined.filter(pl.col("numeric_value").is_not_null())


def _prompts(timelines, pairs) -> list[str]:
    return [serialize_timeline(timelines[s], prediction_time=t, max_tokens=1024) for s, t in pairs]


def mimic(data: Path) -> dict:
    path = data / "mimic-iv-demo-meds"
    raw_events = pl.scan_parquet(path / "events.parquet").select(pl.len()).collect().item()
    ds, t_read = _timed(read_meds, path)  # validates, dedups and builds the code table (unit check)
    labels, t_label = _timed(ehrshot.label, ds)
    inputs, t_calc = _timed(calc_inputs, ds, labels)
    timelines, t_tl = _timed(meds_timelines, ds)
    pairs = labels.select("subject_id", "prediction_time").unique().rows()
    prompts, t_prompts = _timed(_prompts, timelines, pairs)
    pd_events, t_pandas_read = _timed(pandas_read, path / "events.parquet")
    pd_labels, t_pandas = _timed(pandas_labels, pd_events, ds.code_table())
    t_pandas += t_pandas_read
    ours = labels.sort("task", "subject_id", "prediction_time", "label")
    theirs = pd_labels.sort("task", "subject_id", "prediction_time", "label")
    return {
        "raw_events": raw_events,
        "kept_events": ds.report.counts["events"],
        "labels": labels.height,
        "label_tasks": labels["task"].n_unique(),
        "calc_rows": inputs.height,
        "prompts": len(prompts),
        "mean_prompt_chars": sum(map(len, prompts)) / max(1, len(prompts)),
        "t_read": t_read,
        "t_label": t_label,
        "t_calc": t_calc,
        "t_prompts": t_tl + t_prompts,
        "t_pandas": t_pandas,
        "identical": ours.equals(theirs),
        "cpu_pipeline": sum(
            CPU[k] for k in ("read_meds", "label", "calc_inputs", "meds_timelines", "_prompts")
        ),
        "cpu_read_label": CPU["read_meds"] + CPU["label"],
        "cpu_pandas": CPU["pandas_labels"] + CPU["pandas_read"],
        "cpu_pandas_label": CPU["pandas_labels"],
    }


def fhir(data: Path, reps: int) -> dict:
    folder = data / "fhir-synthea"
    read_fhir(folder), read_fhir(folder, strict=True)  # warm-up: imports and model building
    out = {}
    for strict in (False, True):
        n = reps * (4 if not strict else 1)
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            (
                _parse_datetime.cache_clear(),
                is_ucum.cache_clear(),
            )  # each pass starts cold: no reuse across passes
            records, report = read_fhir(folder, strict=strict)
        elapsed = (time.perf_counter() - start) / n
        cpu_s = (time.process_time() - cpu) / n
        resources = sum(v for k, v in report.counts.items() if k.startswith("resources:"))
        out["strict" if strict else "lenient"] = {
            "bundles_s": report.counts["bundles"] / elapsed,
            "resources_s": resources / elapsed,
            "bundles_cpu": report.counts["bundles"] / cpu_s,
            "resources_cpu": resources / cpu_s,
            "seconds": elapsed,
            "cpu": cpu_s,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--reps", type=int, default=8, help="FHIR strict passes (lenient runs 4x as many)")
    args = parser.parse_args()
    # FHIR first: the large live heap left by the MIMIC run would slow JSON parsing through GC passes
    f = fhir(args.data, args.reps)
    m = mimic(args.data)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = m["t_read"] + m["t_label"] + m["t_calc"] + m["t_prompts"]
    ratio_fhir = f["lenient"]["resources_s"] / f["strict"]["resources_s"]
    print(
        f"command: POLARS_MAX_THREADS={os.environ['POLARS_MAX_THREADS']} python benchmarks/adapters.py --data {args.data}"
    )
    print()
    c = CPU
    cpu_prompts = c["meds_timelines"] + c["_prompts"]
    print("| MIMIC-IV demo, one core | wall | CPU | target |")
    print("|---|---|---|---|")
    print(f"| events in file / kept after dedup | {m['raw_events']:,} / {m['kept_events']:,} | | |")
    print(f"| read + validate (read_meds) | {m['t_read']:.2f} s | {c['read_meds']:.2f} s | |")
    print(
        f"| EHRSHOT labels ({m['label_tasks']} tasks, {m['labels']:,}) | {m['t_label']:.2f} s | {c['label']:.2f} s | |"
    )
    print(
        f"| label scan rate (file events / label time) | {m['raw_events'] / m['t_label'] / 1e6:.1f} M/s "
        f"| {m['raw_events'] / c['label'] / 1e6:.1f} M/s | >= 1 M/s |"
    )
    print(
        f"| calc concept extraction ({m['calc_rows']:,} inputs) | {m['t_calc']:.2f} s | {c['calc_inputs']:.2f} s | |"
    )
    print(
        f"| prompts ({m['prompts']:,}, mean {m['mean_prompt_chars']:.0f} chars) | {m['t_prompts']:.2f} s "
        f"| {cpu_prompts:.2f} s | |"
    )
    print(f"| **pipeline total** | **{total:.2f} s** | **{m['cpu_pipeline']:.2f} s** | < 5 s |")
    print(
        f"| end-to-end scan rate | {m['raw_events'] / total / 1e6:.2f} M/s "
        f"| {m['raw_events'] / m['cpu_pipeline'] / 1e6:.2f} M/s | |"
    )
    print(
        f"| pandas labeling, read + label (labels identical: {m['identical']}) | {m['t_pandas']:.2f} s "
        f"| {m['cpu_pandas']:.2f} s | |"
    )
    print(
        f"| pandas / polars, read + label | {m['t_pandas'] / (m['t_read'] + m['t_label']):.1f}x "
        f"| {m['cpu_pandas'] / m['cpu_read_label']:.1f}x | |"
    )
    print(f"| pandas / polars, label only | | {m['cpu_pandas_label'] / c['label']:.1f}x | |")
    print(f"| peak RSS (whole run) | {peak_mb:,.0f} MB | | < 2048 MB |")
    print(f"| load average during run | {os.getloadavg()[0]:.1f} | | |")
    print()
    print(
        "| FHIR Synthea bundles (5 files, 2.7 MB) | bundles/s (wall) | resources/s (wall) | bundles/s (CPU) "
        "| resources/s (CPU) |"
    )
    print("|---|---|---|---|---|")
    for mode in ("lenient", "strict"):
        r = f[mode]
        print(
            f"| {mode} | {r['bundles_s']:.1f} | {r['resources_s']:,.0f} | {r['bundles_cpu']:.1f} "
            f"| {r['resources_cpu']:,.0f} |"
        )
    ratio_cpu = f["lenient"]["resources_cpu"] / f["strict"]["resources_cpu"]
    print(f"| lenient / strict (target >= 5x) | {ratio_fhir:.1f}x | | {ratio_cpu:.1f}x | |")


if __name__ == "__main__":
    main()
