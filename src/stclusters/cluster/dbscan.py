"""DBSCAN with great-circle distance on weighted points, as a scikit-learn estimator.

The rules (method.md section 3):

* Identical coordinates are merged into one point whose weight is the sum of their weights; the
  result is exactly the clustering of the unmerged points.
* Two points are neighbours when their great-circle distance on a sphere of radius
  :data:`EARTH_RADIUS_KM` is at most ``eps_km``. The test is made on the haversine "reduced
  distance" ``sin^2(dlat/2) + cos(lat1) cos(lat2) sin^2(dlon/2) <= sin^2(eps/2R)``, with the same
  floating-point operations as scikit-learn's ``metric='haversine'`` radius queries, so a point at
  exactly ``eps_km`` is a neighbour, as in scikit-learn.
* A point is a core point when the total weight of its neighbours (itself included) is at least
  ``min_points``. Core points within ``eps_km`` of each other are in the same cluster
  (transitively).
* A non-core point with a core point within ``eps_km`` is a border point: it joins the cluster of
  its nearest core point; equally near core points of different clusters are decided in favour of
  the cluster whose lexicographically smallest (lat, lon) core point comes first. Other points are
  noise (label -1).
* Cluster numbers are canonical: clusters are numbered 0, 1, ... by descending total weight of
  their points (core and border), ties by their lexicographically smallest (lat, lon) core point.
  Labels therefore depend only on the multiset of (point, weight) rows, never on the row order.

The engine works on the unique points, binned in a grid of cubes on their 3-D unit vectors (a
cube's diagonal is just below eps). Core points are counted cell by cell: neighbouring cells wholly
within eps (or wholly out of reach) of a cell or a point are settled from their bounding boxes with
a small safety margin, and only points whose weight is still undecided get the exact haversine
test against the points of the partly covered cells. Core cells are linked by KD-tree queries,
border points find their nearest core point with a KD-tree. Work is done in chunks of bounded
size, so memory stays bounded on dense data.
"""

from __future__ import annotations

import logging
import math
from typing import Any, ClassVar, Self

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils.validation import validate_data

from stclusters._limits import EPS_KM, MIN_POINTS
from stclusters._sphere import EARTH_RADIUS_KM, unique_points
from stclusters.cluster._grid import CellBoxes, CoreCells, Grid, SubCells, box_distances
from stclusters.cluster._sphere import (
    BoolArray,
    FloatArray,
    IntArray,
    Sphere,
    check_latlon,
    check_params,
    check_weights,
    chord_radius,
    chord_radius_inner,
    chunks_by_cost,
    interval,
    join_linked,
    rdist_threshold,
)
from stclusters.errors import InputError

__all__ = ["EARTH_RADIUS_KM", "GeoDBSCAN", "dbscan_geo"]

log = logging.getLogger(__name__)

#: Candidate pairs handled at once (bounds the working memory to a few hundred MB).
_MAX_PAIRS_PER_CHUNK = 4_000_000
#: Pairs of core cells whose product of sizes is at most this are tested all at once.
_SMALL_CELL_PAIR = 4096
#: Chord distances this close to the nearest one count as possible ties (tested exactly).
_TIE_RTOL = 1e-8
_TIE_ATOL = 1e-15


