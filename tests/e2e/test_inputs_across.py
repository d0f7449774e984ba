"""Documents given by more than one input are counted once (issue 11 item 5, first point)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from stclusters.config import Config
from stclusters.inputs import Workspace, open_inputs
from stclusters.measure.counting import count_shares
from stclusters.records import Records, write_records
from worlds import small_world


def _part(records: Records, ids: set[str], **changes: str) -> Records:
    """The documents ``ids`` of ``records`` with their rows; ``changes`` set document columns
    (``prefix`` renames the doc_ids, so that the copies share only their DOI)."""
    keep = pa.array(sorted(ids), pa.string())
    tables = {}
    prefix = changes.pop("prefix", "")
    for name in ("documents", "people", "classes", "applicants"):
        table = records.table(name)
        table = table.filter(pc.is_in(table.column("doc_id"), value_set=keep))
        if prefix:
            new = pc.binary_join_element_wise(prefix, table.column("doc_id"), "")
            table = table.set_column(table.column_names.index("doc_id"), "doc_id", new)
        if name == "documents":
            for col, value in changes.items():
                idx = table.column_names.index(col)
                table = table.set_column(idx, col, pa.array([value] * len(table), pa.string()))
        tables[name] = table
    return Records.from_tables(**tables)


@pytest.fixture(scope="module")
def world() -> Records:
    docs = small_world().documents
    dois = pc.binary_join_element_wise("10.1000/", docs.column("doc_id"), "")
    return Records.from_tables(
        documents=docs.set_column(docs.column_names.index("doi"), "doi", dois),
        people=small_world().people,
        classes=small_world().classes,
        applicants=small_world().applicants,
    )


def _open(folders: list[Path]) -> tuple[dict[str, int], dict]:  # type: ignore[type-arg]
    with Workspace() as ws:
        tables = open_inputs(folders, workspace=ws)
        return tables.counts, tables.accounts


def test_same_doc_id_in_two_inputs_is_kept_once(world: Records, tmp_path: Path) -> None:
    ids = sorted(world.documents.column("doc_id").to_pylist())
    first, second = set(ids[: len(ids) * 2 // 3]), set(ids[len(ids) // 3 :])
    a = write_records(_part(world, first), tmp_path / "a")
    b = write_records(_part(world, second), tmp_path / "b")
    counts, accounts = _open([a, b])
    assert counts == world.counts()  # people, classes, applicants of the copies dropped too
    dup = accounts["duplicates_across_inputs"]
    overlap = len(first & second)
    assert dup["dropped"] == dup["by_doc_id"] == overlap > 0
    assert dup["per_input"][1]["duplicates_dropped"] == {
        layer: sum(1 for d in first & second if d.startswith(layer[0].upper()))
        for layer in ("article", "patent")
        if any(d.startswith(layer[0].upper()) for d in first & second)
    }
    assert dup["per_input"][0]["duplicates_dropped"] == {}


def test_same_doi_keeps_the_better_source(world: Records, tmp_path: Path) -> None:
    """A Scopus copy given first loses to the Web of Science copy given second, as in a read."""
    ids = set(world.documents.column("doc_id").to_pylist())
    articles = {d for d in ids if d.startswith("A")}
    scopus = write_records(_part(world, articles, prefix="s-", source="scopus"), tmp_path / "s")
    wos = write_records(_part(world, articles, prefix="w-", source="wos"), tmp_path / "w")
    with Workspace() as ws:
        tables = open_inputs([scopus, wos], workspace=ws)
        kept = {r[0][:2] for r in ws.con.execute("SELECT doc_id FROM documents").fetchall()}
        people = ws.con.execute("SELECT count(DISTINCT doc_id) FROM people").fetchall()[0][0]
        dup = tables.accounts["duplicates_across_inputs"]
    assert kept == {"w-"}
    assert dup["by_doi"] == dup["dropped"] == len(articles)
    assert dup["per_input"][0]["duplicates_dropped"] == {"article": len(articles)}
    assert people <= len(articles)
    assert "same DOI 10.1000/" in dup["examples"][0]["reason"]


def test_one_input_has_no_duplicate_accounts(world: Records, tmp_path: Path) -> None:
    folder = write_records(world, tmp_path / "w")
    counts, accounts = _open([folder])
    assert counts == world.counts()
    assert "duplicates_across_inputs" not in accounts
    assert accounts["records_folders"][0]["synthetic"] is False


def test_wos_and_scopus_read_apart_count_as_read_together(
    samples_dir: Path, tmp_path: Path
) -> None:
    """The samples' WoS and Scopus exports share 99 DOIs: read into two records folders and
    run together they give the documents and world totals of one read of both."""
    from stclusters.readers.folder import read_into_folder

    wos, scopus = samples_dir / "wos", samples_dir / "scopus"
    read_into_folder([wos], out=tmp_path / "wos")
    read_into_folder([scopus], out=tmp_path / "scopus")
    read_into_folder([wos, scopus], out=tmp_path / "both")
    shared = set(
        pq.read_table(tmp_path / "wos" / "documents.parquet").column("doi").drop_null().to_pylist()
    ) & set(
        pq.read_table(tmp_path / "scopus" / "documents.parquet")
        .column("doi")
        .drop_null()
        .to_pylist()
    )
    config = Config()
    with Workspace() as ws:
        apart = open_inputs([tmp_path / "wos", tmp_path / "scopus"], workspace=ws)
        world_apart = count_shares(ws.con, config).world
    with Workspace() as ws:
        together = open_inputs([tmp_path / "both"], workspace=ws)
        world_together = count_shares(ws.con, config).world
    dup = apart.accounts["duplicates_across_inputs"]
    assert dup["by_doi"] == len(shared) == 99
    assert dup["per_input"][1]["duplicates_dropped"] == {"article": 99}
    assert apart.counts["documents"] == together.counts["documents"]
    assert world_apart == world_together
    assert world_apart["article"] == 216
    (scopus,) = [f for f in apart.accounts["records_folders"] if f["name"] == "scopus"]
    read = scopus["read"]["totals"]
    scopus_docs = pq.read_metadata(tmp_path / "scopus" / "documents.parquet").num_rows
    assert read["records_kept"] == scopus_docs
