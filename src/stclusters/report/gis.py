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
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import shapely

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
    wkb = shapely.to_wkb(shapely.points(lon, lat))
    return table.append_column("geometry", pa.array(list(wkb), pa.binary()))


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
