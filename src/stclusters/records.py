"""The canonical record model: four Arrow tables, their validation, Parquet I/O of a records folder.

Every reader produces these tables and every later stage consumes them:

========== ================================= ===================================================
table      one row per                        columns
========== ================================= ===================================================
documents  patent application or article      doc_id, layer, year, doc_type, title, source, doi,
                                              file
people     inventor, or author x address      doc_id, person_seq, address_seq, role, name,
                                              organisation, address, city, region, postcode,
                                              country, lat, lon, precision
classes    classification code on a document  doc_id, scheme, code
applicants applicant on a patent application  doc_id, name, country
========== ================================= ===================================================

``person_seq`` numbers the inventors or authors of a document from 0; ``address_seq`` numbers the
distinct addresses of an article. An article author with two affiliations has two people rows
(same ``person_seq``, two ``address_seq``). When a source gives addresses without saying which
author they belong to, the rows have a null ``person_seq`` (one row per address): the counting
stage then splits the article equally among its addresses.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from stclusters._outdir import OutputKind, claim_folder
from stclusters.errors import InputError, ValidationError

__all__ = [
    "LAYERS",
    "PRECISIONS",
    "ROLES",
    "SCHEMAS",
    "TABLES",
    "Checked",
    "Records",
    "RecordsWriter",
    "check_folder",
    "check_records",
    "check_rules",
    "content_checksum",
    "documents_per_layer",
    "file_signatures",
    "read_records",
    "record_check",
    "stored_check",
    "validate",
    "write_records",
]

FORMAT_VERSION = 1
MANIFEST = "manifest.json"

LAYERS = ("patent", "article")
ROLES = ("inventor", "author")
#: Precision levels of a located address, finest first (method.md section 2).
PRECISIONS = ("street", "postcode", "city", "region", "country")
#: Precision levels fine enough for clustering.
CLUSTER_PRECISIONS = ("street", "postcode", "city")
YEAR_RANGE = (1800, 2100)

DOCUMENTS = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("layer", pa.string(), nullable=False),
        pa.field("year", pa.int16()),
        pa.field("doc_type", pa.string()),
        pa.field("title", pa.string()),
        pa.field("source", pa.string()),
        pa.field("doi", pa.string()),
        pa.field("file", pa.string()),
    ]
)
PEOPLE = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("person_seq", pa.int32()),
        pa.field("address_seq", pa.int32()),
        pa.field("role", pa.string(), nullable=False),
        pa.field("name", pa.string()),
        pa.field("organisation", pa.string()),
        pa.field("address", pa.string()),
        pa.field("city", pa.string()),
        pa.field("region", pa.string()),
        pa.field("postcode", pa.string()),
        pa.field("country", pa.string()),
        pa.field("lat", pa.float64()),
        pa.field("lon", pa.float64()),
        pa.field("precision", pa.string()),
    ]
)
CLASSES = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("scheme", pa.string(), nullable=False),
        pa.field("code", pa.string(), nullable=False),
    ]
)
APPLICANTS = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("name", pa.string(), nullable=False),
        pa.field("country", pa.string()),
    ]
)
SCHEMAS: dict[str, pa.Schema] = {
    "documents": DOCUMENTS,
    "people": PEOPLE,
    "classes": CLASSES,
    "applicants": APPLICANTS,
}
TABLES = tuple(SCHEMAS)


def empty_table(name: str) -> pa.Table:
    """An empty table with the schema of canonical table ``name``."""
    return SCHEMAS[name].empty_table()


def conform(table: pa.Table, name: str) -> pa.Table:
    """Cast ``table`` to the canonical schema of ``name``: missing columns become nulls.

    Raises
    ------
    InputError
        When a column cannot be cast (for example text in ``lat``) or a column is unknown.
    """
    schema = SCHEMAS[name]
    extra = [c for c in table.column_names if c not in schema.names]
    if extra:
        raise InputError(
            f"table '{name}' has unknown column(s) {', '.join(extra)}; "
            f"the allowed columns are {', '.join(schema.names)}"
        )
    columns = []
    for fld in schema:
        if fld.name in table.column_names:
            col = table.column(fld.name)
            if col.type != fld.type:
                try:
                    col = col.cast(fld.type)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise InputError(
                        f"table '{name}', column '{fld.name}': cannot convert {col.type} "
                        f"to {fld.type} ({exc})"
                    ) from exc
            columns.append(col)
        else:
            columns.append(pa.nulls(table.num_rows, fld.type))
    return pa.Table.from_arrays(columns, schema=schema.with_metadata(None))


@dataclass
class Records:
    """The four canonical tables of one set of records (see the module docstring)."""

    documents: pa.Table = field(default_factory=lambda: empty_table("documents"))
    people: pa.Table = field(default_factory=lambda: empty_table("people"))
    classes: pa.Table = field(default_factory=lambda: empty_table("classes"))
    applicants: pa.Table = field(default_factory=lambda: empty_table("applicants"))

    @classmethod
    def from_tables(cls, **tables: pa.Table | list[dict[str, Any]]) -> Records:
        """Build Records from Arrow tables or lists of row dicts, conforming each to its schema."""
        out: dict[str, pa.Table] = {}
        for name, value in tables.items():
            if name not in SCHEMAS:
                raise InputError(f"unknown table '{name}'; expected one of {', '.join(TABLES)}")
            if isinstance(value, list):
                value = pa.Table.from_pylist(value, schema=SCHEMAS[name])
            out[name] = conform(value, name)
        return cls(**out)

    def table(self, name: str) -> pa.Table:
        """The table called ``name``."""
        if name not in SCHEMAS:
            raise KeyError(name)
        result: pa.Table = getattr(self, name)
        return result

    def counts(self) -> dict[str, int]:
        """Row count of each table."""
        return {name: self.table(name).num_rows for name in TABLES}

    def concat(self, other: Records) -> Records:
        """These records followed by ``other``'s."""
        return concat_records([self, other])

    def validate(self) -> None:
        """Check the record model; raise :class:`ValidationError` listing every problem."""
        validate(self)

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v:,}" for k, v in self.counts().items())
        return f"Records({counts})"


