"""TREC Clinical Trials track files: patient topics, relevance judgments (qrels) and trial records.

    topics, report = read_topics("trec-ct/topics2021.xml")      # or queries2022.jsonl (TrialGPT style)
    qrels, report = read_qrels("trec-ct/qrels2021.txt")          # or qrels2022.tsv (with header)
    trials, report = read_trials("trec-ct/trials_sample.jsonl")  # or ClinicalTrials.gov JSON / XML
    collections, trials, report, files = read_trec_ct("trec-ct/")  # a folder: topics paired with qrels

Qrel labels follow the track's definitions: 0 = not relevant, 1 = excluded, 2 = eligible (`LABELS`, in that
order; some released code swaps the first two names, which silently inverts a third of the gold labels).
Patient age and sex are parsed from the topic text ("A 58-year-old woman", "74M", "22yo F";
`ehr_adapters.trec_text`) because the topics carry no structured demographics; trial age limits and sex come from ClinicalTrials.gov's structured
fields when the record has them and stay None otherwise (the shared JSONL has none).
Why here: task builders need typed topics, trials and judgments, not file formats.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import replace as _replace
from pathlib import Path
from typing import Any

from ehr_adapters.errors import AdapterError, ReadReport
from ehr_adapters.trec_text import parse_age_sex, parse_ct_age, parse_ct_sex, split_criteria

# THE definition of the trial labels (index = qrel grade): ehrmind's `trial_match` family imports it. Rewards
# cannot import adapters and keep `rewards.values.TRIAL_LABELS`; tests/ehrmind/test_task_families.py pins both.
LABELS: tuple[str, ...] = ("not relevant", "excluded", "eligible")


@dataclass(frozen=True, slots=True)
class Topic:
    """One patient description. `collection` (e.g. "2021") keeps 2021 and 2022 topic ids apart."""

    topic_id: str
    text: str
    collection: str = ""
    age: float | None = None  # years (fractional for infants)
    sex: str | None = None  # "female" | "male" | None
    source: str = ""

    @property
    def patient_id(self) -> str:
        return f"trec{self.collection}:{self.topic_id}" if self.collection else f"trec:{self.topic_id}"


@dataclass(frozen=True, slots=True)
class Qrel:
    """One judgment: topic, trial and grade (0 not relevant, 1 excluded, 2 eligible)."""

    topic_id: str
    nct_id: str
    grade: int

    @property
    def label(self) -> str:
        return LABELS[self.grade]


@dataclass(frozen=True, slots=True)
class Trial:
    """A trial's eligibility-relevant fields. Ages in years; sex "all" | "female" | "male" | None."""

    nct_id: str
    title: str
    inclusion_criteria: str = ""
    exclusion_criteria: str = ""
    min_age: float | None = None
    max_age: float | None = None
    sex: str | None = None
    conditions: tuple[str, ...] = ()
    source: str = ""


@dataclass(slots=True)
class TrecCollection:
    """Topics with the qrels that judge them (one TREC year)."""

    name: str
    topics: list[Topic]
    qrels: list[Qrel]
    files: list[Path]


# --- topics -------------------------------------------------------------------------------------------


class _Issues:
    """Where problems go for one file: raised at once in strict mode, else recorded as skipped items."""

    def __init__(self, report: ReadReport, strict: bool, file: Path) -> None:
        self.report, self.strict, self.file = report, strict, file

    def add(self, position: int | str, field: str, message: str, fix: str) -> None:
        error = AdapterError(message, file=self.file, position=position, field=field, fix=fix)
        if self.strict:
            raise error
        self.report.skipped.append(error.as_skipped())


def read_topics(
    path: str | Path, *, collection: str | None = None, strict: bool = False
) -> tuple[list[Topic], ReadReport]:
    """Topics from a TREC XML file (`<topic number="1">text</topic>`) or a JSONL file (`_id`, `text`)."""
    path = Path(path)
    report = ReadReport()
    issues = _Issues(report, strict, path)
    items: list[tuple[int | str, str, str]] = []  # (position, id, text)
    if path.suffix.lower() == ".xml":
        for index, node in enumerate(_xml_root(path, "topics").iter("topic")):
            items.append((f"topic[{index}]", node.get("number") or "", "".join(node.itertext())))
    else:
        for lineno, obj in _jsonl(path, issues):
            items.append((lineno, str(obj.get("_id", obj.get("id", ""))), str(obj.get("text", ""))))
    topics = []
    seen: set[str] = set()
    for position, topic_id, text in items:
        text = text.strip()
        problem = "id" if not topic_id else "text" if not text else "duplicate id" if topic_id in seen else ""
        if problem:
            issues.add(
                position,
                problem,
                f"bad topic {topic_id!r}: {problem}",
                "give each topic a unique id and text",
            )
            continue
        seen.add(topic_id)
        age, sex = parse_age_sex(text)
        topics.append(Topic(topic_id, text, collection if collection is not None else _year(path.name), age, sex,
                            f"{path}:{position}"))  # fmt: skip
    report.count("topics", len(topics))
    return topics, report


