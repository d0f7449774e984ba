"""Plumbing shared by the readers: accounts, the chunking record collector, value helpers."""

from __future__ import annotations

import codecs
import gzip
import io
import itertools
import re
import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypedDict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from stclusters._countries import (
    LEGACY,
    iso_alpha2,
    iso_alpha2_codes,
    legacy_alpha2,
    why_not_alpha2,
)
from stclusters.errors import InputError
from stclusters.geocode._text import split_postcode
from stclusters.records import SCHEMAS, TABLES, YEAR_RANGE, Records

#: Documents per emitted chunk (memory stays bounded by this, not by the file size).
CHUNK_DOCS = 2000
#: Problems kept in detail per file; further ones are only counted.
MAX_PROBLEMS = 200
#: How the note counting the old country codes that were mapped to ISO codes begins.
MAPPED_NOTE = "old (WIPO ST.3 / reserved) country codes read as ISO 3166-1 codes"


# --------------------------------------------------------------------------------------------
# accounts


@dataclass
class RecordProblem:
    """One malformed record (or file-level problem) found while reading."""

    file: str
    message: str
    line: int | None = None
    record: int | None = None
    record_id: str | None = None
    skipped: bool = True

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line:,}")
        if self.record is not None:
            where.append(f"record {self.record:,}")
        if self.record_id:
            where.append(f"({self.record_id})")
        tail = "; record skipped" if self.skipped else ""
        return f"{' '.join(where)}: {self.message}{tail}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "file": self.file,
            "line": self.line,
            "record": self.record,
            "record_id": self.record_id,
            "message": self.message,
            "skipped": self.skipped,
        }