def concat_records(parts: Iterable[Records]) -> Records:
    """Concatenate several Records into one."""
    items = list(parts)
    if not items:
        return Records()
    return Records(
        **{
            name: pa.concat_tables([r.table(name) for r in items]).combine_chunks()
            for name in TABLES
        }
    )


# --------------------------------------------------------------------------------------------
# validation


def _check_sql(con: duckdb.DuckDBPyConnection, problems: list[str], sql: str, message: str) -> None:
    rows = con.execute(sql).fetchall()
    n = rows[0][0] if rows else 0
    if n:
        examples = rows[0][1] if len(rows[0]) > 1 else None
        ex = f" (for example {examples})" if examples not in (None, "", []) else ""
        problems.append(message.format(n=f"{n:,}") + ex)


def _relations(
    source: Records | str | Path, *, con: duckdb.DuckDBPyConnection | None = None
) -> tuple[duckdb.DuckDBPyConnection, list[str]]:
    """Register the four tables as DuckDB views; return the connection and schema problems.

    With ``con``, the views are temporary views of a new cursor of ``con`` (close it when
    done): they shadow views of the same names on ``con`` for that cursor only, and the
    queries run under ``con``'s settings (memory limit, spill folder, threads). Without, on a
    new in-memory database with DuckDB's defaults.
    """
    con = con.cursor() if con is not None else duckdb.connect()
    problems: list[str] = []
    if isinstance(source, Records):
        for name in TABLES:
            tab = source.table(name)
            expected = SCHEMAS[name]
            missing = [f.name for f in expected if f.name not in tab.column_names]
            if missing:
                problems.append(f"{name}: missing column(s) {', '.join(missing)}")
                tab = empty_table(name)
            else:
                for fld in expected:
                    got = tab.schema.field(fld.name).type
                    if got != fld.type:
                        problems.append(
                            f"{name}.{fld.name}: type {got}, expected {fld.type} "
                            "(use records.conform() to convert)"
                        )
            con.register(name, tab)
    else:
        folder = Path(source)
        for name in TABLES:
            path = folder / f"{name}.parquet"
            if not path.exists():
                problems.append(f"{path}: file missing (every records folder has {name}.parquet)")
                con.register(name, empty_table(name))
                continue
            try:
                schema = pq.read_schema(path)
            except (OSError, pa.ArrowException) as exc:
                problems.append(
                    f"{path}: not a readable Parquet file ({exc}); the records folder is "
                    "damaged: write it again (stclusters read or synth)"
                )
                con.register(name, empty_table(name))
                continue
            for fld in SCHEMAS[name]:
                if fld.name not in schema.names:
                    problems.append(f"{path}: missing column '{fld.name}'")
                elif schema.field(fld.name).type != fld.type:
                    problems.append(
                        f"{path}: column '{fld.name}' has type "
                        f"{schema.field(fld.name).type}, expected {fld.type}"
                    )
            quoted = str(path).replace("'", "''")
            con.execute(f"CREATE TEMP VIEW {name} AS SELECT * FROM read_parquet('{quoted}')")
    return con, problems


def _register_countries(con: duckdb.DuckDBPyConnection) -> None:
    """Register ``iso_countries(code)`` and ``legacy_countries(old, new)`` (from _countries)."""
    from stclusters._countries import LEGACY, iso_alpha2_codes

    con.register("iso_countries", pa.table({"code": sorted(iso_alpha2_codes())}))
    con.register("legacy_countries", pa.table({"old": list(LEGACY), "new": list(LEGACY.values())}))


