"""The cluster stage: weighted distinct points per layer, DBSCAN, clusters merged across layers.

:func:`cluster_people` takes the counting stage's ``rows`` table (:class:`~stclusters.measure.
counting.Shares`) and returns a :class:`Clustering`: the distinct points of every layer with their
weights and merged cluster labels, the distinct member points of every cluster and the stage's
accounts (method.md section 3).

Nothing here grows with the number of people rows: one ``GROUP BY layer, lat, lon`` in DuckDB
turns the rows into distinct points, and everything after works on those points. The later stages
join the points' labels back to the rows in SQL (:func:`stclusters.measure.stage.label_rows`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from stclusters.cluster._sphere import Sphere, chord_radius, rdist_threshold

if TYPE_CHECKING:  # the measure package imports this stage: no import at run time
    from stclusters.measure.counting import Shares

__all__ = [
    "LAYERS",
    "Clustering",
    "LayerPoints",
    "cluster_people",
    "fine_condition",
    "predict_labels",
    "recluster",
]

#: The two layers of the method, in the order they are clustered and merged.
LAYERS = ("patent", "article")
#: Distances this close to the nearest core point's count as ties (as in the DBSCAN's border rule).
_TIE_RTOL = 1e-8
_TIE_ATOL = 1e-15


def fine_condition(precisions: Sequence[str], *, alias: str = "") -> str:
    """SQL condition on a people row: located at one of ``precisions`` (those clustered).

    ``alias`` qualifies the columns (``r`` gives ``r.lat``, ``r.precision``); the values are
    quoted as SQL string literals; an empty list gives ``FALSE``.
    """
    if not precisions:
        return "FALSE"
    prefix = f"{alias}." if alias else ""
    quoted = ", ".join("'" + str(p).replace("'", "''") + "'" for p in precisions)
    return f"({prefix}lat IS NOT NULL AND {prefix}precision IN ({quoted}))"


@dataclass(frozen=True, eq=False)
class LayerPoints:
    """One layer's distinct points and their clustering.

    Attributes
    ----------
    name
        'patent' or 'article'.
    points
        (m, 2) distinct (lat, lon) degrees of the layer's current-window rows located at a
        clustering precision, in lexicographic order.
    weights
        (m,) rows standing on each point (the DBSCAN weights).
    shares
        (m,) sum of those rows' fractional shares (documents).
    core
        (m,) whether each point is a core point of the layer's DBSCAN.
    labels
        (m,) merged cluster of each point (-1 noise).
    previous
        (q, 2) distinct (lat, lon) degrees of the layer's previous-window rows located at a
        clustering precision, in lexicographic order (for growth).
    """

    name: str
    points: NDArray[np.float64]
    weights: NDArray[np.float64]
    shares: NDArray[np.float64]
    core: NDArray[np.bool_]
    labels: NDArray[np.int64]
    previous: NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Clustering:
    """The cluster stage's hand-off: distinct points, never people rows.

    Attributes
    ----------
    layers
        The distinct points of each layer (:data:`LAYERS` order) with their merged labels.
    members
        The distinct member points ((k, 2) lat/lon degrees, sorted) of each cluster.
    accounts
        Per layer: points, unique_coordinates, points_clustered, points_noise.
    warnings
        Notes for the user (for example, data too small for ``min_points``).
    eps_km, merge_km
        The DBSCAN radius and the merge distance used (the growth rule and the sensitivity
        reruns reuse them).
    precisions
        The location precisions clustered (:func:`fine_condition` selects their rows).
    """

    layers: tuple[LayerPoints, ...]
    members: dict[int, NDArray[np.float64]]
    accounts: dict[str, Any]
    warnings: list[str]
    eps_km: float
    merge_km: float
    precisions: tuple[str, ...]

    @property
    def points(self) -> NDArray[np.float64]:
        """(M, 2) the distinct points of every layer, one layer after the other."""
        return np.vstack([layer.points for layer in self.layers])

    @property
    def labels(self) -> NDArray[np.int64]:
        """(M,) the merged cluster (-1 noise) of every point of :attr:`points`."""
        return np.concatenate([layer.labels for layer in self.layers])

    def point_table(self, *, previous: bool = False, **columns: Any) -> pa.Table:
        """The distinct points as the Arrow table that SQL joins to table ``rows`` on
        (layer, lat, lon): one row per point of :attr:`points` (or, when ``previous``, of the
        layers' previous-window points, one layer after the other), columns ``layer`` (its
        name), ``lat`` and ``lon`` (degrees), then ``columns`` in the order given, each (M,)
        in the same order (NumPy or Arrow arrays)."""
        parts = [layer.previous if previous else layer.points for layer in self.layers]
        xy = np.vstack(parts) if parts else np.empty((0, 2))
        names = [
            pa.repeat(pa.scalar(ly.name, pa.string()), len(p))
            for ly, p in zip(self.layers, parts, strict=True)
        ]
        return pa.table(
            {
                "layer": pa.concat_arrays(names) if names else pa.array([], pa.string()),
                "lat": pa.array(xy[:, 0], pa.float64()),
                "lon": pa.array(xy[:, 1], pa.float64()),
                **{name: pa.array(values) for name, values in columns.items()},
            }
        )

    def fine(self, alias: str = "") -> str:
        """SQL condition on table ``rows`` (columns qualified by ``alias``): the row is located
        at a clustering precision (:func:`fine_condition`)."""
        return fine_condition(self.precisions, alias=alias)


def _layer_points(
    shares: Shares, precisions: Sequence[str]
) -> dict[str, tuple[NDArray[np.float64], ...]]:
    """Per layer: current points, their weights and share sums, and previous-window points."""
    table = shares.con.sql(
        f"""
        SELECT layer = 'patent' AS is_patent, lat, lon,
            count(*) FILTER (WHERE current) AS weight,
            coalesce(kahan_sum(share) FILTER (WHERE current), 0.0) AS share,
            bool_or(previous) AS in_previous
        FROM rows
        WHERE (current OR previous) AND {fine_condition(precisions)}
        GROUP BY ALL
        ORDER BY is_patent DESC, lat, lon
        """
    ).fetchnumpy()
    is_patent = np.asarray(table["is_patent"], dtype=bool)
    lat = np.asarray(table["lat"], dtype=np.float64)
    lon = np.asarray(table["lon"], dtype=np.float64)
    weight = np.asarray(table["weight"], dtype=np.float64)
    share = np.asarray(table["share"], dtype=np.float64)
    in_previous = np.asarray(table["in_previous"], dtype=bool)
    out: dict[str, tuple[NDArray[np.float64], ...]] = {}
    for name in LAYERS:
        mine = is_patent if name == "patent" else ~is_patent
        cur = mine & (weight > 0)
        prev = mine & in_previous
        out[name] = (
            np.column_stack([lat[cur], lon[cur]]),
            weight[cur],
            share[cur],
            np.column_stack([lat[prev], lon[prev]]),
        )
    return out


def _dbscan_layers(
    layers: Sequence[tuple[NDArray[np.float64], NDArray[np.float64]]],
    *,
    eps_km: float,
    min_points: float,
    merge_km: float,
) -> tuple[list[NDArray[np.int64]], list[NDArray[np.bool_]]]:
    """Cluster each layer's weighted distinct points ((points, weights) pairs) and merge;
    each layer's merged labels and core mask."""
    from stclusters.cluster import GeoDBSCAN, merge_labels

    groups, cores = [], []
    for points, weights in layers:
        if len(points):
            model = GeoDBSCAN(eps_km=eps_km, min_points=min_points)
            fitted = model.fit(points, sample_weight=weights)
            labels = np.asarray(fitted.labels_, dtype=np.int64)
            core = np.asarray(fitted.core_mask_, dtype=bool)
        else:
            labels, core = np.empty(0, dtype=np.int64), np.empty(0, dtype=bool)
        groups.append((points, labels))
        cores.append(core)
    return merge_labels(groups, merge_km=merge_km), cores


