"""Read Web of Science exports: plain text (FN/VR/PT/ER) and tab-delimited (UTF-8 or UTF-16)."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from stclusters.errors import InputError
from stclusters.readers._common import (
    READ_ERRORS,
    Collector,
    ReadResult,
    Source,
    clean,
    has_bad_bytes,
    iter_lines,
    normalise_doi,
    open_text,
    read_with,
    repair_text,
    repeated_header,
    start,
)
from stclusters.records import Records

__all__ = ["iter_wos", "parse_c1", "read_wos"]

#: Tags whose values the reader keeps (the rest, such as CR, is skipped while streaming).
WANTED = frozenset({"UT", "DI", "PY", "DT", "WC", "SC", "AU", "AF", "C1", "C3", "TI", "PT"})
#: Tags whose lines are list items (one per line in plain text, "; "-separated in tab files).
_LIST_TAGS = frozenset({"AU", "AF", "C1"})
_TAG = re.compile(r"^[A-Z][A-Z0-9]$")
_CITATION_LIKE = re.compile(r"^[^,\[\]]{1,60}, (1[6-9]|20)\d\d, ")


class _Rec:
    """The wanted fields of one record while it is being parsed."""

    __slots__ = ("bad", "fields", "line", "number")

    def __init__(self, line: int, number: int) -> None:
        self.line = line
        self.number = number
        self.fields: dict[str, list[str]] = {}
        self.bad: str | None = None


def _split_top(text: str) -> list[str]:
    """Split on ";" outside square brackets (tab-delimited C1)."""
    out: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth = max(depth - 1, 0)
        elif ch == ";" and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [s.strip() for s in out if s.strip()]


def parse_c1(entries: list[str]) -> list[tuple[list[str] | None, str]]:
    """Parse C1 entries into (author names or None, address) pairs.

    ``"[Luo, Z; Li, W] Huazhong Univ Sci & Technol, Wuhan 430074, Peoples R China."`` gives
    ``(["Luo, Z", "Li, W"], "Huazhong Univ Sci & Technol, Wuhan 430074, Peoples R China")``;
    an entry without brackets (the older form) gives ``(None, address)``.
    """
    out: list[tuple[list[str] | None, str]] = []
    for entry in entries:
        text = entry.strip()
        names: list[str] | None = None
        if text.startswith("["):
            close = text.find("]")
            if close > 0:
                names = [n.strip() for n in text[1:close].split(";") if n.strip()]
                text = text[close + 1 :].strip()
        text = clean(text.rstrip(". ")) or ""
        if text:
            out.append((names, text))
    return out


_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def _name_key(name: str) -> str:
    return _NOT_ALNUM.sub("", name.lower())


def _organisation(address: str) -> str | None:
    return clean(address.split(",", 1)[0])


def _emit(col: Collector, rec: _Rec, fmt_line: int) -> None:
    """Turn a parsed record into rows (or reject it)."""
    f = rec.fields
    ut = clean(" ".join(f.get("UT", [])))
    if rec.bad:
        col.reject(rec.bad, line=fmt_line, record=rec.number, record_id=ut)
        return
    if not ut:
        col.reject("record has no UT field", line=rec.line, record=rec.number)
        return
    doc_id = ut if ut.upper().startswith("WOS:") else f"WOS:{ut}"
    year_text = clean(" ".join(f.get("PY", [])))
    year = col.year(year_text, field="PY", line=rec.line, record=rec.number, record_id=ut)
    doi = normalise_doi(" ".join(f.get("DI", [])))
    if not col.document(
        doc_id,
        "article",
        year=year,
        doc_type=clean(" ".join(f.get("DT", []))),
        title=clean(" ".join(f.get("TI", []))),
        source="wos",
        doi=doi,
    ):
        return
    for tag, scheme in (("WC", "wos"), ("SC", "wos_sc")):
        text = " ".join(f.get(tag, []))
        for code in dict.fromkeys(c for c in (clean(x) for x in text.split(";")) if c):
            col.klass(doc_id, scheme, code)
    authors = [clean(a) for a in (f.get("AF") or f.get("AU") or [])]
    names = [a for a in authors if a]
    short = [clean(a) or "" for a in f.get("AU", [])]
    entries = parse_c1(f.get("C1", []))
    if entries and _CITATION_LIKE.match(entries[-1][1]):
        col.warn(
            "C1 holds lines that look like cited references (a missing CR tag?); "
            "those lines were ignored",
            line=rec.line,
            record=rec.number,
            record_id=ut,
        )
        entries = [e for e in entries if not _CITATION_LIKE.match(e[1])]
    _people(col, doc_id, names, short, entries, rec, ut)


def _people(
    col: Collector,
    doc_id: str,
    names: list[str],
    short: list[str],
    entries: list[tuple[list[str] | None, str]],
    rec: _Rec,
    ut: str,
) -> None:
    """Add the people rows of a record: its authors linked to their C1 addresses where known."""
    addresses: dict[str, int] = {}
    for _, addr in entries:
        addresses.setdefault(addr, len(addresses))
    if not addresses:
        for i, name in enumerate(names):
            col.person(doc_id, i, None, "author", name=name)
        return
    links: dict[int, list[int]]
    if any(n is not None for n, _ in entries):
        notes = _LinkNotes()
        links = _bracket_links(names, short, entries, addresses, notes)
        notes.warn(col, rec, ut)
    elif len(addresses) == 1 or len(names) == 1:
        # older unbracketed form: the link is still certain with one address or one author
        links = {i: sorted(addresses.values()) for i in range(len(names))}
    else:
        for addr, seq in addresses.items():
            col.person(doc_id, None, seq, "author", organisation=_organisation(addr), address=addr)
        return
    _linked_people(col, doc_id, names, addresses, links)


class _LinkNotes:
    """What linking C1 brackets to authors could not settle, for the record's warnings."""

    def __init__(self) -> None:
        self.shared: list[str] = []  # names of several authors that C1 does not tell apart
        self.unmatched: list[str] = []  # C1 names found among no author
        self.unlinked: list[str] = []  # addresses without brackets in a record with brackets

    def warn(self, col: Collector, rec: _Rec, ut: str) -> None:
        """Warn about each kind of unsettled link, if any."""
        warn = partial(col.warn, line=rec.line, record=rec.number, record_id=ut)
        if self.shared:
            warn(
                f"several authors named {', '.join(self.shared[:5])}, and C1 does not tell their "
                "addresses apart; each of them was linked to every address of the name"
            )
        if self.unmatched:
            warn(f"C1 names not found among the authors: {', '.join(self.unmatched[:5])}")
        if self.unlinked:
            warn(
                f"{len(self.unlinked)} C1 address(es) without author brackets in a record that "
                "links the others; those addresses were ignored"
            )


