"""The cluster stage: weighted distinct points per layer, DBSCAN, clusters merged across layers.

:func:`cluster_people` takes the counting stage's ``rows`` table (:class:`~stclusters.measure.
counting.Shares`) and returns a :class:`Clustering`: the cluster of every people row, the distinct
member points of every cluster and the stage's accounts (method.md section 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from stclusters._sphere import unique_points

if TYPE_CHECKING:  # the measure package imports this stage: no import at run time
    from stclusters.measure.counting import Shares

__all__ = ["LAYERS", "Clustering", "LayerPoints", "PeopleRows", "cluster_people", "recluster"]

#: The two layers of the method, in the order they are clustered and merged.
LAYERS = ("patent", "article")


@dataclass(frozen=True, eq=False)
class PeopleRows:
    """Columns of table ``rows`` (one entry per people row, in ``row_id`` order) as arrays.

    ``located`` rows have coordinates; ``fine`` rows are located at a precision the clustering
    uses (setting ``cluster_precisions``).
    """

    is_patent: NDArray[np.bool_]
    current: NDArray[np.bool_]
    previous: NDArray[np.bool_]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    located: NDArray[np.bool_]
    fine: NDArray[np.bool_]
    share: NDArray[np.float64]
    country: pa.ChunkedArray

    def __len__(self) -> int:
        return len(self.lat)

    def in_layer(self, layer: str) -> NDArray[np.bool_]:
        """Mask of the rows of ``layer`` ('patent' or 'article')."""
        return self.is_patent if layer == "patent" else ~self.is_patent


@dataclass(frozen=True, eq=False)
class LayerPoints:
    """One layer's clustered input: rows ``idx`` stand on distinct ``points`` ((m, 2) lat/lon
    degrees) with ``weights`` (rows per point); ``inverse[i]`` is the point of row ``idx[i]``."""

    name: str
    idx: NDArray[np.int64]
    points: NDArray[np.float64]
    inverse: NDArray[np.int64]
    weights: NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Clustering:
    """The cluster stage's hand-off.

    Attributes
    ----------
    rows
        The people rows as arrays.
    layers
        The weighted distinct points of each layer (current window, fine precision).
    labels
        (n,) cluster of every people row after merging: >= 0 a cluster, -1 noise, -2 not
        clustered (previous window only, too coarse or not located).
    members
        The distinct member points ((k, 2) lat/lon degrees, sorted) of each cluster.
    accounts
        Per layer: points, unique_coordinates, points_clustered, points_noise.
    warnings
        Notes for the user (for example, data too small for ``min_points``).
    merge_km
        The merge distance used (the sensitivity reruns reuse it).
    """

    rows: PeopleRows
    layers: tuple[LayerPoints, ...]
    labels: NDArray[np.int64]
    members: dict[int, NDArray[np.float64]]
    accounts: dict[str, Any]
    warnings: list[str]
    merge_km: float


def _bool(table: pa.Table, name: str) -> NDArray[np.bool_]:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=bool)


def _float(table: pa.Table, name: str) -> NDArray[np.float64]:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)


def people_rows(shares: Shares, *, precisions: Sequence[str]) -> PeopleRows:
    """Load the columns of table ``rows`` that the cluster and measure stages need."""
    table = shares.con.sql(
        "SELECT layer, current, previous, lat, lon, precision, share, country "
        "FROM rows ORDER BY row_id"
    ).to_arrow_table()
    lat = _float(table, "lat")
    located = ~np.isnan(lat)
    fine_precision = pc.is_in(table.column("precision"), value_set=pa.array(list(precisions)))
    fine = located & np.asarray(fine_precision.to_numpy(zero_copy_only=False), dtype=bool)
    return PeopleRows(
        is_patent=np.asarray(
            pc.equal(table.column("layer"), "patent").to_numpy(zero_copy_only=False), dtype=bool
        ),
        current=_bool(table, "current"),
        previous=_bool(table, "previous"),
        lat=lat,
        lon=_float(table, "lon"),
        located=located,
        fine=fine,
        share=_float(table, "share"),
        country=table.column("country"),
    )


def _dbscan_layers(
    layers: Sequence[LayerPoints],
    *,
    n: int,
    eps_km: float,
    min_points: float,
    merge_km: float,
) -> tuple[NDArray[np.int64], list[NDArray[np.int64]]]:
    """Cluster each layer's weighted distinct points and merge; every row's cluster and each
    layer's merged labels of its distinct points."""
    from stclusters.cluster import GeoDBSCAN, merge_labels

    groups = []
    for layer in layers:
        if len(layer.points):
            model = GeoDBSCAN(eps_km=eps_km, min_points=min_points)
            fitted = model.fit(layer.points, sample_weight=layer.weights)
            labels = np.asarray(fitted.labels_, dtype=np.int64)
        else:
            labels = np.empty(0, dtype=np.int64)
        groups.append((layer.points, labels))
    merged = merge_labels(groups, merge_km=merge_km)
    cluster = np.full(n, -2, dtype=np.int64)
    for layer, new in zip(layers, merged, strict=True):
        cluster[layer.idx] = new[layer.inverse]
    return cluster, merged


