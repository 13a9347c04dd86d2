"""Rebuild the example data in this folder from the full public files (how each subset was cut).

    python examples/make_examples.py ../shared/data        # the folder holding the four sources

Deterministic: the same inputs give byte-identical outputs. Licences and attribution: examples/README.md.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).parent
FHIR_BUNDLES = (  # the three smallest of the five Synthea bundles
    "Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json",
    "Ned_Hintz_e4b9259d-0f54-48d1-a35d-b526729a4dfe.json",
    "Fabian_Murray_a120c913-9ee0-4fcc-8344-826e74335c80.json",
)
BILLING = {"Claim", "ExplanationOfBenefit"}  # ehrmind reads no billing resources; they are half the bytes
MEDS_PATIENTS = 40  # MIMIC-IV demo subjects kept (the 40 with the fewest events)
MEDCALC_ROWS_PER_CALCULATOR = 5


def fhir(src: Path) -> None:
    out = HERE / "fhir"
    out.mkdir(exist_ok=True)
    for name in FHIR_BUNDLES:
        bundle = json.loads((src / "fhir-synthea" / name).read_text())
        bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] not in BILLING]
        (out / name).write_text(json.dumps(bundle, separators=(",", ":")) + "\n")


def meds(src: Path) -> None:
    import polars as pl

    events = pl.read_parquet(src / "mimic-iv-demo-meds" / "events.parquet")
    keep = events.group_by("subject_id").len().sort(["len", "subject_id"]).head(MEDS_PATIENTS)["subject_id"]
    out = HERE / "meds" / "mimic-iv-demo"
    out.mkdir(parents=True, exist_ok=True)
    subset = events.filter(pl.col("subject_id").is_in(keep.implode()))
    subset.write_parquet(out / "events.parquet", compression="zstd", statistics=False)


def medcalc(src: Path) -> None:
    with (src / "medcalc-bench" / "train_sample.csv").open(newline="") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames
        per_calc: dict[str, int] = {}
        rows = []
        for row in reader:  # the first rows of each calculator, in file order
            n = per_calc.get(row["Calculator ID"], 0)
            if n < MEDCALC_ROWS_PER_CALCULATOR:
                rows.append(row)
                per_calc[row["Calculator ID"]] = n + 1
    out = HERE / "medcalc-bench"
    out.mkdir(exist_ok=True)
    with (out / "train_slice.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    # MedCalc-Bench Verified's one-shot rows (one per calculator), copied whole: `calc audit` detects the edition
    shutil.copyfile(src / "medcalc-bench" / "one_shot_verified.csv", out / "one_shot_verified.csv")


def trec(src: Path) -> None:
    out = HERE / "trec-ct"
    out.mkdir(exist_ok=True)
    trials = (src / "trec-ct" / "trials_sample.jsonl").read_text()
    nct = {json.loads(line)["nct_id"] for line in trials.splitlines() if line.strip()}
    (out / "trials_sample.jsonl").write_text(trials)
    (out / "topics2021.xml").write_text((src / "trec-ct" / "topics2021.xml").read_text())
    qrels = [line for line in (src / "trec-ct" / "qrels2021.txt").read_text().splitlines() if line.split()[2] in nct]
    (out / "qrels2021.txt").write_text("\n".join(qrels) + "\n")


if __name__ == "__main__":
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
    for step in (fhir, meds, medcalc, trec):
        step(source)
    print("examples rebuilt from", source)
