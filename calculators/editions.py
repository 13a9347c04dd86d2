"""Calculator editions: which published definition a calculator follows.

    from calculators.editions import for_edition
    calc = for_edition(calculators.get("meld_na"), "verified")   # OPTN MELD 3.0, as MedCalc-Bench Verified
    calc.evaluate({...})

Three editions, explicit wherever a calculator is used (`calc run/audit --edition`, task rows' meta, rewards,
eval reports):

- `source` (default): the primary publications, each calculator's `citation`;
- `v1.0`: the definitions of MedCalc-Bench v1.0 (NeurIPS 2024; ncbi-nlp/MedCalc-Bench);
- `verified`: the definitions of MedCalc-Bench Verified (Dec 2025; nikhilk7153/MedCalc-Bench-Verified,
  `calculator_implementations/`), which changed some definitions, not only labels.

An edition selects a DEFINITION, never a bug: where a benchmark's code departs from its own stated definition
(CKD-EPI 2021's male κ 0.7, MELD v1.0's rounding to a whole MELD(i)), every edition computes the definition
and the benchmark's labels are documented as label errors (`Calculator.notes`, docs/calculators.md).

A calculator that differs by edition declares, in its one file, `editions=(Variant(...), ...)`: the editions
that use the variant, one line on what differs from `source`, the citation of the variant's definition and
the `Calculator` fields it replaces (inputs, method, output, ...). A calculator without a variant for an
edition is the same in every edition.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from calculators.errors import CalculatorError
from calculators.spec import Calculator, Citation

EDITIONS: tuple[str, ...] = ("source", "v1.0", "verified")
DEFAULT_EDITION = "source"
DESCRIPTIONS: dict[str, str] = {
    "source": "primary publications (each calculator's citation); the default",
    "v1.0": "MedCalc-Bench v1.0 definitions (Khandekar et al., NeurIPS 2024; ncbi-nlp/MedCalc-Bench)",
    "verified": "MedCalc-Bench Verified definitions (Dec 2025; nikhilk7153/MedCalc-Bench-Verified)",
}
_SPELLINGS = {"source": "source", "v1.0": "v1.0", "v1": "v1.0", "1.0": "v1.0", "verified": "verified"}


class EditionError(CalculatorError, ValueError):
    """An edition name that is not one of EDITIONS, or a file whose edition cannot be told."""


@dataclass(frozen=True)
class Variant:
    """A calculator's definition in some editions, declared in the calculator's own file.

    `differs`: one line, what differs from the `source` definition (docs table, `calc show`);
    `citation`: where that definition is published; `changes`: `Calculator` fields replaced;
    `output_type`: edition -> the benchmark's Output Type label there, where it differs from our output kind
    (a labelling difference only: rows are graded on our value and kind; also a marker of a file's edition).
    """

    editions: tuple[str, ...]
    differs: str
    citation: Citation
    changes: Mapping[str, Any] = field(default_factory=dict)
    output_type: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for edition in self.editions:
            if edition not in EDITIONS or edition == DEFAULT_EDITION:
                raise AssertionError(f"a Variant is for {EDITIONS[1:]}, not {edition!r}")


def check_edition(edition: str | None) -> str:
    """The canonical edition name (None -> the default); EditionError naming the choices otherwise."""
    if edition is None:
        return DEFAULT_EDITION
    name = _SPELLINGS.get(str(edition).strip().lower())
    if name is None:
        raise EditionError(
            f"unknown edition {edition!r}; editions are: "
            + "; ".join(f"{e} ({DESCRIPTIONS[e]})" for e in EDITIONS)
        )
    return name


def variant(calc: Calculator, edition: str | None) -> Variant | None:
    """The calculator's variant for an edition, or None when it follows `source` there."""
    name = check_edition(edition)
    source = calc.base or calc  # an edition's calculator answers for its source declaration
    found = [v for v in source.editions if name in v.editions]
    if len(found) > 1:
        raise AssertionError(f"{calc.id}: {len(found)} variants declare edition {name}")
    return found[0] if found else None


def for_edition(calc: Calculator, edition: str | None) -> Calculator:
    """The calculator as defined in `edition` (the same object when nothing differs)."""
    name = check_edition(edition)
    calc = calc.base or calc  # an edition's calculator resolves from its source declaration
    key = (id(calc), name)
    hit = _RESOLVED.get(key)
    if hit is not None and hit[0] is calc:
        return hit[1]
    chosen = variant(calc, name)
    resolved = calc
    if chosen is not None:
        changes = dict(chosen.changes)
        if {"method", "inputs"} & set(changes):  # the source's worked cases need not hold for this definition
            changes.setdefault("examples", ())
        resolved = dataclasses.replace(calc, **changes, editions=(), edition=name, base=calc)
    _RESOLVED[key] = (calc, resolved)
    return resolved


# (id(source calculator), edition) -> (source, resolved). Declarations hold dicts, so they are not hashable;
# cached so each (calculator, edition) is one object (calculators.medcalc caches key indexes by object).
_RESOLVED: dict[tuple[int, str], tuple[Calculator, Calculator]] = {}


def differences(calc: Calculator) -> list[tuple[str, Variant]]:
    """(edition, variant) for every edition in which the calculator differs from `source`."""
    return [(e, v) for e in EDITIONS[1:] if (v := variant(calc, e)) is not None]


def edition_summary(calc: Calculator) -> str:
    """One short cell for `calc list`: "same in every edition" or "verified: <what differs>; ..."."""
    diffs = differences(calc)
    if not diffs:
        return "same in every edition"
    return "; ".join(f"{e}: {v.differs}" for e, v in diffs)


# -- which edition a MedCalc-Bench file is ----------------------------------------------------------------

# Release sizes (rows): the dataset cards of ncbi/MedCalc-Bench-v1.0 and MedCalc-Bench Verified.
_ROW_COUNTS = {1047: "v1.0", 10053: "v1.0", 1100: "verified", 10538: "verified", 55: "verified"}


def output_type_markers() -> dict[int, dict[str, str]]:
    """MedCalc-Bench id -> {Output Type label -> edition} where the releases label a calculator's output
    differently (declared by the calculators' variants: Wells PE, steroid conversion, MME...)."""
    from calculators.registry import all_calculators

    markers: dict[int, dict[str, str]] = {}
    for calc in all_calculators():
        if calc.medcalc_id is not None:
            labels = {e: output_type(calc, e) for e in EDITIONS[1:]}
            if len(set(labels.values())) == len(labels):  # each benchmark edition labels it differently
                markers[calc.medcalc_id] = {label: edition for edition, label in labels.items()}
    return markers


def output_type(calc: Calculator, edition: str | None) -> str:
    """The MedCalc-Bench Output Type label of the calculator in `edition` (our output kind by default)."""
    name = check_edition(edition)
    chosen = variant(calc.base or calc, name)
    label = chosen.output_type.get(name) if chosen is not None else None
    return label or for_edition(calc, name).output.kind


def detect_edition(rows: Iterable[Mapping[str, str]], name: str = "") -> tuple[str, str]:
    """(edition, why) of MedCalc-Bench rows: `verified` or `v1.0`, from markers in the rows themselves
    (Output Type labels that changed between releases, MELD 3.0 explanations), then the file name and the
    release's row count. Conflicting markers raise EditionError: pass the edition explicitly."""
    markers = output_type_markers()
    votes: dict[str, list[str]] = {"v1.0": [], "verified": []}
    count = 0
    for row in rows:
        count += 1
        cid = (row.get("Calculator ID") or "").strip()
        label = (row.get("Output Type") or "").strip().lower()
        if cid.isdigit() and label in markers.get(int(cid), {}):
            votes[markers[int(cid)][label]].append(f"row {row.get('Row Number', count)}: id {cid} '{label}'")
        if "MELD 3.0" in (row.get("Ground Truth Explanation") or ""):
            votes["verified"].append(f"row {row.get('Row Number', count)}: MELD 3.0 explanation")
    if votes["v1.0"] and votes["verified"]:
        raise EditionError(
            f"{name or 'rows'}: markers of both editions (v1.0: {votes['v1.0'][0]}; verified: "
            f"{votes['verified'][0]}); pass --edition v1.0 or --edition verified"
        )
    for edition in ("verified", "v1.0"):
        if votes[edition]:
            return edition, f"{len(votes[edition])} {edition} marker(s), e.g. {votes[edition][0]}"
    if "verified" in Path(name).name.lower():
        return "verified", f"file name {Path(name).name!r}"
    if count in _ROW_COUNTS:
        return _ROW_COUNTS[count], f"{count} rows (the size of a {_ROW_COUNTS[count]} release file)"
    return "v1.0", "no Verified marker (Output Types, MELD 3.0 explanations, file name, row count)"


def detect_file_edition(path: str | Path) -> tuple[str, str]:
    """`detect_edition` on a MedCalc-Bench CSV."""
    with open(path, newline="", encoding="utf-8") as handle:
        return detect_edition(csv.DictReader(handle), str(path))


def card_for_edition(calc: Calculator, edition: str) -> str:
    """The calculator's card as defined in `edition`, ending with an `Edition:` line saying what differs."""
    name = check_edition(edition)
    source = calc.base or calc
    chosen = variant(source, name)
    card = for_edition(source, name).describe()
    if chosen is None:
        return f"{card}\nEdition: {name} (same definition as the primary source)"
    return f"{card}\nEdition: {name} — {chosen.differs} (definition: {chosen.citation})"


def edition_lines(calc: Calculator) -> list[str]:
    """`calc show` lines: one per edition, what it computes."""
    source = calc.base or calc
    lines = []
    for name in EDITIONS:
        chosen = variant(source, name)
        what = "primary publications" if name == DEFAULT_EDITION else "same as source"
        if chosen is not None:
            what = f"{chosen.differs} ({chosen.citation.text.split('.')[0]})"
        lines.append(f"  - {name}: {what}")
    return lines
