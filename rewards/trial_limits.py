"""Hard age/sex limits of a clinical trial, from its structured fields and from unambiguous criteria text.

    limits = trial_limits(meta)              # meta: trial_min_age, trial_max_age, trial_sex, *_criteria
    violations(limits, patient_age=16, patient_sex="female")   # -> ["age 16 is below the minimum 18 ..."]
    parse_criteria_limits("Males or females aged 18 to 65 years", "")   # -> TrialLimits(18, 65, None)
    audit_qrels(rows)                        # judged-eligible pairs that break a hard limit

Used by the `trial_consistency` reward and to audit TREC qrels. The text parser is deliberately
conservative: a false "violation" would punish a right answer, so it reads only phrases where a number is
unmistakably an age ("aged 18 to 65", "18 years of age or older", "older than 18", "age < 18"), skips
phrases inside parentheses (risk-factor lists such as "(age > 65, diabetes)"), drops a bound when the
text gives conflicting values (several cohorts), treats strict inequalities as inclusive, and reads sex
only from explicit statements ("female patients only", "Women aged 18-70", "Be male"); "male or female"
anywhere cancels a sex limit. Structured fields (ClinicalTrials.gov) win over text for the same bound.
Negation and exclusion phrasing: "not younger than 18" is a minimum; a line that states an exclusion
("Children under 12 years of age are excluded") is read as an exclusion criterion even in the inclusion
list (a minimum age of 12, not a maximum); any other negation ("no", "non-", "without", "unless") drops
the line. Task builders parse once (`ehrmind.tasks.trial_match` stores `meta.trial_limits`); rewards read
that. Every whitespace run is one space before matching and no pattern has two adjacent unbounded
repeats, so matching is linear (tests feed 100,000-character runs).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rewards.values import TRIAL_LABELS

MAX_LINE = 600  # characters of one criterion line that are read
# Same values as `ehr_adapters.record.YEARS_PER_UNIT`, kept here because rewards import only calculators
# (no ehr_adapters; docs/architecture.md): change both together.
_UNIT_YEARS = {"year": 1.0, "yr": 1.0, "month": 1 / 12, "week": 7 / 365.25, "day": 1 / 365.25}
_WORDS = {
    "eighteen": "18",
    "sixteen": "16",
    "twelve": "12",
    "twenty-one": "21",
    "twenty one": "21",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "sixty-five": "65",
    "sixty": "60",
    "seventy": "70",
    "seventy-five": "75",
    "eighty": "80",
}
_WORD_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _WORDS), key=len, reverse=True)) + r")\b")
_SYMBOLS = str.maketrans({"≥": ">", "≤": "<", "–": "-", "—": "-", "−": "-", "＞": ">", "＜": "<"})

N = r"(\d{1,3}(?:\.\d+)?)"
U = r"(?: ?(years?|yrs?|months?|weeks?|days?))?"
AGE = r"\bage[sd]?\b ?[:\-]? ?(?:of )?"
OLD = r" ?(?:of age|old|-old)"
GE = r"(?:>=|=>|>|over|above|older than|greater than|more than|at least|of at least)"
LE = r"(?:<=|=<|<|under|below|younger than|less than|not older than|up to|no more than)"
_RANGE = [
    re.compile(AGE + r"(?:between|from)? ?(?:>=|>)? ?" + N + U + r" ?(?:-|to|and) ?" + N + U),
    re.compile(
        r"(?:between|from)? ?\b" + N + U + r" ?(?:-|to|and) ?" + N + r" ?(years?|yrs?|months?)" + OLD
    ),
]
_LOWER = [
    re.compile(AGE + GE + r" ?" + N + U),
    re.compile(AGE + N + U + r" ?(?:\+|(?:and|or) (?:up|older|over|above))"),
    re.compile(GE + r" ?" + N + r" ?(years?|yrs?|months?)" + OLD),
    re.compile(
        r"\b"
        + N
        + r" ?\+? ?(years?|yrs?|months?)"
        + r"(?: ?(?:of age|old))?,? ?(?:and|or) (?:older|over|above)(?! ?\d)"
    ),
    re.compile(r"\bolder than " + N + U),
    re.compile(r"\b" + N + r" ?\+ ?(years?|yrs?)\b"),
]
_UPPER = [
    re.compile(AGE + LE + r" ?" + N + U),
    re.compile(LE + r" ?" + N + r" ?(years?|yrs?|months?)" + OLD),
    re.compile(
        r"\b"
        + N
        + r" ?(years?|yrs?|months?)"
        + r"(?: ?(?:of age|old))?,? ?(?:and|or) (?:younger|under|less)(?! ?\d)"
    ),
    re.compile(r"\byounger than " + N + U),
]
_SEX_WORD = r"(women|woman|females?|girls|men|man|males?|boys)"
_SEX_ONLY = [
    re.compile(r"\b" + _SEX_WORD + r" ?(?:patients?|subjects?|participants?|volunteers?)? only\b"),
    re.compile(r"\bonly " + _SEX_WORD + r"\b"),
    re.compile(
        r"^\W{0,8}(?:be )?" + _SEX_WORD + r" ?[,;]? ?(?=aged?\b|ages\b|between\b|from\b|\d|>|<|over\b"
        r"|older\b|at least\b|\W{0,8}$)"
    ),
]
_BOTH_SEXES = re.compile(
    r"\b(?:males?|men|man) ?(?:or|and|&|/) ?(?:females?|women|woman)\b|\b(?:females?|women|woman) ?"
    r"(?:or|and|&|/) ?(?:males?|men|man)\b|\bboth (?:sexes|genders|male)"
)
_SEX_LINE = re.compile(r"\W{0,8}" + _SEX_WORD + r"(?: (?:patients?|subjects?|sex|gender))?\W{0,8}")
_FEMALE = {"women", "woman", "female", "females", "girls"}
_FEMALE_WORD = re.compile(r"\b(?:women|woman|females?|girls)\b")
_MALE_WORD = re.compile(r"\b(?:men|man|males?|boys)\b")


@dataclass(frozen=True)
class TrialLimits:
    """Hard limits: ages in years (inclusive) and the one sex admitted (None: any)."""

    min_age: float | None = None
    max_age: float | None = None
    sex: str | None = None
    source: str = ""  # "structured", "text" or "structured+text": where the limits came from

    @property
    def empty(self) -> bool:
        return self.min_age is None and self.max_age is None and self.sex is None


def _years(number: str, unit: str | None) -> float:
    unit = (unit or "year").rstrip("s")
    return float(number) * _UNIT_YEARS.get(unit, 1.0)


def _outside_parentheses(line: str, pos: int) -> bool:
    return line.count("(", 0, pos) <= line.count(")", 0, pos)


# Phrasings that reverse a criterion: "not younger than 18" is a minimum, not a maximum of 18.
_NOT_COMPARATIVE = (
    (re.compile(r"\b(?:not|no) (?:younger|less) than\b"), "at least"),
    (re.compile(r"\b(?:not|no) (?:older|more) than\b"), "up to"),
)
# An inclusion line that states an exclusion ("Children under 12 years of age are excluded") is one.
_EXCLUDING = re.compile(
    r"\b(?:(?:are|is|will be|shall be|must be|will|shall|may|must) )?(?:excluded|exclude|excluding|ineligible|not (?:be )?eligible|not (?:be )?(?:included|enrolled)"
    r"|not (?:be )?(?:allowed|permitted)|cannot (?:participate|be included|be enrolled)|may not participate)\b"
)
# Other negations ("no history of ... before age 40", "non-pregnant women") make a line's numbers and sex
# words unreliable as limits: the line is not read (a missed limit costs nothing; a false one punishes).
_NEGATION = re.compile(r"\b(?:not|no|never|non|without|except|unless|neither|nor)\b")


def _normalize(text: str) -> list[str]:
    """Lower-cased lines with number words as digits and every whitespace run as one space (which keeps
    the patterns below linear: none of them can try many ways to split a run of spaces)."""
    text = _WORD_RE.sub(lambda m: _WORDS[m.group(1)], text.lower().translate(_SYMBOLS))
    lines = (line for line in text.replace(";", "\n").split("\n") if line and not line.isspace())
    return [" ".join(line[: 4 * MAX_LINE].split())[:MAX_LINE] for line in lines]


_HEADING = re.compile(r"^\W{0,8}(?:key )?(inclusion|exclusion) criteria")


def _sections(inclusion: str, exclusion: str) -> tuple[list[str], list[str]]:
    """(inclusion lines, exclusion lines), following headings found inside either text (registries
    sometimes put "Inclusion criteria for controls:" inside the exclusion field). A line ending in "or"
    starts alternatives, so it and the next line are dropped (neither is a hard limit on its own)."""
    out: dict[str, list[str]] = {"inclusion": [], "exclusion": []}
    for start, text in (("inclusion", inclusion), ("exclusion", exclusion)):
        section, skip_next = start, False
        for line in _normalize(text):
            heading = _HEADING.match(line)
            if heading:
                section = heading.group(1)
                line = line[heading.end() :].strip(" :.-")
                if not line:
                    continue
            alternative = skip_next or line.endswith((" or", " or:", " or,"))
            skip_next = line.endswith((" or", " or:", " or,"))
            if alternative:
                continue
            for rx, plain in _NOT_COMPARATIVE:
                line = rx.sub(plain, line)
            into = section
            if _EXCLUDING.search(line):  # "Children under 12 are excluded": an exclusion wherever it stands
                line, into = " ".join(_EXCLUDING.sub(" ", line).split()), "exclusion"
            if not _NEGATION.search(line):
                out[into].append(line)
    return out["inclusion"], out["exclusion"]


def _age_bounds(lines: list[str], ranges: bool = True) -> tuple[set[float], set[float]]:
    """(lower bounds, upper bounds) stated in these lines, in years (`ranges=False` ignores "18-65":
    an age range among exclusion criteria has no single reading)."""
    lower: set[float] = set()
    upper: set[float] = set()
    for line in lines:
        taken: list[tuple[int, int]] = []
        for rx in _RANGE:
            for m in rx.finditer(line):
                taken.append(m.span())
                if ranges and _outside_parentheses(line, m.start()):
                    lo_unit = m.group(2) or m.group(4)
                    lower.add(_years(m.group(1), lo_unit))
                    upper.add(_years(m.group(3), m.group(4)))
        for patterns, into in ((_LOWER, lower), (_UPPER, upper)):
            for rx in patterns:
                for m in rx.finditer(line):
                    overlaps = any(a < m.end() and m.start() < b for a, b in taken)
                    if not overlaps and _outside_parentheses(line, m.start()):
                        into.add(_years(m.group(1), m.group(2)))
    return lower, upper


def _sex(lines: list[str]) -> set[str]:
    found: set[str] = set()
    for line in lines:
        if _BOTH_SEXES.search(line) or (_FEMALE_WORD.search(line) and _MALE_WORD.search(line)):
            found.add("any")  # both sexes named on one line: "male or female", "12 g/dL in women, 13 in men"
            continue
        for rx in _SEX_ONLY:
            m = rx.search(line)
            if m:
                found.add("female" if m.group(1) in _FEMALE else "male")
                break
    return found


@lru_cache(maxsize=4096)
def parse_criteria_limits(inclusion: str, exclusion: str) -> TrialLimits:
    """Limits stated unambiguously in the criteria text (see the module docstring for the rules)."""
    inc, exc = _sections(inclusion or "", exclusion or "")
    inc_lo, inc_hi = _age_bounds(inc)
    exc_lo, exc_hi = _age_bounds(exc, ranges=False)
    # In exclusion criteria "age < 18" excludes minors (a minimum) and "over 75" a maximum. Within one list,
    # two values are two cohorts (no single limit); across the lists both hold, so the stricter one binds.
    lows = [b.pop() for b in (inc_lo, exc_hi) if len(b) == 1]
    highs = [b.pop() for b in (inc_hi, exc_lo) if len(b) == 1]
    if len(inc_lo) > 1 or len(exc_hi) > 1:
        lows = []
    if len(inc_hi) > 1 or len(exc_lo) > 1:
        highs = []
    min_age = max(lows) if lows else None
    max_age = min(highs) if highs else None
    if min_age is not None and max_age is not None and min_age > max_age:
        min_age = max_age = None
    sexes = _sex(inc)
    for line in exc:  # an exclusion line that is only a sex ("Male", "Men") admits the other one
        m = _SEX_LINE.fullmatch(line)
        if m:
            sexes.add("male" if m.group(1) in _FEMALE else "female")
    sex = sexes.pop() if len(sexes) == 1 and "any" not in sexes else None
    return TrialLimits(min_age, max_age, sex, "text")


def _meta_number(meta: Mapping[str, Any], key: str) -> float | None:
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ValueError(f"meta.{key}={value!r} must be a non-negative number of years or null")
    return float(value)


def trial_limits(meta: Mapping[str, Any], *, use_text: bool = True) -> TrialLimits:
    """Structured limits (`trial_min_age`, `trial_max_age`, `trial_sex`) completed from the criteria text."""
    min_age, max_age = _meta_number(meta, "trial_min_age"), _meta_number(meta, "trial_max_age")
    sex = meta.get("trial_sex")
    if sex not in (None, "all", "female", "male"):
        raise ValueError(f"meta.trial_sex={sex!r} must be 'all', 'female', 'male' or null")
    structured = TrialLimits(min_age, max_age, None if sex in (None, "all") else sex, "structured")
    if not use_text:
        return structured
    parsed = meta.get("trial_limits")
    if parsed is not None:  # parsed once when the row was built (`limits_meta`): never re-read the text
        return _from_limits_meta(parsed)
    text = parse_criteria_limits(
        str(meta.get("inclusion_criteria") or ""), str(meta.get("exclusion_criteria") or "")
    )
    if text.empty:
        return structured
    merged = TrialLimits(
        min_age if min_age is not None else text.min_age,
        max_age if max_age is not None else text.max_age,
        structured.sex if sex is not None else text.sex,
        "structured+text" if not structured.empty else "text",
    )
    if merged.min_age is not None and merged.max_age is not None and merged.min_age > merged.max_age:
        return structured
    return merged


def limits_meta(limits: TrialLimits) -> dict[str, Any]:
    """The JSON a task row stores as `meta.trial_limits` (what `trial_limits` reads back)."""
    return {"min_age": limits.min_age, "max_age": limits.max_age, "sex": limits.sex, "source": limits.source}


def _from_limits_meta(raw: Any) -> TrialLimits:
    if not isinstance(raw, Mapping) or set(raw) - {"min_age", "max_age", "sex", "source"}:
        raise ValueError(f"meta.trial_limits={raw!r:.80} must be {{min_age, max_age, sex, source}}")
    sex = raw.get("sex")
    if sex not in (None, "female", "male"):
        raise ValueError(f"meta.trial_limits.sex={sex!r} must be 'female', 'male' or null")
    lo, hi = _meta_number(raw, "min_age"), _meta_number(raw, "max_age")
    return TrialLimits(lo, hi, sex, str(raw.get("source") or "parsed"))


def broken_limits(
    limits: TrialLimits, patient_age: float | None, patient_sex: str | None
) -> list[tuple[str, str]]:
    """(limit, why) for each hard limit the patient breaks: limit is "min_age", "max_age" or "sex"."""
    out = []
    if patient_age is not None:
        if limits.min_age is not None and patient_age < limits.min_age:
            out.append(("min_age", f"age {patient_age:g} is below the minimum {limits.min_age:g}"))
        # Maximum ages are inclusive of the whole year: a 65.4-year-old meets "18 to 65".
        if limits.max_age is not None and math.floor(patient_age) > limits.max_age:
            out.append(("max_age", f"age {patient_age:g} is above the maximum {limits.max_age:g}"))
    if patient_sex is not None and limits.sex is not None and patient_sex != limits.sex:
        out.append(("sex", f"sex {patient_sex} but the trial admits only {limits.sex}"))
    return [(name, f"{why} ({limits.source})") for name, why in out]


def violations(limits: TrialLimits, patient_age: float | None, patient_sex: str | None) -> list[str]:
    """Why the patient cannot be eligible (empty when no hard limit is broken or facts are unknown)."""
    return [why for _, why in broken_limits(limits, patient_age, patient_sex)]


def patient_facts(meta: Mapping[str, Any]) -> tuple[float | None, str | None]:
    """(age in years, sex) from meta; malformed values raise ValueError naming the field."""
    age = _meta_number(meta, "patient_age")
    sex = meta.get("patient_sex")
    if sex not in (None, "female", "male"):
        raise ValueError(f"meta.patient_sex={sex!r} must be 'female', 'male' or null")
    return age, sex


@lru_cache(maxsize=8192)
def violations_for_meta(meta_json: str, use_text: bool = True) -> tuple[str, ...]:
    """The names of the limits broken ("min_age", "max_age", "sex") for one row's meta JSON text
    (cached: TRL repeats it for every generation)."""
    meta = json.loads(meta_json)
    return broken_for_meta(meta, use_text)


def broken_for_meta(meta: Mapping[str, Any], use_text: bool = True) -> tuple[str, ...]:
    return tuple(name for name, _ in broken_limits(trial_limits(meta, use_text=use_text), *patient_facts(meta)))


_ID_KEYS = ("id", "topic_id", "query_id", "patient_id", "trial_id", "nct_id", "corpus_id")
_ELIGIBLE = {2, "2", TRIAL_LABELS[2]}  # qrel grade 2, as a number, text or its label


def audit_qrels(rows: Iterable[Mapping[str, Any]], *, use_text: bool = True) -> list[dict[str, Any]]:
    """Judged-eligible (label 2 / "eligible") pairs whose patient breaks a hard limit of the trial.

    Each row has the meta fields, at top level or in `meta` (JSON text or dict), and its judgment as
    `label`, or (trial_match task rows) as `meta.qrel_grade` or the gold label. Returns one dict per
    suspect pair: its id fields (from the row and its meta), the label and the violations.
    """
    out = []
    for row in rows:
        meta = row.get("meta", row)
        if isinstance(meta, str):
            meta = json.loads(meta)
        label = _judgment(row, meta)
        if label not in _ELIGIBLE:
            continue
        found = violations(trial_limits(meta, use_text=use_text), *patient_facts(meta))
        if found:
            ids = {k: src[k] for src in (meta, row) for k in _ID_KEYS if k in src}
            out.append({**ids, "label": label, "violations": found})
    return out


def _judgment(row: Mapping[str, Any], meta: Mapping[str, Any]) -> Any:
    if row.get("label") is not None:
        return row["label"]
    if meta.get("qrel_grade") is not None:
        return meta["qrel_grade"]
    gold = row.get("gold")
    if isinstance(gold, str):
        gold = json.loads(gold)
    return gold.get("value") if isinstance(gold, Mapping) else None