def _members(layers: Sequence[LayerPoints]) -> dict[int, NDArray[np.float64]]:
    """Each cluster's distinct member points ((k, 2), sorted), keyed in the order the clusters
    first appear layer by layer (ascending within a layer).

    One sort of the labelled points by cluster, latitude and longitude and one split: the same
    arrays as ``np.unique(points, axis=0)`` per cluster, in O(m log m) for m distinct points
    whatever the number of clusters."""
    order: list[int] = []
    for layer in layers:
        seen = set(order)
        order.extend(int(c) for c in np.unique(layer.labels[layer.labels >= 0]) if c not in seen)
    if not order:
        return {}
    labels = np.concatenate([layer.labels for layer in layers])
    points = np.vstack([layer.points for layer in layers])
    keep = labels >= 0
    labels, points = labels[keep], points[keep]
    by_cluster = np.lexsort((points[:, 1], points[:, 0], labels))
    labels, points = labels[by_cluster], points[by_cluster]
    new = np.ones(len(labels), dtype=bool)
    new[1:] = (labels[1:] != labels[:-1]) | np.any(points[1:] != points[:-1], axis=1)
    labels, points = labels[new], points[new]
    ids, starts = np.unique(labels, return_index=True)
    groups = dict(zip(ids.tolist(), np.split(points, starts[1:]), strict=True))
    return {cid: groups[cid] for cid in order}


