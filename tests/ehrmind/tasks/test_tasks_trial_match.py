"""Task `trial_match`: (topic, trial) rows with qrel gold, meta limits, and criteria truncation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ehr_adapters.errors import AdapterError
from ehr_adapters.trec_ct import Qrel, Topic, TrecCollection, Trial
from ehrmind.tasks.trial_match import build_trial_match, truncate

TOPIC = Topic("7", "A 58-year-old woman with type 2 diabetes.", "2021", 58.0, "female")
TRIALS = [
    Trial("NCT00000001", "Metformin study", "Adults with diabetes.", "Pregnancy.", 18.0, 75.0, "all"),
    Trial("NCT00000002", "Asthma study", "Children with asthma.", "", None, None, None),
    Trial("NCT00000003", "Insulin study", "Adults.", "Renal failure.", None, None, None),
]


def collection(qrels: list[Qrel], topics: list[Topic] = [TOPIC]) -> TrecCollection:  # noqa: B006 - read-only
    return TrecCollection("2021", topics, qrels, [Path("topics2021.xml"), Path("qrels2021.txt")])


def test_gold_label_follows_the_grade_without_swapping() -> None:
    qrels = [Qrel("7", "NCT00000001", 2), Qrel("7", "NCT00000002", 0), Qrel("7", "NCT00000003", 1)]
    out = build_trial_match([collection(qrels)], TRIALS)
    golds = {json.loads(r["meta"])["nct_id"]: json.loads(r["gold"]) for r in out.rows}
    assert {k: g["value"] for k, g in golds.items()} == {
        "NCT00000001": "eligible", "NCT00000002": "not relevant", "NCT00000003": "excluded"}  # fmt: skip
    assert all(g["choices"] == ["not relevant", "excluded", "eligible"] for g in golds.values())
    assert {r["patient_id"] for r in out.rows} == {"trec2021:7"}


def test_meta_carries_patient_and_trial_limits_and_the_prompt_shows_both() -> None:
    out = build_trial_match([collection([Qrel("7", "NCT00000001", 2)])], TRIALS)
    row = out.rows[0]
    meta = json.loads(row["meta"])
    assert (meta["patient_age"], meta["patient_sex"]) == (58.0, "female")
    assert (meta["trial_min_age"], meta["trial_max_age"], meta["trial_sex"]) == (18.0, 75.0, "all")
    assert (meta["inclusion_criteria"], meta["exclusion_criteria"]) == ("Adults with diabetes.", "Pregnancy.")
    user = row["prompt"][-1]["content"]
    for text in ("A 58-year-old woman", "NCT00000001: Metformin study", "Adults with diabetes.", "Pregnancy.",
                 "ages 18 to 75 years"):  # fmt: skip
        assert text in user
    assert row["id"] == "trial_match/2021/7/NCT00000001"


def test_unjudged_trials_counted_unknown_topics_and_conflicts_skipped() -> None:
    qrels = [
        Qrel("7", "NCT99999999", 0),  # no trial record: counted, not a row
        Qrel("8", "NCT00000001", 2),  # topic missing from the topics file
        Qrel("7", "NCT00000002", 0),
        Qrel("7", "NCT00000002", 2),  # two grades for one pair
    ]
    out = build_trial_match([collection(qrels)], TRIALS)
    assert out.rows == []
    assert out.counts["qrels_without_trial_record"] == 1
    assert sorted(s.category for s in out.skipped) == ["conflicting qrels", "unknown topic"]
    with pytest.raises(AdapterError, match="unknown topic"):
        build_trial_match([collection(qrels)], TRIALS, strict=True)


def test_long_criteria_are_cut_at_a_boundary_with_a_note() -> None:
    long = "\n".join(f"{i}. Criterion number {i} is about something specific." for i in range(200))
    trial = Trial("NCT00000009", "Long trial", long, long)
    out = build_trial_match([collection([Qrel("7", "NCT00000009", 1)])], [trial], criteria_chars=1000)
    user = out.rows[0]["prompt"][-1]["content"]
    assert json.loads(out.rows[0]["meta"])["criteria_truncated"] is True
    assert "more characters of the criteria not shown" in user
    assert len(user) < 2000
    kept, cut = truncate(long, 300)
    assert kept.endswith("specific.") and cut == len(long) - len(kept)
    assert truncate("short  text\n\n\n\nend", 100) == ("short text\n\nend", 0)