def _country_check(table: str) -> tuple[str, str]:
    """The check that every country of ``table`` is an ISO 3166-1 alpha-2 code.

    The message names up to five records with their code (and the ISO code of an old one).
    """
    sql = (
        f"WITH bad AS (SELECT t.doc_id, t.country, l.new FROM {table} t "
        "LEFT JOIN legacy_countries l ON l.old = t.country WHERE t.country IS NOT NULL "
        "AND t.country NOT IN (SELECT code FROM iso_countries)) "
        "SELECT (SELECT count(*) FROM bad), (SELECT string_agg(doc_id || ': ' || country "
        "|| coalesce(' (old code of ' || new || ')', ''), ', ') FROM "
        "(SELECT DISTINCT doc_id, country, new FROM bad ORDER BY doc_id, country LIMIT 5))"
    )
    message = (
        f"{table}: {{n}} country value(s) that are not ISO 3166-1 alpha-2 codes; give the "
        "country's ISO code (the readers map old codes such as UK to GB and report the others)"
    )
    return sql, message


@dataclass(frozen=True)
class _Check:
    """One rule of the record model: rows of ``table`` where ``where`` holds break it.

    ``example`` is an SQL expression shown for one such row (the smallest, so that the message
    is the same on every run); ``message`` takes the number of rows as ``{n}``.
    """

    key: str
    table: str
    where: str
    message: str
    example: str | None = None


_LAYERS_SQL = ", ".join(f"'{x}'" for x in LAYERS)
_ROLES_SQL = ", ".join(f"'{x}'" for x in ROLES)
_PRECS_SQL = ", ".join(f"'{x}'" for x in PRECISIONS)
_NOT_ISO = "{c} IS NOT NULL AND {c} NOT IN (SELECT code FROM iso_countries)"

#: The row rules, one aggregate scan per table checks them all (people joined to documents as
#: ``d``). The duplicate checks and the country examples are separate queries (see validate).
_CHECKS = (
    _Check(
        "doc_empty",
        "documents",
        "t.doc_id IS NULL OR t.doc_id = ''",
        "documents: {n} row(s) with an empty doc_id",
    ),
    _Check(
        "doc_layer",
        "documents",
        f"t.layer IS NULL OR t.layer NOT IN ({_LAYERS_SQL})",
        f"documents: {{n}} row(s) with a layer other than {_LAYERS_SQL}",
        "t.layer",
    ),
    _Check(
        "doc_year",
        "documents",
        f"t.year IS NOT NULL AND (t.year < {YEAR_RANGE[0]} OR t.year > {YEAR_RANGE[1]})",
        f"documents: {{n}} year(s) outside {YEAR_RANGE[0]}..{YEAR_RANGE[1]}",
        "t.year",
    ),
    _Check(
        "people_orphan",
        "people",
        "d.doc_id IS NULL",
        "people: {n} row(s) whose doc_id is not in documents",
        "t.doc_id",
    ),
    _Check(
        "classes_orphan",
        "classes",
        "d.doc_id IS NULL",
        "classes: {n} row(s) whose doc_id is not in documents",
        "t.doc_id",
    ),
    _Check(
        "applicants_orphan",
        "applicants",
        "d.doc_id IS NULL",
        "applicants: {n} row(s) whose doc_id is not in documents",
        "t.doc_id",
    ),
    _Check(
        "people_role",
        "people",
        f"t.role IS NULL OR t.role NOT IN ({_ROLES_SQL})",
        f"people: {{n}} row(s) with a role other than {_ROLES_SQL}",
        "t.role",
    ),
    _Check(
        "people_role_layer",
        "people",
        "(d.layer = 'patent' AND t.role <> 'inventor') "
        "OR (d.layer = 'article' AND t.role <> 'author')",
        "people: {n} row(s) whose role does not fit the layer "
        "(patents have inventors, articles have authors)",
        "t.doc_id",
    ),
    _Check(
        "people_negative",
        "people",
        "t.person_seq < 0 OR t.address_seq < 0",
        "people: {n} row(s) with a negative person_seq or address_seq",
        "t.doc_id",
    ),
    _Check(
        "people_lat",
        "people",
        "t.lat IS NOT NULL AND (isnan(t.lat) OR t.lat < -90 OR t.lat > 90)",
        "people: {n} latitude(s) outside -90..90",
        "t.lat",
    ),
    _Check(
        "people_lon",
        "people",
        "t.lon IS NOT NULL AND (isnan(t.lon) OR t.lon < -180 OR t.lon > 180)",
        "people: {n} longitude(s) outside -180..180",
        "t.lon",
    ),
    _Check(
        "people_half",
        "people",
        "(t.lat IS NULL) <> (t.lon IS NULL)",
        "people: {n} row(s) with only one of lat and lon",
        "t.doc_id",
    ),
    _Check(
        "people_precision",
        "people",
        f"t.precision IS NOT NULL AND t.precision NOT IN ({_PRECS_SQL})",
        f"people: {{n}} row(s) with a precision other than {_PRECS_SQL}",
        "t.precision",
    ),
    _Check(
        "people_unprecise",
        "people",
        "t.lat IS NOT NULL AND t.precision IS NULL",
        "people: {n} located row(s) without a precision",
        "t.doc_id",
    ),
    _Check("people_country", "people", _NOT_ISO.format(c="t.country"), ""),
    _Check("applicants_country", "applicants", _NOT_ISO.format(c="t.country"), ""),
    _Check(
        "classes_empty",
        "classes",
        "t.scheme = '' OR t.code = ''",
        "classes: {n} row(s) with an empty scheme or code",
    ),
    _Check(
        "applicants_empty",
        "applicants",
        "t.name = ''",
        "applicants: {n} row(s) with an empty name",
    ),
)
#: The order in which problems are listed (the duplicate checks among the row rules).
_ORDER = (
    "doc_duplicate",
    "doc_empty",
    "doc_layer",
    "doc_year",
    "people_orphan",
    "classes_orphan",
    "applicants_orphan",
    "people_role",
    "people_role_layer",
    "people_negative",
    "people_duplicate",
    "people_lat",
    "people_lon",
    "people_half",
    "people_precision",
    "people_unprecise",
    "people_country",
    "applicants_country",
    "classes_empty",
    "applicants_empty",
)
#: The keys that must be unique: the rows of ``table`` (where ``where`` holds) per ``key``.
_UNIQUE = {
    "doc_duplicate": (
        "documents",
        "doc_id",
        "TRUE",
        "doc_id",
        "documents: {n} duplicate doc_id value(s)",
    ),
    "people_duplicate": (
        "people",
        "doc_id, person_seq, address_seq",
        "person_seq IS NOT NULL",
        "doc_id || ' #' || person_seq || '/' || coalesce(address_seq, -1)",
        "people: {n} duplicate (doc_id, person_seq, address_seq) key(s)",
    ),
}


