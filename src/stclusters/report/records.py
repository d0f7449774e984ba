"""Per-record outputs (issue 14 item 1): ``memberships.parquet``, ``addresses.csv`` /
``addresses.parquet``, and the points that ``clusters.gpkg`` draws.

These tables grow with the number of records, so they never pass through Python objects: the
computing stage, which owns the DuckDB workspace, writes them as Parquet files with DuckDB's
``COPY ... TO`` into a scratch folder that lives until the output folder is written
(:func:`write_record_tables`); :class:`~stclusters.results.Results` carries their paths
(``record_files``), never their data; the write copies them into the output folder and streams
``addresses.csv`` from ``addresses.parquet`` batch by batch (:func:`write_records`).
Every table is sorted on a total order, so the same inputs in any order give the same bytes.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from stclusters.cluster.stage import Clustering
from stclusters.results import Results

__all__ = [
    "ADDRESS_ORDER",
    "MEMBERSHIP_COLUMNS",
    "POINT_COLUMNS",
    "RECORD_FILES",
    "write_record_tables",
    "write_records",
]

#: The per-record tables: key in ``Results.record_files`` -> file name.
RECORD_FILES = {
    "memberships": "memberships.parquet",
    "addresses": "addresses.parquet",
    "points": "points.parquet",
}

#: Columns of memberships.parquet, in order (docs/outputs.md).
MEMBERSHIP_COLUMNS = (
    "doc_id",
    "person_seq",
    "address_seq",
    "layer",
    "cluster_id",
    "published",
    "share",
    "location",
    "outcome",
    "country",
    "lat",
    "lon",
    "precision",
)

#: Columns of the points written for clusters.gpkg (layer ``points``), in order.
POINT_COLUMNS = ("layer", "lat", "lon", "weight", "share", "cluster_id", "published")

#: The order of addresses.csv: the unlocated, then those located too coarsely, then the others;
#: within each, the addresses with the most people rows first, ties broken by the text.
ADDRESS_ORDER = (
    "CASE outcome WHEN 'not_located' THEN 0 WHEN 'too_coarse' THEN 1 ELSE 2 END, rows DESC, "
    "address NULLS FIRST, source, layer, precision NULLS FIRST, rule NULLS FIRST, "
    "reason NULLS FIRST, country NULLS FIRST, region NULLS FIRST, city NULLS FIRST, "
    "lat NULLS FIRST, lon NULLS FIRST"
)

#: Why a row is or is not in a cluster (the same four outcomes as accounts.json's shares).
_OUTCOME_SQL = (
    "CASE WHEN r.cluster >= 0 THEN 'clustered' WHEN r.cluster = -1 THEN 'noise' "
    "WHEN r.lat IS NOT NULL THEN 'too_coarse' ELSE 'not_located' END"
)


def _copy(con: duckdb.DuckDBPyConnection, sql: str, path: Path) -> None:
    quoted = str(path).replace("'", "''")
    con.execute(
        f"COPY ({sql}) TO '{quoted}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)"
    )


#: The order of memberships.parquet after its document and person: the keys that break the
#: ties of rows without a person (:func:`_membership_order`).
_MEMBERSHIP_TIES = (
    "r.lat NULLS FIRST, r.lon NULLS FIRST, r.country NULLS FIRST, r.precision NULLS FIRST, "
    "r.share, location NULLS FIRST"
)


def _membership_order(con: duckdb.DuckDBPyConnection) -> str:
    """The ORDER BY of memberships.parquet: layer, doc_id, person_seq, address_seq (nulls
    first), then :data:`_MEMBERSHIP_TIES`, a total order on the rows' content.

    The first two keys are one integer, ``doc_key``, the rank of (layer, doc_id) among the
    documents (:func:`stclusters.measure.counting.filter_documents`): the same order. A row
    with a person is the only one of its (doc_id, person_seq, address_seq) key (the records'
    ``people_duplicate`` rule, :func:`stclusters.records.check_records`), so the later keys
    only ever order rows without a person; when no two of those share their document and
    ``address_seq`` (one aggregate over those rows alone), the sort carries no later key at
    all: every key it carries costs time for every row, used or not.
    """
    ties = con.execute(
        "SELECT count(*) FROM (SELECT 1 FROM rows WHERE current AND person_seq IS NULL "
        "GROUP BY doc_key, address_seq HAVING count(*) > 1)"
    ).fetchall()[0][0]
    first = "r.doc_key, r.person_seq NULLS FIRST, r.address_seq NULLS FIRST"
    return f"{first}, {_MEMBERSHIP_TIES}" if ties else first


def write_record_tables(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    *,
    clustering: Clustering,
    published: Iterable[int],
) -> dict[str, str]:
    """Write memberships.parquet, addresses.parquet and points.parquet into ``folder``.

    Parameters
    ----------
    con
        The run's connection: table ``rows`` labelled by the measure stage (``cluster``,
        ``loc_label``; :func:`stclusters.measure.stage.label_rows`) and table ``addresses``
        (:func:`stclusters.inputs.locate_people`).
    folder
        An existing scratch folder (it must live until :func:`write_records` has run).
    clustering
        The cluster stage's distinct points (points.parquet: one row per distinct point of a
        layer, its weight in people rows, its share sum in documents and its cluster).
    published
        The ids of the published clusters (``published`` column).

    Returns
    -------
    dict
        Key of :data:`RECORD_FILES` -> path of the file written.

    Notes
    -----
    memberships: one row per people row of a kept document of the current window; ``share``
    is the row's fractional share (the one counted in the ranking, method.md section 4);
    ``cluster_id`` the cluster of every cluster found (ids of all_clusters.csv and
    ranking.csv), null outside; ``outcome`` why: clustered, noise, too_coarse, not_located.
    The rows are sorted by layer, doc_id, person_seq, address_seq, then the other columns
    (:func:`_membership_order`).
    """
    ids = sorted({int(c) for c in published})
    con.register("published_ids_in", pa.table({"c": pa.array(ids, pa.int64())}))
    try:
        _copy(
            con,
            f"""
            SELECT r.doc_id, r.person_seq, r.address_seq, r.layer,
                CASE WHEN r.cluster >= 0 THEN r.cluster END AS cluster_id,
                r.cluster IS NOT NULL AND r.cluster IN (SELECT c FROM published_ids_in)
                    AS published,
                r.share, r.loc_label AS location, {_OUTCOME_SQL} AS outcome,
                r.country, r.lat, r.lon, r.precision
            FROM rows r WHERE r.current
            ORDER BY {_membership_order(con)}
            """,
            folder / RECORD_FILES["memberships"],
        )
    finally:
        con.unregister("published_ids_in")
    _copy(
        con, f"SELECT * FROM addresses ORDER BY {ADDRESS_ORDER}", folder / RECORD_FILES["addresses"]
    )
    pq.write_table(_points(clustering, ids), folder / RECORD_FILES["points"], compression="zstd")
    return {key: str(folder / name) for key, name in RECORD_FILES.items()}


def _points(clustering: Clustering, published: Sequence[int]) -> pa.Table:
    """The distinct points of every layer (lexicographic within a layer) with their clusters."""
    parts = []
    for layer in clustering.layers:
        labels = layer.labels
        parts.append(
            pa.table(
                {
                    "layer": pa.repeat(pa.scalar(layer.name, pa.string()), len(labels)),
                    "lat": pa.array(layer.points[:, 0], pa.float64()),
                    "lon": pa.array(layer.points[:, 1], pa.float64()),
                    "weight": pa.array(layer.weights.astype(np.int64), pa.int64()),
                    "share": pa.array(layer.shares, pa.float64()),
                    "cluster_id": pa.array(labels, pa.int64(), mask=labels < 0),
                    "published": pa.array(np.isin(labels, np.asarray(published, np.int64))),
                }
            )
        )
    return pa.concat_tables(parts)


def write_records(results: Results, folder: Path) -> None:
    """Copy the per-record tables of ``results`` (``record_files``) into ``folder`` and write
    ``addresses.csv`` (UTF-8 with a byte-order mark, so that Excel reads it right) from
    addresses.parquet, one record batch at a time. Nothing is written when the results carry
    no per-record tables (:func:`stclusters.pipeline.compute` without ``record_dir``)."""
    files = results.record_files
    for key in ("memberships", "addresses"):
        if key in files:
            shutil.copyfile(files[key], folder / RECORD_FILES[key])
    if "addresses" in files:
        parquet = pq.ParquetFile(files["addresses"])
        with (folder / "addresses.csv").open("wb") as fh:
            fh.write("\ufeff".encode())
            with pacsv.CSVWriter(fh, parquet.schema_arrow) as writer:
                for batch in parquet.iter_batches(batch_size=65_536):
                    writer.write_batch(batch)