class GeoDBSCAN(ClusterMixin, BaseEstimator):  # type: ignore[misc]  # sklearn has no types
    """DBSCAN on (lat, lon) points with great-circle distance and point weights.

    A scikit-learn estimator (``get_params``, ``set_params``, ``clone``, pipelines and
    ``check_estimator`` work); the parameters are checked when ``fit`` is called, against the
    ranges of :mod:`stclusters._limits` (the ones ``Config`` uses).

    Parameters
    ----------
    eps_km
        Neighbourhood radius in kilometres (great-circle distance, sphere of radius
        6371.0088 km), in [0.05, 500]. A point at exactly ``eps_km`` is a neighbour.
    min_points
        Total weight within ``eps_km`` (the point itself included) that makes a core point;
        any finite number above 0 (a weight, so it need not be whole).

    Attributes
    ----------
    labels_ : ndarray of int64, shape (n,)
        Cluster number of each input row, -1 for noise. Numbered by descending total weight.
    core_mask_ : ndarray of bool, shape (n,)
        True for rows that are core points.
    core_sample_indices_ : ndarray of int64, shape (n_core,)
        Indices of the core rows.
    components_ : ndarray of float64, shape (n_core, 2)
        The core rows' (lat, lon) in degrees.
    n_clusters_ : int
        Number of clusters.
    n_unique_ : int
        Number of distinct coordinates after merging identical points.
    n_features_in_ : int
        Always 2 (latitude, longitude).

    Raises
    ------
    ParameterError
        From ``fit``, for a parameter of the wrong type or out of range (a
        :class:`~stclusters.errors.ConfigError` and scikit-learn ``InvalidParameterError``).
    InputError
        From ``fit``, for coordinates or weights that cannot be used, naming the first bad row.

    Notes
    -----
    With all weights 0 no point reaches ``min_points`` (which is above 0): every point is noise,
    as the definition of DBSCAN gives (scikit-learn's ``DBSCAN`` refuses such weights instead).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.0, 0.1], [0.0, 0.2], [10.0, 10.0]])
    >>> est = GeoDBSCAN(eps_km=15.0, min_points=2).fit(X)
    >>> est.labels_.tolist()
    [0, 0, 0, -1]
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "eps_km": [interval(EPS_KM)],
        "min_points": [interval(MIN_POINTS)],
    }

    def __init__(self, eps_km: float = 15.0, min_points: float = 4500.0) -> None:
        self.eps_km = eps_km
        self.min_points = min_points

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> Self:  # noqa: N803
        """Cluster the points ``X`` and return ``self``.

        Parameters
        ----------
        X
            (n, 2) array-like of (latitude, longitude) in degrees; n may be 0.
        y
            Ignored (scikit-learn convention).
        sample_weight
            (n,) finite weights of at least 0; ones when None.
        """
        check_params(self._parameter_constraints, self.get_params(), caller="GeoDBSCAN")
        # scikit-learn's own input checks (array-like, no sparse or complex data, at least one
        # column) and n_features_in_; the coordinates are then checked by the project's rules.
        try:
            arr = validate_data(
                self, X, dtype=np.float64, ensure_all_finite=False, ensure_min_samples=0
            )
        except (TypeError, ValueError) as exc:
            raise InputError(f"X must be an (n, 2) array of (latitude, longitude): {exc}") from None
        core_mask, labels, n_unique = _fit(
            arr,
            eps_km=float(self.eps_km),
            min_points=float(self.min_points),
            sample_weight=sample_weight,
        )
        self.labels_: IntArray = labels
        self.core_mask_: BoolArray = core_mask
        self.core_sample_indices_: IntArray = np.flatnonzero(core_mask).astype(np.int64)
        self.components_: FloatArray = np.asarray(arr[core_mask], dtype=np.float64)
        self.n_clusters_: int = int(labels.max()) + 1 if labels.size else 0
        self.n_unique_: int = n_unique
        return self

    def fit_predict(self, X: Any, y: Any = None, sample_weight: Any = None) -> IntArray:  # noqa: N803
        """Fit and return ``labels_`` (see :meth:`fit`)."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


def dbscan_geo(
    X: Any,  # noqa: N803
    *,
    eps_km: float,
    min_points: float,
    sample_weight: Any = None,
) -> tuple[BoolArray, IntArray]:
    """Run :class:`GeoDBSCAN` and return ``(core_mask, labels)`` per input row."""
    est = GeoDBSCAN(eps_km=eps_km, min_points=min_points).fit(X, sample_weight=sample_weight)
    return est.core_mask_, est.labels_


def _fit(
    points: Any, *, eps_km: float, min_points: float, sample_weight: Any
) -> tuple[BoolArray, IntArray, int]:
    latlon = check_latlon(points)
    weights = check_weights(sample_weight, latlon.shape[0])
    uniq, inverse, wsum = unique_points(latlon[:, 0], latlon[:, 1], weights=weights)
    core_u, labels_u = _cluster_unique(uniq, wsum, eps_km=eps_km, min_points=min_points)
    n_clusters = int(labels_u.max()) + 1 if labels_u.size else 0
    log.debug(
        "DBSCAN: %d points, %d distinct, %d core, %d clusters",
        latlon.shape[0],
        uniq.shape[0],
        int(core_u.sum()),
        n_clusters,
    )
    return core_u[inverse], labels_u[inverse], int(uniq.shape[0])


