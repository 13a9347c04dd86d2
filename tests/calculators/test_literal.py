"""The fast entity-literal reader returns exactly what ast.literal_eval returns, or defers to it."""

from __future__ import annotations

import ast
import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculators.literal import NotSimple, read_literal
from calculators.medcalc import EntityError, parse_entities

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "medcalc-bench"

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=10), inner, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(values)
def test_same_value_as_literal_eval(value: object) -> None:
    # repr of any generated value (tuples, escapes, odd floats included): read_literal either returns
    # exactly literal_eval's value and types, or defers.
    text = repr(value)
    try:
        got = read_literal(text)
    except NotSimple:
        return  # deferred to ast.literal_eval by parse_entities
    assert got == ast.literal_eval(text) and type(got) is type(ast.literal_eval(text))


@pytest.mark.parametrize(
    "text",
    [
        "{'a': 1} + {}", "__import__('os')", "{'a': f(1)}", "{'a': 'x' 'y'}", "{'a': 'it\\'s'}", "{1, 2}",
        "{'a': 007}", "{'a': NaN}", "{'a': Infinity}", '{"a": "\\/"}', "{'a': (1, 2)}", "{1: 'x'}",
    ],  # fmt: skip
)
def test_outside_the_grammar_is_deferred(text: str) -> None:
    with pytest.raises(NotSimple):
        read_literal(text)


def test_parse_entities_falls_back_and_never_evaluates() -> None:
    assert parse_entities("{'a': 'it\\'s'}") == {"a": "it's"}  # escaped quote: literal_eval path
    with pytest.raises(EntityError):
        parse_entities("{'a': __import__('os').getcwd()}")


def test_every_shared_row_reads_identically() -> None:
    rows = 0
    for name in ("train_sample.csv", "one_shot_verified.csv"):
        path = DATA / name
        if not path.exists():
            pytest.skip(f"shared data not found at {path}")
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                text = row["Relevant Entities"]
                assert parse_entities(text) == ast.literal_eval(text)
                rows += 1
    assert rows == 1061
