"""Per-record outputs (issue 14 item 1): memberships.parquet and addresses.csv / .parquet.

The invariants are those a user relies on: the memberships' shares of a cluster and layer sum to
its count in the ranking; every people row of a kept document is in memberships once, with the
outcome the accounts count it under; addresses cover every people row, sorted so that the
unlocated and coarse ones with the most rows come first.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from stclusters.inputs import ADDRESS_COLUMNS
from stclusters.pipeline import RunResult, compute, run
from stclusters.records import write_records as write_record_folder
from stclusters.report.records import MEMBERSHIP_COLUMNS, _membership_order
from worlds import SMALL_CONFIG, small_world


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    folder = write_record_folder(small_world(), tmp_path_factory.mktemp("w") / "world")
    return run([folder], out=tmp_path_factory.mktemp("o") / "out", config=SMALL_CONFIG)


def _sums(result: RunResult) -> dict[tuple[int, str], float]:
    table = pq.read_table(result.out / "memberships.parquet")
    sums: dict[tuple[int, str], list[float]] = defaultdict(list)
    for cid, layer, share in zip(
        table.column("cluster_id").to_pylist(),
        table.column("layer").to_pylist(),
        table.column("share").to_pylist(),
        strict=True,
    ):
        if cid is not None:
            sums[(cid, layer)].append(share)
    return {k: math.fsum(v) for k, v in sums.items()}


def test_memberships_shares_sum_to_the_ranking_counts(result: RunResult) -> None:
    sums = _sums(result)
    assert result.results.all_clusters, "the small world has clusters"
    for row in result.results.all_clusters:
        assert sums.get((row.cluster_id, "patent"), 0.0) == pytest.approx(row.patents, abs=1e-9)
        assert sums.get((row.cluster_id, "article"), 0.0) == pytest.approx(row.articles, abs=1e-9)
    assert {c for c, _ in sums} == {r.cluster_id for r in result.results.all_clusters}
    # ranking.csv rounds the counts to 2 decimals: the sums agree within that rounding
    with (result.out / "ranking.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(result.ranking)
    for row in rows:
        cid = int(row["cluster_id"])
        assert abs(sums.get((cid, "patent"), 0.0) - float(row["patents"])) <= 0.005 + 1e-9
        assert abs(sums.get((cid, "article"), 0.0) - float(row["articles"])) <= 0.005 + 1e-9


def test_memberships_hold_every_row_under_the_accounts_outcome(result: RunResult) -> None:
    table = pq.read_table(result.out / "memberships.parquet")
    assert tuple(table.column_names) == MEMBERSHIP_COLUMNS
    people = result.accounts["people"]
    for layer in ("patent", "article"):
        mine = table.filter(table.column("layer").to_numpy(zero_copy_only=False) == layer)
        outcomes = mine.column("outcome").to_pylist()
        acc = people[layer]
        assert mine.num_rows == acc["rows"]
        assert outcomes.count("clustered") + outcomes.count("noise") == acc["located"]
        assert outcomes.count("too_coarse") == acc["located_too_coarsely"]
        assert outcomes.count("not_located") == acc["not_located"]
        by_outcome: dict[str, list[float]] = defaultdict(list)
        for outcome, share in zip(outcomes, mine.column("share").to_pylist(), strict=True):
            by_outcome[outcome].append(share)
        for outcome, total in acc["shares"].items():
            name = "not_located" if outcome == "unlocated" else outcome
            assert math.fsum(by_outcome[name]) == pytest.approx(total, abs=1e-4)
    published = {r.cluster_id for r in result.ranking}
    for cid, flag in zip(
        table.column("cluster_id").to_pylist(), table.column("published").to_pylist(), strict=True
    ):
        assert flag == (cid in published)
    keys = list(
        zip(*(table.column(c).to_pylist() for c in ("layer", "doc_id", "person_seq")), strict=True)
    )
    assert keys == sorted(keys, key=lambda k: (k[0], k[1], -1 if k[2] is None else k[2]))


def test_memberships_label_rows_with_their_cluster_name(result: RunResult) -> None:
    table = pq.read_table(result.out / "memberships.parquet")
    names = {r.cluster_id: r.name for r in result.results.all_clusters}
    for cid, label in zip(
        table.column("cluster_id").to_pylist(), table.column("location").to_pylist(), strict=True
    ):
        if cid is not None:
            assert label == names[cid]


def test_addresses_cover_every_people_row_in_the_promised_order(result: RunResult) -> None:
    table = pq.read_table(result.out / "addresses.parquet")
    assert tuple(table.column_names) == ADDRESS_COLUMNS
    rows = table.to_pylist()
    assert sum(r["rows"] for r in rows) == len(small_world().people)
    rank = {"not_located": 0, "too_coarse": 1, "located": 2}
    keys = [(rank[r["outcome"]], -r["rows"], r["address"] or "") for r in rows]
    assert keys == sorted(keys)
    assert rows[0]["outcome"] != "located", "the coarse rows of the small world come first"
    # the rows the geocoder placed say which rule placed them
    geocoded = [r for r in rows if r["rule"] != "given"]
    assert geocoded and all(r["rule"] for r in geocoded if r["outcome"] != "not_located")


def test_addresses_csv_has_a_bom_and_the_parquet_content(result: RunResult) -> None:
    raw = (result.out / "addresses.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    table = pq.read_table(result.out / "addresses.parquet").to_pylist()
    assert len(rows) == len(table)
    for got, want in zip(rows, table, strict=True):
        assert list(got) == list(ADDRESS_COLUMNS)
        assert got["address"] == (want["address"] or "")
        assert int(got["rows"]) == want["rows"]
        assert (float(got["lat"]) if got["lat"] else None) == want["lat"]


def test_record_files_point_into_the_output_folder(result: RunResult) -> None:
    files = result.results.record_files
    assert set(files) == {"memberships", "addresses"}
    for path in files.values():
        assert Path(path).parent == result.out
        assert Path(path).is_file()


def test_compute_alone_writes_no_record_table(tmp_path: Path) -> None:
    results = compute(small_world(), config=SMALL_CONFIG)
    assert results.record_files == {}
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    results = compute(small_world(), config=SMALL_CONFIG, record_dir=scratch)
    assert sorted(p.name for p in scratch.iterdir()) == [
        "addresses.parquet",
        "memberships.parquet",
        "points.parquet",
    ]


def _membership_rows(ties: bool) -> duckdb.DuckDBPyConnection:
    """A ``rows`` table with linked rows, rows without a person and, if ``ties``, two rows
    without a person that share their document and address_seq."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE rows (doc_key BIGINT, person_seq INTEGER, address_seq INTEGER, "
        "lat DOUBLE, lon DOUBLE, country VARCHAR, precision VARCHAR, share DOUBLE, "
        "loc_label VARCHAR, current BOOLEAN)"
    )
    rows = [
        (2, 1, 0, 1.0, 2.0, "FR", "city", 0.5, "Paris", True),
        (2, 0, None, None, None, None, None, 0.5, None, True),
        (1, None, 3, 5.0, 1.0, "DE", "city", 0.25, "Bonn", True),
        (1, None, 2, 4.0, 1.0, "DE", "city", 0.25, "Bonn", True),
        (1, None, None, None, None, "DE", None, 0.25, "Germany", True),
        (1, None, 1, 4.0, 1.0, "DE", "city", 0.25, "Bonn", True),
        (3, 0, 0, 1.0, 1.0, "US", "street", 1.0, None, False),
    ]
    if ties:
        rows += [
            (1, None, 2, 3.0, 1.0, "DE", "city", 0.25, "Bonn", True),
            (1, None, 2, 3.0, 1.0, "DE", "postcode", 0.25, "Bonn", True),
        ]
    con.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return con


