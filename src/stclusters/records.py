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

import hashlib
import json
from collections.abc import Iterable, Iterator
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
    "check_records",
    "content_checksum",
    "documents_per_layer",
    "read_records",
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


def _write_manifest(folder: Path, counts: dict[str, int], meta: dict[str, Any]) -> None:
    manifest = {
        "format": "stclusters-records",
        "format_version": FORMAT_VERSION,
        "rows": counts,
        "files": {name: f"{name}.parquet" for name in TABLES},
        **meta,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


class RecordsWriter:
    """Stream Records to a records folder chunk by chunk (constant memory).

    The folder is created with a marker of ``kind``; an existing folder is refused unless
    stclusters wrote it or ``force`` (see :mod:`stclusters._outdir`).

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
    ) -> None:
        self.folder = Path(folder)
        self.meta = dict(meta or {})
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

    def close(self) -> None:
        """Finish the Parquet files and write the manifest."""
        for writer in self._writers.values():
            writer.close()
        _write_manifest(self.folder, self.counts, self.meta)

    def __enter__(self) -> RecordsWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