#: The sum of the hashes of the rows of table ``t`` (as text), the per-table part of
#: :func:`content_checksum`.
_ROW_HASHES = "coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR"


def _problem(message: str, n: int, example: Any) -> str:
    ex = f" (for example {example})" if example not in (None, "", []) else ""
    return message.format(n=f"{n:,}") + ex


def _repeats(
    con: duckdb.DuckDBPyConnection, table: str, *, key: str, where: str, example: str
) -> tuple[int, Any]:
    """How many values of ``key`` occur more than once in ``table``, with an example.

    The rows are grouped by one 64-bit hash of the key's columns, which is cheaper than
    grouping by the columns themselves; distinct keys with equal hashes are possible (rarely),
    so the exact grouping runs when some hash repeats, to count the true repeats.
    """
    cols = ", ".join(k.strip() for k in key.split(","))
    clash = con.execute(
        f"SELECT count(*) FROM (SELECT hash({cols}) AS h FROM {table} WHERE {where} "
        "GROUP BY h HAVING count(*) > 1)"
    ).fetchall()[0][0]
    if not clash:
        return 0, None
    n, ex = con.execute(
        f"SELECT count(*), min(ex) FROM (SELECT min({example}) AS ex FROM {table} "
        f"WHERE {where} GROUP BY {key} HAVING count(*) > 1)"
    ).fetchall()[0]
    return int(n), ex


def _scan(
    con: duckdb.DuckDBPyConnection, table: str, documents: str
) -> tuple[int, str, dict[str, tuple[int, Any]]]:
    """One pass over ``table`` counting the rows that break each of its rules.

    Returns the table's row count, the sum of its row hashes (the part of
    :func:`content_checksum` for this table, read by the same pass) and, per rule (and per
    unique key of the table, see :func:`_repeats`), the number of rows breaking it and an
    example.
    """
    checks = [c for c in _CHECKS if c.table == table]
    parts = ["count(*)", _ROW_HASHES]
    for c in checks:
        parts.append(f"count(*) FILTER (WHERE {c.where})")
        parts.append(f"min({c.example}) FILTER (WHERE {c.where})" if c.example else "NULL")
    join = f" LEFT JOIN {documents} d ON d.doc_id = t.doc_id" if table != "documents" else ""
    row = con.execute(f"SELECT {', '.join(parts)} FROM {table} t{join}").fetchall()[0]
    found: dict[str, tuple[int, Any]] = {}
    for i, c in enumerate(checks):
        found[c.key] = (int(row[2 + 2 * i]), row[3 + 2 * i])
    for name, (tab, key, where, example, _) in _UNIQUE.items():
        if tab == table:
            found[name] = _repeats(con, table, key=key, where=where, example=example)
    return int(row[0]), str(row[1]), found