def cluster_people(
    shares: Shares,
    *,
    eps_km: float,
    min_points: float,
    merge_km: float,
    precisions: Sequence[str],
) -> Clustering:
    """Cluster the located people of the current window, layer by layer, and merge the layers.

    Each layer's rows located at one of ``precisions`` become weighted distinct points (one
    point per coordinate, weighted by its rows; a ``GROUP BY`` in DuckDB), clustered by
    :class:`GeoDBSCAN` with ``eps_km`` (km) and ``min_points`` (rows); clusters of the two
    layers closer than ``merge_km`` are merged (:func:`merge_labels`). Row shares do not weigh
    the points: a point's weight is its number of located people rows (method.md section 3).

    Parameters
    ----------
    shares
        The counting stage's result (its table ``rows`` is read, not changed).
    eps_km, min_points, merge_km
        The DBSCAN radius (km), core weight (rows) and merge distance (km).
    precisions
        The location precisions that are clustered (coarser rows are left out).

    Returns
    -------
    Clustering
        The distinct points of each layer with their labels, each cluster's distinct member
        points and the accounts. Memory grows with the distinct coordinates, not with the rows.
    """
    found = _layer_points(shares, precisions)
    warnings = []
    for name in LAYERS:
        total = found[name][1].sum()
        if total < 10 * min_points:
            warnings.append(
                f"{name} layer: {int(total):,} located points for min_points = "
                f"{min_points:g}; the data may be too small for this threshold "
                "(lower min_points for small data sets)"
            )
    merged, cores = _dbscan_layers(
        [(found[name][0], found[name][1]) for name in LAYERS],
        eps_km=eps_km,
        min_points=min_points,
        merge_km=merge_km,
    )
    layers = tuple(
        LayerPoints(name, points, weights, share_sums, core, labels, previous)
        for name, (points, weights, share_sums, previous), core, labels in zip(
            LAYERS, (found[n] for n in LAYERS), cores, merged, strict=True
        )
    )
    accounts: dict[str, Any] = {}
    for layer in layers:
        points = int(layer.weights.sum())
        clustered = int(layer.weights[layer.labels >= 0].sum())
        accounts[layer.name] = {
            "points": points,
            "unique_coordinates": len(layer.points),
            "points_clustered": clustered,
            "points_noise": points - clustered,
        }
    return Clustering(
        layers=layers,
        members=_members(layers),
        accounts=accounts,
        warnings=warnings,
        eps_km=eps_km,
        merge_km=merge_km,
        precisions=tuple(precisions),
    )


