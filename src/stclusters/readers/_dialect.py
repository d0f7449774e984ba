"""CSV files as people write them: the encoding and the delimiter, detected or named.

Spreadsheet programs write CSV in more than one way: Excel in most of Europe writes
semicolon-separated Windows-1252 text with decimal commas ("CSV (semicolon delimited)"), "CSV
UTF-8" starts with a byte-order mark, "Unicode text" is UTF-16 with tabs. The plain-table reader
(:mod:`stclusters.readers.table`) and ``stclusters geocode`` read all of them, by one documented,
deterministic rule (:func:`detect_encoding`, :func:`detect_delimiter`), and a person can name
either one when the rule guesses wrong (``--encoding``, ``--delimiter``).

Why not a detection library: charset-normalizer (MIT, maintained) ranks dozens of legacy code
pages by how plausible the decoded text looks; on the short, name-heavy samples of an address
table it may choose cp1250 or latin-1 over cp1252 from one line to the next, so a file's reading
would hang on its content. The three-step rule below answers the cases people meet (UTF-8 with or
without BOM, UTF-16 with BOM, Windows-1252) the same way every time, and says how to override it.
"""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass

from stclusters.errors import InputError
from stclusters.readers._common import sniff_encoding

__all__ = [
    "DECIMAL_COMMA",
    "DECIMAL_POINT",
    "DELIMITERS",
    "SAMPLE_BYTES",
    "CsvDialect",
    "csv_dialect",
    "decimal_comma",
    "detect_delimiter",
    "detect_encoding",
    "normalise_delimiter",
    "normalise_encoding",
]

#: Delimiters detected, in the order that breaks a tie (comma first).
DELIMITERS = (",", ";", "\t")
#: Names a person may give ``--delimiter`` besides the character itself.
DELIMITER_NAMES = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t"}
#: Bytes read from the start of a file to detect its encoding and delimiter.
SAMPLE_BYTES = 1 << 20
#: A number written with a decimal comma ("48,137"), as European spreadsheets write coordinates;
#: the readers of coordinates read it as "48.137". (A latitude or longitude is never above 180,
#: so the comma cannot be a thousands separator.)
DECIMAL_COMMA = r"^(-?[0-9]+),([0-9]+)$"
#: What :data:`DECIMAL_COMMA` is replaced with (Python's and Arrow's RE2 rewrite syntax alike).
DECIMAL_POINT = r"\1.\2"
_DECIMAL_COMMA = re.compile(DECIMAL_COMMA)


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file is written: its text encoding (a Python codec name) and delimiter."""

    encoding: str
    delimiter: str
    #: the header row's column names, as read with this encoding and delimiter
    header: tuple[str, ...] = ()

    @property
    def arrow_encoding(self) -> str:
        """The encoding to give Arrow's CSV reader (which skips a UTF-8 byte-order mark)."""
        return "utf8" if self.encoding in ("utf-8", "utf-8-sig") else self.encoding

    def describe(self) -> str:
        """The dialect in words, for messages and accounts: "cp1252, ';'-separated"."""
        shown = "tab" if self.delimiter == "\t" else repr(self.delimiter)
        return f"{self.encoding}, {shown}-separated"


def decimal_comma(value: str) -> str:
    """``value`` with a decimal comma read as a point ("48,137" -> "48.137"); others unchanged."""
    return _DECIMAL_COMMA.sub(DECIMAL_POINT, value)


def detect_encoding(head: bytes) -> str:
    """The encoding of a file from its first bytes, by a fixed rule.

    1. A byte-order mark names it: UTF-8 (``utf-8-sig``), UTF-16 little- or big-endian
       (``utf-16``); text in UTF-16 without one is told by its zero bytes
       (:func:`stclusters.readers._common.sniff_encoding`, shared with the other readers).
    2. Else, when the sample decodes as strict UTF-8 (a character cut at the sample's end
       allowed), ``utf-8``: pure ASCII is UTF-8 too.
    3. Else ``cp1252`` (Windows-1252, what Excel writes for "CSV" in Western Europe and the
       Americas).

    Parameters
    ----------
    head
        The first bytes of the file (:data:`SAMPLE_BYTES` of them, or the whole file).

    Returns
    -------
    str
        A Python codec name.

    Notes
    -----
    Text in cp1252 whose accented capitals or letters are each followed by two signs of
    0x80-0xBF (such as "é–’") happens to be valid UTF-8 too and is read as UTF-8; such a file
    needs ``--encoding cp1252``.
    """
    sniffed = sniff_encoding(head)
    if sniffed != "utf-8":
        return sniffed
    try:
        codecs.getincrementaldecoder("utf-8")(errors="strict").decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def detect_delimiter(header_line: str) -> str:
    """The delimiter of a CSV file from its header row, by a fixed rule.

    The candidates (comma, semicolon, tab: :data:`DELIMITERS`) are counted in the header row
    outside double-quoted names; the most frequent is the delimiter, a tie going to the earlier
    candidate; a header with none of them (one column) is comma-separated.

    Parameters
    ----------
    header_line
        The first line of the file, decoded.

    Returns
    -------
    str
        One of :data:`DELIMITERS`.
    """
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = [unquoted.count(d) for d in DELIMITERS]
    best = max(counts)
    return DELIMITERS[counts.index(best)] if best else ","


