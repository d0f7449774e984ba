"""Tests of the weighted great-circle DBSCAN (stclusters.cluster.dbscan)."""

from __future__ import annotations

import math
from unittest import mock

import numpy as np
import pytest
from _geo import exact_eps_km, same_partition, sklearn_dbscan
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sklearn.utils._param_validation import InvalidParameterError

import stclusters.cluster.dbscan as engine
from stclusters.cluster import GeoDBSCAN, dbscan_geo
from stclusters.errors import ConfigError, InputError

# ---------------------------------------------------------------- toys checked by hand

# On the equator 0.1 degree of longitude is 11.12 km.


def test_chain_with_border_points() -> None:
    X = np.array([[0.0, 0.0], [0.0, 0.1], [0.0, 0.2], [10.0, 10.0]])
    est = GeoDBSCAN(eps_km=15.0, min_points=3).fit(X)
    # Only the middle point sees 3 points (itself and both ends, 11.1 km away); the ends are
    # 22.2 km apart, so they are border points; the far point is noise.
    assert est.core_mask_.tolist() == [False, True, False, False]
    assert est.labels_.tolist() == [0, 0, 0, -1]
    assert est.core_sample_indices_.tolist() == [1]
    assert est.n_clusters_ == 1
    assert est.labels_.dtype == np.int64


def test_two_clusters_numbered_by_descending_weight() -> None:
    X = np.array([[0.0, 0.0], [0.0, 0.05], [45.0, 7.0], [45.0, 7.01]])
    w = np.array([1.0, 1.0, 5.0, 1.0])
    core, labels = dbscan_geo(X, eps_km=15.0, min_points=2, sample_weight=w)
    assert core.all()
    # The cluster at (45, 7) weighs 6, the one at (0, 0) weighs 2: it comes first.
    assert labels.tolist() == [1, 1, 0, 0]


def test_point_exactly_at_eps_is_a_neighbour() -> None:
    # Not every distance is reachable as sin(eps / 2R) ** 2 in floating point: take the first
    # of a few nearby pairs that is.
    p = (10.0, 20.0)
    for k in range(1, 50):
        q = (10.05, 20.09 + k * 1e-4)
        eps = exact_eps_km(p, q)
        if eps is not None:
            break
    assert eps is not None
    X = np.array([p, q])
    core, labels = dbscan_geo(X, eps_km=eps, min_points=2)
    assert core.tolist() == [True, True]
    assert labels.tolist() == [0, 0]
    ref_core, _ = sklearn_dbscan(X, eps, 2, None)
    assert ref_core.tolist() == [True, True]
    # Just below that distance the two points no longer see each other.
    core, labels = dbscan_geo(X, eps_km=eps * (1 - 1e-12), min_points=2)
    assert core.tolist() == [False, False]
    assert labels.tolist() == [-1, -1]


def test_many_points_at_one_coordinate() -> None:
    X = np.array([[51.5, -0.1]] * 4500 + [[51.5, -0.05]])
    est = GeoDBSCAN().fit(X)  # the method's defaults: 15 km, 4,500
    assert est.n_unique_ == 2
    assert est.core_mask_.all()
    assert set(est.labels_.tolist()) == {0}


def test_border_tie_goes_to_cluster_with_smallest_core_coordinate() -> None:
    # Cluster A: (0, -0.4) weight 10 and (0, -0.2); cluster B: (0, 0.2) and (0, 0.4) weight 20.
    # P at (0, 0) is 22.2 km from (0, -0.2) and from (0, 0.2): an exact tie (the equator is
    # symmetric). A and B are 44.5 km apart. B weighs more, so it is cluster 0; the tie goes
    # to A, whose smallest core coordinate (0, -0.4) comes first.
    X = np.array([[0.0, -0.4], [0.0, -0.2], [0.0, 0.0], [0.0, 0.2], [0.0, 0.4]])
    w = np.array([10.0, 1.0, 1.0, 1.0, 20.0])
    core, labels = dbscan_geo(X, eps_km=25.0, min_points=5, sample_weight=w)
    assert core.tolist() == [True, True, False, True, True]
    assert labels.tolist() == [1, 1, 1, 0, 0]


