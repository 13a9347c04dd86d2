"""Pseudo-labels: the majority vote (ties, thresholds, tolerance grouping) and agreement with known gold."""

import json
import math

import pytest

from ehrmind.seed_papers.pseudo_label import label_rows
from ehrmind.seed_papers.vote import VoteError, group_answers, pseudo_gold, vote
from rewards.gold import parse_gold
from rewards.parse import DEFAULT_FORMAT

BMI = '{"kind": "decimal", "value": 30.0, "calculator": "bmi"}'  # bmi declares a 5 % tolerance
SCORE = '{"kind": "integer", "value": 3, "calculator": "cha2ds2_vasc"}'
YES_NO = {"kind": "label", "value": "yes", "choices": ["no", "yes"]}


def said(*answers):
    return [DEFAULT_FORMAT.render("reasoning", a) for a in answers]


def test_majority_share_and_entropy():
    v = vote(said(3, 3, 3, 2), SCORE, threshold=0.6)
    assert (v.label, v.share, v.groups, v.tie, v.accepted) == (3, 0.75, 2, False, True)
    assert v.entropy == pytest.approx(-(0.75 * math.log(0.75) + 0.25 * math.log(0.25)))


def test_unreadable_answers_count_against_the_share():
    v = vote([*said(3, 3), "no tags at all", "<answer>not json</answer>"], SCORE, threshold=0.6)
    assert v.label == 3 and v.share == 0.5 and v.valid == 2 and not v.accepted
    assert sum(v.unreadable.values()) == 2


def test_threshold_is_inclusive():
    assert vote(said(3, 3, 3, 1, 2), SCORE, threshold=0.6).accepted  # 3/5 == 0.6
    assert not vote(said(3, 3, 3, 1, 2), SCORE, threshold=0.61).accepted
    with pytest.raises(VoteError, match="threshold"):
        vote(said(3), SCORE, threshold=1.2)


def test_ties_are_broken_by_sample_order_and_reported():
    first = vote(said(2, 5, 5, 2), SCORE, threshold=0.5)
    second = vote(said(5, 2, 2, 5), SCORE, threshold=0.5)
    assert (first.label, first.tie) == (2, True) and (second.label, second.tie) == (5, True)
    assert not vote(said(2, 2, 5), SCORE, threshold=0.5).tie


def test_numbers_group_within_the_calculator_tolerance():
    v = vote(said(30.0, 31.2, 29.0, 35.0), BMI, threshold=0.5)  # 31.2 and 29.0 are within 5 % of 30.0
    assert v.label == 30.0 and v.share == 0.75 and v.groups == 2
    groups, tie = group_answers([10.0, 10.4, 10.8, 20.0], 0.05)
    assert groups[0] == (10.4, 3) and not tie  # 10.4 reaches both neighbours, 10.0 does not reach 10.8
    # units are read, not compared as text
    assert vote(said("30 kg/m2", "30.0"), BMI, threshold=1.0).share == 1.0


def test_labels_are_resolved_through_aliases():
    v = vote(said("Yes", "yes.", True, "no"), YES_NO, threshold=0.7)
    assert v.label == "yes" and v.share == 0.75 and v.accepted


def test_a_fractional_majority_is_never_an_integer_label():
    v = vote(said(2.5, 2.5, 3), SCORE, threshold=0.5)
    assert v.label == 2.5 and not v.accepted


def test_pseudo_gold_keeps_the_schema():
    assert pseudo_gold(31.2, parse_gold(BMI)) == {"kind": "decimal", "value": 31.2, "calculator": "bmi"}
    free = pseudo_gold(12.0, parse_gold({"kind": "decimal", "value": 11.0}))
    assert free["lower"] < 12.0 < free["upper"]  # graders need an interval without a calculator
    assert parse_gold(pseudo_gold("no", parse_gold(YES_NO))).value == "no"


def _rows(golds, rare=()):
    return [{"id": f"r{i}", "task": "calc", "prompt": [{"role": "user", "content": f"q{i}"}], "gold": json.dumps(g),
             "patient_id": f"p{i}", "split": "train", "meta": json.dumps({"rare": i in rare})}
            for i, g in enumerate(golds)]  # fmt: skip


def test_agreement_with_known_gold():
    golds = [{"kind": "integer", "value": i, "calculator": "cha2ds2_vasc"} for i in range(10)]
    rows = _rows(golds, rare={6, 7, 8})
    completions = [said(i, i, i, 9) for i in range(6)]  # majority right, share 0.75
    completions += [said(0, 0, 0, 6), said(1, 1, 1, 7)]  # majority wrong, share 0.75
    completions += [said(8, 1, 2, 3), ["garbage"] * 4]  # below threshold; nothing readable
    labeled, report, records = label_rows(rows, completions, threshold=0.6)
    assert [r["id"] for r in labeled] == [f"r{i}" for i in range(8)]
    assert all(r["task"] == "pseudo/calc" for r in labeled)
    a = report["agreement"]
    assert (a["labeled_with_gold"], a["matches"], a["agreement"]) == (8, 6, 0.75)
    # row 8's majority (8, share 1/4) is right but below the threshold
    assert a["majority_accuracy_any_share"] == pytest.approx(7 / 9)
    assert report["agreement_rare"]["agreement"] == 0.0 and report["agreement_common"]["agreement"] == 1.0
    assert report["unlabeled_reasons"] == {"below_threshold": 1, "no_readable_answer": 1}
    meta = json.loads(labeled[6]["meta"])
    assert json.loads(labeled[6]["gold"])["value"] == 0 and meta["original_gold"]["value"] == 6
    assert meta["pseudo"]["matches_gold"] is False and meta["pseudo"]["share"] == 0.75
    assert "q6" not in json.dumps(records)  # vote records carry no prompt text


def test_rows_marked_unlabeled_are_labeled_but_not_scored():
    rows = _rows([{"kind": "integer", "value": 0, "calculator": "cha2ds2_vasc"}])
    rows[0]["meta"] = json.dumps({"unlabeled": True})
    labeled, report, _ = label_rows(rows, [said(4, 4)], threshold=0.6)
    assert json.loads(labeled[0]["gold"])["value"] == 4
    assert report["agreement"]["labeled_with_gold"] == 0 and report["agreement"]["agreement"] is None
    assert "original_gold" not in json.loads(labeled[0]["meta"])
