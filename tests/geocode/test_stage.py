"""The geocoding stage over Records, the result cache and the geocode command."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from stclusters.cli import app
from stclusters.csvfile import BOM
from stclusters.geocode import Geocoder, GeocodeResult, stage
from stclusters.geocode.cache import ResultCache
from stclusters.geocode.stage import geocode_records, geocode_strings, style_of
from stclusters.inputs import Workspace, geocode_inputs, open_inputs
from stclusters.records import Records, validate, write_records

HARVARD = "Harvard Univ, Dept Phys, Cambridge, MA 02138 USA"


def _records() -> Records:
    return Records.from_tables(
        documents=[
            {"doc_id": "a1", "layer": "article", "source": "wos"},
            {"doc_id": "a2", "layer": "article", "source": "scopus"},
            {"doc_id": "p1", "layer": "patent", "source": "uspto"},
        ],
        people=[
            {"doc_id": "a1", "person_seq": 0, "role": "author", "address": HARVARD},
            # the same address in another case and spacing: one geocoding
            {"doc_id": "a1", "person_seq": 1, "role": "author", "address": HARVARD.upper() + " "},
            {"doc_id": "a1", "person_seq": 2, "role": "author", "address": "Nowhere Lab, Zzyzx"},
            {"doc_id": "a1", "person_seq": 3, "role": "author", "address": None},
            {
                "doc_id": "a2",
                "person_seq": 0,
                "role": "author",
                "address": "Ericsson, Guildford, United Kingdom",
                "city": "Given City",
            },
            {
                "doc_id": "a2",
                "person_seq": 1,
                "role": "author",
                "address": "Somewhere, Paris, France",
                "lat": 10.0,
                "lon": 20.0,
                "precision": "city",
            },
            {"doc_id": "p1", "person_seq": 0, "role": "inventor", "city": "Bath", "region": "PA"},
            {
                "doc_id": "p1",
                "person_seq": 1,
                "role": "inventor",
                "city": "80333 München",
                "country": "DE",
            },
        ],
    )


def test_geocode_records(geocoder: Geocoder, tmp_path: Path) -> None:
    recs = _records()
    out, report = geocode_records(recs, cache_dir=tmp_path, geocoder=geocoder)
    validate(out)
    people = out.people.to_pylist()
    assert len(people) == recs.people.num_rows
    assert [p["precision"] for p in people] == [
        "city",
        "city",
        None,
        None,
        "city",
        "city",
        "city",
        "city",
    ]
    assert people[0]["lat"] == people[1]["lat"] and people[0]["country"] == "US"
    # given values stay, empty ones are filled
    assert people[4]["city"] == "Given City" and people[4]["country"] == "GB"
    assert (people[5]["lat"], people[5]["lon"], people[5]["city"]) == (10.0, 20.0, None)
    assert (people[6]["city"], people[6]["region"], people[6]["country"]) == ("Bath", "PA", "US")
    assert people[7]["city"] == "80333 München" and people[7]["country"] == "DE"
    # the accounts add up
    d = report.to_dict()
    assert d["rows"] == 8 and d["already_located"] == 1
    assert d["rows"] == d["already_located"] + sum(d["geocoded"].values()) + d["not_located_total"]
    assert d["geocoded"] == {"city": 5, "region": 0, "country": 0}
    assert d["unique_inputs"] == 6  # HARVARD twice, once per normalised form
    assert sum(v["rows"] for v in d["by_source"].values()) == 8
    assert d["by_layer"]["patent"]["city"] == 2
    assert d["by_source"]["wos"]["not located"] == 2
    assert {f["address"] for f in d["top_failed"]} == {"Nowhere Lab, Zzyzx", ""}
    assert "empty address" in d["not_located"]
    # a second run reads every address from the cache
    _, again = geocode_records(recs, cache_dir=tmp_path, geocoder=geocoder)
    assert again.cache_hits == again.unique_inputs == 6 and again.geocoded_now == 0


def test_geocode_records_without_people(geocoder: Geocoder, tmp_path: Path) -> None:
    out, report = geocode_records(Records(), cache_dir=tmp_path, geocoder=geocoder)
    assert out.people.num_rows == 0 and report.rows == 0


def test_style_of() -> None:
    assert style_of("wos") == "wos"
    assert style_of("Scopus CSV") == "scopus"
    assert style_of("patentsview") == "uspto"
    assert style_of("epo") == "epo"
    assert style_of("synthetic", "patent") == "inventor"
    assert style_of(None, "article") is None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([HARVARD, "Univ Oxford, Oxford, England", "x", ""]), max_size=12))
def test_unique_geocoding_equals_row_by_row(geocoder: Geocoder, addresses: list[str]) -> None:
    results, _n, hits = geocode_strings(
        [("wos", a, None, None, None) for a in addresses], geocoder=geocoder
    )
    assert hits == 0
    assert results == [geocoder.geocode(a, style="wos") for a in addresses]


def test_result_cache_round_trip(tmp_path: Path) -> None:
    res = GeocodeResult(1.5, 2.5, "city", "A", None, "FR", "city-name", None)
    with ResultCache(tmp_path, "v1") as cache:
        cache.put([("k1", res), ("k2", GeocodeResult(reason="empty address"))])
        assert len(cache) == 2
        got = cache.get(["k1", "k2", "k3"])
    assert got == {"k1": res, "k2": GeocodeResult(reason="empty address")}
    with ResultCache(tmp_path, "v2") as cache:  # another version forgets the old results
        assert cache.get(["k1"]) == {} and len(cache) == 0


def test_a_broken_result_cache_is_only_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A corrupt cache file is reported and rebuilt, never an error."""
    (tmp_path / "geocode-results.sqlite").write_bytes(b"not a database" * 100)
    with ResultCache(tmp_path, "v1") as cache:
        assert "corrupt" in caplog.text and "rebuilding" in caplog.text
        cache.put([("k", GeocodeResult(reason="x"))])
        assert cache.get(["k"]) == {"k": GeocodeResult(reason="x")}
    # the rebuilt file is a working cache
    con = sqlite3.connect(tmp_path / "geocode-results.sqlite")
    assert con.execute("SELECT count(*) FROM results").fetchone() == (1,)
    con.close()


