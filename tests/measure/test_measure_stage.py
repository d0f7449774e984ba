"""The measure stage alone, on the small hand-built world."""

from __future__ import annotations

import duckdb
import pytest

from stclusters._log import StageClock
from stclusters.cluster.stage import cluster_people
from stclusters.inputs import register_tables
from stclusters.measure import classify
from stclusters.measure.counting import count_shares
from stclusters.measure.stage import Measured, assign_previous, measure_clusters, output_weights
from stclusters.places import country_names, load_places
from worlds import SMALL_CONFIG, SMALL_RANKING, small_world


@pytest.fixture(scope="module")
def measured() -> tuple[Measured, StageClock, object]:
    con = duckdb.connect()
    register_tables(con, [], small_world())
    shares = count_shares(con, SMALL_CONFIG, is_ssh=classify.is_ssh_code)
    clustering = cluster_people(
        shares,
        eps_km=SMALL_CONFIG.eps_km,
        min_points=SMALL_CONFIG.min_points,
        merge_km=SMALL_CONFIG.merge_km,
        precisions=SMALL_CONFIG.cluster_precisions,
    )
    clock = StageClock()
    result = measure_clusters(
        clustering,
        shares=shares,
        config=SMALL_CONFIG.replace(sensitivity=True),
        places=load_places(),
        countries=country_names(),
        clock=clock,
    )
    return result, clock, (shares, clustering)


def test_ranking_names_and_counts(measured) -> None:  # type: ignore[no-untyped-def]
    result, clock, (shares, clustering) = measured
    assert [r.name for r in result.ranking] == SMALL_RANKING
    assert result.all_clusters[: len(result.ranking)] == result.ranking
    # the clusters' counts are the sums of their points' shares, and of their rows' shares
    weights = output_weights(clustering, shares.world)
    counts = dict(
        shares.con.execute(
            "SELECT cluster, sum(share) FROM rows WHERE current AND cluster >= 0 GROUP BY ALL"
        ).fetchall()
    )
    for r in result.ranking:
        mine = clustering.labels == r.cluster_id
        assert r.size_score == pytest.approx(weights[mine].sum())
        assert r.patents + r.articles == pytest.approx(counts[r.cluster_id])
    assert set(clock.times) == {"name", "rank", "sensitivity", "profile"}


def test_profiles_follow_the_ranking(measured) -> None:  # type: ignore[no-untyped-def]
    result, _, _ = measured
    assert [p["cluster_id"] for p in result.profiles] == [r.cluster_id for r in result.ranking]
    for p in result.profiles:
        assert p["top_n"] == SMALL_CONFIG.top_n
        assert p["sensitivity"] is not None
        assert p["sensitivity"]["rank_min"] <= p["rank"] <= p["sensitivity"]["rank_max"]
    assert set(result.footprints) == {r.cluster_id for r in result.ranking}


def test_previous_window_points_map_to_the_cluster_nearby(measured) -> None:  # type: ignore[no-untyped-def]
    _, _, (shares, clustering) = measured
    prev = assign_previous(clustering)
    assert [len(p) for p in prev] == [len(layer.previous) for layer in clustering.layers]
    # a previous-window point standing on a member point of a cluster belongs to that cluster
    checked = 0
    for layer, labels in zip(clustering.layers, prev, strict=True):
        for point, label in zip(layer.previous.tolist(), labels.tolist(), strict=True):
            hit = (layer.points == point).all(axis=1) & (layer.labels >= 0)
            if hit.any():
                assert label == layer.labels[hit][0]
                checked += 1
    assert checked
    # the rows carry the labels of their points: current rows `cluster`, previous `cluster_prev`
    fine = clustering.fine()
    rows = shares.con.execute(
        f"""
        SELECT count(*) FILTER (WHERE current AND {fine} AND cluster IS NULL),
            count(*) FILTER (WHERE NOT (current AND {fine}) AND cluster IS NOT NULL),
            count(*) FILTER (WHERE NOT (previous AND {fine}) AND cluster_prev <> -2),
            count(*) FILTER (WHERE current AND loc_label IS NULL AND lat IS NOT NULL),
            count(*) FILTER (WHERE NOT current AND loc_label IS NOT NULL)
        FROM rows
        """
    ).fetchall()
    assert rows == [(0, 0, 0, 0, 0)]


def test_point_labels_are_cluster_names_else_main_cities(measured) -> None:  # type: ignore[no-untyped-def]
    """Every distinct point's label, dictionary encoded: its cluster's name when clustered, else
    the name of a place (its main city); the strings come back with a cast."""
    from dataclasses import replace

    import numpy as np
    import pyarrow as pa

    from stclusters.measure.stage import cluster_economies, name_clusters

    _, _, (shares, clustering) = measured
    # a few points of each layer made noise: they are labelled with their main city
    clustering = replace(
        clustering,
        layers=tuple(
            replace(ly, labels=np.where(np.arange(len(ly.labels)) < 5, -1, ly.labels))
            for ly in clustering.layers
        ),
    )
    places = load_places()
    weight = output_weights(clustering, shares.world)
    economies = cluster_economies(
        shares.con, clustering, world=shares.world, economy_share=SMALL_CONFIG.economy_share
    )
    naming = name_clusters(
        clustering,
        weight,
        places=places,
        config=SMALL_CONFIG,
        countries=country_names(),
        economies=economies,
    )
    assert isinstance(naming.point_labels, pa.DictionaryArray)
    assert naming.point_labels.indices.type == pa.int32()
    got = pa.array(naming.point_labels, pa.string()).to_pylist()
    labels = clustering.labels
    assert len(got) == len(labels)
    clustered = np.flatnonzero(labels >= 0)
    assert clustered.size and (labels < 0).any()
    assert [got[i] for i in clustered] == [naming.names[int(labels[i])] for i in clustered]
    place_names = {str(n) for n in places.name}
    assert all(got[i] in place_names for i in np.flatnonzero(labels < 0))
    assert set(naming.coords) == {got[i] for i in np.flatnonzero(labels < 0)}
