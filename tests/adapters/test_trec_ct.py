"""TREC Clinical Trials adapter: topic demographics, qrels grades, trial records, folder pairing."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ehr_adapters.errors import AdapterError
from ehr_adapters.trec_ct import LABELS, read_qrels, read_topics, read_trec_ct, read_trials
from ehr_adapters.trec_text import parse_age_sex, parse_ct_age, parse_ct_sex, split_criteria

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data" / "trec-ct"


def test_labels_follow_the_track_grades() -> None:
    # 0 = not relevant, 1 = excluded, 2 = eligible: the order is the grade, never swapped.
    assert (
        LABELS.index("not relevant") == 0 and LABELS.index("excluded") == 1 and LABELS.index("eligible") == 2
    )


@pytest.mark.parametrize(
    ("text", "age", "sex"),
    [
        ("A 58-year-old woman presents with chest pain.", 58, "female"),
        ("48 M with a h/o HTN, presented to his cardiologist.", 48, "male"),
        ("74M hx of CAD s/p CABG.", 74, "male"),
        ("Pt is a 22yo F otherwise healthy with a 5 yr history of mastocytosis.", 22, "female"),
        ("60 yo M with Hep C cirrhosis.", 60, "male"),
        ("A 57-year old farmer was diagnosed a year ago. He has tremors. His wife helps.", 57, "male"),
        ("70 y/o with COPD. She was agitated.", 70, "female"),
        ("A 5 months old male brought to the clinic.", 5 / 12, "male"),
        ("A 3-day-old Asian female infant presents with jaundice.", 3 / 365.25, "female"),
        # the woman mentioned is the mother; the pronoun is the patient's
        ("A 15-week-old infant for follow up. He was born to a 39-year-old woman.", 15 * 7 / 365.25, "male"),
        ("19 yo Hispanic female G1P1 at 32+ 6 weeks of gestational age.", 19, "female"),
        ("Patient with a rash.", None, None),
    ],
)
def test_age_and_sex_from_topic_text(text: str, age: float | None, sex: str | None) -> None:
    got_age, got_sex = parse_age_sex(text)
    assert got_sex == sex
    assert got_age == (None if age is None else pytest.approx(age, abs=1e-3))


def test_clinicaltrials_gov_limits() -> None:
    assert parse_ct_age("18 Years") == 18
    assert parse_ct_age("6 Months") == pytest.approx(0.5)
    assert parse_ct_age("N/A") is None and parse_ct_age(None) is None
    assert (parse_ct_sex("ALL"), parse_ct_sex("Both"), parse_ct_sex("Female"), parse_ct_sex("")) == (
        "all", "all", "female", None)  # fmt: skip
    with pytest.raises(ValueError, match="age limit"):
        parse_ct_age("eighteen")
    with pytest.raises(ValueError, match="sex"):
        parse_ct_sex("F")


def test_split_criteria_at_exclusion_heading() -> None:
    inc, exc = split_criteria("Inclusion Criteria:\n* adults\n\nExclusion Criteria:\n* pregnancy\n")
    assert inc == "* adults" and exc == "* pregnancy"
    assert split_criteria("age over 18") == ("age over 18", "")


def test_qrels_in_both_layouts_and_bad_grades(tmp_path: Path) -> None:
    trec = tmp_path / "qrels2021.txt"
    trec.write_text("1 0 NCT00000001 2\n1 0 NCT00000002 1\n2 0 NCT00000003 0\n2 0 NCT00000004 3\n")
    qrels, report = read_qrels(trec)
    assert [(q.topic_id, q.nct_id, q.label) for q in qrels] == [
        ("1", "NCT00000001", "eligible"), ("1", "NCT00000002", "excluded"), ("2", "NCT00000003", "not relevant")]  # fmt: skip
    assert [(s.position, s.category) for s in report.skipped] == [(4, "grade")]
    with pytest.raises(AdapterError) as info:
        read_qrels(trec, strict=True)
    assert info.value.position == 4 and info.value.field == "grade"
    tsv = tmp_path / "qrels2022.tsv"
    tsv.write_text("query-id\tcorpus-id\tscore\ntrec-20221\tNCT00000001\t1\n")
    qrels, report = read_qrels(tsv)
    assert [(q.topic_id, q.grade) for q in qrels] == [("trec-20221", 1)] and not report.skipped


def test_topics_xml_jsonl_and_malformed_xml(tmp_path: Path) -> None:
    xml = tmp_path / "topics2021.xml"
    xml.write_text('<topics><topic number="1">A 45-year-old man.</topic><topic number="2"> </topic></topics>')
    topics, report = read_topics(xml)
    assert [(t.topic_id, t.age, t.sex, t.collection) for t in topics] == [("1", 45, "male", "2021")]
    assert report.skipped[0].position == "topic[1]" and report.skipped[0].category == "text"
    jsonl = tmp_path / "queries2022.jsonl"
    jsonl.write_text(json.dumps({"_id": "trec-20221", "text": "A 19-year-old male."}) + "\n{broken\n")
    topics, report = read_topics(jsonl)
    assert topics[0].patient_id == "trec2022:trec-20221"
    assert report.skipped[0].position == 2 and report.skipped[0].category == "json"
    bad = tmp_path / "topics2023.xml"
    bad.write_text('<topics><topic number="1">text</topics>')
    with pytest.raises(AdapterError, match="not well-formed XML"):
        read_topics(bad)


def test_trials_from_jsonl_ctgov_json_and_xml(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"nct_id": "NCT00000001", "title": "T1", "inclusion_criteria": "adults", "exclusion_criteria": ""})
        + "\n" + json.dumps({"nct_id": "bad", "title": "T2"}) + "\n"
    )  # fmt: skip
    study = {"protocolSection": {
        "identificationModule": {"nctId": "NCT00000002", "briefTitle": "Statins"},
        "conditionsModule": {"conditions": ["Hyperlipidemia"]},
        "eligibilityModule": {"eligibilityCriteria": "Inclusion Criteria:\n* LDL high\nExclusion Criteria:\n* liver disease",
                              "sex": "FEMALE", "minimumAge": "40 Years", "maximumAge": "75 Years"}}}  # fmt: skip
    (tmp_path / "b.json").write_text(json.dumps({"studies": [study]}))
    (tmp_path / "c.xml").write_text(
        "<clinical_study><id_info><nct_id>NCT00000003</nct_id></id_info><brief_title>Old XML</brief_title>"
        "<eligibility><criteria><textblock>Inclusion Criteria: adults</textblock></criteria><gender>All</gender>"
        "<minimum_age>18 Years</minimum_age><maximum_age>N/A</maximum_age></eligibility></clinical_study>"
    )
    trials, report = read_trials(tmp_path)
    by_id = {t.nct_id: t for t in trials}
    assert set(by_id) == {"NCT00000001", "NCT00000002", "NCT00000003"}
    flat = by_id["NCT00000001"]
    assert (flat.min_age, flat.max_age, flat.sex) == (None, None, None)  # no structured fields: left null
    v2 = by_id["NCT00000002"]
    assert (v2.min_age, v2.max_age, v2.sex, v2.conditions) == (40, 75, "female", ("Hyperlipidemia",))
    assert v2.inclusion_criteria == "* LDL high" and v2.exclusion_criteria == "* liver disease"
    old = by_id["NCT00000003"]
    assert (old.min_age, old.max_age, old.sex, old.inclusion_criteria) == (18, None, "all", "adults")
    assert [(s.position, s.category) for s in report.skipped] == [(2, "nct_id")]


def test_folder_pairs_topics_with_qrels_by_year(tmp_path: Path) -> None:
    (tmp_path / "topics2021.xml").write_text('<topics><topic number="1">A 45-year-old man.</topic></topics>')
    (tmp_path / "qrels2021.txt").write_text("1 0 NCT00000001 2\n")
    (tmp_path / "queries2022.jsonl").write_text(
        json.dumps({"_id": "1", "text": "A 30-year-old woman."}) + "\n"
    )
    (tmp_path / "qrels2022.tsv").write_text("query-id\tcorpus-id\tscore\n1\tNCT00000001\t0\n")
    (tmp_path / "trials.jsonl").write_text(json.dumps({"nct_id": "NCT00000001", "title": "T"}) + "\n")
    collections, trials, _, files = read_trec_ct(tmp_path)
    grades = {c.name: (c.topics[0].sex, c.qrels[0].grade) for c in collections}
    assert grades == {"2021": ("male", 2), "2022": ("female", 0)}
    assert len(trials) == 1 and len(files) == 5
    (tmp_path / "qrels2021.txt").unlink()
    with pytest.raises(AdapterError, match="cannot pair"):
        read_trec_ct(tmp_path)


def test_shared_trec_files() -> None:
    if not SHARED.exists():
        pytest.skip("official TREC CT 2021/2022 files: needs ../shared/data/trec-ct (not in a clone; README 'Data' says where to get it)")
    collections, trials, report, _ = read_trec_ct(SHARED, strict=True)
    by_name = {c.name: c for c in collections}
    assert len(by_name["2021"].topics) == 75 and len(by_name["2022"].topics) == 50
    assert all(t.age is not None and t.sex in ("female", "male") for c in collections for t in c.topics)
    # Grade counts of the official 2021 qrels file (0: 24,243, 1: 6,019, 2: 5,570).
    assert Counter(q.grade for q in by_name["2021"].qrels) == {0: 24243, 1: 6019, 2: 5570}
    assert len(trials) == 99 and not report.skipped