@dataclass
class FileAccount:
    """What happened to the records of one input file.

    ``records_read = records_kept + records_rejected + duplicates_dropped`` always holds.
    ``role`` is ``"records"`` for record files, ``"lookup"`` for files that only supply
    institution coordinates and ``"skipped"`` for files holding no records.
    """

    path: str
    format: str
    layers: list[str] = field(default_factory=list)
    records_read: int = 0
    records_kept: int = 0
    records_rejected: int = 0
    duplicates_dropped: int = 0
    problems: list[RecordProblem] = field(default_factory=list)
    problems_total: int = 0
    notes: list[str] = field(default_factory=list)
    role: str = "records"
    codes_mapped: dict[tuple[str, str], int] = field(default_factory=dict)

    def problem(
        self,
        message: str,
        *,
        line: int | None = None,
        record: int | None = None,
        record_id: str | None = None,
        skipped: bool = False,
    ) -> None:
        """Record a problem (kept in detail up to :data:`MAX_PROBLEMS` per file)."""
        self.problems_total += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(
                RecordProblem(self.path, message, line, record, record_id, skipped)
            )

    def mapped(self, old: str, new: str, *, times: int = 1) -> None:
        """Count an old country code read as its ISO code (kept as one note in ``notes``)."""
        key = (old, new)
        self.codes_mapped[key] = self.codes_mapped.get(key, 0) + times
        text = ", ".join(f"{o}->{n} ({k:,})" for (o, n), k in sorted(self.codes_mapped.items()))
        note = f"{MAPPED_NOTE}: {text}"
        for i, existing in enumerate(self.notes):
            if existing.startswith(MAPPED_NOTE):
                self.notes[i] = note
                return
        self.notes.append(note)

    @property
    def balanced(self) -> bool:
        """Whether read = kept + rejected + duplicates."""
        return self.records_read == (
            self.records_kept + self.records_rejected + self.duplicates_dropped
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for accounts.json)."""
        return {
            "path": self.path,
            "format": self.format,
            "role": self.role,
            "layers": list(self.layers),
            "records_read": self.records_read,
            "records_kept": self.records_kept,
            "records_rejected": self.records_rejected,
            "duplicates_dropped": self.duplicates_dropped,
            "problems_total": self.problems_total,
            "problems": [p.to_dict() for p in self.problems],
            "notes": list(self.notes),
        }


class _DiskKeys:
    """Keys kept on disk (SQLite in a temporary folder) behind a Bloom filter of fixed size.

    Memory stays bounded whatever the number of keys: the filter (:data:`BLOOM_BITS` bits per
    kind of key) answers "certainly new" for almost every new key without touching the disk;
    the keys added since the last flush wait in memory (at most :data:`PENDING` of them) and are
    written in batches. A filter hit (a repeat, or a false positive) is settled exactly on disk.

    The batches are first appended to a log (Arrow IPC files, a few nanoseconds a key) and
    moved into SQLite's indexed tables (about two microseconds a key) only when a filter hit
    needs them: inputs that repeat no document (the filter then hits almost never below
    10 M keys) skip the index altogether, and the others pay for it as before.
    """

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="stclusters-dedup-")
        self._db = sqlite3.connect(Path(self._tmp.name) / "keys.sqlite", isolation_level=None)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -16384"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute("CREATE TABLE ids (id TEXT PRIMARY KEY) WITHOUT ROWID")
        self._db.execute("CREATE TABLE dois (doi TEXT PRIMARY KEY, doc_id TEXT) WITHOUT ROWID")
        self._bits = {"ids": bytearray(BLOOM_BITS // 8), "dois": bytearray(BLOOM_BITS // 8)}
        self._new_ids: set[str] = set()
        self._new_dois: dict[str, str] = {}
        self._log: dict[str, pa.RecordBatchStreamWriter] = {}

    def _append(self, kind: str, batch: pa.Table) -> None:
        """Append a batch of keys of ``kind`` to its log file."""
        if kind not in self._log:
            path = Path(self._tmp.name) / f"{kind}.arrows"
            self._log[kind] = pa.ipc.new_stream(str(path), batch.schema)
        self._log[kind].write_table(batch)

    def _index(self) -> None:
        """Move the logged keys into the indexed tables (in key order: each insert then lands
        beside the one before in the B-tree)."""
        if not self._log:
            return
        self._db.execute("BEGIN")
        for kind, writer in self._log.items():
            writer.close()
            path = Path(self._tmp.name) / f"{kind}.arrows"
            with pa.ipc.open_stream(str(path)) as reader:
                for batch in reader:
                    rows = zip(*(c.to_pylist() for c in batch.columns), strict=True)
                    marks = ", ".join("?" * batch.num_columns)
                    self._db.executemany(f"INSERT INTO {kind} VALUES ({marks})", rows)
            path.unlink()
        self._db.execute("COMMIT")
        self._log = {}

    def _positions(self, keys: list[str]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """The bytes and bit masks of the filter positions of ``keys`` (shape (len(keys),
        BLOOM_HASHES) each): the positions :meth:`_maybe` computes, in NumPy."""
        h = np.array(list(map(hash, keys)), dtype=np.int64).view(np.uint64)
        h1 = h & np.uint64(0xFFFFFFFF)
        h2 = (h >> np.uint64(32)) | np.uint64(1)
        steps = np.arange(BLOOM_HASHES, dtype=np.uint64)
        pos = (h1[:, None] + steps[None, :] * h2[:, None]) % np.uint64(BLOOM_BITS)
        return (pos >> np.uint64(3)).astype(np.int64), (
            np.uint8(1) << (pos & np.uint64(7)).astype(np.uint8)
        )

    def maybe_many(self, kind: str, keys: list[str]) -> np.ndarray[Any, Any]:
        """Which of ``keys`` may be in the filter of ``kind`` (:meth:`_maybe` of each)."""
        if not keys:
            return np.zeros(0, dtype=bool)
        byte, mask = self._positions(keys)
        bits = np.frombuffer(self._bits[kind], dtype=np.uint8)
        return np.asarray(((bits[byte] & mask) != 0).all(axis=1), dtype=bool)

    def add_many(self, doc_ids: list[str], dois: list[str | None]) -> None:
        """:meth:`add` of documents that are certainly new (in their order)."""
        for kind, keys in (("ids", doc_ids), ("dois", [d for d in dois if d])):
            if keys:
                byte, mask = self._positions(keys)
                np.bitwise_or.at(np.frombuffer(self._bits[kind], dtype=np.uint8), byte, mask)
        self._new_ids.update(doc_ids)
        for doc_id, doi in zip(doc_ids, dois, strict=True):
            if doi:
                self._new_dois[doi] = doc_id
        if len(self._new_ids) >= PENDING:
            self.flush()

    def _maybe(self, kind: str, key: str, *, add: bool = False) -> bool:
        """Whether ``key`` may be in the filter of ``kind`` (and set its bits when ``add``)."""
        bits = self._bits[kind]
        h = hash(key) & 0xFFFFFFFFFFFFFFFF
        h1, h2 = h & 0xFFFFFFFF, (h >> 32) | 1
        present = True
        for i in range(BLOOM_HASHES):
            pos = (h1 + i * h2) % BLOOM_BITS
            byte, mask = pos >> 3, 1 << (pos & 7)
            if not bits[byte] & mask:
                present = False
                if not add:
                    return False
                bits[byte] |= mask
        return present

    def has_id(self, doc_id: str) -> bool:
        """Whether ``doc_id`` was added."""
        if not self._maybe("ids", doc_id):
            return False
        if doc_id in self._new_ids:
            return True
        self._index()
        return self._db.execute("SELECT 1 FROM ids WHERE id = ?", (doc_id,)).fetchone() is not None

    def first_of(self, doi: str) -> str | None:
        """The doc_id added with ``doi``, or None."""
        if not self._maybe("dois", doi):
            return None
        first = self._new_dois.get(doi)
        if first is not None:
            return first
        self._index()
        row = self._db.execute("SELECT doc_id FROM dois WHERE doi = ?", (doi,)).fetchone()
        return None if row is None else str(row[0])

    def add(self, doc_id: str, doi: str | None) -> None:
        """Remember a kept document."""
        self._maybe("ids", doc_id, add=True)
        self._new_ids.add(doc_id)
        if doi:
            self._maybe("dois", doi, add=True)
            self._new_dois[doi] = doc_id
        if len(self._new_ids) >= PENDING:
            self.flush()

    def flush(self) -> None:
        """Append the keys waiting in memory to the log on disk."""
        if self._new_ids:
            self._append("ids", pa.table({"id": pa.array(sorted(self._new_ids), pa.string())}))
        if self._new_dois:
            dois = sorted(self._new_dois.items())
            self._append(
                "dois",
                pa.table(
                    {
                        "doi": pa.array([d for d, _ in dois], pa.string()),
                        "doc_id": pa.array([i for _, i in dois], pa.string()),
                    }
                ),
            )
        self._new_ids, self._new_dois = set(), {}

    def close(self) -> None:
        """Remove the disk copy."""
        for writer in self._log.values():
            writer.close()
        self._log = {}
        self._db.close()
        self._tmp.cleanup()


#: Keys a Deduper holds in memory before it moves them to disk (bounded memory beyond this).
IN_MEMORY_KEYS = 200_000
#: Bits of each Bloom filter of the on-disk key store (32 MiB each) and hashes per key: about
#: 0.5 % false positives at 20 M keys, each settled by one disk look-up.
BLOOM_BITS = 1 << 28
BLOOM_HASHES = 4
#: Keys written to disk per batch.
PENDING = 50_000


class Deduper:
    """Remembers the documents already kept, by doc_id and by DOI, across files.

    The first :data:`IN_MEMORY_KEYS` documents are remembered in memory; beyond that the keys
    move to a temporary SQLite file behind a fixed-size Bloom filter, so that memory does not
    grow with the number of documents read (10 M documents are 2 GB of Python strings and
    sets). Both give the same answers. Call :meth:`close` when done (removes the file).
    """

    def __init__(self, *, in_memory: int = IN_MEMORY_KEYS) -> None:
        self.doc_ids: set[str] = set()
        self.dois: dict[str, str] = {}
        self.in_memory = in_memory
        self._disk: _DiskKeys | None = None

    def check(self, doc_id: str, doi: str | None) -> str | None:
        """Return why the document is a duplicate, or None (and remember it)."""
        disk = self._disk
        if disk is not None:
            if disk.has_id(doc_id):
                return f"same doc_id as an earlier record ({doc_id})"
            if doi:
                first = disk.first_of(doi)
                if first is not None:
                    return f"same DOI {doi} as {first}"
            disk.add(doc_id, doi)
            return None
        if doc_id in self.doc_ids:
            return f"same doc_id as an earlier record ({doc_id})"
        if doi:
            first = self.dois.get(doi)
            if first is not None:
                return f"same DOI {doi} as {first}"
            self.dois[doi] = doc_id
        self.doc_ids.add(doc_id)
        if len(self.doc_ids) > self.in_memory:
            self._to_disk()
        return None

    def check_many(
        self, doc_ids: list[str], dois: list[str | None]
    ) -> tuple[np.ndarray[Any, Any], dict[int, str]]:
        """:meth:`check` of each document in turn: which are new (a boolean array) and why
        the others are duplicates (by position).

        The same answers as :meth:`check` one by one. The documents none of whose keys can
        have been met before (none in the keys so far, by set operations in memory or by the
        Bloom filter on disk, nor earlier in the batch) are taken at once; the others, few
        unless the inputs repeat each other, one by one in their order. Taking the first
        kind before the second changes no answer: a document of the first kind shares no key
        with any document before it in the batch.
        """
        n = len(doc_ids)
        new = np.ones(n, dtype=bool)
        reasons: dict[int, str] = {}
        if self._disk is None and len(self.doc_ids) + n > self.in_memory:
            self._to_disk()  # the same answers, from the keys on disk
        sure = self._surely_new(doc_ids, dois)
        fresh = np.flatnonzero(sure)
        self._add_many([doc_ids[i] for i in fresh], [dois[i] for i in fresh])
        for i in np.flatnonzero(~sure):
            reason = self.check(doc_ids[i], dois[i])
            if reason is not None:
                new[i] = False
                reasons[int(i)] = reason
        return new, reasons

    def _surely_new(self, doc_ids: list[str], dois: list[str | None]) -> np.ndarray[Any, Any]:
        """Which documents share no key with the keys so far nor with an earlier document of
        the batch (False may also be a new document: it is then checked one by one)."""
        n = len(doc_ids)
        sure = ~_repeats(doc_ids)
        given = [i for i, d in enumerate(dois) if d]
        doi_list = [d for d in dois if d]
        if given:
            sure[np.asarray(given)[_repeats(doi_list)]] = False
        disk = self._disk
        if disk is not None:
            sure &= ~disk.maybe_many("ids", doc_ids)
            if given:
                sure[np.asarray(given)[disk.maybe_many("dois", doi_list)]] = False
        elif not self.doc_ids.isdisjoint(doc_ids) or not self.dois.keys().isdisjoint(doi_list):
            known = self.doc_ids
            sure &= np.fromiter((d not in known for d in doc_ids), dtype=bool, count=n)
            if given:
                met = np.fromiter((d in self.dois for d in doi_list), bool, len(doi_list))
                sure[np.asarray(given)[met]] = False
        return sure

    def _add_many(self, doc_ids: list[str], dois: list[str | None]) -> None:
        """Remember documents that are certainly new."""
        if self._disk is not None:
            self._disk.add_many(doc_ids, dois)
            return
        self.doc_ids.update(doc_ids)
        self.dois.update((doi, d) for d, doi in zip(doc_ids, dois, strict=True) if doi)
        if len(self.doc_ids) > self.in_memory:
            self._to_disk()

    def _to_disk(self) -> None:
        disk = _DiskKeys()
        dois_of = {v: k for k, v in self.dois.items()}
        ids = list(self.doc_ids)
        disk.add_many(ids, [dois_of.get(doc_id) for doc_id in ids])
        disk.flush()
        self.doc_ids, self.dois = set(), {}
        self._disk = disk

    def close(self) -> None:
        """Forget every key (and remove the disk copy, if any)."""
        if self._disk is not None:
            self._disk.close()
            self._disk = None
        self.doc_ids, self.dois = set(), {}


def _repeats(keys: list[str]) -> np.ndarray[Any, Any]:
    """Which keys repeat one earlier in the list (a boolean array)."""
    if len(set(keys)) == len(keys):
        return np.zeros(len(keys), dtype=bool)
    seen: set[str] = set()
    out = np.zeros(len(keys), dtype=bool)
    for i, key in enumerate(keys):
        if key in seen:
            out[i] = True
        seen.add(key)
    return out


def country_column(table: pa.Table, account: FileAccount, *, name: str) -> pa.Table:
    """``table`` with its ``country`` column read as ISO 3166-1 alpha-2 codes, in Arrow.

    For readers that build whole tables at once (canonical tables, PatentsView): old codes
    are mapped (and counted in the account's notes), values that are no country code are
    emptied and reported, one problem per distinct value with its count and an example
    ``doc_id`` (``name`` is the table's name in the message). The row-by-row readers use
    :meth:`Collector.country` for the same rules.
    """
    if "country" not in table.column_names or table.num_rows == 0:
        return table
    given = pc.utf8_upper(pc.utf8_trim_whitespace(table.column("country")))
    given = pc.if_else(pc.equal(given, ""), pa.scalar(None, pa.string()), given)
    iso = sorted(iso_alpha2_codes())
    keys = pa.array([*iso, *LEGACY], pa.string())
    values = pa.array([*iso, *LEGACY.values()], pa.string())
    code = pc.take(values, pc.index_in(given, value_set=keys))
    bad = pc.and_(pc.is_valid(given), pc.is_null(code))
    if pc.any(bad).as_py():
        rows = pa.table(
            {"country": given.filter(bad), "doc_id": table.column("doc_id").filter(bad)}
        )
        groups = rows.group_by("country", use_threads=False).aggregate(
            [("doc_id", "first"), ("doc_id", "count")]
        )
        for item in groups.sort_by("country").to_pylist():
            account.problem(
                f"{name}: {item['doc_id_count']:,} row(s) where "
                f"{why_not_alpha2(item['country'])}; the country was left empty "
                f"(first in {item['doc_id_first']})",
                record_id=item["doc_id_first"],
            )
    legacy = pc.and_(pc.is_valid(code), pc.not_equal(given, code))
    if pc.any(legacy).as_py():
        for item in pc.value_counts(given.filter(legacy)).to_pylist():
            old = item["values"]
            account.mapped(old, LEGACY[old], times=item["counts"])
    index = table.column_names.index("country")
    return table.set_column(index, table.schema.field(index), code)


#: How the note counting the header lines repeated inside a file begins.
REPEATED_HEADER_NOTE = "header repeated inside the file (exports joined with `cat`?), not read as"


def repeated_header(account: FileAccount, line: int) -> None:
    """Note a header line found again inside a file (kept as one note listing the lines).

    Exports are often joined with ``cat``, which repeats each batch's byte-order mark and
    header; such a line is never a record.
    """
    for i, note in enumerate(account.notes):
        if note.startswith(REPEATED_HEADER_NOTE):
            account.notes[i] = f"{note}, {line:,}"
            return
    account.notes.append(f"{REPEATED_HEADER_NOTE} a record: line {line:,}")


# --------------------------------------------------------------------------------------------
# collecting rows into chunks of Records


class Where(TypedDict, total=False):
    """Where a record is in its file (keyword arguments of reject and warn)."""

    line: int | None
    record: int | None


_COLUMNS = {name: SCHEMAS[name].names for name in TABLES}


#: Lone surrogates of any kind, which no UTF-8 text may hold.
_LONE_SURROGATES = re.compile("[\ud800-\udfff]")


class Collector:
    """Accumulate the rows of one file's records and hand them out as Records chunks.

    A reader parses a whole record first, then calls :meth:`document`; only when that returns
    True does it add the record's people, classes and applicants rows. Duplicates (by doc_id or
    DOI, across every file of a read) and rejected records are counted in ``account``.
    """

    def __init__(
        self,
        account: FileAccount,
        *,
        deduper: Deduper | None = None,
        chunk_docs: int = CHUNK_DOCS,
    ) -> None:
        self.account = account
        self.deduper = deduper if deduper is not None else Deduper()
        self.chunk_docs = chunk_docs
        self._cols: dict[str, dict[str, list[Any]]] = {}
        self._reset()
        self._dup_examples = 0
        self._iso = iso_alpha2_codes()

    def _reset(self) -> None:
        self._cols = {name: {c: [] for c in _COLUMNS[name]} for name in TABLES}
        self._ndocs = 0

    # ---- records
    def document(
        self,
        doc_id: str,
        layer: str,
        *,
        year: int | None = None,
        doc_type: str | None = None,
        title: str | None = None,
        source: str | None = None,
        doi: str | None = None,
    ) -> bool:
        """Add one document; False (and counted) when it duplicates an earlier one."""
        if not self.admit(doc_id, layer, doi):
            return False
        cols = self._cols["documents"]
        cols["doc_id"].append(doc_id)
        cols["layer"].append(layer)
        cols["year"].append(year)
        cols["doc_type"].append(doc_type)
        cols["title"].append(title)
        cols["source"].append(source or self.account.format)
        cols["doi"].append(doi)
        cols["file"].append(self.account.path)
        self._ndocs += 1
        return True

    def admit(self, doc_id: str, layer: str, doi: str | None) -> bool:
        """Count one document as read and kept, or as a duplicate (False) of an earlier one.

        :meth:`document` admits and adds the row; a reader that builds its documents table in
        Arrow admits each document and adds the rows itself.
        """
        self.account.records_read += 1
        reason = self.deduper.check(doc_id, doi)
        if reason is not None:
            self.account.duplicates_dropped += 1
            if self._dup_examples < 5:
                self.account.notes.append(f"duplicate dropped: {doc_id} ({reason})")
                self._dup_examples += 1
            return False
        if layer not in self.account.layers:
            self.account.layers.append(layer)
        self.account.records_kept += 1
        return True

    def admit_many(
        self, doc_ids: list[str], layers: list[str], dois: list[str | None]
    ) -> np.ndarray[Any, Any]:
        """:meth:`admit` each document in turn; which were kept (a boolean array)."""
        kept, reasons = self.deduper.check_many(doc_ids, dois)
        account = self.account
        account.records_read += len(doc_ids)
        n_kept = int(kept.sum())
        account.records_kept += n_kept
        account.duplicates_dropped += len(doc_ids) - n_kept
        for i in sorted(reasons)[: max(0, 5 - self._dup_examples)]:
            account.notes.append(f"duplicate dropped: {doc_ids[i]} ({reasons[i]})")
            self._dup_examples += 1
        for layer in dict.fromkeys(itertools.compress(layers, kept.tolist())):
            if layer not in account.layers:
                account.layers.append(layer)
        return kept

    def reject(
        self,
        message: str,
        *,
        line: int | None = None,
        record: int | None = None,
        record_id: str | None = None,
    ) -> None:
        """Count one record as read and rejected, with the reason."""
        self.account.records_read += 1
        self.account.records_rejected += 1
        self.account.problem(message, line=line, record=record, record_id=record_id, skipped=True)

    def warn(
        self,
        message: str,
        *,
        line: int | None = None,
        record: int | None = None,
        record_id: str | None = None,
    ) -> None:
        """Record a problem with a record that is kept anyway."""
        self.account.problem(message, line=line, record=record, record_id=record_id)

    def year(
        self,
        value: Any,
        *,
        field: str,
        line: int | None = None,
        record: int | None = None,
        record_id: str | None = None,
    ) -> int | None:
        """The year a record's ``field`` gives (:func:`parse_year`), with the accounting.

        A value that is present but no year within :data:`stclusters.records.YEAR_RANGE` (a
        typo, ``0000``, ``9999``, a year far outside every window) is a problem of the record,
        which is kept without a year: it then falls outside every window and is counted there.
        """
        year = parse_year(value)
        if year is None:
            text = clean(value)
            if text:
                self.warn(
                    f"{field} {text[:40]!r} is not a year within {YEAR_RANGE[0]}-{YEAR_RANGE[1]}; "
                    "the document is kept without a year (outside every window)",
                    line=line,
                    record=record,
                    record_id=record_id,
                )
        return year

    def country(
        self,
        value: Any,
        *,
        any_text: bool = False,
        line: int | None = None,
        record: int | None = None,
        record_id: str | None = None,
    ) -> str | None:
        """The ISO 3166-1 alpha-2 code a record's country field gives, with the accounting.

        An old code (``JA``, ``UK``...; see :mod:`stclusters._countries`) is mapped to its ISO
        code and counted in the file's notes; a two-letter value that is no country (``NY``,
        ``EP``) is a problem of the record and gives None (the record is kept without a
        country). Other text gives None too, reported as a problem only when ``any_text``
        (a column meant to hold codes) and silent otherwise (placeholders like ``omitted``).
        """
        if isinstance(value, str) and value in self._iso:
            return value  # the usual case, first
        text = clean(value)
        if not text:
            return None
        code = iso_alpha2(text)
        if code is None:
            if any_text or (len(text) == 2 and text.isalpha()):
                self.warn(
                    f"country {why_not_alpha2(text)}; the country was left empty",
                    line=line,
                    record=record,
                    record_id=record_id,
                )
            return None
        if legacy_alpha2(text):
            self.account.mapped(text.upper(), code)
        return code

    def person(
        self,
        doc_id: str,
        person_seq: int | None,
        address_seq: int | None,
        role: str,
        *,
        name: str | None = None,
        organisation: str | None = None,
        address: str | None = None,
        city: str | None = None,
        region: str | None = None,
        postcode: str | None = None,
        country: str | None = None,
        lat: float | None = None,
        lon: float | None = None,
        precision: str | None = None,
    ) -> None:
        """Add one people row."""
        c = self._cols["people"]
        c["doc_id"].append(doc_id)
        c["person_seq"].append(person_seq)
        c["address_seq"].append(address_seq)
        c["role"].append(role)
        c["name"].append(name)
        c["organisation"].append(organisation)
        c["address"].append(address)
        c["city"].append(city)
        c["region"].append(region)
        c["postcode"].append(postcode)
        c["country"].append(country)
        c["lat"].append(lat)
        c["lon"].append(lon)
        c["precision"].append(precision)

    def klass(self, doc_id: str, scheme: str, code: str) -> None:
        """Add one classes row."""
        c = self._cols["classes"]
        c["doc_id"].append(doc_id)
        c["scheme"].append(scheme)
        c["code"].append(code)

    def applicant(self, doc_id: str, name: str, country: str | None = None) -> None:
        """Add one applicants row."""
        c = self._cols["applicants"]
        c["doc_id"].append(doc_id)
        c["name"].append(name)
        c["country"].append(country)

    # ---- chunks
    @property
    def pending_docs(self) -> int:
        """Documents gathered since the last chunk was handed out."""
        return self._ndocs

    @property
    def full(self) -> bool:
        """Whether a chunk is ready to be handed out."""
        return self._ndocs >= self.chunk_docs

    def has_rows(self) -> bool:
        """Whether any row waits to be handed out."""
        return any(cols[next(iter(cols))] for cols in self._cols.values())

    def flush(self) -> Records:
        """The rows gathered so far as Records (and start a new chunk)."""
        tables = {
            name: pa.table(
                {c: self._array(v, SCHEMAS[name].field(c).type) for c, v in cols.items()},
                schema=SCHEMAS[name],
            )
            for name, cols in self._cols.items()
        }
        self._reset()
        return Records(**tables)

    def _array(self, values: list[Any], type_: pa.DataType) -> pa.Array:
        """A column as an Arrow array; text holding lone surrogates (invalid bytes read with
        surrogateescape, or a JSON ``\\udXXX`` escape) cannot be UTF-8: such characters become
        U+FFFD and the file's account notes how many values were changed."""
        try:
            return pa.array(values, type=type_)
        except UnicodeEncodeError:
            fixed = [_LONE_SURROGATES.sub("\ufffd", v) if isinstance(v, str) else v for v in values]
            changed = sum(a is not b for a, b in zip(values, fixed, strict=True))
            self.account.notes.append(
                f"{changed:,} text value(s) held characters that are not valid text "
                "(replaced by U+FFFD)"
            )
            return pa.array(fixed, type=type_)