def _cluster_unique(
    uniq: FloatArray, wsum: FloatArray, *, eps_km: float, min_points: float
) -> tuple[BoolArray, IntArray]:
    """Core mask and canonical labels of weighted unique points sorted by (lat, lon)."""
    m = uniq.shape[0]
    if m == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
    sphere = Sphere(uniq)
    thr = rdist_threshold(eps_km)
    r_hi = chord_radius(eps_km)
    r_lo = chord_radius_inner(eps_km)
    grid = Grid(sphere.xyz, r_lo / math.sqrt(3.0))
    core = _core_points(sphere, wsum, grid, r_lo=r_lo, r_hi=r_hi, thr=thr, min_points=min_points)
    core_idx = np.flatnonzero(core)
    if core_idx.size == 0:
        return core, np.full(m, -1, dtype=np.int64)
    component = _core_components(sphere, grid, core_idx, r_lo=r_lo, r_hi=r_hi, thr=thr)
    # Provisional cluster numbers: components in the order of their smallest core point, which
    # is the lexicographically smallest (lat, lon) since unique points are sorted.
    n_comp = int(component.max()) + 1
    smallest = np.full(n_comp, m, dtype=np.int64)
    np.minimum.at(smallest, component, core_idx)
    provisional_of_comp = np.empty(n_comp, dtype=np.int64)
    provisional_of_comp[np.argsort(smallest)] = np.arange(n_comp, dtype=np.int64)
    labels = np.full(m, -1, dtype=np.int64)
    labels[core_idx] = provisional_of_comp[component]
    _assign_border(sphere, core, core_idx, labels, r_hi=r_hi, thr=thr)

    # Canonical numbers: descending total weight, ties by provisional number.
    member = labels >= 0
    total = np.bincount(labels[member], weights=wsum[member], minlength=n_comp)
    rank = np.lexsort((np.arange(n_comp), -total))
    final = np.empty(n_comp, dtype=np.int64)
    final[rank] = np.arange(n_comp, dtype=np.int64)
    labels[member] = final[labels[member]]
    return core, labels


