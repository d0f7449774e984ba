"""Two editions of the demo world compared (issue 15, "what must be true").

Editions 2023 and 2024 of the demo's seed, at scale 0.02 to keep the test fast (the demo's
scale, 0.05, gives the same answer: ``benchmarks/compare_editions.py``), the 2023 world written
with two planted changes (``synth.world.hub_factors``; 2024 is the world without changes):
Madrid has 1 / 1.3 of its output in 2023, so it grows by 30% into 2024, and Melbourne has none,
so it enters in 2024. Which cluster holds a hub in each edition comes from the world's truth
(``synth.truth.hub_clusters``: the hub of every people row joined to each run's
``memberships.parquet``), never from the comparison itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stclusters.compare import Comparison, compare_runs
from stclusters.config import Config
from stclusters.pipeline import run
from stclusters.synth import write_world
from stclusters.synth.truth import hub_clusters
from worlds import DEMO_SEED

pytestmark = pytest.mark.slow

SCALE = 0.02
GROWN, NEW, GROWTH = "Madrid", "Melbourne", 0.30
#: How far (in growth points) the grown hub's cluster may be from its planted growth.
TOLERANCE = 0.05


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, Path]]:
    """Per edition, its world and the output of its run (with the demo's settings)."""
    tmp = tmp_path_factory.mktemp("editions")
    config = Config().replace(min_points=Config().min_points * SCALE, seed=DEMO_SEED)
    changes: dict[str, Any] = {
        "grown_hub": GROWN,
        "growth_percent": 100 * GROWTH,
        "new_hub": NEW,
        "change_edition": 2024,
    }
    out: dict[int, tuple[Path, Path]] = {}
    for edition in (2023, 2024):
        world = write_world(
            tmp / f"world{edition}", scale=SCALE, seed=DEMO_SEED, edition=edition, **changes
        )
        run_out = tmp / f"out{edition}"
        run([world], out=run_out, config=config.replace(edition=edition), write_site=False)
        out[edition] = (world, run_out)
    return out


@pytest.fixture(scope="module")
def comparison(editions: dict[int, tuple[Path, Path]]) -> Comparison:
    return compare_runs(editions[2023][1], editions[2024][1], memory_limit_gb=2)


def test_every_hub_present_in_both_editions_is_matched(
    editions: dict[int, tuple[Path, Path]], comparison: Comparison
) -> None:
    a, b = hub_clusters(*editions[2023]), hub_clusters(*editions[2024])
    both = sorted(set(a) & set(b))
    assert len(both) >= 45, both  # the world's hubs form clusters in both editions
    rows = {(r["cluster_id_a"], r["cluster_id_b"]): r for r in comparison.rows}
    unmatched = [h for h in both if rows.get((a[h], b[h]), {}).get("status") != "matched"]
    assert not unmatched, f"hubs in both editions not matched: {unmatched}"


def test_planted_growth_and_entrant(
    editions: dict[int, tuple[Path, Path]], comparison: Comparison
) -> None:
    a, b = hub_clusters(*editions[2023]), hub_clusters(*editions[2024])
    assert NEW not in a and NEW in b
    rows = {(r["cluster_id_a"], r["cluster_id_b"]): r for r in comparison.rows}
    grown = rows[(a[GROWN], b[GROWN])]
    assert grown["status"] == "matched"
    assert abs(grown["growth"] - GROWTH) <= TOLERANCE, grown
    entrant = rows[(None, b[NEW])]
    assert entrant["status"] == "entrant" and entrant["name_b"].startswith(NEW)
    assert entrant["cluster_key"] == "melbourne-au"
