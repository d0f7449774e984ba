"""Read exports into a records folder on disk (the ``stclusters read`` command's work)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from stclusters._outdir import staged_folder
from stclusters.errors import InputError
from stclusters.readers import ReadStream
from stclusters.readers._dialect import TableDialect
from stclusters.records import Records, RecordsWriter, concat_records

__all__ = ["ACCOUNTS_FILE", "ROW_GROUP_ROWS", "read_into_folder", "write_chunks"]

#: The read accounts written beside the records (one entry per input file, with its problems).
ACCOUNTS_FILE = "accounts.json"
#: Rows of one table gathered from the readers' chunks before they are written (as one Parquet
#: row group): the memory held stays bounded by this, and a records folder of 10 M documents
#: has a few hundred row groups per table, not one per chunk of 2,000 documents (whose
#: metadata the Parquet writer would hold until the end, and DuckDB read one by one).
ROW_GROUP_ROWS = 1 << 16


def write_chunks(
    chunks: Iterable[Records],
    writer: RecordsWriter,
    *,
    rows: int = ROW_GROUP_ROWS,
    transform: Callable[[Records], Records] | None = None,
) -> None:
    """Write the readers' chunks through ``writer`` in groups of about ``rows`` rows.

    Chunks are gathered until one of the four tables holds ``rows`` rows (or the chunks end),
    then written at once, in their order: the same rows in the same order as writing each
    chunk, in fewer and larger row groups. ``transform`` is applied to each group first.
    """
    held: list[Records] = []
    counts = dict.fromkeys(("documents", "people", "classes", "applicants"), 0)
    for chunk in chunks:
        held.append(chunk)
        for name, n in chunk.counts().items():
            counts[name] += n
        if max(counts.values()) >= rows:
            group = concat_records(held)
            writer.write(transform(group) if transform else group)
            held, counts = [], dict.fromkeys(counts, 0)
    if held:
        group = concat_records(held)
        writer.write(transform(group) if transform else group)


def _nothing_kept(stream: ReadStream, format: str | None) -> str:
    """Why a read that kept no record fails, with the first problems met."""
    totals = stream.to_dict()["totals"]
    problems = [str(p) for a in stream.accounts for p in a.problems][:3]
    notes = [f"{a.path}: {n}" for a in stream.accounts for n in a.notes][:3]
    forced = (
        f"; the files were read as --format {format}: check that they are in that format"
        if format
        else ""
    )
    detail = "; ".join(problems + notes)
    return (
        f"no record could be kept from the inputs ({totals['records_read']:,} read, "
        f"{totals['records_rejected']:,} rejected, {totals['duplicates_dropped']:,} duplicates)"
        f"{forced}" + (f". First problems: {detail}" if detail else "") + "; nothing was written"
    )


def read_into_folder(
    inputs: Sequence[str | Path],
    *,
    out: str | Path,
    format: str | None = None,
    force: bool = False,
    dialect: TableDialect | None = None,
) -> ReadStream:
    """Read ``inputs`` chunk by chunk into the records folder ``out`` (constant memory);
    ``dialect`` names the encoding and delimiter of plain-table CSV files (else detected).

    The folder is built beside ``out`` and replaces it only when every input was read; it holds
    the four Parquet tables, the manifest and :data:`ACCOUNTS_FILE`.

    Returns
    -------
    ReadStream
        The finished stream: ``accounts`` holds one account per input file.

    Raises
    ------
    OutputError
        When ``out`` may not be replaced (checked before any reading; see ``force``).
    InputError
        When an input does not exist or cannot be read at all, or when no record at all could
        be kept (nothing is written then).
    """
    from stclusters.inputs import portable_accounts, portable_names, portable_records

    # the inputs, the documents' ``file`` column and the read accounts name the files below the
    # folder holding every input, as a run does: the folder's bytes do not depend on where
    # the inputs lived nor on their order (issue 13)
    given = [str(i) for i in inputs]
    name = portable_names(given)
    with staged_folder(out, kind="records", inputs=inputs, force=force) as folder:
        stream = ReadStream(inputs, format=format, dialect=dialect)
        meta = {"inputs": sorted(str(name(i)) for i in given)}
        with RecordsWriter(folder, meta=meta) as writer:
            write_chunks(stream, writer, transform=lambda chunk: portable_records(chunk, given))
        if not any(a.records_kept for a in stream.accounts):
            raise InputError(_nothing_kept(stream, format))
        text = json.dumps(portable_accounts(stream.to_dict(), given), indent=2) + "\n"
        (folder / ACCOUNTS_FILE).write_text(text, encoding="utf-8")
    return stream