@dataclass(frozen=True)
class TableDialect:
    """How to read the plain-table reader's CSV files when detection is not wanted: the text
    encoding and the delimiter as a person named them (``--encoding``, ``--delimiter``), each
    None to detect it. :meth:`checked` turns the names into a codec and a character, raising
    :class:`~stclusters.errors.InputError` before any reading."""

    encoding: str | None = None
    delimiter: str | None = None

    def checked(self) -> TableDialect:
        """The same dialect with the encoding as a codec name and the delimiter as a character.

        Raises
        ------
        InputError
            When the encoding is unknown or the delimiter is not one character.
        """
        return TableDialect(
            normalise_encoding(self.encoding) if self.encoding else None,
            normalise_delimiter(self.delimiter) if self.delimiter else None,
        )


def normalise_delimiter(value: str) -> str:
    """A delimiter a person named ("," ";" "tab" "\\t" "semicolon" ...) as its character.

    Raises
    ------
    InputError
        When it is not one character (or a known name).
    """
    named = DELIMITER_NAMES.get(value.lower(), value)
    if len(named) != 1 or named in ('"', "\n", "\r"):
        raise InputError(
            f"--delimiter {value!r} is not a delimiter: give one character, such as ',' ';' "
            "or 'tab'"
        )
    return named


def normalise_encoding(value: str) -> str:
    """An encoding a person named ("utf8", "Windows-1252", "latin-1" ...) as a codec name.

    Raises
    ------
    InputError
        When Python knows no such encoding.
    """
    try:
        name = codecs.lookup(value).name
    except LookupError:
        raise InputError(
            f"--encoding {value!r} is not a known text encoding: give one such as utf-8, "
            "utf-16, cp1252 (Windows-1252) or latin-1"
        ) from None
    return name


def csv_dialect(
    head: bytes, *, name: str, encoding: str | None = None, delimiter: str | None = None
) -> CsvDialect:
    """The encoding, delimiter and header of a CSV file: detected, or as named.

    Parameters
    ----------
    head
        The first bytes of the file (:data:`SAMPLE_BYTES`).
    name
        The file, as messages name it.
    encoding, delimiter
        As a person named them (``--encoding``, ``--delimiter``), or None to detect them
        (:func:`detect_encoding`, :func:`detect_delimiter`).

    Raises
    ------
    InputError
        When the file is empty, its first bytes are not text in the encoding, or an option
        names no encoding or delimiter.
    """
    enc = normalise_encoding(encoding) if encoding else detect_encoding(head)
    try:
        text = codecs.getincrementaldecoder(enc)(errors="strict").decode(head, final=False)
    except UnicodeDecodeError as exc:
        what = (
            f"not {enc} text, the encoding named"
            if encoding
            else "not valid UTF-8, UTF-16 or Windows-1252 text"
        )
        raise InputError(
            f"{name}: the file is {what} (byte {exc.start:,} cannot be decoded); check that "
            "it is a table, and name its encoding with --encoding (for example utf-8, "
            "utf-16, cp1252 or latin-1)"
        ) from None
    text = text.lstrip("\ufeff")
    first = text.splitlines()[0] if text.strip() else ""
    if not first.strip():
        raise InputError(f"{name}: empty file; expected a CSV file with a header row")
    sep = normalise_delimiter(delimiter) if delimiter else detect_delimiter(first)
    header = next(csv.reader([first], delimiter=sep), [])
    return CsvDialect(encoding=enc, delimiter=sep, header=tuple(h.strip() for h in header))
