"""Source kinds of `ehrmind data build` and what a family's builder receives: `--source KIND:PATH` read once.

    parse_source("meds:../shared/data/mimic-iv-demo-meds") -> Source("meds", Path(...))
    loaded = load(source, options)          # report, files, kind-specific data, splits the source fixes
    family.builder()(BuildContext(source, options, loaded, render))

Each kind has one reader (`READERS`): `medcalc-bench` yields (file, cases) per CSV, `trec-ct` gives
(collections, trials), `fhir` and `meds` give `Records` (an events frame and a patient lookup, shared by
every family built from the source: a MEDS timeline is built once per patient whatever reads it). Families
declare which kinds they read (`TaskFamily.sources`); a new family reading an existing kind needs no edit here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ehr_adapters.codes import concept_of
from ehr_adapters.errors import ReadReport
from ehr_adapters.medcalc_bench import read_medcalc_bench
from ehr_adapters.record import PatientRecord
from ehr_adapters.serialize import meds_timelines, serialize, serialize_timeline
from ehr_adapters.trec_ct import read_trec_ct
from ehrmind.tasks.background import in_background

if TYPE_CHECKING:
    import polars as pl

MEDS_SPLIT_NAMES = {"train": "train", "tuning": "val", "val": "val", "held_out": "test", "test": "test"}


class BuildError(ValueError):
    """The build cannot run as asked (bad source, unknown task, nothing to build)."""


@dataclass(frozen=True)
class Source:
    kind: str
    path: Path

    def __str__(self) -> str:
        return f"{self.kind}:{self.path}"


@dataclass
class BuildOptions:
    sources: list[Source]
    tasks: list[str]
    out: Path
    seed: int = 0
    split: tuple[float, float, float] = (0.8, 0.1, 0.1)
    strict: bool = False
    max_per_task: int | None = None
    max_tokens: int = 1024  # serialized-record budget for calc and ehrshot prompts
    per_patient: int = 2  # mined calculator tasks per patient and calculator
    criteria_chars: int = 4000  # trial criteria shown in trial_match prompts
    tokenizer: str | None = None  # local tokenizer directory for exact token counts
    labels: list[Path] = field(default_factory=list)  # EHRSHOT label files (labeled_patients.csv, MEDS labels)
    aces: Path | None = None  # ACES task config (task "aces/<stem>"); see ehrmind.tasks.aces_tasks
    aces_predicates: Path | None = None  # ACES predicates file overriding the config's predicates
    open_book: bool = False  # calculator rows get the calculator's card in the prompt (ehrmind.tasks.open_book)
    keep_unanswerable: bool = False  # keep EHRSHOT lab rows with no earlier result of the test
    include_blood_gas: bool = False  # EHRSHOT lab tasks also read MIMIC blood-gas items
    # Calculator definitions (calculators.editions): None = each MedCalc-Bench file's own edition (detected),
    # `source` for record-mined rows.
    edition: str | None = None


@dataclass
class Loaded:
    """One source, read: its read report, the files read, the kind's data and the splits it fixes."""

    report: ReadReport
    files: list[Path]
    data: Any
    # patient id -> split the source names (MEDS subject_splits), asked for after the families are built
    fixed_splits: Callable[[], dict[str, str]] = dict


@dataclass
class Records:
    """Patient records of a `fhir` or `meds` source: mined events, a lookup by patient id, the MEDS dataset."""

    events: Callable[[], Any]  # -> polars frame (subject_id as text, time, concept, value, unit)
    get: Callable[[list], dict[str, Any]]  # patient ids -> {id: record or timeline}
    dataset: Any = None  # ehr_adapters.meds.MedsDataset for meds sources (EHRSHOT and ACES read it)
    # start building every patient's record in the background (families that render nearly all of them)
    prefetch: Callable[[], None] = lambda: None


@dataclass
class BuildContext:
    """What a family's builder gets: the source, the build options, the loaded source, the prompt renderer."""

    source: Source
    options: BuildOptions
    loaded: Loaded
    render: Callable[[Any, datetime], str] | None  # record/timeline + time -> prompt text (record sources)
    prefetched: dict[str, Any] = field(default_factory=dict)  # family name -> its `prefetch` result or Future

    def prefetched_result(self, family: str) -> Any:
        """The family's `prefetch` result (waiting for it and raising its error when it runs in the
        background), or None without one."""
        found = self.prefetched.get(family)
        return found.result() if isinstance(found, Future) else found

    def selected(self, family: str) -> list[str]:
        """The `--tasks` items of one family (e.g. ["ehrshot/lab_anemia"])."""
        return [t for t in self.options.tasks if t.split("/", 1)[0] == family]


def _read_medcalc_bench(source: Source, options: BuildOptions) -> Loaded:
    files = sorted(source.path.glob("*.csv")) if source.path.is_dir() else [source.path]
    report = ReadReport()

    def cases() -> Iterator[tuple[Path, list]]:
        # Read file by file as the builder asks (its rows before the next file's reading, as strict mode expects).
        for file in files:
            part, part_report = read_medcalc_bench(file, strict=options.strict)
            report.merge(part_report)
            yield file, part

    return Loaded(report, files, cases())


def _read_trec_ct(source: Source, options: BuildOptions) -> Loaded:
    collections, trials, report, files = read_trec_ct(source.path, strict=options.strict)
    return Loaded(report, files, (collections, trials))


