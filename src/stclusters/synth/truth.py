"""Which cluster of a run holds each planted hub, from a world's truth (for tests and
benchmarks that check a run against what the world planted)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from stclusters.synth.world import TRUTH_PEOPLE

__all__ = ["hub_clusters"]

_HUB_CLUSTERS = """
WITH t AS (SELECT doc_id, person_seq, address_seq, hub FROM read_parquet(?)
           WHERE hub IS NOT NULL),
m AS (SELECT doc_id, person_seq, address_seq, cluster_id, share FROM read_parquet(?)),
per AS (
    SELECT t.hub, m.cluster_id, sum(m.share) AS s,
           sum(sum(m.share)) OVER (PARTITION BY t.hub) AS total
    FROM m JOIN t ON m.doc_id = t.doc_id
     AND m.person_seq IS NOT DISTINCT FROM t.person_seq
     AND m.address_seq IS NOT DISTINCT FROM t.address_seq
    GROUP BY t.hub, m.cluster_id
)
SELECT hub, cluster_id FROM per WHERE cluster_id IS NOT NULL AND s > 0.5 * total ORDER BY hub
"""


def hub_clusters(world: str | Path, out: str | Path) -> dict[str, int]:
    """Per planted hub, the cluster of a run holding more than half of the hub's output.

    Parameters
    ----------
    world
        The synthetic world's records folder (its ``truth_people.parquet``: the hub of every
        people row).
    out
        The output folder of a run on that world (its ``memberships.parquet``: the cluster and
        share of every people row of a kept document).

    Returns
    -------
    dict
        Hub name -> cluster id (``all_clusters.csv``); hubs that no cluster holds the most of
        (no output in the window, or spread over noise and several clusters) are left out.
    """
    with duckdb.connect() as con:
        rows = con.execute(
            _HUB_CLUSTERS,
            [str(Path(world) / TRUTH_PEOPLE), str(Path(out) / "memberships.parquet")],
        ).fetchall()
    return {str(h): int(c) for h, c in rows}
