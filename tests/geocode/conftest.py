"""Fixtures of the geocoding tests: one gazetteer built per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from stclusters.geocode import Geocoder


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder holding a freshly built gazetteer (built once per session)."""
    folder = tmp_path_factory.mktemp("geocode-cache")
    Geocoder.load(folder)
    return folder


@pytest.fixture(scope="session")
def geocoder(cache_dir: Path) -> Geocoder:
    """A geocoder on the session's gazetteer."""
    return Geocoder.load(cache_dir)


@pytest.fixture(scope="session")
def cases(shared_dir: Path) -> Path:
    """The small inputs reproducing reported faults (``../shared/data/cases``)."""
    path = shared_dir / "data" / "cases"
    if not path.is_dir():
        pytest.skip(f"{path} is absent: the fault-reproducing cases are not available here")
    return path
