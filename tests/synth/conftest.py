"""Fixtures of the synthetic-world tests: one small world in memory, shared by the tests."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from stclusters.config import Config
from stclusters.records import Records
from stclusters.synth import World, build_world
from stclusters.synth.vocab import SSH_CATEGORIES

SMALL_SCALE = 0.004
SMALL_SEED = 11


@pytest.fixture(scope="session")
def small_world() -> World:
    """A world at scale 0.004 (about 5,500 applications and 70,000 articles)."""
    return build_world(scale=SMALL_SCALE, seed=SMALL_SEED)


def connect(source: Records | Path, truth: pa.Table | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the four tables (from memory or a records folder), a ``kept``
    view (the method's filters of section 1) and, given the truth (a table, or for a folder its
    ``truth_people.parquet``), a ``shares`` view: each kept people row with its fractional share
    and the hub the generator placed it in."""
    con = duckdb.connect()
    if isinstance(source, Records):
        for name in ("documents", "people", "classes", "applicants"):
            con.register(name, source.table(name))
        if truth is not None:
            con.register(
                "people_rn",
                source.people.append_column("rn", pa.array(range(source.people.num_rows))),
            )
            con.register(
                "truth",
                truth.select(["hub", "geonameid"]).append_column(
                    "rn", pa.array(range(truth.num_rows))
                ),
            )
    else:
        for name in ("documents", "people", "classes", "applicants"):
            con.execute(
                f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{source}/{name}.parquet')"
            )
        con.execute(
            f"CREATE VIEW people_rn AS SELECT * EXCLUDE (file_row_number), file_row_number AS rn "
            f"FROM read_parquet('{source}/people.parquet', file_row_number = true)"
        )
        con.execute(
            f"CREATE VIEW truth AS SELECT hub, geonameid, file_row_number AS rn "
            f"FROM read_parquet('{source}/truth_people.parquet', file_row_number = true)"
        )
    cfg = Config()
    (p0, p1), (a0, a1) = cfg.patent_years, cfg.article_years
    con.register("ssh", pa.table({"code": list(SSH_CATEGORIES)}))
    con.execute(
        f"""
        CREATE VIEW kept AS
        SELECT doc_id, layer FROM documents d
        WHERE (layer = 'patent' AND year BETWEEN {p0} AND {p1})
           OR (layer = 'article' AND year BETWEEN {a0} AND {a1} AND doc_type = 'Article'
               AND EXISTS (SELECT 1 FROM classes c WHERE c.doc_id = d.doc_id
                           AND c.code NOT IN (SELECT code FROM ssh)))
        """
    )
    if truth is None and isinstance(source, Records):
        return con
    con.execute(
        """
        CREATE VIEW shares AS
        WITH p AS (SELECT p.doc_id, p.person_seq, t.hub, t.geonameid, k.layer
                   FROM people_rn p JOIN truth t USING (rn) JOIN kept k USING (doc_id)),
             authors AS (SELECT doc_id, count(DISTINCT person_seq) AS n,
                                count(*) FILTER (WHERE person_seq IS NULL) AS n_unlinked
                         FROM p GROUP BY doc_id),
             affs AS (SELECT doc_id, person_seq, count(*) AS n_aff FROM p
                      WHERE person_seq IS NOT NULL GROUP BY ALL)
        SELECT p.*, CASE WHEN p.person_seq IS NULL THEN 1.0 / a.n_unlinked
                         ELSE 1.0 / a.n / f.n_aff END AS share
        FROM p JOIN authors a USING (doc_id)
        LEFT JOIN affs f ON f.doc_id = p.doc_id AND f.person_seq = p.person_seq
        """
    )
    return con
