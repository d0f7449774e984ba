"""Links between published clusters (issue 14 item 5) on hand-made ``rows`` tables."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stclusters.measure.links import cluster_links, link_strength
from stclusters.measure.profiles import profile_tables
from stclusters.results import ClusterRow, Link

SCHEMA = pa.schema(
    {
        "doc_id": pa.string(),
        "layer": pa.string(),
        "current": pa.bool_(),
        "cluster": pa.int64(),
        "share": pa.float64(),
    }
)


def _con(rows: list[dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    full = [{"current": True} | r for r in rows]
    con.register("rows_in", pa.Table.from_pylist(full, schema=SCHEMA))
    # doc_key: the documents numbered in (layer, doc_id) order, as counting.filter_documents does
    con.execute(
        "CREATE TABLE rows AS SELECT *, dense_rank() OVER (ORDER BY layer, doc_id) AS doc_key "
        "FROM rows_in"
    )
    con.unregister("rows_in")
    return con


def _clusters(*ids: int) -> list[ClusterRow]:
    return [ClusterRow(cluster_id=c, patents=1.0, articles=1.0, name=f"C{c}") for c in ids]


def _doc(doc: str, layer: str, *clusters: int | None, **extra: Any) -> list[dict[str, Any]]:
    """A document whose people share it equally, one row each, in ``clusters``."""
    n = len(clusters)
    return [
        {"doc_id": doc, "layer": layer, "cluster": c, "share": 1.0 / n} | extra for c in clusters
    ]


A, B, C, D = 0, 1, 2, 3


def _by_pair(links: list[Link]) -> dict[tuple[int, int], Link]:
    return {(k["source"], k["target"]): k for k in links}


def test_links_of_a_small_world_by_hand() -> None:
    """Each value below is worked out by hand from the definition of docs/method.md 7."""
    rows = [
        *_doc("p1", "patent", A, B),  # 2 inventors: the pair A-B weighs 1
        *_doc("p2", "patent", A, B, -1),  # 3 pairs, one of them A-B: 1/3
        *_doc("p3", "patent", A, B, current=False),  # previous window: not counted
        *_doc("a1", "article", A, A, B, C),  # 6 pairs: A-B 2, A-C 2, B-C 1
        # one author with two addresses, one in A and one in B: the only pair, weight 1
        {"doc_id": "a2", "layer": "article", "cluster": A, "share": 0.5},
        {"doc_id": "a2", "layer": "article", "cluster": B, "share": 0.5},
        *_doc("a3", "article", A, D),  # D is not published: no link
        *_doc("a4", "article", C, None),  # a row without a cluster (coarse): no link
    ]
    links = cluster_links(_con(rows), _clusters(A, B, C))
    got = _by_pair(links)
    assert set(got) == {(A, B), (A, C), (B, C)}
    ab, ac, bc = got[(A, B)], got[(A, C)], got[(B, C)]
    assert (ab["patents_whole"], ab["articles_whole"]) == (2, 2)
    assert ab["patents"] == pytest.approx(1 + 1 / 3, abs=1e-6)
    assert ab["articles"] == pytest.approx(2 / 6 + 1, abs=1e-6)
    assert (ac["patents_whole"], ac["articles_whole"]) == (0, 1)
    assert ac["patents"] == 0.0
    assert ac["articles"] == pytest.approx(2 / 6, abs=1e-6)
    assert bc["articles_whole"] == 1
    assert bc["articles"] == pytest.approx(1 / 6, abs=1e-6)
    assert (ab["source_name"], ab["target_name"]) == ("C0", "C1")
    assert [(k["source"], k["target"]) for k in links] == [(A, B), (A, C), (B, C)]


def test_fewer_than_two_clusters_have_no_links() -> None:
    con = _con(_doc("p1", "patent", A, B))
    assert cluster_links(con, _clusters(A)) == []
    assert cluster_links(con, []) == []


def test_ties_are_ordered_by_ids_whatever_the_order_of_the_clusters() -> None:
    rows = [*_doc("p1", "patent", C, D), *_doc("p2", "patent", A, B)]
    con = _con(rows)
    first = cluster_links(con, _clusters(A, B, C, D))
    again = cluster_links(con, _clusters(D, C, B, A))
    assert first == again
    assert [(k["source"], k["target"]) for k in first] == [(A, B), (C, D)]


# --------------------------------------------------------------------------- invariants

_document = st.tuples(
    st.sampled_from(["patent", "article"]),
    # people: each a list of the clusters of its addresses (None: no cluster, -1: noise)
    st.lists(
        st.lists(st.sampled_from([None, -1, 0, 1, 2, 3, 4]), min_size=1, max_size=3),
        min_size=1,
        max_size=6,
    ),
)


def _rows_of(docs: list[tuple[str, list[list[int | None]]]]) -> list[dict[str, Any]]:
    """Rows of documents split equally among people, each person among its addresses."""
    rows = []
    for i, (layer, people) in enumerate(docs):
        for addresses in people:
            for c in addresses:
                share = 1.0 / len(people) / len(addresses)
                rows.append({"doc_id": f"d{i}", "layer": layer, "cluster": c, "share": share})
    return rows


def _expected(rows: list[dict[str, Any]], published: set[int]) -> dict[tuple[int, int, str], Any]:
    """The definition, pair of rows by pair of rows."""
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_doc.setdefault(r["doc_id"], []).append(r)
    out: dict[tuple[int, int, str], list[float]] = {}
    for doc_rows in by_doc.values():
        total = sum(r["share"] * s["share"] for r, s in itertools.combinations(doc_rows, 2))
        weight: dict[tuple[int, int], float] = {}
        for r, s in itertools.combinations(doc_rows, 2):
            a, b = r["cluster"], s["cluster"]
            if a in published and b in published and a != b:
                key = (min(a, b), max(a, b))
                weight[key] = weight.get(key, 0.0) + r["share"] * s["share"] / total
        for (a, b), w in weight.items():
            acc = out.setdefault((a, b, doc_rows[0]["layer"]), [0, 0.0])
            acc[0] += 1
            acc[1] += w
    return out


@settings(max_examples=60, deadline=None)
@given(docs=st.lists(_document, min_size=1, max_size=12), published=st.sets(st.integers(0, 4)))
def test_links_follow_the_definition_and_its_bounds(
    docs: list[tuple[str, list[list[int | None]]]], published: set[int]
) -> None:
    rows = _rows_of(docs)
    links = cluster_links(_con(rows), _clusters(*sorted(published)))
    expected = _expected(rows, published)
    got = {
        (k["source"], k["target"], layer): (k[f"{layer}s_whole"], k[f"{layer}s"])  # type: ignore[literal-required]
        for k in links
        for layer in ("patent", "article")
        if k[f"{layer}s_whole"]  # type: ignore[literal-required]
    }
    assert set(got) == set(expected)
    for key, (whole, fractional) in got.items():
        assert whole == expected[key][0]
        assert fractional == pytest.approx(expected[key][1], abs=1e-6)
    # documents per cluster and layer: a link never holds more than either of its clusters
    docs_of: dict[tuple[int, str], set[str]] = {}
    for r in rows:
        docs_of.setdefault((r["cluster"], r["layer"]), set()).add(r["doc_id"])
    pairs = [(k["source"], k["target"]) for k in links]
    assert len(pairs) == len(set(pairs))
    for k in links:
        assert k["source"] < k["target"]  # one direction only, never a self-link
        assert {k["source"], k["target"]} <= published
        for layer in ("patent", "article"):
            whole, fractional = k[f"{layer}s_whole"], k[f"{layer}s"]  # type: ignore[literal-required]
            assert 0.0 <= fractional <= whole
            assert whole <= len(docs_of.get((k["source"], layer), ()))
            assert whole <= len(docs_of.get((k["target"], layer), ()))
    strengths = [link_strength(k) for k in links]
    assert strengths == sorted(strengths, reverse=True)
    # from the profiles' tables (profiled): the same links, and the tables are dropped
    con = _con(rows)
    profile_tables(con, sorted(published), columns=("share",))
    assert cluster_links(con, _clusters(*sorted(published)), profiled=True) == links
    left = con.execute("SELECT table_name FROM duckdb_tables() ORDER BY ALL").fetchall()
    assert left == [("rows",)]


@settings(max_examples=40, deadline=None)
@given(docs=st.lists(_document, min_size=1, max_size=10))
def test_each_document_weighs_one_when_every_row_is_a_cluster(
    docs: list[tuple[str, list[list[int | None]]]],
) -> None:
    """Every row in a cluster of its own: the fractional weights of a document's links sum to
    1 (a document of one row has none), so the links' fractional total is the number of
    documents with two rows or more."""
    rows = _rows_of(docs)
    for i, r in enumerate(rows):
        r["cluster"] = i
    links = cluster_links(_con(rows), _clusters(*range(len(rows))))
    multi = sum(1 for _, people in docs if sum(len(p) for p in people) >= 2)
    total = sum(k["patents"] + k["articles"] for k in links)
    assert total == pytest.approx(multi, abs=1e-9 + 1e-6 * len(links))  # each rounded to 6 places
    # symmetric: the same links whichever way round the clusters are given
    again = cluster_links(_con(rows), _clusters(*reversed(range(len(rows)))))
    assert again == links


# --------------------------------------------------------------------------- through the pipeline


def test_small_world_links_are_the_planted_co_inventors(tmp_path: Path) -> None:
    """tests/worlds.py plants a Lisbon co-inventor on every tenth patent of Munich, Lyon and
    Basel (all inside the patent window), beside 1 + i % 3 inventors of the city and, every
    17th patent, a co-inventor located only by country: whole counts 30, 12 and 15; the
    fractional count of a patent with ``a`` city inventors among ``n`` is ``2 a / (n (n - 1))``.
    Paris co-authors a quarter of the articles of the three cities (no patents)."""
    from stclusters.pipeline import compute
    from stclusters.records import write_records
    from worlds import BLOBS, SMALL_CONFIG, small_world

    folder = write_records(small_world(), tmp_path / "world")
    config = dataclasses.replace(SMALL_CONFIG, cache_dir=str(tmp_path / "cache"))
    results = compute([folder], config=config)
    ids = {r.name: r.cluster_id for r in results.ranking}
    links = {(k["source_name"], k["target_name"]): k for k in results.links}
    links |= {(b, a): k for (a, b), k in links.items()}
    for city, _, _, _, n_pat, _ in BLOBS:
        link = links[(city, "Lisbon")]
        planted = [i for i in range(n_pat) if i % 10 == 0]
        assert link["patents_whole"] == len(planted)
        expected = 0.0
        for i in planted:
            a = 1 + i % 3
            n = a + 1 + (1 if i % 17 == 0 else 0)
            expected += 2 * a / (n * (n - 1))
        assert link["patents"] == pytest.approx(expected, abs=1e-5)
        assert link["articles_whole"] == 0
        paris = links[(city, "Paris")]
        assert paris["patents_whole"] == 0 and paris["articles_whole"] > 0
        assert 0 < paris["articles"] <= paris["articles_whole"]
    # the three cities never share a document, nor do Paris and Lisbon
    assert ("Munich", "Lyon") not in links and ("Paris", "Lisbon") not in links
    assert {k["source"] for k in results.links} | {k["target"] for k in results.links} <= set(
        ids.values()
    )
