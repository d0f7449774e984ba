"""stclusters.xlsx, the byte-order mark of every CSV, the GII shares and economies.csv (issue 14
items 3 and 4): the workbook is read back with openpyxl and checked against the run's other files.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from stclusters.csvfile import BOM, read_csv_header, read_csv_rows, write_csv_rows, write_csv_table
from stclusters.measure.ranking import ECONOMY_COLUMNS, economy_table
from stclusters.pipeline import run
from stclusters.records import write_records
from stclusters.report.excel import (
    LINK_COLUMNS,
    PROFILE_COLUMNS,
    SHEETS,
    WORKBOOK_FILE,
    flat_accounts,
    profile_items,
    write_workbook,
)
from stclusters.report.network import SITE_PARTNERS, partners_of
from stclusters.results import RANKING_COLUMNS, ClusterRow, Link, Results
from worlds import SMALL_CONFIG, small_world

openpyxl = pytest.importorskip("openpyxl", reason="openpyxl (the dev extra) reads the workbook")


@pytest.fixture(scope="module")
def outs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Results]:
    """The small world run twice into two folders (same settings)."""
    base = tmp_path_factory.mktemp("excel")
    folder = write_records(small_world(), base / "world")
    first = run([folder], out=base / "a", config=SMALL_CONFIG, write_site=False)
    run([folder], out=base / "b", config=SMALL_CONFIG, write_site=False)
    return base / "a", base / "b", first.results


def _sheet(path: Path, name: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(path, read_only=False)
    rows = list(book[name].iter_rows(values_only=True))
    return [str(c) for c in rows[0]], rows[1:]


def _as_csv(value: Any) -> str:
    """A cell as ranking.csv writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) >= 1e15 else repr(value)
    return str(value)


def _same(cell: Any, text: str) -> bool:
    if cell is None:
        return text == ""
    if isinstance(cell, bool):
        return text == ("true" if cell else "false")
    if isinstance(cell, int | float):
        return float(text) == pytest.approx(float(cell), rel=0, abs=0)
    return str(cell) == text


def test_the_workbook_has_its_sheets_frozen_and_formatted(outs: tuple[Path, Path, Results]) -> None:
    book = openpyxl.load_workbook(outs[0] / WORKBOOK_FILE)
    assert book.sheetnames == list(SHEETS)
    for sheet in book:
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(c.font.bold for c in sheet[1]), sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
    size = book["Ranking by size"]
    header = [c.value for c in size[1]]
    col = {name: i for i, name in enumerate(header)}
    second = next(iter(size.iter_rows(min_row=2, max_row=2)))
    assert second[col["patent_share"]].number_format == "0.000%"
    assert second[col["patents"]].number_format == "#,##0.00"
    letter = openpyxl.utils.get_column_letter(col["name"] + 1)
    assert size.column_dimensions[letter].width >= len("Munich")
    assert book.properties.created.year == outs[2].edition


def test_the_ranking_sheets_hold_ranking_csv(outs: tuple[Path, Path, Results]) -> None:
    out = outs[0]
    csv_rows = read_csv_rows(out / "ranking.csv")
    header, rows = _sheet(out / WORKBOOK_FILE, "Ranking by size")
    assert tuple(header) == RANKING_COLUMNS == tuple(read_csv_header(out / "ranking.csv"))
    assert len(rows) == len(csv_rows) == 5
    for cells, given in zip(rows, csv_rows, strict=True):
        for name, cell in zip(header, cells, strict=True):
            assert _same(cell, given[name]), (name, cell, given[name])
    header, by_intensity = _sheet(out / WORKBOOK_FILE, "Ranking by intensity")
    ranks = [dict(zip(header, r, strict=True))["intensity_rank"] for r in by_intensity]
    with_rank = [r for r in ranks if r is not None]
    assert with_rank == sorted(with_rank) and ranks[: len(with_rank)] == with_rank  # None last
    assert sorted(r[0] for r in by_intensity) == [int(r["rank"]) for r in csv_rows]


