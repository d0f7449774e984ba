"""Plumbing shared by the clustering modules: parameter and input checks, points prepared for
exact haversine tests, and the joining of groups of points that come within a distance.

The sphere maths itself (Earth radius, unit vectors, chords, distinct points) is the project's
ground floor, :mod:`stclusters._sphere`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from numbers import Real
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.cluster.hierarchy import DisjointSet
from scipy.spatial import cKDTree
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    validate_parameter_constraints,
)

from stclusters._limits import Bound
from stclusters._sphere import EARTH_RADIUS_KM, chord, to_xyz
from stclusters.errors import ConfigError, InputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Relative and absolute slack of the chord radius used to collect candidate pairs from the KD-tree;
# every candidate is then tested exactly with the haversine formula, so the slack only has to make
# the candidate set a superset of the true neighbours.
_CHORD_RTOL = 1e-9
_CHORD_ATOL = 1e-12


class ParameterError(ConfigError, InvalidParameterError):  # type: ignore[misc]
    """A parameter of the clusterer out of its range or of the wrong type.

    Both the project's :class:`~stclusters.errors.ConfigError` and scikit-learn's
    ``InvalidParameterError`` (hence a ``ValueError``), so that either kind of caller catches it.
    """


class _Number(Interval):  # type: ignore[misc]  # scikit-learn ships no type information
    """scikit-learn's ``Interval`` of reals that also refuses ``True`` and ``False``."""

    def is_satisfied_by(self, val: Any) -> bool:
        return not isinstance(val, bool | np.bool_) and bool(super().is_satisfied_by(val))


def interval(bound: Bound) -> Any:
    """The scikit-learn ``Interval`` constraint of a bound of :mod:`stclusters._limits`.

    An open upper end is +inf excluded, so that infinity is refused as by ``Config``.
    """
    right = math.inf if bound.maximum is None else bound.maximum
    closed = {
        (False, True): "both",
        (False, False): "left",
        (True, True): "right",
        (True, False): "neither",
    }[(bound.exclusive_minimum, bound.maximum is not None)]
    return _Number(Real, bound.minimum, right, closed=closed)


def check_params(
    constraints: Mapping[str, list[Any]], params: Mapping[str, Any], *, caller: str
) -> None:
    """Check ``params`` against scikit-learn constraints; raise :class:`ParameterError`.

    The message names the parameter, the allowed range and the value given, for instance
    "The 'eps_km' parameter of GeoDBSCAN must be a float in the range [0.05, 500.0]. Got 0.01
    instead."
    """
    try:
        validate_parameter_constraints(dict(constraints), dict(params), caller_name=caller)
    except InvalidParameterError as exc:
        raise ParameterError(str(exc)) from None


