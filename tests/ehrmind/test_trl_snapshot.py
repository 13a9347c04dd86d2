"""Every shipped recipe builds the same TRL config (class and keyword arguments) and dumps the same config as
recorded in data/trl_snapshot.json (see trl_snapshot.py; rewrite it only for a deliberate, reviewed change)."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from trl_snapshot import SNAPSHOT, snapshot  # noqa: E402

RECORDED = json.loads(SNAPSHOT.read_text())


@pytest.fixture(scope="module")
def current():
    return snapshot()  # built once: every recipe loaded as the stages load it


def test_every_recipe_is_in_the_snapshot(current):
    assert sorted(current) == sorted(RECORDED)


@pytest.mark.parametrize("label", sorted(RECORDED))
def test_recipe_builds_the_recorded_trl_config(current, label):
    got, want = current[label], RECORDED[label]
    assert got["trl_class"] == want["trl_class"]
    assert got["trl_kwargs"] == want["trl_kwargs"]
    assert got["dump"] == want["dump"]


@pytest.mark.parametrize("label", [k for k in sorted(RECORDED) if RECORDED[k]["trl_class"]])
def test_recorded_kwargs_build_the_trl_class_on_cpu(label):
    from ehrmind.trl_args import class_for

    want = RECORDED[label]
    stage = {"SFTConfig": "warmup", "GRPOConfig": "rl"}.get(want["trl_class"], "prefer")
    cls = class_for(stage, "dpo" if want["trl_class"] == "DPOConfig" else "cpo")
    assert cls.__name__ == want["trl_class"]
    cls(**want["trl_kwargs"])  # TRL accepts them on this CPU machine
