"""Read plain tables (CSV, Parquet) of any other source: one row per person, or the four tables."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from stclusters.errors import InputError
from stclusters.readers._common import (
    REPEATED_HEADER_NOTE,
    Collector,
    FileAccount,
    ReadResult,
    Source,
    clean,
    country_column,
    normalise_doi,
    repeated_header,
    start,
)
from stclusters.readers._dialect import SAMPLE_BYTES, CsvDialect, csv_dialect, decimal_comma
from stclusters.readers._table_fast import Slow, clean_array, fast_unit, first_rows
from stclusters.records import LAYERS, PRECISIONS, SCHEMAS, TABLES, Records, conform

__all__ = ["CANONICAL_NAMES", "iter_canonical", "iter_table", "read_table", "table_dialect"]

#: File stems of the four canonical tables (documents.csv, people.parquet, ...).
CANONICAL_NAMES = TABLES
#: Columns of the one-row-per-person layout besides doc_id and layer.
DOC_COLUMNS = ("year", "doc_type", "title", "doi")
PERSON_COLUMNS = (
    "name",
    "organisation",
    "address",
    "city",
    "region",
    "postcode",
    "country",
    "lat",
    "lon",
)
#: Columns holding "; "-separated classification codes, by scheme.
CLASS_COLUMNS = {"ipc": "ipc", "cpc": "cpc", "wos": "wos", "asjc": "asjc"}
BATCH = 20_000
#: Rows per batch read from a Parquet table (bounded memory; Arrow works on whole batches).
PARQUET_BATCH = 1 << 17


def _arrow_batches(
    src: Source, *, columns: list[str] | None = None, dialect: CsvDialect | None = None
) -> Iterator[tuple[int, pa.RecordBatch]]:
    """Rows of a CSV or Parquet file in Arrow batches, with the line of each batch's first row.

    CSV columns are all read as text; ``columns`` reads only those (they must exist). A CSV
    file is read in ``dialect`` (:func:`table_dialect`), detected when not given.
    """
    name = src.filename.lower()
    if name.endswith(".parquet"):
        try:
            pf = pq.ParquetFile(src.path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"{src.name}: cannot read Parquet file ({exc})") from exc
        row = 1
        for batch in pf.iter_batches(batch_size=PARQUET_BATCH, columns=columns):
            yield row, batch
            row += batch.num_rows
        return
    dialect = dialect or table_dialect(src)
    types = dict.fromkeys(dialect.header, pa.string())
    convert = pacsv.ConvertOptions(
        column_types=types, strings_can_be_null=True, include_columns=columns or []
    )
    read = pacsv.ReadOptions(block_size=1 << 22, encoding=dialect.arrow_encoding)
    parse = pacsv.ParseOptions(delimiter=dialect.delimiter)
    with src.open_binary() as fh:
        try:
            reader = pacsv.open_csv(
                fh, read_options=read, parse_options=parse, convert_options=convert
            )
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:  # Arrow decodes the first block
            raise InputError(f"{src.name}: cannot read as CSV ({_why(exc, dialect)})") from exc
        line = 2
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                raise InputError(
                    f"{src.name}: malformed CSV after line {line:,} ({_why(exc, dialect)})"
                ) from exc
            yield line, batch
            line += batch.num_rows


def table_dialect(
    src: Source, *, encoding: str | None = None, delimiter: str | None = None
) -> CsvDialect:
    """The encoding, delimiter and header of a CSV table: detected, or as named.

    The rule is :func:`stclusters.readers._dialect.csv_dialect`'s (byte-order mark, then
    strict UTF-8, else Windows-1252; the most frequent of comma, semicolon and tab in the
    header row).

    Raises
    ------
    InputError
        When the file is empty or not text in the encoding.
    """
    return csv_dialect(
        src.head(SAMPLE_BYTES), name=src.name, encoding=encoding, delimiter=delimiter
    )


def _read_as(dialect: CsvDialect | None) -> str:
    """The end of a "no doc_id column" message: how the file was read, and how to change it."""
    how = (
        f" (read as {dialect.describe()}: if that is wrong, name the file's encoding and "
        "delimiter with --encoding and --delimiter)"
        if dialect is not None
        else ""
    )
    return f"{how}; a plain table needs doc_id and layer columns (see docs/readers.md)"


def _why(exc: BaseException, dialect: CsvDialect) -> str:
    """Arrow's reason, with the dialect the file was read in and how to name another."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return (
        f"{first}; read as {dialect.describe()}: if that is wrong, name the file's "
        "encoding and delimiter (--encoding, --delimiter)"
    )


