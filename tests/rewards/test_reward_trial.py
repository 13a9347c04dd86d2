"""`trial_consistency`, the age/sex criteria parser and the qrels audit (on TREC CT 2021 when present)."""

from __future__ import annotations

import json
import re

import pytest

from rewards import GoldError, audit_qrels, get_reward, make_reward, parse_criteria_limits
from rewards.trial_limits import TrialLimits, trial_limits, violations

# (inclusion text, exclusion text, min_age, max_age, sex)
CRITERIA = [
    ("Males or females aged 18 to 65 years", "", 18, 65, None),
    ("18 years and older", "", 18, None, None),
    ("Female patients only", "", None, None, "female"),
    ("Women aged ≥ 50", "", 50, None, "female"),
    ("Male or female, age 18-65", "", 18, 65, None),
    ("Ages- 18-50 (Both Male & Female)", "", 18, 50, None),
    ("Eighteen years of age or older", "", 18, None, None),
    ("18+ years of age", "", 18, None, None),
    ("Age ≥ 18;", "Age < 18", 18, None, None),
    ("", "<18 years old or over 45 years old", 18, 45, None),
    ("Older than 18 months of age", "", 1.5, None, None),
    ("males, aged >50 years", "", 50, None, "male"),
    ("Be male\nBe 18 years or older", "", 18, None, "male"),
    ("Patient age 8-21 years", "", 8, 21, None),
    ("Patients above 14 years of age", "", 14, None, None),
    ("", "Patients above 14 years of age,", None, 14, None),
    # Not limits: durations, risk-factor lists, alternatives, cohorts, conditional sentences.
    ("History of diabetes for 5 years or more", "", None, None, None),
    ("Have 1 or more risk factors (age greater than 60 years, diabetes)", "", None, None, None),
    ("> 65 years of age or\n> 20 and < 65 years of age, with risk factors", "", None, None, None),
    ("Age 18 to 65 in the cohort\nAge 40 to 80 in the controls", "", None, None, None),
    ("Female subjects must use contraception", "", None, None, None),
    ("If female, non-pregnant", "", None, None, None),
    ("Hemoglobin < 12 g/dL in women or < 13 g/dL in men", "", None, None, None),
    ("Diagnosis before the age of 3", "", None, None, None),
    ("Gestational age of 33 weeks or less", "", None, None, None),
    ("", "Age 18 to 65", None, None, None),  # a range among exclusions has no single reading
    ("Inclusion criteria: age 18-65", "Inclusion criteria for controls:\nAge 18 to 65 years", 18, 65, None),
]


@pytest.mark.parametrize(("inc", "exc", "lo", "hi", "sex"), CRITERIA)
def test_criteria_parser(inc, exc, lo, hi, sex):
    limits = parse_criteria_limits(inc, exc)
    assert (limits.min_age, limits.max_age, limits.sex) == (lo, hi, sex)


def test_structured_limits_win_and_violations():
    meta = {
        "trial_min_age": 21,
        "trial_max_age": None,
        "trial_sex": None,
        "inclusion_criteria": "Women aged 18 to 65",
        "exclusion_criteria": "",
    }
    limits = trial_limits(meta)
    assert (limits.min_age, limits.max_age, limits.sex) == (21, 65, "female")
    assert trial_limits({**meta, "trial_sex": "all"}).sex is None  # the registry's "All" wins over text
    assert trial_limits(meta, use_text=False) == TrialLimits(21, None, None, "structured")
    assert violations(limits, 20, "female") and violations(limits, 40, "male")
    assert violations(limits, 65.9, "female") == []  # a 65-year-old meets "up to 65"
    assert violations(limits, 66, "female")
    assert violations(limits, None, None) == []
    with pytest.raises(ValueError, match="trial_sex"):
        trial_limits({"trial_sex": "women"})


def _meta(age, sex, **trial):
    base = {
        "patient_age": age,
        "patient_sex": sex,
        "trial_min_age": None,
        "trial_max_age": None,
        "trial_sex": None,
        "inclusion_criteria": "",
        "exclusion_criteria": "",
    }
    return json.dumps({**base, **trial})


METAS = [  # (meta, whether the patient breaks a hard limit)
    (_meta(16, "female", trial_min_age=18), True),
    (_meta(70, "male", trial_max_age=65), True),
    (_meta(40, "male", trial_sex="female"), True),
    (_meta(40, "male", inclusion_criteria="Female patients only"), True),
    (_meta(17, "female", inclusion_criteria="Aged 18 to 65 years"), True),
    (_meta(80, "female", exclusion_criteria="Patients over 75 years of age"), True),
    (_meta(40, "female", trial_min_age=18, trial_max_age=65, trial_sex="all"), False),
    (_meta(None, None, trial_min_age=18), False),  # unknown facts never count as a violation
    (_meta(40, "male", inclusion_criteria="Male or female aged 18-65"), False),
    (_meta(40, "male", inclusion_criteria="Risk factors (age > 65)"), False),
]
ANSWERS = [
    ('"eligible"', "eligible"),
    ('"Eligible."', "eligible"),
    ('"included"', "eligible"),
    ('"excluded"', "excluded"),
    ('"not relevant"', "not relevant"),
    ('"ineligible"', "excluded"),
    ('"maybe"', None),
    ("null", None),
    ("2", None),
    ("\"__import__('os')\"", None),
]
TABLE = [
    (
        m,
        f'<think>r</think><answer>{{"answer": {a}}}</answer>',
        -1.0 if broken and label == "eligible" else 0.0,
    )
    for m, broken in METAS
    for a, label in ANSWERS
]
TABLE += [(m, c, 0.0) for m, _ in METAS for c in ("", "eligible", "<answer></answer>")]


