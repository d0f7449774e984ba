"""``clusters.gpkg``: the published clusters as a GeoPackage for QGIS and ArcGIS (issue 14 item 6).

Three layers, in WGS 84 (EPSG:4326) longitude/latitude:

``footprints``
    one MultiPolygon per published cluster (its footprint, method.md section 3.4) with the
    columns of ranking.csv (:data:`stclusters.results.RANKING_COLUMNS`);
``centroids``
    one Point per published cluster (its ``lat``/``lon``) with the same columns;
``points``
    the distinct points of every layer that took part in clustering
    (:data:`stclusters.report.records.POINT_COLUMNS`: layer, weight in people rows, share in
    documents, cluster id, null for noise, and whether that cluster is published).

Written through pyogrio (GDAL's vector drivers; MIT), an optional dependency: the ``gis`` extra
(``pip install 'stclusters[gis]'``) carries its ~30 MB of GDAL libraries, which the ranking does
not need. Without it the run writes every other file and says once that clusters.gpkg was
skipped and why. GDAL's GeoPackage driver stamps the time of writing into the file; the
stamp is fixed (:data:`FIXED_DATE`) so that the same results give the same bytes.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from numpy.typing import NDArray

from stclusters.results import RANKING_COLUMNS, RANKING_SCHEMA, Results

__all__ = ["GPKG_FILE", "GPKG_LAYERS", "gis_available", "write_gpkg"]

log = logging.getLogger("stclusters")

#: The GeoPackage of a run and its layers, in the order they are written.
GPKG_FILE = "clusters.gpkg"
GPKG_LAYERS = ("footprints", "centroids", "points")
#: The time stamp written into the GeoPackage (GDAL's ``OGR_CURRENT_DATE``).
FIXED_DATE = "2000-01-01T00:00:00.000Z"
_CRS = "EPSG:4326"
#: Decimal digits of the footprint coordinates (as clusters.geojson).
_DIGITS = 5


def gis_available() -> bool:
    """Whether pyogrio (the ``gis`` extra) can be imported."""
    try:
        import pyogrio  # noqa: F401
    except ImportError:
        return False
    return True


def _ranking_table(results: Results, geometry: list[bytes | None]) -> pa.Table:
    rows = [r.to_row() for r in results.ranking]
    table = pa.Table.from_pylist(
        [{k: row.get(k) for k in RANKING_COLUMNS} for row in rows], schema=RANKING_SCHEMA
    )
    return table.append_column("geometry", pa.array(geometry, pa.binary()))


def _footprints(results: Results) -> pa.Table:
    wkb: list[bytes | None] = []
    for r in results.ranking:
        geom = results.footprints.get(r.cluster_id)
        if geom is None:
            wkb.append(None)
            continue
        geom = shapely.set_precision(geom, 10.0**-_DIGITS)
        if geom.geom_type == "Polygon":
            geom = shapely.MultiPolygon([geom])
        wkb.append(shapely.to_wkb(geom))
    return _ranking_table(results, wkb)


def _centroids(results: Results) -> pa.Table:
    """The cluster centres as ranking.csv gives them (rounded to 5 decimals)."""
    rows = [r.to_row() for r in results.ranking]
    points = shapely.points([r["lon"] for r in rows], [r["lat"] for r in rows])
    return _ranking_table(results, [shapely.to_wkb(p) for p in points])


def _points(path: str) -> pa.Table:
    table = pq.read_table(path)
    lon = table.column("lon").to_numpy()
    lat = table.column("lat").to_numpy()
    return table.append_column("geometry", point_wkb(lon, lat))


#: One WKB point: byte order (1: little-endian), geometry type (1: Point), x, y.
_WKB_POINT = np.dtype([("order", "u1"), ("kind", "<u4"), ("x", "<f8"), ("y", "<f8")])
#: Points per chunk of :func:`point_wkb` (its 32-bit offsets stay below 2**31 bytes).
_WKB_CHUNK = 1 << 24


def point_wkb(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> pa.ChunkedArray:
    """(n,) WKB of the points (lon, lat), as ``shapely.to_wkb(shapely.points(lon, lat))`` writes
    them on a little-endian machine, without a GEOS object per point.

    The 21 bytes of each point are laid out by NumPy and handed to Arrow as one buffer per
    chunk of :data:`_WKB_CHUNK` points. A point with a NaN coordinate (an empty point to GEOS)
    is written by shapely, as before. tests/report/test_gis.py checks the bytes against shapely.

    Parameters
    ----------
    lon, lat
        (n,) longitudes and latitudes in degrees.

    Returns
    -------
    pyarrow.ChunkedArray
        (n,) binary values of 21 bytes.
    """
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    if sys.byteorder != "little" or np.isnan(lon).any() or np.isnan(lat).any():
        wkb = shapely.to_wkb(shapely.points(lon, lat))
        return pa.chunked_array([pa.array(list(wkb), pa.binary())], pa.binary())
    chunks = []
    size = _WKB_POINT.itemsize
    for start in range(0, len(lon), _WKB_CHUNK):
        stop = min(start + _WKB_CHUNK, len(lon))
        rec = np.empty(stop - start, dtype=_WKB_POINT)
        rec["order"], rec["kind"] = 1, 1
        rec["x"], rec["y"] = lon[start:stop], lat[start:stop]
        offsets = np.arange(stop - start + 1, dtype=np.int32) * size
        chunks.append(
            pa.Array.from_buffers(
                pa.binary(),
                stop - start,
                [None, pa.py_buffer(offsets), pa.py_buffer(rec.tobytes())],
            )
        )
    return pa.chunked_array(chunks, pa.binary())


def write_gpkg(results: Results, folder: Path) -> Path | None:
    """Write ``clusters.gpkg`` (layers :data:`GPKG_LAYERS`) into ``folder``.

    The points layer needs the per-record tables (``results.record_files["points"]``); without
    them the file has the footprints and centroids only.

    Returns
    -------
    Path or None
        The file written; None when pyogrio (the ``gis`` extra) is missing, which is logged
        once as a warning naming the fix.
    """
    if not gis_available():
        log.warning(
            "%s was skipped: it needs pyogrio, the 'gis' extra (pip install 'stclusters[gis]')",
            GPKG_FILE,
        )
        return None
    import pyogrio

    path = folder / GPKG_FILE
    layers: list[tuple[str, pa.Table, str]] = [
        ("footprints", _footprints(results), "MultiPolygon"),
        ("centroids", _centroids(results), "Point"),
    ]
    if "points" in results.record_files:
        layers.append(("points", _points(results.record_files["points"]), "Point"))
    before: Any = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_DATE})
    try:
        for name, table, kind in layers:
            pyogrio.write_arrow(
                table,
                path,
                layer=name,
                driver="GPKG",
                geometry_name="geometry",
                geometry_type=kind,
                crs=_CRS,
            )
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})
    return path
