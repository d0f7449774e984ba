"""Two editions of the demo world compared (issue 15, "what must be true").

The demo world is edition 2024; edition 2023 of the same seed is written with two planted
changes (``synth.world.hub_factors``): Madrid has 1 / 1.3 of its output there, so it grows by
30% into 2024, and Melbourne has none, so it enters in 2024. Which cluster holds a hub in each
edition comes from the world's truth (``truth_people.parquet``: the hub of every people row),
joined to each run's ``memberships.parquet``, never from the comparison itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stclusters.compare import Comparison, compare_runs
from stclusters.config import Config
from stclusters.pipeline import run
from stclusters.synth import write_world
from stclusters.synth.truth import hub_clusters
from worlds import DEMO_SCALE, DEMO_SEED

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo_world")]

GROWN, NEW, GROWTH = "Madrid", "Melbourne", 0.30
#: How far (in growth points) the grown hub's cluster may be from its planted growth.
TOLERANCE = 0.05


@pytest.fixture(scope="module")
def editions(demo_world: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("editions")
    earlier = write_world(
        tmp / "world2023",
        scale=DEMO_SCALE,
        seed=DEMO_SEED,
        edition=2023,
        grown_hub=GROWN,
        growth_percent=100 * GROWTH,
        new_hub=NEW,
        change_edition=2024,
    )
    config = Config().replace(min_points=Config().min_points * DEMO_SCALE, seed=DEMO_SEED)
    outs = []
    for world, edition in ((earlier, 2023), (demo_world, 2024)):
        out = tmp / f"out{edition}"
        run([world], out=out, config=config.replace(edition=edition), write_site=False)
        outs.append(out)
    return outs[0], outs[1]


@pytest.fixture(scope="module")
def comparison(editions: tuple[Path, Path]) -> Comparison:
    return compare_runs(*editions, memory_limit_gb=2)


def test_every_hub_present_in_both_editions_is_matched(
    editions: tuple[Path, Path], comparison: Comparison, demo_world: Path
) -> None:
    earlier_world = editions[0].parent / "world2023"
    a = hub_clusters(earlier_world, editions[0])
    b = hub_clusters(demo_world, editions[1])
    both = sorted(set(a) & set(b))
    assert len(both) >= 40, both  # the demo world's hubs form clusters in both editions
    rows = {(r["cluster_id_a"], r["cluster_id_b"]): r for r in comparison.rows}
    unmatched = [h for h in both if rows.get((a[h], b[h]), {}).get("status") != "matched"]
    assert not unmatched, f"hubs in both editions not matched: {unmatched}"


def test_planted_growth_and_entrant(
    editions: tuple[Path, Path], comparison: Comparison, demo_world: Path
) -> None:
    a = hub_clusters(editions[0].parent / "world2023", editions[0])
    b = hub_clusters(demo_world, editions[1])
    assert NEW not in a and NEW in b
    rows = {(r["cluster_id_a"], r["cluster_id_b"]): r for r in comparison.rows}
    grown = rows[(a[GROWN], b[GROWN])]
    assert grown["status"] == "matched"
    assert abs(grown["growth"] - GROWTH) <= TOLERANCE, grown
    entrant = rows[(None, b[NEW])]
    assert entrant["status"] == "entrant" and entrant["name_b"].startswith(NEW)
