"""Accuracy on the held-out answer key (data/answer_key_holdout.csv).

317 real addresses drawn by ``draw_new_answer_key.py`` (another seed, the first key's addresses
left out) *before* the geocoding changes of issue 10, then read by a person who filled in city,
country, region (GeoNames admin1 code where the name alone is ambiguous) and the coordinates of
the place (the gazetteer's, or read off a map for the few places the gazetteer lacks), without
looking at what the geocoder says. An empty city: the address names none that can be placed
(a province, a company, a county); an empty country: the address names none. The key is held out:
rules are never tuned while looking at its misses; this test only prints the shares.

A city is right when the result is at city precision within 10 km of the key's coordinates, or
is a district of the key's place (or the reverse).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from stclusters._sphere import haversine_km
from stclusters.geocode import Geocoder
from stclusters.geocode._text import key

KEY = Path(__file__).parent / "data" / "answer_key_holdout.csv"
#: City accuracy measured on this key before the changes of issue 10 (96.0%, the floor to keep).
CITY_SHARE_BEFORE = 287 / 299
#: Country accuracy measured on this key before the changes of issue 10 (99.1%).
COUNTRY_SHARE_BEFORE = 314 / 317


def _rows() -> list[dict[str, str]]:
    with KEY.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_held_out_key_is_large_and_complete() -> None:
    rows = _rows()
    assert len(rows) >= 300
    assert {r["source"] for r in rows} == {"wos", "scopus", "uspto", "epo"}
    assert all(len(r["country"]) in (0, 2) for r in rows)
    assert all(bool(r["city"]) == bool(r["lat"]) == bool(r["lon"]) for r in rows)


def _city_right(geocoder: Geocoder, row: dict[str, str], lat: float, lon: float, name: str) -> bool:
    if float(haversine_km(lat, lon, float(row["lat"]), float(row["lon"]))) <= 10:
        return True
    gaz = geocoder.gazetteer
    truth = gaz.find(key(row["city"]), country=row["country"], admin1=row["region"] or None)
    if truth < 0:
        return False
    got = [i for i in gaz.places(key(name)) if gaz.lat[i] == lat and gaz.lon[i] == lon]
    return any(gaz.parent[i] == truth or gaz.parent[truth] == i for i in got)


def test_accuracy_on_the_held_out_key(
    geocoder: Geocoder, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _rows()
    countries = cities = with_city = 0
    for row in rows:
        res = geocoder.geocode(row["address"], style=row["source"])
        countries += (res.country or "") == row["country"]
        if not row["city"]:
            continue
        with_city += 1
        cities += (
            res.precision == "city"
            and res.lat is not None
            and res.lon is not None
            and _city_right(geocoder, row, res.lat, res.lon, res.city or "")
        )
    country_share = countries / len(rows)
    city_share = cities / with_city
    with capsys.disabled():
        print(
            f"\nheld-out key: {len(rows)} addresses; right countries {countries}/{len(rows)} "
            f"= {country_share:.1%}; right cities {cities}/{with_city} = {city_share:.1%}"
        )
    assert country_share >= COUNTRY_SHARE_BEFORE
    assert city_share >= CITY_SHARE_BEFORE