def test_border_point_joins_nearest_core_point() -> None:
    # P at (0, 0.1) is 11.1 km from B's core (0, 0.2) and 22.2 km from A's core (0, -0.1).
    X = np.array([[0.0, -0.3], [0.0, -0.1], [0.0, 0.1], [0.0, 0.2], [0.0, 0.4]])
    w = np.array([30.0, 1.0, 1.0, 1.0, 10.0])
    core, labels = dbscan_geo(X, eps_km=25.0, min_points=5, sample_weight=w)
    assert core.tolist() == [True, True, False, True, True]
    assert labels[2] == labels[3] != labels[1]


def test_across_the_antimeridian() -> None:
    X = np.array([[0.0, 179.95], [0.0, -179.95], [0.0, 180.0], [0.0, -180.0]])
    core, labels = dbscan_geo(X, eps_km=15.0, min_points=4)
    assert core.all()
    assert labels.tolist() == [0, 0, 0, 0]


def test_all_zero_weights_make_every_point_noise() -> None:
    # Three identical points and a near one: with weight 1 each they form a cluster, with weight
    # 0 no point has a positive total weight within eps, so none is core and all are noise.
    X = np.array([[48.0, 2.0], [48.0, 2.0], [48.0, 2.0], [48.0, 2.01]])
    _, labels = dbscan_geo(X, eps_km=5.0, min_points=1e-9, sample_weight=np.ones(4))
    assert labels.tolist() == [0, 0, 0, 0]
    est = GeoDBSCAN(eps_km=5.0, min_points=1e-9).fit(X, sample_weight=np.zeros(4))
    assert est.core_mask_.tolist() == [False] * 4
    assert est.labels_.tolist() == [-1] * 4
    assert est.n_clusters_ == 0
    assert est.components_.shape == (0, 2)


def test_empty_input() -> None:
    est = GeoDBSCAN(eps_km=5, min_points=2).fit(np.empty((0, 2)))
    assert est.labels_.shape == (0,)
    assert est.n_clusters_ == 0


def test_repr_and_fit_predict() -> None:
    est = GeoDBSCAN(eps_km=5.0, min_points=2)
    assert repr(est) == "GeoDBSCAN(eps_km=5.0, min_points=2)"
    assert est.fit_predict(np.array([[0.0, 0.0], [0.0, 0.0]])).tolist() == [0, 0]


# ---------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"eps_km": 0.0},
            r"'eps_km' parameter of GeoDBSCAN must be a float in the range"
            r" \[0.05, 500.0\]. Got 0.0 instead",
        ),
        ({"eps_km": 0.049}, r"'eps_km' .* Got 0.049 instead"),
        ({"eps_km": 500.5}, r"'eps_km' .* Got 500.5 instead"),
        ({"eps_km": -3}, "'eps_km' .* Got -3 instead"),
        ({"eps_km": "15"}, "'eps_km' .* Got '15' instead"),
        ({"eps_km": math.nan}, "'eps_km' .* Got nan instead"),
        ({"min_points": 0}, r"'min_points' .* range \(0.0, inf\). Got 0 instead"),
        ({"min_points": math.inf}, "'min_points' .* Got inf instead"),
        ({"min_points": True}, "'min_points' .* Got True instead"),
        ({"eps_km": np.bool_(True)}, "'eps_km' .* Got np.True_ instead"),
    ],
)
def test_bad_settings(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"eps_km": 15.0, "min_points": 2.0} | kwargs
    # Both the project's ConfigError and scikit-learn's InvalidParameterError.
    with pytest.raises(ConfigError, match=message):
        dbscan_geo(np.zeros((2, 2)), **args)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match=message):
        GeoDBSCAN(**args).fit(np.zeros((2, 2)))  # type: ignore[arg-type]


