"""(weeks, days) in text: every grammar for gestational age in one module, each with its own job.

    read_weeks_days("(5 weeks, 2 days)")          -> (5, 2)     a model's answer (rewards)
    parse_weeks_days_label("('29 weeks', '2 days')") -> (29, 2)   MedCalc-Bench's published label
    WEEKS_DAYS_MENTION.findall("at 5 weeks and 2 days ...") -> [("5", "2")]   a mention inside prose

Why three grammars and not one: they answer different questions, and merging them would change what
each accepts.
- A model's answer (`read_weeks_days`, used by `rewards.values.parse_weeks_days`) is matched whole and is
  permissive about separators ("5w 2d", "5, 2", "[5, 2]", "5 weeks and 2 days", "5 weeks"), because a
  right answer must not fail for its spelling.
- A published label (`parse_weeks_days_label`, used by `calculators.answers`) is MedCalc-Bench's Python
  tuple literal and nothing else: the label of a "date" calculator that has another shape is a data error
  that must raise, not a value to guess at. Every label it accepts, `read_weeks_days` reads the same
  (tests/calculators/test_weeks_days.py).
- A mention (`WEEKS_DAYS_MENTION`, used by `ehrmind.seed_papers.templates` to catch a thought template that gives the
  answer away) is searched for inside prose and needs both unit words: a bare "5, 2" in a plan is not a
  gestational age.
All three are linear (no nested unbounded repeats) and none evaluates text.
"""

from __future__ import annotations

import re

# A model's answer, on text whose whitespace runs are single spaces and lower-cased (the caller normalises):
# two numbers with a separator between them, a weeks word (and maybe a comma), or a comma/"and"/"+". Every
# gap is " ?": one way to match, linear.
WEEKS_DAYS_ANSWER = re.compile(
    r"[(\[]? ?['\"]?(\d{1,3}) ?(?:(?:w|wk|wks|weeks?)['\"]? ?(?:,|and|\+)?|['\"]? ?(?:,|and|\+)) ?"
    r"['\"]?(\d{1,2}) ?(?:d|days?)?['\"]? ?[)\]]?"
)
WEEKS_ONLY_ANSWER = re.compile(r"(\d{1,3}) ?(?:w|wk|wks|weeks?)")

# The benchmark writes gestational age as the Python tuple literal "('29 weeks', '2 days')" (singulars too;
# the quotes are optional so a hand-edited "(29 weeks, 2 days)" reads the same).
WEEKS_DAYS_LABEL = re.compile(
    r"\(\s*'?(\d{1,3})\s*weeks?'?\s*,\s*'?(\d{1,2})\s*days?'?\s*\)", re.IGNORECASE
)

# "5 weeks 2 days", "5 wks, 2 d", "5w and 2d" anywhere in prose (findall gives (weeks, days) strings).
# `(?<!\d)`: a mention starts where a run of digits starts. Without it `findall` retried from every digit of
# a long digit run, each retry rescanning the rest of the run (quadratic); a start inside a run could only
# find the same mention with a shorter number, so no mention is lost.
WEEKS_DAYS_MENTION = re.compile(
    r"(?<!\d)(\d+)\s*(?:weeks?|wks?|w)\W{0,5}(?:and\s+)?(\d+)\s*(?:days?|d)\b", re.IGNORECASE
)


def read_weeks_days(text: str) -> tuple[int, int] | None:
    """(weeks, days) from a normalised answer text (single spaces, lower case); None when it is not one.

    Range checks (days 0-6, ...) are the caller's: this only reads the numbers."""
    if m := WEEKS_DAYS_ANSWER.fullmatch(text):
        return int(m.group(1)), int(m.group(2))
    if m := WEEKS_ONLY_ANSWER.fullmatch(text):
        return int(m.group(1)), 0
    return None


def parse_weeks_days_label(text: str) -> tuple[int, int] | None:
    """(weeks, days) from "('29 weeks', '2 days')"; None for any other text."""
    match = WEEKS_DAYS_LABEL.fullmatch(text.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None
