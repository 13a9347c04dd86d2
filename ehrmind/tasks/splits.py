"""Patient-level, seeded train/val/test splits and the leakage check that guards them.

Rows are grouped before splitting: rows of one patient always share a split, and so do rows whose prompts
are identical or whose note/record content is the same after normalisation (ASCII case, whitespace removed): the
same MedCalc note under two Note IDs, asked two different questions, would otherwise teach the test
answer in training. Groups
are shuffled with the seed and cut at the requested ratios by patient count. A source that ships its own
splits (MEDS `subject_splits.parquet`) fixes those patients' splits instead.

`check_leakage` re-checks the result independently and raises `LeakageError` when any patient, identical
prompt or normalised content appears in two splits; the build fails rather than writing leaky data.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from ehrmind.tasks.schema import SPLITS


class LeakageError(ValueError):
    """A patient or an identical prompt appears in more than one split."""


class SplitError(ValueError):
    """Split ratios or fixed splits are invalid."""


def parse_ratios(text: str) -> tuple[float, float, float]:
    """ "0.8,0.1,0.1" -> (0.8, 0.1, 0.1); three non-negative numbers summing to 1."""
    parts = [p.strip() for p in text.split(",")]
    try:
        ratios = tuple(float(p) for p in parts)
    except ValueError:
        raise SplitError(f"--split {text!r}: expected three numbers like 0.8,0.1,0.1") from None
    if len(ratios) != 3 or any(r < 0 for r in ratios) or abs(sum(ratios) - 1) > 1e-6:
        raise SplitError(f"--split {text!r}: need three non-negative ratios (train,val,test) summing to 1")
    return ratios  # type: ignore[return-value]


def prompt_key(prompt: Any) -> Hashable:
    """A prompt's identity for duplicate detection: equal exactly when the prompts (text, or each
    message's role and content) are identical. Python's own string hash groups them: hashing every
    prompt with sha256 cost more than the rest of the duplicate check."""
    if isinstance(prompt, str):
        return prompt
    return tuple((m["role"], m["content"]) for m in prompt)


def drop_conflicting_duplicates(
    rows: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Rows minus groups of identical prompts that carry different gold (the answer is not a function
    of the prompt: no model can be right on all of them); returns (kept, [(row id, reason)])."""
    golds: dict[Hashable, set[str]] = defaultdict(set)
    keys = [_keys(r)[0] for r in rows]
    for key, row in zip(keys, rows, strict=True):
        golds[key].add(row["gold"] if isinstance(row["gold"], str) else repr(row["gold"]))
    kept, dropped = [], []
    for key, row in zip(keys, rows, strict=True):
        if len(golds[key]) > 1:
            reason = f"conflicting duplicates: {len(golds[key])} different golds for one identical prompt"
            dropped.append((row["id"], reason))
        else:
            kept.append(row)
    return kept, dropped


def content_key(prompt: Any) -> str | None:
    """A hash of the prompt's note or record (the user message minus its last paragraph, the question),
    ASCII-lowercased with whitespace removed; None when the prompt is a question alone."""
    if isinstance(prompt, str):
        text = prompt
    else:
        users = [m["content"] for m in prompt if m.get("role") == "user"]
        text = users[-1] if users else ""
    context, sep, _question = text.strip().rpartition("\n\n")
    return _content_hash(context) if sep else None


@lru_cache(maxsize=1 << 16)
def _content_hash(context: str) -> str | None:
    # cached by the context: the tasks asked at one instant of one patient share it
    # bytes: ASCII case-folded and every whitespace character removed, a few µs for a 4 kB record
    normal = context.encode("utf-8").lower().translate(None, _WHITESPACE)
    return hashlib.sha256(normal).hexdigest() if normal else None


_WHITESPACE = b" \t\n\r\x0b\x0c"
_KEYS: dict[int, tuple[Any, list[tuple[str, Hashable]]]] = {}


def _keys(row: dict[str, Any]) -> list[tuple[str, Hashable]]:
    """Everything two rows must not differ in across splits: the whole prompt ("p", ...) and its content
    ("c", ...). Cached by prompt object (held, so its id stays unique): the build asks three times per row."""
    prompt = row["prompt"]
    hit = _KEYS.get(id(prompt))
    if hit is not None and hit[0] is prompt:
        return hit[1]
    keys: list[tuple[str, Hashable]] = [("p", prompt_key(prompt))]
    content = content_key(prompt)
    if content:
        keys.append(("c", content))
    if len(_KEYS) > 1 << 18:
        _KEYS.clear()
    _KEYS[id(prompt)] = (prompt, keys)
    return keys


