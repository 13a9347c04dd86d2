"""Family `trial_match`: (TREC CT topic, trial) pairs -> "eligible" / "excluded" / "not relevant".

    ehrmind data build --source trec-ct:examples/trec-ct --tasks trial_match --out runs/data/trec

The label names are TREC's qrels grades as `ehr_adapters.trec_ct.LABELS` defines them (the reader owns
them; `rewards.values.TRIAL_LABELS` is the answer grammar's copy, which rewards cannot import; a test pins
the two equal).
"""

from __future__ import annotations

from ehr_adapters.trec_ct import LABELS
from ehrmind.tasks.family import RewardSpec, TaskFamily

NAME = "trial_match"
RUBRIC_CARD = (
    "Trial eligibility is graded on three levels: 'eligible' (the patient meets the inclusion criteria and "
    "no exclusion criterion), 'excluded' (the patient has the condition the trial studies but meets an "
    "exclusion criterion or misses an inclusion criterion), 'not relevant' (the trial does not concern the "
    "patient's condition or there is not enough information). Hard limits such as age and sex always apply."
)


def warmup_rubrics(tasks: set[str]) -> list[tuple[str, str, str]]:
    """The warm-up's rubric card: how eligibility is graded."""
    return [(NAME, "How is clinical-trial eligibility graded?", RUBRIC_CARD)] if NAME in tasks else []


FAMILY = TaskFamily(
    name=NAME,
    order=40,
    sources=("trec-ct",),
    build="ehrmind.tasks.trial_match:build_from_source",  # the builder imports this declaration, not the reverse
    gold_kinds=("label",),
    grader="trial_label",
    rubric=(  # recipes/trial_match/rl.yaml
        RewardSpec("format", 1.0, {"pass_score": 0.0, "fail_score": -2.0}),
        RewardSpec("trial_label", 1.0, {"correct_score": 1.1, "wrong_score": 0.0}),
        RewardSpec("trial_consistency", 0.5),
    ),
    labels=LABELS,
    reliable_share=6 / 12,  # EHRMIND's reliable pass@k threshold for trial matching
    warmup_rubrics=warmup_rubrics,
    help="trial_match",
)
