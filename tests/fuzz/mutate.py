"""Mutations of a seed file and the check of one fuzz case (shared by the tests and make fuzz).

A case is a seed and a short list of operations (flip a byte, delete, insert or duplicate a
span, truncate, splice in a hostile token, swap two lines). The reader must either refuse the
whole file with an :class:`~stclusters.errors.InputError` (its documented file-level error),
or read it with every malformed record skipped and counted: accounts that balance (read =
kept + rejected + duplicates) and records valid under the record model. Anything else (any
other exception, a ValidationError of the records it produced, accounts that do not add up)
is a crash.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from stclusters.errors import InputError, ValidationError
from stclusters.records import TABLES, Records, concat_records, validate

#: Hostile tokens spliced into seeds: nulls, byte-order marks, bad numbers and coordinates,
#: years far outside any window, quotes and markup, control characters, huge ids.
TOKENS = (
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xc3",
    b"NaN",
    b"nan",
    b"inf",
    b"-inf",
    b"1e309",
    b"-999",
    b"0",
    b"0.0,0.0",
    b"91",
    b"-181",
    b"99999999999999999999",
    b"2147483648",
    b"1066",
    b"9999",
    b"-1",
    b'"',
    b'""',
    b",",
    b"\t",
    b";",
    b"\n",
    b"\r",
    b"\r\n",
    b"<",
    b">",
    b"]]>",
    b"&#0;",
    b"&amp",
    b"</",
    b"<?xml version='1.0'?>",
    b"{",
    b"}",
    b"[",
    b"null",
    b"ER\n",
    b"PT J\n",
    b"\xe2\x80\xae",
    b"A" * 5000,
)

#: The kinds of operation of :func:`mutate`.
KINDS = ("flip", "delete", "insert", "duplicate", "truncate", "token", "swap_lines")


def mutate(data: bytes, ops: list[tuple[int, float, int, int]]) -> bytes:
    """Apply ``ops`` to ``data``: each (kind index, position in [0, 1), length, value)."""
    buf = bytearray(data)
    for kind_i, where, length, value in ops:
        kind = KINDS[kind_i % len(KINDS)]
        n = len(buf)
        pos = int(where * n) if n else 0
        if kind == "flip" and n:
            buf[min(pos, n - 1)] ^= 1 + value % 255
        elif kind == "delete":
            del buf[pos : pos + length]
        elif kind == "insert":
            buf[pos:pos] = bytes((value + i * 37) % 256 for i in range(length))
        elif kind == "duplicate":
            buf[pos:pos] = buf[pos : pos + length * 8]
        elif kind == "truncate":
            del buf[pos:]
        elif kind == "token":
            token = TOKENS[value % len(TOKENS)]
            buf[pos : pos + length % 4] = token
        elif kind == "swap_lines":
            lines = bytes(buf).split(b"\n")
            if len(lines) > 2:
                i, j = pos % len(lines), value % len(lines)
                lines[i], lines[j] = lines[j], lines[i]
                buf = bytearray(b"\n".join(lines))
    return bytes(buf)


def check_case(
    fmt: str, folder: Path, name: str, data: bytes, rest: dict[str, bytes]
) -> Records | None:
    """Write the case into ``folder`` and read it with ``fmt`` forced.

    Returns
    -------
    Records or None
        The records read (accounts checked; to validate, in batches: :func:`validate_batch`),
        or None when the reader refused the whole file with an InputError.

    Raises
    ------
    AssertionError
        When the accounts do not balance.
    Exception
        Any other exception of the reader: a crash.
    """
    from stclusters.readers import ReadStream

    for old in folder.iterdir():
        old.unlink()
    for other, content in rest.items():
        (folder / other).write_bytes(content)
    (folder / name).write_bytes(data)
    target = folder if fmt == "patentsview" else folder / name
    try:
        stream = ReadStream([target], format=fmt)
        records = concat_records(list(stream))
    except ValidationError:
        raise
    except InputError:
        return None
    for acc in stream.accounts:
        assert acc.balanced, f"{fmt}: accounts do not balance: {acc.to_dict()}"
    return records


def validate_batch(batch: list[tuple[bytes, Records]]) -> None:
    """Validate the records of many cases at once (one DuckDB pass: validating each case alone
    would cost a hundred times the reading), each case's ids prefixed so that they stay apart;
    when the batch fails, each case alone, to name the input that broke the record model.

    Raises
    ------
    ValidationError
        With the failing case's first bytes in the message.
    """
    if not batch:
        return
    parts = [_prefixed(records, f"c{i}:") for i, (_data, records) in enumerate(batch)]
    try:
        validate(concat_records(parts))
    except ValidationError:
        for data, records in batch:
            try:
                validate(records)
            except ValidationError as exc:
                raise ValidationError(exc.problems, where=f"input {data[:300]!r}") from None
        raise


def _prefixed(records: Records, prefix: str) -> Records:
    tables = {}
    for table in TABLES:
        t = records.table(table)
        ids = pc.binary_join_element_wise(pa.scalar(prefix), t.column("doc_id"), "")
        tables[table] = t.set_column(t.schema.get_field_index("doc_id"), "doc_id", ids)
    return Records(**tables)
