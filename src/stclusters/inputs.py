"""The first stages of a run: the inputs as the four canonical tables in DuckDB, then geocoded.

Records folders are scanned in place (never loaded whole); files in export formats are streamed
through the readers into a records folder in the workspace first (bounded memory). Either way
the stages after this one see four views, ``documents``, ``people``, ``classes`` and
``applicants`` (the record model of :mod:`stclusters.records`), on the connection of a
:class:`Workspace`.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from stclusters.errors import InputError
from stclusters.readers._dialect import TableDialect
from stclusters.records import (
    LAYERS,
    MANIFEST,
    ROLES,
    TABLES,
    Records,
    check_folder,
    check_records,
    read_manifest,
)

__all__ = [
    "ADDRESS_COLUMNS",
    "InputTables",
    "Workspace",
    "geocode_inputs",
    "locate_people",
    "open_inputs",
    "register_inputs",
    "wait_closed",
]

log = logging.getLogger("stclusters")


class Workspace:
    """The DuckDB connection the stages share, with its memory limit and spill folder.

    Use as a context manager: the connection is closed and the spill folder removed on exit,
    whether the run succeeds or not.

    Parameters
    ----------
    memory_limit_gb
        DuckDB's memory limit in GB (None: DuckDB's default, 80% of the machine's memory); with a
        limit, DuckDB spills to a temporary folder.
    """

    def __init__(self, *, memory_limit_gb: float | None = None) -> None:
        self.con = duckdb.connect()
        # in Jupyter without ipywidgets DuckDB refuses any change of the setting, whose value
        # is already off there (the notebook API, docs/notebook.ipynb)
        with contextlib.suppress(duckdb.InvalidInputException):
            self.con.execute("SET enable_progress_bar = false")
        self._spill: tempfile.TemporaryDirectory[str] | None = None
        self._scratch: list[tempfile.TemporaryDirectory[str]] = []
        if memory_limit_gb is not None:
            self._spill = tempfile.TemporaryDirectory(prefix="stclusters-spill-")
            self.con.execute(f"SET memory_limit = '{memory_limit_gb:g}GB'")
            spill = self._spill.name.replace("'", "''")
            self.con.execute(f"SET temp_directory = '{spill}'")

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # after a success the next stage (the write) overlaps the close; after a failure the
        # error is reported once everything is cleaned up
        self.close(wait=exc_type is not None)

    def scratch(self, name: str) -> Path:
        """A new temporary folder that lives as long as the workspace (``name`` in its name)."""
        spill = self._spill.name if self._spill is not None else None
        folder = tempfile.TemporaryDirectory(prefix=f"stclusters-{name}-", dir=spill)
        self._scratch.append(folder)
        return Path(folder.name)

    def close(self, *, wait: bool = True) -> None:
        """Close the connection and remove the spill and scratch folders.

        With ``wait=False`` this runs in a thread and returns at once (:func:`wait_closed`
        joins it): freeing a database of a hundred million rows takes seconds (5 s at scale
        1.0), during which DuckDB releases the GIL, so the stage after the computing one
        (the write, which reads files and never DuckDB) runs meanwhile.
        """
        if not wait:
            thread = threading.Thread(target=self._close_quietly, name="stclusters-close")
            _CLOSING.append(thread)
            thread.start()
            return
        self.con.close()
        for folder in self._scratch:
            folder.cleanup()
        self._scratch = []
        if self._spill is not None:
            self._spill.cleanup()
            self._spill = None

    def _close_quietly(self) -> None:
        try:
            self.close()
        except Exception as error:  # the results are complete: a failed clean-up is a note
            log.warning("closing the DuckDB workspace failed: %s", error)


#: Workspaces closing in the background (:meth:`Workspace.close` with ``wait=False``).
_CLOSING: list[threading.Thread] = []


def wait_closed() -> None:
    """Wait until every workspace closing in the background is closed and its spill folder
    removed."""
    while _CLOSING:
        _CLOSING.pop().join()


@dataclass(frozen=True)
class InputTables:
    """The canonical tables of a run's inputs, as views on ``con``.

    Attributes
    ----------
    con
        The connection holding the views ``documents``, ``people``, ``classes`` and
        ``applicants`` (columns of :data:`stclusters.records.SCHEMAS`).
    counts
        Rows per table.
    accounts
        What was read: ``records_folders`` (name, content checksum, rows), ``files`` (one account
        per input file, from the readers, named relative to the folder holding every input),
        ``files_content_checksum`` (of the records read from them), ``in_memory`` when Records
        were given. No full path: those go to ``run.json``.
    """

    con: duckdb.DuckDBPyConnection
    counts: dict[str, int]
    accounts: dict[str, Any] = field(default_factory=dict)


def _split_inputs(inputs: Sequence[str | Path]) -> tuple[list[Path], list[str]]:
    folders, others = [], []
    for item in inputs:
        path = Path(item)
        if path.is_dir() and (path / MANIFEST).exists():
            folders.append(path)
        else:
            others.append(str(item))
    return folders, others


def _read_files(
    others: Sequence[str],
    *,
    input_format: str | None,
    workspace: Workspace,
    dialect: TableDialect | None = None,
) -> tuple[Path, Any, str]:
    """Stream input files through the readers into a records folder in the workspace.

    The folder lives in a temporary folder of the workspace (removed when it closes), so that
    memory stays bounded by the readers' chunks whatever the size of the exports; it is then
    validated like any records folder (DuckDB scans on the workspace's connection, never
    loaded), which takes its content checksum in the same scans.

    Returns
    -------
    folder, accounts, checksum
        The records folder, the readers' accounts (one per input file) and the folder's
        :func:`~stclusters.records.content_checksum`.
    """
    from stclusters.readers import ReadStream
    from stclusters.readers.folder import write_chunks
    from stclusters.records import RecordsWriter

    folder = workspace.scratch("read") / "records"
    stream = ReadStream(others, format=input_format, dialect=dialect)
    with RecordsWriter(folder, check=False) as writer:  # checked below, on the workspace
        write_chunks(stream, writer, transform=lambda chunk: portable_records(chunk, others))
    checked = check_records(folder, where="records read from the input files", con=workspace.con)
    return folder, stream.to_dict(), checked.content_checksum


def open_inputs(
    inputs: Sequence[str | Path] | Records,
    *,
    workspace: Workspace,
    input_format: str | None = None,
    dialect: TableDialect | None = None,
) -> InputTables:
    """Check the inputs and make them the four canonical views of ``workspace``.

    Parameters
    ----------
    inputs
        Records folders (scanned in place) and input files, folders or globs in any format the
        readers know (streamed into a records folder of the workspace, then validated), or
        Records in memory.
    workspace
        Where the views are created.
    input_format
        Force the reader format of the input files.
    dialect
        The encoding and delimiter of plain-table CSV files, when not to be detected.

    Raises
    ------
    InputError
        When no input is given or an input cannot be read.
    ValidationError
        When a records folder breaks the record model.

    Notes
    -----
    A document given by more than one input is kept once (:func:`register_inputs`); the
    documents dropped are counted in ``accounts["duplicates_across_inputs"]``.
    """
    accounts: dict[str, Any] = {"records_folders": [], "files": []}
    folders: list[Path] = []
    records: Records | None = None
    others: list[str] = []
    con = workspace.con
    if isinstance(inputs, Records):
        checked = check_records(inputs, con=con)
        records = inputs
        accounts["in_memory"] = {
            "content_checksum": checked.content_checksum,
            "rows": inputs.counts(),
        }
    else:
        folders, others = _split_inputs(inputs)
        for folder in folders:
            manifest = read_manifest(folder)
            checked = check_folder(folder, con=con)  # the result stored when it was written
            accounts["records_folders"].append(
                {
                    "name": folder.name,
                    "content_checksum": checked.content_checksum,
                    "rows": checked.counts,
                    "synthetic": manifest.get("generator") == SYNTH_GENERATOR,
                    **folder_read_accounts(folder),
                }
            )
        accounts["records_folders"].sort(key=lambda a: (a["name"], a["content_checksum"]))
        if others:
            read, files, checksum = _read_files(
                others, input_format=input_format, workspace=workspace, dialect=dialect
            )
            folders.append(read)
            accounts.update(portable_accounts(files, others))
            accounts["files_content_checksum"] = checksum
        if not folders:
            raise InputError("no inputs given: name records folders or input files")
    labels = [f.name for f in folders]
    if not isinstance(inputs, Records) and others:
        labels[-1] = "records read from files"
    duplicates = register_inputs(workspace.con, folders, records, labels=labels or None)
    if duplicates:
        accounts["duplicates_across_inputs"] = duplicates
        if duplicates["dropped"]:
            log.warning(
                "%s document(s) given by more than one input were kept once (%s by doc_id, "
                "%s by DOI)",
                f"{duplicates['dropped']:,}",
                f"{duplicates['by_doc_id']:,}",
                f"{duplicates['by_doi']:,}",
            )
    return InputTables(workspace.con, table_counts(workspace.con), accounts)


#: The ``generator`` of the manifest of a synthetic world (:func:`stclusters.synth.write_world`).
SYNTH_GENERATOR = "stclusters.synth"

#: How many problems of each file of a records folder's read are carried into the accounts.
FOLDER_PROBLEMS = 5


def folder_read_accounts(folder: Path) -> dict[str, Any]:
    """What the read that wrote a records folder found (its ``accounts.json``), shortened.

    Returns ``{"read": {"totals": ..., "files": [...]}}`` with, per file, the counts and up to
    :data:`FOLDER_PROBLEMS` problems; ``{}`` when the folder has no read accounts (a
    synthetic world, records written by the API); ``{"read_note": ...}`` when they cannot be
    read (the run goes on: these figures only describe an earlier step).
    """
    import json

    from stclusters.readers.folder import ACCOUNTS_FILE

    path = folder / ACCOUNTS_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = [
            {
                **{k: v for k, v in f.items() if k != "problems"},
                "problems": list(f.get("problems") or [])[:FOLDER_PROBLEMS],
            }
            for f in data.get("files") or []
        ]
        return {"read": {"totals": dict(data["totals"]), "files": files}}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return {"read_note": f"{path}: the read accounts could not be read ({exc})"}


def portable_names(inputs: Sequence[str]) -> Callable[[Any], Any]:
    """A function that names input files relative to the folder holding every input.

    Applied to text, it replaces a leading input path (as given or resolved) by the file's
    path below that folder (its name alone for a single file); other values pass unchanged.
    Accounts and the records' ``file`` column then do not depend on where the inputs live.
    """
    paths = [Path(i).expanduser().resolve() for i in inputs]
    parents = [p if p.is_dir() else p.parent for p in paths]
    base = str(Path(os.path.commonpath([str(p) for p in parents]))) if parents else None
    prefixes = sorted({str(Path(i)) for i in inputs} | {str(p) for p in paths}, key=len)

    def name(value: Any) -> Any:
        if not isinstance(value, str) or base is None:
            return value
        for prefix in reversed(prefixes):
            if value.startswith(prefix) and value[len(prefix) : len(prefix) + 1] in "/:":
                full = str(Path(prefix).expanduser().resolve()) + value[len(prefix) :]
                return full[len(base) :].lstrip("/") or Path(full).name
        return value

    return name


def portable_accounts(files: dict[str, Any], inputs: Sequence[str]) -> dict[str, Any]:
    """The readers' accounts with the files named by :func:`portable_names`, in that name's
    order: the accounts then do not depend on where the inputs live nor on the order they were
    given in (the full paths go to ``run.json``)."""
    name = portable_names(inputs)

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return name(value)

    out = strip(files)
    if isinstance(out.get("files"), list):
        out["files"].sort(key=lambda a: str(a.get("path", "")))
    return cast(dict[str, Any], out)


def portable_records(records: Records, inputs: Sequence[str]) -> Records:
    """``records`` with the documents' ``file`` column named by :func:`portable_names`."""
    docs = records.documents
    if "file" not in docs.column_names or not docs.num_rows:
        return records
    name = portable_names(inputs)
    given = pc.dictionary_encode(docs.column("file").combine_chunks())  # a few distinct files
    names = pa.array([name(v) for v in given.dictionary.to_pylist()], type=pa.string())
    files = names.take(given.indices)
    docs = docs.set_column(docs.schema.get_field_index("file"), "file", files)
    return Records(**{t: docs if t == "documents" else records.table(t) for t in TABLES})


