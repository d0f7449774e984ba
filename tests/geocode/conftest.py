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
