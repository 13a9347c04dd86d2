"""Mutation check: apply known MedCalc-Bench formula bugs (and a few of our own) to a copy of `calculators/`
and show that the calculator test suite fails on each one ("kills the mutant").

    cd /work/i10 && python benchmarks/mutation.py                 # every mutant (a few minutes)
    cd /work/i10 && python benchmarks/mutation.py --only ckd_epi_male_kappa --list

Why: a test suite that passes with the benchmark's own bugs in our code would let a wrong formula become
a reward. Each mutant is one exact text edit (old -> new, which must match exactly once, so a refactor
that moves the code makes the script fail loudly instead of testing nothing). The suite runs against a
temporary copy of the package placed first on sys.path (the child process checks it imported the copy),
with `pytest -x`, so a killed mutant stops at its first failing test. Exit status 1 when a mutant survives.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TESTS = "tests/calculators"


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str  # relative to calculators/
    old: str
    new: str
    why: str


MUTANTS = (
    Mutant(
        "ckd_epi_male_kappa",
        "defs/ckd_epi_2021.py",
        'Step("kappa", sp.Piecewise((0.7, sp.Eq(female, 1)), (0.9, True)), "κ")',
        'Step("kappa", sp.Piecewise((0.7, sp.Eq(female, 1)), (0.9, scr <= 0.9), (0.7, True)), "κ")',
        "MedCalc-Bench v1.0: κ = 0.7 in the male branch above Scr 0.9 mg/dL",
    ),
    Mutant(
        "gcs_verbal_twice",
        "defs/glasgow_coma_scale.py",
        'choice("verbal", _VERBAL, "Verbal response (V)"),',
        'choice("verbal", _VERBAL, "Verbal response (V)"),\n            choice("verbal", _VERBAL, "Verbal again"),',
        "MedCalc-Bench v1.0 explanations: the verbal score counted twice",
    ),
    Mutant(
        "meld_i_integer",
        "defs/meld_na.py",
        'Step("meld_i", sp.floor(10 * raw + HALF),',
        'Step("meld_i", 10 * sp.floor(raw + HALF),',
        "MedCalc-Bench: MELD(i) rounded to an integer before × 10 (OPTN: to the tenth)",
    ),
    Mutant(
        "due_date_sign",
        "defs/due_date.py",
        "adjustment = cycle - preg.STANDARD_CYCLE_DAYS",
        "adjustment = abs(cycle - preg.STANDARD_CYCLE_DAYS)",
        "MedCalc-Bench: adds |cycle − 28| days, so short cycles move the due date later",
    ),
    Mutant(
        "child_pugh_ascites_dropped",
        "defs/child_pugh.py",
        'choice("ascites", {"absent": 1, "slight": 2, "moderate": 3}, "Ascites"),',
        "",
        "MedCalc-Bench v1.0: ascites compared case-sensitively, so its points are silently dropped",
    ),
    Mutant(
        "conception_ignores_cycle",
        "defs/conception_date.py",
        "offset = preg.OVULATION_DAY_STANDARD + adjustment",
        "offset = preg.OVULATION_DAY_STANDARD",
        "MedCalc-Bench: conception always LMP + 14 days, ignoring the cycle length",
    ),
    Mutant(
        "sirs_heart_rate_threshold",
        "defs/sirs.py",
        'lambda v: 1 if round(v["heart_rate"], 9) > 90 else 0',
        'lambda v: 1 if round(v["heart_rate"], 9) >= 90 else 0',
        "off-by-one threshold (Bone 1992: > 90/min); MedCalc-Bench v1.0 counts ≤ 90 too",
    ),
    Mutant(
        "cockcroft_gault_no_female_factor",
        "defs/cockcroft_gault.py",
        'Step("sex_factor", sp.Piecewise((sp.Float(0.85), sp.Eq(female, 1)), (1, True)), "Sex factor")',
        'Step("sex_factor", sp.Piecewise((sp.Float(1.0), sp.Eq(female, 1)), (1, True)), "Sex factor")',
        "a dropped coefficient (Cockcroft & Gault 1976: × 0.85 for women)",
    ),
    Mutant(
        "map_weights_swapped",
        "defs/mean_arterial_pressure.py",
        "sp.UnevaluatedExpr(sbp + 2 * dbp) / 3",
        "sp.UnevaluatedExpr(2 * sbp + dbp) / 3",
        "swapped weights in MAP = (SBP + 2 × DBP) / 3",
    ),
    Mutant(
        "bazett_without_sqrt",
        "defs/qtc_bazett.py",
        'Step("qtc", qt / sp.sqrt(rr), "QTc (Bazett)")',
        'Step("qtc", qt / rr, "QTc (Bazett)")',
        "Bazett divides by √RR, not RR",
    ),
    Mutant(
        "creatinine_molar_mass",
        "units.py",
        'Analyte("creatinine", 113.12)',
        'Analyte("creatinine", 88.4)',
        "the µmol/L-per-mg/dL factor (88.4) mistaken for the molar mass (113.12 g/mol)",
    ),
    Mutant(
        "entity_keys_case_sensitive",
        "medcalc.py",
        'text = unicodedata.normalize("NFKC", str(key)).casefold()',
        'text = unicodedata.normalize("NFKC", str(key))',
        "issue 10: the v1.0 test split's 'Melena present' would no longer match 'Melena Present'",
    ),
    Mutant(
        "unknown_entity_key_skipped",
        "medcalc.py",
        "    raise UnmappedKeyError(key, calc.id)\n",
        '    return "skipped"\n',
        "issue 10: an unknown entity key silently ignored",
    ),
    Mutant(
        "comparator_loose_limits",
        "answers.py",
        "_MIN_DECIMALS = 3",
        "_MIN_DECIMALS = 1",
        "a grader widening every limit by 0.05 would pay wrong answers near the edge",
    ),
)

_CHILD = """
import sys
sys.path.insert(0, {copy!r})
import calculators
assert calculators.__file__.startswith({copy!r}), calculators.__file__
import pytest
sys.exit(pytest.main(["-x", "-q", "-p", "no:cacheprovider", {tests!r}]))
"""


def run_suite(copy: Path, timeout: float) -> tuple[int, float, str]:
    """Run the calculator tests against the package copy; (exit status, seconds, last output line)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD.format(copy=str(copy), tests=TESTS)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    failed = next((line for line in lines if line.startswith("FAILED")), lines[-1] if lines else "")
    return proc.returncode, time.perf_counter() - start, failed


