"""The one way stclusters writes and reads its own CSV files (issue 14 item 3).

Every CSV file the tool writes (``ranking.csv``, ``all_clusters.csv``, ``economies.csv``, the
output of ``stclusters geocode``, ``truth_hubs.csv`` of a synthetic world) starts with a UTF-8
byte-order mark, so that Excel opens it as UTF-8 and shows "Tokyo–Yokohama" and "Zürich" as
written (without the mark Excel reads the bytes in the machine's ANSI code page). Python's
``utf-8-sig`` codec, pandas (``encoding="utf-8-sig"``), R's ``readr`` and DuckDB all skip the mark.

The format is stated here once: :data:`CSV_ENCODING` (UTF-8 with the mark), comma-separated,
``\\n`` line ends, fields quoted only when needed, an empty field for a missing value and
``true`` / ``false`` for on/off values (the same text Arrow's CSV writer uses, so that small
tables written row by row and large ones written from Arrow read back alike).
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

__all__ = [
    "BOM",
    "CSV_ENCODING",
    "read_csv_header",
    "read_csv_rows",
    "write_csv_rows",
    "write_csv_table",
]

#: The text encoding of every CSV file stclusters writes: UTF-8 with a byte-order mark.
CSV_ENCODING = "utf-8-sig"

#: The byte-order mark each CSV file starts with (EF BB BF).
BOM = codecs.BOM_UTF8

#: Line end of every CSV row (Arrow's CSV writer uses the same).
_LINE_END = "\n"


def _text(value: Any) -> Any:
    """A cell as written: None as an empty field, booleans as ``true`` / ``false``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def write_csv_rows(
    rows: Iterable[Mapping[str, Any]], path: Path, *, columns: Sequence[str]
) -> Path:
    """Write rows of a small table (one dict per row) as a CSV file with a byte-order mark.

    Parameters
    ----------
    rows
        The rows; keys outside ``columns`` are ignored, a missing key is an empty field.
    path
        The file to write (replaced).
    columns
        The header, in order.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OSError
        When the file cannot be written.
    """
    with path.open("w", newline="", encoding=CSV_ENCODING) as fh:
        writer = csv.writer(fh, lineterminator=_LINE_END)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_text(row.get(k)) for k in columns])
    return path


def write_csv_table(table: pa.Table, path: Path) -> Path:
    """Write an Arrow table (any number of rows, streamed by Arrow) as a CSV file with a
    byte-order mark: the mark, then Arrow's CSV writer (header, comma, quoting as needed).

    Raises
    ------
    OSError, pyarrow.ArrowInvalid
        When the file cannot be written or a column has a type CSV cannot hold.
    """
    import pyarrow.csv as pacsv

    with path.open("wb") as fh:
        fh.write(BOM)
        pacsv.write_csv(table, fh)
    return path


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """Read a small CSV file that stclusters wrote (with or without the byte-order mark) as one
    dict per row, every value a string (empty for a missing value).

    Raises
    ------
    OSError, UnicodeDecodeError, csv.Error
        When the file cannot be read as UTF-8 CSV.
    """
    with path.open(newline="", encoding=CSV_ENCODING) as fh:
        return list(csv.DictReader(fh))


def read_csv_header(path: Path) -> list[str]:
    """The header row of a CSV file (with or without the byte-order mark); empty when the file
    is empty."""
    with path.open(newline="", encoding=CSV_ENCODING) as fh:
        return next(csv.reader(fh), [])