@pytest.mark.parametrize("ties", [False, True])
def test_membership_order_is_the_full_order_of_the_rows(ties: bool) -> None:
    """The order memberships.parquet is sorted on equals the order on every key (document,
    person, address nulls first, then lat, lon, country, precision, share, location), whether
    rows without a person tie on their document and address (all keys needed) or not."""
    con = _membership_rows(ties)
    order = _membership_order(con)
    assert ("r.lat" in order) == ties
    got = con.execute(
        f"SELECT r.*, r.loc_label AS location FROM rows r WHERE r.current ORDER BY {order}"
    ).fetchall()
    full = con.execute(
        "SELECT r.*, r.loc_label AS location FROM rows r WHERE r.current "
        "ORDER BY r.doc_key, r.person_seq NULLS FIRST, r.address_seq NULLS FIRST, "
        "r.lat NULLS FIRST, r.lon NULLS FIRST, r.country NULLS FIRST, "
        "r.precision NULLS FIRST, r.share, location NULLS FIRST"
    ).fetchall()
    assert got == full
    assert [r[:3] for r in got][:3] == [(1, None, None), (1, None, 1), (1, None, 2)]


def test_memberships_are_sorted_by_layer_document_person_address(result: RunResult) -> None:
    table = pq.read_table(result.out / "memberships.parquet")

    def key(r: dict[str, Any]) -> tuple[Any, ...]:
        nulls_first = [
            (v is not None, v if v is not None else 0) for v in (r["person_seq"], r["address_seq"])
        ]
        return (r["layer"], r["doc_id"].encode(), *nulls_first)

    rows = table.select(["layer", "doc_id", "person_seq", "address_seq"]).to_pylist()
    assert len(rows) > 10
    assert [key(r) for r in rows] == sorted(key(r) for r in rows)


def test_every_membership_row_carries_the_cluster_of_its_point(tmp_path: Path) -> None:
    """The labels of a row are those of its own point: memberships (one row per people row,
    labelled in SQL) against points.parquet (the cluster stage's distinct points and their
    clusters, straight from the clustering): a row located at a clustering precision is in
    its point's cluster, noise where its point is noise."""
    folder = write_record_folder(small_world(), tmp_path / "world")
    scratch = tmp_path / "records"
    scratch.mkdir()
    results = compute([folder], config=SMALL_CONFIG, record_dir=scratch)
    con = duckdb.connect()
    memberships, points = results.record_files["memberships"], results.record_files["points"]
    pairs = con.execute(
        f"""
        SELECT m.cluster_id, m.outcome, p.cluster_id
        FROM '{memberships}' m JOIN '{points}' p USING (layer, lat, lon)
        WHERE m.outcome IN ('clustered', 'noise')
        """
    ).fetchall()
    assert len(pairs) > 100 and any(o == "clustered" for _, o, _ in pairs)
    for row_cluster, outcome, point_cluster in pairs:
        assert row_cluster == point_cluster
        assert (outcome == "noise") == (point_cluster is None)
    n_fine = con.execute(
        f"SELECT count(*) FROM '{memberships}' WHERE outcome IN ('clustered', 'noise')"
    ).fetchall()[0][0]
    assert n_fine == len(pairs), "every such row's point is among the clustered points"