def check_latlon(points: Any, name: str = "X") -> FloatArray:
    """Return ``points`` as a C-contiguous (n, 2) float64 array of (lat, lon) degrees, or raise."""
    arr = np.asarray(points, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise InputError(
            f"{name} must be an (n, 2) array of (latitude, longitude) in degrees;"
            f" got an array of shape {arr.shape}"
        )
    if not np.isfinite(arr).all():
        bad = int(np.flatnonzero(~np.isfinite(arr).all(axis=1))[0])
        raise InputError(f"{name} row {bad} has a missing or infinite coordinate: {arr[bad]}")
    lat_bad = np.abs(arr[:, 0]) > 90
    lon_bad = np.abs(arr[:, 1]) > 180
    if lat_bad.any() or lon_bad.any():
        bad = int(np.flatnonzero(lat_bad | lon_bad)[0])
        raise InputError(
            f"{name} row {bad} is outside latitude -90..90 / longitude -180..180: {arr[bad]};"
            " columns must be (latitude, longitude) in degrees"
        )
    # Adding 0.0 turns -0.0 into 0.0, so that the two spellings of zero are one coordinate.
    return np.ascontiguousarray(arr + 0.0)


def check_weights(sample_weight: Any, n: int, name: str = "sample_weight") -> FloatArray:
    """Return weights as an (n,) float64 array (ones when None), or raise on bad values."""
    if sample_weight is None:
        return np.ones(n, dtype=np.float64)
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim != 1 or w.shape[0] != n:
        raise InputError(f"{name} must be a 1-D array of {n} weights; got shape {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        bad = int(np.flatnonzero(~np.isfinite(w) | (w < 0))[0])
        raise InputError(
            f"{name}[{bad}] = {float(w[bad])!r}; weights must be finite and at least 0"
        )
    return w


class Sphere:
    """Points on the sphere prepared for exact radius tests and fast candidate search.

    Parameters
    ----------
    latlon
        (m, 2) array of (lat, lon) in degrees.
    """

    def __init__(self, latlon: FloatArray) -> None:
        rad = np.radians(latlon)
        self.lat: FloatArray = np.ascontiguousarray(rad[:, 0])
        self.lon: FloatArray = np.ascontiguousarray(rad[:, 1])
        self.coslat: FloatArray = np.cos(self.lat)
        self.xyz: FloatArray = to_xyz(latlon[:, 0], latlon[:, 1])

    def __len__(self) -> int:
        return int(self.lat.shape[0])

    def tree(self, index: IntArray | None = None) -> cKDTree:
        """A KD-tree on the unit vectors (of the points ``index``, or of all)."""
        data = self.xyz if index is None else self.xyz[index]
        return cKDTree(data, leafsize=32, balanced_tree=False, compact_nodes=False)

    def rdist(self, i: IntArray, j: IntArray) -> FloatArray:
        """Haversine 'reduced distance' between points ``i`` and ``j`` (element-wise).

        Computed with the same operations, in the same order, as scikit-learn's
        ``HaversineDistance.rdist``, so that boundary cases are decided identically.
        """
        s0 = np.sin(0.5 * (self.lat[i] - self.lat[j]))
        s1 = np.sin(0.5 * (self.lon[i] - self.lon[j]))
        out: FloatArray = s0 * s0 + self.coslat[i] * self.coslat[j] * s1 * s1
        return out


def rdist_threshold(distance_km: float) -> float:
    """The haversine reduced distance of ``distance_km``: ``sin(d / 2R) ** 2``.

    Two points are within ``distance_km`` when their reduced distance is at most this value
    (the rule of scikit-learn's radius queries with ``metric='haversine'``).
    """
    s = math.sin(0.5 * (distance_km / EARTH_RADIUS_KM))
    return s * s


def chord_radius(distance_km: float) -> float:
    """A chord length on the unit sphere slightly above the chord of ``distance_km``.

    Every pair of points within ``distance_km`` has unit vectors closer than this.
    """
    return chord(distance_km) * (1.0 + _CHORD_RTOL) + _CHORD_ATOL


def chord_radius_inner(distance_km: float) -> float:
    """A chord length slightly below the chord of ``distance_km``.

    Every pair of points whose unit vectors are closer than this is within ``distance_km`` by the
    exact haversine test (the margin, 1e-6 relative, dwarfs every rounding error).
    """
    return chord(distance_km) * (1.0 - 1e-6)


def chunks_by_cost(costs: IntArray, max_cost: int) -> list[tuple[int, int]]:
    """Split ``range(len(costs))`` into consecutive chunks whose summed cost stays near max_cost."""
    n = int(costs.shape[0])
    if n == 0:
        return []
    cum = np.cumsum(costs)
    bounds = [0]
    while bounds[-1] < n:
        start = bounds[-1]
        base = int(cum[start - 1]) if start else 0
        stop = int(np.searchsorted(cum, base + max_cost, side="right"))
        bounds.append(min(n, max(stop, start + 1)))
    return list(itertools.pairwise(bounds))


def any_pair_within(
    sphere: Sphere,
    query: IntArray,
    target: IntArray,
    tree: cKDTree,
    *,
    r_lo: float,
    r_hi: float,
    thr: float,
) -> bool:
    """Whether some point of ``query`` is within the distance of some point of ``target``.

    ``tree`` is a KD-tree on the unit vectors of ``target``; ``r_lo``/``r_hi`` are the inner
    and outer chord radii of the distance and ``thr`` its reduced haversine distance. Nearest
    neighbours clearly inside decide at once; the thin band between the radii is tested exactly.
    """
    d, _ = tree.query(sphere.xyz[query], k=1, distance_upper_bound=r_hi)
    if (d <= r_lo).any():
        return True
    band = np.flatnonzero(np.isfinite(d))
    if band.size == 0:
        return False
    lists = tree.query_ball_point(sphere.xyz[query[band]], r_hi)
    for qi, found in zip(query[band].tolist(), lists, strict=True):
        j = target[np.asarray(found, dtype=np.int64)]
        i = np.full(j.size, qi, dtype=np.int64)
        if (sphere.rdist(i, j) <= thr).any():
            return True
    return False


class PointGroups:
    """Points of a :class:`Sphere` in groups (a cluster's points, a grid cell's core points).

    Parameters
    ----------
    sphere
        The points.
    members
        (k,) indices into ``sphere``, group by group.
    start, size
        (g,) where each group's members begin in ``members`` and how many there are.
    """

    def __init__(self, sphere: Sphere, members: IntArray, start: IntArray, size: IntArray) -> None:
        self.sphere = sphere
        self.members = members
        self.start = start
        self.size = size
        self._trees: dict[int, cKDTree] = {}

    def points(self, group: int) -> IntArray:
        """Indices into the sphere of the points of ``group``."""
        s = int(self.start[group])
        return self.members[s : s + int(self.size[group])]

    def linked(self, a: int, b: int, *, r_lo: float, r_hi: float, thr: float) -> bool:
        """Whether some point of group ``a`` is within the distance of some point of ``b``.

        The smaller group queries a KD-tree of the larger one (kept for later pairs);
        ``r_lo``, ``r_hi`` and ``thr`` are those of :func:`any_pair_within`.
        """
        if self.size[a] > self.size[b]:
            a, b = b, a
        target = self.points(b)
        tree = self._trees.get(b)
        if tree is None:
            tree = self._trees[b] = cKDTree(self.sphere.xyz[target])
        return any_pair_within(
            self.sphere, self.points(a), target, tree, r_lo=r_lo, r_hi=r_hi, thr=thr
        )


def join_linked(
    set_of: IntArray, a: IntArray, b: IntArray, linked: Callable[[int, int], bool]
) -> IntArray:
    """Join sets of items along the candidate pairs that pass a costly test.

    Parameters
    ----------
    set_of
        (n,) set number of each item, 0 .. s-1 (items already known to be connected share one).
    a, b
        (p,) candidate pairs of items, tested in this order.
    linked
        ``linked(i, j)``: whether items ``i`` and ``j`` are connected. Not called for a pair whose
        sets are already joined (through earlier pairs).

    Returns
    -------
    ndarray of int64, shape (s,)
        The joined set of each set, numbered 0, 1, ... by the smallest set it holds.
    """
    n_sets = int(set_of.max()) + 1 if set_of.size else 0
    sets = DisjointSet(range(n_sets))
    for i, j in zip(a.tolist(), b.tolist(), strict=True):
        si, sj = int(set_of[i]), int(set_of[j])
        if not sets.connected(si, sj) and linked(i, j):
            sets.merge(si, sj)
    smallest = np.empty(n_sets, dtype=np.int64)
    for subset in sets.subsets():
        members = np.fromiter(subset, dtype=np.int64, count=len(subset))
        smallest[members] = members.min()
    out: IntArray = np.unique(smallest, return_inverse=True)[1].astype(np.int64)
    return out