def _author_index(names: list[str], short: list[str]) -> dict[str, list[int]]:
    """Author positions by name key, from the full names and the short (AU) forms."""
    index: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        index.setdefault(_name_key(name), []).append(i)
    for i, name in enumerate(short):
        key = _name_key(name)
        if key and i < len(names) and i not in index.get(key, []):
            index.setdefault(key, []).append(i)
    return index


def _bracket_links(
    names: list[str],
    short: list[str],
    entries: list[tuple[list[str] | None, str]],
    addresses: dict[str, int],
    notes: _LinkNotes,
) -> dict[int, list[int]]:
    """Address numbers of each author (by position) from the names in the C1 brackets."""
    index = _author_index(names, short)
    links: dict[int, list[int]] = {}
    # authors sharing a name are told apart when C1 names each of them once: the j-th
    # bracket occurrence of the name is the j-th author of that name
    keyed = [(None if g is None else [(n, _name_key(n)) for n in g], addr) for g, addr in entries]
    occurrences = Counter(k for g, _ in keyed if g for _, k in g)
    taken: Counter[str] = Counter()
    for group, addr in keyed:
        seq = addresses[addr]
        if group is None:
            notes.unlinked.append(addr)
            continue
        for name, key in group:
            hits = index.get(key, [])
            if len(hits) > 1:
                if occurrences[key] == len(hits):
                    hits = [sorted(hits)[taken[key]]]
                    taken[key] += 1
                elif name not in notes.shared:
                    notes.shared.append(name)
            if not hits:
                notes.unmatched.append(name)
            for i in hits:
                if seq not in links.setdefault(i, []):
                    links[i].append(seq)
    return links


