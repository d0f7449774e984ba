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

from stclusters.measure.ranking import ClusterRow

__all__ = ["GEOJSON_PROPERTIES", "RANKING_COLUMNS", "write_tables"]

#: Columns of ranking.csv, in order (documented in the README and docs/method.md).
RANKING_COLUMNS = [
    "rank",
    "name",
    "economies",
    "patents",
    "articles",
    "size_score",
    "population",
    "patents_per_million",
    "articles_per_million",
    "intensity_score",
    "intensity_rank",
    "economy_rank",
    "economy_clusters",
    "primary_economy",
    "growth",
    "cluster_id",
    "slug",
    "lat",
    "lon",
]


#: Properties of each feature of clusters.geojson (docs/outputs.md).
GEOJSON_PROPERTIES = (
    "cluster_id",
    "rank",
    "slug",
    "name",
    "economies",
    "patents",
    "articles",
    "size_score",
    "population",
)


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


def write_tables(
    out: Path,
    *,
    ranking: list[ClusterRow],
    all_clusters: list[ClusterRow],
    profiles: list[dict[str, Any]],
    geoms: dict[int, Any],
    accounts: dict[str, Any],
    edition: int,
) -> None:
    """Write every machine-readable output and the Markdown profiles into ``out``."""
    from stclusters.report.text import profile_markdown

    rows = [r.to_row() for r in ranking]
    _csv(rows, out / "ranking.csv")
    _csv([r.to_row() for r in all_clusters], out / "all_clusters.csv")
    table = pa.Table.from_pylist(
        [{k: row.get(k) for k in RANKING_COLUMNS} for row in rows],
        schema=pa.schema(
            [
                ("rank", pa.int32()),
                ("name", pa.string()),
                ("economies", pa.string()),
                ("patents", pa.float64()),
                ("articles", pa.float64()),
                ("size_score", pa.float64()),
                ("population", pa.int64()),
                ("patents_per_million", pa.float64()),
                ("articles_per_million", pa.float64()),
                ("intensity_score", pa.float64()),
                ("intensity_rank", pa.int32()),
                ("economy_rank", pa.int32()),
                ("economy_clusters", pa.int32()),
                ("primary_economy", pa.string()),
                ("growth", pa.float64()),
                ("cluster_id", pa.int64()),
                ("slug", pa.string()),
                ("lat", pa.float64()),
                ("lon", pa.float64()),
            ]
        ),
    )
    pq.write_table(table, out / "ranking.parquet", compression="zstd")
    _dump({"edition": edition, "rows": rows}, out / "ranking.json")
    features = []
    for r, row in zip(ranking, rows, strict=True):
        geom = _round_geometry(geoms.get(r.cluster_id))
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(geom) if geom is not None else None,
                "properties": {k: row[k] for k in GEOJSON_PROPERTIES},
            }
        )
    _dump({"type": "FeatureCollection", "features": features}, out / "clusters.geojson")
    top_n = profiles[0].get("top_n") if profiles else None
    _dump({"edition": edition, "top_n": top_n, "profiles": profiles}, out / "profiles.json")
    _dump(accounts, out / "accounts.json")
    folder = out / "profiles"
    folder.mkdir(exist_ok=True)
    for profile in profiles:
        (folder / f"{profile['slug']}.md").write_text(profile_markdown(profile), encoding="utf-8")
