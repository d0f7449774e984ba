"""Helpers shared by the clustering tests: sklearn reference runs and exact-eps construction."""

from __future__ import annotations

import math

import numpy as np
from sklearn.cluster import DBSCAN

R = 6371.0088


def rdist(p: tuple[float, float], q: tuple[float, float]) -> float:
    """Haversine reduced distance of two (lat, lon) degree points, in sklearn's operation order."""
    lat1, lon1 = np.radians(p)
    lat2, lon2 = np.radians(q)
    s0 = math.sin(0.5 * (lat1 - lat2))
    s1 = math.sin(0.5 * (lon1 - lon2))
    return s0 * s0 + math.cos(lat1) * math.cos(lat2) * s1 * s1


def exact_eps_km(p: tuple[float, float], q: tuple[float, float]) -> float | None:
    """An eps in km whose radius test puts ``q`` exactly on the boundary of ``p``, if one exists.

    The boundary test is ``rdist(p, q) <= sin(eps / 2R) ** 2``; the returned eps makes the two
    sides equal in floating point, so the point is "exactly at eps".
    """
    t = rdist(p, q)
    if t == 0.0:
        return None
    eps = 2.0 * math.asin(math.sqrt(t)) * R
    lo = hi = eps
    for _ in range(200):
        for cand in (lo, hi):
            s = math.sin(0.5 * (cand / R))
            if s * s == t:
                return cand
        lo = math.nextafter(lo, 0.0)
        hi = math.nextafter(hi, math.inf)
    return None


def sklearn_dbscan(
    X: np.ndarray,  # noqa: N803
    eps_km: float,
    min_points: int,
    weights: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """(core mask, labels) of scikit-learn's DBSCAN with the haversine metric (brute force)."""
    est = DBSCAN(eps=eps_km / R, min_samples=min_points, metric="haversine", algorithm="brute")
    est.fit(np.radians(X), sample_weight=weights)
    core = np.zeros(X.shape[0], dtype=bool)
    core[est.core_sample_indices_] = True
    return core, est.labels_


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two label arrays define the same partition (up to renaming)."""
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))