# --------------------------------------------------------------------------------------------
# sources: plain files, gzipped files and members of zip archives


class _OwningGzip(gzip.GzipFile):
    """A GzipFile that closes the file it reads from."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__(fileobj=raw, mode="rb")
        self._raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


@dataclass(frozen=True)
class Source:
    """One readable input: a file, or a member of a zip archive."""

    path: Path
    member: str | None = None
    label: str = ""

    @property
    def name(self) -> str:
        """The display name used in accounts and messages."""
        if self.label:
            return self.label
        return f"{self.path}:{self.member}" if self.member else str(self.path)

    @property
    def filename(self) -> str:
        """The base name of the file (or zip member)."""
        return Path(self.member).name if self.member else self.path.name

    def open_binary(self) -> IO[bytes]:
        """Open for reading bytes, decompressing gzip transparently."""
        try:
            if self.member is not None:
                with zipfile.ZipFile(self.path) as zf:
                    # the member keeps the archive file open until it is closed itself
                    raw: IO[bytes] = zf.open(self.member)
            else:
                raw = self.path.open("rb")
        except (OSError, zipfile.BadZipFile, KeyError) as exc:
            raise InputError(f"{self.name}: cannot open ({exc})") from exc
        if self.filename.lower().endswith(".gz"):
            return _OwningGzip(raw)  # type: ignore[return-value]
        return raw

    def head(self, n: int = 65536) -> bytes:
        """The first ``n`` bytes (decompressed)."""
        with self.open_binary() as fh:
            try:
                return fh.read(n)
            except (OSError, EOFError, zlib.error) as exc:
                raise InputError(f"{self.name}: cannot read ({exc})") from exc


def sniff_encoding(head: bytes) -> str:
    """Guess the text encoding from the first bytes (BOM, UTF-16 without BOM, else UTF-8)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:200]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4:
        return "utf-16-le"
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4:
        return "utf-16-be"
    return "utf-8"


