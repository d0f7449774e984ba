"""Merge clusters that come within ``merge_km`` of each other, across and within layers.

Two clusters (of any layers, or of the same layer) are merged when a member point of one (core
or border, label >= 0) lies within ``merge_km`` of a member point of the other; merging is
transitive. Distances follow the rule of :mod:`stclusters.cluster.dbscan` (great circle on a
sphere of radius 6371.0088 km, a point at exactly ``merge_km`` counts as within).

The merged clusters get one shared, canonical numbering: 0, 1, ... by descending total weight of
their member points over all layers, ties by their lexicographically smallest (lat, lon) member
point. The numbers depend only on the points, labels and weights, never on the row order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from stclusters._limits import MERGE_KM
from stclusters.cluster._sphere import (
    FloatArray,
    IntArray,
    PointGroups,
    Sphere,
    check_latlon,
    check_params,
    check_weights,
    chord_radius,
    chord_radius_inner,
    interval,
    join_linked,
    rdist_threshold,
)
from stclusters.errors import InputError

__all__ = ["merge_clusters", "merge_labels"]

_CONSTRAINTS = {"merge_km": [interval(MERGE_KM)]}


def merge_labels(
    groups: Sequence[tuple[Any, Any]],
    *,
    merge_km: float = 5.0,
    weights: Sequence[Any | None] | None = None,
) -> list[IntArray]:
    """Merge the clusters of several layers; return new labels in one shared numbering.

    Parameters
    ----------
    groups
        One ``(latlon, labels)`` pair per layer: an (n, 2) array of (lat, lon) degrees and the
        (n,) cluster labels of that layer (-1 for noise).
    merge_km
        Clusters with member points this close (or closer) are merged, in km; in [0, 500]
        (:data:`stclusters._limits.MERGE_KM`). 0 merges only clusters that share a coordinate.
    weights
        Optional per-layer weights of the rows (ones when None); used only for numbering.

    Returns
    -------
    list of ndarray
        For each layer, the merged cluster number of each row (-1 for noise).

    Raises
    ------
    ParameterError
        For ``merge_km`` out of range (a :class:`~stclusters.errors.ConfigError`).
    InputError
        For points, labels or weights that cannot be used, naming the layer.

    Examples
    --------
    >>> import numpy as np
    >>> patents = (np.array([[0.0, 0.0], [0.0, 1.0]]), np.array([0, 1]))
    >>> articles = (np.array([[0.0, 0.03]]), np.array([0]))
    >>> [x.tolist() for x in merge_labels([patents, articles], merge_km=5.0)]
    [[0, 1], [0]]
    """
    check_params(_CONSTRAINTS, {"merge_km": merge_km}, caller="merge_labels")
    distance = float(merge_km)
    if weights is not None and len(weights) != len(groups):
        raise InputError(
            f"weights must hold one entry per layer ({len(groups)}); got {len(weights)}"
        )
    layers: list[tuple[FloatArray, IntArray, FloatArray]] = []
    for k, (points, labels) in enumerate(groups):
        latlon = check_latlon(points, f"layer {k} points")
        lab = np.asarray(labels)
        if lab.shape != (latlon.shape[0],) or (lab.size and lab.dtype.kind not in "iu"):
            raise InputError(
                f"layer {k} labels must be a 1-D integer array of {latlon.shape[0]} labels;"
                f" got shape {lab.shape} and dtype {lab.dtype}"
            )
        lab = lab.astype(np.int64)
        if lab.size and lab.min() < -1:
            raise InputError(f"layer {k} labels must be -1 (noise) or at least 0")
        w = check_weights(None if weights is None else weights[k], latlon.shape[0])
        layers.append((latlon, lab, w))

    if not layers:
        return []
    # Global cluster ids: each layer's labels shifted past the previous layers' ones.
    sizes = [int(lab.max()) + 1 if lab.size else 0 for _, lab, _ in layers]
    offsets = np.cumsum([0, *sizes])[:-1].tolist()
    members = [lab >= 0 for _, lab, _ in layers]
    cid = np.concatenate(
        [lab[m] + off for (_, lab, _), m, off in zip(layers, members, offsets, strict=True)]
    )
    pts = np.concatenate([x[m] for (x, _, _), m in zip(layers, members, strict=True)])
    wts = np.concatenate([w[m] for (_, _, w), m in zip(layers, members, strict=True)])
    n_ids = sum(sizes)
    group = _merged_groups(pts, cid, n_ids, distance)
    final = _canonical_numbers(pts, cid, wts, group, n_ids)
    out: list[IntArray] = []
    for (_, lab, _), m, off in zip(layers, members, offsets, strict=True):
        new = np.full(lab.size, -1, dtype=np.int64)
        new[m] = final[lab[m] + off]
        out.append(new)
    return out


def merge_clusters(
    points_a: Any,
    labels_a: Any,
    points_b: Any,
    labels_b: Any,
    *,
    merge_km: float = 5.0,
    weights_a: Any = None,
    weights_b: Any = None,
) -> tuple[IntArray, IntArray]:
    """Merge the clusters of two layers (patents, articles); see :func:`merge_labels`."""
    a, b = merge_labels(
        [(points_a, labels_a), (points_b, labels_b)],
        merge_km=merge_km,
        weights=[weights_a, weights_b],
    )
    return a, b


def _merged_groups(pts: FloatArray, cid: IntArray, n_ids: int, distance_km: float) -> IntArray:
    """Merged group of every global cluster id (ids without member points: their own)."""
    group = np.arange(n_ids, dtype=np.int64)
    if pts.shape[0] == 0:
        return group
    # Unique (cluster, coordinate) rows, grouped by cluster.
    order = np.lexsort((pts[:, 1], pts[:, 0], cid))
    p, c = pts[order], cid[order]
    keep = np.ones(c.size, dtype=bool)
    keep[1:] = (c[1:] != c[:-1]) | (p[1:, 0] != p[:-1, 0]) | (p[1:, 1] != p[:-1, 1])
    p, c = p[keep], c[keep]
    ids, start, size = np.unique(c, return_index=True, return_counts=True)
    clusters = PointGroups(Sphere(p), np.arange(c.size, dtype=np.int64), start, size)
    a, b = _close_pairs(clusters, chord_radius(distance_km))
    r_lo, r_hi = chord_radius_inner(distance_km), chord_radius(distance_km)
    thr = rdist_threshold(distance_km)
    joined = join_linked(
        np.arange(ids.size, dtype=np.int64),
        a,
        b,
        lambda x, y: clusters.linked(x, y, r_lo=r_lo, r_hi=r_hi, thr=thr),
    )
    # Merged groups numbered past the ids, so that they never collide with a lone id.
    group[ids] = n_ids + joined
    return group


def _close_pairs(clusters: PointGroups, r_hi: float) -> tuple[IntArray, IntArray]:
    """Pairs (a < b) of clusters whose bounding caps come within the chord ``r_hi``, sorted."""
    xyz = clusters.sphere.xyz
    start, size = clusters.start, clusters.size
    # Bounding caps: centre direction and chord radius of each cluster.
    centre = np.add.reduceat(xyz, start, axis=0)
    norm = np.linalg.norm(centre, axis=1, keepdims=True)
    centre = np.where(norm > 0, centre / np.where(norm > 0, norm, 1.0), np.array([1.0, 0.0, 0.0]))
    owner = np.repeat(np.arange(start.size), size)
    radius = np.maximum.reduceat(np.linalg.norm(xyz - centre[owner], axis=1), start)
    reach = radius + float(radius.max()) + r_hi
    candidates = cKDTree(centre).query_ball_point(centre, reach)
    a = np.repeat(np.arange(start.size, dtype=np.int64), [len(f) for f in candidates])
    b = np.concatenate([np.asarray(f, dtype=np.int64) for f in candidates])
    keep = (b > a) & (np.linalg.norm(centre[a] - centre[b], axis=1) <= radius[a] + radius[b] + r_hi)
    a, b = a[keep], b[keep]
    order = np.lexsort((b, a))
    return a[order], b[order]


def _canonical_numbers(
    pts: FloatArray, cid: IntArray, wts: FloatArray, group: IntArray, n_ids: int
) -> IntArray:
    """Final number of every global cluster id (-1 for ids without members)."""
    final = np.full(n_ids, -1, dtype=np.int64)
    if cid.size == 0:
        return final
    g = group[cid]
    # Sort members by (group, lat, lon, weight): sums and minima then need no row order.
    order = np.lexsort((wts, pts[:, 1], pts[:, 0], g))
    g, p, w = g[order], pts[order], wts[order]
    groups, start = np.unique(g, return_index=True)
    total = np.add.reduceat(w, start)
    first = p[start]  # smallest (lat, lon) of each group
    rank = np.lexsort((first[:, 1], first[:, 0], -total))
    number = np.empty(groups.size, dtype=np.int64)
    number[rank] = np.arange(groups.size, dtype=np.int64)
    present = np.unique(cid)
    final[present] = number[np.searchsorted(groups, group[present])]
    return final