def test_table_is_large():
    assert len(TABLE) >= 100


@pytest.mark.parametrize(("meta", "completion", "expected"), TABLE, ids=range(len(TABLE)))
def test_trial_consistency_table(meta, completion, expected):
    assert get_reward("trial_consistency")(completions=[completion], meta=[meta], task=["trial_match"]) == [
        expected
    ]


def test_consistency_options_and_errors():
    meta = _meta(16, "female", trial_min_age=18)
    answer = '<answer>{"answer": "eligible"}</answer>'
    assert make_reward("trial_consistency", penalty=-0.5)(completions=[answer], meta=[meta]) == [-0.5]
    assert get_reward("trial_consistency")(completions=[answer], meta=[json.loads(meta)], task=["x"]) == [
        None
    ]
    text_only = _meta(40, "male", inclusion_criteria="Female patients only")
    assert make_reward("trial_consistency", use_text=False)(completions=[answer], meta=[text_only]) == [0.0]
    with pytest.raises(GoldError, match="meta"):
        get_reward("trial_consistency")(completions=[answer])
    with pytest.raises(GoldError):
        get_reward("trial_consistency")(completions=[answer], meta=[_meta(-3, "female")])
    with pytest.raises(GoldError):
        get_reward("trial_consistency")(completions=[answer], meta=["{not json"])


def test_audit_qrels_flags_eligible_pairs_that_break_limits():
    rows = [
        {"topic_id": "1", "trial_id": "NCT1", "label": 2, "meta": _meta(16, "female", trial_min_age=18)},
        {"topic_id": "2", "trial_id": "NCT1", "label": 1, "meta": _meta(16, "female", trial_min_age=18)},
        {
            "topic_id": "3",
            "trial_id": "NCT2",
            "label": "eligible",
            **json.loads(_meta(30, "male", trial_sex="female")),
        },
        {"topic_id": "4", "trial_id": "NCT3", "label": 2, "meta": _meta(30, "male", trial_sex="all")},
    ]
    found = audit_qrels(rows)
    assert [(f["topic_id"], f["trial_id"]) for f in found] == [("1", "NCT1"), ("3", "NCT2")]
    assert "below the minimum 18" in found[0]["violations"][0]
    # trial_match task rows: the judgment is meta.qrel_grade or the gold label, ids come from meta
    meta = {
        **json.loads(_meta(70, "male", trial_max_age=65)),
        "topic_id": "9",
        "nct_id": "NCT9",
        "qrel_grade": 2,
    }
    excluded = '{"kind": "label", "value": "excluded", "choices": ["not relevant", "excluded", "eligible"]}'
    task_rows = [
        {"id": "r1", "meta": json.dumps(meta)},
        {"id": "r2", "meta": {**meta, "qrel_grade": None}, "gold": excluded},
    ]
    assert [(f["id"], f["nct_id"], f["label"]) for f in audit_qrels(task_rows)] == [("r1", "NCT9", 2)]


def _topic_facts(text: str) -> tuple[float | None, str | None]:
    """Age and sex from a TREC topic ("A 58-year-old woman", "62 yo male", "74M") for this test only."""
    age = re.search(r"\b(\d{1,3})(?:[- ]?(?:year|yr)s?[- ]old|\s?yo\b|\s?y/o\b|(?=[MF]\b))", text)
    sex = re.search(r"\b(woman|female|girl|lady|F|man|male|boy|gentleman|M)\b", text)
    female = sex and sex.group(1) in ("woman", "female", "girl", "lady", "F")
    return (float(age.group(1)) if age else None), (None if not sex else "female" if female else "male")


def test_audit_on_trec_2021(shared_data):
    folder = shared_data / "trec-ct"
    topics = {
        n: _topic_facts(t)
        for n, t in re.findall(
            r'<topic number="(\d+)">(.*?)</topic>', (folder / "topics2021.xml").read_text(), re.S
        )
    }
    trials = {}
    for line in (folder / "trials_sample.jsonl").read_text().splitlines():
        trial = json.loads(line)
        trials[trial["nct_id"]] = trial
    rows = []
    for line in (folder / "qrels2021.txt").read_text().splitlines():
        topic, _, nct, label = line.split()
        if nct in trials:
            age, sex = topics[topic]
            meta = {
                "patient_age": age,
                "patient_sex": sex,
                "inclusion_criteria": trials[nct]["inclusion_criteria"],
                "exclusion_criteria": trials[nct]["exclusion_criteria"],
            }
            rows.append({"topic_id": topic, "trial_id": nct, "label": int(label), "meta": meta})
    assert len(rows) > 200
    # Judges never marked eligible a patient the parsed limits exclude (no false alarms on real criteria) ...
    assert audit_qrels(rows) == []
    # ... while the same limits do fire on pairs judged excluded: the checker is not vacuous.
    as_if_eligible = [{**r, "label": 2} for r in rows if r["label"] == 1]
    assert len(audit_qrels(as_if_eligible)) >= 3