def test_bounds_are_inclusive_where_documented() -> None:
    X = np.zeros((2, 2))
    assert dbscan_geo(X, eps_km=0.05, min_points=2)[1].tolist() == [0, 0]
    assert dbscan_geo(X, eps_km=500, min_points=2)[1].tolist() == [0, 0]
    assert dbscan_geo(X, eps_km=15, min_points=1e-9)[1].tolist() == [0, 0]


@pytest.mark.parametrize(
    ("X", "weights", "message"),
    [
        (np.zeros((3, 3)), None, r"\(n, 2\) array .* shape \(3, 3\)"),
        (np.array([[0.0, np.nan]]), None, "row 0 has a missing or infinite coordinate"),
        (np.array([[0.0, 0.0], [91.0, 0.0]]), None, "row 1 is outside latitude"),
        (np.array([[0.0, 200.0]]), None, "row 0 is outside"),
        (np.zeros((2, 2)), np.array([1.0]), "1-D array of 2 weights"),
        (np.zeros((2, 2)), np.array([1.0, -1.0]), r"sample_weight\[1\] = -1.0"),
    ],
)
def test_bad_input(X: np.ndarray, weights: np.ndarray | None, message: str) -> None:  # noqa: N803
    with pytest.raises(InputError, match=message):
        dbscan_geo(X, eps_km=15.0, min_points=2, sample_weight=weights)


# ---------------------------------------------------------------- property tests

# Small data sets around a few centres, on a coarse lattice so that identical coordinates and
# equal distances are common.


@st.composite
def datasets(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray | None, float, int]:
    n_centres = draw(st.integers(1, 3))
    centres = [(draw(st.floats(-70, 70)), draw(st.floats(-180, 180))) for _ in range(n_centres)]
    step = draw(st.sampled_from([0.01, 0.03, 0.07]))
    n = draw(st.integers(1, 60))
    rows = []
    for _ in range(n):
        lat0, lon0 = centres[draw(st.integers(0, n_centres - 1))]
        lat = lat0 + step * draw(st.integers(-4, 4))
        lon = lon0 + step * draw(st.integers(-4, 4))
        lon = (lon + 180.0) % 360.0 - 180.0
        rows.append((lat, lon))
    X = np.array(rows)
    weighted = draw(st.booleans())
    weights = (
        np.array(draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)), dtype=float)
        if weighted
        else None
    )
    eps_km = draw(st.floats(0.5, 25.0))
    min_points = draw(st.integers(1, 12))
    return X, weights, eps_km, min_points


def _check_against_sklearn(
    X: np.ndarray,  # noqa: N803
    weights: np.ndarray | None,
    eps_km: float,
    min_points: int,
) -> None:
    core, labels = dbscan_geo(X, eps_km=eps_km, min_points=min_points, sample_weight=weights)
    if weights is not None and not weights.any():
        # scikit-learn refuses all-zero weights; by the definition no point reaches min_points
        # (above 0): every point is noise (see test_all_zero_weights_make_every_point_noise).
        assert not core.any()
        assert (labels == -1).all()
        return
    ref_core, ref_labels = sklearn_dbscan(X, eps_km, min_points, weights)
    assert core.tolist() == ref_core.tolist()
    assert same_partition(labels[core], ref_labels[core])
    assert ((labels == -1) == (ref_labels == -1)).all()


@settings(max_examples=150, deadline=None)
@given(datasets())
def test_equals_sklearn(data: tuple[np.ndarray, np.ndarray | None, float, int]) -> None:
    _check_against_sklearn(*data)


@settings(max_examples=60, deadline=None)
@given(datasets())
def test_equals_sklearn_through_every_engine_path(
    data: tuple[np.ndarray, np.ndarray | None, float, int],
) -> None:
    # Force the slow paths (work chunks of one item, cell pairs one by one) on small data.
    with (
        mock.patch.object(engine, "_MAX_PAIRS_PER_CHUNK", 1),
        mock.patch.object(engine, "_SMALL_CELL_PAIR", 0),
    ):
        _check_against_sklearn(*data)


