"""Cluster names from real cities of the cluster's economies (issue 11 item 4, method.md 6).

Each case is a point or a small cluster a person can check on a map: the place it counts for,
and the name the cluster gets.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from stclusters._sphere import to_xyz
from stclusters.cli import app
from stclusters.measure.naming import (
    EN_DASH,
    MainPlaces,
    cluster_names,
    cluster_place_weights,
)
from stclusters.places import Places, load_places


@pytest.fixture(scope="module")
def places() -> Places:
    return load_places()


@pytest.fixture(scope="module")
def main(places: Places) -> MainPlaces:
    return MainPlaces(places, min_population=100_000)


def _at(places: Places, name: str, country: str) -> tuple[float, float]:
    i = places.find(name, country)
    return float(places.lat[i]), float(places.lon[i])


def _assign(
    main: MainPlaces, points: list[tuple[float, float]], economies: list[str] | None = None
) -> list[str]:
    lat, lon = np.array(points).T
    got = main.assign(to_xyz(lat, lon), radius_km=15.0, economies=economies)
    return [str(main.places.name[i]) for i in got]


def test_a_point_counts_for_its_own_city_not_a_larger_neighbour(
    places: Places, main: MainPlaces
) -> None:
    # Cambridge, Massachusetts, lies 4 km from Boston; Kawasaki 19 km from Tokyo
    spots = [_at(places, "Cambridge", "US"), _at(places, "Kawasaki", "JP")]
    assert _assign(main, spots) == ["Cambridge", "Kawasaki"]
    # northern Kawasaki (Mizonokuchi) lies within Tokyo's radius and nearer Tokyo's centre
    assert _assign(main, [(35.60, 139.61)]) == ["Tokyo"]


@pytest.mark.parametrize(
    ("section", "country", "city"),
    [
        ("Najafgarh", "IN", "Delhi"),
        ("Rohini", "IN", "Delhi"),
        ("Mar’ino", "RU", "Moscow"),
        ("Pudong", "CN", "Shanghai"),
        ("Brooklyn", "US", "New York City"),
        ("New South Memphis", "US", "Memphis"),
        ("Paya Terubong", "MY", "George Town"),
        ("North Stamford", "US", "Stamford"),
    ],
)
def test_districts_and_sections_never_name(
    places: Places, main: MainPlaces, section: str, country: str, city: str
) -> None:
    i = places.find(section, country)
    assert not places.may_name()[i]
    assert places.name[places.section[i]] == city
    assert _assign(main, [_at(places, section, country)]) == [city]


def test_far_cities_do_not_name_a_town(places: Places, main: MainPlaces) -> None:
    # Charlottesville (47,000) lies 100 km from Richmond; Windom, Minnesota, 135 km from Sioux
    # Falls; Armonk 48 km from Manhattan, within New York's metropolitan reach
    spots = [(38.0293, -78.4767), (43.86635, -95.11694), (41.12648, -73.71402)]
    assert _assign(main, spots) == ["Charlottesville", "Windom", "New York City"]


def test_places_of_other_economies_never_name(places: Places, main: MainPlaces) -> None:
    macau, zhuhai = _at(places, "Macau", "MO"), _at(places, "Zhuhai", "CN")
    maribor = _at(places, "Maribor", "SI")
    assert _assign(main, [macau, zhuhai], ["MO"]) == ["Macau", "Macau"]
    assert _assign(main, [macau, zhuhai], ["CN"]) == ["Zhuhai", "Zhuhai"]
    assert _assign(main, [macau, zhuhai], ["CN", "MO"]) == ["Macau", "Zhuhai"]
    # Maribor (96,000) has Graz 55 km away across the border
    assert _assign(main, [maribor], ["SI"]) == ["Maribor"]
    # an economy with no known place: any economy
    assert _assign(main, [macau], ["ZZ"]) == ["Macau"]


def test_a_macau_like_cluster(places: Places, main: MainPlaces) -> None:
    """A CN;MO cluster: most output in Macau, a fifth in Zhuhai; and the same points when the
    cluster is Macau's alone (Zhuhai's output below the economy threshold)."""
    (mlat, mlon), (zlat, zlon) = _at(places, "Macau", "MO"), _at(places, "Zhuhai", "CN")
    lat = np.array([mlat, mlat + 0.01, zlat])
    lon = np.array([mlon, mlon + 0.01, zlon])
    points = {0: (lat, lon, np.array([0.4, 0.4, 0.2])), 1: (lat, lon, np.array([0.5, 0.45, 0.05]))}
    economies = {0: ["MO", "CN"], 1: ["MO"]}
    weights = cluster_place_weights(main, points, economies=economies, radius_km=15.0)
    names = cluster_names(weights, places=places, economies=economies)
    assert names == {0: f"Macau{EN_DASH}Zhuhai", 1: "Macau"}


def test_a_district_cluster(places: Places, main: MainPlaces) -> None:
    """Output in Delhi's districts (Najafgarh, Rohini) and its centre: Delhi alone."""
    spots = [_at(places, n, "IN") for n in ("Najafgarh", "Rohini", "Delhi")]
    lat, lon = np.array(spots).T
    weights = cluster_place_weights(
        main, {7: (lat, lon, np.array([0.4, 0.3, 0.3]))}, economies={7: ["IN"]}, radius_km=15.0
    )
    assert cluster_names(weights, places=places) == {7: "Delhi"}


