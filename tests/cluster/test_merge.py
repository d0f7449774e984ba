"""Tests of the merge of close clusters (stclusters.cluster.merge)."""

from __future__ import annotations

import numpy as np
import pytest
from _geo import R, exact_eps_km, same_partition
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import connected_components
from sklearn.metrics.pairwise import haversine_distances

from stclusters.cluster import merge_clusters, merge_labels
from stclusters.errors import ConfigError, InputError

# On the equator 0.01 degree of longitude is 1.112 km.


def test_patent_and_article_clusters_merge_by_hand() -> None:
    patents = np.array([[0.0, 0.0], [0.0, 0.1], [0.0, 1.0], [0.0, 2.0]])
    patent_labels = np.array([0, 0, 1, -1])
    articles = np.array([[0.0, 0.14], [0.0, 0.5]])
    article_labels = np.array([0, 1])
    new_p, new_a = merge_clusters(patents, patent_labels, articles, article_labels, merge_km=5.0)
    # (0, 0.14) is 4.4 km from (0, 0.1): patent cluster 0 and article cluster 0 merge (weight
    # 3). Patent cluster 1 and article cluster 1 weigh 1 each; article cluster 1 has the
    # smaller coordinate (0, 0.5) and comes first. Noise stays noise.
    assert new_p.tolist() == [0, 0, 2, -1]
    assert new_a.tolist() == [0, 1]


def test_merging_is_transitive() -> None:
    # A -- 4.4 km -- B -- 4.4 km -- C, A and C are 8.9 km apart: one cluster.
    X = np.array([[0.0, 0.0], [0.0, 0.04], [0.0, 0.08]])
    (a,) = merge_labels([(X[:1], np.array([0]))], merge_km=5.0)
    assert a.tolist() == [0]
    out = merge_labels(
        [(X[[0, 2]], np.array([0, 1])), (X[[1]], np.array([0]))],
        merge_km=5.0,
    )
    assert [x.tolist() for x in out] == [[0, 0], [0]]
    # Without B, A and C stay apart.
    (alone,) = merge_labels([(X[[0, 2]], np.array([0, 1]))], merge_km=5.0)
    assert alone.tolist() == [0, 1]


def test_clusters_of_one_layer_merge_too() -> None:
    X = np.array([[10.0, 10.0], [10.0, 10.03], [10.0, 10.2]])
    (labels,) = merge_labels([(X, np.array([0, 1, 2]))], merge_km=5.0)
    assert labels.tolist() == [0, 0, 1]


def test_noise_points_do_not_bridge() -> None:
    X = np.array([[0.0, 0.0], [0.0, 0.04], [0.0, 0.08]])
    (labels,) = merge_labels([(X, np.array([0, -1, 1]))], merge_km=5.0)
    assert labels.tolist() == [0, -1, 1]


def test_point_exactly_at_merge_km_merges() -> None:
    p = (30.0, 100.0)
    for k in range(1, 50):
        q = (30.02, 100.03 + k * 1e-5)
        d = exact_eps_km(p, q)
        if d is not None:
            break
    assert d is not None
    X = np.array([p, q])
    (labels,) = merge_labels([(X, np.array([0, 1]))], merge_km=d)
    assert labels.tolist() == [0, 0]
    (labels,) = merge_labels([(X, np.array([0, 1]))], merge_km=d * (1 - 1e-12))
    assert labels.tolist() == [0, 1]


def test_merge_km_zero_merges_only_clusters_sharing_a_coordinate() -> None:
    # Patent cluster 0 and article cluster 0 share (0, 0); patent cluster 1 is 1.1 m away from
    # article cluster 1 (1e-5 degree of longitude): with merge_km = 0 they stay apart.
    patents = (np.array([[0.0, 0.0], [0.0, 1.0]]), np.array([0, 1]))
    articles = (np.array([[0.0, 0.0], [0.0, 1.00001]]), np.array([0, 1]))
    new_p, new_a = merge_labels([patents, articles], merge_km=0.0)
    assert new_p[0] == new_a[0]
    assert len({new_p[0], new_p[1], new_a[1]}) == 3
    new_p, new_a = merge_labels([patents, articles], merge_km=0.01)
    assert new_p.tolist() == [0, 1] and new_a.tolist() == [0, 1]


def test_weights_decide_the_numbering() -> None:
    X = np.array([[0.0, 0.0], [0.0, 1.0]])
    (labels,) = merge_labels([(X, np.array([0, 1]))], merge_km=5.0, weights=[np.array([1, 5])])
    assert labels.tolist() == [1, 0]


def test_all_noise_and_empty_layers() -> None:
    out = merge_labels(
        [(np.zeros((2, 2)), np.array([-1, -1])), (np.empty((0, 2)), np.empty(0, dtype=int))],
        merge_km=5.0,
    )
    assert [x.tolist() for x in out] == [[-1, -1], []]
    assert merge_labels([], merge_km=5.0) == []


