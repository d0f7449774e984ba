"""The notebook API: stclusters.run / read_results as pandas and GeoPandas tables, and the
example notebook docs/notebook.ipynb executed on the demo world (issue 14, item 7)."""

from __future__ import annotations

import csv
import gc
import importlib.util
import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import stclusters
from stclusters.errors import ConfigError, InputError
from stclusters.results import RANKING_COLUMNS
from worlds import SMALL_CONFIG, SMALL_RANKING, small_world

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run of the small world written to a folder (the command line's way)."""
    out = tmp_path_factory.mktemp("api") / "out"
    stclusters.run(small_world(), out=out, config=SMALL_CONFIG, write_site=False)
    return out


def test_run_without_out_gives_tables_and_leaves_nothing(tmp_path: Path) -> None:
    res = stclusters.run(small_world(), min_points=SMALL_CONFIG.min_points, top_n=10)
    scratch = res.out.parent
    assert scratch.is_dir() and not (res.out / "index.html").exists()  # no site by default
    ranking = res.ranking
    assert isinstance(ranking, pd.DataFrame)
    assert list(ranking.columns) == list(RANKING_COLUMNS)
    assert [n.split("–")[0] for n in ranking["name"]] == SMALL_RANKING
    assert list(ranking["rank"]) == list(range(1, len(SMALL_RANKING) + 1))
    assert res.run_result is not None
    assert [r.name for r in res.run_result.ranking] == list(ranking["name"])
    del res, ranking
    gc.collect()
    assert not scratch.exists()  # the temporary folder goes with the object


def test_read_results_matches_the_folders_files(folder: Path) -> None:
    res = stclusters.read_results(folder)
    with (folder / "ranking.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    ranking = res.ranking
    assert list(ranking["name"]) == [r["name"] for r in rows]
    assert list(ranking["cluster_id"]) == [int(r["cluster_id"]) for r in rows]
    assert ranking["patents"].tolist() == pytest.approx([float(r["patents"]) for r in rows])
    profiles = res.profiles
    assert isinstance(profiles, pd.DataFrame)
    assert list(profiles["cluster_id"]) == list(ranking["cluster_id"])
    assert isinstance(profiles.loc[0, "top_applicants"], list)
    assert res.accounts == json.loads((folder / "accounts.json").read_text())


def test_footprints_are_a_geodataframe(folder: Path) -> None:
    import geopandas as gpd

    res = stclusters.read_results(folder)
    foot = res.footprints
    assert isinstance(foot, gpd.GeoDataFrame)
    assert foot.crs is not None and foot.crs.to_epsg() == 4326
    assert list(foot["cluster_id"]) == list(res.ranking["cluster_id"])
    assert set(foot.geom_type) <= {"Polygon", "MultiPolygon"} and foot.is_valid.all()
    for (_, shape), lat, lon in zip(
        foot.geometry.items(), res.ranking["lat"], res.ranking["lon"], strict=True
    ):  # each footprint lies around its cluster's centre (within a degree)
        assert shape.distance(gpd.points_from_xy([lon], [lat])[0]) < 1.0


def test_tables_are_read_lazily_and_memberships_when_present(folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    res = stclusters.read_results(copy)
    (copy / "profiles.json").unlink()  # nothing was read when the object was made
    assert len(res.ranking) == len(SMALL_RANKING)
    with pytest.raises(InputError, match=r"no profiles\.json"):
        _ = res.profiles
    if not (copy / "memberships.parquet").exists():
        with pytest.raises(InputError, match=r"no memberships\.parquet.*run the method again"):
            _ = res.memberships
        table = pa.table({"doc_id": ["P1", "P1"], "cluster_id": [0, None], "share": [0.5, 0.5]})
        pq.write_table(table, copy / "memberships.parquet")
    again = stclusters.read_results(copy)
    memberships = again.memberships
    assert isinstance(memberships, pd.DataFrame) and len(memberships) > 0
    assert again.memberships is memberships  # read once, kept


def test_read_results_of_what_is_not_a_run(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such folder"):
        stclusters.read_results(tmp_path / "nothing")
    with pytest.raises(InputError, match="not the output folder of a run"):
        stclusters.read_results(tmp_path)


def test_a_missing_extra_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> object:
        return None if name.split(".")[0] == "geopandas" else real(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(ConfigError, match=r"geopandas.*pip install 'stclusters\[notebook\]'"):
        stclusters.read_results(tmp_path)
    with pytest.raises(ConfigError, match=r"stclusters\[notebook\]"):
        stclusters.run(small_world(), config=SMALL_CONFIG)  # before any work


def test_settings_as_keywords_are_checked() -> None:
    with pytest.raises(ConfigError, match="eps_km"):
        stclusters.run(small_world(), eps_km=-1)


@pytest.mark.slow
@pytest.mark.xdist_group("demo_world")
def test_the_example_notebook_runs(demo_world: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    path = ROOT / "docs" / "notebook.ipynb"
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":  # the notebook is kept without outputs
            assert not cell.outputs and cell.execution_count is None
    monkeypatch.setenv("STCLUSTERS_WORLD", str(demo_world))
    client = nbclient.NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": ROOT}}
    )
    client.execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = json.dumps([o.get("data", {}).get("text/plain", "") for o in outputs])
    assert "Tokyo" in shown  # the demo's first cluster