def _linked_people(
    col: Collector,
    doc_id: str,
    names: list[str],
    addresses: dict[str, int],
    links: dict[int, list[int]],
) -> None:
    """Add one row per author and linked address (one without address for an unlinked author)."""
    by_seq = {seq: addr for addr, seq in addresses.items()}
    for i, name in enumerate(names):
        seqs = sorted(links.get(i, []))
        if not seqs:
            col.person(doc_id, i, None, "author", name=name)
        for seq in seqs:
            addr = by_seq[seq]
            col.person(
                doc_id,
                i,
                seq,
                "author",
                name=name,
                organisation=_organisation(addr),
                address=addr,
            )


# --------------------------------------------------------------------------------------------
# plain text


def _repaired(col: Collector, value: str, line: int, rec: _Rec | None) -> str:
    col.warn(
        "bytes that are not valid in the file's encoding; decoded as Windows-1252",
        line=line,
        record=rec.number if rec else None,
    )
    return repair_text(value)


class _PlainParser:
    """The plain-text reader's state between lines: the open record and what the file showed."""

    def __init__(self, col: Collector) -> None:
        self.col = col
        self.rec: _Rec | None = None
        self.tag = ""
        self.number = 0
        self.saw_ef = False
        self.saw_header = False
        self.last_line = 0
        self.wanted = False  # whether the current field is one the reader keeps

    def continuation(self, n: int, raw: str) -> None:
        """Add an indented continuation line to the current field of the record."""
        assert self.rec is not None
        value = raw.strip()
        if has_bad_bytes(value):
            value = _repaired(self.col, value, n, self.rec)
        if self.tag in _LIST_TAGS:
            self.rec.fields[self.tag].append(value)
        else:
            self.rec.fields[self.tag][-1] += " " + value

    def line(self, n: int, raw: str) -> bool:
        """Take one line that is not a continuation; whether it closed a record (ER)."""
        line = raw.lstrip("\ufeff")  # a BOM stands at the start of every file joined with `cat`
        if not line.strip():
            return False
        head = line[:2]
        if line[2:3] in (" ", "") and _TAG.match(head):
            return self._tagged(n, line, head)
        if self.rec is not None:
            self.rec.bad = self.rec.bad or (
                f"line {n:,}: malformed line {line[:40]!r} (expected a two-character tag and "
                "a space, or an indented continuation)"
            )
        else:
            self.col.account.problem(f"unexpected text outside a record: {line[:40]!r}", line=n)
        return False

    def _tagged(self, n: int, line: str, tag: str) -> bool:
        """Take a line starting with a tag; whether it closed a record (ER)."""
        self.tag = tag
        self.wanted = tag in WANTED
        if tag == "PT":
            self._close(f"no ER line before the next record at line {n:,}")
            self.number += 1
            self.rec = _Rec(n, self.number)
            self.rec.fields["PT"] = [line[3:]]
        elif tag == "ER":
            if self.rec is None:
                self.col.account.problem("ER line outside a record", line=n)
                return False
            self._close(None)
            return True
        elif tag == "EF":
            self._close(f"no ER line before the EF line at line {n:,}")
            self.saw_ef = True
        elif tag in ("FN", "VR"):
            if tag == "FN" and self.saw_header:
                repeated_header(self.col.account, n)
            self.saw_header = True
            self.saw_ef = False
        elif self.rec is None:
            self.col.account.problem(f"field {tag} outside a record (no PT line before it)", line=n)
        elif self.wanted:
            value = line[3:]
            if has_bad_bytes(value):
                value = _repaired(self.col, value, n, self.rec)
            self.rec.fields.setdefault(tag, []).append(value)
        return False

    def _close(self, missing_er: str | None) -> None:
        """Emit the open record, if any; marked bad with ``missing_er`` when its ER is missing."""
        rec = self.rec
        if rec is None:
            return
        if missing_er is not None:
            rec.bad = rec.bad or missing_er
        _emit(self.col, rec, rec.line)
        self.rec = None

    def finish(self) -> None:
        """Account for how the file ended: inside a record, without records, without EF."""
        col, rec = self.col, self.rec
        if rec is not None:
            col.reject(
                f"the file ends inside a record (no ER line after line {rec.line:,}); truncated?",
                line=rec.line,
                record=rec.number,
                record_id=clean(" ".join(rec.fields.get("UT", []))),
            )
        if self.number == 0 and not self.saw_header:
            raise InputError(
                f"{col.account.path}: no Web of Science records found (expected 'FN' or 'PT' "
                "lines); check the file or pass --format"
            )
        if not self.saw_ef and self.number:
            col.account.problem(
                f"no EF line at the end of the file (line {self.last_line:,}): the file may be "
                "truncated"
            )