def apply(copy: Path, mutant: Mutant) -> None:
    target = copy / "calculators" / mutant.path
    text = target.read_text(encoding="utf-8")
    if text.count(mutant.old) != 1:
        raise SystemExit(f"{mutant.name}: expected exactly one match of {mutant.old!r} in {mutant.path}")
    target.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="mutant names to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--skip-baseline", action="store_true", help="do not first check the suite passes")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per suite run")
    args = parser.parse_args()
    chosen = [m for m in MUTANTS if not args.only or m.name in args.only]
    if args.list:
        for m in chosen:
            print(f"{m.name:34} calculators/{m.path}: {m.why}")
        return 0
    rows, survivors = [], 0
    with tempfile.TemporaryDirectory(prefix="calc-mutants-") as tmp:
        if not args.skip_baseline:
            base = Path(tmp) / "baseline"
            shutil.copytree(REPO / "calculators", base / "calculators")
            status, seconds, last = run_suite(base, args.timeout)
            print(f"baseline (no mutation): exit {status} in {seconds:.0f} s: {last}", flush=True)
            if status != 0:
                print("the unmutated suite fails: fix it before judging mutants", file=sys.stderr)
                return 2
        for mutant in chosen:
            copy = Path(tmp) / mutant.name
            shutil.copytree(REPO / "calculators", copy / "calculators")
            apply(copy, mutant)
            status, seconds, last = run_suite(copy, args.timeout)
            killed = status != 0
            survivors += not killed
            rows.append((mutant, killed, seconds, last))
            print(f"{mutant.name}: {'killed' if killed else 'SURVIVED'} in {seconds:.0f} s — {last}", flush=True)
    print()
    print("| mutant | source of the bug | result | first failing test |")
    print("|---|---|---|---|")
    for mutant, killed, _, last in rows:
        test = last.removeprefix("FAILED ").split(" - ")[0] if killed else ""
        why = mutant.why.replace("|", "\\|")
        print(f"| `{mutant.name}` | {why} | {'killed' if killed else '**survived**'} | `{test}` |")
    print(f"\nmutation score: {len(rows) - survivors}/{len(rows)} killed")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