def register_tables(
    con: duckdb.DuckDBPyConnection, folders: Sequence[Path], records: Records | None
) -> dict[str, int]:
    """Make the four canonical tables views over the folders' Parquet files and ``records``.

    Documents given by more than one input are kept once (:func:`register_inputs`). Returns
    the number of rows of each table.
    """
    register_inputs(con, folders, records)
    return table_counts(con)


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The number of rows of each canonical table of ``con``."""
    return {
        name: int(con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]) for name in TABLES
    }


#: How many duplicate documents across inputs are listed by id in the accounts.
DUPLICATE_EXAMPLES = 5


def _source_priority(con: duckdb.DuckDBPyConnection) -> None:
    from stclusters.readers.detect import PRIORITY

    items = sorted(PRIORITY.items())
    con.execute("CREATE OR REPLACE TEMP TABLE source_priority (source VARCHAR, priority INTEGER)")
    con.executemany("INSERT INTO source_priority VALUES (?, ?)", [list(i) for i in items])


def register_inputs(
    con: duckdb.DuckDBPyConnection,
    folders: Sequence[Path],
    records: Records | None,
    *,
    labels: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Make the four canonical views of ``con`` from the inputs, each document kept once.

    With one input the views are the input itself. With several, a document given by more
    than one input is kept once, found as the readers find duplicates within one read
    (:class:`stclusters.readers._common.Deduper`): by ``doc_id``, then by DOI (compared
    without case). The copy kept is that of the better source (Web of Science before Scopus
    and OpenAlex, USPTO XML before PatentsView: :data:`stclusters.readers.detect.PRIORITY`),
    then that of the input given first; the people, classes and applicants of the copies
    dropped go with them. DOIs repeated within one input are that input's own business and
    are left alone.

    Parameters
    ----------
    con
        The connection; gains the views ``documents``, ``people``, ``classes``, ``applicants``
        and, with several inputs, the temporary table ``input_docs`` (one row per document of
        every input: ``doc_id``, ``input``, ``layer``, ``kept``, ``reason``).
    folders, records
        The records folders (scanned in place), then the records in memory; input ``i`` is
        the ``i``-th of the folders followed by ``records``.
    labels
        The name of each input in the accounts (default: the folder paths, then "records
        read from files").

    Returns
    -------
    dict
        The duplicates across inputs: ``dropped`` (documents), ``by_doc_id``, ``by_doi``,
        ``per_input`` (one item per input: ``input``, ``duplicates_dropped`` by layer) and
        ``examples`` (up to :data:`DUPLICATE_EXAMPLES` dropped documents with the reason).
        Empty when there is one input.
    """
    n_inputs = len(folders) + (records is not None)
    names = list(labels) if labels is not None else [str(f) for f in folders]
    if labels is None and records is not None:
        names.append("records read from files")
    for name in TABLES:
        parts = []
        for i, folder in enumerate(folders):
            quoted = str(folder / f"{name}.parquet").replace("'", "''")
            parts.append(f"SELECT *, {i} AS _input FROM read_parquet('{quoted}')")
        if records is not None:
            con.register(f"{name}_mem", records.table(name))
            parts.append(f"SELECT *, {len(folders)} AS _input FROM {name}_mem")
        union = " UNION ALL BY NAME ".join(parts)
        if n_inputs <= 1:
            con.execute(
                f"CREATE OR REPLACE VIEW {name} AS SELECT * EXCLUDE (_input) FROM ({union})"
            )
        else:
            con.execute(f"CREATE OR REPLACE VIEW {name}_all AS {union}")
    if n_inputs <= 1:
        return {}
    _source_priority(con)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE input_docs AS
        WITH d AS (
            SELECT d.doc_id, d._input AS input, d.layer, nullif(lower(trim(d.doi)), '') AS doi,
                coalesce(p.priority, 9) AS priority
            FROM documents_all d LEFT JOIN source_priority p ON p.source = d.source
        ), by_id AS (
            SELECT *, row_number() OVER w > 1 AS same_id, first_value(input) OVER w AS id_first
            FROM d WINDOW w AS (PARTITION BY doc_id ORDER BY priority, input)
        ), doi_winner AS (
            SELECT doi, arg_min(input, (priority, input, doc_id)) AS input,
                arg_min(doc_id, (priority, input, doc_id)) AS doc_id
            FROM by_id WHERE NOT same_id AND doi IS NOT NULL GROUP BY doi
        )
        SELECT b.doc_id, b.input, b.layer,
            CASE WHEN b.same_id THEN 'doc_id'
                 WHEN w.input IS NOT NULL AND w.input <> b.input THEN 'doi' END AS reason,
            reason IS NULL AS kept, b.doi, w.doc_id AS kept_doc_id,
            CASE WHEN b.same_id THEN b.id_first ELSE w.input END AS kept_input
        FROM by_id b LEFT JOIN doi_winner w USING (doi)
        """
    )
    for name in TABLES:
        con.execute(
            f"CREATE OR REPLACE VIEW {name} AS SELECT t.* EXCLUDE (_input) FROM {name}_all t "
            "SEMI JOIN (SELECT doc_id, input FROM input_docs WHERE kept) k "
            "ON k.doc_id = t.doc_id AND k.input = t._input"
        )
    return _duplicate_accounts(con, names)


def _duplicate_accounts(con: duckdb.DuckDBPyConnection, names: Sequence[str]) -> dict[str, Any]:
    """The accounts of the duplicates found by :func:`register_inputs` (table ``input_docs``)."""
    by_reason = dict(
        con.execute(
            "SELECT reason, count(*) FROM input_docs WHERE NOT kept GROUP BY reason"
        ).fetchall()
    )
    per_input: list[dict[str, Any]] = [{"input": name, "duplicates_dropped": {}} for name in names]
    for i, layer, n in con.execute(
        "SELECT input, layer, count(*) FROM input_docs WHERE NOT kept GROUP BY ALL ORDER BY ALL"
    ).fetchall():
        per_input[int(i)]["duplicates_dropped"][str(layer)] = int(n)
    examples = [
        {
            "doc_id": doc_id,
            "input": names[int(i)],
            "reason": f"same doc_id in {names[int(w)]}"
            if reason == "doc_id"
            else f"same DOI {doi} as {kept_id} in {names[int(w)]}",
        }
        for doc_id, i, reason, doi, kept_id, w in con.execute(
            "SELECT doc_id, input, reason, doi, kept_doc_id, kept_input FROM input_docs "
            f"WHERE NOT kept ORDER BY input, doc_id LIMIT {DUPLICATE_EXAMPLES}"
        ).fetchall()
    ]
    dropped = sum(int(n) for n in by_reason.values())
    return {
        "dropped": dropped,
        "by_doc_id": int(by_reason.get("doc_id", 0)),
        "by_doi": int(by_reason.get("doi", 0)),
        "per_input": per_input,
        "examples": examples,
    }


#: Numbers the temporary tables of geocoded people rows (the ``people`` view reads the last).
_GEOCODED = itertools.count()


def rows_without_coordinates(tables: InputTables) -> int:
    """How many people rows have no latitude or longitude."""
    sql = "SELECT count(*) FROM people WHERE lat IS NULL OR lon IS NULL"
    return int(tables.con.execute(sql).fetchall()[0][0])


def geocode_inputs(
    tables: InputTables,
    *,
    cache_dir: str | Path | None = None,
    fuzzy_threshold: float | None = None,
    workers: int | None = None,
    people: str = "people",
    out: str | None = None,
) -> tuple[InputTables, dict[str, Any]]:
    """Geocode the people rows without coordinates (method.md section 2).

    DuckDB selects the distinct inputs of the rows without coordinates, those are geocoded
    (with the result cache, on ``workers`` processes) and the results are joined back in SQL
    into a temporary table that the ``people`` view then reads
    (:func:`stclusters.geocode.stage.geocode_people`; ``fuzzy_threshold``: the setting of that
    name, the geocoder's default when None). The rows never come into Python. When every row has
    coordinates, nothing is done and the accounts are empty.

    Returns
    -------
    tables, accounts
        The same connection with ``people`` now carrying ``lat``, ``lon`` and ``precision`` where
        an address was found, and the geocoding accounts (run-dependent figures such as cache
        hits and seconds go to the log, not to the accounts, so that these stay deterministic).
        ``people`` names the relation geocoded (default the ``people`` view; a relation with
        more columns keeps them); ``out`` names the table of the geocoded rows (default a new
        name).
    """
    from stclusters.geocode.geocoder import DEFAULT_FUZZY_THRESHOLD
    from stclusters.geocode.stage import geocode_people

    if not rows_without_coordinates(tables):
        return tables, {}
    con = tables.con
    out = out or f"people_geocoded_{next(_GEOCODED)}"
    report = geocode_people(
        con,
        out=out,
        people=people,
        cache_dir=Path(cache_dir) if cache_dir else None,
        fuzzy_threshold=DEFAULT_FUZZY_THRESHOLD if fuzzy_threshold is None else fuzzy_threshold,
        workers=workers,
    )
    con.execute(f"CREATE OR REPLACE VIEW people AS SELECT * FROM {out}")
    counts = dict(tables.counts)
    counts["people"] = report.rows
    accounts = report.to_dict()
    cache_hits = accounts.pop("cache_hits", 0)
    accounts.pop("geocoded_now", None)
    accounts.pop("seconds", None)
    log.info("geocoding cache hits: %s", cache_hits)
    return InputTables(con, counts, tables.accounts), accounts


#: Columns of table ``addresses`` (addresses.csv / .parquet; docs/outputs.md), in order.
ADDRESS_COLUMNS = (
    "address",
    "source",
    "layer",
    "outcome",
    "city",
    "region",
    "country",
    "lat",
    "lon",
    "precision",
    "rule",
    "reason",
    "rows",
)


def locate_people(
    tables: InputTables,
    *,
    cache_dir: str | Path | None = None,
    fuzzy_threshold: float | None = None,
    overrides: pa.Table | None = None,
    overrides_file: str = "",
    precisions: Sequence[str] = ("street", "postcode", "city"),
) -> tuple[InputTables, dict[str, Any], dict[str, Any]]:
    """Geocode the people rows without coordinates, apply the geocode overrides and make table
    ``addresses`` (one row per distinct address and how it was located).

    Each people row's address text (:func:`stclusters.geocode.overrides.address_text_sql`) is
    taken from the fields as read, before geocoding fills them; the rows without coordinates
    are geocoded (:func:`geocode_inputs`); then ``overrides``
    (:func:`~stclusters.geocode.overrides.read_geocode_overrides`) move or ignore the rows of
    the addresses they name (:func:`~stclusters.geocode.overrides.apply_overrides`). The
    ``people`` view then reads the corrected rows. Everything stays in DuckDB.

    Parameters
    ----------
    tables
        The canonical views of the inputs.
    cache_dir, fuzzy_threshold
        As for :func:`geocode_inputs`.
    overrides, overrides_file
        The checked overrides table (None: none) and the file it came from (named by its file
        name in the accounts).
    precisions
        The precisions clustered (the ``cluster_precisions`` setting): an address located
        more coarsely has the outcome ``too_coarse`` in table ``addresses``.

    Returns
    -------
    tables, geocoding, overrides
        The tables with ``people`` located and corrected, the geocoding accounts
        (:func:`geocode_inputs`) and the overrides accounts (``{}`` without overrides).
    """
    from stclusters.geocode.overrides import address_text_sql, apply_overrides

    con = tables.con
    keyed = f"people_keyed_{next(_GEOCODED)}"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {keyed} AS "
        f"SELECT *, {address_text_sql()} AS address_text FROM people"
    )
    given = f"{keyed}_given"
    _given_addresses(con, people="people", out=given)
    geocoding: dict[str, Any] = {}
    located, inputs = keyed, None
    if rows_without_coordinates(tables):
        located = f"people_geocoded_{next(_GEOCODED)}"
        tables, geocoding = geocode_inputs(
            tables,
            cache_dir=cache_dir,
            fuzzy_threshold=fuzzy_threshold,
            people=keyed,
            out=located,
        )
        inputs = f"{located}_inputs"
    corrections: dict[str, Any] = {}
    if overrides is not None:
        corrected = f"{keyed}_corrected"
        corrections = apply_overrides(
            con, people=located, overrides=overrides, out=corrected, file=overrides_file
        )
        located = corrected
    _address_table(
        con, given=given, inputs=inputs, precisions=precisions, overrides=overrides is not None
    )
    if located != keyed:
        con.execute(
            f"CREATE OR REPLACE VIEW people AS SELECT * EXCLUDE (address_text"
            f"{', override_line' if overrides is not None else ''}) FROM {located}"
        )
    return tables, geocoding, corrections


def _given_addresses(con: duckdb.DuckDBPyConnection, *, people: str, out: str) -> None:
    """Table ``out``: the rows of ``people`` that came with coordinates, per address text
    (:func:`~stclusters.geocode.overrides.address_text_sql`), source, layer and precision; a
    place or coordinate column holds its value when every row agrees, else null (coordinates
    given per row usually differ).

    One pass over the rows groups them by their raw address fields, source, layer and
    precision (keeping each group's smallest and largest coordinates); the address text is
    then made once per such group, and the groups are summed per text. The text is not made
    per row: at world scale that costs more than the grouping itself (issue 12 item 4).

    The source and layer of a row are its document's. When every layer's documents share one
    source (:func:`_source_of_layers`), the rows are grouped by their role instead, which
    gives the layer (the record model: inventors on patents, authors on articles; every
    people row has its document, :func:`~stclusters.records.check_records`), and the source
    follows from the layer: the join of the rows to the documents on the ``doc_id`` strings,
    a third of the query's cost, is left out, with the same table.
    """
    from stclusters.geocode.overrides import ADDRESS_FIELDS, address_text_sql

    fields = ", ".join(f"p.{f}" for f in ADDRESS_FIELDS)
    points = ", ".join(f"min(p.{c}) AS min_{c}, max(p.{c}) AS max_{c}" for c in ("lat", "lon"))

    def same(col: str) -> str:
        # the rows of a group share the group's city, region and country
        return (
            f"CASE WHEN count(g.{col}) = count(*) AND min(g.{col}) = max(g.{col}) "
            f"THEN min(g.{col}) END AS {col}"
        )

    def point(col: str) -> str:
        # no row of ``g`` has a null coordinate
        return f"CASE WHEN min(g.min_{col}) = max(g.max_{col}) THEN min(g.min_{col}) END AS {col}"

    sources = _source_of_layers(con)
    if sources is None:
        grouped = f"""
            SELECT {fields}, d.source, d.layer, p.precision, {points}, count(*) AS n
            FROM {people} p LEFT JOIN documents d ON d.doc_id = p.doc_id
            WHERE p.lat IS NOT NULL AND p.lon IS NOT NULL
            GROUP BY ALL
        """
    else:
        layer_of = dict(zip(ROLES, LAYERS, strict=True))
        to_layer = " ".join(
            f"WHEN {_sql_text(r)} THEN {_sql_text(ly)}" for r, ly in layer_of.items()
        )
        to_source = " ".join(
            f"WHEN {_sql_text(r)} THEN {_sql_text(sources.get(ly))}" for r, ly in layer_of.items()
        )
        grouped = f"""
            SELECT * EXCLUDE (role), CAST(CASE role {to_source} END AS VARCHAR) AS source,
                CASE role {to_layer} END AS layer
            FROM (
                SELECT {fields}, p.role, p.precision, {points}, count(*) AS n
                FROM {people} p
                WHERE p.lat IS NOT NULL AND p.lon IS NOT NULL
                GROUP BY ALL
            )
        """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out} AS
        WITH g AS ({grouped})
        SELECT {address_text_sql("g")} AS address,
            coalesce(CAST(g.source AS VARCHAR), '(unknown)') AS source,
            coalesce(CAST(g.layer AS VARCHAR), '(unknown)') AS layer,
            {same("city")}, {same("region")}, {same("country")},
            {point("lat")}, {point("lon")}, g.precision,
            'given' AS rule, NULL::VARCHAR AS reason, sum(g.n)::BIGINT AS rows
        FROM g
        GROUP BY 1, g.source, g.layer, g.precision
        """
    )


def _source_of_layers(con: duckdb.DuckDBPyConnection) -> dict[str, str | None] | None:
    """The one source (None: not given) of each layer's documents of view ``documents``, or
    None when the documents of some layer have more than one (one aggregate over the
    documents, a fraction of the people rows)."""
    found = con.execute(
        "SELECT CAST(layer AS VARCHAR), count(DISTINCT source), count(source), count(*), "
        "CAST(min(source) AS VARCHAR) FROM documents GROUP BY layer"
    ).fetchall()
    out: dict[str, str | None] = {}
    for layer, distinct, given, rows, source in found:
        if layer not in LAYERS or not (distinct == 0 or (distinct == 1 and given == rows)):
            return None
        out[str(layer)] = None if distinct == 0 else str(source)
    return out


def _sql_text(value: str | None) -> str:
    """A SQL string literal (NULL for None)."""
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def _address_table(
    con: duckdb.DuckDBPyConnection,
    *,
    given: str,
    inputs: str | None,
    precisions: Sequence[str],
    overrides: bool,
) -> None:
    """Create table ``addresses`` (:data:`ADDRESS_COLUMNS`) from the given-coordinate
    addresses, the geocoder's distinct inputs and the overrides (one row per distinct address
    text, source, layer and result; the rows summed)."""
    from stclusters.cluster.stage import fine_condition
    from stclusters.geocode.overrides import address_text_sql, match_key_sql

    parts = [f"SELECT * FROM {given}"]
    if inputs is not None:
        parts.append(
            f"""
            SELECT {address_text_sql("i")} AS address, i.source, i.layer,
                i.result_city AS city, i.result_region AS region, i.result_country AS country,
                i.geo_lat AS lat, i.geo_lon AS lon, i.geo_precision AS precision,
                i.result_rule AS rule, i.result_reason AS reason, i.rows
            FROM {inputs} i
            """
        )
    union = " UNION ALL ".join(parts)
    if overrides:
        body = f"""
            SELECT a.address, a.source, a.layer,
                coalesce(o.city, a.city) AS city, coalesce(o.region, a.region) AS region,
                coalesce(o.country, a.country) AS country,
                CASE WHEN o.action IS NULL THEN a.lat WHEN o.action = 'move' THEN o.lat END AS lat,
                CASE WHEN o.action IS NULL THEN a.lon WHEN o.action = 'move' THEN o.lon END AS lon,
                CASE WHEN o.action IS NULL THEN a.precision
                     WHEN o.action = 'move' THEN o.precision END AS precision,
                CASE WHEN o.action IS NULL THEN a.rule ELSE 'override' END AS rule,
                CASE WHEN o.action IS NULL THEN a.reason
                     ELSE 'geocode_overrides line ' || o.line || ': ' || o.action END AS reason,
                a.rows
            FROM ({union}) a
            LEFT JOIN geocode_overrides o ON o.key = {match_key_sql("a.address")}
        """
    else:
        body = union
    fine = fine_condition(precisions, alias="a")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE addresses AS
        WITH a AS ({body})
        SELECT address, source, layer,
            CASE WHEN a.precision IS NULL THEN 'not_located'
                 WHEN {fine.replace("a.lat IS NOT NULL AND ", "")} THEN 'located'
                 ELSE 'too_coarse' END AS outcome,
            city, region, country, lat, lon, precision, rule, reason, sum(rows)::BIGINT AS rows
        FROM a
        GROUP BY ALL
        """
    )
