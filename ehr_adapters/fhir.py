"""FHIR R4 Bundles and bulk-export NDJSON -> PatientRecords, strict or lenient.

    records, report = read_fhir("../shared/data/fhir-synthea")               # folder of Bundle .json files
    records, report = read_fhir("../shared/data/fhir-synthea/bulk-ndjson")   # bulk export, one type per file
    records, report = read_fhir("bundle.json", strict=True)                   # validate, stop at first error

Lenient (default) parses JSON directly and extracts only what it needs, which is fast; every resource it
cannot use is reported (file, line or entry index, reason) and the read goes on. Top-level element names
are checked against the R4 model, so R5-only or misspelled fields are reported, not silently ignored.
Strict validates every resource with `fhir.resources.R4B` (the package's default models are R5 and reject
fields Synthea writes) and raises `AdapterError` at the first problem, naming file, position and field.

Patient, Encounter, Condition, Observation (UCUM `valueQuantity`; one Event per component, e.g. blood
pressure), MedicationRequest/Statement/Administration, Procedure, AllergyIntolerance, Immunization and
DiagnosticReport become Events; references are resolved by `urn:uuid:` fullUrl or `Type/id`. Other
resource types (Claim, Organization, ...) are counted in `report.counts` as "ignored:<type>".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from functools import cache
from pathlib import Path

from ehr_adapters.errors import AdapterError, ReadReport
from ehr_adapters.fhir_extract import EXTRACTORS, MEDICATION_TYPES, FieldProblem, medication, parse_date
from ehr_adapters.record import Event, PatientRecord

_GENDER = {"male": "male", "female": "female", "other": "other"}
_BUNDLE_TYPES = {
    "collection",
    "transaction",
    "searchset",
    "batch",
    "document",
    "history",
    "transaction-response",
    "batch-response",
    "message",
}


@cache
def _model(resource_type: str):
    """The R4B model class, or None for names that are not R4 resource types."""
    from fhir.resources.R4B import get_fhir_model_class

    try:
        return get_fhir_model_class(resource_type)
    except (ValueError, KeyError, AttributeError, ImportError):
        return None


@cache
def _elements(resource_type: str) -> frozenset[str]:
    model = _model(resource_type)
    names = {f.alias or n for n, f in model.model_fields.items()} if model else set()
    return frozenset(names | {"resourceType"})


def read_fhir(path: str | Path, *, strict: bool = False) -> tuple[list[PatientRecord], ReadReport]:
    """Read a Bundle .json file, a folder of bundles, or a bulk-export NDJSON folder (auto-detected)."""
    reader = _Reader(strict)
    for file in _files(Path(path), reader.report):
        reader.load(file)
    return reader.finish(), reader.report


def _files(path: Path, report: ReadReport) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise AdapterError(
            "path does not exist", file=path, fix="pass a Bundle .json, a folder of them, or an NDJSON folder"
        )
    files = sorted(path.glob("*.json")) + sorted(path.glob("*.ndjson"))
    kept = []
    for f in files:
        if f.suffix == ".ndjson" and not _model(f.name.split(".", 1)[0]):
            report.count("ignored_files")  # e.g. the bulk export's log.ndjson: not FHIR resources
            continue
        kept.append(f)
    if not kept:
        raise AdapterError(
            "no .json or .ndjson FHIR files", file=path, fix="point at a bundle or bulk-export folder"
        )
    return kept


class _Reader:
    """Collects resources from every file, then resolves references and builds records."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.report = ReadReport()
        self.items: list[tuple[str, str | int, dict]] = []  # (file, position, resource)
        self.by_ref: dict[str, dict] = {}  # "urn:uuid:..." / "Type/id" -> resource
        self.seen: dict[str, tuple[str, str]] = {}  # "Type/id" -> (file, position) where first read

    def problem(self, file: str | Path, position: str | int, field: str, message: str, fix: str = "") -> None:
        err = AdapterError(message, file=file, position=position, field=field, fix=fix)
        if self.strict:
            raise err
        self.report.skipped.append(err.as_skipped())

    def load(self, file: Path) -> None:
        self.report.count("files")
        if file.suffix == ".ndjson":
            self._load_ndjson(file)
            return
        try:
            doc = json.loads(file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            self.problem(
                file,
                f"line {exc.lineno} col {exc.colno}",
                "(json)",
                f"invalid JSON: {exc.msg}",
                "the file is truncated or not JSON; export it again",
            )
            return
        except UnicodeDecodeError as exc:
            self.problem(file, f"byte {exc.start}", "(encoding)", "not UTF-8 text", "FHIR JSON must be UTF-8")
            return
        kind = doc.get("resourceType") if isinstance(doc, dict) else None
        if kind == "Bundle":
            if doc.get("type") not in _BUNDLE_TYPES:
                self.problem(
                    file,
                    "Bundle",
                    "type",
                    f"unknown bundle type {doc.get('type')!r}",
                    f"one of {sorted(_BUNDLE_TYPES)}",
                )
            self.report.count("bundles")
            for i, entry in enumerate(doc.get("entry") or []):
                resource = entry.get("resource") if isinstance(entry, dict) else None
                if (entry.get("search") or {}).get("mode") == "outcome":
                    continue  # searchset OperationOutcome: information about the search, not data
                self._add(file, f"entry[{i}]", resource, entry.get("fullUrl"))
        elif isinstance(kind, str) and _model(kind):
            self._add(file, "resource", doc, None)
        else:
            self.problem(
                file,
                "root",
                "resourceType",
                f"expected a Bundle or an R4 resource, got {kind!r}",
                "export a Bundle (collection, transaction or searchset)",
            )

    def _load_ndjson(self, file: Path) -> None:
        expected = file.name.split(".", 1)[0]
        with file.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    resource = json.loads(line)
                except json.JSONDecodeError as exc:
                    self.problem(
                        file,
                        f"line {lineno}",
                        "(json)",
                        f"invalid JSON: {exc.msg} at col {exc.colno}",
                        "the line is truncated; export it again",
                    )
                    continue
                if isinstance(resource, dict) and resource.get("resourceType") != expected:
                    self.problem(
                        file,
                        f"line {lineno}",
                        "resourceType",
                        f"{resource.get('resourceType')!r} in a {expected} file",
                        f"bulk export files hold one type each: move it to {resource.get('resourceType')}.ndjson",
                    )
                    continue
                self._add(file, f"line {lineno}", resource, None)

    def _add(self, file: Path, position: str, resource: object, full_url: str | None) -> None:
        if not isinstance(resource, dict):
            self.problem(
                file, position, "resource", "missing or not a JSON object", "each entry needs a resource"
            )
            return
        kind = resource.get("resourceType")
        if not isinstance(kind, str) or _model(kind) is None:
            self.problem(
                file,
                position,
                "resourceType",
                f"{kind!r} is not an R4 resource type",
                "fix the resourceType (e.g. Observation, Condition)",
            )
            return
        if not self._valid(file, position, kind, resource):
            return
        rid = resource.get("id")
        key = f"{kind}/{rid}" if rid else None
        if key is not None:
            if key in self.seen:
                first_file, first_pos = self.seen[key]
                if first_file != str(file) or self.by_ref[key] != resource:
                    if self.by_ref[key] == resource:
                        # transaction bundles each carry the Organization/Practitioner they reference
                        self.report.count(f"repeated_across_files:{kind}")
                        return
                    why = "conflicting content" if first_file != str(file) else "duplicate"
                    self.problem(
                        file,
                        position,
                        "id",
                        f"{why}: {key} already read at {Path(first_file).name}:{first_pos}",
                        "keep one version of the resource",
                    )
                    return
                self.problem(
                    file,
                    position,
                    "id",
                    f"duplicate resource: {key} already read at {first_pos}",
                    "remove the duplicate entry",
                )
                return
            self.seen[key] = (str(file), position)
            self.by_ref[key] = resource
        if full_url:
            self.by_ref[full_url] = resource
        self.items.append((str(file), position, resource))
        self.report.count(f"resources:{kind}")

    def _valid(self, file: Path, position: str, kind: str, resource: dict) -> bool:
        if self.strict:
            from pydantic import ValidationError

            try:
                _model(kind).model_validate(resource)
            except ValidationError as exc:
                first = exc.errors()[0]
                field = ".".join(str(p) for p in first["loc"]) or kind
                msg = first["msg"]
                if first["type"] == "extra_forbidden":
                    msg = f"not an element of R4 {kind} (R5-only or misspelled)"
                self.problem(
                    file,
                    position,
                    field,
                    f"{msg} (value {str(first.get('input'))[:60]!r})",
                    "make the resource valid FHIR R4 (fhir.resources.R4B)",
                )
            return True
        extra = sorted(set(resource) - _elements(kind) - {"fhir_comments"})
        extra = [k for k in extra if not (k.startswith("_") and k[1:] in _elements(kind))]
        if extra:
            self.problem(
                file,
                position,
                extra[0],
                f"not an element of R4 {kind} (R5-only or misspelled)",
                "remove it or convert the resource to R4",
            )
            return False
        return True

    def _resolve(self, ref: object, container: dict | None = None) -> dict | None:
        if not isinstance(ref, str):
            return None
        if ref.startswith("#") and container is not None:
            return next((c for c in container.get("contained") or [] if c.get("id") == ref[1:]), None)
        if ref in self.by_ref:
            return self.by_ref[ref]
        parts = ref.rstrip("/").split("/")  # absolute URLs: take the trailing Type/id
        return self.by_ref.get("/".join(parts[-2:])) if len(parts) >= 2 else None

    def finish(self) -> list[PatientRecord]:
        records: dict[int, PatientRecord] = {}
        for file, position, r in self.items:
            if r["resourceType"] == "Patient":
                try:
                    records[id(r)] = _patient(r, f"{file}#{position}")
                except FieldProblem as p:
                    self.problem(file, position, p.field, p.message, p.fix)
        for file, position, r in self._event_items():
            kind = r["resourceType"]
            ref = (r.get("subject") or r.get("patient") or {}).get("reference")
            target = self._resolve(ref)
            record = records.get(id(target)) if target is not None else None
            if record is None:
                self.problem(
                    file,
                    position,
                    "subject" if "subject" in r else "patient",
                    f"reference {ref!r} does not resolve to a Patient that was read",
                    "include the Patient resource (bundle entry or Patient.ndjson)",
                )
                continue
            try:
                if kind in MEDICATION_TYPES:
                    events = medication(r, f"{file}#{position}", lambda x, r=r: self._resolve(x, r))
                else:
                    events = EXTRACTORS[kind](r, f"{file}#{position}")
            except FieldProblem as p:
                self.problem(file, position, p.field, p.message, p.fix)
                continue
            except (AttributeError, TypeError, KeyError) as exc:  # wrong JSON shapes deep inside a resource
                self.problem(
                    file,
                    position,
                    kind,
                    f"malformed resource ({type(exc).__name__}: {exc})",
                    "validate it with read_fhir(..., strict=True) to see the exact field",
                )
                continue
            if not events:
                self.report.count(f"no_value:{kind}")  # e.g. a panel Observation that only groups members
            record.events.extend(events)
            self.report.count("events", len(events))
        out = sorted(records.values(), key=lambda rec: rec.patient_id)
        for rec in out:
            rec.events.sort(key=_event_order)
        self.report.count("patients", len(out))
        return out

    def _event_items(self) -> Iterator[tuple[str, str | int, dict]]:
        for file, position, r in self.items:
            kind = r["resourceType"]
            if kind in EXTRACTORS or kind in MEDICATION_TYPES:
                yield file, position, r
            elif kind != "Patient":
                self.report.count(f"ignored:{kind}")


def _event_order(e: Event) -> tuple:
    # time order (static facts first); kind and code break ties so output does not depend on file order
    return (e.time is not None, e.time or datetime.min, e.kind, e.code)


def _patient(r: dict, source: str) -> PatientRecord:
    birth = parse_date(r["birthDate"], "birthDate") if r.get("birthDate") else None
    death = parse_date(r["deceasedDateTime"], "deceasedDateTime") if r.get("deceasedDateTime") else None
    pid = r.get("id")
    if not pid:
        raise FieldProblem("id", "Patient without an id", "give every Patient an id")
    return PatientRecord(str(pid), birth, _GENDER.get(str(r.get("gender", ""))), death, [], source)