def _iter_plain(lines: Iterator[tuple[int, str]], col: Collector) -> Iterator[Records]:
    """Parse a plain-text export (FN/VR/PT/ER) line by line into chunks of Records."""
    parser = _PlainParser(col)
    for n, raw in lines:
        parser.last_line = n
        if raw.startswith("  "):
            # continuation lines are most of a file (cited references): the fast path
            if parser.wanted and parser.rec is not None:
                parser.continuation(n, raw)
        elif parser.line(n, raw) and col.full:
            yield col.flush()
    parser.finish()


# --------------------------------------------------------------------------------------------
# tab-delimited


def _header(line: str) -> list[str]:
    """The column names of a tab-delimited header line (BOM and trailing empties removed)."""
    header = [h.strip().lstrip("\ufeff") for h in line.split("\t")]
    while header and not header[-1]:
        header.pop()
    return header


def _iter_tab(lines: Iterator[tuple[int, str]], col: Collector) -> Iterator[Records]:
    header: list[str] | None = None
    number = 0
    for n, raw in lines:
        line = raw
        if header is None:
            header = _header(line)
            if "UT" not in header and "PT" not in header:
                raise InputError(
                    f"{col.account.path}: line 1 is not a Web of Science tab-delimited header "
                    "(no PT or UT column)"
                )
            continue
        if not line.strip():
            continue
        if _is_header(line):
            # another export's header: files joined with `cat` (each batch has its own)
            header = _header(line)
            repeated_header(col.account, n)
            continue
        number += 1
        rec = _Rec(n, number)
        if has_bad_bytes(line):
            line = repair_text(line)
            col.warn(
                "bytes that are not valid in the file's encoding; decoded as Windows-1252",
                line=n,
                record=number,
            )
        values = line.split("\t")
        while len(values) > len(header) and not values[-1].strip():
            values.pop()
        if len(values) != len(header):
            rec.bad = f"{len(values)} columns, but the header has {len(header)}"
        fields = rec.fields
        for key, value in zip(header, values, strict=False):
            if key in WANTED and value.strip():
                if key in ("AU", "AF"):
                    fields[key] = [v for v in (s.strip() for s in value.split(";")) if v]
                elif key == "C1":
                    fields[key] = _split_top(value)
                else:
                    fields[key] = [value.strip()]
        _emit(col, rec, n)
        if col.full:
            yield col.flush()


# --------------------------------------------------------------------------------------------


def _is_header(line: str) -> bool:
    """Whether a line inside a tab-delimited file is a header (of a batch joined to the first)."""
    text = line.lstrip("\ufeff")
    if not text.startswith("PT\t"):  # a record starts with its type (J, B, S, P), never "PT"
        return False
    return "UT" in (c.strip() for c in text.split("\t"))


def _is_tab(first_line: str) -> bool:
    cells = first_line.lstrip("\ufeff").split("\t")
    return len(cells) > 3 and ("UT" in cells or ("PT" in cells and "AU" in cells))


def iter_wos(
    source: Source | str | Path,
    *,
    encoding: str | None = None,
    collector: Collector | None = None,
) -> Iterator[Records]:
    """Stream the records of a Web of Science export as chunks of Records.

    The layout (plain text or tab-delimited) and the encoding (UTF-8 with or without BOM,
    UTF-16) are detected from the file. Malformed records are skipped and counted in the
    collector's account.

    Raises
    ------
    InputError
        When the file cannot be read or holds no Web of Science records at all.
    """
    src, col = start(source, "wos", collector)
    try:
        with open_text(src, encoding=encoding) as fh:
            lines = iter_lines(fh)
            first = next(lines, None)
            if first is None:
                raise InputError(f"{src.name}: the file is empty")
            chained = itertools.chain([first], lines)
            if _is_tab(first[1]):
                yield from _iter_tab(chained, col)
            else:
                yield from _iter_plain(chained, col)
    except READ_ERRORS as exc:
        col.account.problem(f"reading stopped: {exc} (truncated or corrupt file?)")
    if col.has_rows():
        yield col.flush()


def read_wos(path: str | Path, *, encoding: str | None = None) -> ReadResult:
    """Read a whole Web of Science export (see :func:`iter_wos`)."""
    return read_with(iter_wos, path, "wos", encoding=encoding)