def test_cluster_names_keep_to_the_economies(places: Places) -> None:
    zhuhai, macau = places.find("Zhuhai", "CN"), places.find("Macau", "MO")
    weights = {0: {zhuhai: 0.6, macau: 0.4}}
    assert cluster_names(weights, places=places) == {0: f"Zhuhai{EN_DASH}Macau"}
    assert cluster_names(weights, places=places, economies={0: ["MO"]}) == {0: "Macau"}
    # no place of the economies holds output: the name still comes from the output
    assert cluster_names(weights, places=places, economies={0: ["PT"]}) == {
        0: f"Zhuhai{EN_DASH}Macau"
    }


def test_the_armonk_cluster_carries_new_yorks_name(cases: Path, tmp_path: Path) -> None:
    """../shared/data/cases/naming_neighbourhood: 60 patents at Armonk, 40 in Manhattan, 30 at
    Windom, Minnesota (--min-points 20): three clusters, none named after North Stamford (a
    neighbourhood) or Sioux Falls (135 km from Windom)."""
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "run",
            str(cases / "naming_neighbourhood" / "points.csv"),
            "--out",
            str(out),
            "--min-points",
            "20",
            "--no-site",
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
    )
    assert result.exit_code == 0, result.output
    import csv

    with (out / "all_clusters.csv").open(encoding="utf-8") as fh:
        by_patents = {float(r["patents"]): r["name"] for r in csv.DictReader(fh)}
    assert by_patents == {60.0: "New York City", 40.0: "New York City 2", 30.0: "Windom"}


def test_a_point_outside_every_city_counts_for_its_own_town(
    places: Places, main: MainPlaces
) -> None:
    """Redmond (64,000) lies 7 km from Bellevue (122,000) and 24 km from Seattle, beyond every
    city's reach: its points count for Redmond, not for the larger place within eps_km (the demo
    named the Seattle hub "Seattle–Bellevue"); Palo Alto's for Palo Alto, not Sunnyvale. A point
    in no town's radius still goes to the most populous place within eps_km."""
    assert places.population[places.find("Redmond", "US")] < 100_000
    spots = [_at(places, "Redmond", "US"), _at(places, "Palo Alto", "US")]
    assert _assign(main, spots, ["US"]) == ["Redmond", "Palo Alto"]
    lat, lon = _at(places, "Charlottesville", "US")
    assert _assign(main, [(lat + 0.05, lon + 0.05)], ["US"]) == ["Charlottesville"]
