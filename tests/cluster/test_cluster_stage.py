"""The cluster stage alone, on the small hand-built world."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from stclusters.cluster.stage import Clustering, cluster_people, recluster
from stclusters.inputs import register_tables
from stclusters.measure import classify
from stclusters.measure.counting import Shares, count_shares
from worlds import SMALL_CONFIG, small_world


@pytest.fixture(scope="module")
def shares() -> Shares:
    con = duckdb.connect()
    register_tables(con, [], small_world())
    return count_shares(con, SMALL_CONFIG, is_ssh=classify.is_ssh_code)


def _cluster(shares: Shares, **changes: float) -> Clustering:
    settings = {"eps_km": SMALL_CONFIG.eps_km, "min_points": SMALL_CONFIG.min_points, **changes}
    return cluster_people(
        shares,
        eps_km=settings["eps_km"],
        min_points=settings["min_points"],
        merge_km=SMALL_CONFIG.merge_km,
        precisions=SMALL_CONFIG.cluster_precisions,
    )


def test_every_row_gets_a_label_and_accounts_add_up(shares: Shares) -> None:
    clustering = _cluster(shares)
    rows, labels = clustering.rows, clustering.labels
    assert len(labels) == len(rows) == shares.n_rows
    # rows outside the current window, too coarse or unlocated are never clustered (-2)
    assert (labels[~(rows.current & rows.fine)] == -2).all()
    assert (labels[rows.current & rows.fine] >= -1).all()
    for layer in clustering.layers:
        acc = clustering.accounts[layer.name]
        assert acc["points"] == acc["points_clustered"] + acc["points_noise"] == len(layer.idx)
        assert acc["unique_coordinates"] == len(layer.points)
        assert layer.weights.sum() == len(layer.idx)
        clustered = int((labels[layer.idx] >= 0).sum())
        assert clustered == acc["points_clustered"]
    # Munich, Lyon, Basel, Paris, Lisbon: five clusters after merging the layers
    assert sorted(clustering.members) == [0, 1, 2, 3, 4]
    assert set(np.unique(labels[labels >= 0]).tolist()) == set(clustering.members)
    # each cluster's member points are exactly the distinct points of its rows
    for cid, pts in clustering.members.items():
        mine = labels == cid
        expected = np.unique(np.column_stack([rows.lat[mine], rows.lon[mine]]), axis=0)
        assert np.array_equal(pts, expected)


def test_a_threshold_above_every_point_leaves_only_noise(shares: Shares) -> None:
    clustering = _cluster(shares, min_points=float(shares.n_rows + 1))
    assert clustering.members == {}
    assert not (clustering.labels >= 0).any()
    assert clustering.warnings and "too small" in clustering.warnings[0]


def test_recluster_with_the_same_settings_gives_the_same_labels(shares: Shares) -> None:
    clustering = _cluster(shares)
    same = recluster(clustering, eps_km=SMALL_CONFIG.eps_km, min_points=SMALL_CONFIG.min_points)
    assert np.array_equal(same, clustering.labels)
    fewer = recluster(clustering, eps_km=SMALL_CONFIG.eps_km, min_points=shares.n_rows + 1.0)
    assert not (fewer >= 0).any()