def decode_head(head: bytes) -> str:
    """Decode a head of bytes for sniffing (never fails; cuts a broken last character)."""
    enc = sniff_encoding(head)
    text = head.decode(enc, errors="replace")
    return text.lstrip("\ufeff")


def open_text(source: Source, *, encoding: str | None = None) -> IO[str]:
    """Open a source as text: encoding sniffed from its first bytes unless given.

    Bytes that are not valid in the encoding are kept as surrogate escapes, so that a reader can
    report the line and repair it (see :func:`repair_text`) instead of failing on the whole file.
    """
    enc = encoding or sniff_encoding(source.head(4096))
    raw = source.open_binary()
    return io.TextIOWrapper(raw, encoding=enc, errors="surrogateescape", newline="")


_SURROGATES = re.compile("[\udc80-\udcff]")


def has_bad_bytes(text: str) -> bool:
    """Whether decoded text holds bytes that were invalid in its encoding."""
    return _SURROGATES.search(text) is not None


def repair_text(text: str) -> str:
    """Re-decode surrogate-escaped bytes as Windows-1252 (the usual wrong encoding)."""
    try:
        raw = text.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:  # pragma: no cover - defensive
        return _SURROGATES.sub("\ufffd", text)
    return raw.decode("cp1252", errors="replace")