def test_bad_arguments() -> None:
    for bad in (-1, 500.5, "5", np.nan, True):
        with pytest.raises(
            ConfigError,
            match=r"'merge_km' parameter of merge_labels must be a"
            r" float in the range \[0.0, 500.0\]. Got .* instead",
        ):
            merge_labels([(np.zeros((1, 2)), np.array([0]))], merge_km=bad)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="layer 0 labels must be a 1-D integer array of 1"):
        merge_labels([(np.zeros((1, 2)), np.array([0.5]))], merge_km=5)
    with pytest.raises(InputError, match="layer 1 labels must be -1"):
        merge_labels(
            [(np.zeros((1, 2)), np.array([0])), (np.zeros((1, 2)), np.array([-2]))], merge_km=5
        )
    with pytest.raises(InputError, match="one entry per layer"):
        merge_labels([(np.zeros((1, 2)), np.array([0]))], merge_km=5, weights=[None, None])


# ---------------------------------------------------------------- property tests


@st.composite
def layer_sets(draw: st.DrawFn) -> tuple[list[tuple[np.ndarray, np.ndarray]], float]:
    n_layers = draw(st.integers(1, 3))
    lat0 = draw(st.floats(-60, 60))
    lon0 = draw(st.floats(-180, 180))
    layers = []
    for _ in range(n_layers):
        n = draw(st.integers(0, 25))
        n_clusters = draw(st.integers(1, 5))
        rows = [
            (
                lat0 + 0.02 * draw(st.integers(-10, 10)),
                (lon0 + 0.02 * draw(st.integers(-10, 10)) + 180.0) % 360.0 - 180.0,
            )
            for _ in range(n)
        ]
        labels = [draw(st.integers(-1, n_clusters - 1)) for _ in range(n)]
        layers.append((np.array(rows).reshape(n, 2), np.array(labels, dtype=np.int64)))
    merge_km = draw(st.floats(0.5, 8.0))
    return layers, merge_km


def _brute_force_groups(
    layers: list[tuple[np.ndarray, np.ndarray]], merge_km: float
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Component of every global cluster id, by comparing every pair of member points."""
    ids, pts = [], []
    offset = 0
    for X, lab in layers:
        m = lab >= 0
        ids.append(lab[m] + offset)
        pts.append(X[m])
        offset += int(lab.max()) + 1 if lab.size else 0
    cid = np.concatenate(ids)
    P = np.concatenate(pts)
    if cid.size == 0:
        return np.zeros(offset, dtype=np.int64), [lab for _, lab in layers]
    d = haversine_distances(np.radians(P)) * R
    close = d <= merge_km
    graph = np.zeros((offset, offset), dtype=bool)
    i, j = np.nonzero(close)
    graph[cid[i], cid[j]] = True
    _, comp = connected_components(graph, directed=False)
    return comp, [lab for _, lab in layers]


@settings(max_examples=100, deadline=None)
@given(layer_sets())
def test_equals_brute_force(data: tuple[list[tuple[np.ndarray, np.ndarray]], float]) -> None:
    layers, merge_km = data
    out = merge_labels(layers, merge_km=merge_km)
    comp, _ = _brute_force_groups(layers, merge_km)
    offset = 0
    got, want = [], []
    for (_, lab), new in zip(layers, out, strict=True):
        m = lab >= 0
        assert ((new >= 0) == m).all()
        got.append(new[m])
        want.append(comp[lab[m] + offset])
        offset += int(lab.max()) + 1 if lab.size else 0
    g, w = np.concatenate(got), np.concatenate(want)
    assert same_partition(g, w)
    if g.size:
        assert sorted(set(g.tolist())) == list(range(int(g.max()) + 1))


@settings(max_examples=80, deadline=None)
@given(layer_sets(), st.randoms(use_true_random=False))
def test_row_order_and_label_names_change_nothing(
    data: tuple[list[tuple[np.ndarray, np.ndarray]], float], rnd: object
) -> None:
    layers, merge_km = data
    out = merge_labels(layers, merge_km=merge_km)
    shuffled, perms = [], []
    for X, lab in layers:
        perm = np.arange(lab.size)
        rnd.shuffle(perm)  # type: ignore[attr-defined]
        names = np.arange(int(lab.max()) + 1 if lab.size else 0)
        rnd.shuffle(names)  # type: ignore[attr-defined]
        renamed = np.where(lab >= 0, names[np.maximum(lab, 0)] if names.size else -1, -1)
        shuffled.append((X[perm], renamed[perm]))
        perms.append(perm)
    out2 = merge_labels(shuffled, merge_km=merge_km)
    for a, b, perm in zip(out, out2, perms, strict=True):
        assert b.tobytes() == a[perm].tobytes()
