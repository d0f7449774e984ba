"""The first stages of a run: the inputs as the four canonical tables in DuckDB, then geocoded.

Records folders are scanned in place (never loaded whole); files in export formats go through the
readers into memory first. Either way the stages after this one see four views, ``documents``,
``people``, ``classes`` and ``applicants`` (the record model of :mod:`stclusters.records`), on
the connection of a :class:`Workspace`.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import duckdb
import pyarrow as pa

from stclusters.errors import InputError, ValidationError
from stclusters.records import MANIFEST, TABLES, Records, content_checksum, read_manifest
from stclusters.records import validate as validate_records

__all__ = ["InputTables", "Workspace", "geocode_inputs", "open_inputs"]

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
        self.con.execute("SET enable_progress_bar = false")
        self._spill: tempfile.TemporaryDirectory[str] | None = None
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
        self.close()

    def close(self) -> None:
        """Close the connection and remove the spill folder."""
        self.con.close()
        if self._spill is not None:
            self._spill.cleanup()
            self._spill = None


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


def _read_files(others: Sequence[str], *, input_format: str | None) -> tuple[Records, Any]:
    from stclusters.readers import read_inputs

    result = read_inputs(others, format=input_format)
    return result.records, result.to_dict()


def open_inputs(
    inputs: Sequence[str | Path] | Records,
    *,
    workspace: Workspace,
    input_format: str | None = None,
) -> InputTables:
    """Check the inputs and make them the four canonical views of ``workspace``.

    Parameters
    ----------
    inputs
        Records folders (scanned in place) and input files, folders or globs in any format the
        readers know (read into memory, validated by the readers), or Records in memory.
    workspace
        Where the views are created.
    input_format
        Force the reader format of the input files.

    Raises
    ------
    InputError
        When no input is given or an input cannot be read.
    ValidationError
        When a records folder breaks the record model, or a document id occurs in more than one
        input.
    """
    accounts: dict[str, Any] = {"records_folders": [], "files": []}
    folders: list[Path] = []
    records: Records | None = None
    if isinstance(inputs, Records):
        validate_records(inputs)
        records = inputs
        accounts["in_memory"] = {
            "content_checksum": content_checksum(inputs),
            "rows": inputs.counts(),
        }
    else:
        folders, others = _split_inputs(inputs)
        for folder in folders:
            read_manifest(folder)
            rows = validate_records(folder)
            accounts["records_folders"].append(
                {"name": folder.name, "content_checksum": content_checksum(folder), "rows": rows}
            )
        accounts["records_folders"].sort(key=lambda a: (a["name"], a["content_checksum"]))
        if others:
            records, files = _read_files(others, input_format=input_format)
            records = portable_records(records, others)
            accounts.update(portable_accounts(files, others))
            accounts["files_content_checksum"] = content_checksum(records)
        if not folders and records is None:
            raise InputError("no inputs given: name records folders or input files")
    counts = register_tables(workspace.con, folders, records)
    return InputTables(workspace.con, counts, accounts)


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
    files = pa.array([name(v) for v in docs.column("file").to_pylist()], type=pa.string())
    docs = docs.set_column(docs.schema.get_field_index("file"), "file", files)
    return Records(**{t: docs if t == "documents" else records.table(t) for t in TABLES})


def register_tables(
    con: duckdb.DuckDBPyConnection, folders: Sequence[Path], records: Records | None
) -> dict[str, int]:
    """Make the four canonical tables views over the folders' Parquet files and ``records``.

    Returns the number of rows of each table.

    Raises
    ------
    ValidationError
        When a document id occurs in more than one input.
    """
    for name in TABLES:
        parts = []
        for folder in folders:
            quoted = str(folder / f"{name}.parquet").replace("'", "''")
            parts.append(f"SELECT * FROM read_parquet('{quoted}')")
        if records is not None:
            con.register(f"{name}_mem", records.table(name))
            parts.append(f"SELECT * FROM {name}_mem")
        con.execute(f"CREATE OR REPLACE VIEW {name} AS " + " UNION ALL BY NAME ".join(parts))
    if len(folders) + (records is not None) > 1:
        dup = con.execute(
            "SELECT count(*), any_value(doc_id) FROM "
            "(SELECT doc_id FROM documents GROUP BY doc_id HAVING count(*) > 1)"
        ).fetchall()[0]
        if dup[0]:
            raise ValidationError(
                [
                    f"documents: {dup[0]:,} doc_id value(s) occur in more than one input "
                    f"(for example {dup[1]}); give each document once"
                ],
                where="inputs",
            )
    return {
        name: int(con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]) for name in TABLES
    }


def rows_without_coordinates(tables: InputTables) -> int:
    """How many people rows have no latitude or longitude."""
    sql = "SELECT count(*) FROM people WHERE lat IS NULL OR lon IS NULL"
    return int(tables.con.execute(sql).fetchall()[0][0])


def geocode_inputs(
    tables: InputTables,
    *,
    cache_dir: str | Path | None = None,
    fuzzy_threshold: float | None = None,
) -> tuple[InputTables, dict[str, Any]]:
    """Geocode the people rows without coordinates (method.md section 2).

    The records are loaded into memory once, geocoded by
    :func:`stclusters.geocode.geocode_records` (``fuzzy_threshold``: the setting of that name,
    the geocoder's default when None) and registered again in place of the views. When every
    row has coordinates, nothing is done and the accounts are empty.

    Returns
    -------
    tables, accounts
        The same connection with ``people`` now carrying ``lat``, ``lon`` and ``precision`` where
        an address was found, and the geocoding accounts (run-dependent figures such as cache
        hits and seconds go to the log, not to the accounts, so that these stay deterministic).
    """
    from stclusters.geocode import geocode_records
    from stclusters.geocode.geocoder import DEFAULT_FUZZY_THRESHOLD

    if not rows_without_coordinates(tables):
        return tables, {}
    con = tables.con
    loaded = Records.from_tables(
        **{name: con.sql(f"SELECT * FROM {name}").to_arrow_table() for name in TABLES}
    )
    located, report = geocode_records(
        loaded,
        cache_dir=Path(cache_dir) if cache_dir else None,
        fuzzy_threshold=DEFAULT_FUZZY_THRESHOLD if fuzzy_threshold is None else fuzzy_threshold,
    )
    del loaded
    counts = register_tables(con, [], located)
    accounts = report.to_dict()
    cache_hits = accounts.pop("cache_hits", 0)
    accounts.pop("geocoded_now", None)
    accounts.pop("seconds", None)
    log.info("geocoding cache hits: %s", cache_hits)
    return InputTables(con, counts, tables.accounts), accounts
