"""The population of the 20 largest demo clusters against their metropolitan populations
(tests/reference_populations.py: the UN's urban agglomerations of WUP 2018 whose point lies in
the footprint, metropolitan regions for Germany and the Netherlands): within 30% (issue 11 item
3), but for the clusters of :data:`KNOWN_MISSES`, each with why."""

from __future__ import annotations

from pathlib import Path

import pytest
from shapely.geometry import Point

from reference_populations import KNOWN_MISSES, PLACES, TOLERANCE, reference_of
from stclusters.config import Config
from stclusters.pipeline import compute
from stclusters.places import load_places
from stclusters.results import Results
from worlds import DEMO_SCALE

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo_world")]

#: Clusters computed: the 20 of the references lie among them (Dallas–Fort Worth is 21st since
#: synth version 4; Frankfurt am Main, 20th, has no metropolitan figure at hand: the UN lists
#: German cities within their municipal limits).
LARGEST = 25


@pytest.fixture(scope="module")
def results(demo_world: Path) -> Results:
    config = Config(min_points=Config().min_points * DEMO_SCALE, top_n=LARGEST)
    return compute([demo_world], config=config)


def _ratios(results: Results) -> dict[str, tuple[float, str]]:
    """Each locating place -> (population / reference, what the reference sums) of the top
    cluster whose footprint holds it."""
    places = load_places()
    out: dict[str, tuple[float, str]] = {}
    for place, country in PLACES:
        i = places.find(place, country)
        point = Point(float(places.lon[i]), float(places.lat[i]))
        holders = [r for r in results.ranking if results.footprints[r.cluster_id].contains(point)]
        assert len(holders) == 1, f"{place}: {len(holders)} of the top clusters hold it"
        (row,) = holders
        assert row.population is not None, row.name
        ref, sums = reference_of(results.footprints[row.cluster_id], country=country)
        assert ref > 0, f"{place}: no agglomeration of the reference in {row.name}"
        out[place] = (row.population / ref, sums)
    return out


def test_every_large_cluster_has_a_reference(results: Results) -> None:
    assert len(results.ranking) == LARGEST
    assert len(_ratios(results)) == len(PLACES) == 20


def test_population_within_30_percent_of_the_metropolitan_population(results: Results) -> None:
    """Within 30% of the reference for every cluster but the known misses (at most one, whose
    reference is not comparable); a known miss that comes within the band fails too (its entry
    is stale). Before (the urban-centre discs): 17 of 20, Shenzhen 1.54, Boston 0.60, Beijing
    0.70."""
    ratios = _ratios(results)
    outside = {p for p, (ratio, _) in ratios.items() if abs(ratio - 1) > TOLERANCE}
    detail = {p: f"{ratios[p][0]:.2f} of {ratios[p][1]}" for p in outside | set(KNOWN_MISSES)}
    assert outside == set(KNOWN_MISSES), detail
    assert len(KNOWN_MISSES) <= 1
