"""A family's `prepare` (background thread while sources are read, joined before any builder) and `prefetch`
(called on the read source; starts background work whose result the builder takes with
`ctx.prefetched_result`) never change what is built."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import polars as pl
import pytest

from ehrmind.tasks.background import in_background
from ehrmind.tasks.build import BuildOptions, build, parse_source
from ehrmind.tasks.family import RewardSpec, TaskFamily, register, unregister

MEDS = Path(__file__).resolve().parents[3] / "examples" / "meds" / "mimic-iv-demo"
SEEN: dict[str, object] = {}


def _prepare(options) -> None:
    SEEN["prepare_thread"] = threading.current_thread().name
    time.sleep(0.3)  # slower than reading the source: the build must wait for it
    SEEN["prepared"] = True


def _failing_prepare(options) -> None:
    raise RuntimeError("warm-up failed")


def _prefetch(ctx):
    SEEN["prefetch_called_in"] = threading.current_thread().name
    return in_background(_label_text, ctx.source.kind, name="toy-labels")


def _label_text(kind: str) -> str:
    SEEN["prefetch_thread"] = threading.current_thread().name
    return f"prefetched from {kind}"


def _build(ctx):
    from ehrmind.tasks.prompts import chat_prompt
    from ehrmind.tasks.schema import TaskRows, new_row

    SEEN["prepared_before_build"] = SEEN.get("prepared", False)
    out = TaskRows()
    gold = {"kind": "label", "value": "yes", "choices": ["yes", "no"]}
    for patient in ("1", "2"):
        prompt = chat_prompt(ctx.prefetched_result("toyp") or "nothing prefetched", "Yes or no?", gold)
        out.rows.append(new_row(f"toyp/{patient}", "toyp", prompt, gold, patient, {}))
    return out


def _family(prepare: str) -> TaskFamily:
    return TaskFamily(name="toyp", order=98, sources=("meds",), build=_build, gold_kinds=("label",),
                      grader="diagnosis_label", rubric=(RewardSpec("diagnosis_label"),), labels=("yes", "no"),
                      prepare=prepare, prefetch=f"{__name__}:_prefetch")  # fmt: skip


@pytest.fixture
def declared(request):
    SEEN.clear()
    register(_family(f"{__name__}:{request.param}"))
    yield
    unregister("toyp")


@pytest.mark.parametrize("declared", ["_prepare"], indirect=True)
def test_prepare_runs_in_a_thread_and_finishes_before_the_builder(declared, tmp_path):
    build(BuildOptions(sources=[parse_source(f"meds:{MEDS}")], tasks=["toyp"], out=tmp_path / "out"))
    assert SEEN["prepare_thread"] == "prepare-toyp"
    assert SEEN["prepared_before_build"] is True
    assert SEEN["prefetch_called_in"] == threading.main_thread().name
    assert SEEN["prefetch_thread"] == "toy-labels"
    rows = pl.concat([pl.read_parquet(tmp_path / "out" / f"{s}.parquet") for s in ("train", "val", "test")])
    users = [m["content"] for p in rows.get_column("prompt").to_list() for m in p if m["role"] == "user"]
    assert users and all(u.startswith("prefetched from meds") for u in users)


def _failing_prefetch(ctx):
    return in_background(_fail, name="toy-labels")


def _fail() -> None:
    raise ValueError("labeler failed")


def test_a_prefetch_error_is_raised_by_the_build(tmp_path):
    family = _family(f"{__name__}:_prepare")
    register(TaskFamily(**{**family.__dict__, "prefetch": f"{__name__}:_failing_prefetch"}))
    try:
        with pytest.raises(ValueError, match="labeler failed"):
            build(BuildOptions(sources=[parse_source(f"meds:{MEDS}")], tasks=["toyp"], out=tmp_path / "out"))
    finally:
        unregister("toyp")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("declared", ["_failing_prepare"], indirect=True)
def test_a_failing_prepare_leaves_the_build_to_the_builder(declared, tmp_path):
    manifest = build(BuildOptions(sources=[parse_source(f"meds:{MEDS}")], tasks=["toyp"], out=tmp_path / "out"))
    assert manifest["rows"] == 2


@pytest.mark.parametrize("declared", ["_prepare"], indirect=True)
def test_keep_receives_the_build_data_instead_of_it_being_freed(declared, tmp_path):
    kept: list = []
    manifest = build(BuildOptions(sources=[parse_source(f"meds:{MEDS}")], tasks=["toyp"], out=tmp_path / "out"),
                     keep=kept.append)
    (built, rows, context) = kept[0]
    assert [r["id"] for r in rows] == ["toyp/1", "toyp/2"] and manifest["rows"] == len(rows)
    assert context.source.kind == "meds" and built.rows
