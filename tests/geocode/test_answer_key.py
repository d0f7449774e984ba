"""Accuracy on real addresses: the hand-made answer key (data/answer_key.csv).

The key holds 340 addresses drawn at random (fixed seed, ``draw_answer_key_sample.py``) from the
WoS, Scopus, USPTO and EPO samples, with the city and country a person read in each (region:
the GeoNames admin1 code, only where the name alone is ambiguous; an empty city where the address
names none). A city is right when the geocoded place is the key's place, lies within 10 km of
it, or is a district of it (or the reverse).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from stclusters._sphere import haversine_km
from stclusters.geocode import Geocoder
from stclusters.geocode._text import key

KEY = Path(__file__).parent / "data" / "answer_key.csv"


def _rows() -> list[dict[str, str]]:
    with KEY.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_key_is_large_and_covers_every_source() -> None:
    rows = _rows()
    assert len(rows) >= 300
    assert {r["source"] for r in rows} == {"wos", "scopus", "uspto", "epo"}
    assert all(len(r["country"]) == 2 for r in rows)


def _city_right(geocoder: Geocoder, row: dict[str, str], lat: float, lon: float, name: str) -> bool:
    gaz = geocoder.gazetteer
    truth = gaz.find(key(row["city"]), country=row["country"], admin1=row["region"] or None)
    assert truth >= 0, f"answer key city {row['city']!r} is not in the gazetteer"
    if float(haversine_km(lat, lon, gaz.lat[truth], gaz.lon[truth])) <= 10:
        return True
    got = [i for i in gaz.places(key(name)) if gaz.lat[i] == lat and gaz.lon[i] == lon]
    return any(gaz.parent[i] == truth or gaz.parent[truth] == i for i in got)


def test_accuracy_on_the_answer_key(geocoder: Geocoder, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows()
    countries = cities = with_city = 0
    wrong: list[str] = []
    for row in rows:
        res = geocoder.geocode(row["address"], style=row["source"])
        countries += res.country == row["country"]
        if not row["city"]:
            continue
        with_city += 1
        ok = (
            res.precision == "city"
            and res.lat is not None
            and res.lon is not None
            and _city_right(geocoder, row, res.lat, res.lon, res.city or "")
        )
        cities += ok
        if not ok:
            wrong.append(f"{row['address']!r}: key {row['city']}, got {res.city} ({res.rule})")
    country_share = countries / len(rows)
    city_share = cities / with_city
    with capsys.disabled():
        print(
            f"\nanswer key: {len(rows)} addresses; right countries {countries}/{len(rows)} "
            f"= {country_share:.1%}; right cities {cities}/{with_city} = {city_share:.1%}"
        )
    assert country_share >= 0.98, wrong
    assert city_share >= 0.93, wrong