READ_ERRORS = (OSError, EOFError, zlib.error, zipfile.BadZipFile, UnicodeError)


#: Most characters of one line a line reader keeps; the rest of a longer line (a file of
#: garbage without line ends) is read past in blocks, never held.
MAX_LINE_CHARS = 16 << 20


def _capped_lines(fh: IO[str], limit: int | None) -> Iterator[tuple[int, str, bool]]:
    """(1-based number, text with its line end, whether the line reached ``limit`` characters
    (:data:`MAX_LINE_CHARS` by default) and was cut there) of each line of ``fh``."""
    limit = MAX_LINE_CHARS if limit is None else limit
    number = 0
    while True:
        line = fh.readline(limit)
        if not line:
            return
        number += 1
        yield number, line, len(line) >= limit and not line.endswith(("\n", "\r"))


def iter_lines(fh: IO[str], *, limit: int | None = None) -> Iterator[tuple[int, str]]:
    """Lines (1-based number, text without line end), each cut at ``limit`` characters
    (:data:`MAX_LINE_CHARS` by default) so that memory stays bounded whatever the file."""
    for number, line, cut in _capped_lines(fh, limit):
        if cut:
            rest = line
            while rest and not rest.endswith(("\n", "\r")):
                rest = fh.readline(1 << 20)  # the rest of the line, read past
        yield number, line.rstrip("\r\n")