# Most draws have no exactly representable eps: filtering is expected here.
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(datasets(), st.data())
def test_equals_sklearn_with_points_exactly_at_eps(
    data: tuple[np.ndarray, np.ndarray | None, float, int], draw: st.DataObject
) -> None:
    X, weights, _, min_points = data
    assume(X.shape[0] >= 2)
    i = draw.draw(st.integers(0, X.shape[0] - 1))
    j = draw.draw(st.integers(0, X.shape[0] - 1))
    eps = exact_eps_km(tuple(X[i]), tuple(X[j]))
    assume(eps is not None and 0.05 < eps < 200)
    assert eps is not None
    _check_against_sklearn(X, weights, eps, min_points)
    with (
        mock.patch.object(engine, "_MAX_PAIRS_PER_CHUNK", 1),
        mock.patch.object(engine, "_SMALL_CELL_PAIR", 0),
    ):
        _check_against_sklearn(X, weights, eps, min_points)


@settings(max_examples=80, deadline=None)
@given(datasets())
def test_weight_k_equals_k_copies(data: tuple[np.ndarray, np.ndarray | None, float, int]) -> None:
    X, weights, eps_km, min_points = data
    # Weights of at least 1 (a point of weight 0 is not "no point": it can still be core).
    weights = np.ones(X.shape[0]) if weights is None else weights + 1
    core, labels = dbscan_geo(X, eps_km=eps_km, min_points=min_points, sample_weight=weights)
    reps = weights.astype(int)
    copies = np.repeat(X, reps, axis=0)
    core_c, labels_c = dbscan_geo(copies, eps_km=eps_km, min_points=min_points)
    assert core_c.tolist() == np.repeat(core, reps).tolist()
    assert labels_c.tolist() == np.repeat(labels, reps).tolist()


@settings(max_examples=80, deadline=None)
@given(datasets(), st.randoms(use_true_random=False))
def test_shuffling_rows_changes_nothing(
    data: tuple[np.ndarray, np.ndarray | None, float, int], rnd: object
) -> None:
    X, weights, eps_km, min_points = data
    perm = np.arange(X.shape[0])
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    core, labels = dbscan_geo(X, eps_km=eps_km, min_points=min_points, sample_weight=weights)
    w2 = None if weights is None else weights[perm]
    core2, labels2 = dbscan_geo(X[perm], eps_km=eps_km, min_points=min_points, sample_weight=w2)
    assert core2.tobytes() == core[perm].tobytes()
    assert labels2.tobytes() == labels[perm].tobytes()


# ---------------------------------------------------------------- dense data (grid counting)


@pytest.mark.parametrize("min_points", [25, 100, 200])
def test_dense_distinct_points_equal_sklearn(min_points: int) -> None:
    # Nearly every point distinct and dense: light cells are counted from their neighbouring
    # cells' boxes (wholly inside, out of reach or partly covered) and the undecided points
    # are tested one by one. All three kinds must occur, and the result must match sklearn.
    rng = np.random.default_rng(7)
    centres = np.array([[35.7, 139.7], [22.5, 114.1], [-33.9, 151.2], [64.1, -21.9]])
    city = rng.integers(0, len(centres), 5000)
    spread = rng.normal(0.0, 0.04, (5000, 2)) * [1.0, 2.0]
    X = np.round(centres[city] + spread, 5)
    w = rng.integers(1, 4, 5000).astype(float)
    calls: list[int] = []
    real = engine._settle_weights

    def spy(*args: object, **kwargs: object) -> np.ndarray:
        calls.append(len(args[3]))  # type: ignore[arg-type]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    with mock.patch.object(engine, "_settle_weights", spy):
        core, labels = dbscan_geo(X, eps_km=2.0, min_points=min_points, sample_weight=w)
    ref_core, ref_labels = sklearn_dbscan(X, 2.0, min_points, w)
    assert 0 < core.sum() < core.size
    assert sum(calls) > 0  # some points needed the exact test
    assert core.tolist() == ref_core.tolist()
    assert same_partition(labels[core], ref_labels[core])
    assert ((labels == -1) == (ref_labels == -1)).all()