def _members(
    layers: Sequence[LayerPoints], merged: Sequence[NDArray[np.int64]]
) -> dict[int, NDArray[np.float64]]:
    parts: dict[int, list[NDArray[np.float64]]] = {}
    for layer, new in zip(layers, merged, strict=True):
        for cid in np.unique(new[new >= 0]):
            parts.setdefault(int(cid), []).append(layer.points[new == cid])
    return {cid: np.unique(np.vstack(p), axis=0) for cid, p in parts.items()}


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
    point per coordinate, weighted by its rows), clustered by :class:`GeoDBSCAN` with
    ``eps_km`` (km) and ``min_points`` (rows); clusters of the two layers closer than
    ``merge_km`` are merged (:func:`merge_labels`). Row shares do not weigh the points: a
    point's weight is its number of located people rows (method.md section 3).

    Returns
    -------
    Clustering
        Every row's cluster, each cluster's distinct member points and the accounts.
    """
    rows = people_rows(shares, precisions=precisions)
    layers, warnings = [], []
    for name in LAYERS:
        idx = np.flatnonzero(rows.fine & rows.current & rows.in_layer(name))
        points, inverse, weights = unique_points(rows.lat[idx], rows.lon[idx])
        layers.append(LayerPoints(name, idx, points, inverse, weights))
        if weights.sum() < 10 * min_points:
            warnings.append(
                f"{name} layer: {int(weights.sum()):,} located points for min_points = "
                f"{min_points:g}; the data may be too small for this threshold "
                "(lower min_points for small data sets)"
            )
    labels, merged = _dbscan_layers(
        layers, n=len(rows), eps_km=eps_km, min_points=min_points, merge_km=merge_km
    )
    accounts: dict[str, Any] = {}
    for layer, new in zip(layers, merged, strict=True):
        clustered = int(np.count_nonzero(new[layer.inverse] >= 0))
        accounts[layer.name] = {
            "points": len(layer.idx),
            "unique_coordinates": len(layer.points),
            "points_clustered": clustered,
            "points_noise": len(layer.idx) - clustered,
        }
    return Clustering(
        rows=rows,
        layers=tuple(layers),
        labels=labels,
        members=_members(layers, merged),
        accounts=accounts,
        warnings=warnings,
        merge_km=merge_km,
    )


def recluster(clustering: Clustering, *, eps_km: float, min_points: float) -> NDArray[np.int64]:
    """Every row's cluster for other DBSCAN settings on the same distinct points (for the
    sensitivity reruns); the merge distance stays that of ``clustering``."""
    labels, _ = _dbscan_layers(
        clustering.layers,
        n=len(clustering.rows),
        eps_km=eps_km,
        min_points=min_points,
        merge_km=clustering.merge_km,
    )
    return labels