@dataclass(frozen=True)
class Checked:
    """What :func:`check_records` found in valid records: the rows per table and the
    records' :func:`content_checksum`."""

    counts: dict[str, int]
    content_checksum: str


def validate(
    source: Records | str | Path,
    *,
    where: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> dict[str, int]:
    """Check records against the record model and report every problem at once.

    Checks types, required values, allowed values (layer, role, precision, ISO 3166-1
    alpha-2 countries from :mod:`stclusters._countries`), ranges (year, latitude, longitude,
    sequence numbers), keys (every people, classes and applicants row points
    to a document) and duplicate ids (:func:`check_records` does the work).

    Parameters
    ----------
    source
        In-memory :class:`Records` or the path of a records folder (validated with DuckDB
        without loading it into memory).
    where
        How to name the records in the error message.
    con
        A connection whose database runs the queries (its memory limit, spill folder and
        threads; the connection's own views are left alone); default a new in-memory one.

    Returns
    -------
    dict
        Row counts per table, when the records are valid.

    Raises
    ------
    ValidationError
        With one line per problem found.
    """
    return check_records(source, where=where, con=con).counts


def check_records(
    source: Records | str | Path,
    *,
    where: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> Checked:
    """:func:`validate` the records and take their :func:`content_checksum` in the same scans.

    Each table is read once by one DuckDB aggregate query that counts the rows breaking each of
    its rules (the people, classes and applicants joined to the documents for the key checks)
    and sums the hashes of its rows (the content checksum); a unique key (doc_id; doc_id,
    person_seq, address_seq) by one more, grouping a hash of the key, with the exact grouping
    only when a hash repeats. A records folder is never loaded into memory: the check costs
    two scans of the people file, one of each other file (issue 12 item 4), in the memory
    DuckDB is given (``con``), spilling beyond it.

    Parameters
    ----------
    source, where, con
        As for :func:`validate`.

    Returns
    -------
    Checked
        The row counts per table and the content checksum, when the records are valid.

    Raises
    ------
    ValidationError
        With one line per problem found.
    """
    label = where or (str(source) if not isinstance(source, Records) else "records")
    con, problems = _relations(source, con=con)
    try:
        if problems:
            raise ValidationError(problems, where=label)
        _register_countries(con)
        counts: dict[str, int] = {}
        hashes: dict[str, str] = {}
        found: dict[str, tuple[int, Any]] = {}
        counts["documents"], hashes["documents"], found_docs = _scan(con, "documents", "documents")
        found.update(found_docs)
        # with repeated doc_ids, the key checks join each row once, to one of its documents
        documents = (
            "documents"
            if not found["doc_duplicate"][0]
            else "(SELECT doc_id, min(layer) AS layer FROM documents GROUP BY doc_id)"
        )
        for name in ("people", "classes", "applicants"):
            counts[name], hashes[name], found_rows = _scan(con, name, documents)
            found.update(found_rows)
        messages = {c.key: c.message for c in _CHECKS} | {k: u[4] for k, u in _UNIQUE.items()}
        for key in _ORDER:
            n, example = found[key]
            if not n:
                continue
            if key.endswith("_country"):
                table = key.removesuffix("_country")
                sql, message = _country_check(table)
                _check_sql(con, problems, sql, message)
            else:
                problems.append(_problem(messages[key], n, example))
        if problems:
            raise ValidationError(problems, where=label)
        digest = hashlib.sha256()
        for name in TABLES:
            digest.update(f"{name}:{counts[name]}:{hashes[name]};".encode())
        return Checked({name: counts[name] for name in TABLES}, digest.hexdigest())
    finally:
        con.close()


# --------------------------------------------------------------------------------------------
# Parquet I/O


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_manifest(
    folder: Path, counts: dict[str, int], meta: dict[str, Any], *, checked: Checked | None = None
) -> None:
    """Write the manifest of ``folder``; with ``checked``, store that result of the check
    signing the table files as they are now (:func:`stored_check`).

    The manifest holds no time and no path but the table file names: the same records give the
    same bytes.
    """
    manifest = {
        **{k: v for k, v in meta.items() if k != CHECKED},  # only a result of this check
        "format": "stclusters-records",
        "format_version": FORMAT_VERSION,
        "rows": counts,
        "files": {name: f"{name}.parquet" for name in TABLES},
    }
    if checked is not None:
        manifest[CHECKED] = _stamp(checked, file_signatures(folder))
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


class RecordsWriter:
    """Stream Records to a records folder chunk by chunk (constant memory).

    The folder is created with a marker of ``kind``; an existing folder is refused unless
    stclusters wrote it or ``force`` (see :mod:`stclusters._outdir`).

    On :meth:`close`, with ``check`` (the default), the finished folder is checked in full
    (:func:`check_records`, on ``con`` when given) and, when valid, the result is stored in
    the manifest with a signature of each table file, so that runs on the folder do not check
    it again while the files are unchanged (:func:`check_folder`). Invalid records are written
    all the same, without a stored result (the run reports their problems); the check's
    result or error is kept in :attr:`checked` or :attr:`problems`. Pass ``check=False`` for a
    folder that is checked otherwise or thrown away after one use.

    Examples
    --------
    >>> with RecordsWriter(tmp_path / "recs") as writer:  # doctest: +SKIP
    ...     for chunk in chunks:
    ...         writer.write(chunk)
    """

    def __init__(
        self,
        folder: str | Path,
        *,
        meta: dict[str, Any] | None = None,
        kind: OutputKind = "records",
        force: bool = False,
        check: bool = True,
        con: duckdb.DuckDBPyConnection | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.meta = dict(meta or {})
        self.check = check
        self.con = con
        self.checked: Checked | None = None
        self.problems: ValidationError | None = None
        claim_folder(self.folder, kind=kind, force=force)  # refuses what it must not replace
        self._writers = {
            name: pq.ParquetWriter(
                self.folder / f"{name}.parquet", SCHEMAS[name], compression="zstd"
            )
            for name in TABLES
        }
        self.counts = dict.fromkeys(TABLES, 0)

    def write(self, records: Records) -> None:
        """Append one chunk of records."""
        for name in TABLES:
            tab = conform(records.table(name), name)
            if tab.num_rows:
                self._writers[name].write_table(tab, row_group_size=1 << 20)
                self.counts[name] += tab.num_rows

    def close(self, *, check: bool | None = None) -> None:
        """Finish the Parquet files and write the manifest (with the check's result when
        ``check``, by default the writer's, finds the records valid)."""
        for writer in self._writers.values():
            writer.close()
        if self.check if check is None else check:
            try:
                self.checked = check_records(self.folder, con=self.con)
            except ValidationError as exc:
                self.problems = exc
        _write_manifest(self.folder, self.counts, self.meta, checked=self.checked)

    def __enter__(self) -> RecordsWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        self.close(check=None if exc_type is None else False)  # no check after a failure


def write_records(
    records: Records, folder: str | Path, *, meta: dict[str, Any] | None = None, force: bool = False
) -> Path:
    """Write ``records`` to ``folder`` (one Parquet file per table plus ``manifest.json``).

    ``folder`` is refused when it exists and was not written by stclusters, unless ``force``
    (see :mod:`stclusters._outdir`).
    """
    with RecordsWriter(folder, meta=meta, force=force) as writer:
        writer.write(records)
    return Path(folder)


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a records folder."""
    path = Path(folder) / MANIFEST
    if not path.exists():
        raise InputError(
            f"{folder}: not a records folder (no {MANIFEST}); "
            "create one with 'stclusters synth' or 'stclusters read'"
        )
    try:
        result: dict[str, Any] = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc}); rewrite the records folder") from exc
    return result


def documents_per_layer(folder: str | Path) -> dict[str, int]:
    """Documents of a records folder per layer ('patent', 'article'), counted in place."""
    path = str(Path(folder) / "documents.parquet")
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT layer, count(*) FROM read_parquet(?) GROUP BY layer ORDER BY layer", [path]
        ).fetchall()
    finally:
        con.close()
    return {str(layer): int(n) for layer, n in rows}


def read_records(folder: str | Path, *, tables: Iterable[str] = TABLES) -> Records:
    """Read a records folder into memory.

    Raises
    ------
    InputError
        When the folder is not a records folder or a table file is missing or unreadable.
    """
    folder = Path(folder)
    read_manifest(folder)
    out: dict[str, pa.Table] = {}
    for name in tables:
        path = folder / f"{name}.parquet"
        if not path.exists():
            raise InputError(f"{path}: file missing from the records folder")
        try:
            out[name] = conform(pq.read_table(path), name)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"{path}: cannot read Parquet file ({exc})") from exc
    return Records(**out)


def iter_batches(folder: str | Path, name: str, *, batch_size: int = 1 << 20) -> Iterator[pa.Table]:
    """Stream one table of a records folder in batches."""
    pf = pq.ParquetFile(Path(folder) / f"{name}.parquet")
    for batch in pf.iter_batches(batch_size=batch_size):
        yield pa.Table.from_batches([batch])


def checksum(folder: str | Path) -> str:
    """SHA-256 over the table files of a records folder (used by the accounts and caching)."""
    digest = hashlib.sha256()
    for name in TABLES:
        digest.update(name.encode())
        digest.update(_sha256(Path(folder) / f"{name}.parquet").encode())
    return digest.hexdigest()


def content_checksum(
    source: Records | str | Path, *, con: duckdb.DuckDBPyConnection | None = None
) -> str:
    """A checksum of the records' content that does not depend on the order of the rows.

    Each row is hashed by DuckDB and the hashes are summed per table (:data:`_ROW_HASHES`), so
    the same records in any order (or written in other row groups) give the same checksum.
    :func:`check_records` takes it while validating; ``con`` as for :func:`validate`.
    """
    con, problems = _relations(source, con=con)
    try:
        if problems:
            raise ValidationError(
                problems, where=str(source) if not isinstance(source, Records) else "records"
            )
        digest = hashlib.sha256()
        for name in TABLES:
            n, total = con.execute(f"SELECT count(*), {_ROW_HASHES} FROM {name} AS t").fetchall()[0]
            digest.update(f"{name}:{n}:{total};".encode())
        return digest.hexdigest()
    finally:
        con.close()


# --------------------------------------------------------------------------------------------
# the check's result, stored in the manifest

#: Bump when :func:`check_records` changes what it finds or how it takes the content checksum
#: in a way the rule tables (:data:`_CHECKS`, :data:`_UNIQUE`, :data:`SCHEMAS`...) do not show:
#: a result stored by another version of the check is then not used (:func:`stored_check`).
CHECK_VERSION = 1
#: The manifest key holding the stored result (:func:`stored_check`).
CHECKED = "checked"
#: The files of a records folder are signed by the SHA-256 of the SHA-256 digests of their
#: blocks of this many bytes, so that the blocks of one large file hash on every core.
SIGNATURE_BLOCK = 64 << 20
_STAMP_KEYS = frozenset({"rules", "rows", "content_checksum", "files"})


def check_rules() -> str:
    """A SHA-256 naming the check that :func:`check_records` runs today.

    It covers :data:`CHECK_VERSION`, :data:`FORMAT_VERSION`, the table schemas, every row rule
    and unique key, the ISO and legacy country codes the country rules use, and the DuckDB
    version (whose ``hash`` makes the content checksum): when any of them changes, a result
    stored by the earlier check no longer counts.
    """
    from stclusters._countries import LEGACY, iso_alpha2_codes

    parts = [
        f"check {CHECK_VERSION}",
        f"format {FORMAT_VERSION}",
        f"duckdb {duckdb.__version__}",
        _ROW_HASHES,
        *(f"{name}: {SCHEMAS[name]}" for name in TABLES),
        *(repr(c) for c in _CHECKS),
        repr(_ORDER),
        repr(sorted(_UNIQUE.items())),
        ",".join(sorted(iso_alpha2_codes())),
        repr(sorted(LEGACY.items())),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _block_digest(path: Path, offset: int) -> bytes:
    """The SHA-256 digest of the block of ``path`` at ``offset`` (:data:`SIGNATURE_BLOCK`)."""
    digest = hashlib.sha256()
    left = SIGNATURE_BLOCK
    with path.open("rb") as fh:
        fh.seek(offset)
        while left:
            data = fh.read(min(left, 8 << 20))  # hashlib and read release the GIL
            if not data:
                break
            digest.update(data)
            left -= len(data)
    return digest.digest()


def file_signatures(folder: str | Path) -> dict[str, dict[str, Any]]:
    """The size and block hash of each table file of a records folder.

    Returns
    -------
    dict
        Per table, ``{"bytes": size, "sha256_blocks": hex}``: the SHA-256 of the concatenated
        SHA-256 digests of the file's blocks of :data:`SIGNATURE_BLOCK` bytes (one empty block
        for an empty file). The blocks hash in threads on every core (hashlib releases the GIL):
        a few seconds for the 3 GB of the world-scale records.

    Raises
    ------
    OSError
        When a table file cannot be read.
    """
    folder = Path(folder)
    sizes = {name: (folder / f"{name}.parquet").stat().st_size for name in TABLES}
    jobs = [
        (name, offset)
        for name in TABLES
        for offset in range(0, max(sizes[name], 1), SIGNATURE_BLOCK)
    ]
    workers = max(1, min(len(jobs), os.cpu_count() or 1, 8))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        digests = list(
            pool.map(lambda job: _block_digest(folder / f"{job[0]}.parquet", job[1]), jobs)
        )
    blocks: dict[str, list[bytes]] = {name: [] for name in TABLES}
    for (name, _), digest in zip(jobs, digests, strict=True):
        blocks[name].append(digest)
    return {
        name: {
            "bytes": sizes[name],
            "sha256_blocks": hashlib.sha256(b"".join(blocks[name])).hexdigest(),
        }
        for name in TABLES
    }


def _seal(body: dict[str, Any]) -> str:
    """The SHA-256 tying a stored result's parts together (a hand edit of one part breaks it)."""
    text = "stclusters-records-check\n" + json.dumps(body, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _stamp(checked: Checked, signatures: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The manifest entry storing ``checked`` for the files of ``signatures``."""
    body = {
        "rules": check_rules(),
        "rows": dict(checked.counts),
        "content_checksum": checked.content_checksum,
        "files": signatures,
    }
    return {**body, "seal": _seal(body)}


def _stamp_result(stamp: Any) -> tuple[Checked, dict[str, Any]] | None:
    """The result and file signatures a manifest entry stores, if well formed and sealed."""
    if not isinstance(stamp, dict) or set(stamp) != _STAMP_KEYS | {"seal"}:
        return None
    body = {k: v for k, v in stamp.items() if k != "seal"}
    if stamp["seal"] != _seal(body) or body["rules"] != check_rules():
        return None
    rows, files, content = body["rows"], body["files"], body["content_checksum"]
    if not (isinstance(rows, dict) and isinstance(files, dict) and isinstance(content, str)):
        return None
    if set(rows) != set(TABLES) or set(files) != set(TABLES):
        return None
    if not all(type(rows[name]) is int and rows[name] >= 0 for name in TABLES):
        return None
    if not all(isinstance(f, dict) and type(f.get("bytes")) is int for f in files.values()):
        return None
    return Checked({name: rows[name] for name in TABLES}, content), files


def stored_check(folder: str | Path) -> Checked | None:
    """The result of :func:`check_records` stored in the manifest, if it still holds.

    It holds when the manifest's entry (:data:`CHECKED`, written by :class:`RecordsWriter` or
    :func:`record_check`) is whole and sealed, was stored by the check that runs today
    (:func:`check_rules`) and signs every table file with the size and block hash the file
    has now (:func:`file_signatures`). Any other case (no entry, an older manifest, an entry
    edited by hand, a table file changed, replaced, removed or added since) gives None: check
    the folder in full then. The seal and signatures catch changes and edits made by mistake;
    they are not a defence against someone who rewrites the entry on purpose (``stclusters
    validate`` always runs the full check).

    Returns
    -------
    Checked or None
        The stored row counts and content checksum, equal to what :func:`check_records` finds.
    """
    folder = Path(folder)
    try:
        manifest = read_manifest(folder)
    except InputError:
        return None
    found = _stamp_result(manifest.get(CHECKED))
    if found is None:
        return None
    checked, files = found
    try:
        if any((folder / f"{n}.parquet").stat().st_size != files[n]["bytes"] for n in TABLES):
            return None  # cheap: a size changed, no need to hash
        if file_signatures(folder) != files:
            return None
    except OSError:
        return None
    return checked


def check_folder(
    folder: str | Path,
    *,
    where: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> Checked:
    """:func:`check_records` on a records folder, unless its manifest stores a result that holds.

    Parameters
    ----------
    folder, where, con
        As for :func:`check_records`.

    Returns
    -------
    Checked
        The stored result (:func:`stored_check`: a few seconds of hashing) or the full check's.

    Raises
    ------
    ValidationError
        As :func:`check_records`, when there is no stored result that holds.
    """
    stored = stored_check(folder)
    if stored is not None:
        return stored
    return check_records(folder, where=where, con=con)


def _store_check(folder: Path, checked: Checked) -> None:
    """Sign the table files of ``folder`` and store ``checked`` in its manifest (in place)."""
    manifest = read_manifest(folder)
    manifest[CHECKED] = _stamp(checked, file_signatures(folder))
    path = folder / MANIFEST
    part = path.with_name(MANIFEST + ".part")
    part.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    part.replace(path)


def record_check(
    folder: str | Path,
    *,
    where: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> Checked:
    """Check a records folder in full and, when valid, store the result in its manifest.

    Later runs then take the result from the manifest (:func:`check_folder`) as long as the
    table files are unchanged. A folder whose manifest cannot be written is only checked.

    Parameters
    ----------
    folder, where, con
        As for :func:`check_records`.

    Returns
    -------
    Checked
        The full check's result.

    Raises
    ------
    InputError
        When ``folder`` is not a records folder (no manifest).
    ValidationError
        As :func:`check_records` (nothing is stored then).
    """
    folder = Path(folder)
    read_manifest(folder)
    checked = check_records(folder, where=where, con=con)
    with contextlib.suppress(OSError):  # a read-only folder: the runs check it in full
        _store_check(folder, checked)
    return checked