def bounded_lines(fh: IO[str], *, name: str, limit: int | None = None) -> Iterator[str]:
    """The lines of ``fh`` with their line ends, as iterating ``fh`` gives them, but a line of
    ``limit`` characters or more (:data:`MAX_LINE_CHARS` by default) is refused: no record of an
    export has such a line, and a file of garbage without line ends would otherwise be held
    whole (a 2 GB one took 20 GB in the CSV reader).

    Raises
    ------
    InputError
        Naming the file (``name``), the line and the fix.
    """
    for number, line, cut in _capped_lines(fh, limit):
        if cut:
            raise InputError(
                f"{name}: line {number:,} is longer than {limit or MAX_LINE_CHARS:,} "
                "characters, far more than any record: check that the file is an export in "
                "the format read (name it with --format)"
            )
        yield line


# --------------------------------------------------------------------------------------------
# small value helpers

_WS = re.compile(r"\s+")


def clean(value: Any) -> str | None:
    """Whitespace-collapsed text, or None when empty."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    if "  " in text or "\n" in text or "\t" in text or "\r" in text:
        text = _WS.sub(" ", text)
    text = text.strip()
    return text or None


_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def normalise_doi(value: Any) -> str | None:
    """A DOI lower-cased, without URL or ``doi:`` prefix; None when it is no DOI."""
    text = clean(value)
    if not text:
        return None
    text = _DOI_PREFIX.sub("", text).strip().lower()
    return text if text.startswith("10.") else None


def country_code(value: Any) -> str | None:
    """The ISO 3166-1 alpha-2 code of a code field (old codes mapped), or None.

    Without accounting: for lookups (institutions files). A record's country goes through
    :meth:`Collector.country`, which notes the mapped codes and reports the bad ones.
    """
    return iso_alpha2(clean(value))


def parse_year(value: Any) -> int | None:
    """A four-digit year at the start of ``value`` (a year or a date) within
    :data:`stclusters.records.YEAR_RANGE`, else None (see :meth:`Collector.year`, which also
    reports the value that is not one)."""
    text = clean(value)
    if not text:
        return None
    m = re.match(r"(\d{4})", text)
    if not m:
        return None
    year = int(m.group(1))
    return year if YEAR_RANGE[0] <= year <= YEAR_RANGE[1] else None


# ---- classification codes

_IPC = re.compile(
    r"^\s*(?:\d{1,2}(?=\s*[A-HY]\s*\d\d\s*[A-Z]))?\s*([A-HY])\s*(\d\d)\s*([A-Z])\s*"
    r"0*(\d{1,4})\s*/\s*(\d{1,6})"
)
_IPC_FIXED = re.compile(r"^\s*([A-HY]\d\d[A-Z])(.{3})(\d{2,6})\s*$")


def format_ipc(section: str, cls: str, subclass: str, main_group: str, subgroup: str) -> str | None:
    """Build "H04L 29/06" from the parts of an IPC or CPC symbol; None when parts are missing."""
    section, cls, subclass = section.strip(), cls.strip(), subclass.strip()
    main_group, subgroup = main_group.strip(), subgroup.strip()
    if not (section and cls and subclass and main_group):
        return None
    main = main_group.lstrip("0") or "0"
    sub = subgroup or "00"
    if len(sub) < 2:
        sub = sub.rjust(2, "0")
    return f"{section}{cls.zfill(2)}{subclass} {main}/{sub}"


def parse_ipc(text: Any) -> str | None:
    """Normalise an IPC/CPC symbol in any of its historic notations to "H04L 29/06".

    Handles the IPCR text form ("H01F  27/14  20060101AFI20171122BHEP"), the edition-prefixed
    EPO form (" 7C 07C  29/44   A", "2C 07D 307/12 A"), the fixed-width USPTO form
    ("A45F  504", "G06F 1730") and CPC symbols ("F25B2313/0233"). Returns None when ``text``
    holds no recognisable symbol.
    """
    if text is None:
        return None
    value = str(text)
    m = _IPC.match(value)
    if m:
        return format_ipc(*m.groups())
    m = _IPC_FIXED.match(value)
    if m:
        sub = m.group(1)
        return format_ipc(sub[0], sub[1:3], sub[3], m.group(2), m.group(3))
    return None


# ---- patent places

_DISTRICT = re.compile(r"\s+\d{1,2}$")


def split_city(text: Any) -> tuple[str | None, str | None, str | None]:
    """Split a patent address city field into (city, region, postcode).

    EPO and USPTO city fields often carry a postcode ("80331 München", "Tokyo 100-8405",
    "Cambridge CB2 1DP", "NL-1062 XK Amsterdam", "I 31044 Montebelluna") and sometimes a
    region ("Ichihara-shi, Chiba", "Boston, MA 02116", "Bangor BT19 7QT, County Down").
    """
    value = clean(text)
    if not value:
        return None, None, None
    postcode: str | None = None
    parts = [p.strip() for p in value.split(",") if p.strip()]
    for k in [*range(len(parts))][::-1] if len(parts) > 1 else [0]:
        rest, code = split_postcode(parts[k])
        if code:
            postcode = code
            parts[k] = rest
            break
    parts = [_DISTRICT.sub("", p).strip() for p in parts]
    parts = [p for p in parts if p]
    region: str | None = None
    if len(parts) >= 2:
        city, region = parts[0], parts[-1]
    elif parts:
        city = parts[0]
        m2 = re.match(r"^(.*\S)\s+([A-Z]{2})$", city)  # "Redmond WA"
        if m2:
            city, region = m2.group(1), m2.group(2)
    else:
        city = None
    return city or None, region, postcode


def place_string(*parts: str | None) -> str | None:
    """Join the non-empty parts of a place with ", "."""
    text = ", ".join(p for p in parts if p)
    return text or None


# --------------------------------------------------------------------------------------------
# results


@dataclass
class ReadResult:
    """Records read from some inputs, with the accounts of every file."""

    records: Records
    accounts: list[FileAccount] = field(default_factory=list)
    duplicates: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The accounts as a JSON-ready dict (for accounts.json)."""
        return accounts_dict(self.accounts, self.duplicates)