def test_the_economies_sheet_and_economies_csv(outs: tuple[Path, Path, Results]) -> None:
    out, _, results = outs
    given = read_csv_rows(out / "economies.csv")
    header, rows = _sheet(out / WORKBOOK_FILE, "Economies")
    assert tuple(header) == ECONOMY_COLUMNS == tuple(read_csv_header(out / "economies.csv"))
    assert len(rows) == len(given)
    for cells, row in zip(rows, given, strict=True):
        assert all(_same(c, row[k]) for k, c in zip(header, cells, strict=True))
    ranking = read_csv_rows(out / "ranking.csv")
    # the small world: Munich (DE), Lyon and Paris (FR), Basel (CH), Lisbon (PT)
    assert [(r["economy"], r["economy_name"], r["clusters"]) for r in given] == [
        ("FR", "France", "2"),
        ("DE", "Germany", "1"),
        ("CH", "Switzerland", "1"),
        ("PT", "Portugal", "1"),
    ]
    assert Counter(r["primary_economy"] for r in ranking) == {
        r["economy"]: int(r["clusters"]) for r in given
    }
    assert sum(int(r["clusters_found"]) for r in given) == len(results.all_clusters)
    fr = [r for r in ranking if r["primary_economy"] == "FR"]
    assert float(given[0]["patents"]) == pytest.approx(
        sum(float(r["patents"]) for r in fr), abs=0.02
    )
    assert float(given[0]["patent_share"]) == pytest.approx(
        sum(float(r["patent_share"]) for r in fr), abs=1e-7
    )


def test_economy_table_by_hand() -> None:
    def row(cid: int, econ: tuple[str, ...], p: float, a: float) -> ClusterRow:
        return ClusterRow(
            cluster_id=cid,
            patents=p,
            articles=a,
            patent_share=p / 100,
            article_share=a / 1000,
            economies=econ,
            primary_economy=econ[0] if econ else None,
        )

    top = [row(1, ("CH", "FR", "DE"), 10, 100), row(2, ("US",), 20, 50), row(3, ("FR",), 1, 10)]
    every = [*top, row(4, ("US",), 1, 1), row(5, (), 1, 1)]
    got = economy_table(top, every, names={"US": "United States", "FR": "France"})
    assert [
        (r["economy"], r["clusters"], r["clusters_listed"], r["clusters_found"]) for r in got
    ] == [
        ("US", 1, 1, 2),  # share 0.2 + 0.05 beats CH's 0.1 + 0.1
        ("CH", 1, 1, 1),
        ("FR", 1, 2, 1),  # the cross-border cluster lists France too
        ("", 0, 0, 1),  # no output among the published, but one cluster found
        ("DE", 0, 1, 0),
    ]
    assert got[1]["economy_name"] == "CH" and got[3]["economy_name"] == "Not known"
    assert got[0]["patent_share"] == 0.2 and got[0]["patents"] == 20


def test_shares_are_of_the_world_and_add_up_to_the_size_score(
    outs: tuple[Path, Path, Results],
) -> None:
    out, _, results = outs
    kept = {
        layer: results.accounts["documents"]["layers"][layer]["kept"]
        for layer in ("patent", "article")
    }
    for row in results.ranking:
        assert row.patent_share == row.patents / kept["patent"]
        assert row.article_share == row.articles / kept["article"]
        assert row.patent_share + row.article_share == pytest.approx(row.size_score, rel=1e-12)
    for r in read_csv_rows(out / "ranking.csv"):  # rounded: counts to 2 digits, shares to 8
        assert float(r["patent_share"]) == pytest.approx(
            float(r["patents"]) / kept["patent"], abs=0.005 / kept["patent"] + 1e-8
        )
        assert float(r["article_share"]) == pytest.approx(
            float(r["articles"]) / kept["article"], abs=0.005 / kept["article"] + 1e-8
        )
        assert float(r["patent_share"]) + float(r["article_share"]) == pytest.approx(
            float(r["size_score"]), abs=2e-8
        )


