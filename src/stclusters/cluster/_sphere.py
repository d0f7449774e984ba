"""Plumbing shared by the clustering modules: coordinates, unit vectors, exact haversine tests."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from stclusters._sphere import EARTH_RADIUS_KM
from stclusters.errors import ConfigError, InputError

#: Largest distance accepted for ``eps_km`` and ``merge_km`` (a quarter of a great circle), so
#: that the haversine test stays monotonic.
MAX_DISTANCE_KM = 10000.0

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Relative and absolute slack of the chord radius used to collect candidate pairs from the KD-tree;
# every candidate is then tested exactly with the haversine formula, so the slack only has to make
# the candidate set a superset of the true neighbours.
_CHORD_RTOL = 1e-9
_CHORD_ATOL = 1e-12


def check_distance(value: float, name: str, *, minimum: float = 0.0) -> float:
    """Return ``value`` as a float or raise ConfigError when it is not a usable distance in km."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ConfigError(f"{name} must be a number of kilometres; got {value!r}")
    out = float(value)
    if not math.isfinite(out) or out <= minimum or out > MAX_DISTANCE_KM:
        raise ConfigError(
            f"{name} must be a number of kilometres above {minimum:g} and at most"
            f" {MAX_DISTANCE_KM:g}; got {value!r}"
        )
    return out


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


def unique_points(
    latlon: FloatArray, weights: FloatArray
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Merge identical coordinates into weighted unique points.

    Returns the unique points sorted by (lat, lon), their summed weights and, for each input row,
    the index of its unique point. Weights are summed in sorted order (by coordinate, then by
    weight), so the sums do not depend on the order of the input rows.
    """
    n = latlon.shape[0]
    if n == 0:
        return np.empty((0, 2)), np.empty(0), np.empty(0, dtype=np.int64)
    order = np.lexsort((weights, latlon[:, 1], latlon[:, 0]))
    s = latlon[order]
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(s[1:, 0], s[:-1, 0], out=new[1:])
    new[1:] |= s[1:, 1] != s[:-1, 1]
    starts = np.flatnonzero(new)
    uniq = np.ascontiguousarray(s[starts])
    wsum = np.add.reduceat(weights[order], starts) if n else np.empty(0)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return uniq, np.asarray(wsum, dtype=np.float64), inverse


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
        self.xyz: FloatArray = np.column_stack(
            (self.coslat * np.cos(self.lon), self.coslat * np.sin(self.lon), np.sin(self.lat))
        )

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
    chord = 2.0 * math.sin(0.5 * (distance_km / EARTH_RADIUS_KM))
    return chord * (1.0 + _CHORD_RTOL) + _CHORD_ATOL


def chord_radius_inner(distance_km: float) -> float:
    """A chord length slightly below the chord of ``distance_km``.

    Every pair of points whose unit vectors are closer than this is within ``distance_km`` by the
    exact haversine test (the margin, 1e-6 relative, dwarfs every rounding error).
    """
    chord = 2.0 * math.sin(0.5 * (distance_km / EARTH_RADIUS_KM))
    return chord * (1.0 - 1e-6)


def candidate_pairs(
    query_tree: cKDTree, data_tree: cKDTree, radius: float
) -> tuple[IntArray, IntArray, FloatArray]:
    """All (query, data) index pairs whose unit vectors lie within ``radius``, with the chords."""
    pairs = query_tree.sparse_distance_matrix(data_tree, radius, output_type="ndarray")
    return pairs["i"].astype(np.int64), pairs["j"].astype(np.int64), pairs["v"]


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
