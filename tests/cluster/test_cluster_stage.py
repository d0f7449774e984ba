"""The cluster stage alone, on the small hand-built world."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from stclusters._sphere import EARTH_RADIUS_KM
from stclusters.cluster.stage import (
    Clustering,
    LayerPoints,
    cluster_people,
    predict_labels,
    recluster,
)
from stclusters.inputs import register_tables
from stclusters.measure import classify
from stclusters.measure.counting import Shares, count_shares
from stclusters.records import Records
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


def test_distinct_points_carry_every_located_row_and_accounts_add_up(shares: Shares) -> None:
    clustering = _cluster(shares)
    fine = clustering.fine()
    for layer in clustering.layers:
        acc = clustering.accounts[layer.name]
        # every current row located at a clustered precision stands on one distinct point
        ((rows,),) = shares.con.execute(
            f"SELECT count(*) FROM rows WHERE current AND layer = ? AND {fine}", [layer.name]
        ).fetchall()
        assert layer.weights.sum() == rows == acc["points"]
        assert acc["points"] == acc["points_clustered"] + acc["points_noise"]
        assert (
            acc["unique_coordinates"] == len(layer.points) == len(np.unique(layer.points, axis=0))
        )
        assert acc["points_clustered"] == layer.weights[layer.labels >= 0].sum()
        # the points are in lexicographic order and the share sums add up to the rows' shares
        assert np.array_equal(
            np.lexsort((layer.points[:, 1], layer.points[:, 0])), np.arange(len(layer.points))
        )
        ((total,),) = shares.con.execute(
            f"SELECT sum(share) FROM rows WHERE current AND layer = ? AND {fine}", [layer.name]
        ).fetchall()
        assert layer.shares.sum() == pytest.approx(total)
        # core points are members; previous-window points are distinct
        assert (layer.labels[layer.core] >= 0).all()
        assert len(layer.previous) == len(np.unique(layer.previous, axis=0))
    # Munich, Lyon, Basel, Paris, Lisbon: five clusters after merging the layers
    assert sorted(clustering.members) == [0, 1, 2, 3, 4]
    labels = clustering.labels
    assert set(np.unique(labels[labels >= 0]).tolist()) == set(clustering.members)
    # each cluster's member points are exactly its distinct points over both layers
    for cid, pts in clustering.members.items():
        expected = np.unique(clustering.points[labels == cid], axis=0)
        assert np.array_equal(pts, expected)


def test_points_at_minus_zero_and_zero_are_one_point() -> None:
    """-0.0 and 0.0 are one coordinate: one distinct point of weight 2."""
    recs = Records.from_tables(
        documents=[{"doc_id": f"P{i}", "layer": "patent", "year": 2020} for i in range(2)],
        people=[
            {
                "doc_id": f"P{i}",
                "person_seq": 0,
                "role": "inventor",
                "lat": lat,
                "lon": 0.0,
                "precision": "city",
                "country": "GH",
            }
            for i, lat in enumerate((-0.0, 0.0))
        ],
    )
    con = duckdb.connect()
    register_tables(con, [], recs)
    shares = count_shares(con, SMALL_CONFIG, is_ssh=classify.is_ssh_code)
    clustering = cluster_people(
        shares, eps_km=15.0, min_points=2.0, merge_km=5.0, precisions=("city",)
    )
    patent = clustering.layers[0]
    assert patent.points.tolist() == [[0.0, 0.0]] and patent.weights.tolist() == [2.0]
    assert patent.labels.tolist() == [0]


def test_a_threshold_above_every_point_leaves_only_noise(shares: Shares) -> None:
    clustering = _cluster(shares, min_points=float(shares.n_rows + 1))
    assert clustering.members == {}
    assert len(clustering.labels) and not (clustering.labels >= 0).any()
    assert clustering.warnings and "too small" in clustering.warnings[0]


def test_recluster_with_the_same_settings_gives_the_same_labels(shares: Shares) -> None:
    clustering = _cluster(shares)
    same = recluster(clustering, eps_km=SMALL_CONFIG.eps_km, min_points=SMALL_CONFIG.min_points)
    assert np.array_equal(same, clustering.labels)
    fewer = recluster(clustering, eps_km=SMALL_CONFIG.eps_km, min_points=shares.n_rows + 1.0)
    assert not (fewer >= 0).any()


def _layer(points: list[list[float]], weights: list[float], *, eps_km: float, min_points: float):  # type: ignore[no-untyped-def]
    from stclusters.cluster import GeoDBSCAN

    pts = np.array(points)
    order = np.lexsort((pts[:, 1], pts[:, 0]))
    pts, w = pts[order], np.array(weights)[order]
    fit = GeoDBSCAN(eps_km=eps_km, min_points=min_points).fit(pts, sample_weight=w)
    return LayerPoints("patent", pts, w, w, fit.core_mask_, fit.labels_, np.empty((0, 2)))


def test_prediction_follows_the_border_rule_of_the_clustering() -> None:
    """Two clusters on the equator, 100 km apart, and a noise point: a point joins the cluster of
    the nearest core point within eps_km (exactly eps_km included), else no cluster."""
    km = 180.0 / (np.pi * EARTH_RADIUS_KM)  # degrees of longitude per km on the equator
    layer = _layer(
        [[0.0, 0.0], [0.0, 100 * km], [0.0, 300 * km]], [5.0, 3.0, 1.0], eps_km=15.0, min_points=3
    )
    assert layer.labels.tolist() == [0, 1, -1] and layer.core.tolist() == [True, True, False]
    query = np.array(
        [
            [0.0, 10 * km],  # 10 km from the first core point
            [0.0, 90 * km],  # 10 km from the second
            [0.0, 50 * km],  # 50 km from both: no cluster
            [0.0, 300 * km],  # the noise point itself
            [0.0, 301 * km],  # 1 km from the noise point, far from every core point
            [0.0, -15 * km],  # exactly eps_km from the first core point (great circle)
            [0.0, 100 * km],  # a core point itself
        ]
    )
    got = predict_labels(layer, query, eps_km=15.0)
    assert got.tolist() == [0, 1, -1, -1, -1, 0, 1]
    # the layer's own points are predicted as they were clustered
    assert predict_labels(layer, layer.points, eps_km=15.0).tolist() == layer.labels.tolist()


def test_prediction_of_the_current_points_gives_their_labels(shares: Shares) -> None:
    """On the small world: predicting every current point, and points moved by a metre, gives the
    labels of the clustering (the rule that counts the previous window counts the current one)."""
    clustering = _cluster(shares)
    for layer in clustering.layers:
        assert np.array_equal(
            predict_labels(layer, layer.points, eps_km=SMALL_CONFIG.eps_km), layer.labels
        )
        # core points moved by about a metre stay in their cluster
        moved = layer.points[layer.core] + np.array([1e-5, 0.0])
        got = predict_labels(layer, moved, eps_km=SMALL_CONFIG.eps_km)
        assert np.array_equal(got, layer.labels[layer.core])
