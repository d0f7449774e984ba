"""Fractional counting (method.md sections 1 and 4) as relational steps over Arrow tables in DuckDB.

Every step is one SQL statement over named tables, so that the same steps can run on a distributed
engine. The stage function is :func:`count_shares`; the tables it creates, in order:

``docs``
    one row per input document with its window flags, filter outcome, ``weight`` (1, or
    in a topic run its share in the topic: :mod:`stclusters.measure.topic`) and ``doc_key``,
    the document's dense integer rank in the order of (``layer``, ``doc_id``): an integer join
    key, and one sort key in place of two strings (the order of memberships.parquet);
``rows``
    one row per people row of a kept document (current or previous window), in no particular
    order, with its fractional ``share`` of the document (times the document's weight). The
    measure stage adds the columns ``cluster``, ``cluster_prev`` and ``loc_label`` (see
    :func:`stclusters.measure.stage.label_rows`), from which :func:`cluster_counts` and the
    profiles count.

Sums use Kahan summation and results are rounded before they are written, so the same records in
any order give the same output bytes. No step sorts or numbers the people rows: joins and
aggregates only, which DuckDB spills to disk under the workspace's memory limit (the documents
are numbered once, ``doc_key``: one row per document, not per person).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from stclusters.config import Config
from stclusters.measure.topic import Topic, parse_topic, topic_weights

__all__ = [
    "ROWS_COLUMNS",
    "Shares",
    "cluster_counts",
    "count_shares",
    "filter_documents",
    "person_shares",
    "share_sums_by_document",
    "world_totals",
]


#: Columns of table ``rows`` as :func:`person_shares` creates it.
ROWS_COLUMNS = (
    "doc_id",
    "doc_key",
    "layer",
    "current",
    "previous",
    "person_seq",
    "address_seq",
    "organisation",
    "country",
    "lat",
    "lon",
    "precision",
    "share",
)


@dataclass(frozen=True)
class Shares:
    """The counting stage's hand-off: kept documents and fractional shares of their people.

    Attributes
    ----------
    con
        The connection holding table ``docs`` (one row per document: window flags and filter
        outcome) and table ``rows`` (:data:`ROWS_COLUMNS`: one row per people row of a kept
        document of the current or previous window, in no particular order, ``share`` its
        fraction of the document), beside the canonical input views.
    world, world_previous
        Documents kept per layer (``patent``, ``article``) in the current and previous windows;
        in a topic run with fractional counting, the sum of their weights.
    documents
        The filter accounts of :func:`filter_documents`.
    n_rows
        Rows of table ``rows``.
    topic
        The run's topic, or None.
    world_all
        In a topic run, the current window's documents per layer that pass the filters,
        whether in the topic or not (the denominators of the topic's share); else ``world``.
    """

    con: duckdb.DuckDBPyConnection
    world: dict[str, float]
    world_previous: dict[str, float]
    documents: dict[str, Any]
    n_rows: int
    topic: Topic | None = None
    world_all: dict[str, float] | None = None


def count_shares(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    *,
    is_ssh: Callable[[str, str], bool | None] | None = None,
) -> Shares:
    """Filter the documents and split each kept document among its people (method.md 1 and 4).

    Parameters
    ----------
    con
        A connection holding the canonical views ``documents``, ``people``, ``classes`` and
        ``applicants`` (:class:`stclusters.inputs.InputTables`).
    config
        The windows and filters (``patent_years``, ``article_years``, ``article_doc_types``,
        ``exclude_ssh_only``).
    is_ssh
        Whether a (code, scheme) science category is social sciences, arts or humanities (None
        when unknown); by default :func:`stclusters.measure.classify.is_ssh_code`.
    """
    from stclusters.measure.classify import is_ssh_code

    topic = (
        None if config.topic is None else parse_topic(config.topic, counting=config.topic_counting)
    )
    documents = filter_documents(con, config, is_ssh=is_ssh or is_ssh_code, topic=topic)
    person_shares(con)
    n_rows = int(con.execute("SELECT count(*) FROM rows").fetchall()[0][0])
    fractional = topic is not None and topic.counting == "fractional"
    world = world_totals(con, weighted=fractional)
    return Shares(
        con=con,
        world=world,
        world_previous=world_totals(con, window="previous", weighted=fractional),
        documents=documents,
        n_rows=n_rows,
        topic=topic,
        world_all=world if topic is None else world_totals(con, window="filtered"),
    )


def _ssh_table(con: duckdb.DuckDBPyConnection, is_ssh: Callable[[str, str], bool | None]) -> None:
    """Create ``ssh_codes(scheme, code, ssh)`` for every science category in the records."""
    codes = con.execute(
        "SELECT DISTINCT scheme, code FROM classes WHERE scheme IN ('wos', 'asjc') "
        "ORDER BY scheme, code"
    ).fetchall()
    flags = [is_ssh(code, scheme) for scheme, code in codes]
    table = pa.table(
        {
            "scheme": pa.array([s for s, _ in codes], pa.string()),
            "code": pa.array([c for _, c in codes], pa.string()),
            "ssh": pa.array(flags, pa.bool_()),
        }
    )
    con.register("ssh_codes_in", table)
    con.execute("CREATE OR REPLACE TABLE ssh_codes AS SELECT * FROM ssh_codes_in")


def filter_documents(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    *,
    is_ssh: Callable[[str, str], bool | None],
    topic: Topic | None = None,
) -> dict[str, Any]:
    """Apply the filters of method.md section 1; create table ``docs``; return the accounts.

    A document is, in this order: outside the window (or without a year), filtered by type
    (articles whose type is not one of ``article_doc_types``), filtered by field (articles whose
    known subject categories are all social sciences, arts or humanities), outside the topic
    (a topic run: weight 0, :func:`stclusters.measure.topic.topic_weights`) or kept. Documents
    of the previous window (one year earlier) that pass the same filters are flagged for
    growth. Column ``weight`` holds each document's weight: 1, or its share in the topic;
    column ``doc_key`` the rank (from 1) of the document's (layer, doc_id) in DuckDB's order
    of the two strings: the rows of ``docs`` are stored in that order and numbered, which costs
    half of a window's sort of the same rows.
    """
    _ssh_table(con, is_ssh)
    if topic is not None:
        topic_weights(con, topic)
        weight_join = "LEFT JOIN topic_weights w USING (doc_id)"
        weight = "coalesce(w.weight, 0.0)"
    else:
        weight_join, weight = "", "1.0"
    p0, p1 = config.patent_years
    a0, a1 = config.article_years
    types = [t.strip().casefold() for t in config.article_doc_types]
    exclude_ssh = "TRUE" if config.exclude_ssh_only else "FALSE"
    preserve = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    con.execute("SET preserve_insertion_order = true")  # the rows are stored sorted
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TABLE docs AS
            WITH fields AS (
                SELECT c.doc_id, count(*) AS n_science, count(*) FILTER (WHERE s.ssh) AS n_ssh
                FROM classes c JOIN ssh_codes s ON s.scheme = c.scheme AND s.code = c.code
                WHERE s.ssh IS NOT NULL
                GROUP BY c.doc_id
            ), flags AS (
                SELECT d.doc_id, d.layer, coalesce(d.file, d.source, '(unknown)') AS file, d.year,
                    CASE WHEN d.layer = 'patent' THEN d.year BETWEEN {p0} AND {p1}
                         ELSE d.year BETWEEN {a0} AND {a1} END AS in_current,
                    CASE WHEN d.layer = 'patent' THEN d.year BETWEEN {p0 - 1} AND {p1 - 1}
                         ELSE d.year BETWEEN {a0 - 1} AND {a1 - 1} END AS in_previous,
                    d.layer = 'patent' OR d.doc_type IS NULL OR len(list_intersect(
                        list_transform(string_split(lower(d.doc_type), ';'), lambda x: trim(x)),
                        ?::VARCHAR[])) > 0 AS type_ok,
                    NOT ({exclude_ssh} AND d.layer = 'article'
                         AND coalesce(f.n_science > 0 AND f.n_ssh = f.n_science, FALSE))
                        AS field_ok,
                    {weight}::DOUBLE AS weight
                FROM documents d LEFT JOIN fields f USING (doc_id) {weight_join}
            )
            SELECT *,
                CASE WHEN year IS NULL THEN 'no_year'
                     WHEN NOT in_current THEN 'outside_window'
                     WHEN NOT type_ok THEN 'filtered_type'
                     WHEN NOT field_ok THEN 'filtered_field'
                     WHEN weight <= 0 THEN 'outside_topic'
                     ELSE 'kept' END AS outcome,
                coalesce(in_current, FALSE) AND type_ok AND field_ok AND weight > 0 AS current,
                coalesce(in_previous, FALSE) AND type_ok AND field_ok AND weight > 0 AS previous
            FROM flags
            ORDER BY layer, doc_id
            """,
            [types],
        )
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if preserve else 'false'}")
    # one key per document: doc_id is unique in the records (stclusters.records.check_records)
    con.execute("ALTER TABLE docs ADD COLUMN doc_key BIGINT")
    con.execute("UPDATE docs SET doc_key = rowid + 1")
    outcomes: tuple[str, ...] = (
        "kept",
        "outside_window",
        "no_year",
        "filtered_type",
        "filtered_field",
    )
    if topic is not None:
        outcomes += ("outside_topic",)
    rows = con.execute(
        "SELECT layer, file, outcome, count(*) FROM docs GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    layers: dict[str, dict[str, int]] = {}
    files: dict[str, dict[str, dict[str, int]]] = {}
    for layer, file, outcome, n in rows:
        for target in (
            layers.setdefault(layer, {"read": 0, **dict.fromkeys(outcomes, 0)}),
            files.setdefault(file, {}).setdefault(layer, {"read": 0, **dict.fromkeys(outcomes, 0)}),
        ):
            target[outcome] += int(n)
            target["read"] += int(n)
    previous = dict(
        con.execute("SELECT layer, count(*) FROM docs WHERE previous GROUP BY layer").fetchall()
    )
    for layer, acc in layers.items():
        acc["previous_window"] = int(previous.get(layer, 0))
    return {"layers": layers, "files": files}


def person_shares(con: duckdb.DuckDBPyConnection) -> None:
    """Create table ``rows``: the people rows of kept documents with their fractional share.

    Each row carries its document's ``doc_key`` (table ``docs``): later steps join and sort on
    that integer rather than on the ``doc_id`` string.

    Patent: 1 per application split equally among its inventors. Article: 1 per article split
    equally among its authors, each author's share split equally among its addresses. When a
    document has rows without a person (no author-to-address link), the document is split
    equally among those rows (one per address).

    Only hash joins and hash aggregates (which DuckDB spills to disk under its memory limit):
    no sort and no window over the rows, and no row order: every later sum is order-free
    (Kahan sums, rounded outputs). Coordinates are normalised (-0.0 becomes 0.0) so that a
    coordinate is one join key.

    Notes
    -----
    Three passes over the people rows, none of them carrying the wide columns but the last:
    the rows per person (a ``GROUP BY`` on the document's integer ``doc_key`` in ``docs`` and
    ``person_seq``), then per document its persons, rows and whether every person has the same
    number of rows. In such an even document (most of them) a linked row's share is
    1 / (its linked rows), the same double as 1 / (persons x rows per person); only the persons
    of uneven documents are joined back to their rows by person. The last pass reads the
    people rows once and joins them to the documents' figures.
    """
    con.execute(
        """
        CREATE OR REPLACE TABLE rows AS
        WITH kept AS (
            SELECT doc_key, doc_id, layer, current, previous, weight
            FROM docs WHERE current OR previous
        ), person_stats AS (
            SELECT d.doc_key, p.person_seq, count(*) AS n_rows
            FROM people p JOIN kept d USING (doc_id)
            GROUP BY d.doc_key, p.person_seq
        ), doc_stats AS (
            SELECT doc_key,
                count(*) FILTER (WHERE person_seq IS NOT NULL) AS n_persons,
                coalesce(sum(n_rows) FILTER (WHERE person_seq IS NULL), 0)::BIGINT
                    AS n_unlinked,
                coalesce(sum(n_rows) FILTER (WHERE person_seq IS NOT NULL), 0)::BIGINT
                    AS n_linked,
                coalesce(min(n_rows) FILTER (WHERE person_seq IS NOT NULL)
                    = max(n_rows) FILTER (WHERE person_seq IS NOT NULL), TRUE) AS even
            FROM person_stats GROUP BY doc_key
        ), uneven AS (
            SELECT ps.doc_key, ps.person_seq, ps.n_rows
            FROM person_stats ps JOIN doc_stats s USING (doc_key)
            WHERE NOT s.even AND s.n_unlinked = 0 AND ps.person_seq IS NOT NULL
        ), doc_info AS (
            SELECT k.*, s.n_persons, s.n_unlinked, s.n_linked, s.even
            FROM kept k JOIN doc_stats s USING (doc_key)
        )
        SELECT p.doc_id, d.doc_key, d.layer, d.current, d.previous, p.person_seq, p.address_seq,
            p.organisation, p.country,
            CASE WHEN p.lat = 0 THEN 0.0 ELSE p.lat END AS lat,
            CASE WHEN p.lon = 0 THEN 0.0 ELSE p.lon END AS lon,
            p.precision,
            CASE WHEN d.n_unlinked > 0 THEN
                    CASE WHEN p.person_seq IS NULL THEN 1.0 / d.n_unlinked ELSE 0.0 END
                 WHEN d.even THEN 1.0 / d.n_linked
                 ELSE 1.0 / (d.n_persons * u.n_rows) END * d.weight AS share
        FROM people p JOIN doc_info d USING (doc_id)
        LEFT JOIN uneven u ON u.doc_key = d.doc_key AND u.person_seq = p.person_seq
        """
    )


def share_sums_by_document(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """doc_id and the sum of its rows' shares (1 for every document with people)."""
    return con.sql(
        "SELECT doc_id, kahan_sum(share) AS total FROM rows GROUP BY doc_id ORDER BY doc_id"
    ).to_arrow_table()


def world_totals(
    con: duckdb.DuckDBPyConnection, *, window: str = "current", weighted: bool = False
) -> dict[str, float]:
    """Documents per layer in the window after the filters (unlocated people included).

    Parameters
    ----------
    window
        ``"current"``, ``"previous"``, or ``"filtered"``: the current window's documents that
        pass the filters whether in the topic or not (the world a topic is a share of).
    weighted
        Sum the documents' weights (a topic run with fractional counting) instead of
        counting them; counts are ints.
    """
    column = {
        "current": "current",
        "previous": "previous",
        "filtered": "outcome IN ('kept', 'outside_topic')",
    }[window]
    totals: dict[str, float] = dict.fromkeys(("patent", "article"), 0)
    for layer, n, w in con.execute(
        f"SELECT layer, count(*), kahan_sum(weight) FROM docs WHERE {column} GROUP BY layer"
    ).fetchall():
        totals[layer] = float(w) if weighted else int(n)
    return totals


def cluster_counts(
    con: duckdb.DuckDBPyConnection, *, window: str = "current", label_column: str = "cluster"
) -> dict[int, dict[str, float]]:
    """Each cluster's fractional patent and article counts, from ``rows.<label_column>``."""
    column = "current" if window == "current" else "previous"
    out: dict[int, dict[str, float]] = {}
    for cluster, layer, total in con.execute(
        f"SELECT {label_column}, layer, kahan_sum(share) FROM rows "
        f"WHERE {column} AND {label_column} >= 0 GROUP BY ALL ORDER BY ALL"
    ).fetchall():
        out.setdefault(int(cluster), {"patent": 0.0, "article": 0.0})[layer] = float(total)
    return out
