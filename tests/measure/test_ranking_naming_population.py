"""Ranking, economies, naming and population: small cases a person can check by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stclusters._sphere import to_xyz
from stclusters.errors import InputError
from stclusters.measure.naming import (
    EN_DASH,
    MainPlaces,
    cluster_names,
    read_name_overrides,
)
from stclusters.measure.ranking import ClusterRow, economies_of, rank_clusters, slugify
from stclusters.places import load_places
from stclusters.results import MIN_INHABITANTS


@pytest.fixture(scope="module")
def places():  # type: ignore[no-untyped-def]
    return load_places()


def test_size_score_intensity_and_economy_ranks() -> None:
    rows = [
        ClusterRow(1, patents=100, articles=0, primary_economy="JP", population=10e6),
        ClusterRow(2, patents=0, articles=1000, primary_economy="CN", population=1e6),
        ClusterRow(3, patents=50, articles=500, primary_economy="CN", population=0),
        ClusterRow(4, patents=1, articles=1, primary_economy="US", population=1e5),
        ClusterRow(5, patents=40, articles=400, primary_economy="US", population=None),
    ]
    top, ranked = rank_clusters(rows, world={"patent": 200, "article": 2000}, top_n=4)
    assert ranked[:4] == top and [r.cluster_id for r in ranked] == [1, 2, 3, 5, 4]
    assert ranked[4].rank == 5 and ranked[4].intensity_rank is None
    # the rows given are not changed
    assert all(r.rank == 0 and r.size_score == 0.0 for r in rows)
    # scores 0.5 (100/200, 1000/2000, 50/200 + 500/2000): ties go to the lower id; then 0.4
    assert [r.cluster_id for r in top] == [1, 2, 3, 5]
    assert [r.size_score for r in top] == [0.5, 0.5, 0.5, pytest.approx(0.4)]
    assert [r.rank for r in top] == [1, 2, 3, 4]
    # intensity: 2 = 0.5/1e6 > 1 = 0.5/1e7; 3 (no inhabitants) and 5 (population not known)
    # have none and rank last, in size order
    assert {r.cluster_id: r.intensity_rank for r in top} == {2: 1, 1: 2, 3: 3, 5: 4}
    assert top[0].patents_per_million == pytest.approx(10.0)
    assert top[3].patents_per_million is None and top[3].intensity_score is None
    assert {r.cluster_id: (r.economy_rank, r.economy_clusters) for r in top} == {
        2: (1, 2),
        3: (2, 2),
        1: (1, 1),
        5: (1, 1),
    }


def test_economies_threshold_and_primary() -> None:
    listed, primary, shares = economies_of({"CN": 0.7, "HK": 0.25, "US": 0.05}, threshold=0.1)
    assert listed == ["CN", "HK"] and primary == "CN"
    assert shares["US"] == pytest.approx(0.05)
    assert economies_of({}, threshold=0.1) == ([], None, {})


def test_slugify() -> None:
    assert (
        slugify(f"Shenzhen{EN_DASH}Hong Kong{EN_DASH}Guangzhou") == "shenzhen-hong-kong-guangzhou"
    )
    assert slugify("Xi’an") == "xian"
    assert slugify("東京") == "cluster"


def test_main_place_of_a_district_and_of_the_open_sea(places) -> None:  # type: ignore[no-untyped-def]
    main = MainPlaces(places, min_population=100_000)
    pudong = places.find("Pudong", "CN")
    # a point in northern Kawasaki (Mizonokuchi) lies within Tokyo's radius: it counts for Tokyo
    xyz = to_xyz(np.array([35.60, places.lat[pudong]]), np.array([139.61, places.lon[pudong]]))
    got = main.assign(xyz, radius_km=15.0)
    assert places.name[got[0]] == "Tokyo"
    assert places.name[got[1]] == "Shanghai"  # Pudong is a district of Shanghai
    # in the middle of the ocean: the nearest place that may name a cluster
    far = main.assign(to_xyz(np.array([0.0]), np.array([-30.0])), radius_km=15.0)
    ok = np.flatnonzero(places.may_name())
    dist = np.linalg.norm(places.xyz[ok] - to_xyz(np.array([0.0]), np.array([-30.0]))[0], axis=1)
    assert far[0] == ok[np.argmin(dist)]


def test_cluster_names_rules(places) -> None:  # type: ignore[no-untyped-def]
    tokyo, yokohama, chiba, saitama = (
        places.find(n, "JP") for n in ("Tokyo", "Yokohama", "Chiba", "Saitama")
    )
    names = cluster_names(
        {
            0: {tokyo: 0.6, yokohama: 0.2, chiba: 0.1, saitama: 0.1},
            1: {saitama: 1.0},
            2: {saitama: 0.5, chiba: 0.5},
        },
        places=places,
    )
    assert names[0] == f"Tokyo{EN_DASH}Yokohama"  # Chiba and Saitama below 15%
    assert names[2] == f"Chiba{EN_DASH}Saitama"  # tie in output: lower GeoNames id first
    assert names[1] == "Saitama"
    many = cluster_names(
        {0: {tokyo: 0.25, yokohama: 0.25, chiba: 0.25, saitama: 0.25}}, places=places
    )
    assert many[0].count(EN_DASH) == 2  # at most three cities


def test_duplicate_names_are_numbered_and_overrides_apply(places) -> None:  # type: ignore[no-untyped-def]
    osaka = places.find("Osaka", "JP")
    names = cluster_names({0: {osaka: 1.0}, 1: {osaka: 2.0}}, places=places)
    assert names == {1: "Osaka", 0: "Osaka 2"}
    names = cluster_names({0: {osaka: 1.0}}, places=places, overrides={"Osaka": "Kansai"})
    assert names == {0: "Kansai"}


def test_override_table_errors(tmp_path: Path) -> None:
    path = tmp_path / "names.csv"
    path.write_text("name,override\nOsaka,Kansai\n")
    assert read_name_overrides(path) == {"Osaka": "Kansai"}
    path.write_text("name,new\nOsaka,Kansai\n")
    with pytest.raises(InputError, match="needs the columns"):
        read_name_overrides(path)
    path.write_text("name,override\nOsaka,\n")
    with pytest.raises(InputError, match="line 2"):
        read_name_overrides(path)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 1000), st.floats(0, 1000), st.one_of(st.none(), st.floats(0, 1e7))),
        min_size=1,
        max_size=30,
    ),
    st.integers(1, 10),
)
def test_ranks_are_a_permutation(rows: list[tuple[float, float, float | None]], top_n: int) -> None:
    clusters = [
        ClusterRow(i, patents=p, articles=a, population=pop, primary_economy="XX")
        for i, (p, a, pop) in enumerate(rows)
    ]
    top, ranked = rank_clusters(clusters, world={"patent": 1000, "article": 1000}, top_n=top_n)
    assert len(top) == min(top_n, len(rows))
    assert sorted(r.rank for r in ranked) == list(range(1, len(rows) + 1))
    assert len({r.slug for r in ranked}) == len(rows)
    assert sorted(r.intensity_rank or 0 for r in top) == list(range(1, len(top) + 1))
    scores = [r.size_score for r in top]
    assert scores == sorted(scores, reverse=True)
    # clusters without inhabitants or without a known population rank last, in size order
    known = [r for r in top if r.population is not None and r.population >= MIN_INHABITANTS]
    unknown = sorted((r for r in top if r not in known), key=lambda r: r.rank)
    assert [r.intensity_rank for r in unknown] == list(range(len(known) + 1, len(top) + 1))
    assert all(r.intensity_score is None and r.patents_per_million is None for r in unknown)
