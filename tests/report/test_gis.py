"""clusters.gpkg (issue 14 item 6), opened with pyogrio and checked against ranking.csv."""

from __future__ import annotations

import csv
import logging
import math
from collections import defaultdict
from pathlib import Path

import pytest
import shapely

from stclusters.pipeline import RunResult, run
from stclusters.records import write_records
from stclusters.report import gis
from worlds import SMALL_CONFIG, small_world

pyogrio = pytest.importorskip("pyogrio", reason="clusters.gpkg needs the 'gis' extra (pyogrio)")


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    folder = write_records(small_world(), tmp_path_factory.mktemp("w") / "world")
    out = tmp_path_factory.mktemp("o") / "out"
    return run([folder], out=out, config=SMALL_CONFIG, write_site=False)


def _ranking(out: Path) -> list[dict[str, str]]:
    with (out / "ranking.csv").open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_layers_and_their_geometry_types(result: RunResult) -> None:
    layers = pyogrio.list_layers(result.out / gis.GPKG_FILE)
    assert [tuple(x) for x in layers] == [
        ("footprints", "MultiPolygon"),
        ("centroids", "Point"),
        ("points", "Point"),
    ]
    for name in gis.GPKG_LAYERS:
        assert pyogrio.read_info(result.out / gis.GPKG_FILE, layer=name)["crs"] == "EPSG:4326"


@pytest.mark.parametrize("layer", ["footprints", "centroids"])
def test_cluster_layers_match_ranking_csv(result: RunResult, layer: str) -> None:
    _meta, table = pyogrio.read_arrow(result.out / gis.GPKG_FILE, layer=layer)
    ranking = _ranking(result.out)
    assert table.num_rows == len(ranking) == len(result.ranking)
    for got, want in zip(table.to_pylist(), ranking, strict=True):
        for key in ("cluster_id", "rank", "name", "economies", "patents", "articles", "slug"):
            value = got[key]
            assert (str(value) if not isinstance(value, float) else value) == (
                float(want[key]) if isinstance(value, float) else want[key]
            ), key
    geoms = shapely.from_wkb(table.column("geom").to_pylist())
    for geom, want in zip(geoms, ranking, strict=True):
        point = shapely.Point(float(want["lon"]), float(want["lat"]))
        if layer == "centroids":
            assert geom.equals(point)
        else:
            assert geom.is_valid and geom.area > 0
            assert geom.distance(point) < 0.5  # degrees: the centre is inside or near
    if layer == "footprints":
        # the footprint holds the cluster's member points (method.md section 3.4)
        _meta, points = pyogrio.read_arrow(result.out / gis.GPKG_FILE, layer="points")
        ids = points.column("cluster_id").to_pylist()
        xy = shapely.from_wkb(points.column("geom").to_pylist())
        for geom, row in zip(geoms, result.ranking, strict=True):
            members = [p for p, c in zip(xy, ids, strict=True) if c == row.cluster_id]
            assert members
            assert all(geom.buffer(1e-4).covers(p) for p in members)


def test_points_layer_weights_sum_to_the_ranking(result: RunResult) -> None:
    _meta, table = pyogrio.read_arrow(result.out / gis.GPKG_FILE, layer="points")
    sums: dict[tuple[int, str], list[float]] = defaultdict(list)
    weights = 0
    for row in table.to_pylist():
        weights += row["weight"]
        if row["cluster_id"] is not None:
            sums[(row["cluster_id"], row["layer"])].append(row["share"])
    for row in result.results.all_clusters:
        assert math.fsum(sums[(row.cluster_id, "patent")]) == pytest.approx(row.patents, abs=1e-9)
        assert math.fsum(sums[(row.cluster_id, "article")]) == pytest.approx(row.articles, abs=1e-9)
    clustering = result.accounts["clustering"]
    assert weights == clustering["patent"]["points"] + clustering["article"]["points"]
    assert table.num_rows == (
        clustering["patent"]["unique_coordinates"] + clustering["article"]["unique_coordinates"]
    )


def test_the_same_results_give_the_same_bytes(result: RunResult, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        folder.mkdir()
        assert gis.write_gpkg(result.results, folder) == folder / gis.GPKG_FILE
    assert (first / gis.GPKG_FILE).read_bytes() == (second / gis.GPKG_FILE).read_bytes()


def test_without_pyogrio_the_file_is_skipped_and_said_once(
    result: RunResult,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(gis, "gis_available", lambda: False)
    with caplog.at_level(logging.WARNING, logger="stclusters"):
        assert gis.write_gpkg(result.results, tmp_path) is None
    assert not (tmp_path / gis.GPKG_FILE).exists()
    said = [r.getMessage() for r in caplog.records if gis.GPKG_FILE in r.getMessage()]
    assert len(said) == 1 and "stclusters[gis]" in said[0]


@pytest.mark.parametrize("chunk", [1 << 24, 7])
def test_point_wkb_is_shapelys(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """The points' WKB laid out by NumPy is shapely's, byte for byte (signed zeros, extremes,
    subnormals), across chunk boundaries; a NaN coordinate goes through shapely."""
    import numpy as np

    monkeypatch.setattr(gis, "_WKB_CHUNK", chunk)
    rng = np.random.default_rng(0)
    lon = np.concatenate([rng.uniform(-180, 180, 40), [0.0, -0.0, 180.0, -180.0, 5e-324, 1e308]])
    lat = np.concatenate([rng.uniform(-90, 90, 40), [-0.0, 0.0, 90.0, -90.0, -5e-324, -1e308]])
    for x, y in ((lon, lat), (np.append(lon, np.nan), np.append(lat, 1.0)), (lon[:0], lat[:0])):
        got = gis.point_wkb(x, y)
        assert got.type == "binary"
        assert got.to_pylist() == shapely.to_wkb(shapely.points(x, y)).tolist()