def assign_splits(
    rows: Sequence[dict[str, Any]],
    ratios: tuple[float, float, float] = (0.8, 0.1, 0.1),
    seed: int = 0,
    fixed: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Set `row["split"]` on every row; returns patient_id -> split.

    `fixed` maps patient ids to a split the source prescribes; groups containing such a patient take it
    (a group joining two prescribed splits is a leak the source itself creates: SplitError).
    """
    fixed = dict(fixed or {})
    bad = {s for s in fixed.values() if s not in SPLITS}
    if bad:
        raise SplitError(f"fixed splits {sorted(bad)} not in {SPLITS}")
    groups = _patient_groups(rows)
    free: list[list[str]] = []
    split_of: dict[str, str] = {}
    for members in groups:
        prescribed = {fixed[p] for p in members if p in fixed}
        if len(prescribed) > 1:
            raise SplitError(
                f"patients {sorted(members)[:5]} share a prompt but the source puts them in splits {sorted(prescribed)}"
            )
        if prescribed:
            split_of.update(dict.fromkeys(members, prescribed.pop()))
        else:
            free.append(members)
    # Shuffle groups with the seed, then cut by cumulative patient count.
    free.sort(key=lambda g: g[0])
    random.Random(seed).shuffle(free)
    total = sum(len(g) for g in free)
    bounds = (ratios[0] * total, (ratios[0] + ratios[1]) * total)
    placed = 0
    for members in free:
        middle = placed + len(members) / 2
        split = "train" if middle < bounds[0] else "val" if middle < bounds[1] else "test"
        split_of.update(dict.fromkeys(members, split))
        placed += len(members)
    for row in rows:
        row["split"] = split_of[row["patient_id"]]
    return split_of


def _patient_groups(rows: Sequence[dict[str, Any]]) -> list[list[str]]:
    """Connected components of patients linked by identical prompts or content (union-find), sorted."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_patient: dict[Hashable, str] = {}
    for row in rows:
        patient = row["patient_id"]
        find(patient)
        for key in _keys(row):
            other = first_patient.setdefault(key, patient)
            if other != patient:
                a, b = find(patient), find(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    components: dict[str, list[str]] = defaultdict(list)
    for patient in parent:
        components[find(patient)].append(patient)
    return [sorted(m) for m in components.values()]


def check_leakage(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Raise LeakageError if a patient, an identical prompt or the same normalised note/record content
    crosses splits; else return check counts."""
    patient_splits: dict[str, set[str]] = defaultdict(set)
    key_splits: dict[Hashable, set[str]] = defaultdict(set)
    key_row: dict[Hashable, str] = {}
    for row in rows:
        patient_splits[row["patient_id"]].add(row["split"])
        for key in _keys(row):
            key_splits[key].add(row["split"])
            key_row.setdefault(key, row["id"])
    patients = sorted(p for p, s in patient_splits.items() if len(s) > 1)
    crossing = {kind: sorted(key_row[k] for k, s in key_splits.items() if k[0] == kind and len(s) > 1)
                for kind in "pc"}  # fmt: skip
    if patients or crossing["p"] or crossing["c"]:
        parts = []
        if patients:
            parts.append(f"{len(patients)} patient(s) in several splits (e.g. {patients[:5]})")
        if crossing["p"]:
            parts.append(
                f"{len(crossing['p'])} identical prompt(s) in several splits (e.g. rows {crossing['p'][:5]})"
            )
        if crossing["c"]:
            parts.append(
                f"{len(crossing['c'])} note/record text(s) in several splits (e.g. rows {crossing['c'][:5]})"
            )
        raise LeakageError("leakage check failed: " + "; ".join(parts) + "; the build wrote nothing")
    return {
        "patients": len(patient_splits),
        "distinct_prompts": sum(k[0] == "p" for k in key_splits),
        "distinct_contents": sum(k[0] == "c" for k in key_splits),
        "crossing": 0,
    }
