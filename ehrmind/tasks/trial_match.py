"""Task `trial_match`: (TREC CT topic, trial) pairs with a judgment -> eligibility label rows.

For each collection (TREC year) and each qrel whose trial record we have, one row: the prompt shows the
patient description and the trial's title and criteria (long criteria cut at a line or sentence boundary,
with a note saying how much was cut); gold is the qrel's label, choices in grade order
["not relevant", "excluded", "eligible"] (0, 1, 2: never swap the first two). Meta carries the parsed
patient age/sex, the trial's structured limits (None when the record has none) and `trial_limits`, the
hard age/sex limits parsed once from the structured fields and the criteria text (negations and
exclusions stated in the inclusion list handled, see `rewards.trial_limits`), so rewards and analyses use
facts without re-parsing text. Judgments for trials not in the record file are only
counted: TREC judges tens of thousands of trials and a sample file holds a few.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ehr_adapters.errors import AdapterError, SkippedItem
from ehr_adapters.trec_ct import LABELS, Topic, TrecCollection, Trial
from ehrmind.tasks.families.trial_match import NAME as TASK  # the family declaration names the rows
from ehrmind.tasks.prompts import chat_prompt
from ehrmind.tasks.schema import TaskRows, new_row
from rewards.trial_limits import limits_meta, trial_limits

if TYPE_CHECKING:
    from ehrmind.tasks.sources import BuildContext

DEFAULT_CRITERIA_CHARS = 4000

NOT_RELEVANT, EXCLUDED, ELIGIBLE = LABELS  # qrel grades 0, 1, 2 (`ehr_adapters.trec_ct.LABELS`)
QUESTION = (
    f'Is this patient eligible for this clinical trial? Answer "{ELIGIBLE}" if the patient meets the inclusion '
    f'criteria and none of the exclusion criteria; "{EXCLUDED}" if the patient has the condition the trial '
    f'studies but the criteria rule them out; "{NOT_RELEVANT}" if the trial does not concern this patient or '
    "the description gives too little to judge."
)


def truncate(text: str, limit: int) -> tuple[str, int]:
    """Whitespace-normalised text of at most ~`limit` characters, cut at a line or sentence end when one
    lies in the last half; returns (text, characters cut)."""
    lines = [line.strip() for line in re.sub(r"[ \t]+", " ", text).splitlines()]  # one pass, not one per line
    # Sources split criteria text mid-sentence (the shared JSONL's exclusion text can start with ". \n\n").
    clean = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip().lstrip(":.;, \n")
    if len(clean) <= limit:
        return clean, 0
    head = clean[:limit]
    cut = head.rfind("\n")  # a line end first: numbered criteria ("5. Adults") make ". " a poor boundary
    if cut < limit // 2:
        cut = head.rfind(". ") + 1
    if cut < limit // 2:
        cut = max(head.rfind(" "), limit // 2)
    kept = clean[:cut].rstrip()
    return kept, len(clean) - len(kept)


def _criteria_block(trial: Trial, limit: int) -> tuple[str, bool]:
    # Give each section half the budget, and a short section's leftover to the other.
    inc_len, exc_len = len(trial.inclusion_criteria), len(trial.exclusion_criteria)
    half = limit // 2
    inc_limit = max(half, limit - min(exc_len, half))
    exc_limit = max(half, limit - min(inc_len, inc_limit))
    parts, truncated = [], False
    for title, text, budget in (
        ("Inclusion criteria", trial.inclusion_criteria, inc_limit),
        ("Exclusion criteria", trial.exclusion_criteria, exc_limit),
    ):
        if not text.strip():
            continue
        kept, cut = truncate(text, budget)
        truncated |= cut > 0
        note = f"\n[... {cut} more characters of the criteria not shown]" if cut else ""
        parts.append(f"{title}:\n{kept}{note}")
    return "\n\n".join(parts) or "(no eligibility criteria given)", truncated


def _limits(trial: Trial) -> str:
    bits = []
    if trial.min_age is not None or trial.max_age is not None:
        low = f"{trial.min_age:g}" if trial.min_age is not None else "any"
        high = f"{trial.max_age:g}" if trial.max_age is not None else "no upper limit"
        bits.append(f"ages {low} to {high} years")
    if trial.sex:
        bits.append(f"sex: {trial.sex}")
    return f"Structured limits: {'; '.join(bits)}\n" if bits else ""


def render_context(
    topic: Topic, trial: Trial, criteria_chars: int = DEFAULT_CRITERIA_CHARS
) -> tuple[str, bool]:
    """Prompt context for one pair, and whether the criteria were truncated."""
    criteria, truncated = _criteria_block(trial, criteria_chars)
    context = (
        f"Patient description:\n{topic.text.strip()}\n\n"
        f"Clinical trial {trial.nct_id}: {trial.title.strip()}\n{_limits(trial)}\n{criteria}"
    )
    return context, truncated


def build_trial_match(
    collections: list[TrecCollection],
    trials: list[Trial],
    *,
    strict: bool = False,
    criteria_chars: int = DEFAULT_CRITERIA_CHARS,
) -> TaskRows:
    """Rows for every judged (topic, trial) pair whose trial record is available."""
    out = TaskRows()
    by_nct = {t.nct_id: t for t in trials}
    for collection in collections:
        topics = {t.topic_id: t for t in collection.topics}
        qrel_file = str(collection.files[-1])
        grades: dict[tuple[str, str], set[int]] = {}
        for qrel in collection.qrels:
            grades.setdefault((qrel.topic_id, qrel.nct_id), set()).add(qrel.grade)
        for (topic_id, nct_id), found in grades.items():
            trial = by_nct.get(nct_id)
            if trial is None:
                out.count("qrels_without_trial_record")
                continue
            topic = topics.get(topic_id)
            position = f"{topic_id}/{nct_id}"
            if topic is None:
                _skip(
                    out,
                    strict,
                    qrel_file,
                    position,
                    "topic",
                    "unknown topic: qrel names a topic not in the topics file",
                )
                continue
            if len(found) > 1:
                _skip(out, strict, qrel_file, position, "grade", f"conflicting qrels: grades {sorted(found)}")
                continue
            grade = found.pop()
            out.rows.append(_row(collection.name, topic, trial, grade, criteria_chars))
            out.count(f"label:{LABELS[grade]}")
    return out


def _row(collection: str, topic: Topic, trial: Trial, grade: int, criteria_chars: int) -> dict[str, Any]:
    gold = {"kind": "label", "value": LABELS[grade], "choices": list(LABELS)}
    context, truncated = render_context(topic, trial, criteria_chars)
    meta = {
        "collection": collection,
        "topic_id": topic.topic_id,
        "nct_id": trial.nct_id,
        "qrel_grade": grade,
        "patient_age": topic.age,
        "patient_sex": topic.sex,
        "trial_min_age": trial.min_age,
        "trial_max_age": trial.max_age,
        "trial_sex": trial.sex,
        "inclusion_criteria": trial.inclusion_criteria,
        "exclusion_criteria": trial.exclusion_criteria,
        "criteria_truncated": truncated,
    }
    # Parsed once here (structured fields completed from the criteria text), so rewards read facts and never
    # re-parse criteria text inside the training loop.
    meta["trial_limits"] = limits_meta(trial_limits(meta))
    row_id = f"{TASK}/{collection or 'trec'}/{topic.topic_id}/{trial.nct_id}"
    return new_row(row_id, TASK, chat_prompt(context, QUESTION, gold), gold, topic.patient_id, meta)


def _skip(out: TaskRows, strict: bool, file: str, position: str, field: str, reason: str) -> None:
    if strict:
        raise AdapterError(
            reason,
            file=file,
            position=position,
            field=field,
            fix="fix the qrels file, or build without --strict to skip the pair",
        )
    out.skipped.append(SkippedItem(file, position, reason))


def build_from_source(ctx: BuildContext) -> TaskRows:
    """One row per judged (topic, trial) pair whose trial record the source holds: the family declaration's builder."""
    collections, trials = ctx.loaded.data
    return build_trial_match(
        collections, trials, strict=ctx.options.strict, criteria_chars=ctx.options.criteria_chars
    )