def recluster(clustering: Clustering, *, eps_km: float, min_points: float) -> NDArray[np.int64]:
    """(M,) the cluster of every distinct point (:attr:`Clustering.points` order) for other
    DBSCAN settings on the same weighted points (for the sensitivity reruns); the merge
    distance stays that of ``clustering``."""
    merged, _ = _dbscan_layers(
        [(layer.points, layer.weights) for layer in clustering.layers],
        eps_km=eps_km,
        min_points=min_points,
        merge_km=clustering.merge_km,
    )
    return np.concatenate(merged) if merged else np.empty(0, dtype=np.int64)


def predict_labels(
    layer: LayerPoints, query: NDArray[np.float64], *, eps_km: float
) -> NDArray[np.int64]:
    """(q,) the cluster of each query point ((q, 2) lat/lon degrees) by DBSCAN's border rule
    against ``layer``'s clustering: the label of the nearest core point within ``eps_km``
    (great-circle, a point at exactly ``eps_km`` included, as in :class:`GeoDBSCAN`), else -1.

    A query point that is one of the layer's distinct points gets that point's label, so the
    layer's own points are predicted as they were clustered. Core points of different clusters
    equally near (within 1e-8 relative) go to the lower cluster number.
    """
    out = np.full(len(query), -1, dtype=np.int64)
    core_idx = np.flatnonzero(layer.core)
    if not len(query) or not core_idx.size:
        return out
    own = _lookup(layer.points, query)
    known = own >= 0
    out[known] = layer.labels[own[known]]
    rest = np.flatnonzero(~known)
    if not rest.size:
        return out
    n_core = core_idx.size
    sphere = Sphere(np.vstack([layer.points[core_idx], query[rest]]))
    tree = sphere.tree(np.arange(n_core, dtype=np.int64))
    core_label = layer.labels[core_idx]
    thr = rdist_threshold(eps_km)
    k = 2 if n_core >= 2 else 1
    d, jj = tree.query(sphere.xyz[n_core:], k=k, distance_upper_bound=chord_radius(eps_km))
    d, jj = d.reshape(rest.size, k), jj.reshape(rest.size, k)
    near = np.flatnonzero(np.isfinite(d[:, 0]))
    if not near.size:
        return out
    tol = d[near, 0] * (1.0 + _TIE_RTOL) + _TIE_ATOL
    tied = d[near, 1] <= tol if k == 2 else np.zeros(near.size, dtype=bool)
    clear, nearest = near[~tied], jj[near[~tied], 0]
    ok = sphere.rdist(clear + n_core, nearest) <= thr
    out[rest[clear[ok]]] = core_label[nearest[ok]]
    if tied.any():
        amb = near[tied]
        lists = tree.query_ball_point(sphere.xyz[amb + n_core], tol[tied])
        sizes = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
        i = np.repeat(amb, sizes)
        j = np.concatenate([np.asarray(x, dtype=np.int64) for x in lists])
        r = sphere.rdist(i + n_core, j)
        keep = r <= thr
        i, j, r = i[keep], j[keep], r[keep]
        order = np.lexsort((core_label[j], r, i))
        i, j = i[order], j[order]
        first = np.ones(i.size, dtype=bool)
        first[1:] = i[1:] != i[:-1]
        out[rest[i[first]]] = core_label[j[first]]
    return out


def _lookup(points: NDArray[np.float64], query: NDArray[np.float64]) -> NDArray[np.int64]:
    """Index of each query point in ``points`` (both (n, 2) lat/lon; ``points`` distinct and in
    lexicographic order), -1 when absent. Complex numbers order lexicographically in NumPy."""
    out = np.full(len(query), -1, dtype=np.int64)
    if not len(points) or not len(query):
        return out
    keys = points[:, 0] + 1j * points[:, 1]
    wanted = query[:, 0] + 1j * query[:, 1]
    pos = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    hit = keys[pos] == wanted
    out[hit] = pos[hit]
    return out
