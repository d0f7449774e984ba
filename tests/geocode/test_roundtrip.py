"""Every large GeoNames place, written as an address, geocodes back to within 10 km of itself."""

from __future__ import annotations

import numpy as np
import pytest

from stclusters._sphere import haversine_km
from stclusters.geocode import Geocoder
from stclusters.geocode._text import ascii_text
from stclusters.places import country_names

WOS = {"CN": "Peoples R China", "US": "USA", "KR": "South Korea", "AE": "U Arab Emirates"}
GB_NATIONS = {"ENG": "England", "SCT": "Scotland", "WLS": "Wales", "NIR": "North Ireland"}


def _address(name: str, country: str, admin1: str) -> str:
    city = ascii_text(name)
    if country == "US":
        return f"Univ Foo, Dept Bar, {city}, {admin1} 02138 USA"
    if country == "GB":
        return f"Univ Foo, {city}, {GB_NATIONS.get(admin1, 'England')}"
    if country in ("DE", "FR"):
        return f"Foo Univ, Dept Bar, 12345 {city}, {country_names()[country]}"
    return f"Foo Univ, Sch Bar, {city}, {WOS.get(country, country_names()[country])}"


def test_large_places_round_trip(geocoder: Geocoder, capsys: pytest.CaptureFixture[str]) -> None:
    gaz = geocoder.gazetteer
    big = [i for i, p in enumerate(gaz.population) if p >= 100_000 and gaz.parent[i] < 0]
    assert len(big) > 3000
    lat = np.empty(len(big))
    lon = np.empty(len(big))
    for n, i in enumerate(big):
        res = geocoder.geocode(_address(gaz.name[i], gaz.country[i], gaz.admin1[i]), style="wos")
        lat[n] = np.nan if res.lat is None else res.lat
        lon[n] = np.nan if res.lon is None else res.lon
    d = haversine_km(lat, lon, gaz.lat[big], gaz.lon[big])
    share = float(np.mean(np.nan_to_num(d, nan=np.inf) <= 10))
    with capsys.disabled():
        print(f"\nround trip of {len(big):,} places of 100,000+: {share:.1%} within 10 km")
    assert share >= 0.97