def test_the_profiles_sheet_holds_every_profile(outs: tuple[Path, Path, Results]) -> None:
    out = outs[0]
    profiles = json.loads((out / "profiles.json").read_text(encoding="utf-8"))["profiles"]
    header, rows = _sheet(out / WORKBOOK_FILE, "Profiles")
    assert tuple(header) == PROFILE_COLUMNS
    cells = [dict(zip(header, r, strict=True)) for r in rows]
    for prof in profiles:
        mine = [c for c in cells if c["cluster_id"] == prof["cluster_id"]]
        assert {c["rank"] for c in mine} == {prof["rank"]} and {c["cluster"] for c in mine} == {
            prof["name"]
        }
        sections = {c["section"].split(".")[0] for c in mine}
        # the profile's keys, and its partner clusters (tests/report/test_partners.py)
        partners = partners_of(outs[2].links, prof["cluster_id"], limit=SITE_PARTNERS)
        assert sections == {k for k in prof if k not in RANKING_COLUMNS} | (
            {"partners"} if partners else set()
        )
        applicants = [
            (c["position"], c["item"], c["value"], c["share"])
            for c in mine
            if c["section"] == "top_applicants" and c["position"] is not None
        ]
        assert applicants == [
            (i, a["name"], a["count"], a["share"])
            for i, a in enumerate(prof["top_applicants"], start=1)
        ]
        places = [
            (c["item"], c["value"])
            for c in mine
            if c["section"] == "article_collaboration.top_locations" and c["position"]
        ]
        want = prof["article_collaboration"]["top_locations"]
        assert places == [(p["name"], p["documents"]) for p in want]
        share = next(
            c for c in mine if c["section"] == "patent_collaboration" and c["item"] == "share"
        )
        assert share["share"] == prof["patent_collaboration"]["share"] and share["value"] is None
        econ = {c["item"]: c["share"] for c in mine if c["section"] == "economy_shares"}
        assert econ == prof["economy_shares"]


def _follow(doc: Any, key: str) -> Any:
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", key):
        doc = doc[int(part[1:-1])] if part.startswith("[") else doc[part]
    return doc


def test_the_accounts_sheet_is_accounts_json_flattened(outs: tuple[Path, Path, Results]) -> None:
    out = outs[0]
    accounts = json.loads((out / "accounts.json").read_text(encoding="utf-8"))
    header, rows = _sheet(out / WORKBOOK_FILE, "Accounts")
    assert header == ["key", "value"]
    assert len(rows) == len(flat_accounts(accounts)) > 20
    for key, value in rows:
        want = _follow(accounts, str(key))
        if want in ({}, []):
            assert value is None
        else:
            assert value == want, key
    assert any(k == "documents.layers.patent.kept" for k, _ in rows)


def test_flat_accounts_by_hand() -> None:
    doc = {"a": {"b": [1, {"c": "x"}], "e": {}}, "f": None, "g": True}
    assert flat_accounts(doc) == [
        ("a.b[0]", 1),
        ("a.b[1].c", "x"),
        ("a.e", None),
        ("f", None),
        ("g", True),
    ]


def test_profile_items_by_hand() -> None:
    profile = {
        "rank": 1,
        "name": "A",
        "cluster_id": 7,
        "top_tech_fields": [
            {"field": "Optics", "sector": "Instruments", "count": 4.0, "share": 0.5}
        ],
        "economy_shares": {"DE": 0.75, "FR": 0.25},
        "sensitivity": None,
    }
    head = {"cluster_id": 7, "rank": 1, "cluster": "A"}
    assert profile_items(profile) == [
        {
            **head,
            "section": "top_tech_fields",
            "position": 1,
            "item": "Optics",
            "value": 4.0,
            "share": 0.5,
            "detail": "sector: Instruments",
        },
        {**head, "section": "economy_shares", "item": "DE", "share": 0.75},
        {**head, "section": "economy_shares", "item": "FR", "share": 0.25},
        {**head, "section": "sensitivity", "value": None},
    ]


