"""Fractional counting and the filters of method.md sections 1 and 4."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from stclusters.config import Config
from stclusters.inputs import register_tables
from stclusters.measure import counting
from stclusters.records import Records


def _ssh(code: str, scheme: str) -> bool | None:
    return {"Economics": True, "Sociology": True, "Physics, Applied": False}.get(code)


def _con(recs: Records, config: Config | None = None) -> tuple[duckdb.DuckDBPyConnection, dict]:
    con = duckdb.connect()
    register_tables(con, [], recs)
    shares = counting.count_shares(con, config or Config(), is_ssh=_ssh)
    return con, shares.documents


def _shares(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, int | None, int | None], float]:
    return {
        (d, p, a): s
        for d, p, a, s in con.execute(
            "SELECT doc_id, person_seq, address_seq, share FROM rows"
        ).fetchall()
    }


def test_patent_split_equally_among_inventors() -> None:
    recs = Records.from_tables(
        documents=[{"doc_id": "P", "layer": "patent", "year": 2020}],
        people=[
            {"doc_id": "P", "person_seq": i, "address_seq": i, "role": "inventor"} for i in range(4)
        ],
    )
    con, _ = _con(recs)
    assert set(_shares(con).values()) == {0.25}


def test_article_split_among_authors_then_addresses() -> None:
    # author 0 has two addresses, author 1 one: 1/2 -> 1/4 + 1/4 and 1/2
    recs = Records.from_tables(
        documents=[{"doc_id": "A", "layer": "article", "year": 2020, "doc_type": "Article"}],
        people=[
            {"doc_id": "A", "person_seq": 0, "address_seq": 0, "role": "author"},
            {"doc_id": "A", "person_seq": 0, "address_seq": 1, "role": "author"},
            {"doc_id": "A", "person_seq": 1, "address_seq": 1, "role": "author"},
        ],
    )
    con, _ = _con(recs)
    assert _shares(con) == {("A", 0, 0): 0.25, ("A", 0, 1): 0.25, ("A", 1, 1): 0.5}


def test_unlinked_article_split_equally_among_addresses() -> None:
    recs = Records.from_tables(
        documents=[{"doc_id": "A", "layer": "article", "year": 2020, "doc_type": "Article"}],
        people=[
            {"doc_id": "A", "person_seq": None, "address_seq": i, "role": "author"}
            for i in range(3)
        ],
    )
    con, _ = _con(recs)
    assert all(abs(v - 1 / 3) < 1e-12 for v in _shares(con).values())


def test_filters_are_counted_in_order() -> None:
    docs = [
        {"doc_id": "keep", "layer": "article", "year": 2020, "doc_type": "Article"},
        {"doc_id": "old", "layer": "article", "year": 2010, "doc_type": "Article"},
        {"doc_id": "noyear", "layer": "article", "year": None, "doc_type": "Article"},
        {"doc_id": "review", "layer": "article", "year": 2020, "doc_type": "Review"},
        {
            "doc_id": "both",
            "layer": "article",
            "year": 2020,
            "doc_type": "Article; Proceedings Paper",
        },
        {"doc_id": "ssh", "layer": "article", "year": 2020, "doc_type": "Article"},
        {"doc_id": "mixed", "layer": "article", "year": 2020, "doc_type": "Article"},
        {"doc_id": "prev", "layer": "article", "year": 2017, "doc_type": "Article"},
        {"doc_id": "pat", "layer": "patent", "year": 2023, "doc_type": "WO-A1"},
        {"doc_id": "pat_late", "layer": "patent", "year": 2024},
    ]
    classes = [
        {"doc_id": "ssh", "scheme": "wos", "code": "Economics"},
        {"doc_id": "ssh", "scheme": "wos", "code": "Sociology"},
        {"doc_id": "mixed", "scheme": "wos", "code": "Economics"},
        {"doc_id": "mixed", "scheme": "wos", "code": "Physics, Applied"},
    ]
    con, acc = _con(Records.from_tables(documents=docs, classes=classes))
    art = acc["layers"]["article"]
    assert art == {
        "read": 8,
        "kept": 3,
        "outside_window": 2,
        "no_year": 1,
        "filtered_type": 1,
        "filtered_field": 1,
        "previous_window": 4,
    }
    assert acc["layers"]["patent"]["kept"] == 1
    assert acc["layers"]["patent"]["outside_window"] == 1
    assert counting.world_totals(con) == {"patent": 1, "article": 3}
    kept = {d for (d,) in con.execute("SELECT doc_id FROM docs WHERE current").fetchall()}
    assert kept == {"keep", "both", "mixed", "pat"}


def test_ssh_filter_can_be_switched_off() -> None:
    docs = [{"doc_id": "ssh", "layer": "article", "year": 2020, "doc_type": "Article"}]
    classes = [{"doc_id": "ssh", "scheme": "wos", "code": "Economics"}]
    _, acc = _con(
        Records.from_tables(documents=docs, classes=classes), Config(exclude_ssh_only=False)
    )
    assert acc["layers"]["article"]["kept"] == 1


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["patent", "article"]),
            st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=6),
            st.booleans(),
        ),
        min_size=1,
        max_size=15,
    )
)
def test_every_document_shares_sum_to_one(
    docs: list[tuple[str, list[int], bool]],
) -> None:
    documents, people = [], []
    for i, (layer, addresses_per_person, unlinked) in enumerate(docs):
        doc_id = f"D{i}"
        documents.append({"doc_id": doc_id, "layer": layer, "year": 2020, "doc_type": "Article"})
        role = "inventor" if layer == "patent" else "author"
        if layer == "article" and unlinked:
            for a in range(len(addresses_per_person)):
                people.append({"doc_id": doc_id, "address_seq": a, "role": role})
            continue
        for p, n_addr in enumerate(addresses_per_person):
            for a in range(n_addr if layer == "article" else 1):
                people.append({"doc_id": doc_id, "person_seq": p, "address_seq": a, "role": role})
    con, _ = _con(Records.from_tables(documents=documents, people=people))
    sums = counting.share_sums_by_document(con)
    assert sums.num_rows == len(docs)
    assert all(abs(x - 1.0) < 1e-9 for x in sums.column("total").to_pylist())


def test_count_shares_alone_gives_world_totals_and_rows() -> None:
    """The stage function on its own: two patents in the window, one outside, one article."""
    recs = Records.from_tables(
        documents=[
            {"doc_id": "P1", "layer": "patent", "year": 2020},
            {"doc_id": "P2", "layer": "patent", "year": 2021},
            {"doc_id": "P3", "layer": "patent", "year": 1990},
            {"doc_id": "A1", "layer": "article", "year": 2020, "doc_type": "Article"},
        ],
        people=[
            {"doc_id": d, "person_seq": i, "address_seq": i, "role": r}
            for d, n, r in (("P1", 2, "inventor"), ("P2", 1, "inventor"), ("A1", 3, "author"))
            for i in range(n)
        ]
        + [{"doc_id": "P3", "person_seq": 0, "address_seq": 0, "role": "inventor"}],
    )
    con = duckdb.connect()
    register_tables(con, [], recs)
    shares = counting.count_shares(con, Config(), is_ssh=_ssh)
    assert shares.world == {"patent": 2, "article": 1}
    assert shares.n_rows == 6
    assert shares.documents["layers"]["patent"]["outside_window"] == 1
    columns = [c[0] for c in con.execute("DESCRIBE rows").fetchall()]
    assert tuple(columns) == counting.ROWS_COLUMNS
    kept = con.execute("SELECT doc_id, count(*) FROM rows GROUP BY ALL ORDER BY ALL").fetchall()
    assert kept == [("A1", 3), ("P1", 2), ("P2", 1)]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["patent", "article"]), st.text("AZaz09-é", max_size=4)),
        max_size=12,
        unique_by=lambda t: t[1],
    )
)
def test_doc_key_ranks_documents_by_layer_then_doc_id(docs: list[tuple[str, str]]) -> None:
    """docs.doc_key is the dense rank of (layer, doc_id), DuckDB's order of the two strings,
    and every row of table ``rows`` carries the key of its document."""
    recs = Records.from_tables(
        documents=[
            {"doc_id": d, "layer": layer, "year": 2020, "doc_type": "Article"} for layer, d in docs
        ],
        people=[
            {"doc_id": d, "person_seq": 0, "address_seq": 0, "role": "author"} for _, d in docs
        ],
    )
    con, _ = _con(recs)
    keys = con.execute("SELECT layer, doc_id, doc_key FROM docs").fetchall()
    ordered = con.execute("SELECT layer, doc_id FROM docs ORDER BY layer, doc_id").fetchall()
    assert sorted(k for _, _, k in keys) == list(range(1, len(docs) + 1))
    assert [(layer, d) for layer, d, _ in sorted(keys, key=lambda t: t[2])] == ordered
    by_doc = {d: k for _, d, k in keys}
    for d, k in con.execute("SELECT doc_id, doc_key FROM rows").fetchall():
        assert by_doc[d] == k
