"""GeoNames places: district links and the on-disk cache of the arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stclusters import places as places_mod


def test_districts_link_to_their_city_and_cities_stay_cities() -> None:
    p = places_mod.load_places()
    shanghai = p.find("Shanghai", "CN")
    assert p.parent[p.find("Pudong", "CN")] == shanghai
    assert p.parent[p.find("Brooklyn", "US")] == p.find("New York City", "US")
    for name, cc in (("Kawasaki", "JP"), ("Foshan", "CN"), ("Newark", "US"), ("Shanghai", "CN")):
        assert p.parent[p.find(name, cc)] == -1, name
    # a district is never a parent
    parents = p.parent[p.parent >= 0]
    assert (p.parent[parents] == -1).all()


def test_cache_round_trip_and_corrupt_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    built = places_mod._build_places(15000)
    path = places_mod._cache_file(15000, None)
    assert str(path).startswith(str(tmp_path))
    elsewhere = tmp_path / "chosen"
    assert places_mod._cache_file(15000, elsewhere).parent == elsewhere
    places_mod._to_cache(built, path)
    back = places_mod._from_cache(path)
    assert back is not None
    for field in ("geonameid", "lat", "lon", "population", "parent", "section"):
        assert np.array_equal(getattr(back, field), getattr(built, field)), field
    for field in ("name", "country", "admin1"):
        assert list(getattr(back, field)) == list(getattr(built, field)), field
    assert back.alternatenames == built.alternatenames
    path.write_bytes(b"not a zip file")
    assert places_mod._from_cache(path) is None


def test_load_places_caches_in_the_cache_dir_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "default"))
    chosen = tmp_path / "chosen"
    places_mod.load_places(15000, cache_dir=chosen)
    assert [p.suffix for p in chosen.iterdir()] == [".npz"]
    assert not (tmp_path / "default").exists()


@pytest.mark.parametrize(
    ("name", "country", "city"),
    [
        ("Brooklyn", "US", "New York City"),  # a district with few names
        ("Najafgarh", "IN", "Delhi"),
        ("New South Memphis", "US", "Memphis"),  # listed with more people than its city
        ("Paya Terubong", "MY", "George Town"),
        ("North Stamford", "US", "Stamford"),
        ("Cambridge", "US", None),  # a district by geography, a city by its names
        ("Kawasaki", "JP", None),
        ("Foshan", "CN", None),
        ("Espoo", "FI", None),
        ("Saitama", "JP", None),
        ("Quezon City", "PH", None),
    ],
)
def test_sections_never_name_and_cities_do(name: str, country: str, city: str | None) -> None:
    p = places_mod.load_places()
    i = p.find(name, country)
    got = p.name[p.section[i]] if p.section[i] >= 0 else None
    assert got == city
    assert bool(p.may_name(min_population=100_000)[i]) == (city is None)
