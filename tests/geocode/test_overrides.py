"""Corrections (issue 14 item 2): the geocode_overrides and organisation_aliases settings.

The small world (tests/worlds.py) has a co-inventor in Lisbon on a tenth of the patents, which
makes the Lisbon cluster; those rows carry no address but the country, so their address text
(as addresses.csv shows it) is "PT". Moving "PT" to Munich takes the Lisbon cluster away and
adds its rows to Munich; ignoring "PT" takes its rows out of clustering.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from stclusters.config import Config
from stclusters.errors import InputError
from stclusters.geocode.overrides import read_geocode_overrides
from stclusters.measure.profiles import read_organisation_aliases
from stclusters.pipeline import RunResult, _fingerprint, run
from stclusters.records import write_records
from worlds import BLOBS, SMALL_CONFIG, small_world

MUNICH = BLOBS[0]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_records(small_world(), tmp_path_factory.mktemp("w") / "world")


@pytest.fixture(scope="module")
def baseline(world: Path, tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    out = tmp_path_factory.mktemp("o") / "out"
    return run([world], out=out, config=SMALL_CONFIG, write_site=False)


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _run(world: Path, tmp_path: Path, overrides: str) -> RunResult:
    config = dataclasses.replace(
        SMALL_CONFIG, geocode_overrides=str(_csv(tmp_path / "overrides.csv", overrides))
    )
    return run([world], out=tmp_path / "out", config=config, write_site=False)


def _portuguese_rows(result: RunResult) -> int:
    table = pq.read_table(result.out / "memberships.parquet")
    return sum(1 for c in table.column("country").to_pylist() if c == "PT")


def test_an_override_moves_the_rows_into_another_cluster(
    world: Path, baseline: RunResult, tmp_path: Path
) -> None:
    assert "Lisbon" in [r.name for r in baseline.ranking]
    _name, country, lat, lon, _p, _a = MUNICH
    moved = _run(
        world, tmp_path, f"address,lat,lon,city,country\nPT,{lat},{lon},Munich,{country}\n"
    )
    names = [r.name for r in moved.ranking]
    assert "Lisbon" not in names
    lisbon = next(r for r in baseline.ranking if r.name == "Lisbon")
    munich_before = next(r for r in baseline.ranking if r.name == "Munich")
    munich_after = next(r for r in moved.ranking if r.name == "Munich")
    assert munich_after.patents == pytest.approx(munich_before.patents + lisbon.patents, abs=1e-9)
    acc = moved.accounts["geocode_overrides"]
    rows = _portuguese_rows(baseline)
    assert acc["applied"] == 1 and acc["unused"] == 0
    assert acc["items"] == [{"line": 2, "address": "PT", "action": "move", "rows": rows}]
    assert acc["rows_moved"] == rows and acc["rows_ignored"] == 0
    # the rows are now in Munich in memberships, and addresses.csv says why
    table = pq.read_table(moved.out / "memberships.parquet").to_pylist()
    assert {r["location"] for r in table if r["country"] == "DE" and r["lat"] == lat} == {"Munich"}
    addresses = pq.read_table(moved.out / "addresses.parquet").to_pylist()
    [pt] = [a for a in addresses if a["address"] == "PT"]
    assert pt["rule"] == "override" and (pt["lat"], pt["lon"]) == (lat, lon)


def test_ignore_takes_the_rows_out_and_the_accounts_say_so(
    world: Path, baseline: RunResult, tmp_path: Path
) -> None:
    ignored = _run(world, tmp_path, "address,lat,lon\n  pt ,IGNORE,\n")
    assert "Lisbon" not in [r.name for r in ignored.ranking]
    rows = _portuguese_rows(baseline)
    acc = ignored.accounts["geocode_overrides"]
    assert acc["rows_ignored"] == rows and acc["rows_moved"] == 0
    before, after = baseline.accounts["people"]["patent"], ignored.accounts["people"]["patent"]
    assert after["not_located"] == before["not_located"] + rows
    assert after["located"] == before["located"] - rows
    assert after["rows"] == before["rows"]
    assert abs(after["shares_balance"]) < 1e-6
    table = pq.read_table(ignored.out / "memberships.parquet").to_pylist()
    assert {r["outcome"] for r in table if r["country"] == "PT"} == {"not_located"}
    shares = math.fsum(r["share"] for r in table if r["outcome"] == "not_located")
    total = after["shares"].get("unlocated", 0) + ignored.accounts["people"]["article"][
        "shares"
    ].get("unlocated", 0)
    assert shares == pytest.approx(total, abs=1e-3)


def test_an_override_of_no_address_is_counted_unused(
    world: Path, baseline: RunResult, tmp_path: Path
) -> None:
    result = _run(world, tmp_path, "address,lat,lon\nNowhere at all,1,2\n")
    acc = result.accounts["geocode_overrides"]
    assert (acc["overrides"], acc["applied"], acc["unused"], acc["items"]) == (1, 0, 1, [])
    assert [r.name for r in result.ranking] == [r.name for r in baseline.ranking]
    assert baseline.accounts["geocode_overrides"] is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("place,lat,lon\nPT,1,2\n", "line 1"),
        ("address,lat,lon\nPT,north,2\n", "line 2: lat 'north'"),
        ("address,lat,lon\nPT,91,2\n", "line 2: lat '91'"),
        ("address,lat,lon\nPT,1,\n", "line 2: lon ''"),
        ("address,lat,lon\n,1,2\n", "line 2: the address is empty"),
        ("address,lat,lon,country\nPT,1,2,Atlantis\n", "line 2: 'Atlantis'"),
        ("address,lat,lon\nPT,1,2\n\npt,3,4\n", "line 4: the address 'pt' is already on line 2"),
        ("address,lat,lon,precision\nPT,1,2,galaxy\n", "line 2: precision 'galaxy'"),
    ],
)
def test_bad_overrides_are_clear_errors_naming_file_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _csv(tmp_path / "fix.csv", text)
    with pytest.raises(InputError, match=r"fix\.csv") as err:
        read_geocode_overrides(path)
    assert message in str(err.value)


def test_a_bad_overrides_file_stops_the_run_before_any_work(world: Path, tmp_path: Path) -> None:
    config = dataclasses.replace(SMALL_CONFIG, geocode_overrides=str(tmp_path / "missing.csv"))
    with pytest.raises(InputError, match=r"'geocode_overrides' setting names .*missing\.csv"):
        run([world], out=tmp_path / "out", config=config)
    assert not (tmp_path / "out").exists()


def test_semicolons_and_a_bom_are_read(tmp_path: Path) -> None:
    path = tmp_path / "fix.csv"
    path.write_text("\ufeffaddress;lat;lon;city\nLyon, FR;45,76;4,84;Lyon\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2: lat '45,76'"):
        read_geocode_overrides(path)
    path.write_text("\ufeffaddress;lat;lon;city\nLyon, FR;45.76;4.84;Lyon\n", encoding="utf-8")
    [row] = read_geocode_overrides(path).to_pylist()
    assert (row["address"], row["lat"], row["city"], row["precision"]) == (
        "Lyon, FR",
        45.76,
        "Lyon",
        "city",
    )


def test_correction_files_count_by_content_in_the_fingerprint(tmp_path: Path) -> None:
    inputs = {"in_memory": {"content_checksum": "x"}}
    first = _csv(tmp_path / "a.csv", "address,lat,lon\nPT,1,2\n")
    same = _csv(tmp_path / "b.csv", "address,lat,lon\nPT,1,2\n")
    other = _csv(tmp_path / "c.csv", "address,lat,lon\nPT,1,3\n")
    prints = [_fingerprint(Config(geocode_overrides=str(p)), inputs) for p in (first, same, other)]
    assert prints[0] == prints[1] != prints[2]
    aliases = [
        _csv(tmp_path / f"{n}.csv", f"variant,organisation\nUniv X,{n}\n") for n in ("X", "Y")
    ]
    assert len({_fingerprint(Config(organisation_aliases=str(p)), inputs) for p in aliases}) == 2


def test_organisation_aliases_join_variants_in_the_profiles(world: Path, tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "aliases.csv",
        "variant,organisation\nUniv Munich,University of Munich\n"
        "Munich University,University of Munich\n",
    )
    config = dataclasses.replace(SMALL_CONFIG, organisation_aliases=str(path))
    base = run([world], out=tmp_path / "base", config=SMALL_CONFIG, write_site=False)
    joined = run([world], out=tmp_path / "joined", config=config, write_site=False)

    def orgs(result: RunResult) -> dict[str, float]:
        munich = next(p for p in result.profiles if p["name"] == "Munich")
        return {o["name"]: o["count"] for o in munich["top_organisations"]}

    before, after = orgs(base), orgs(joined)
    assert "University of Munich" not in before
    variants = [n for n in before if n in ("Univ Munich", "Munich University")]
    assert len(variants) == 2
    assert after["University of Munich"] == pytest.approx(
        sum(before[n] for n in variants), abs=0.011
    )
    assert not set(variants) & set(after)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,organisation\nA,B\n", "line 1"),
        ("variant,organisation\nA,\n", "line 2: both"),
        ("variant,organisation\nA,B\nA,C\n", "line 3: the variant 'A'"),
    ],
)
def test_bad_aliases_are_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=r"al\.csv") as err:
        read_organisation_aliases(_csv(tmp_path / "al.csv", text))
    assert message in str(err.value)