def test_geocode_command(cache_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    with src.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "address", "city"])
        w.writerow(["1", HARVARD, "old"])
        w.writerow(["2", "Univ Oxford, Oxford OX1 3PU, England", ""])
        w.writerow(["3", "???", ""])
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        app, ["geocode", str(src), "--out", str(out), "--set", f"cache_dir={cache_dir}"]
    )
    assert result.exit_code == 0, result.output
    assert "city" in result.output
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert list(rows[0])[:3] == ["id", "address", "city"]
    assert [r["city"] for r in rows] == ["old", "", ""]  # the user's column as given
    assert rows[0]["geo_city"] == "Cambridge" and rows[1]["geo_country"] == "GB"
    assert rows[2]["geo_precision"] == "" and rows[2]["geo_reason"]


def test_geocode_command_keeps_the_users_columns(
    cases: Path, cache_dir: Path, tmp_path: Path
) -> None:
    """Issue 10 item 11: the user's ``city`` value MYCITY survives; results are prefixed."""
    out = tmp_path / "out.csv"
    src = cases / "geocode_input_with_city_column.csv"
    result = CliRunner().invoke(
        app, ["geocode", str(src), "--out", str(out), "--set", f"cache_dir={cache_dir}"]
    )
    assert result.exit_code == 0, result.output
    with src.open(encoding="utf-8", newline="") as fh:
        given = list(csv.DictReader(fh))
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [{k: r[k] for k in given[0]} for r in rows] == given
    assert rows[0]["city"] == "MYCITY"
    assert rows[0]["geo_city"] == "Franklin" and rows[0]["geo_region"] == "Ohio"


def test_geocode_command_takes_a_country_column_as_hint(cache_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("address,country\nUniv Cambridge,GB\nHarvard Univ Cambridge,US\n")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        app, ["geocode", str(src), "--out", str(out), "--set", f"cache_dir={cache_dir}"]
    )
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["geo_country"] for r in rows] == ["GB", "US"]
    assert out.read_bytes().startswith(BOM)  # Excel opens it as UTF-8 (stclusters.csvfile)
    assert [r["country"] for r in rows] == ["GB", "US"]
    assert [r["geo_city"] for r in rows] == ["Cambridge", "Cambridge"]


