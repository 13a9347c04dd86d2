"""Patient-level seeded splits and the leakage check."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ehrmind.tasks.splits import LeakageError, SplitError, assign_splits, check_leakage, parse_ratios


def rows_for(pairs: list[tuple[str, str]]) -> list[dict]:
    """Rows from (patient_id, prompt text) pairs."""
    return [
        {"id": f"r{i}", "patient_id": p, "prompt": [{"role": "user", "content": text}], "split": ""}
        for i, (p, text) in enumerate(pairs)
    ]


def splits_by_patient(rows: list[dict]) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        seen[row["patient_id"]].add(row["split"])
    return seen


def test_every_row_of_a_patient_shares_a_split_and_ratios_hold() -> None:
    rows = rows_for([(f"p{i % 100}", f"note {i}") for i in range(500)])
    assign_splits(rows, (0.8, 0.1, 0.1), seed=0)
    per_patient = splits_by_patient(rows)
    assert all(len(s) == 1 for s in per_patient.values())
    sizes = {name: sum(s == {name} for s in per_patient.values()) for name in ("train", "val", "test")}
    assert sizes == {"train": 80, "val": 10, "test": 10}


def test_seed_makes_the_assignment_reproducible() -> None:
    def assignment(seed: int) -> dict[str, str]:
        return assign_splits(rows_for([(f"p{i}", f"n{i}") for i in range(50)]), seed=seed)

    assert assignment(3) == assignment(3)
    assert assignment(3) != assignment(4)


def test_identical_prompts_of_different_patients_land_together() -> None:
    # Two template notes with the same text under different note ids must not straddle train and test.
    pairs = [(f"p{i}", f"note {i}") for i in range(40)] + [("a", "same note"), ("b", "same note")]
    for seed in range(10):
        rows = rows_for(pairs)
        split_of = assign_splits(rows, (0.5, 0.25, 0.25), seed=seed)
        assert split_of["a"] == split_of["b"]
        check_leakage(rows)


def test_fixed_source_splits_are_honoured() -> None:
    rows = rows_for([("1", "x"), ("2", "y"), ("3", "z")])
    split_of = assign_splits(rows, seed=0, fixed={"1": "test", "2": "val"})
    assert split_of["1"] == "test" and split_of["2"] == "val"
    with pytest.raises(SplitError, match="share a prompt"):
        assign_splits(rows_for([("1", "same"), ("2", "same")]), fixed={"1": "train", "2": "test"})


def test_leakage_check_names_crossing_patients_and_prompts() -> None:
    rows = rows_for([("p1", "a"), ("p1", "b"), ("p2", "c"), ("p3", "c")])
    for row, split in zip(rows, ["train", "test", "train", "val"], strict=True):
        row["split"] = split
    with pytest.raises(LeakageError) as info:
        check_leakage(rows)
    message = str(info.value)
    assert "1 patient(s)" in message and "p1" in message
    assert "1 identical prompt(s)" in message and "r2" in message


@pytest.mark.parametrize("text", ["0.8,0.2", "0.8,0.1,0.2", "a,b,c", "1.2,-0.1,-0.1"])
def test_bad_ratios_are_rejected(text: str) -> None:
    with pytest.raises(SplitError, match="--split"):
        parse_ratios(text)


@settings(max_examples=60, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(st.sampled_from("abcdefghij"), st.sampled_from(["x", "y", "z", "w", "v"])), max_size=40
    ),
    seed=st.integers(0, 1000),
)
def test_no_assignment_ever_leaks(pairs: list[tuple[str, str]], seed: int) -> None:
    rows = rows_for(pairs)
    assign_splits(rows, (0.6, 0.2, 0.2), seed=seed)
    check_leakage(rows)  # raises on any patient or identical prompt in two splits


def qa_rows(items: list[tuple[str, str, str, str]]) -> list[dict]:
    """Rows from (patient_id, note, question, gold) as chat prompts (note, blank line, question)."""
    from ehrmind.tasks.prompts import chat_prompt

    return [
        {"id": f"r{i}", "patient_id": p, "prompt": chat_prompt(note, q, {"kind": "integer", "value": 1}),
         "gold": g, "split": ""}
        for i, (p, note, q, g) in enumerate(items)
    ]  # fmt: skip


def test_same_note_under_two_ids_and_two_questions_lands_in_one_split() -> None:
    # MedCalc-Bench ships some QTc notes twice under different Note IDs, asked for two formulas: the whole
    # prompts differ (the question), the note does not, so the rows must share a split.
    note = "A 60-year-old man.\nHeart rate 80 bpm, QT interval 400 msec."
    other = "a 60-year-old  MAN. heart rate 80 bpm,\tQT interval 400 msec."  # same text up to case/space
    items = [(f"p{i}", f"note {i}", "QTc?", "1") for i in range(40)]
    items += [("n1", note, "QTc by Bazett?", "1"), ("n2", other, "QTc by Fridericia?", "2")]
    for seed in range(10):
        rows = qa_rows(items)
        split_of = assign_splits(rows, (0.5, 0.25, 0.25), seed=seed)
        assert split_of["n1"] == split_of["n2"]
        assert check_leakage(rows)["distinct_contents"] == 41
    rows = qa_rows(items)
    assign_splits(rows, seed=0)
    rows[-1]["split"] = "test" if rows[-2]["split"] != "test" else "train"
    with pytest.raises(LeakageError, match="note/record text"):
        check_leakage(rows)


def test_identical_prompts_with_different_gold_are_dropped() -> None:
    from ehrmind.tasks.splits import drop_conflicting_duplicates

    rows = qa_rows([("a", "same record", "grade?", "x"), ("b", "same record", "grade?", "y"),
                    ("c", "same record", "grade?", "x"), ("d", "other", "grade?", "x")])  # fmt: skip
    kept, dropped = drop_conflicting_duplicates(rows)
    assert [r["patient_id"] for r in kept] == ["d"]
    assert [d[0] for d in dropped] == ["r0", "r1", "r2"]
    assert all(reason.startswith("conflicting duplicates: 2 different golds") for _, reason in dropped)
