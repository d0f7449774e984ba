"""The population of the 20 largest demo clusters against the UN's urban agglomerations
(tests/reference_populations.py): within 30% where the footprint holds the agglomeration, and
never the GeoNames administrative figures summed (issue 11 item 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from shapely.geometry import Point

from reference_populations import ABOVE, REFERENCES, TOLERANCE, Reference
from stclusters.config import Config
from stclusters.pipeline import compute
from stclusters.places import load_places
from stclusters.results import Results
from worlds import DEMO_SCALE

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo_world")]

LARGEST = 20


@pytest.fixture(scope="module")
def results(demo_world: Path) -> Results:
    config = Config(min_points=Config().min_points * DEMO_SCALE, top_n=LARGEST)
    return compute([demo_world], config=config)


def _matched(results: Results) -> dict[str, tuple[float, Reference]]:
    """Each reference place -> (population, reference) of the top cluster whose footprint holds
    it."""
    places = load_places()
    out: dict[str, tuple[float, Reference]] = {}
    for ref in REFERENCES:
        i = places.find(ref.place, ref.country)
        point = Point(float(places.lon[i]), float(places.lat[i]))
        holders = [r for r in results.ranking if results.footprints[r.cluster_id].contains(point)]
        assert len(holders) == 1, f"{ref.place}: {len(holders)} of the top clusters hold it"
        (row,) = holders
        assert row.population is not None, row.name
        out[ref.place] = (row.population, ref)
    return out


def test_every_large_cluster_has_a_reference(results: Results) -> None:
    matched = _matched(results)
    assert len(results.ranking) == LARGEST == len(REFERENCES) == len(matched)


def test_population_within_30_percent_where_the_footprint_holds_the_agglomeration(
    results: Results,
) -> None:
    """Within 30% where the footprint holds the agglomeration; below the UN figure where it
    holds part of it; above where the UN counts cities within their municipal limits."""
    wrong = []
    for place, (population, ref) in _matched(results).items():
        ratio = population / (ref.millions * 1e6)
        if ref.short is None:
            ok = abs(ratio - 1) <= TOLERANCE
        elif ref.short.startswith(ABOVE):
            ok = ratio > 1 + TOLERANCE
        else:
            ok = ratio < 1
        if not ok:
            wrong.append(f"{place}: {population / 1e6:.1f} M for {ref.agglomerations}")
    assert not wrong, wrong
    assert sum(ref.short is None for ref in REFERENCES) >= 9
