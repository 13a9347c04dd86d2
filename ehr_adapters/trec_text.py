"""Free text of TREC Clinical Trials files -> typed values: a topic's patient age and sex
(`parse_age_sex`), ClinicalTrials.gov age limits and sex (`parse_ct_age`, `parse_ct_sex`) and eligibility
criteria split into inclusion and exclusion (`split_criteria`).

Why apart from `ehr_adapters.trec_ct` (which reads the files): these are text rules with their own
failure modes (regexes kept linear on long inputs), tested on their own.
"""

from __future__ import annotations

import re

from ehr_adapters.record import YEARS_PER_UNIT

# --- demographics from free text ------------------------------------------------------------------------

_AGE = re.compile(
    r"(?<![\d.])(\d{1,3}(?:\.\d+)?)(?:\s*-)?\s*"  # one way to read "58 - year": linear on long space runs
    r"(years?|yrs?|y/o|y\.o\.?|yo|months?|mos?|weeks?|wks?|days?)\b(?:[- ]?old)?",
    re.IGNORECASE,
)
_AGE_SEX_SHORT = re.compile(r"(?<![\d.])(\d{1,3})\s?([MF])\b")  # "48 M", "74M"
_UNIT_PREFIX = {"month": "month", "mo": "month", "week": "week", "wk": "week", "day": "day"}  # else years
_FEMALE = {"woman", "female", "girl", "lady", "f", "mother", "gravida", "postmenopausal"}
_MALE = {"man", "male", "boy", "gentleman", "m", "guy"}
_SEX_WORD = re.compile(r"\b(women|woman|female|girl|lady|gentleman|men|man|male|boy|guy)\b", re.IGNORECASE)


_PRONOUN = re.compile(r"\b(s?he)\b", re.IGNORECASE)
MAX_TOPIC_CHARS = 20_000  # TREC topics are under 2,000 characters; the patient is described at the start


def parse_age_sex(text: str) -> tuple[float | None, str | None]:
    """Age (years) and sex from a patient description; None for what the text does not say.

    The first age expression wins ("A 19 yo female at 32 weeks of gestation" is 19 years). Sex comes from
    a word right after the age ("58-year-old woman", "60 yo M"), else the majority of "he" vs "she", else
    the first sex word in the text. Only the first `MAX_TOPIC_CHARS` characters are read.
    """
    text = text[:MAX_TOPIC_CHARS]
    age: float | None = None
    sex: str | None = None
    after = ""
    match = _AGE.search(text)
    short = _AGE_SEX_SHORT.search(text)
    if short and (match is None or short.start() < match.start()):
        age = float(short.group(1))
        sex = "male" if short.group(2) == "M" else "female"
    elif match:
        unit = match.group(2).lower().rstrip(".")
        scale = next((YEARS_PER_UNIT[v] for k, v in _UNIT_PREFIX.items() if unit.startswith(k)), 1.0)
        age = round(float(match.group(1)) * scale, 4)
        after = text[match.end() : match.end() + 40]
    if sex is None and after:
        # "45-year-old man", "22yo F", "3-day-old Asian female infant"
        for token in re.findall(r"[A-Za-z]+", after)[:4]:
            if token.lower() in _FEMALE and (len(token) > 1 or token == "F"):
                sex = "female"
                break
            if token.lower() in _MALE and (len(token) > 1 or token == "M"):
                sex = "male"
                break
    if sex is None:
        # Subject pronouns mostly refer to the patient; "his wife" or "her mother" would mislead a count
        # of possessives, and a sex word elsewhere may describe a relative ("born to a 39-year-old woman").
        pronouns = [p.lower() for p in _PRONOUN.findall(text)]
        he, she = pronouns.count("he"), pronouns.count("she")
        if he != she:
            sex = "male" if he > she else "female"
    word = _SEX_WORD.search(text) if sex is None else None
    if word:
        sex = "female" if word.group(1).lower() in _FEMALE | {"women"} else "male"
    return age, sex


def parse_ct_age(raw: str | None) -> float | None:
    """ClinicalTrials.gov age limits ("18 Years", "6 Months", "N/A") -> years, or None."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not text or text.upper() in {"N/A", "NA", "NONE"}:
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?", text, re.IGNORECASE)
    if not match:
        raise ValueError(f"unrecognised age limit {text!r}")
    return round(float(match.group(1)) * YEARS_PER_UNIT[match.group(2).lower()], 4)


def parse_ct_sex(raw: str | None) -> str | None:
    """ClinicalTrials.gov sex/gender ("All", "FEMALE", "Both") -> "all" | "female" | "male" | None."""
    text = (raw or "").strip().lower()
    if text not in {"", "all", "both", "female", "male"}:
        raise ValueError(f"unrecognised sex {raw!r}")
    return None if not text else "all" if text == "both" else text


# Spaces and tabs only (not newlines) around an optional bullet: linear on long runs of blank lines.
_EXCLUSION_HEADING = re.compile(r"^[ \t]*(?:[-*][ \t]*)?exclusion criteria[ \t]*:?", re.IGNORECASE | re.MULTILINE)


def split_criteria(text: str) -> tuple[str, str]:
    """Split ClinicalTrials.gov eligibility text at its "Exclusion Criteria" heading."""
    match = _EXCLUSION_HEADING.search(text)
    if not match:
        return _strip_heading(text), ""
    return _strip_heading(text[: match.start()]), text[match.end() :].strip()


def _strip_heading(text: str) -> str:
    return re.sub(r"^\s*inclusion criteria\s*:?", "", text.strip(), flags=re.IGNORECASE).strip()
