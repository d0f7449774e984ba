"""Seeds of the reader fuzzing: small cuts of the real samples and fault cases, per format.

Each seed is a few kilobytes (the first records of a real export, long XML text elements
dropped) so that a fuzz case costs milliseconds; the mutations (:mod:`mutate`) do the rest.
Everything is read from ``../shared`` (skipped when absent); nothing is copied into the
repository.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

#: The formats fuzzed, each read with ``--format`` forced (the reader itself, not detection).
FORMATS = ("wos", "scopus", "openalex", "uspto", "epo", "pct", "patentsview", "table")

_LONG_XML = re.compile(rb"<(description|claims|abstract)\b.*?</\1>", re.S)


def _head_lines(path: Path, lines: int) -> bytes:
    with path.open("rb") as fh:
        return b"".join(fh.readline() for _ in range(lines))


def _wos_records(path: Path, records: int) -> bytes:
    data = path.read_bytes()
    end = 0
    for _ in range(records):
        found = data.find(b"\nER", end + 1)
        if found < 0:
            break
        end = found + 3
    return data[: end + 1] + b"\nEF\n"


def _xml_docs(path: Path, docs: int) -> bytes:
    data = _LONG_XML.sub(b"", path.read_bytes())
    starts = [m.start() for m in re.finditer(rb"<\?xml", data)]
    if len(starts) > docs:
        data = data[: starts[docs]]
    return data


def _files(shared: Path) -> dict[str, list[Path]]:
    samples, cases = shared / "data" / "samples", shared / "data" / "cases"
    return {
        "wos": [
            samples / "wos" / "OnePaper.isi",
            samples / "wos" / "TwoPaper.isi",
            samples / "wos" / "wos_plaintext.txt",
            samples / "wos" / "wos_tab_delimited_win_utf16.txt",
            cases / "wos_tab_concatenated_utf16.txt",
        ],
        "scopus": [
            samples / "scopus" / "litstudy_scopus.csv",
            samples / "scopus" / "scopus_testing.csv.scopus",
            cases / "scopus_comma_separated_authors.csv",
        ],
        "openalex": [
            cases / "openalex_institutions_without_affiliations.jsonl",
            cases / "openalex_singular_raw_affiliation_string.jsonl",
            cases / "openalex_truncated_authors.json",
        ],
        "uspto": [
            samples / "patents" / "uspto" / "ipgxml" / "ipg130416.small.xml",
            samples / "patents" / "uspto" / "ipgxml" / "ipg050104.small.xml",
            cases / "uspto_same_name_inventors.xml",
            cases / "uspto_east_asian_inventor_places.xml",
        ],
        "epo": [
            samples / "patents" / "epo" / "grant" / "v1-5-B1.xml",
            samples / "patents" / "epo" / "application" / "v1-0-A1.xml",
        ],
        "pct": [cases / "pct_same_name_inventors.xml"],
        "table": [
            cases / "table_legacy_country_codes.csv",
        ],
    }


def _cut(fmt: str, path: Path) -> bytes:
    name = path.name.lower()
    if fmt == "wos" and not name.startswith("wos_tab"):
        return _wos_records(path, 2)
    if fmt in ("uspto", "epo", "pct"):
        return _xml_docs(path, 2)
    if fmt == "openalex" and name.endswith(".json"):
        return path.read_bytes()  # one JSON document: a cut would not parse
    if name.endswith("utf16.txt"):
        return path.read_bytes()[:12_000]
    return _head_lines(path, 4)


@cache
def seeds(shared: Path, fmt: str) -> tuple[tuple[str, bytes], ...]:
    """(file name, bytes) of each seed of ``fmt``: for patentsview, one per table file."""
    if fmt == "patentsview":
        folder = Path(__file__).resolve().parents[1] / "readers" / "data" / "patentsview"
        return tuple((p.name, _head_lines(p, 6)) for p in sorted(folder.glob("*.tsv")))
    return tuple((p.name, _cut(fmt, p)) for p in _files(shared)[fmt] if p.is_file())


def patentsview_tables() -> dict[str, bytes]:
    """The small PatentsView tables of tests/readers/data (the unmutated rest of a case)."""
    folder = Path(__file__).resolve().parents[1] / "readers" / "data" / "patentsview"
    return {p.name: _head_lines(p, 6) for p in sorted(folder.glob("*.tsv"))}
