"""End-to-end `ehrmind data build` on the MIMIC-IV demo, through the CLI, as a user runs it.

    python benchmarks/build_e2e.py                        # 3 timed runs after 1 warm-up, ../shared/data
    python benchmarks/build_e2e.py --reps 5 --data /path/to/shared/data
    python benchmarks/build_e2e.py --reps 4 --against ../base  # same-moment A/B with another checkout

Each run is a fresh process: `ehrmind data build --source meds:<demo> --tasks ehrshot,calc --out <tmp>`
(read -> labels -> prompts -> splits -> parquet + manifest.json), so imports count too. The warm-up run
fills Python's bytecode cache (PYTHONDONTWRITEBYTECODE is unset for the child: an installed package has
its .pyc files; without them sympy alone compiles for seconds). Reported: wall seconds (median, min),
CPU seconds (user + sys of the child), peak RSS, and the 1-minute load average before and after, because
a loaded machine inflates wall time. Target from issue #12: < 5 s wall on 2 cores.

Beside each run it times a fixed pure-Python workload in this process (`speed_probe`, no I/O, no
imports): a slow minute of the virtual machine shows there as well, so a slow build can be told from a
slow machine.

`--against DIR` runs the same build from another checkout (e.g. `git worktree add ../base <commit>`), its
runs alternated with this tree's, and prints both medians and their ratio: a virtual machine's speed can
drift by 25 % within minutes, so a before/after comparison is only fair when both run in the same minutes.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_once(demo: Path, out: Path, env: dict[str, str], tree: Path = ROOT) -> tuple[float, float, int]:
    """(wall s, child CPU s, child peak RSS KB) of one CLI build of the checkout `tree` (`python -m` from
    its root imports that checkout's packages first)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "ehrmind", "data", "build", "--source", f"meds:{demo}",
           "--tasks", "ehrshot,calc", "--out", str(out)]  # fmt: skip
    done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"build failed ({done.returncode}):\n{done.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss


def speed_probe() -> float:
    """CPU seconds of a fixed pure-Python workload (dict and str operations; 0.14-0.16 s on the 2-core
    development VM): the machine's speed at the moment, for reading the runs beside it."""
    start = time.process_time()
    table: dict[int, str] = {}
    for i in range(1_000_000):
        table[i & 1023] = str(i)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--against", type=Path, help="another checkout to alternate with (same-moment A/B)")
    args = parser.parse_args()
    demo = args.data / "mimic-iv-demo-meds"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["HF_HUB_OFFLINE"] = "1"
    if args.against is not None:
        compare(demo, env, args.against.resolve(), args.reps)
        return
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        run_once(demo, Path(tmp) / "warm", env)
        runs, probes = [], []
        for i in range(args.reps):
            runs.append(run_once(demo, Path(tmp) / f"run{i}", env))
            probes.append(speed_probe())
        rows = (Path(tmp) / "run0" / "manifest.json").read_text()
    load_after = os.getloadavg()[0]
    walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
    import json

    manifest = json.loads(rows)
    print(f"cores: {os.cpu_count()}  load average (1 min) before {load_before:.1f}, after {load_after:.1f}")
    print(f"rows written: {manifest['rows']}  tasks: {len(manifest['counts'])}")
    print(f"wall s: median {statistics.median(walls):.2f}, min {min(walls):.2f}  (runs: "
          + ", ".join(f"{w:.2f}" for w in walls) + ")")  # fmt: skip
    print(f"CPU s (user+sys): median {statistics.median(cpus):.2f}, min {min(cpus):.2f}")
    print(f"peak RSS: {max(r[2] for r in runs) / 1024:.0f} MB")
    print("speed probe s after each run (higher: a slower machine): " + ", ".join(f"{p:.3f}" for p in probes))


def compare(demo: Path, env: dict[str, str], other: Path, reps: int) -> None:
    """Alternate builds of `other` and of this tree (one warm-up each), then print both and the ratio."""
    if not (other / "ehrmind" / "__main__.py").exists():
        raise SystemExit(f"--against {other}: not an ehrmind checkout (no ehrmind/__main__.py)")
    trees = {"against": other, "this tree": ROOT}
    walls: dict[str, list[float]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory() as tmp:
        for name, tree in trees.items():
            run_once(demo, Path(tmp) / f"warm-{name}", env, tree)
        for i in range(reps):
            for name, tree in trees.items():
                walls[name].append(run_once(demo, Path(tmp) / f"{name}-{i}", env, tree)[0])
    for name, tree in trees.items():
        runs = ", ".join(f"{w:.2f}" for w in walls[name])
        print(f"{name} ({tree}): wall median {statistics.median(walls[name]):.2f} s (runs: {runs})")
    ratio = statistics.median(walls["against"]) / statistics.median(walls["this tree"])
    print(f"speed-up of this tree over --against, same minutes: {ratio:.2f}x")


if __name__ == "__main__":
    main()
