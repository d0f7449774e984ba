"""Population inside cluster footprints: GeoNames places (default) or a GeoTIFF raster."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from stclusters.errors import ConfigError, InputError
from stclusters.places import Places, load_places

__all__ = [
    "RASTER_INSTALL",
    "population_from_places",
    "population_from_raster",
    "population_of",
    "require_rasterio",
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


def population_from_places(geometry: BaseGeometry, *, places: Places | None = None) -> float:
    """Sum of the GeoNames populations of the places inside ``geometry`` (lon/lat degrees).

    A city district (see :mod:`stclusters.places`) is counted only when the city that contains it
    is not inside the footprint too, so no one is counted twice.
    """
    places = places or load_places()
    if geometry.is_empty:
        return 0.0
    minx, miny, maxx, maxy = geometry.bounds
    box = np.flatnonzero(
        (places.lon >= minx) & (places.lon <= maxx) & (places.lat >= miny) & (places.lat <= maxy)
    )
    inside = np.zeros(len(places), dtype=bool)
    if len(box):
        shapely.prepare(geometry)
        inside[box] = shapely.contains_xy(geometry, places.lon[box], places.lat[box])
    counted = places.population_mask(inside)
    return float(places.population[counted].sum())


def population_from_raster(geometry: BaseGeometry, raster: str | Path) -> float:
    """Sum of a population raster (GeoTIFF, any CRS) over the cells whose centre is inside.

    Raises
    ------
    ConfigError
        When rasterio is not installed (see :func:`require_rasterio`).
    InputError
        When the raster cannot be opened.
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
        minx, miny, maxx, maxy = geom.bounds
        try:
            window = rasterio.windows.from_bounds(minx, miny, maxx, maxy, src.transform)
            window = window.round_offsets().round_lengths()
            window = window.intersection(rasterio.windows.Window(0, 0, src.width, src.height))
        except rasterio.errors.WindowError:
            return 0.0
        data = src.read(1, window=window, masked=True)
        if data.size == 0:
            return 0.0
        mask = rasterio.features.geometry_mask(
            [geom], out_shape=data.shape, transform=src.window_transform(window), invert=True
        )
        values = np.ma.filled(data.astype(np.float64), 0.0)
        values[~np.isfinite(values) | (values < 0)] = 0.0
        return float(values[mask].sum())


def population_of(
    geometries: dict[int, BaseGeometry],
    *,
    source: str = "geonames",
    raster: Any = None,
    places: Places | None = None,
) -> dict[int, float]:
    """Population of each footprint, by cluster id.

    ``source`` is "geonames" (the places of ``places``, by default :func:`load_places`) or
    "raster" (the GeoTIFF ``raster``).
    """
    if source == "raster":
        if raster is None:
            raise ConfigError("population_source = 'raster' needs the 'population_raster' setting")
        return {cid: population_from_raster(g, raster) for cid, g in geometries.items()}
    places = places or load_places()
    return {cid: population_from_places(g, places=places) for cid, g in geometries.items()}