def accounts_dict(accounts: list[FileAccount], duplicates: int) -> dict[str, Any]:
    """Totals and per-file accounts as a JSON-ready dict."""
    keys = ("records_read", "records_kept", "records_rejected", "duplicates_dropped")
    totals = {k: sum(getattr(a, k) for a in accounts) for k in keys}
    totals["problems"] = sum(a.problems_total for a in accounts)
    totals["files"] = len(accounts)
    return {"totals": totals, "duplicates": duplicates, "files": [a.to_dict() for a in accounts]}


def start(
    source: Source | str | Path, fmt: str, collector: Collector | None
) -> tuple[Source, Collector]:
    """The Source and Collector a reader works with (new ones when not given)."""
    src = source if isinstance(source, Source) else Source(Path(source))
    col = collector or Collector(FileAccount(src.name, fmt))
    return src, col


def read_with(
    iter_fn: Callable[..., Iterator[Records]], path: str | Path, fmt: str, **options: Any
) -> ReadResult:
    """Drain one reader over one file into a ReadResult."""
    from stclusters.records import concat_records

    src = Source(Path(path))
    col = Collector(FileAccount(src.name, fmt))
    records = concat_records(list(iter_fn(src, collector=col, **options)))
    return ReadResult(records, [col.account], col.account.duplicates_dropped)