def _read_fhir(source: Source, options: BuildOptions) -> Loaded:
    # lazy: loads polars, which importing this module does not
    from ehr_adapters.fhir import read_fhir

    records, report = read_fhir(source.path, strict=options.strict)
    by_id = {r.patient_id: r for r in records}
    data = Records(lambda: events_frame(records), lambda ids: {i: by_id[i] for i in ids if i in by_id})
    return Loaded(report, _all_files(source.path), data)


def _read_meds(source: Source, options: BuildOptions) -> Loaded:
    import polars as pl

    # lazy: loads polars, which importing this module does not
    from ehr_adapters.meds import read_meds
    dataset = read_meds(source.path, strict=options.strict)
    timelines: dict[str, Any] = {}
    everyone: list[Future] = []  # set by `prefetch`: every subject's timeline, being built in the background

    def prefetch() -> None:
        # For families that render (nearly) every patient: one polars join and sort for all subjects,
        # which overlaps the labelers and the calculator search (`ehrmind.tasks.background`).
        if not everyone:
            everyone.append(in_background(meds_timelines, dataset, name="meds-timelines"))

    def get_records(ids: list) -> dict[str, Any]:
        # Timelines straight from the frame: the same prompt text as records, without Event objects;
        # built once per patient and shared by every family built from this source.
        if everyone:
            if not timelines:
                timelines.update({str(k): v for k, v in everyone[0].result().items()})
        else:
            missing = [int(i) for i in ids if str(i) not in timelines]
            if missing:
                timelines.update({str(k): v for k, v in meds_timelines(dataset, missing).items()})
        return {str(i): timelines[str(i)] for i in ids if str(i) in timelines}

    def events():
        return dataset.concept_events().with_columns(pl.col("subject_id").cast(pl.Utf8))

    data = Records(events, get_records, dataset, prefetch)
    return Loaded(dataset.report, list(dataset.files), data, lambda: meds_fixed_splits(source, dataset))


def meds_fixed_splits(source: Source, dataset: Any) -> dict[str, str]:
    """Patient -> split from a MEDS `subject_splits` file; an unknown split name is a BuildError."""
    fixed: dict[str, str] = {}
    for subject, split in dataset.splits.items():
        if split is not None:
            if split not in MEDS_SPLIT_NAMES:
                raise BuildError(
                    f"{source}: subject_splits names split {split!r}; expected one of "
                    f"{', '.join(MEDS_SPLIT_NAMES)}"
                )
            fixed[str(subject)] = MEDS_SPLIT_NAMES[split]
    return fixed


# Source kind -> reader, in listing order; `RECORD_KINDS` hold patient records (the build renders them).
READERS: dict[str, Callable[[Source, BuildOptions], Loaded]] = {
    "medcalc-bench": _read_medcalc_bench,
    "trec-ct": _read_trec_ct,
    "fhir": _read_fhir,
    "meds": _read_meds,
}
RECORD_KINDS = ("fhir", "meds")


def parse_source(text: str) -> Source:
    """ "meds:../data/x" -> Source("meds", Path("../data/x")); raises BuildError naming the fix."""
    kind, sep, path = text.partition(":")
    if not sep or kind not in READERS:
        raise BuildError(f"--source {text!r}: expected KIND:PATH with KIND one of {', '.join(READERS)}")
    if not Path(path).exists():
        raise BuildError(f"--source {text!r}: {path} does not exist")
    return Source(kind, Path(path))


def load(source: Source, options: BuildOptions) -> Loaded:
    return READERS[source.kind](source, options)


def serializer(options: BuildOptions) -> Callable[[Any, datetime], str]:
    """render(record or timeline, time) with the build's token budget (and tokenizer, when one is given)."""
    tokenizer = None
    if options.tokenizer:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(options.tokenizer, local_files_only=True)

    kwargs = {"max_tokens": options.max_tokens, "tokenizer": tokenizer}
    memo: dict[tuple[int, datetime], tuple[Any, str]] = {}

    def render(patient, when: datetime) -> str:
        # Tasks at one instant of one patient (a lab panel: 5 EHRSHOT tasks; several calculators) share
        # the context: render it once. Keyed by object id, holding the object so the id stays unique.
        hit = memo.get((id(patient), when))
        if hit is not None and hit[0] is patient:
            return hit[1]
        if len(memo) > 4096:
            memo.clear()
        if isinstance(patient, PatientRecord):
            text = serialize(patient, prediction_time=when, **kwargs)
        else:
            text = serialize_timeline(patient, prediction_time=when, **kwargs)  # MEDS fast path: a Timeline
        memo[(id(patient), when)] = (patient, text)
        return text

    return render


def _all_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))


def events_frame(records: Iterable[PatientRecord]) -> pl.DataFrame:
    """Concept measurements from records (FHIR path): subject_id, time, concept, numeric_value, unit, code
    (the frame `ehrmind.tasks.calc_mined` mines calculator inputs from)."""
    import polars as pl  # lazy: loads polars, which importing this module does not

    rows = []
    for record in records:
        for event in record.events:
            if event.value is None or event.time is None:
                continue
            concept = concept_of(event.code, event.system)
            if concept is not None:
                rows.append(
                    (record.patient_id, event.time, concept, float(event.value), event.unit, event.code)
                )
    schema = {"subject_id": pl.Utf8, "time": pl.Datetime("us"), "concept": pl.Utf8, "numeric_value": pl.Float64,
              "unit": pl.Utf8, "code": pl.Utf8}  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")
