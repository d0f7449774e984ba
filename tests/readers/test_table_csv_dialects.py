"""Plain tables as people write them: every delimiter x encoding gives the same records
(issue 14, item 9), detected by the documented rule or named by the options."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stclusters.errors import InputError
from stclusters.readers._dialect import (
    csv_dialect,
    detect_delimiter,
    detect_encoding,
    normalise_delimiter,
    normalise_encoding,
)
from stclusters.readers.table import read_table

HEADER = ["doc_id", "layer", "year", "title", "name", "city", "country", "lat", "lon"]
DELIMITERS = [",", ";", "\t"]
#: how a person's program writes the text: (name, bytes of the text)
ENCODINGS = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8 with BOM": lambda t: t.encode("utf-8-sig"),
    "utf-16 LE with BOM": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    "utf-16 BE with BOM": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "windows-1252": lambda t: t.encode("cp1252"),
}
#: Text of the values: ASCII, the delimiters and quotes, and the accented letters of
#: Windows-1252 (0xC0-0xFF). Its signs of 0x80-0xBF ("–", "’") are left out here: after an
#: accented letter they can make valid UTF-8 (the rule's documented limit, tested below).
LETTERS = "abcXYZ019 .-'\",;éèàüöäßçñøåÉÜÖÀ"
texts = st.text(alphabet=LETTERS, max_size=12)
coords = st.one_of(st.none(), st.integers(-89_999, 89_999).map(lambda v: v / 1000))


@st.composite
def tables(draw: Any) -> list[list[str]]:
    rows = []
    for i in range(draw(st.integers(1, 6))):
        layer = draw(st.sampled_from(["patent", "article"]))
        for _person in range(draw(st.integers(1, 3))):
            lat, lon = draw(coords), draw(coords)
            rows.append(
                [
                    f"D{i}",
                    layer,
                    str(draw(st.integers(2015, 2024))),
                    draw(texts),
                    draw(texts),
                    draw(texts),
                    draw(st.sampled_from(["DE", "FR", "", "Schweiz"])),
                    "" if lat is None else repr(lat),
                    "" if lon is None else repr(lon),
                ]
            )
    return rows


def _csv(rows: list[list[str]], delimiter: str, *, decimal_comma: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        if decimal_comma:  # as European spreadsheets write coordinates
            row = [*row[:7], row[7].replace(".", ","), row[8].replace(".", ",")]
        writer.writerow(row)
    return buffer.getvalue()


def _read(path: Path, **options: Any) -> dict[str, Any]:
    """The records and accounts of a table, without what names the file itself."""
    result = read_table(path, **options)
    tables = {
        name: result.records.table(name).to_pylist()
        for name in ("documents", "people", "classes", "applicants")
    }
    for row in tables["documents"]:
        row.pop("file")
    account = result.accounts[0]
    return {
        "tables": tables,
        "counts": (account.records_read, account.records_kept, account.records_rejected),
        # a problem quotes the value as written ("0,0" or "0.0"): compared without it
        "problems": [(p.line, p.message.split(" (")[0]) for p in account.problems],
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=tables(), decimal_comma=st.booleans())
def test_every_delimiter_and_encoding_gives_the_same_records(
    tmp_path: Path, rows: list[list[str]], decimal_comma: bool
) -> None:
    reference = tmp_path / "reference.csv"
    reference.write_bytes(_csv(rows, ",").encode("utf-8"))
    expected = _read(reference)
    assert len(expected["tables"]["documents"]) == len({r[0] for r in rows})
    for delimiter in DELIMITERS:
        text = _csv(rows, delimiter, decimal_comma=decimal_comma)
        for name, encode in ENCODINGS.items():
            path = tmp_path / "table.csv"
            path.write_bytes(encode(text))
            got = _read(path)
            assert got == expected, (delimiter, name)
            named = "utf-16" if name.startswith("utf-16") else name.split()[0]
            assert _read(path, encoding=named, delimiter=delimiter) == expected, (delimiter, name)


def test_european_excel_csv(tmp_path: Path) -> None:
    """What Excel writes as "CSV (semicolon delimited)" in Germany: semicolons, Windows-1252,
    decimal commas in the coordinates (read as decimals)."""
    text = (
        "doc_id;layer;year;title;organisation;city;country;lat;lon\r\n"
        "P1;patent;2021;Kühlschrank – effizient;Bosch GmbH;München;DE;48,137;11,575\r\n"
        'P1;patent;2021;;"Siemens; AG";Zürich;CH;47,3769;8,5417\r\n'
        "A2;article;2020;Étude;Université Lyon;Lyon;FR;;\r\n"
    )
    path = tmp_path / "excel.csv"
    path.write_bytes(text.encode("cp1252"))
    result = read_table(path)
    docs = result.records.documents.to_pylist()
    people = result.records.people.to_pylist()
    assert [d["title"] for d in docs] == ["Kühlschrank – effizient", "Étude"]
    assert [(p["city"], p["lat"], p["lon"]) for p in people] == [
        ("München", 48.137, 11.575),
        ("Zürich", 47.3769, 8.5417),
        ("Lyon", None, None),
    ]
    assert people[1]["organisation"] == "Siemens; AG"
    assert any("read as cp1252, ';'-separated" in note for note in result.accounts[0].notes)


def test_the_rule(tmp_path: Path) -> None:
    assert detect_encoding(codecs.BOM_UTF8 + "é".encode()) == "utf-8-sig"
    assert detect_encoding(codecs.BOM_UTF16_LE + "a".encode("utf-16-le")) == "utf-16"
    assert detect_encoding(codecs.BOM_UTF16_BE + "a".encode("utf-16-be")) == "utf-16"
    assert detect_encoding(b"plain ascii") == "utf-8"
    assert detect_encoding("Zürich".encode()) == "utf-8"
    assert detect_encoding("Zürich".encode()[:-5]) == "utf-8"  # a character cut at the end
    assert detect_encoding("Zürich".encode("cp1252")) == "cp1252"
    assert detect_delimiter("a,b,c") == ","
    assert detect_delimiter("a;b;c,d") == ";"
    assert detect_delimiter("a\tb\tc;d") == "\t"
    assert detect_delimiter('"x;y;z",b') == ","  # inside quotes: part of a name
    assert detect_delimiter("a;b,c") == ","  # a tie goes to the comma
    assert detect_delimiter("address") == ","
    assert normalise_delimiter("tab") == "\t" and normalise_delimiter(";") == ";"
    assert normalise_encoding("Windows-1252") == "cp1252"
    with pytest.raises(InputError, match="--delimiter"):
        normalise_delimiter(";;")
    with pytest.raises(InputError, match="--encoding"):
        normalise_encoding("klingon")
    with pytest.raises(InputError, match="empty"):
        csv_dialect(b"\r\n", name="x.csv")


def test_a_wrong_guess_is_overridden(tmp_path: Path) -> None:
    """Windows-1252 text that happens to be valid UTF-8 ("é–’") is read as UTF-8 by the rule;
    --encoding reads it right. A delimiter the rule does not know is named the same way."""
    path = tmp_path / "odd.csv"
    path.write_bytes("doc_id,layer,title\nA1,article,Café–’s\n".encode("cp1252"))
    assert read_table(path).records.documents.column("title").to_pylist() != ["Café–’s"]
    fixed = read_table(path, encoding="cp1252").records.documents
    assert fixed.column("title").to_pylist() == ["Café–’s"]
    piped = tmp_path / "piped.csv"
    piped.write_text("doc_id|layer|title\nA1|article|x, y\n", encoding="utf-8")
    with pytest.raises(InputError, match="--delimiter"):
        read_table(piped)
    assert read_table(piped, delimiter="|").records.documents.column("title").to_pylist() == [
        "x, y"
    ]


def test_text_in_no_known_encoding_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"doc_id,layer,title\nA1,article,x\x81\x8d\n")
    with pytest.raises(InputError, match=r"bad.csv.*not valid UTF-8.*--encoding"):
        read_table(path)
    assert read_table(path, encoding="latin-1").records.documents.num_rows == 1


def test_read_and_run_detect_and_take_the_dialect_on_the_command_line(tmp_path: Path) -> None:
    """`stclusters read` and `run` find a semicolon, Windows-1252 table without --format
    (detection splits the header by the same rule), and take --encoding / --delimiter for the
    cases the rule gets wrong; a bad name fails before any work."""
    from typer.testing import CliRunner

    from stclusters.cli import app
    from stclusters.records import read_records

    runner = CliRunner()
    excel = tmp_path / "excel.csv"
    excel.write_bytes(
        "doc_id;layer;year;name;city;country;lat;lon\r\n"
        "P1;patent;2021;Ann;Zürich;CH;47,3769;8,5417\r\n".encode("cp1252")
    )
    result = runner.invoke(app, ["read", str(excel), "--out", str(tmp_path / "r1")])
    assert result.exit_code == 0, result.output
    people = read_records(tmp_path / "r1").people.to_pylist()
    assert [(p["city"], p["lat"]) for p in people] == [("Zürich", 47.3769)]

    piped = tmp_path / "piped.csv"
    piped.write_bytes("doc_id|layer|year|title\nA1|article|2020|Café–’s\n".encode("cp1252"))
    args = ["read", str(piped), "--format", "table", "--out", str(tmp_path / "r2")]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2 and "--delimiter" in refused.output
    named = runner.invoke(app, [*args, "--delimiter", "|", "--encoding", "cp1252"])
    assert named.exit_code == 0, named.output
    titles = read_records(tmp_path / "r2").documents.column("title").to_pylist()
    assert titles == ["Café–’s"]

    for command in ("read", "run"):
        bad = runner.invoke(
            app,
            [
                command,
                str(tmp_path / "missing.csv"),
                "--out",
                str(tmp_path / "o"),
                "--encoding",
                "klingon",
            ],
        )
        assert bad.exit_code == 2, bad.output
        assert "--encoding 'klingon'" in bad.output and "Traceback" not in bad.output
        assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("bom", "codec"), [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")]
)
def test_utf16_tables_are_found_and_read_past_arrows_blocks(
    tmp_path: Path, bom: bytes, codec: str
) -> None:
    """A UTF-16 table with a byte-order mark ("Unicode text", tab-separated as Excel saves it)
    is found as a plain table by `stclusters read` without --format, and a file larger than the
    dialect's sample and the reader's Arrow blocks (4 MiB) gives the records of its UTF-8 copy."""
    from typer.testing import CliRunner

    from stclusters.cli import app
    from stclusters.readers._dialect import SAMPLE_BYTES
    from stclusters.records import read_records

    rows = [
        [f"D{i}", "patent", "2021", "Zürich–Süd", f"Ann {i}", "Zürich", "CH", "47.37", "8.54"]
        for i in range(40_000)
    ]
    text = _csv(rows, "\t")
    utf8, utf16 = tmp_path / "utf8.csv", tmp_path / "utf16.csv"
    utf8.write_bytes(text.encode("utf-8"))
    utf16.write_bytes(bom + text.encode(codec))
    assert utf16.stat().st_size > max(SAMPLE_BYTES, 1 << 22)
    assert _read(utf16) == _read(utf8)
    result = CliRunner().invoke(app, ["read", str(utf16), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    people = read_records(tmp_path / "r").people
    assert people.num_rows == len(rows)
    assert set(people.column("city").to_pylist()) == {"Zürich"}


@pytest.mark.parametrize(
    "data",
    [
        # a UTF-16 text cut in the middle of a character (the fuzzer's case, issue 13): the
        # first block Arrow decodes ends with half a code unit
        codecs.BOM_UTF16_LE + "doc_id,layer\n".encode("utf-16-le") + b"\n",
        codecs.BOM_UTF16_BE + "doc_id,layer\nP1,patent\n".encode("utf-16-be")[:-1],
        # a lone surrogate
        codecs.BOM_UTF16_LE + "doc_id,layer\n".encode("utf-16-le") + b"\x00\xd8a\x00\n\x00",
    ],
    ids=["le-odd-bytes", "be-cut", "lone-surrogate"],
)
def test_broken_utf16_is_one_clear_error(tmp_path: Path, data: bytes) -> None:
    """Bytes that do not decode in the detected encoding are refused with the file's name and
    the options to name another, whether Arrow meets them in its first block or later."""
    path = tmp_path / "broken.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match=r"broken.csv.*--encoding"):
        read_table(path)
