"""Solved unit conversions kept on disk between runs, so a warm `ehrmind data build` never imports pint.

Why: solving a conversion needs pint, and importing pint and loading its registry costs ~0.3 s of CPU;
a MIMIC demo build solves 63 conversions (most of them the calculator search ruling out incompatible
units) and needs pint for nothing else. The answers are the same every run, so they are kept.

Why this cannot serve a stale factor: the file name carries a digest of everything a conversion depends
on: `calculators/units.py` (aliases, analytes, the units ehrmind defines), pint's unit and constant
definition files and pint's installed version. Changing any of them starts a new file; the pint cache
(`cache_folder=":auto:"`) is keyed the same way. A refused conversion is kept with its message, so it
raises the same `UnitError`.

Where: `$EHRMIND_CACHE_DIR`, else `$XDG_CACHE_HOME/ehrmind`, else `~/.cache/ehrmind`. New answers are
written once, at exit, by an atomic rename; a directory that cannot be written is ignored (every run
then solves afresh, as without the cache).
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import json
import os
import tempfile
import threading
from pathlib import Path

FORMAT = 1  # bump when the file layout changes
_lock = threading.Lock()
_entries: dict[tuple[str, str, str | None], tuple[float, float] | str] | None = None
_new = False
_path: Path | None = None


def cache_dir() -> Path:
    explicit = os.environ.get("EHRMIND_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ehrmind"


def _digest(units_module: Path = Path(__file__).parent / "units.py") -> str:
    """Digest of what conversions depend on, read without importing pint."""
    h = hashlib.sha256(f"format {FORMAT}\n".encode())
    h.update(units_module.read_bytes())
    spec = importlib.util.find_spec("pint")
    if spec is None or spec.origin is None:
        return ""  # no pint: nothing can be solved, so nothing is kept
    package = Path(spec.origin).parent
    for name in ("default_en.txt", "constants_en.txt"):
        file = package / name
        h.update(file.read_bytes() if file.exists() else b"")
    # The installed version names the .dist-info folder beside the package (pint's code, not only its files).
    h.update(" ".join(sorted(p.name for p in package.parent.glob("pint-*.dist-info"))).encode())
    return h.hexdigest()[:20]


def _load() -> dict:
    global _entries, _path
    entries: dict = {}
    try:
        digest = _digest()
        if digest:
            _path = cache_dir() / f"unit-conversions-{digest}.json"
            if _path.exists():
                for source, target, analyte, answer in json.loads(_path.read_text(encoding="utf-8")):
                    entries[(source, target, analyte)] = tuple(answer) if isinstance(answer, list) else answer
    except (OSError, ValueError, TypeError):
        entries = {}  # unreadable or malformed: solve afresh and rewrite it
    _entries = entries
    return entries


def lookup(source: str, target: str, analyte: str | None) -> tuple[float, float] | str | None:
    """(scale, offset), the refusal's message, or None when this conversion was never solved here."""
    entries = _entries if _entries is not None else _loaded()
    return entries.get((source, target, analyte))


def _loaded() -> dict:
    with _lock:
        return _entries if _entries is not None else _load()


def remember(source: str, target: str, analyte: str | None, answer: tuple[float, float] | str) -> None:
    """Keep a solved conversion (saved at exit)."""
    global _new
    entries = _entries if _entries is not None else _loaded()
    with _lock:
        if entries.get((source, target, analyte)) != answer:
            entries[(source, target, analyte)] = answer
            if not _new:
                _new = True
                atexit.register(save)


def save() -> None:
    """Write the entries if any are new (atomic: a reader sees the old file or the new one)."""
    global _new
    with _lock:
        if not _new or _path is None or _entries is None:
            return
        rows = [[s, t, a, list(v) if isinstance(v, tuple) else v] for (s, t, a), v in _entries.items()]
        _new = False
    tmp = None
    try:
        _path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=_path.parent, prefix=".unit-conversions-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(rows, fh)
        os.replace(tmp, _path)
        tmp = None
    except OSError:
        pass  # a read-only or full cache directory: the next run solves these again
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def reset() -> None:
    """Forget what was loaded (tests: after changing `EHRMIND_CACHE_DIR`)."""
    global _entries, _new, _path
    with _lock:
        _entries, _new, _path = None, False, None
