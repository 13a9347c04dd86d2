"""Trial facts parsed once at build time, negation and exclusion phrasing, and the limit a completion broke.

Issue 11: criteria were re-parsed from raw text inside the reward, and "Children under 12 years of age are
excluded" in an inclusion list became a maximum age of 12, so a 30-year-old judged "eligible" got -1.
Expected limits are read off the criteria sentences by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rewards
from ehr_adapters.trec_ct import Qrel, Topic, TrecCollection, Trial
from ehrmind.tasks.trial_match import build_trial_match
from rewards import get_reward, make_reward, parse_criteria_limits
from rewards.trial_limits import limits_meta, trial_limits

ELIGIBLE = '<think>r</think><answer>{"answer": "eligible"}</answer>'
EXCLUDED = '<think>r</think><answer>{"answer": "excluded"}</answer>'

# (inclusion, exclusion, min_age, max_age, sex)
NEGATIONS = [
    ("Children under 12 years of age are excluded", "", 12, None, None),  # the issue's case
    ("Adults. Children under 12 years of age are excluded.", "", 12, None, None),
    ("Patients younger than 18 years are not eligible", "", 18, None, None),
    ("Patients older than 75 years will not be enrolled", "", None, 75, None),
    ("Subjects over 80 years old are excluded", "", None, 80, None),
    ("Men are excluded", "", None, None, "female"),
    ("Not younger than 18 years of age", "", 18, None, None),
    ("No older than 65 years old", "", None, 65, None),
    ("Age 18 or older; patients under 12 years of age are ineligible", "", 18, None, None),  # both: 18 binds
    ("No history of stroke before the age of 40 years", "", None, None, None),
    ("Non-pregnant women aged 18 to 45", "", None, None, None),  # a negated line is not read
    ("Women without diabetes", "", None, None, None),
    ("Patients over 65 unless frail", "", None, None, None),
    ("", "Patients over 65 years of age are not excluded", None, None, None),  # double negation: unread
    ("", "Children under 12 years of age are excluded", 12, None, None),
    ("Aged 18 to 65 years", "Children under 12 years of age are excluded", 18, 65, None),
    ("Men or women aged 18 to 65 years", "Women who are pregnant are excluded", 18, 65, None),
]


@pytest.mark.parametrize(("inc", "exc", "lo", "hi", "sex"), NEGATIONS, ids=range(len(NEGATIONS)))
def test_negation_and_exclusion_phrasing(inc, exc, lo, hi, sex):
    limits = parse_criteria_limits(inc, exc)
    assert (limits.min_age, limits.max_age, limits.sex) == (lo, hi, sex)


def _meta(age, sex, **extra):
    base = {"patient_age": age, "patient_sex": sex, "trial_min_age": None, "trial_max_age": None,
            "trial_sex": None, "inclusion_criteria": "", "exclusion_criteria": ""}
    return {**base, **extra}


def test_issue_case_a_30_year_old_eligible_is_not_penalised():
    meta = _meta(30, "male", inclusion_criteria="Adults with asthma\nChildren under 12 years of age are excluded")
    meta["trial_limits"] = limits_meta(trial_limits(meta))  # what the builder stores
    f = get_reward("trial_consistency")
    assert f(completions=[ELIGIBLE], meta=[json.dumps(meta)], task=["trial_match"]) == [0.0]
    child = {**meta, "patient_age": 8}
    assert f(completions=[ELIGIBLE], meta=[json.dumps(child)], task=["trial_match"]) == [-1.0]


@pytest.mark.parametrize(
    ("limits", "age", "sex", "reason"),
    [
        ({"min_age": 18, "max_age": None, "sex": None}, 16, "female", "broke_min_age"),
        ({"min_age": None, "max_age": 65, "sex": None}, 70, "male", "broke_max_age"),
        ({"min_age": None, "max_age": None, "sex": "female"}, 40, "male", "broke_sex"),
        ({"min_age": 18, "max_age": 65, "sex": "female"}, 70, "male", "broke_max_age"),  # the first broken
        ({"min_age": 18, "max_age": 65, "sex": "female"}, 40, "female", None),
        ({"min_age": 18, "max_age": 65, "sex": None}, 65.9, "male", None),  # 65 and 11 months meets "to 65"
        ({"min_age": 18, "max_age": None, "sex": None}, None, None, None),  # unknown facts never break
    ],
)
def test_the_reward_names_the_broken_limit(limits, age, sex, reason):
    meta = json.dumps(_meta(age, sex, trial_limits={**limits, "source": "text"}))
    rewards.stats.reset()
    out = get_reward("trial_consistency")(completions=[ELIGIBLE, EXCLUDED], meta=[meta] * 2,
                                          task=["trial_match"] * 2)
    assert out == [-1.0 if reason else 0.0, 0.0]
    assert dict(rewards.stats.get("trial_consistency").failures) == ({reason: 1} if reason else {})


def test_the_reward_reads_stored_facts_not_the_text():
    # The stored facts say no limit; the text (never re-read) says women only.
    meta = _meta(40, "male", inclusion_criteria="Female patients only",
                 trial_limits={"min_age": None, "max_age": None, "sex": None, "source": "text"})
    assert get_reward("trial_consistency")(completions=[ELIGIBLE], meta=[json.dumps(meta)]) == [0.0]
    del meta["trial_limits"]  # an older row without stored facts is parsed as before
    assert get_reward("trial_consistency")(completions=[ELIGIBLE], meta=[json.dumps(meta)]) == [-1.0]
    # use_text=False: structured fields only, stored text facts ignored
    meta["trial_limits"] = {"min_age": None, "max_age": None, "sex": "female", "source": "text"}
    f = make_reward("trial_consistency", use_text=False)
    assert f(completions=[ELIGIBLE], meta=[json.dumps(meta)]) == [0.0]


@pytest.mark.parametrize(
    "bad",
    [{"min_age": -1}, {"sex": "women"}, {"min_age": "18"}, {"maximum": 3}, "18-65", [18, 65]],
)
def test_malformed_stored_facts_are_a_data_bug(bad):
    meta = _meta(40, "male", trial_limits=bad)
    with pytest.raises(rewards.GoldError):
        get_reward("trial_consistency")(completions=[ELIGIBLE], meta=[json.dumps(meta)])


def test_the_builder_stores_parsed_facts_once():
    topic = Topic("7", "A 30-year-old man with asthma.", "2021", 30.0, "male")
    trial = Trial("NCT00000001", "Asthma study", "Adults with asthma\nChildren under 12 years of age are excluded",
                  "Smokers", min_age=None, max_age=None, sex="all")
    collection = TrecCollection("2021", [topic], [Qrel("7", "NCT00000001", 2)], [Path("qrels2021.txt")])
    row = build_trial_match([collection], [trial]).rows[0]
    meta = json.loads(row["meta"])
    assert meta["trial_limits"] == {"min_age": 12.0, "max_age": None, "sex": None, "source": "text"}
    assert get_reward("trial_consistency")(completions=[ELIGIBLE], meta=[row["meta"]], task=[row["task"]]) == [0.0]