# --- qrels --------------------------------------------------------------------------------------------


def read_qrels(path: str | Path, *, strict: bool = False) -> tuple[list[Qrel], ReadReport]:
    """Judgments from `topic 0 NCTID grade` (TREC) or `query-id corpus-id score` (TSV with header) lines."""
    path = Path(path)
    report = ReadReport()
    issues = _Issues(report, strict, path)
    qrels: list[Qrel] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            parts = line.split()
            if not parts:
                continue
            grade = parts[-1]
            if lineno == 1 and not grade.lstrip("-").isdigit():
                continue  # header row ("query-id corpus-id score")
            if len(parts) not in (3, 4) or grade not in ("0", "1", "2"):
                issues.add(lineno, "grade", f"bad qrel line {line.strip()[:80]!r}",
                           "write `topic 0 NCTID grade` or `topic NCTID grade` with grade 0, 1 or 2")  # fmt: skip
                continue
            qrels.append(Qrel(parts[0], parts[-2], int(grade)))
    report.count("qrels", len(qrels))
    return qrels, report


# --- trials -------------------------------------------------------------------------------------------


def read_trials(path: str | Path, *, strict: bool = False) -> tuple[list[Trial], ReadReport]:
    """Trials from JSONL (shared sample or one CT.gov study per line), CT.gov JSON / XML, or a folder."""
    path = Path(path)
    report = ReadReport()
    suffixes = {".json", ".jsonl", ".xml"}
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in suffixes) if path.is_dir() else [path]
    trials: list[Trial] = []
    for file in files:
        issues = _Issues(report, strict, file)
        if file.suffix.lower() == ".jsonl":
            items: list[tuple[int | str, Any]] = list(_jsonl(file, issues))
        elif file.suffix.lower() == ".json":
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                issues.add(f"line {exc.lineno}", "json", f"invalid JSON: {exc.msg}", "fix or remove the file")
                continue
            studies = data.get("studies", [data]) if isinstance(data, dict) else data
            items = [(f"study[{i}]", study) for i, study in enumerate(studies)]
        else:
            items = [("root", file)]
        for position, item in items:
            try:
                trial = _trial_from_xml(item) if isinstance(item, Path) else _trial_from_json(item)
            except (ValueError, TypeError, AttributeError) as exc:  # AdapterError is a ValueError
                field = exc.field if isinstance(exc, AdapterError) else "trial"
                message = exc.message if isinstance(exc, AdapterError) else f"{type(exc).__name__}: {exc}"
                issues.add(position, field, message,
                           "give nct_id and title (shared JSONL) or a ClinicalTrials.gov study record")  # fmt: skip
                continue
            trials.append(_replace(trial, source=f"{file}:{position}"))
    report.count("trials", len(trials))
    return trials, report


def _trial_from_json(obj: Any) -> Trial:
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    protocol = obj.get("protocolSection")
    if protocol is not None:  # ClinicalTrials.gov API v2 study
        ident = protocol.get("identificationModule", {})
        elig = protocol.get("eligibilityModule", {})
        return _make_trial(
            ident.get("nctId"), ident.get("briefTitle") or ident.get("officialTitle"),
            *split_criteria(elig.get("eligibilityCriteria") or ""),
            {"minimumAge": elig.get("minimumAge"), "maximumAge": elig.get("maximumAge"), "sex": elig.get("sex")},
            protocol.get("conditionsModule", {}).get("conditions", []),
        )  # fmt: skip
    # Flat record (the shared JSONL; TrialGPT-style corpora). Structured limits only when present.
    return _make_trial(
        obj.get("nct_id") or obj.get("_id"), obj.get("title") or obj.get("brief_title"),
        obj.get("inclusion_criteria"), obj.get("exclusion_criteria"),
        {"minimum_age": obj.get("minimum_age"), "maximum_age": obj.get("maximum_age"),
         "sex": obj.get("gender", obj.get("sex"))},
        obj.get("conditions") or obj.get("diseases_list") or [],
    )  # fmt: skip


def _trial_from_xml(path: Path) -> Trial:
    """Classic ClinicalTrials.gov XML (`<clinical_study>`)."""
    root = _xml_root(path, "clinical_study")
    elig = root.find("eligibility")
    get = elig.findtext if elig is not None else (lambda *_a, **_k: None)
    return _make_trial(
        root.findtext("id_info/nct_id"), root.findtext("brief_title") or root.findtext("official_title"),
        *split_criteria(get("criteria/textblock") or ""),
        {"minimum_age": get("minimum_age"), "maximum_age": get("maximum_age"), "gender": get("gender")},
        [c.text for c in root.findall("condition") if c.text],
    )  # fmt: skip


