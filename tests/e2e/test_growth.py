"""Growth on the demo world: both windows counted by the same rule give the planted growth.

The synthetic world grows everywhere at the same yearly rates (``synth.content.GROWTH``: 2% for
patents, 4% for articles), so a cluster's growth of its size score between the previous window
(one year earlier) and the current one, both divided by the current world totals as the ranking
does, is fixed by its mix of patents and articles alone:

    planted = (p + a) / (p / g_patent + a / g_article) - 1,   p, a = the cluster's shares

(between 2% and 4%). ``truth_hubs.csv`` gives the same figure for every planted hub, from its
planted output. Before the growth rule of issue 11, the previous window counted every point
within the footprint and the current window only the DBSCAN members: Liverpool–Manchester came out
at -25.7%, Detroit–Warren at -18.9%.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from stclusters.config import Config
from stclusters.pipeline import RunResult, run
from stclusters.synth.content import GROWTH
from stclusters.synth.world import planted_growth
from worlds import DEMO_SCALE, DEMO_SEED

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo_world")]

#: How far (in growth points) a published cluster may be from its planted growth.
TOLERANCE = 0.03


@pytest.fixture(scope="module")
def demo_run(demo_world: Path, tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    config = Config().replace(min_points=Config().min_points * DEMO_SCALE, seed=DEMO_SEED)
    out = tmp_path_factory.mktemp("growth") / "out"
    return run([demo_world], out=out, config=config, write_site=False)


def test_planted_growth_lies_between_the_layers_rates() -> None:
    assert planted_growth(1.0, 0.0) == pytest.approx(GROWTH["patent"] - 1)
    assert planted_growth(0.0, 1.0) == pytest.approx(GROWTH["article"] - 1)
    # equal shares: the harmonic mix of the two rates, checkable by hand
    assert planted_growth(1.0, 1.0) == pytest.approx(2 / (1 / 1.02 + 1 / 1.04) - 1)


def test_every_published_cluster_grows_as_planted(demo_run: RunResult) -> None:
    world = demo_run.accounts["world_totals"]
    assert len(demo_run.ranking) == Config().top_n
    failures = []
    for r in demo_run.ranking:
        planted = planted_growth(r.patents / world["patent"], r.articles / world["article"])
        if r.growth is None or abs(r.growth - planted) > TOLERANCE:
            failures.append(f"{r.name}: growth {r.growth}, planted {planted:.4f}")
    assert not failures, f"{len(failures)} clusters off their planted growth: {failures[:8]}"


def test_the_truth_gives_each_hub_its_planted_growth(demo_world: Path) -> None:
    with (demo_world / "truth_hubs.csv").open(encoding="utf-8-sig") as fh:
        truth = list(csv.DictReader(fh))
    assert truth and all(row["planted_growth"] for row in truth)
    for row in truth:
        growth = float(row["planted_growth"])
        assert GROWTH["patent"] - 1 - 1e-9 <= growth <= GROWTH["article"] - 1 + 1e-9, row["hub"]
