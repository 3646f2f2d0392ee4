"""Shared fixtures. The real spaCy pipeline is loaded once per test session; gold data from ../shared/data
is found here and tests that need it skip, saying why, when it is absent (a fresh clone)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DATELINE_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def nlp():
    """The full dateline pipeline on the real English model."""
    from dateline import nlp as nlp_stage

    return nlp_stage.load()


@pytest.fixture(scope="session")
def blank_nlp():
    from dateline import nlp as nlp_stage

    return nlp_stage.blank()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared is absent ({SHARED}); gold-data tests run in CI where it is present")
    return SHARED


def gold(relative: str) -> Path:
    """Path of a gold data set under ../shared/data, or skip the test with the reason."""
    path = SHARED / "data" / relative
    if not path.exists():
        pytest.skip(f"gold data {path} is absent (fresh clone); it is present in CI")
    return path
