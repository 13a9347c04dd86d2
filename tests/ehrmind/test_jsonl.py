"""The one reader of user-given JSONL files (`ehrmind.jsonl`) and the callers that share it."""

from __future__ import annotations

import pytest

from ehrmind.jsonl import json_objects
from ehrmind.seed_papers.prefer_train import PairsError, read_pairs
from ehrmind.tasks.warmup_data import user_rationales


class CustomError(ValueError):
    pass


def test_objects_with_line_numbers_and_blank_lines_skipped(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"a": 1}\n\n  \n{"b": 2}\n')
    assert list(json_objects(path)) == [(1, {"a": 1}), (4, {"b": 2})]


@pytest.mark.parametrize(
    ("line", "message"),
    [('{"a": ', "not JSON"), ("[1, 2]", "expected a JSON object, got list"), ("7", "got int")],
)
def test_a_bad_line_raises_the_callers_error_naming_file_and_line(tmp_path, line, message):
    path = tmp_path / "b.jsonl"
    path.write_text('{"ok": true}\n' + line + "\n")
    with pytest.raises(CustomError, match=rf"b\.jsonl:2: .*{message}"):
        list(json_objects(path, CustomError))


def test_rationales_name_a_line_that_is_not_json(tmp_path):
    # before one reader served every file, a broken rationale line surfaced as a bare JSONDecodeError
    path = tmp_path / "rationales.jsonl"
    path.write_text('{"prompt": "p", "rationale": "r", "answer": "1"}\n{oops\n')
    with pytest.raises(ValueError, match=r"rationales\.jsonl:2: not JSON"):
        user_rationales(str(path))


def test_pairs_keep_their_typed_error(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text('"just a string"\n')
    with pytest.raises(PairsError, match=r"pairs\.jsonl:1: expected a JSON object"):
        read_pairs(path)
