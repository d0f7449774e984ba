"""Read Web of Science exports: plain text (FN/VR/PT/ER) and tab-delimited (UTF-8 or UTF-16)."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator
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
    parse_year,
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
    year = parse_year(year_text)
    if year_text and year is None:
        col.warn(f"PY {year_text!r} is not a year", line=rec.line, record=rec.number, record_id=ut)
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
    addresses: dict[str, int] = {}
    for _, addr in entries:
        addresses.setdefault(addr, len(addresses))
    if not addresses:
        for i, name in enumerate(names):
            col.person(doc_id, i, None, "author", name=name)
        return
    links: dict[int, list[int]] = {}
    linked = any(n is not None for n, _ in entries)
    if linked:
        index: dict[str, list[int]] = {}
        for i, name in enumerate(names):
            index.setdefault(_name_key(name), []).append(i)
        for i, name in enumerate(short):
            key = _name_key(name)
            if key and i < len(names) and i not in index.get(key, []):
                index.setdefault(key, []).append(i)
        unmatched: list[str] = []
        unlinked: list[str] = []
        shared: list[str] = []
        # authors sharing a name are told apart when C1 names each of them once: the j-th
        # bracket occurrence of the name is the j-th author of that name
        keyed = [
            (None if g is None else [(n, _name_key(n)) for n in g], addr) for g, addr in entries
        ]
        occurrences = Counter(k for g, _ in keyed if g for _, k in g)
        taken: Counter[str] = Counter()
        for group, addr in keyed:
            seq = addresses[addr]
            if group is None:
                unlinked.append(addr)
                continue
            for name, key in group:
                hits = index.get(key, [])
                if not hits:
                    unmatched.append(name)
                    continue
                if len(hits) > 1:
                    if occurrences[key] == len(hits):
                        hits = [sorted(hits)[taken[key]]]
                        taken[key] += 1
                    elif name not in shared:
                        shared.append(name)
                for i in hits:
                    if seq not in links.setdefault(i, []):
                        links[i].append(seq)
        if shared:
            col.warn(
                f"several authors named {', '.join(shared[:5])}, and C1 does not tell their "
                "addresses apart; each of them was linked to every address of the name",
                line=rec.line,
                record=rec.number,
                record_id=ut,
            )
        if unmatched:
            col.warn(
                f"C1 names not found among the authors: {', '.join(unmatched[:5])}",
                line=rec.line,
                record=rec.number,
                record_id=ut,
            )
        if unlinked:
            col.warn(
                f"{len(unlinked)} C1 address(es) without author brackets in a record that "
                "links the others; those addresses were ignored",
                line=rec.line,
                record=rec.number,
                record_id=ut,
            )
    elif len(addresses) == 1 or len(names) == 1:
        # older unbracketed form: the link is still certain with one address or one author
        for i in range(len(names)):
            links[i] = sorted(addresses.values())
    else:
        for addr, seq in addresses.items():
            col.person(doc_id, None, seq, "author", organisation=_organisation(addr), address=addr)
        return
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


def _iter_plain(lines: Iterator[tuple[int, str]], col: Collector) -> Iterator[Records]:
    rec: _Rec | None = None
    tag = ""
    number = 0
    saw_ef = False
    saw_header = False
    last_line = 0
    wanted = False  # whether the current field is one the reader keeps
    for n, raw in lines:
        last_line = n
        if raw.startswith("  "):
            # continuation lines are most of a file (cited references): the fast path
            if wanted and rec is not None:
                value = raw.strip()
                if has_bad_bytes(value):
                    value = _repaired(col, value, n, rec)
                if tag in _LIST_TAGS:
                    rec.fields[tag].append(value)
                else:
                    rec.fields[tag][-1] += " " + value
            continue
        line = raw.lstrip("\ufeff")  # a BOM stands at the start of every file joined with `cat`
        if not line.strip():
            continue
        head = line[:2]
        if line[2:3] in (" ", "") and _TAG.match(head):
            tag = head
            wanted = tag in WANTED
            if tag == "PT":
                if rec is not None:
                    rec.bad = rec.bad or f"no ER line before the next record at line {n:,}"
                    _emit(col, rec, rec.line)
                number += 1
                rec = _Rec(n, number)
                rec.fields["PT"] = [line[3:]]
            elif tag == "ER":
                if rec is None:
                    col.account.problem("ER line outside a record", line=n)
                else:
                    _emit(col, rec, rec.line)
                    rec = None
                    if col.full:
                        yield col.flush()
            elif tag == "EF":
                if rec is not None:
                    rec.bad = rec.bad or f"no ER line before the EF line at line {n:,}"
                    _emit(col, rec, rec.line)
                    rec = None
                saw_ef = True
            elif tag in ("FN", "VR"):
                if tag == "FN" and saw_header:
                    repeated_header(col.account, n)
                saw_header = True
                saw_ef = False
            elif rec is None:
                col.account.problem(f"field {tag} outside a record (no PT line before it)", line=n)
            elif wanted:
                value = line[3:]
                if has_bad_bytes(value):
                    value = _repaired(col, value, n, rec)
                rec.fields.setdefault(tag, []).append(value)
        elif rec is not None:
            rec.bad = rec.bad or (
                f"line {n:,}: malformed line {line[:40]!r} (expected a two-character tag and "
                "a space, or an indented continuation)"
            )
        else:
            col.account.problem(f"unexpected text outside a record: {line[:40]!r}", line=n)
    if rec is not None:
        col.reject(
            f"the file ends inside a record (no ER line after line {rec.line:,}); truncated?",
            line=rec.line,
            record=rec.number,
            record_id=clean(" ".join(rec.fields.get("UT", []))),
        )
    if number == 0 and not saw_header:
        raise InputError(
            f"{col.account.path}: no Web of Science records found (expected 'FN' or 'PT' "
            "lines); check the file or pass --format"
        )
    if not saw_ef and number:
        col.account.problem(
            f"no EF line at the end of the file (line {last_line:,}): the file may be truncated"
        )


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
