"""``stclusters geocode`` reads CSV files as European Excel writes them (issue 14, item 9)."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from typer.testing import CliRunner

from stclusters.cli import app

ROWS = [
    ("id", "address", "country"),
    ("1", "Technische Universität München, Arcisstraße 21, 80333 München", "DE"),
    ("2", "Université de Lyon, Lyon", "FR"),
    ("3", "ETH Zürich, Rämistrasse 101, Zürich", "CH"),
]


def _write(path: Path, delimiter: str, encoding: str) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(ROWS)
    text = buffer.getvalue()
    data = text.encode(encoding)
    if encoding == "utf-16-le":
        data = codecs.BOM_UTF16_LE + data
    elif encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    path.write_bytes(data)
    return path


def _geocode(src: Path, out: Path, cache_dir: Path, *options: str) -> bytes:
    result = CliRunner().invoke(
        app,
        ["geocode", str(src), "--out", str(out), "--set", f"cache_dir={cache_dir}", *options],
    )
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def test_geocode_reads_every_delimiter_and_encoding(cache_dir: Path, tmp_path: Path) -> None:
    expected = _geocode(_write(tmp_path / "in.csv", ",", "utf-8"), tmp_path / "o.csv", cache_dir)
    assert "München".encode() in expected and b'"Technische Universit' in expected
    for delimiter in (",", ";", "\t"):
        for encoding in ("utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "cp1252"):
            src = _write(tmp_path / f"in-{encoding}.csv", delimiter, encoding)
            out = tmp_path / f"out-{encoding}-{ord(delimiter)}.csv"
            assert _geocode(src, out, cache_dir) == expected, (delimiter, encoding)
    # the European Excel file, with the delimiter and encoding named
    src = _write(tmp_path / "excel.csv", ";", "cp1252")
    named = _geocode(
        src, tmp_path / "named.csv", cache_dir, "--delimiter", ";", "--encoding", "cp1252"
    )
    assert named == expected


def test_geocode_names_the_dialect_when_a_column_is_missing(
    cache_dir: Path, tmp_path: Path
) -> None:
    src = _write(tmp_path / "in.csv", ";", "cp1252")
    result = CliRunner().invoke(
        app,
        ["geocode", str(src), "--out", str(tmp_path / "o.csv"), "--delimiter", ",",
         "--set", f"cache_dir={cache_dir}"],
    )  # fmt: skip
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "no column 'address'" in text and "read as cp1252, ','-separated" in text
    assert "--delimiter" in text


def test_geocode_reads_utf16_past_the_sample_and_arrows_blocks(
    cache_dir: Path, tmp_path: Path
) -> None:
    """UTF-16 with a byte-order mark (little- and big-endian, as "Unicode text" is saved) over
    more than the bytes sampled for the dialect and Arrow's 1 MiB read blocks: every row is read
    and geocoded as in the UTF-8 file."""
    from stclusters.readers._dialect import SAMPLE_BYTES

    rows = [ROWS[0], *((str(i), *ROWS[1 + i % 3][1:]) for i in range(12000))]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    text = buffer.getvalue()
    utf8 = tmp_path / "in-utf8.csv"
    utf8.write_bytes(text.encode("utf-8"))
    expected = _geocode(utf8, tmp_path / "out-utf8.csv", cache_dir)
    lines = expected.splitlines()
    assert len(lines) == len(rows) and sum(b"Arcisstra" in line for line in lines) == 4000
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        src = tmp_path / f"in-{codec}.csv"
        src.write_bytes(bom + text.encode(codec))
        assert src.stat().st_size > max(SAMPLE_BYTES, 1 << 20)
        assert _geocode(src, tmp_path / f"out-{codec}.csv", cache_dir) == expected, codec
