"""Machine-readable outputs: ranking (CSV, Parquet, JSON), clusters GeoJSON, profiles, accounts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from shapely.geometry import mapping

from stclusters.csvfile import write_csv_rows
from stclusters.measure.ranking import ECONOMY_COLUMNS
from stclusters.report.network import SITE_PARTNERS, partners_of, write_network
from stclusters.results import GEOJSON_PROPERTIES, RANKING_COLUMNS, RANKING_SCHEMA, Results

__all__ = ["write_outputs"]


def _dump(obj: Any, path: Path) -> None:
    path.write_text(json.dumps(obj, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _round_geometry(geom: Any, digits: int = 5) -> Any:
    return shapely.set_precision(geom, 10.0**-digits) if geom is not None else None


#: The file of what changes from run to run without changing the results (paths, times).
RUN_FILE = "run.json"


def write_run_record(record: dict[str, Any], folder: Path) -> Path:
    """Write ``run.json`` (:func:`stclusters.pipeline.run_record`) into ``folder``: the paths
    and timings of a run, kept apart so that accounts.json and the site stay identical from
    one run to the next."""
    path = folder / RUN_FILE
    _dump(record, path)
    return path


def write_outputs(results: Results, folder: Path) -> None:
    """Write every machine-readable output of ``results`` and the Markdown profiles into
    ``folder`` (which must exist): ranking.csv / .parquet / .json, all_clusters.csv,
    clusters.geojson, profiles.json, accounts.json, economies.csv, stclusters.xlsx, the
    collaboration network's files, the per-record tables, clusters.gpkg and profiles/<slug>.md
    (docs/outputs.md). Every CSV file starts with a byte-order mark (:mod:`stclusters.csvfile`)."""
    from stclusters.measure.sensitivity import write_sensitivity
    from stclusters.report.excel import economy_rows, write_workbook
    from stclusters.report.gis import write_gpkg
    from stclusters.report.records import write_records
    from stclusters.report.text import profile_markdown, topic_line

    rows = [r.to_row() for r in results.ranking]
    write_csv_rows(rows, folder / "ranking.csv", columns=RANKING_COLUMNS)
    all_rows = [r.to_row() for r in results.all_clusters]
    write_csv_rows(all_rows, folder / "all_clusters.csv", columns=RANKING_COLUMNS)
    write_csv_rows(economy_rows(results), folder / "economies.csv", columns=ECONOMY_COLUMNS)
    write_workbook(results, folder)
    table = pa.Table.from_pylist(
        [{k: row.get(k) for k in RANKING_COLUMNS} for row in rows], schema=RANKING_SCHEMA
    )
    pq.write_table(table, folder / "ranking.parquet", compression="zstd")
    _dump({"edition": results.edition, "rows": rows}, folder / "ranking.json")
    features = []
    for r, row in zip(results.ranking, rows, strict=True):
        geom = _round_geometry(results.footprints.get(r.cluster_id))
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(geom) if geom is not None else None,
                "properties": {k: row[k] for k in GEOJSON_PROPERTIES},
            }
        )
    _dump({"type": "FeatureCollection", "features": features}, folder / "clusters.geojson")
    top_n = results.profiles[0]["top_n"] if results.profiles else None
    _dump(
        {"edition": results.edition, "top_n": top_n, "profiles": results.profiles},
        folder / "profiles.json",
    )
    _dump(results.accounts, folder / "accounts.json")
    write_network(results, folder)
    write_records(results, folder)  # memberships.parquet, addresses.csv / .parquet
    write_gpkg(results, folder)  # clusters.gpkg
    write_sensitivity(results, folder)  # sensitivity.csv, sensitivity_runs.csv when made
    (folder / "profiles").mkdir(exist_ok=True)
    for profile in results.profiles:
        partners = partners_of(results.links, profile["cluster_id"], limit=SITE_PARTNERS)
        text = profile_markdown(
            profile, top_n=results.top_n, topic=topic_line(results.accounts), partners=partners
        )
        (folder / "profiles" / f"{profile['slug']}.md").write_text(text, encoding="utf-8")
