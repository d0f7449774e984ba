"""Writing a world: identical files per seed, valid folders, the command line, the scale checks."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from stclusters._outdir import MARKER
from stclusters.cli import app
from stclusters.errors import ConfigError
from stclusters.records import read_records, validate
from stclusters.synth import TRUTH_HUBS, TRUTH_PEOPLE, load_calibration, write_world
from stclusters.synth.world import WorldSettings
from worlds import DEMO_SCALE

from .conftest import connect

SCALE = 0.002


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_world(tmp_path_factory.mktemp("world") / "a", scale=SCALE, seed=5)


def test_same_seed_gives_identical_files(written: Path, tmp_path: Path) -> None:
    again = write_world(tmp_path / "b", scale=SCALE, seed=5)
    first = _digests(written)
    assert set(first) == {
        "documents.parquet",
        "people.parquet",
        "classes.parquet",
        "applicants.parquet",
        "manifest.json",
        TRUTH_PEOPLE,
        TRUTH_HUBS,
        MARKER,
    }
    assert _digests(again) == first


def test_different_seeds_give_different_worlds(written: Path, tmp_path: Path) -> None:
    other = write_world(tmp_path / "c", scale=SCALE, seed=6)
    a, b = _digests(written), _digests(other)
    for name in ("documents.parquet", "people.parquet", "classes.parquet", TRUTH_PEOPLE):
        assert a[name] != b[name], name
    lat_a = pq.read_table(written / "people.parquet", columns=["lat"])["lat"].to_pylist()
    lat_b = pq.read_table(other / "people.parquet", columns=["lat"])["lat"].to_pylist()
    assert lat_a[:100] != lat_b[:100]


def test_written_folder_is_valid_with_its_settings_and_truth(written: Path) -> None:
    counts = validate(written)
    manifest = json.loads((written / "manifest.json").read_text())
    assert manifest["rows"] == counts
    assert manifest["generator"] == "stclusters.synth"
    assert {k: manifest[k] for k in ("scale", "seed", "edition")} == {
        "scale": SCALE,
        "seed": 5,
        "edition": 2024,
    }
    assert "place_exponent" in manifest
    assert not any("time" in k or "date" in k for k in manifest)
    truth = pq.read_table(written / TRUTH_PEOPLE)
    people = pq.read_table(written / "people.parquet", columns=["doc_id", "person_seq"])
    assert truth.num_rows == people.num_rows
    assert truth["doc_id"].equals(people["doc_id"])
    assert truth["person_seq"].equals(people["person_seq"])
    with (written / TRUTH_HUBS).open(encoding="utf-8-sig") as fh:
        hubs = list(csv.DictReader(fh))
    assert [h["hub"] for h in hubs] == [h.name for h in load_calibration().hubs]


def test_in_memory_and_written_worlds_agree(written: Path) -> None:
    from stclusters.synth import make_world

    records = make_world(scale=SCALE, seed=5)
    on_disk = read_records(written)
    for name in ("documents", "people", "classes", "applicants"):
        assert records.table(name).equals(on_disk.table(name)), name


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scale": 0}, r"'scale' setting must be a number above 0 and at most 5; got 0"),
        ({"scale": -1.5}, r"'scale' .* got -1\.5"),
        ({"scale": float("nan")}, r"'scale'"),
        ({"seed": -1}, r"'seed' setting must be a whole number of at least 0; got -1"),
        ({"edition": 1800}, r"'edition' setting must be a whole number between 1990 and 2100"),
        ({"place_exponent": 0.0}, r"'place_exponent'"),
        ({"place_noise": -1.0}, r"'place_noise'"),
    ],
)
def test_bad_settings_fail_at_once(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        WorldSettings(**kwargs)  # type: ignore[arg-type]


def test_command_line_writes_a_valid_folder(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "w"
    result = runner.invoke(app, ["synth", "--scale", "0.001", "--seed", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "patent documents" in result.output and "people" in result.output
    result = runner.invoke(app, ["validate", str(out)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_command_line_rejects_a_bad_scale(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["synth", "--scale", "0", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "'scale' setting must be a number above 0" in result.output
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
@pytest.mark.xdist_group("demo_world")
def test_demo_scale_meets_the_issue_criteria(demo_world: Path) -> None:
    """Scale 0.05: economies with 2,000+ first-listed documents within 2%, every hub within 5%."""
    scale = DEMO_SCALE
    folder = demo_world
    validate(folder)
    con = connect(folder)
    first = {
        (layer, c): n
        for layer, c, n in con.execute(
            "SELECT k.layer, p.country, count(*) FROM people p JOIN kept k USING (doc_id) "
            "WHERE coalesce(p.person_seq, 0) = 0 AND coalesce(p.address_seq, 0) = 0 GROUP BY ALL"
        ).fetchall()
    }
    checked = 0
    cal = load_calibration()
    for eco in cal.economies:
        for layer in ("patent", "article"):
            expected = eco.output(layer) * scale
            if expected >= 2000:
                assert first[(layer, eco.iso2)] == pytest.approx(expected, rel=0.02)
                checked += 1
    assert checked >= 40
    realised = {
        (hub, layer): s
        for hub, layer, s in con.execute(
            "SELECT hub, layer, sum(share) FROM shares WHERE hub IS NOT NULL GROUP BY ALL"
        ).fetchall()
    }
    for hub in cal.hubs:
        for layer in ("patent", "article"):
            planted = hub.output(layer) * scale
            assert realised[(hub.name, layer)] == pytest.approx(planted, rel=0.05), hub.name
