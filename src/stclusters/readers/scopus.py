"""Read Scopus CSV exports, the older layout and the 2023+ layout ("; " separators)."""

from __future__ import annotations

import csv
import html
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from stclusters.errors import InputError
from stclusters.readers._common import (
    READ_ERRORS,
    Collector,
    ReadResult,
    Source,
    bounded_lines,
    clean,
    has_bad_bytes,
    normalise_doi,
    open_text,
    read_with,
    repair_text,
    repeated_header,
    start,
)
from stclusters.records import Records

__all__ = ["iter_scopus", "organisation_of", "read_scopus", "split_authors_with_affiliations"]

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

NO_AFFILIATION = "[No affiliation available]"
_ID_SUFFIX = re.compile(r"\s*\(\d+\)\s*$")
_EMAIL = re.compile(r";?,?\s*Email:\s*[^\s;,]+")
_SUFFIX = re.compile(r"^(Jr|Sr|II|III|IV)\.?$")
#: A part that is only initials ("P.J.", "A.", "J.-P.", "Ch.", "M.-C.", or "M.J" when an
#: entry's final dot was cut), never a surname or an address.
_INITIALS = re.compile(r"^(?:[A-Z][a-z]?\.(?:\s?-\s?|\s)?)*(?:[A-Z][a-z]?\.|[A-Z])$")
#: What may follow an author's name in "Authors with affiliations".
_NAME_ENDS = ("", ",", ";")
_SUBJECT_COLUMNS = ("ASJC", "ASJC codes", "Subject Area", "Subject area", "Subject Areas")
#: Words that mark the institution among the comma parts of a Scopus affiliation, best first.
_ORG_WORDS = (
    re.compile(r"univ|universit|hochschule|polytechn|école|ecole", re.I),
    re.compile(
        r"institut|academy|academia|akademi|college|hospital|klinik|clinic|"
        r"laborator|centre|center|council|agency|foundation|museum|observator",
        re.I,
    ),
    re.compile(r"\b(inc|ltd|llc|corp|corporation|company|co\.|gmbh|ag|s\.a\.|plc|ltda)\b", re.I),
)


def organisation_of(affiliation: str) -> str | None:
    """The institution part of a Scopus affiliation ("Dept X, Univ Y, City, Country" -> Univ Y)."""
    parts = [p.strip() for p in affiliation.split(",") if p.strip()]
    if not parts:
        return None
    candidates = parts[:-1] if len(parts) > 1 else parts
    for pattern in _ORG_WORDS:
        for part in candidates:
            if pattern.search(part):
                return part
    return candidates[0]


def _cells(values: list[str]) -> list[str]:
    """Header cells without spaces, byte-order mark or stray quotes (a BOM before a quote
    leaves the quotes in the cell)."""
    return [v.strip().lstrip("\ufeff").strip('"') for v in values]


def _is_header(values: list[str]) -> bool:
    """Whether a row is a Scopus header (one found inside a file: exports joined together)."""
    cells = _cells(values)
    return "EID" in cells and any(c in cells for c in ("Authors", "Title", "DOI", "Year"))


def _layout(header: list[str]) -> tuple[bool, int | None]:
    """(whether the header is the 2023+ layout, where unnamed "Funding Text" columns end).

    Scopus adds "Funding Text 2, 3..." columns to some rows without a header for them; they
    are cut out after the last named one.
    """
    funding = [i for i, h in enumerate(header) if h.startswith("Funding Text")]
    return "Author full names" in header, (funding[-1] + 1 if funding else None)


def _author_names(row: dict[str, str], new_layout: bool) -> list[str]:
    text = row.get("Authors") or ""
    if text.strip() in ("[No author name available]", ""):
        names: list[str] = []
    elif new_layout or ";" in text:
        names = [n.strip() for n in text.split(";") if n.strip()]
    else:
        names = []
        parts = [p for p in (n.strip() for n in text.split(",")) if p]
        for k, part in enumerate(parts):
            then = parts[k + 1] if k + 1 < len(parts) else ""
            suffix = _SUFFIX.match(part) and not _INITIALS.match(then)  # else the surname "Jr"
            if names and (suffix or (_INITIALS.match(part) and ", " not in names[-1])):
                # "Novak, P.J., Horvat, A.": the initials after a comma belong to the surname
                names[-1] = f"{names[-1]}, {part}"
            else:
                names.append(part)
    return names


def _variants(name: str) -> list[str]:
    """How an "Authors" name may be written in "Authors with affiliations"."""
    out = [name]
    if " " in name and ", " not in name:
        head, _, tail = name.rpartition(" ")
        out.append(f"{head}, {tail}")
    return out