def test_geocode_command_refuses_a_result_column_name(cache_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("address,geo_city\nParis France,x\n")
    result = CliRunner().invoke(
        app,
        ["geocode", str(src), "--out", str(tmp_path / "o.csv"), "--set", f"cache_dir={cache_dir}"],
    )
    assert result.exit_code == 2
    assert "geo_city" in result.output and "rename" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), ("a,b\n1,2\n", "no column 'address'"), ("", "empty file")],
)
def test_geocode_command_bad_input(
    cache_dir: Path, tmp_path: Path, content: str | None, message: str
) -> None:
    src = tmp_path / "in.csv"
    if content is not None:
        src.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["geocode", str(src), "--out", str(tmp_path / "o.csv"), "--set", f"cache_dir={cache_dir}"],
    )
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_arrow_columns_keep_their_types(geocoder: Geocoder, tmp_path: Path) -> None:
    out, _ = geocode_records(_records(), cache_dir=tmp_path, geocoder=geocoder)
    assert out.people.schema.field("lat").type == pa.float64()
    assert out.people.schema == _records().people.schema


# --------------------------------------------------------------------------------------------
# the stage on distinct inputs (issue 12 item 2)

_ADDRESSES = [HARVARD, HARVARD.lower(), "Univ Oxford, Oxford, England", "x", "", " ", None]
_CITIES = ["Bath", "80333 München", "Given City", "", "\t", None, "Paris\x1fFrance"]
_REGIONS = ["PA", "", None]
_COUNTRIES = ["DE", "US", "France", "", None]
_SOURCES = [("wos", "article"), ("scopus", "article"), ("uspto", "patent"), (None, "patent")]

_row = st.fixed_dictionaries(
    {
        "doc": st.integers(0, len(_SOURCES) - 1),
        "address": st.sampled_from(_ADDRESSES),
        "city": st.sampled_from(_CITIES),
        "region": st.sampled_from(_REGIONS),
        "country": st.sampled_from(_COUNTRIES),
        "given": st.sampled_from(["both", "lat", "none"]),
    }
)


def _world(rows: list[dict[str, object]]) -> Records:
    people = []
    for k, r in enumerate(rows):
        given = r["given"]
        people.append(
            {
                "doc_id": f"d{r['doc']}",
                "person_seq": k,
                "role": "author",
                **{f: r[f] for f in ("address", "city", "region", "country")},
                "lat": 1.0 if given in ("both", "lat") else None,
                "lon": 2.0 if given == "both" else None,
                "precision": "city" if given == "both" else None,
            }
        )
    docs = [
        {"doc_id": f"d{i}", "layer": layer, "source": source}
        for i, (source, layer) in enumerate(_SOURCES)
    ]
    return Records.from_tables(documents=docs, people=people)


def _empty(value: object) -> bool:
    return value is None or not pa.array([value], pa.string()).to_pylist()[0].strip()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_row, max_size=25), st.randoms(use_true_random=False))
