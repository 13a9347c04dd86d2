"""Shared test setup: offline hub, the shared data folder, and one tiny model per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # nothing in the tests may touch the network
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"needs the full public data sets at {SHARED_DATA} (not in a clone; README 'Data' says where to get it)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """The offline demo model, built once per test session."""
    from ehrmind.stages.models import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("models") / "tiny")


class _Rejecting:
    """A real calculator whose evaluate always raises `exc` (every other attribute is the real one)."""

    def __init__(self, calc, exc: Exception):
        self._calc, self._exc = calc, exc

    def __getattr__(self, name):
        return getattr(self._calc, name)

    def evaluate(self, *args, **kwargs):
        raise self._exc


@pytest.fixture
def rejecting():
    """`rejecting(calc, exc)`: a calculator whose every evaluation raises `exc` (rejection-sampling tests)."""
    return _Rejecting