def _batches(
    src: Source, dialect: CsvDialect | None = None
) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """Rows of a CSV or Parquet file in batches of dicts, with the line of each first row."""
    for line, batch in _arrow_batches(src, dialect=dialect):
        yield line, batch.to_pylist()


def _float(value: Any) -> float | None:
    """A coordinate as a number (a decimal comma read as a point: "48,137"), None if none."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = decimal_comma(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


@dataclass
class _Doc:
    kept: bool
    layer: str
    next_seq: int = 0
    addresses: dict[str, int] = field(default_factory=dict)
    keys: set[tuple[int | None, int | None]] = field(default_factory=set)


def _document(col: Collector, row: dict[str, Any], doc_id: str, layer: str) -> bool:
    """Add the document of one table row (its columns as the canonical ``documents`` table
    names them); False when the collector does not keep it (a duplicate)."""
    year = col.year(row.get("year"), field="year", record_id=doc_id)
    return bool(
        col.document(
            doc_id,
            layer,
            year=year,
            doc_type=clean(row.get("doc_type")),
            title=clean(row.get("title")),
            source=clean(row.get("source")) or "table",
            doi=normalise_doi(row.get("doi")),
        )
    )


def _row(col: Collector, row: dict[str, Any], line: int, docs: dict[str, _Doc]) -> None:
    """Take one row of a person table: its document when first met, then its person."""
    doc_id = clean(row.get("doc_id"))
    if not doc_id:
        col.reject("row has no doc_id", line=line)
        return
    doc = docs.get(doc_id)
    if doc is None:
        doc = docs[doc_id] = _first_row(col, row, line, doc_id)
    if doc.kept:
        _person(col, row, line, doc_id, doc)


def _first_row(col: Collector, row: dict[str, Any], line: int, doc_id: str) -> _Doc:
    """Add a document from its first row, with its classes and applicants (unless rejected)."""
    layer = (clean(row.get("layer")) or "").lower()
    if layer not in LAYERS:
        col.reject(
            f"layer {row.get('layer')!r} is not one of {', '.join(LAYERS)}",
            line=line,
            record_id=doc_id,
        )
        return _Doc(False, layer)
    kept = _document(col, row, doc_id, layer)
    if kept:
        for column, scheme in CLASS_COLUMNS.items():
            for code in dict.fromkeys(_split(row.get(column))):
                col.klass(doc_id, scheme, code)
        for name in dict.fromkeys(_split(row.get("applicants"))):
            col.applicant(doc_id, name)
    return _Doc(kept, layer)


def _person(col: Collector, row: dict[str, Any], line: int, doc_id: str, doc: _Doc) -> None:
    """Add the person of a row of a kept document (none when its people columns are empty)."""
    values = {c: clean(row.get(c)) for c in PERSON_COLUMNS}
    if not any(values.values()):
        return
    given = {c: _sequence_value(col, row, c, line, doc_id) for c in ("person_seq", "address_seq")}
    person_seq, address_seq, address = _seqs(given, values, doc)
    if (person_seq, address_seq) in doc.keys:
        col.warn(
            f"person {person_seq} / address {address_seq} repeats an earlier row; row ignored",
            line=line,
            record_id=doc_id,
        )
        return
    doc.keys.add((person_seq, address_seq))
    lat, lon, precision = _located(col, row, line)
    country = col.country(values["country"], any_text=True, line=line, record_id=doc_id)
    col.person(
        doc_id,
        person_seq,
        address_seq,
        "inventor" if doc.layer == "patent" else "author",
        name=values["name"],
        organisation=values["organisation"],
        address=address or None,
        city=values["city"],
        region=values["region"],
        postcode=values["postcode"],
        country=country,
        lat=lat,
        lon=lon,
        precision=precision,
    )


#: The largest person_seq or address_seq (the record model's int32).
_MAX_SEQUENCE = 2**31 - 1


def _sequence_value(
    col: Collector, row: dict[str, Any], name: str, line: int, doc_id: str
) -> int | None:
    """A row's ``person_seq`` or ``address_seq``: None when empty; a value that is not a whole
    number from 0 to 2^31 - 1 (-10, 1.5, "first") is a problem of the record and counts as not
    given (the row is numbered in order)."""
    text = clean(row.get(name))
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value.is_integer() and 0 <= value <= _MAX_SEQUENCE):  # NaN and inf fail too
        col.warn(
            f"{name} {text[:20]!r} is not a whole number from 0 to {_MAX_SEQUENCE}; the row is "
            "numbered in order instead",
            line=line,
            record_id=doc_id,
        )
        return None
    return int(value)


def _seqs(
    given: dict[str, int | None], values: dict[str, str | None], doc: _Doc
) -> tuple[int, int | None, str]:
    """Person and address numbers of a row (``given``, else numbered in order), and its address.

    The address is the ``address`` column, else city, region and country joined. A patent's
    inventor has an address of their own; an article's authors share the addresses they repeat.
    """
    person_seq = given["person_seq"]
    if person_seq is None:
        person_seq = doc.next_seq
    doc.next_seq = max(doc.next_seq, person_seq + 1)
    address = values["address"] or ", ".join(
        v for v in (values["city"], values["region"], values["country"]) if v
    )
    address_seq = given["address_seq"]
    if address_seq is None and address:
        address_seq = (
            person_seq
            if doc.layer == "patent"
            else doc.addresses.setdefault(address, len(doc.addresses))
        )
    return person_seq, address_seq, address


def _located(
    col: Collector, row: dict[str, Any], line: int
) -> tuple[float | None, float | None, str | None]:
    """A row's coordinates and precision (``city`` when not a known level); bad pairs dropped."""
    lat, lon = _float(row.get("lat")), _float(row.get("lon"))
    if (lat is None) != (lon is None) or (
        lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180)
    ):
        col.warn(
            f"bad coordinates ({row.get('lat')}, {row.get('lon')}): latitude must be within "
            "-90..90 and longitude within -180..180, both given; ignored (the address is "
            "geocoded instead)",
            line=line,
        )
        lat = lon = None
    elif lat == 0 and lon == 0:
        col.warn(
            "coordinates (0, 0) are the null point some exports write for 'unknown'; ignored "
            "(the address is geocoded instead)",
            line=line,
        )
        lat = lon = None
    precision = clean(row.get("precision"))
    if lat is None:
        precision = None
    elif precision not in PRECISIONS:
        precision = "city"
    return lat, lon, precision


