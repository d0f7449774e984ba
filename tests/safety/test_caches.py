"""Caches that are torn or corrupt (a killed write, a bad disk) are detected and rebuilt."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from stclusters.geocode.cache import FILENAME, ResultCache
from stclusters.geocode.geocoder import GeocodeResult


def _torn(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00garbage\xff" * 1000)


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _flipped(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 3, len(data) // 3 + 64):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


DAMAGE: dict[str, Callable[[Path], None]] = {
    "torn": _torn,
    "garbage": _garbage,
    "empty": _empty,
    "flipped": _flipped,
}

PARIS = GeocodeResult(48.85, 2.35, "city", "Paris", "Ile-de-France", "FR", "city", None)


@pytest.mark.parametrize("damage", DAMAGE)
def test_result_cache_rebuilds_a_damaged_file(tmp_path: Path, damage: str) -> None:
    with ResultCache(tmp_path, "v1") as cache:
        cache.put([(f"key{i}", PARIS) for i in range(2000)])
        assert len(cache) == 2000
    DAMAGE[damage](tmp_path / FILENAME)
    with ResultCache(tmp_path, "v1") as cache:
        found = cache.get(["key1", "key2"])
        assert set(found) <= {"key1", "key2"}
        cache.put([("new", PARIS)])
        assert cache.get(["new"]) == {"new": PARIS}
    with ResultCache(tmp_path, "v1") as cache:  # the rebuilt file is a sound cache
        assert cache.get(["new"]) == {"new": PARIS}


@pytest.mark.parametrize("damage", DAMAGE)
def test_places_cache_rebuilds_a_damaged_file(tmp_path: Path, damage: str) -> None:
    from stclusters import places

    places.load_places.cache_clear()
    first = places.load_places(cache_dir=tmp_path)
    [path] = tmp_path.glob("places-*.npz")
    DAMAGE[damage](path)
    places.load_places.cache_clear()
    again = places.load_places(cache_dir=tmp_path)
    assert np.array_equal(first.geonameid, again.geonameid)
    assert list(first.name) == list(again.name)
    assert places._from_cache(path) is not None  # rebuilt and written again
    places.load_places.cache_clear()


@pytest.mark.parametrize("damage", ["torn", "garbage", "flipped"])
def test_gazetteer_cache_rebuilds_a_damaged_file(tmp_path: Path, damage: str) -> None:
    from stclusters.geocode.gazetteer import Gazetteer

    first = Gazetteer.load(tmp_path)
    [path] = tmp_path.glob("gazetteer-*.npz")
    DAMAGE[damage](path)
    again = Gazetteer.load(tmp_path)
    assert len(again) == len(first) and again.keys == first.keys
    assert len(Gazetteer.read(path)) == len(first)
