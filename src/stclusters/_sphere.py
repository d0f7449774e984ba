"""Sphere maths shared by every stage: the Earth radius, unit vectors, chords, centroids and the
distinct points of a coordinate list.

All distances of the project are great-circle distances on a sphere of radius
:data:`EARTH_RADIUS_KM` (the IUGG mean radius R1).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "EARTH_RADIUS_KM",
    "centroid",
    "chord",
    "haversine_km",
    "to_xyz",
    "unique_points",
]

#: Mean Earth radius (IUGG R1) in kilometres, used for every great-circle distance of the project.
EARTH_RADIUS_KM = 6371.0088


def to_xyz(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
    """Unit vectors of points given in degrees: shape (n, 3)."""
    la = np.radians(np.asarray(lat, dtype=np.float64))
    lo = np.radians(np.asarray(lon, dtype=np.float64))
    cos_la = np.cos(la)
    return np.column_stack([cos_la * np.cos(lo), cos_la * np.sin(lo), np.sin(la)])


def chord(km: float) -> float:
    """Chord length on the unit sphere of a great-circle distance of ``km`` kilometres."""
    return 2.0 * math.sin(min(km / EARTH_RADIUS_KM, math.pi) / 2.0)


def haversine_km(
    lat1: NDArray[np.float64] | float,
    lon1: NDArray[np.float64] | float,
    lat2: NDArray[np.float64] | float,
    lon2: NDArray[np.float64] | float,
) -> NDArray[np.float64]:
    """Great-circle distance in km between points given in degrees (vectorised)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1))))


def centroid(points: NDArray[np.float64]) -> tuple[float, float]:
    """(lat, lon) in degrees of the mean unit vector of ``points`` ((n, 2) degrees, n >= 1)."""
    xyz = to_xyz(points[:, 0], points[:, 1]).mean(axis=0)
    lat = float(np.degrees(np.arctan2(xyz[2], np.hypot(xyz[0], xyz[1]))))
    lon = float(np.degrees(np.arctan2(xyz[1], xyz[0])))
    return lat, lon


def unique_points(
    lat: NDArray[np.float64],
    lon: NDArray[np.float64],
    *,
    weights: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    """The distinct (lat, lon) pairs of two coordinate arrays, with their summed weights.

    Parameters
    ----------
    lat, lon
        (n,) coordinates in degrees. -0.0 and 0.0 are one coordinate.
    weights
        (n,) weight of each pair; None counts each pair once.

    Returns
    -------
    points
        (m, 2) distinct pairs in lexicographic (lat, lon) order.
    inverse
        (n,) index into ``points`` of each input pair.
    counts
        (m,) float64: how many input pairs each distinct pair stands for, or the sum of their
        weights. Weights are summed in (lat, lon, weight) order, so the sums do not depend on the
        order of the input rows (floating-point addition is not associative).
    """
    # Adding 0.0 turns -0.0 into 0.0, so that the stored coordinate does not depend on row order.
    lat = np.asarray(lat, dtype=np.float64) + 0.0
    lon = np.asarray(lon, dtype=np.float64) + 0.0
    n = len(lat)
    if n == 0:
        return np.empty((0, 2)), np.empty(0, dtype=np.int64), np.empty(0)
    keys = (lon, lat) if weights is None else (np.asarray(weights, dtype=np.float64), lon, lat)
    order = np.lexsort(keys)
    slat, slon = lat[order], lon[order]
    new = np.ones(n, dtype=bool)
    new[1:] = (slat[1:] != slat[:-1]) | (slon[1:] != slon[:-1])
    group = np.cumsum(new) - 1
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = group
    starts = np.flatnonzero(new)
    if weights is None:
        counts = np.diff(np.append(starts, n)).astype(np.float64)
    else:
        counts = np.add.reduceat(keys[0][order], starts).astype(np.float64)
    return np.column_stack([slat[starts], slon[starts]]), inverse, counts