def _core_points(
    sphere: Sphere,
    wsum: FloatArray,
    grid: Grid,
    *,
    r_lo: float,
    r_hi: float,
    thr: float,
    min_points: float,
) -> BoolArray:
    """Core mask: total weight within eps (the point included) at least ``min_points``.

    Every point of a grid cell whose total weight reaches ``min_points`` is core (a cell's
    diagonal is shorter than eps). For the other points the neighbouring cells are sorted out
    by their bounding boxes: a cell wholly within eps of the whole light cell adds its weight
    to every point of it at once, a cell wholly out of reach adds nothing. The cells in
    between are sorted out point by point the same way, which bounds each point's weight from
    below and above; the points whose bounds straddle ``min_points`` do the same with the
    octants of the partly covered cells, and only those still undecided test the points of
    the partly covered octants one by one (exact haversine test).
    """
    cell_weight = np.asarray(
        np.bincount(grid.cell_of, weights=wsum, minlength=grid.keys.size), dtype=np.float64
    )
    core: BoolArray = cell_weight[grid.cell_of] >= min_points
    light_cells = np.flatnonzero(cell_weight < min_points)
    if light_cells.size == 0:
        return core
    boxes = CellBoxes(sphere.xyz, grid)
    subs = SubCells(sphere.xyz, grid, wsum)
    a, b = boxes.neighbours(light_cells)
    dmin, dmax = boxes.box_distances(a, b)
    near = dmin <= r_hi
    full = near & (dmax <= r_lo)
    partial = near & ~full
    base = np.asarray(
        np.bincount(a[full], weights=cell_weight[b[full]], minlength=boxes.n), dtype=np.float64
    )
    order = np.argsort(a[partial], kind="stable")
    part_cell = b[partial][order]
    n_part = np.bincount(a[partial], minlength=boxes.n).astype(np.int64)
    part_start = np.cumsum(n_part) - n_part
    light = np.flatnonzero(~core)
    cell = grid.cell_of[light]
    cost = n_part[cell]
    density = base[cell]
    # Each partly covered cell has up to eight sub-cells: smaller chunks keep memory bounded.
    for start, stop in chunks_by_cost(cost, max(1, _MAX_PAIRS_PER_CHUNK // 8)):
        pos = np.arange(start, stop, dtype=np.int64)
        row, k = _expand(part_start[cell[pos]], cost[pos])
        q, tb = light[pos[row]], part_cell[k]
        x = sphere.xyz[q]
        pmin, pmax = box_distances(x, x, boxes.lo[tb], boxes.hi[tb])
        inside = pmax <= r_lo
        band = np.flatnonzero((pmin <= r_hi) & ~inside)
        w = cell_weight[tb]
        lower: FloatArray = density[pos] + np.bincount(
            row[inside], weights=w[inside], minlength=pos.size
        )
        upper = lower + np.bincount(row[band], weights=w[band], minlength=pos.size)
        undecided = (lower < min_points) & (upper >= min_points)
        band = band[undecided[row[band]]]
        density[pos] = _settle_weights(
            sphere,
            wsum,
            subs,
            row[band],
            q[band],
            tb[band],
            lower,
            min_points=min_points,
            r_lo=r_lo,
            r_hi=r_hi,
            thr=thr,
        )
    core[light] = density >= min_points
    return core


def _settle_weights(
    sphere: Sphere,
    wsum: FloatArray,
    subs: SubCells,
    row: IntArray,
    point: IntArray,
    cell: IntArray,
    lower: FloatArray,
    *,
    min_points: float,
    r_lo: float,
    r_hi: float,
    thr: float,
) -> FloatArray:
    """Add to ``lower`` (one value per row) the weight of the points of ``cell`` within eps of
    ``point``, as far as needed to compare the sum with ``min_points``.

    The cells' sub-cells are sorted out by their boxes like whole cells; rows still undecided
    then test the points of the partly covered sub-cells exactly (haversine). Rows already
    decided keep a bound on the right side of ``min_points``.
    """
    n_rows = lower.size
    entry, sub = _expand(subs.first[cell], subs.count[cell])
    q, r = point[entry], row[entry]
    x = sphere.xyz[q]
    pmin, pmax = box_distances(x, x, subs.lo[sub], subs.hi[sub])
    inside = pmax <= r_lo
    out = lower + np.bincount(r[inside], weights=subs.weight[sub[inside]], minlength=n_rows)
    band = np.flatnonzero((pmin <= r_hi) & ~inside)
    upper = out + np.bincount(r[band], weights=subs.weight[sub[band]], minlength=n_rows)
    undecided = (out < min_points) & (upper >= min_points)
    band = band[undecided[r[band]]]
    q, r, sub = q[band], r[band], sub[band]
    size = subs.size[sub]
    for start, stop in chunks_by_cost(size, _MAX_PAIRS_PER_CHUNK):
        pair, k = _expand(subs.start[sub[start:stop]], size[start:stop])
        j = subs.members[k]
        ok = sphere.rdist(q[start:stop][pair], j) <= thr
        out += np.bincount(r[start:stop][pair[ok]], weights=wsum[j[ok]], minlength=n_rows)
    return out


def _expand(start: IntArray, count: IntArray) -> tuple[IntArray, IntArray]:
    """Ranges ``start[r] : start[r] + count[r]`` laid end to end: (row r, index) per element."""
    row = np.repeat(np.arange(count.size, dtype=np.int64), count)
    offset = np.arange(row.size, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    return row, start[row] + offset


def _core_components(
    sphere: Sphere,
    grid: Grid,
    core_idx: IntArray,
    *,
    r_lo: float,
    r_hi: float,
    thr: float,
) -> IntArray:
    """Connected components (eps-reachability) of the core points; one number per core point.

    Core points of one grid cell are always connected (the cell's diagonal is below eps), so
    the components are those of the graph of core cells, where two cells are linked when some
    pair of their core points is within eps. Pairs of small cells are tested all at once; pairs
    of larger cells one by one (nearest-neighbour queries), skipping pairs already connected.
    """
    cells = CoreCells(sphere, grid, core_idx)
    a, b = cells.candidate_pairs(r_hi)
    small = cells.size[a] * cells.size[b] <= _SMALL_CELL_PAIR
    linked = _linked_small_pairs(sphere, cells, a[small], b[small], thr=thr)
    n = cells.n
    graph = coo_array((np.ones(linked[0].size, dtype=np.int8), linked), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    joined = join_linked(
        comp.astype(np.int64),
        a[~small],
        b[~small],
        lambda ca, cb: cells.linked(ca, cb, r_lo=r_lo, r_hi=r_hi, thr=thr),
    )
    out: IntArray = joined[comp][cells.cell_of_core]
    return out


def _linked_small_pairs(
    sphere: Sphere, cells: CoreCells, a: IntArray, b: IntArray, *, thr: float
) -> tuple[IntArray, IntArray]:
    """The cell pairs among (a, b) with at least one pair of core points within eps."""
    prod = cells.size[a] * cells.size[b]
    keep_a: list[IntArray] = []
    keep_b: list[IntArray] = []
    for start, stop in chunks_by_cost(prod, _MAX_PAIRS_PER_CHUNK):
        ca, cb, p = a[start:stop], b[start:stop], prod[start:stop]
        total = int(p.sum())
        pair = np.repeat(np.arange(ca.size, dtype=np.int64), p)
        offset = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(p) - p, p)
        nb = cells.size[cb][pair]
        i = cells.members[cells.start[ca][pair] + offset // nb]
        j = cells.members[cells.start[cb][pair] + offset % nb]
        hit = np.unique(pair[sphere.rdist(i, j) <= thr])
        keep_a.append(ca[hit])
        keep_b.append(cb[hit])
    if not keep_a:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(keep_a), np.concatenate(keep_b)


def _assign_border(
    sphere: Sphere,
    core: BoolArray,
    core_idx: IntArray,
    labels: IntArray,
    *,
    r_hi: float,
    thr: float,
) -> None:
    """Give each non-core point within eps of a core point the label of its nearest core point.

    Equally near core points of different clusters: the smallest (provisional) label wins.
    """
    noncore = np.flatnonzero(~core)
    if noncore.size == 0:
        return
    core_tree = sphere.tree(core_idx)
    k = 2 if core_idx.size >= 2 else 1
    d, jj = core_tree.query(sphere.xyz[noncore], k=k, distance_upper_bound=r_hi)
    d = d.reshape(noncore.size, k)
    jj = jj.reshape(noncore.size, k)
    near = np.isfinite(d[:, 0])
    if not near.any():
        return
    pts, d, jj = noncore[near], d[near], jj[near]
    nearest = core_idx[jj[:, 0]]
    tol = d[:, 0] * (1.0 + _TIE_RTOL) + _TIE_ATOL
    ambiguous = d[:, 1] <= tol if k == 2 else np.zeros(pts.size, dtype=bool)
    # Unambiguous: the nearest core point decides (if it passes the exact test).
    clear = ~ambiguous
    ok = sphere.rdist(pts[clear], nearest[clear]) <= thr
    labels[pts[clear][ok]] = labels[nearest[clear][ok]]
    # Near-ties: every core point about as near as the nearest one is tested exactly.
    if ambiguous.any():
        amb, amb_tol = pts[ambiguous], tol[ambiguous]
        lists = core_tree.query_ball_point(sphere.xyz[amb], amb_tol)
        sizes = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
        i = np.repeat(amb, sizes)
        j = core_idx[np.concatenate([np.asarray(x, dtype=np.int64) for x in lists])]
        r = sphere.rdist(i, j)
        ok = r <= thr
        i, j, r = i[ok], j[ok], r[ok]
        order = np.lexsort((labels[j], r, i))
        i, j = i[order], j[order]
        first = np.ones(i.size, dtype=bool)
        first[1:] = i[1:] != i[:-1]
        labels[i[first]] = labels[j[first]]
