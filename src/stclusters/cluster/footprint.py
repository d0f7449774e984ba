"""Cluster footprints: the dissolved union of discs around member points, as shapely geometries.

A footprint (method.md section 3.4) is the union of discs of radius ``radius_km`` (default 5 km)
around the member points of a cluster, dissolved into one (multi)polygon. The discs are drawn in a
local azimuthal equidistant projection centred on the cluster (on the WGS84 ellipsoid), where
distances from the centre are exact and distortion over a cluster's extent (some tens of km) is
far below a metre per kilometre; the union is then brought back to longitude/latitude degrees.

Rules and limits:

* Identical coordinates are merged first; when a cluster has many distinct points
  (more than ``snap_above``), positions are snapped to a grid of ``radius_km / 100`` before the
  discs are drawn, which moves the boundary by at most 0.71 % of the radius (35 m at 5 km).
* Above ``cover_above`` distinct points, the discs that other discs cover whole are also left out
  of the union (:func:`covered_discs`): the union is the same set, reached with far fewer discs
  (a dense cluster's are nearly all covered). It has the same vertices up to rounding (as many,
  none moved by more than 1e-9 degrees, the same area to 1e-12: tests/cluster/test_footprint.py),
  but GEOS lists its parts and starts its rings elsewhere, so the bytes written differ. The
  default threshold, 25,000, is above the distinct points of every footprint of the demo world
  (22,084 at most, scale 0.05), whose outputs keep their bytes.
* Each disc is a polygon of ``4 * quad_segs`` vertices (64 by default; its area is 0.16 % below
  the circle's): GEOS's buffer of a point, drawn once at the origin and translated to every
  centre (:func:`_discs`: the same coordinates, bit for bit, at a tenth of the cost).
* A footprint that crosses the antimeridian is returned as a MultiPolygon split at longitude
  +-180, each part within -180..180. Footprints that contain a pole are not supported (no S&T
  cluster is near one).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, TypeAlias

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.polygon import orient

from stclusters._limits import FOOTPRINT_KM
from stclusters._sphere import centroid, unique_points
from stclusters.cluster._sphere import BoolArray, FloatArray, check_latlon, check_params, interval
from stclusters.errors import InputError

__all__ = ["area_km2", "contains_points", "covered_discs", "footprint", "footprints"]

#: A shapely Polygon or MultiPolygon in (lon, lat) degrees (shapely ships no type information).
Footprint: TypeAlias = Any

_CONSTRAINTS = {"radius_km": [interval(FOOTPRINT_KM)]}
_GEOD = Geod(ellps="WGS84")
_WORLD = box(-180.0, -90.0, 180.0, 90.0)


def footprint(
    latlon: Any,
    *,
    radius_km: float = 5.0,
    quad_segs: int = 16,
    snap_above: int = 20_000,
    cover_above: int = 25_000,
) -> Footprint:
    """The union of discs of ``radius_km`` around the points, in longitude/latitude degrees.

    Parameters
    ----------
    latlon
        (n, 2) array of member points (lat, lon) in degrees.
    radius_km
        Disc radius in kilometres, in (0, 100] (the ``footprint_km`` setting, bounded by
        :data:`stclusters._limits.FOOTPRINT_KM`).
    quad_segs
        Vertices per quarter circle of each disc.
    snap_above
        Above this many distinct points, positions are snapped to a grid of ``radius_km / 100``.
    cover_above
        Above this many distinct points, covered discs are left out of the union
        (:func:`covered_discs`; the same set up to rounding: smaller footprints keep their bytes).

    Returns
    -------
    Polygon or MultiPolygon
        Coordinates are (lon, lat); an empty Polygon when there are no points.

    Raises
    ------
    ParameterError
        For ``radius_km`` out of range (a :class:`~stclusters.errors.ConfigError`).
    InputError
        For points that are not (lat, lon) degrees.

    Examples
    --------
    >>> import numpy as np
    >>> round(area_km2(footprint(np.array([[48.85, 2.35]]), radius_km=5.0)), 1)
    78.4
    """
    check_params(_CONSTRAINTS, {"radius_km": radius_km}, caller="footprint")
    radius = float(radius_km)
    points = check_latlon(latlon, "latlon")
    if points.shape[0] == 0:
        return Polygon()
    uniq, _, _ = unique_points(points[:, 0], points[:, 1])
    lat0, lon0 = centroid(uniq)
    forward, backward = _transformers(round(lat0, 6), round(lon0, 6))
    x, y = forward.transform(uniq[:, 1], uniq[:, 0])
    xy = np.column_stack((x, y))
    radius_m = radius * 1000.0
    if xy.shape[0] > snap_above:
        step = radius_m / 100.0
        xy = np.unique(np.round(xy / step) * step, axis=0)
    if xy.shape[0] > cover_above:
        # the same union from far fewer discs (the same vertices up to rounding, listed in
        # another order: the bytes of the footprints written change)
        xy = xy[~covered_discs(xy, radius=radius_m, quad_segs=quad_segs)]
    union = shapely.union_all(_discs(xy, radius=radius_m, quad_segs=quad_segs))

    def to_lonlat(coords: FloatArray) -> FloatArray:
        lon, lat = backward.transform(coords[:, 0], coords[:, 1])
        # Continuous longitudes around the centre, possibly beyond +-180 (split below).
        lon = lon0 + ((np.asarray(lon) - lon0 + 180.0) % 360.0 - 180.0)
        return np.column_stack((lon, lat))

    geom = shapely.transform(union, to_lonlat)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    out: Footprint = _split_antimeridian(geom)
    return out


def _discs(xy: FloatArray, *, radius: float, quad_segs: int) -> Any:
    """(n,) polygons: ``shapely.buffer`` of the points ``xy`` ((n, 2)) by ``radius``, bit for bit.

    GEOS draws a point's buffer as the centre plus fixed offsets (``radius`` times the cosine
    and sine of the vertex angles). The offsets are taken once, from the buffer of the point
    (-0.0, -0.0) (adding -0.0 keeps every offset's value and the sign of its zeros), and added
    to every centre: the same IEEE sums as GEOS's, without building a buffer per point
    (tests/cluster/test_footprint.py checks the bytes against ``shapely.buffer``).
    """
    ring = shapely.get_coordinates(
        shapely.buffer(shapely.points(-0.0, -0.0), radius, quad_segs=quad_segs)
    )
    return shapely.polygons(xy[:, None, :] + ring[None, :, :])


#: Nearest kept discs tested for covering a disc; and the angle (radians) by which the arc of
#: directions each covers is narrowed against rounding.
_COVER_NEIGHBOURS = 12
_COVER_MARGIN = 1e-6
#: Side of the grid cells (in disc radii) of which one point each keeps its disc.
_COVER_CELL = 0.25


def covered_discs(xy: FloatArray, *, radius: float, quad_segs: int = 16) -> BoolArray:
    """(n,) True for the discs that may be left out of the union: others that stay cover them.

    Parameters
    ----------
    xy
        (n, 2) distinct disc centres in plane coordinates (the same unit as ``radius``).
    radius
        The discs' radius.
    quad_segs
        Vertices per quarter circle of the polygons drawn for the discs.

    Returns
    -------
    ndarray of bool
        (n,) True where the disc is covered whole by discs marked False.

    Notes
    -----
    The first point of each grid cell of side ``_COVER_CELL * radius`` keeps its disc (the
    *anchors*). Any other disc is covered when the discs of its :data:`_COVER_NEIGHBOURS`
    nearest anchors, each shrunk by two sagittas (the polygon of ``4 * quad_segs`` vertices
    drawn for a disc, inscribed in its circle, holds the circle shrunk by one sagitta
    ``radius * (1 - cos(pi / (4 * quad_segs)))``), cover its circle in every direction: an
    anchor at ``v`` from the centre (``|v| < r'``, the shrunk radius) covers the boundary
    point in direction ``u`` when ``u . v >= (radius**2 - r'**2 + |v|**2) / (2 radius)`` (an
    arc of directions), and the arcs (narrowed by :data:`_COVER_MARGIN`) must leave no
    direction uncovered (taken in order of their starts, without counting an arc's part past a
    full turn: a sufficient test). The covering discs hold the centre, and they are convex, so
    covering the circle covers the disc. Anchors are never left out, so every disc left out is
    covered by discs that stay: the union is the same set. The test is sufficient, not necessary.

    Costs one k-nearest-neighbour query (scipy's cKDTree) and a sort of ``k`` arcs per disc; a
    dense cluster keeps its anchors and its edge, far fewer discs.
    """
    from scipy.spatial import cKDTree

    n = xy.shape[0]
    out = np.zeros(n, dtype=bool)
    cells = np.floor(xy / (_COVER_CELL * radius)).astype(np.int64)
    _, first = np.unique(cells, axis=0, return_index=True)
    anchor = np.zeros(n, dtype=bool)
    anchor[first] = True
    k = min(_COVER_NEIGHBOURS, int(anchor.sum()))
    if k < 3:
        return out
    sagitta = radius * (1.0 - np.cos(np.pi / (4 * quad_segs)))
    inner = radius - 2.0 * sagitta - 1e-9 * radius
    anchors = xy[anchor]
    rest = np.flatnonzero(~anchor)
    dist, idx = cKDTree(anchors).query(xy[rest], k=k, distance_upper_bound=inner)
    ok = np.isfinite(dist) & (dist > 0)
    j = np.where(ok, idx, 0)
    v = anchors[j] - xy[rest, None, :]
    norm = np.where(ok, dist, 1.0)
    need = (radius**2 - inner**2 + norm**2) / (2.0 * radius) / norm
    ok &= need < 1.0
    # an anchor covers the directions within alpha of its own direction theta
    alpha = np.arccos(np.clip(need, -1.0, 1.0)) - _COVER_MARGIN
    theta = np.arctan2(v[..., 1], v[..., 0]) % (2.0 * np.pi)
    start = np.where(ok, theta - alpha, np.inf)
    end = np.where(ok, theta + alpha, -np.inf)
    order = np.argsort(start, axis=1, kind="stable")
    start = np.take_along_axis(start, order, axis=1)
    end = np.take_along_axis(end, order, axis=1)
    reach = np.maximum.accumulate(end, axis=1)
    # no gap between the arcs taken in order of their starts, and round the whole circle
    gap = (start[:, 1:] > reach[:, :-1]) & np.isfinite(start[:, 1:])
    out[rest] = (
        np.isfinite(start[:, 0]) & ~gap.any(axis=1) & (reach[:, -1] >= start[:, 0] + 2 * np.pi)
    )
    return out


def footprints(
    latlon: Any, labels: Any, *, radius_km: float = 5.0, quad_segs: int = 16
) -> dict[int, Footprint]:
    """Footprint of every cluster (label >= 0), keyed by label in increasing order."""
    check_params(_CONSTRAINTS, {"radius_km": radius_km}, caller="footprints")
    points = check_latlon(latlon, "latlon")
    lab = np.asarray(labels)
    if lab.shape != (points.shape[0],):
        raise InputError(
            f"labels must be a 1-D array of {points.shape[0]} labels; got shape {lab.shape}"
        )
    labels_present = [int(label) for label in np.unique(lab[lab >= 0]).tolist()]

    def one(label: int) -> Footprint:
        return footprint(points[lab == label], radius_km=radius_km, quad_segs=quad_segs)

    # GEOS releases the GIL and pyproj transformers are thread-safe (pyproj >= 3.1): the
    # clusters are independent, so threads share the work without changing any result.
    workers = max(1, min(len(os.sched_getaffinity(0)), 4, len(labels_present)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        shapes = list(pool.map(one, labels_present))
    return dict(zip(labels_present, shapes, strict=True))


def area_km2(geom: Footprint) -> float:
    """Geodesic area of a lon/lat (multi)polygon on the WGS84 ellipsoid, in square kilometres."""
    total = 0.0
    for poly in shapely.get_parts(geom).tolist():
        if isinstance(poly, Polygon) and not poly.is_empty:
            area, _ = _GEOD.geometry_area_perimeter(orient(poly, sign=1.0))
            total += abs(area)
    return total / 1e6


def contains_points(geom: Footprint, latlon: Any) -> BoolArray:
    """Which (lat, lon) points lie in the footprint (inside or on its boundary)."""
    points = check_latlon(latlon, "latlon")
    shapely.prepare(geom)
    out: BoolArray = shapely.intersects_xy(geom, points[:, 1], points[:, 0])
    return out


@lru_cache(maxsize=256)
def _transformers(lat0: float, lon0: float) -> tuple[Transformer, Transformer]:
    crs = CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat0!r} +lon_0={lon0!r} +datum=WGS84 +units=m +no_defs"
    )
    forward = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    backward = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return forward, backward


def _split_antimeridian(geom: Any) -> Footprint:
    """Cut a geometry with longitudes beyond +-180 at the antimeridian and wrap the parts."""
    minx, _, maxx, _ = geom.bounds
    if minx >= -180.0 and maxx <= 180.0:
        return _as_footprint(geom)
    parts = [geom.intersection(_WORLD)]
    if maxx > 180.0:
        east = geom.intersection(box(180.0, -90.0, 540.0, 90.0))
        parts.append(shapely.transform(east, lambda c: c - np.array([360.0, 0.0])))
    if minx < -180.0:
        west = geom.intersection(box(-540.0, -90.0, -180.0, 90.0))
        parts.append(shapely.transform(west, lambda c: c + np.array([360.0, 0.0])))
    polys = [
        p
        for part in parts
        for p in shapely.get_parts(part).tolist()
        if isinstance(p, Polygon) and not p.is_empty
    ]
    return MultiPolygon(polys)


def _as_footprint(geom: Any) -> Footprint:
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    polys = [p for p in shapely.get_parts(geom).tolist() if isinstance(p, Polygon)]
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)
