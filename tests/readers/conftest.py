"""Fixtures of the reader tests: the real samples beside the repository, and the small fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"


def _shared(folder: str = "samples") -> Path | None:
    repo = Path(__file__).resolve().parents[2]
    for base in (repo, *repo.parents):
        candidate = base / ".." / "shared" / "data" / folder
        if candidate.is_dir():
            return candidate.resolve()
        candidate = base / "shared" / "data" / folder
        if candidate.is_dir():
            return candidate.resolve()
    return None


@pytest.fixture(scope="session")
def samples() -> Path:
    """The folder of real sample exports (../shared/data/samples); skip when it is absent."""
    folder = _shared()
    if folder is None:
        pytest.skip("the real samples (../shared/data/samples) are not beside the repository")
    return folder


@pytest.fixture(scope="session")
def data() -> Path:
    """The small hand-written fixtures of the reader tests."""
    return DATA
