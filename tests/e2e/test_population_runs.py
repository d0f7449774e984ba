"""Whole runs whose clusters have no population to rank by (issue 11 item 3): a cluster with no
inhabitants (12 articles at a remote station), clusters outside a Europe-only raster, clusters
outside the top N. Each is flagged, ranks last by intensity and the run writes every file and
the site; never a crash."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from stclusters.config import Config
from stclusters.pipeline import run
from stclusters.records import Records, write_records
from stclusters.results import POPULATION_FLAGS
from worlds import SMALL_CONFIG, small_world


def remote_station() -> Records:
    """12 articles, two authors each, at Summit Station on the Greenland ice sheet."""
    docs, people = [], []
    for i in range(12):
        doc = f"A{i:02d}"
        docs.append({"doc_id": doc, "layer": "article", "year": 2020, "doc_type": "Article"})
        for p in range(2):
            people.append(
                {
                    "doc_id": doc,
                    "person_seq": p,
                    "address_seq": 0,
                    "role": "author",
                    "country": "GL",
                    "lat": 72.58 + 0.001 * (i % 3),
                    "lon": -38.46,
                    "precision": "city",
                    "organisation": "Summit Station",
                }
            )
    return Records.from_tables(documents=docs, people=people)


def test_a_cluster_without_inhabitants_is_flagged_and_written(tmp_path: Path) -> None:
    folder = write_records(remote_station(), tmp_path / "station")
    result = run([folder], out=tmp_path / "out", config=Config(min_points=3))
    (row,) = result.ranking
    assert row.population == 0.0 and row.population_flag == "no_inhabitants"
    assert row.patents_per_million is None and row.intensity_rank == 1
    written = json.loads((tmp_path / "out" / "ranking.json").read_text())["rows"][0]
    assert written["population"] == 0 and written["patents_per_million"] is None
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert POPULATION_FLAGS["no_inhabitants"] in page


def write_raster(path: Path, *, west: float, east: float, south: float, north: float) -> Path:
    """A raster of 0.1-degree cells holding 50 people each over the given box."""
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import from_origin

    cell = 0.1
    height, width = round((north - south) / cell), round((east - west) / cell)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=height,
        width=width,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(west, north, cell, cell),
        nodata=-1,
    ) as dst:
        dst.write(np.full((height, width), 50.0, dtype=np.float32), 1)
    return path


def test_clusters_outside_a_partial_raster_rank_last(tmp_path: Path) -> None:
    """The small world's Munich and Basel lie inside a raster of 6-14 E, 45-50 N; Lyon, Paris
    and Lisbon lie outside: no population, flagged, last by intensity in size order."""
    raster = write_raster(tmp_path / "alps.tif", west=6, east=14, south=45, north=50)
    config = SMALL_CONFIG.replace(population_source="raster", population_raster=str(raster))
    folder = write_records(small_world(), tmp_path / "world")
    result = run([folder], out=tmp_path / "out", config=config)
    by_name = {r.name: r for r in result.ranking}
    assert set(by_name) == {"Munich", "Lyon", "Basel", "Paris", "Lisbon"}
    for name in ("Munich", "Basel"):
        assert by_name[name].population and by_name[name].population > 0
        assert by_name[name].population_flag is None
        assert by_name[name].intensity_rank in (1, 2)
    outside = [by_name[n] for n in ("Lyon", "Paris", "Lisbon")]
    assert all(r.population is None and r.population_flag == "outside_raster" for r in outside)
    assert [r.intensity_rank for r in outside] == [3, 4, 5]  # in size order
    with (tmp_path / "out" / "ranking.csv").open(encoding="utf-8-sig") as fh:
        rows = {r["name"]: r for r in csv.DictReader(fh)}
    assert rows["Lyon"]["population"] == "" and rows["Lyon"]["population_flag"] == "outside_raster"
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert POPULATION_FLAGS["outside_raster"] in page


def test_clusters_outside_the_top_n_have_no_population_figure(tmp_path: Path) -> None:
    config = SMALL_CONFIG.replace(top_n=2)
    folder = write_records(small_world(), tmp_path / "world")
    result = run([folder], out=tmp_path / "out", config=config, write_site=False)
    assert len(result.ranking) == 2 and len(result.results.all_clusters) == 5
    with (tmp_path / "out" / "all_clusters.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["population"] != "" for r in rows] == [True, True, False, False, False]
    assert [r["population_flag"] for r in rows[2:]] == ["not_computed"] * 3
    assert all(float(r["population"]) > 0 for r in rows[:2])
