"""The same input content and settings give the same bytes, wherever inputs and outputs live
and in whatever order input files and rows come (only run.json, the paths and timings of a
run, differs)."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from safety.conftest import snapshot
from stclusters.cli import app
from stclusters.config import Config
from stclusters.pipeline import run
from stclusters.records import TABLES, Records, write_records
from stclusters.report.tables import RUN_FILE
from worlds import small_world

runner = CliRunner()


def _without_run_file(folder: Path) -> dict[str, bytes]:
    files = snapshot(folder)
    assert RUN_FILE in files
    del files[RUN_FILE]
    return files


def _assert_same(a: Path, b: Path) -> None:
    fa, fb = _without_run_file(a), _without_run_file(b)
    assert fa.keys() == fb.keys()
    differing = [name for name in fa if fa[name] != fb[name]]
    assert differing == [], f"files differ between {a} and {b}: {differing}"


def test_demo_in_two_places_gives_the_same_bytes(tmp_path: Path) -> None:
    """Two demos into different folders (each building its world in its own folder)."""
    outs = []
    for place in ("first/here", "second/there/deeper"):
        out = tmp_path / place / "demo"
        result = runner.invoke(app, ["demo", "--scale", "0.001", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert (out.parent / "demo-world" / "manifest.json").is_file()
        outs.append(out)
    assert (outs[0] / "index.html").is_file()
    _assert_same(*outs)
    text = (outs[0] / "accounts.json").read_text()
    assert str(tmp_path) not in text and str(tmp_path) not in (outs[0] / "index.html").read_text()
    assert str(outs[0]) in (outs[0] / RUN_FILE).read_text()


def _shuffled(records: Records, seed: int) -> Records:
    rng = np.random.default_rng(seed)
    tables: dict[str, pa.Table] = {}
    for name in TABLES:
        table = records.table(name)
        tables[name] = table.take(pa.array(rng.permutation(table.num_rows)))
    return Records(**tables)


def test_shuffled_rows_and_moved_folders_give_the_same_bytes(tmp_path: Path) -> None:
    world = small_world()
    a = write_records(world, tmp_path / "a" / "world")
    b = write_records(_shuffled(world, 1), tmp_path / "b" / "elsewhere" / "world")
    assert (a / "people.parquet").read_bytes() != (b / "people.parquet").read_bytes()
    config = Config(min_points=40.0, cache_dir=str(tmp_path / "cache"))
    run([a], out=tmp_path / "out-a", config=config, write_site=True)
    run([b], out=tmp_path / "x" / "out-b", config=config, write_site=True)
    _assert_same(tmp_path / "out-a", tmp_path / "x" / "out-b")


def test_input_files_in_any_order_give_the_same_bytes(samples_dir: Path, tmp_path: Path) -> None:
    names = ["OnePaper.isi", "TwoPaper.isi", "testFile.isi"]
    files = []
    for i, name in enumerate(names):
        target = tmp_path / "in" / f"part{i}" / name
        target.parent.mkdir(parents=True)
        shutil.copy(samples_dir / "wos" / name, target)
        files.append(target)
    moved = tmp_path / "moved"
    shutil.copytree(tmp_path / "in", moved)
    config = Config(min_points=1.0, cache_dir=str(tmp_path / "cache"))
    run(files, out=tmp_path / "out1", config=config, write_site=False)
    reordered = [moved / f.relative_to(tmp_path / "in") for f in reversed(files)]
    run(reordered, out=tmp_path / "out2", config=config, write_site=False)
    _assert_same(tmp_path / "out1", tmp_path / "out2")


def _path_settings(*kinds: str) -> list[str]:
    return [
        f.name
        for f in dataclasses.fields(Config)
        if f.metadata["setting"].path in kinds  # the one place that says a setting names a path
    ]


@pytest.mark.parametrize("setting", _path_settings("file", "ranking"))
def test_settings_naming_files_count_by_content_not_place(setting: str, tmp_path: Path) -> None:
    """The same file content in two places gives the same settings in the accounts and the
    same fingerprint; another content gives others."""
    from stclusters.pipeline import _fingerprint

    inputs = {"records_folders": [{"name": "w", "content_checksum": "abc", "rows": {}}]}
    paths = [tmp_path / "one" / "f.csv", tmp_path / "two" / "deeper" / "g.csv"]
    for path in paths:
        path.parent.mkdir(parents=True)
        path.write_text("name,override\nOsaka,Kansai\n")
    one, two = (Config(**{setting: str(p)}).by_content() for p in paths)
    assert one == two and one[setting].startswith("sha256:")
    assert str(tmp_path) not in json.dumps(one)
    fingerprints = {_fingerprint(Config(**{setting: str(p)}), inputs) for p in paths}
    assert len(fingerprints) == 1
    paths[1].write_text("name,override\nOsaka,Keihanshin\n")
    assert Config(**{setting: str(paths[1])}).by_content()[setting] != one[setting]
    assert _fingerprint(Config(**{setting: str(paths[1])}), inputs) not in fingerprints


@pytest.mark.parametrize("setting", _path_settings("folder"))
def test_settings_naming_folders_are_not_in_the_accounts(setting: str, tmp_path: Path) -> None:
    assert setting not in Config(**{setting: str(tmp_path)}).by_content()
    assert setting in Config().to_dict()


def test_every_setting_that_names_a_path_says_so() -> None:
    """A setting whose help speaks of a file, a path or a folder is marked as one."""
    unmarked = [
        f.name
        for f in dataclasses.fields(Config)
        if f.metadata["setting"].path is None
        and re.search(r"\b(file|path|folder)\b", f.metadata["setting"].help, re.I)
        and f.type in ("str | None", "str")
    ]
    assert unmarked == []


@pytest.mark.parametrize("setting", _path_settings("folder"))
def test_fingerprint_ignores_locations(setting: str, tmp_path: Path) -> None:
    from stclusters.pipeline import _fingerprint

    inputs = {"records_folders": [{"name": "w", "content_checksum": "abc", "rows": {}}]}
    one = _fingerprint(Config(**{setting: str(tmp_path / "1")}), inputs)
    two = _fingerprint(Config(**{setting: str(tmp_path / "2")}), inputs)
    assert one == two
    assert _fingerprint(Config(eps_km=10.0), inputs) != one
    other = {"records_folders": [{"name": "w", "content_checksum": "abd", "rows": {}}]}
    assert _fingerprint(Config(), other) != _fingerprint(Config(), inputs)


def test_read_in_two_places_gives_the_same_records_folder(
    samples_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``stclusters read`` of the same files from two places (one named relative to the
    working folder, one absolute) writes the same bytes: the manifest's inputs, the documents'
    ``file`` column and the read accounts name the files below their folder (as a run's
    accounts do), never where they lived."""
    monkeypatch.chdir(tmp_path)
    outs = []
    for place in ("one", "two/deeper"):
        folder = tmp_path / place / "wos"
        folder.mkdir(parents=True)
        for name in ("OnePaper.isi", "TwoPaper.isi"):
            shutil.copy(samples_dir / "wos" / name, folder / name)
        out = tmp_path / place / "records"
        given = str(folder) if place == "one" else f"{place}/wos"
        result = runner.invoke(app, ["read", given, "--out", str(out)])
        assert result.exit_code == 0, result.output
        outs.append(out)
    a, b = snapshot(outs[0]), snapshot(outs[1])
    assert a.keys() == b.keys() and "manifest.json" in a
    assert [n for n in a if a[n] != b[n]] == []
    assert str(tmp_path) not in a["manifest.json"].decode()