def _anchors(text: str, names: list[str]) -> list[tuple[int, int]] | None:
    """Start and name-end positions of each author's entry, or None when a name is missing."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for i, name in enumerate(names):
        found: tuple[int, int] | None = None
        for variant in _variants(name):
            if i == 0:
                if text.startswith(variant) and text[len(variant) : len(variant) + 1] in _NAME_ENDS:
                    found = (0, len(variant))
                    break
                continue
            at = pos
            while True:
                k = text.find("; " + variant, at)
                if k < 0:
                    break
                end = k + 2 + len(variant)
                if text[end : end + 1] in _NAME_ENDS:
                    found = (k + 2, end)
                    break
                at = k + 1
            if found:
                break
        if found is None:
            return None
        spans.append(found)
        pos = found[1]
    return spans


def split_authors_with_affiliations(
    text: str, names: list[str], affiliations: list[str]
) -> list[tuple[str, list[str]]]:
    """Split the "Authors with affiliations" field into (author, [affiliations]) pairs.

    Each author's entry is the name (as in the "Authors" field, in the same order, or with a
    comma before the initials in the older layout) followed by one or more of the record's
    affiliations (from the "Affiliations" field) joined by ", "; entries are separated by
    "; ". The names anchor the entries, so that a ";" inside an affiliation does not split
    it; when a name cannot be found the field is split on ";" instead. Affiliations are
    matched greedily against ``affiliations``, longest first; a remainder that matches none
    is kept as one affiliation of its own.
    """
    known = sorted({a for a in affiliations if a}, key=len, reverse=True)
    spans = _anchors(text, names) if names else None
    out: list[tuple[str, list[str]]] = []
    if spans is not None:
        for i, (begin, name_end) in enumerate(spans):
            stop = spans[i + 1][0] - 2 if i + 1 < len(spans) else len(text)
            rest = text[name_end:stop].strip(" ,;.")
            out.append((clean(text[begin:name_end]) or "", _match_affiliations(rest, known)))
        return out
    for entry in (e.strip(" .") for e in text.split(";")):
        if not entry:
            continue
        pos = min((p for p in (entry.find(", " + a) for a in known) if p >= 0), default=-1)
        if pos >= 0:
            name, rest = entry[:pos], entry[pos + 2 :]
        else:
            parts = entry.split(", ")
            cut = 1
            while cut < len(parts) and (_INITIALS.match(parts[cut]) or _SUFFIX.match(parts[cut])):
                cut += 1  # "Moore, M.J" (the entry's final dot stripped): initials of the name
            name, rest = ", ".join(parts[:cut]), ", ".join(parts[cut:])
        out.append((clean(name) or "", _match_affiliations(rest, known)))
    return out


def _match_affiliations(rest: str, known: list[str]) -> list[str]:
    found: list[str] = []
    text = rest.strip()
    while text:
        if text == NO_AFFILIATION:
            break
        for aff in known:
            if text == aff or text.startswith(aff + ", "):
                found.append(aff)
                text = text[len(aff) + 2 :] if len(text) > len(aff) else ""
                break
        else:
            found.append(text)
            break
    # initials are never an address (a name split in the wrong place leaves them behind)
    return [f for f in found if f and f != NO_AFFILIATION and not _INITIALS.match(f)]


def _text(value: str | None) -> str:
    """Field text with HTML entities and e-mail fragments removed, whitespace collapsed."""
    if not value:
        return ""
    text = html.unescape(value) if "&" in value else value
    if "Email" in text:
        text = _EMAIL.sub("", text)
    return clean(text) or ""


def _emit(col: Collector, row: dict[str, str], line: int, number: int, new_layout: bool) -> None:
    """Turn one row of the export into the record's rows (or reject it)."""
    eid = clean(row.get("EID"))
    if not eid:
        col.reject("record has no EID", line=line, record=number)
        return
    if not _document(col, row, eid, line, number):
        return
    _subjects(col, row, eid)
    _people(col, row, eid, line, number, new_layout)


def _document(col: Collector, row: dict[str, str], eid: str, line: int, number: int) -> bool:
    """Add the document row; whether it was kept (not a duplicate)."""
    year_text = clean(row.get("Year"))
    year = col.year(year_text, field="Year", line=line, record=number, record_id=eid)
    return col.document(
        eid,
        "article",
        year=year,
        doc_type=clean(row.get("Document Type")),
        title=clean(row.get("Title")),
        source="scopus",
        doi=normalise_doi(row.get("DOI")),
    )


def _subjects(col: Collector, row: dict[str, str], eid: str) -> None:
    """Add the ASJC subject codes of the first subject column that has any."""
    for column in _SUBJECT_COLUMNS:
        if row.get(column):
            for code in dict.fromkeys(c.strip() for c in row[column].split(";") if c.strip()):
                col.klass(eid, "asjc", code)
            break