def _split(value: Any) -> list[str]:
    text = clean(value)
    if not text:
        return []
    return [c for c in (clean(x) for x in text.split(";")) if c]


def iter_table(
    source: Source | str | Path,
    *,
    collector: Collector | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Iterator[Records]:
    """Stream a one-row-per-person table (CSV or Parquet) as chunks of Records.

    Required columns: ``doc_id`` and ``layer`` (``patent`` or ``article``); optional:
    ``year, doc_type, title, doi``, the people columns of the record model, ``ipc, cpc, wos,
    asjc`` ("; "-separated codes) and ``applicants`` ("; "-separated names). See
    docs/readers.md.

    When the rows of each document follow one another (checked first, on the ``doc_id``
    column alone), the file is read in runs of whole documents, and each run whose rows are
    all well formed is converted in Arrow at once (:mod:`stclusters.readers._table_fast`);
    other runs, and files whose documents are scattered, are read row by row. Both give the
    same records, accounts and chunks.

    A CSV file may be comma-, semicolon- or tab-separated, in UTF-8 (with or without a
    byte-order mark), UTF-16 (with one) or Windows-1252: both are detected
    (:func:`table_dialect`) unless ``encoding`` or ``delimiter`` names them. Coordinates
    written with a decimal comma ("48,137", as European spreadsheets write them) are read as
    decimals.

    Raises
    ------
    InputError
        When the file cannot be read as a table (empty, not text in its encoding, no doc_id).
    """
    src, col = start(source, "table", collector)
    dialect = None
    if not src.filename.lower().endswith(".parquet"):
        dialect = table_dialect(src, encoding=encoding, delimiter=delimiter)
        if dialect.encoding not in ("utf-8", "utf-8-sig") or dialect.delimiter != ",":
            col.account.notes.append(f"{src.name}: read as {dialect.describe()}")
    if _grouped(src, dialect):
        yield from _iter_runs(src, col, dialect)
        return
    docs: dict[str, _Doc] = {}
    for line, rows in _batches(src, dialect):
        if line <= 2 and rows and "doc_id" not in rows[0]:
            raise InputError(f"{src.name}: no doc_id column{_read_as(dialect)}")
        for k, row in enumerate(rows):
            if _is_header(row, src, line + k):
                repeated_header(col.account, line + k)
                continue
            _row(col, row, line + k, docs)
            if col.full:
                yield col.flush()
    if col.has_rows():
        yield col.flush()


def _grouped(src: Source, dialect: CsvDialect | None = None) -> bool:
    """Whether the rows of each document (by cleaned doc_id) follow one another in the file.

    Reads the doc_id column alone; False when it is missing, not text or unreadable (the
    row-by-row reader then says why).
    """
    runs: list[pa.Array] = []
    last: str | None = None
    try:
        for _, batch in _arrow_batches(src, columns=["doc_id"], dialect=dialect):
            if "doc_id" not in batch.schema.names:
                return False
            raw = batch.column("doc_id")
            if not (pa.types.is_string(raw.type) or pa.types.is_large_string(raw.type)):
                return False
            ids = clean_array(raw)
            starts = first_rows(ids)
            if len(ids) and last is not None and ids[0].as_py() == last:
                starts = starts[1:]
            runs.append(ids.take(pa.array(starts, pa.int64())).drop_null())
            last = ids[-1].as_py() if len(ids) else last
    except (InputError, pa.ArrowInvalid, KeyError, OSError):
        return False
    if not runs:
        return True
    ids = pa.concat_arrays(runs)
    return bool(pc.count_distinct(ids).as_py() == len(ids))


class _Chunks:
    """Chunks of Records as the row-by-row reader cuts them, from Arrow runs and rows.

    Chunk ``c`` holds the rows up to and including the one that adds the
    ``(c + 1) * size``-th kept document.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.kept = 0
        self.emitted = 0
        self.pieces: dict[str, list[pa.Table]] = {name: [] for name in TABLES}

    @property
    def open_docs(self) -> int:
        """Kept documents in the chunk not yet handed out."""
        return self.kept - self.emitted * self.size

    def add(self, tables: dict[str, pa.Table], kept: int) -> Iterator[Records]:
        """Take the tables of a run (rows numbered by chunk); hand out the chunks it closes."""
        for name in TABLES:
            if tables[name].num_rows:
                self.pieces[name].append(_piece(tables[name], name))
        self.kept += kept
        while self.emitted < self.kept // self.size:
            yield self._cut(self.emitted)
            self.emitted += 1

    def _cut(self, chunk: int) -> Records:
        out: dict[str, pa.Table] = {}
        for name in TABLES:
            table = (
                pa.concat_tables(self.pieces[name])
                if self.pieces[name]
                else _piece(
                    SCHEMAS[name].empty_table().append_column("__chunk", pa.array([], pa.int64())),
                    name,
                )
            )
            number = np.asarray(table.column("__chunk").to_numpy(), dtype=np.int64)
            end = int(np.searchsorted(number, chunk, side="right"))
            out[name] = _canonical(table.slice(0, end), name)
            rest = table.slice(end)
            self.pieces[name] = [rest] if rest.num_rows else []
        return Records(**out)

    def with_rows(self, records: Records) -> Records:
        """The open chunk with the rows the row-by-row reader gathered, handed out."""
        docs = records.documents.num_rows
        out = {
            name: pa.concat_tables([self._cut_open(name), records.table(name)]) for name in TABLES
        }
        self.kept += docs
        self.emitted += 1
        return Records(**out)

    def keep_rows(self, records: Records) -> None:
        """Rows gathered row by row that stay in the open chunk."""
        for name in TABLES:
            table = records.table(name)
            if table.num_rows:
                number = pa.array(np.full(table.num_rows, self.emitted, dtype=np.int64))
                self.pieces[name].append(_piece(table.append_column("__chunk", number), name))
        self.kept += records.documents.num_rows

    def _cut_open(self, name: str) -> pa.Table:
        pieces = self.pieces[name]
        self.pieces[name] = []
        if not pieces:
            return SCHEMAS[name].empty_table()
        return _canonical(pa.concat_tables(pieces), name)

    def rest(self) -> Iterator[Records]:
        """The last chunk, when rows are left."""
        if any(self.pieces.values()):
            yield Records(**{name: self._cut_open(name) for name in TABLES})


def _piece(table: pa.Table, name: str) -> pa.Table:
    """A table of rows numbered by chunk, with the canonical schema and ``__chunk``."""
    schema = SCHEMAS[name].append(pa.field("__chunk", pa.int64()))
    return pa.Table.from_arrays([table.column(f) for f in schema.names], schema=schema)


def _canonical(table: pa.Table, name: str) -> pa.Table:
    """A table of the fast path with the canonical schema (helper columns dropped)."""
    schema = SCHEMAS[name]
    return pa.Table.from_arrays([table.column(f) for f in schema.names], schema=schema)


def _iter_runs(src: Source, col: Collector, dialect: CsvDialect | None) -> Iterator[Records]:
    """Read a table whose documents are grouped, in runs of whole documents."""
    chunks = _Chunks(col.chunk_docs)
    carry: pa.Table | None = None
    for line, batch in _arrow_batches(src, dialect=dialect):
        table = pa.Table.from_batches([batch])
        if line <= 2 and "doc_id" not in table.column_names:
            raise InputError(f"{src.name}: no doc_id column{_read_as(dialect)}")
        lines = pa.array(np.arange(line, line + table.num_rows, dtype=np.int64))
        table = table.append_column("__line", lines)
        if carry is not None:
            table = pa.concat_tables([carry, table], promote_options="permissive")
        starts = first_rows(clean_array(table.column("doc_id")))
        last = int(starts[-1]) if len(starts) else 0
        carry = table.slice(last)
        if last:
            yield from _run(table.slice(0, last), src, col, chunks)
    if carry is not None and carry.num_rows:
        yield from _run(carry, src, col, chunks)
    yield from chunks.rest()


def _run(table: pa.Table, src: Source, col: Collector, chunks: _Chunks) -> Iterator[Records]:
    """Read a run of whole documents: in Arrow when every row is well formed, else row by row."""
    rows = table.drop_columns(["__line"])
    try:
        tables, kept = fast_unit(
            rows, col, kept_before=chunks.kept, chunk_docs=col.chunk_docs,
            class_columns=CLASS_COLUMNS,
        )  # fmt: skip
    except Slow:
        pass
    else:
        yield from chunks.add(tables, kept)
        return
    docs: dict[str, _Doc] = {}
    lines = table.column("__line").to_pylist()
    for line, row in zip(lines, rows.to_pylist(), strict=True):
        if _is_header(row, src, line):
            repeated_header(col.account, line)
            continue
        _row(col, row, line, docs)
        if chunks.open_docs + col.pending_docs >= col.chunk_docs:
            yield chunks.with_rows(col.flush())
    if col.has_rows():
        chunks.keep_rows(col.flush())


def _is_header(row: dict[str, Any], src: Source, line: int) -> bool:
    """Whether a row repeats the header (tables joined with `cat`); never a record.

    Raises
    ------
    InputError
        When the row is a header with the columns in another order: the rows after it
        would be read into the wrong columns.
    """
    doc_id = row.get("doc_id")
    if not isinstance(doc_id, str) or doc_id.strip().lstrip("\ufeff") != "doc_id":
        return False
    cells = {k: str(v).strip().lstrip("\ufeff") for k, v in row.items() if v not in (None, "")}
    if all(k == v for k, v in cells.items()):
        return True
    if set(cells.values()) <= set(row):
        raise InputError(
            f"{src.name}: line {line:,} is a header with the columns in another order "
            "(tables joined with `cat`?); read each table as its own file"
        )
    return False


def iter_canonical(
    tables: Mapping[str, Source], *, collector: Collector | None = None
) -> Iterator[Records]:
    """Stream the four canonical tables (documents, people, classes, applicants as CSV/Parquet).

    Documents are checked and de-duplicated first; rows of the other tables whose document was
    not kept are dropped and counted.
    """
    if "documents" not in tables:
        raise InputError("canonical tables: documents.csv (or .parquet) is required")
    col = collector or Collector(FileAccount(tables["documents"].name, "table"))
    kept: set[str] = set()
    yield from _canonical_documents(tables["documents"], col, kept)
    keep = pa.array(sorted(kept), type=pa.string())
    for name in ("people", "classes", "applicants"):
        if name in tables:
            yield from _canonical_rows(name, tables[name], col, keep)


def _canonical_documents(src: Source, col: Collector, kept: set[str]) -> Iterator[Records]:
    """Stream the documents table, adding the ids of the documents kept to ``kept``."""
    for line, rows in _batches(src):
        for k, row in enumerate(rows):
            if _is_header(row, src, line + k):
                repeated_header(col.account, line + k)
                continue
            doc_id = clean(row.get("doc_id"))
            layer = (clean(row.get("layer")) or "").lower()
            if not doc_id or layer not in LAYERS:
                col.reject("row has no doc_id or a bad layer", line=line + k, record_id=doc_id)
                continue
            if _document(col, row, doc_id, layer):
                kept.add(doc_id)
            if col.full:
                yield col.flush()
    if col.has_rows():
        yield col.flush()


def _canonical_rows(name: str, src: Source, col: Collector, keep: pa.Array) -> Iterator[Records]:
    """Stream the rows of one of the other tables whose document is in ``keep``.

    The rows dropped are counted as a problem of the account.

    Raises
    ------
    InputError
        When the table does not conform to its schema.
    """
    dropped = 0
    for line, batch in _batches(src):
        rows = []
        for k, row in enumerate(batch):
            if _is_header(row, src, line + k):
                col.account.notes.append(
                    f"{src.name}: {REPEATED_HEADER_NOTE} a row: line {line + k:,}"
                )
            else:
                rows.append(row)
        if not rows:
            continue
        table = pa.Table.from_pylist(rows)
        try:
            table = conform(table, name)
        except InputError as exc:
            raise InputError(f"{src.name}: {exc}") from exc
        mask = pc.is_in(table.column("doc_id"), value_set=keep)
        mask = pc.fill_null(mask, False)
        dropped += table.num_rows - pc.sum(mask).as_py() if table.num_rows else 0
        yield Records(**{name: country_column(table.filter(mask), col.account, name=name)})
    if dropped:
        col.account.problem(f"{dropped:,} {name} row(s) whose document was not kept were dropped")


def read_table(
    path: str | Path, *, encoding: str | None = None, delimiter: str | None = None
) -> ReadResult:
    """Read a one-row-per-person table (see :func:`iter_table`, and its ``encoding`` and
    ``delimiter``)."""
    from stclusters.records import concat_records

    src = Source(Path(path))
    col = Collector(FileAccount(src.name, "table"))
    chunks = iter_table(src, collector=col, encoding=encoding, delimiter=delimiter)
    records = concat_records(list(chunks))
    return ReadResult(records, [col.account], col.account.duplicates_dropped)