def test_the_collaboration_sheet_holds_results_links(
    outs: tuple[Path, Path, Results], tmp_path: Path
) -> None:
    results = outs[2]
    a, b, c = results.ranking[:3]
    links = [
        Link(
            source=a.cluster_id,
            target=b.cluster_id,
            source_name=a.name,
            target_name=b.name,
            patents=12.5,
            articles=3.25,
            patents_whole=20,
            articles_whole=4,
        ),
        Link(
            source=b.cluster_id,
            target=c.cluster_id,
            source_name=b.name,
            target_name=c.name,
            patents=0.0,
            articles=7.0,
            patents_whole=0,
            articles_whole=9,
        ),
    ]
    path = write_workbook(replace(results, links=links), tmp_path)
    header, rows = _sheet(path, "Collaboration")
    assert tuple(header) == LINK_COLUMNS == tuple(Link.__annotations__)
    assert [dict(zip(header, r, strict=True)) for r in rows] == links


def test_same_results_give_the_same_bytes(outs: tuple[Path, Path, Results], tmp_path: Path) -> None:
    a, b, results = outs
    for name in (WORKBOOK_FILE, "ranking.csv", "all_clusters.csv", "economies.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    again = write_workbook(results, tmp_path)
    assert again.read_bytes() == (a / WORKBOOK_FILE).read_bytes()
    other = write_workbook(replace(results, edition=results.edition + 1), tmp_path)
    assert other.read_bytes() != (a / WORKBOOK_FILE).read_bytes()  # the test can fail


# ------------------------------------------------------------------ the byte-order mark


def test_every_csv_of_a_run_starts_with_the_mark(outs: tuple[Path, Path, Results]) -> None:
    written = sorted(outs[0].rglob("*.csv"))
    assert {p.name for p in written} >= {"ranking.csv", "all_clusters.csv", "economies.csv"}
    for path in written:
        assert path.read_bytes().startswith(BOM), path.name


def test_names_survive_the_mark_both_writers(tmp_path: Path) -> None:
    import pyarrow as pa

    names = ["Tokyo–Yokohama", "Zürich", 'a "quoted", name']
    rows = write_csv_rows(
        [{"name": n, "flag": i == 0, "x": None} for i, n in enumerate(names)],
        tmp_path / "rows.csv",
        columns=("name", "flag", "x"),
    )
    table = write_csv_table(
        pa.table(
            {"name": names, "flag": [True, False, False], "x": pa.array([None] * 3, pa.string())}
        ),
        tmp_path / "table.csv",
    )
    for path in (rows, table):
        data = path.read_bytes()
        assert data.startswith(BOM) and not data[3:].startswith(BOM)
        got = read_csv_rows(path)
        assert [r["name"] for r in got] == names
        assert [r["flag"] for r in got] == ["true", "false", "false"]
        assert {r["x"] for r in got} == {""}
    # the two writers write the same bytes for the same table
    assert rows.read_bytes().replace(b'"', b"") == table.read_bytes().replace(b'"', b"")


def test_a_synthetic_world_writes_truth_hubs_with_the_mark(tmp_path: Path) -> None:
    from stclusters.synth import TRUTH_HUBS, write_world

    path = write_world(tmp_path / "world", scale=0.002, seed=5) / TRUTH_HUBS
    assert path.read_bytes().startswith(BOM)
    assert read_csv_header(path)[0] == "hub"


def test_a_workbook_that_cannot_be_written_is_an_oserror(
    outs: tuple[Path, Path, Results], tmp_path: Path
) -> None:
    """XlsxWriter's own error becomes the OSError behind it (the command line reports those)."""
    with pytest.raises(FileNotFoundError):
        write_workbook(outs[2], tmp_path / "no such folder")