def _people(
    col: Collector, row: dict[str, str], eid: str, line: int, number: int, new_layout: bool
) -> None:
    """Add the people rows: authors with the affiliations 'Authors with affiliations' gives them.

    Without that column, one row per affiliation (no author) or, without affiliations, per author.
    """
    names = _author_names(row, new_layout)
    full = [
        _ID_SUFFIX.sub("", n).strip()
        for n in (row.get("Author full names") or "").split(";")
        if n.strip()
    ]
    display = full if len(full) == len(names) else names
    affs_text = _text(row.get("Affiliations"))
    affiliations = [
        a
        for a in (clean(x.strip().rstrip(".")) for x in affs_text.split(";"))
        if a and a != NO_AFFILIATION
    ]
    awa = _text(row.get("Authors with affiliations"))
    pairs = split_authors_with_affiliations(awa, names, affiliations) if awa else []
    if pairs and names and len(pairs) != len(names):
        col.warn(
            f"'Authors with affiliations' lists {len(pairs)} authors, 'Authors' lists "
            f"{len(names)}; the first is used",
            line=line,
            record=number,
            record_id=eid,
        )
    if pairs:
        _paired_people(col, eid, pairs, display)
    elif affiliations:
        addresses: dict[str, int] = {}
        for aff in dict.fromkeys(affiliations):
            seq = addresses.setdefault(aff, len(addresses))
            col.person(eid, None, seq, "author", organisation=organisation_of(aff), address=aff)
    else:
        for i, name in enumerate(display):
            col.person(eid, i, None, "author", name=name)


def _paired_people(
    col: Collector, eid: str, pairs: list[tuple[str, list[str]]], display: list[str]
) -> None:
    """Add one row per author and affiliation (one without address for an author without any)."""
    addresses: dict[str, int] = {}
    for i, (name, affs) in enumerate(pairs):
        shown = display[i] if i < len(display) and len(pairs) == len(display) else name
        if not affs:
            col.person(eid, i, None, "author", name=shown or None)
        for aff in dict.fromkeys(affs):
            seq = addresses.setdefault(aff, len(addresses))
            col.person(
                eid,
                i,
                seq,
                "author",
                name=shown or None,
                organisation=organisation_of(aff),
                address=aff,
            )


def iter_scopus(
    source: Source | str | Path,
    *,
    encoding: str | None = None,
    collector: Collector | None = None,
) -> Iterator[Records]:
    """Stream the records of a Scopus CSV export as chunks of Records.

    Raises
    ------
    InputError
        When the file cannot be read or its header is not a Scopus header (no EID column).
    """
    src, col = start(source, "scopus", collector)
    try:
        with open_text(src, encoding=encoding) as fh:
            reader = csv.reader(bounded_lines(fh, name=src.name))
            header = next(reader, None)
            if not header:
                raise InputError(f"{src.name}: the file is empty")
            header = _cells(header)
            if "EID" not in header:
                raise InputError(
                    f"{src.name}: not a Scopus CSV export (no EID column in the header); "
                    "export with 'All available information' or pass --format"
                )
            new_layout, gap = _layout(header)
            realigned = 0
            number = 0
            start_line = reader.line_num + 1
            for values in reader:
                line = start_line
                start_line = reader.line_num + 1
                if not any(v.strip() for v in values):
                    continue
                if _is_header(values):
                    # another export's header: files joined with `cat` (each has its own)
                    header = _cells(values)
                    new_layout, gap = _layout(header)
                    repeated_header(col.account, line)
                    continue
                number += 1
                if any(has_bad_bytes(v) for v in values):
                    values = [repair_text(v) for v in values]
                    col.warn(
                        "bytes that are not valid in the file's encoding; decoded as Windows-1252",
                        line=line,
                        record=number,
                    )
                if len(values) > len(header) and gap is not None:
                    extra = len(values) - len(header)
                    values = values[:gap] + values[gap + extra :]
                    realigned += 1
                if len(values) != len(header):
                    col.reject(
                        f"{len(values)} columns, but the header has {len(header)}",
                        line=line,
                        record=number,
                    )
                    continue
                _emit(col, dict(zip(header, values, strict=True)), line, number, new_layout)
                if col.full:
                    yield col.flush()
            if realigned:
                col.account.notes.append(
                    f"{realigned} record(s) with extra unnamed 'Funding Text' columns were "
                    "aligned from both ends"
                )
    except csv.Error as exc:
        col.account.problem(f"reading stopped: malformed CSV ({exc})")
    except READ_ERRORS as exc:
        col.account.problem(f"reading stopped: {exc} (truncated or corrupt file?)")
    if col.has_rows():
        yield col.flush()


def read_scopus(path: str | Path, *, encoding: str | None = None) -> ReadResult:
    """Read a whole Scopus CSV export (see :func:`iter_scopus`)."""
    return read_with(iter_scopus, path, "scopus", encoding=encoding)