def test_the_stage_equals_geocoding_row_by_row(
    geocoder: Geocoder, tmp_path_factory: pytest.TempPathFactory, rows: list, rnd: object
) -> None:
    """Every row gets the result of its own inputs, whatever its neighbours and the row order."""
    recs = _world(rows)
    folder = tmp_path_factory.mktemp("cache")
    out, report = geocode_records(recs, cache_dir=folder, geocoder=geocoder, use_cache=False)
    assert out.people.schema == recs.people.schema
    sources = dict(enumerate(_SOURCES))
    counts: dict[str, int] = {}
    for r, got in zip(rows, out.people.to_pylist(), strict=True):
        if r["given"] == "both":
            assert (got["lat"], got["lon"], got["precision"]) == (1.0, 2.0, "city")
            assert {f: got[f] for f in ("city", "region", "country")} == {
                f: r[f] for f in ("city", "region", "country")
            }
            counts["already located"] = counts.get("already located", 0) + 1
            continue
        source, layer = sources[r["doc"]]
        want = geocoder.geocode(
            r["address"],
            style=style_of(source, layer),
            city=r["city"],
            region=r["region"],
            country=r["country"],
        )
        assert (got["lat"], got["lon"], got["precision"]) == (want.lat, want.lon, want.precision)
        for f in ("city", "region", "country"):
            filled = getattr(want, f) if _empty(r[f]) and getattr(want, f) is not None else r[f]
            assert got[f] == filled, f
        key = want.precision or "not located"
        counts[key] = counts.get(key, 0) + 1
    d = report.to_dict()
    assert d["rows"] == len(rows) and d["already_located"] == counts.get("already located", 0)
    assert d["geocoded"] == {p: counts.get(p, 0) for p in ("city", "region", "country")}
    assert d["not_located_total"] == counts.get("not located", 0)
    assert sum(v["rows"] for v in d["by_layer"].values()) == len(rows)
    # the accounts do not depend on the order of the rows
    order = list(range(len(rows)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    shuffled = Records(
        documents=recs.documents,
        people=recs.people.take(pa.array(order, pa.int64())),
        classes=recs.classes,
        applicants=recs.applicants,
    )
    _, again = geocode_records(shuffled, cache_dir=folder, geocoder=geocoder, use_cache=False)
    assert {**again.to_dict(), "seconds": 0} == {**d, "seconds": 0}


def test_the_pool_gives_the_results_of_one_process(
    geocoder: Geocoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forked workers over small chunks: the same results, in the order of the inputs."""
    monkeypatch.setattr(stage, "POOL_MIN_INPUTS", 1)
    monkeypatch.setattr(stage, "POOL_CHUNK", 3)
    inputs: list[tuple[str | None, str | None, str | None, str | None, str | None]] = [
        ("wos", f"{dept}, {HARVARD}", None, None, None)
        for dept in ("Dept Phys", "Sch Med", "Dept Chem", "x", "")
    ]
    inputs += [("inventor", None, c, r, k) for c in _CITIES for r in ("PA", None) for k in ("DE",)]
    calls: list[tuple[int, int]] = []
    pooled, n, _ = geocode_strings(
        inputs, geocoder=geocoder, workers=2, progress=lambda d, t: calls.append((d, t))
    )
    serial, _, _ = geocode_strings(inputs, geocoder=geocoder, workers=1)
    assert pooled == serial
    assert pooled[0] == geocoder.geocode(inputs[0][1], style="wos")
    assert calls[-1] == (n, n) and len(calls) == -(-n // 3)  # one call per chunk


def test_geocode_inputs_keeps_the_rows_in_duckdb(
    geocoder: Geocoder, cache_dir: Path, tmp_path: Path
) -> None:
    """geocode_inputs on a records folder gives the rows and accounts of geocode_records."""
    recs = _records()
    folder = write_records(recs, tmp_path / "recs")
    want, report = geocode_records(recs, cache_dir=cache_dir, geocoder=geocoder)
    with Workspace() as ws:
        tables = open_inputs([folder], workspace=ws)
        tables, accounts = geocode_inputs(tables, cache_dir=cache_dir)
        assert tables.counts["people"] == recs.people.num_rows
        got = ws.con.sql("SELECT * FROM people").to_arrow_table()
        # the rows not located are tried again by a second call: nothing changes
        tables, again = geocode_inputs(tables, cache_dir=cache_dir)
        assert ws.con.sql("SELECT * FROM people").to_arrow_table().sort_by(
            [("doc_id", "ascending"), ("person_seq", "ascending")]
        ) == got.sort_by([("doc_id", "ascending"), ("person_seq", "ascending")])
    assert got.column_names == recs.people.column_names
    key = [("doc_id", "ascending"), ("person_seq", "ascending")]
    assert got.cast(recs.people.schema).sort_by(key) == want.people.sort_by(key)
    expected = report.to_dict()
    for name in ("cache_hits", "geocoded_now", "seconds"):
        expected.pop(name)
    assert accounts == expected
    assert again["rows"] == accounts["rows"]