def _make_trial(nct_id, title, inclusion, exclusion, limits: dict[str, Any], conditions) -> Trial:
    """A checked Trial; `limits` maps the source's field names (min age, max age, sex, in that order)."""
    nct_id, title = str(nct_id or "").strip(), str(title or "").strip()
    if not re.fullmatch(r"NCT\d{8}", nct_id):
        raise AdapterError(f"not an NCT id: {nct_id!r}", field="nct_id", fix="use ids like NCT01234567")
    if not title:
        raise AdapterError("empty title", field="title", fix="give the trial's brief title")
    parsed = []
    for (name, raw), parse in zip(limits.items(), (parse_ct_age, parse_ct_age, parse_ct_sex), strict=True):
        try:
            parsed.append(parse(raw))
        except ValueError as exc:
            raise AdapterError(
                str(exc), field=name, fix="use ClinicalTrials.gov forms such as '18 Years', 'ALL'"
            ) from None
    return Trial(nct_id, title, str(inclusion or "").strip(), str(exclusion or "").strip(), *parsed,
                 conditions=tuple(str(c).strip() for c in conditions))  # fmt: skip


# --- a TREC CT folder ---------------------------------------------------------------------------------


def read_trec_ct(
    path: str | Path, *, strict: bool = False
) -> tuple[list[TrecCollection], list[Trial], ReadReport, list[Path]]:
    """A folder of topics (`topics*.xml`, `queries*.jsonl`), qrels (`qrels*`) and trials (`trials*`).

    Topics and qrels are paired by the year in their file names (topics2021.xml <-> qrels2021.txt);
    a single topics file pairs with a single qrels file. Returns collections, trials, one merged report
    and every file read (for manifest hashes).
    """
    path = Path(path)
    if not path.is_dir():
        raise AdapterError("expected a folder of TREC CT files", file=path, field="path",
                           fix="point trec-ct: at the folder holding topics, qrels and trials files")  # fmt: skip
    files = sorted(p for p in path.iterdir() if p.is_file())
    found = {kind: [p for p in files if p.name.lower().startswith(prefixes)]
             for kind, prefixes in (("topics", ("topics", "queries")), ("qrels", ("qrels",)), ("trials", ("trials",)))}  # fmt: skip
    for kind, paths in found.items():
        if not paths:
            raise AdapterError(f"no {kind} file", file=path, field=kind, fix=f"add a file named {kind}*")
    report = ReadReport()
    collections = []
    for topic_file in found["topics"]:
        year = _year(topic_file.name)
        matches = [q for q in found["qrels"] if year and _year(q.name) == year]
        if not matches and len(found["topics"]) == 1 and len(found["qrels"]) == 1:
            matches = found["qrels"]
        if len(matches) != 1:
            raise AdapterError(f"cannot pair topics with one qrels file (candidates: {[q.name for q in matches]})",
                               file=topic_file, field="qrels",
                               fix="name files by year, e.g. topics2021.xml + qrels2021.txt")  # fmt: skip
        topics, topic_report = read_topics(topic_file, collection=year, strict=strict)
        qrels, qrel_report = read_qrels(matches[0], strict=strict)
        report.merge(topic_report).merge(qrel_report)
        collections.append(TrecCollection(year or topic_file.stem, topics, qrels, [topic_file, matches[0]]))
    trials: list[Trial] = []
    for trial_file in found["trials"]:
        part, trial_report = read_trials(trial_file, strict=strict)
        trials.extend(part)
        report.merge(trial_report)
    return collections, trials, report, [p for paths in found.values() for p in paths]


# --- helpers ------------------------------------------------------------------------------------------


def _year(name: str) -> str:
    match = re.search(r"(19|20)\d\d", name)
    return match.group(0) if match else ""


def _xml_root(path: Path, what: str) -> ET.Element:
    try:
        return ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise AdapterError(f"not well-formed XML ({exc})", file=path, position=f"line {exc.position[0]}",
                           field=what, fix=f"check that the file is a complete {what} XML document") from None  # fmt: skip


def _jsonl(path: Path, issues: _Issues) -> Iterator[tuple[int, dict]]:
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                issues.add(lineno, "json", f"invalid JSON: {exc.msg}", "fix or remove the line")
                continue
            if not isinstance(obj, dict):
                issues.add(
                    lineno, "json", f"expected an object, got {type(obj).__name__}", "one object per line"
                )
                continue
            yield lineno, obj
