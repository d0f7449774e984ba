"""Readers: turn exports of the real sources into the canonical Records, with accounts.

``read_inputs`` takes files, folders and glob patterns, detects each file's format, reads it with
the matching reader and returns the Records with one account per file. Each format also has its
own ``read_<format>`` (whole file into a :class:`ReadResult`) and ``iter_<format>`` (chunks of
Records, for constant memory). See docs/readers.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from stclusters.errors import InputError
from stclusters.readers._common import (
    CHUNK_DOCS,
    Collector,
    Deduper,
    FileAccount,
    ReadResult,
    RecordProblem,
    accounts_dict,
)
from stclusters.readers._dialect import TableDialect
from stclusters.readers.detect import FORMATS, Unit, detect_format, plan_inputs
from stclusters.readers.epo import iter_epo, read_epo
from stclusters.readers.openalex import Institutions, institutions_in, iter_openalex, read_openalex
from stclusters.readers.patentsview import iter_patentsview, read_patentsview
from stclusters.readers.pct import iter_pct, read_pct
from stclusters.readers.scopus import iter_scopus, read_scopus
from stclusters.readers.table import iter_canonical, iter_table, read_table
from stclusters.readers.uspto import iter_uspto, read_uspto
from stclusters.readers.wos import iter_wos, read_wos
from stclusters.records import Records, concat_records, conform, iter_batches, read_manifest

__all__ = [
    "FORMATS",
    "FileAccount",
    "ReadResult",
    "ReadStream",
    "RecordProblem",
    "TableDialect",
    "detect_format",
    "iter_epo",
    "iter_openalex",
    "iter_patentsview",
    "iter_pct",
    "iter_scopus",
    "iter_table",
    "iter_uspto",
    "iter_wos",
    "read_epo",
    "read_inputs",
    "read_openalex",
    "read_patentsview",
    "read_pct",
    "read_scopus",
    "read_table",
    "read_uspto",
    "read_wos",
]

log = logging.getLogger(__name__)

_ITERS: dict[str, Callable[..., Iterator[Records]]] = {
    "wos": iter_wos,
    "scopus": iter_scopus,
    "uspto": iter_uspto,
    "epo": iter_epo,
    "pct": iter_pct,
    "table": iter_table,
}


class ReadStream:
    """Read inputs chunk by chunk (constant memory); accounts fill in as chunks are taken.

    Iterating yields Records chunks; afterwards ``accounts`` holds one :class:`FileAccount` per
    input file and ``duplicates`` the number of documents dropped as duplicates. The inputs are
    checked (existence, formats) when the stream is created, before any reading.

    Examples
    --------
    >>> stream = ReadStream(["exports/"])  # doctest: +SKIP
    >>> with RecordsWriter("records/") as writer:  # doctest: +SKIP
    ...     for chunk in stream:
    ...         writer.write(chunk)
    """

    def __init__(
        self,
        inputs: Sequence[str | Path],
        *,
        format: str | None = None,
        progress: Callable[[int], None] | None = None,
        chunk_docs: int = CHUNK_DOCS,
        dialect: TableDialect | None = None,
    ) -> None:
        self.dialect = (dialect or TableDialect()).checked()  # a bad name fails before reading
        self.units, self.unknown = plan_inputs(inputs, format=format)
        self.progress = progress
        self.chunk_docs = chunk_docs
        self.accounts: list[FileAccount] = []
        self.deduper = Deduper()
        self.institutions = Institutions()
        self._read = 0

    @property
    def duplicates(self) -> int:
        """Documents dropped as duplicates (same doc_id or DOI) so far."""
        return sum(a.duplicates_dropped for a in self.accounts)

    def to_dict(self) -> dict[str, Any]:
        """The accounts as a JSON-ready dict."""
        return accounts_dict(self.accounts, self.duplicates)

    def _tick(self, account: FileAccount) -> None:
        if self.progress is not None:
            self.progress(self._read + account.records_read)

    def __iter__(self) -> Iterator[Records]:
        for unit in self.units:
            if unit.format == "institutions":
                self._lookup(unit)
        for unit in self.units:
            if unit.format == "institutions":
                continue
            account = FileAccount(unit.name, unit.format)
            self.accounts.append(account)
            col = Collector(account, deduper=self.deduper, chunk_docs=self.chunk_docs)
            for chunk in self._chunks(unit, col):
                self._tick(account)
                yield chunk
            self._read += account.records_read
            log.info(
                "%s: read %s, kept %s, rejected %s, duplicates %s",
                account.path,
                f"{account.records_read:,}",
                f"{account.records_kept:,}",
                f"{account.records_rejected:,}",
                f"{account.duplicates_dropped:,}",
            )
        self.deduper.close()
        for src in self.unknown:
            acc = FileAccount(src.name, "unknown", role="skipped")
            acc.notes.append("format not recognised (no records read); skipped")
            self.accounts.append(acc)

    def _lookup(self, unit: Unit) -> None:
        src = unit.sources["file"]
        account = FileAccount(src.name, "institutions", role="lookup")
        read, loaded = institutions_in(src, self.institutions)
        account.notes.append(f"{read:,} institutions read, {loaded:,} with coordinates")
        self.accounts.append(account)

    def _chunks(self, unit: Unit, col: Collector) -> Iterator[Records]:
        if unit.format == "records":
            yield from self._records_folder(unit, col)
        elif unit.format == "patentsview":
            yield from iter_patentsview(unit.sources, collector=col)
        elif unit.format == "canonical":
            col.account.format = "table"
            yield from iter_canonical(unit.sources, collector=col)
        elif unit.format == "openalex":
            yield from iter_openalex(
                unit.sources["file"], institutions=self.institutions, collector=col
            )
        elif unit.format == "table":
            yield from iter_table(
                unit.sources["file"],
                collector=col,
                encoding=self.dialect.encoding,
                delimiter=self.dialect.delimiter,
            )
        else:
            yield from _ITERS[unit.format](unit.sources["file"], collector=col)

    def _records_folder(self, unit: Unit, col: Collector) -> Iterator[Records]:
        """Stream a records folder batch by batch, dropping the documents read before.

        The documents come first; then the rows of the other tables, without those of the
        documents dropped (their number grows with the duplicates, not with the folder).
        """
        assert unit.folder is not None
        read_manifest(unit.folder)
        dropped: set[str] = set()
        for batch in _folder_batches(unit.folder, "documents"):
            keep = [
                self._keep(col, doc_id, doi, layer)
                for doc_id, doi, layer in zip(
                    batch.column("doc_id").to_pylist(),
                    batch.column("doi").to_pylist(),
                    batch.column("layer").to_pylist(),
                    strict=True,
                )
            ]
            if not all(keep):
                mask = pa.array(keep)
                dropped.update(batch.column("doc_id").filter(pc.invert(mask)).to_pylist())
                batch = batch.filter(mask)
            yield Records(documents=batch)
        drop = pa.array(sorted(dropped), type=pa.string())
        for name in ("people", "classes", "applicants"):
            for batch in _folder_batches(unit.folder, name):
                if len(drop):
                    batch = batch.filter(
                        pc.invert(pc.is_in(batch.column("doc_id"), value_set=drop))
                    )
                yield Records(**{name: batch})

    def _keep(self, col: Collector, doc_id: str, doi: str | None, layer: str) -> bool:
        """Count one document of a records folder; whether it is kept (not read before)."""
        col.account.records_read += 1
        if self.deduper.check(doc_id, doi) is not None:
            col.account.duplicates_dropped += 1
            return False
        col.account.records_kept += 1
        if layer not in col.account.layers:
            col.account.layers.append(layer)
        return True


#: Rows per batch when a records folder is read as an input.
FOLDER_BATCH = 1 << 17


def _folder_batches(folder: Path, name: str) -> Iterator[pa.Table]:
    """The rows of one table of a records folder in batches, conformed to its schema.

    Raises
    ------
    InputError
        When the table file is missing or cannot be read.
    """
    path = folder / f"{name}.parquet"
    if not path.exists():
        raise InputError(f"{path}: file missing from the records folder")
    try:
        for table in iter_batches(folder, name, batch_size=FOLDER_BATCH):
            yield conform(table, name)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{path}: cannot read Parquet file ({exc})") from exc


def read_inputs(
    inputs: Sequence[str | Path],
    *,
    format: str | None = None,
    progress: Callable[[int], None] | None = None,
    dialect: TableDialect | None = None,
) -> ReadResult:
    """Read files, folders (recursively), glob patterns and records folders into Records.

    Each file's format is detected from its content and name unless ``format`` names it.
    Documents met twice (same doc_id, or same DOI in two sources) are kept once: Web of
    Science is read before Scopus and OpenAlex, USPTO XML before PatentsView, so their copy
    wins. Malformed records are skipped and counted in the accounts.

    Parameters
    ----------
    inputs
        Paths of files, folders or zip archives, or glob patterns.
    format
        One of :data:`FORMATS` to skip detection and read every file with that reader.
    progress
        Called with the number of records read so far, after each chunk.
    dialect
        The encoding and delimiter of plain-table CSV files, when not to be detected.

    Returns
    -------
    ReadResult
        Records (valid under :func:`stclusters.records.validate`) and one account per file.

    Raises
    ------
    InputError
        When an input does not exist or a file cannot be read at all.
    """
    stream = ReadStream(inputs, format=format, progress=progress, dialect=dialect)
    records = concat_records(list(stream))
    records.validate()
    return ReadResult(records, stream.accounts, stream.duplicates)
