"""Machine-readable outputs: ranking (CSV, Parquet, JSON), clusters GeoJSON, profiles, accounts."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from shapely.geometry import mapping

from stclusters.results import GEOJSON_PROPERTIES, RANKING_COLUMNS, RANKING_SCHEMA, Results

__all__ = ["write_outputs"]


def _dump(obj: Any, path: Path) -> None:
    path.write_text(json.dumps(obj, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _csv(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=RANKING_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in RANKING_COLUMNS})


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
    clusters.geojson, profiles.json, accounts.json and profiles/<slug>.md (docs/outputs.md)."""
    from stclusters.report.text import profile_markdown, topic_line

    rows = [r.to_row() for r in results.ranking]
    _csv(rows, folder / "ranking.csv")
    _csv([r.to_row() for r in results.all_clusters], folder / "all_clusters.csv")
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
    (folder / "profiles").mkdir(exist_ok=True)
    for profile in results.profiles:
        text = profile_markdown(profile, top_n=results.top_n, topic=topic_line(results.accounts))
        (folder / "profiles" / f"{profile['slug']}.md").write_text(text, encoding="utf-8")
