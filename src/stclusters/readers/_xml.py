"""Plumbing for the patent XML readers: the one reading loop, parsing, ST.36 parties."""

from __future__ import annotations

import html.entities
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from stclusters.readers._common import (
    MAX_LINE_CHARS,
    READ_ERRORS,
    Collector,
    Source,
    Where,
    clean,
    format_ipc,
    open_text,
    parse_ipc,
    place_string,
    split_city,
)
from stclusters.records import Records

#: An XML declaration at the start of a line, after a byte-order mark when files were joined.
_DECL = re.compile(r"^[\s\ufeff]*<\?xml\b")
_ENTITIES = {name: chr(code) for name, code in html.entities.name2codepoint.items()}


#: Most characters of one document kept in memory: the front (bibliographic) part that is
#: parsed comes first and is far shorter; the rest of a longer document (or of a file of
#: garbage without declarations) is read past, not held.
MAX_DOCUMENT_CHARS = 64 << 20


@dataclass
class XmlDoc:
    """One XML document cut out of a (possibly concatenated) file.

    ``problem`` says why a document cannot be XML (its text is then empty); ``cut`` that only
    its first :data:`MAX_DOCUMENT_CHARS` characters were kept.
    """

    number: int
    line: int
    text: str
    problem: str | None = None
    cut: bool = False


def _pieces(fh: IO[str]) -> Iterator[tuple[int, str, bool]]:
    """(line number, text, whether the text starts its line) of ``fh``, a line longer than
    :data:`MAX_LINE_CHARS` in several pieces: a file of one huge line is never held whole."""
    number, at_start = 1, True
    while True:
        piece = fh.readline(MAX_LINE_CHARS)
        if not piece:
            return
        yield number, piece, at_start
        at_start = piece.endswith(("\n", "\r"))
        number += at_start


def iter_documents(fh: IO[str]) -> Iterator[XmlDoc]:
    """Split a stream of concatenated XML documents at each ``<?xml`` declaration.

    A file holding one document without a declaration is one document; so is a file with
    one declaration. The byte-order mark each file joined with ``cat`` brings is dropped.
    Memory is bounded by :data:`MAX_DOCUMENT_CHARS`: a document whose first character is not
    ``<`` is read past up to the next declaration and given with a ``problem``; a longer
    document keeps only its beginning (``cut``).
    """
    buf: list[str] = []
    size = 0
    start = 1
    number = 0
    has_content = False
    problem: str | None = None
    cut = False
    for n, raw, at_start in _pieces(fh):
        line = raw.lstrip("\ufeff") if at_start and raw.startswith("\ufeff") else raw
        if at_start and _DECL.match(line) and has_content:
            number += 1
            yield XmlDoc(number, start, "".join(buf), problem, cut)
            buf, size, start, has_content, problem, cut = [], 0, n, False, None, False
        if not has_content and line.strip():
            has_content = True
            if not buf:
                start = n
            if not line.lstrip().startswith("<"):
                problem = f"not XML: the document starts with {line.strip()[:30]!r}"
        if problem is not None or cut:
            continue
        if size + len(line) > MAX_DOCUMENT_CHARS:
            cut = True
            continue
        buf.append(line)
        size += len(line)
    if has_content:
        number += 1
        yield XmlDoc(number, start, "".join(buf), problem, cut)


def parse_document(text: str) -> ET.Element:
    """Parse one document; HTML named entities (declared in the DTDs) are understood.

    Raises
    ------
    xml.etree.ElementTree.ParseError
        When the text is not well-formed XML.
    """
    parser = ET.XMLParser()
    parser.entity.update(_ENTITIES)
    parser.feed(text)
    return parser.close()


_ROOT_NAME = re.compile(r"<([A-Za-z][\w.:-]*)")
_NAMED = re.compile(r"&([A-Za-z][\w.-]*);")
_BARE_AMP = re.compile(r"&(?!(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][\w.-]*);)")


def parse_front(text: str, ends: tuple[str, ...]) -> tuple[ET.Element, bool]:
    """Parse the front (bibliographic) part of a patent document.

    The document is cut after the first of the closing tags ``ends`` (the bibliographic
    section) and its root closed there, which skips the long description and claims. When the
    result is not well-formed, bare ``&`` characters (a common fault) are escaped and the parse
    retried, with HTML named entities replaced by their characters (documents without the
    DOCTYPE that declares them). Returns the root element and whether a repair was needed.

    Raises
    ------
    xml.etree.ElementTree.ParseError
        When even the repaired front part is not well-formed.
    """
    m = _ROOT_NAME.search(text)
    if m:
        for end in ends:
            idx = text.find(end)
            if idx >= 0:
                text = text[: idx + len(end)] + f"</{m.group(1)}>"
                break
    try:
        return parse_document(text), False
    except ET.ParseError:
        fixed = _BARE_AMP.sub("&amp;", text)
        fixed = _NAMED.sub(_named, fixed)
        if fixed == text:
            raise
        return parse_document(fixed), True


def _named(m: re.Match[str]) -> str:
    name = m.group(1)
    if name in ("amp", "lt", "gt", "quot", "apos") or name not in _ENTITIES:
        return m.group(0)
    return _ENTITIES[name]


def text_of(elem: ET.Element | None) -> str | None:
    """All text inside an element, whitespace collapsed; None when empty or missing."""
    if elem is None:
        return None
    return clean("".join(elem.itertext()))


def find_text(elem: ET.Element | None, path: str) -> str | None:
    """:func:`text_of` of the first element matching ``path``."""
    if elem is None:
        return None
    return text_of(elem.find(path))


# --------------------------------------------------------------------------------------------
# the reading loop shared by the USPTO, PCT and EPO readers


@dataclass(frozen=True)
class PatentXml:
    """What makes one patent XML format: its document roots, where its front part ends and
    how one parsed document becomes rows.

    ``emit(collector, root, where)`` adds one document (or rejects it); ``what`` names the
    documents of the format in the note that counts the other documents skipped.
    """

    roots: tuple[str, ...]
    front_ends: tuple[str, ...]
    emit: Callable[[Collector, ET.Element, Where], None]
    what: str


def iter_patent_xml(src: Source, col: Collector, fmt: PatentXml) -> Iterator[Records]:
    """Stream the documents of a patent XML file (concatenated documents) as chunks of Records.

    Each document is cut out at its ``<?xml`` declaration (:func:`iter_documents`), its front
    part parsed (:func:`parse_front`, repairing bare ``&`` with a warning), and handed to
    ``fmt.emit`` when its root is one of ``fmt.roots``. A document that is not well-formed is
    rejected with its number and line; other documents (sequence listings...) are counted in
    a note per root tag; a file that stops mid-way is a file-level problem.
    """
    skipped: dict[str, int] = {}
    try:
        with open_text(src) as fh:
            for doc in iter_documents(fh):
                where: Where = {"line": doc.line, "record": doc.number}
                if doc.problem is not None:
                    col.reject(doc.problem, **where)
                    continue
                if doc.cut:
                    col.warn(
                        f"a document of more than {MAX_DOCUMENT_CHARS >> 20} M characters: "
                        "only its beginning (the bibliographic part) was read",
                        **where,
                    )
                try:
                    root, repaired = parse_front(doc.text, fmt.front_ends)
                except (ET.ParseError, UnicodeError, ValueError) as exc:
                    col.reject(f"not well-formed XML ({exc})", **where)
                    continue
                if repaired:
                    col.warn(
                        "the XML was not well-formed (bare '&' or undeclared entities); "
                        "read after repair",
                        **where,
                    )
                if root.tag not in fmt.roots:
                    skipped[root.tag] = skipped.get(root.tag, 0) + 1
                    continue
                roots = doc.text.count(f"<{root.tag} ") + doc.text.count(f"<{root.tag}>")
                if roots > 1:
                    col.warn(
                        f"{roots} <{root.tag}> documents without an XML declaration between "
                        "them; only the first was read (give each document its '<?xml' line)",
                        **where,
                    )
                fmt.emit(col, root, where)
                if col.full:
                    yield col.flush()
    except READ_ERRORS as exc:
        col.account.problem(f"reading stopped: {exc} (truncated or corrupt file?)")
    for tag, n in sorted(skipped.items()):
        col.account.notes.append(f"{n:,} <{tag}> document(s) skipped (not {fmt.what})")
    if col.has_rows():
        yield col.flush()


def codes_in(elems: Iterable[ET.Element]) -> list[str]:
    """The IPC/CPC codes written as text in ``elems`` (any notation), in order, without repeats."""
    codes = (parse_ipc(e.text) for e in elems)
    return list(dict.fromkeys(c for c in codes if c))


def st36_ipc_codes(biblio: ET.Element) -> list[str]:
    """IPC codes of an ST.36 bibliographic section (USPTO, PCT), in order, without repeats.

    ``classifications-ipcr/classification-ipcr`` gives its code as text (PCT) or in parts
    (USPTO); the older ``classification-ipc`` its main and further classifications as text.
    """
    codes: list[str] = []
    for c in biblio.iterfind("classifications-ipcr/classification-ipcr"):
        text = find_text(c, "text")
        code = (parse_ipc(text) if text else None) or classification_parts_code(c)
        if code:
            codes.append(code)
    for c in biblio.iterfind("classification-ipc"):
        for tag in ("main-classification", "further-classification"):
            codes.extend(codes_in(c.iterfind(tag)))
    return list(dict.fromkeys(codes))


# --------------------------------------------------------------------------------------------
# ST.36 parties (USPTO, WIPO PCT)


@dataclass
class Party:
    """A person or organisation of an ST.36 ``addressbook``."""

    name: str | None
    is_org: bool
    city: str | None
    region: str | None
    postcode: str | None
    country: str | None

    @property
    def address(self) -> str | None:
        """ "City, Region, Postcode, Country" built from the parts."""
        return place_string(self.city, self.region, self.postcode, self.country)

    def key(self) -> str:
        """A key for recognising the same party twice."""
        return re.sub(r"\W", "", (self.name or "").casefold())


def party_of(elem: ET.Element, country_of: Callable[[str | None], str | None]) -> Party:
    """Read the ``addressbook`` of an ST.36 applicant, inventor or assignee element.

    ``country_of`` turns the country field into an ISO 3166-1 code (usually
    :meth:`Collector.country`, which notes old codes and reports bad ones); the residence
    country is the fallback when the address has none.
    """
    book = elem.find("addressbook")
    if book is None:
        book = elem
    org = find_text(book, "orgname")
    last = find_text(book, "last-name")
    first = find_text(book, "first-name")
    name = org or (f"{last}, {first}" if last and first else last or first)
    name = name or find_text(book, "name")
    addr = book.find("address")
    city_text = find_text(addr, "city")
    city, region, postcode = split_city(city_text)
    state = find_text(addr, "state")
    post = find_text(addr, "postcode")
    country = country_of(find_text(addr, "country"))
    if country is None:
        country = country_of(find_text(elem, "residence/country"))
    return Party(
        name=name,
        is_org=org is not None,
        city=city,
        region=state or region,
        postcode=post or postcode,
        country=country,
    )


def unique_parties(parties: list[Party]) -> list[Party]:
    """Organisations without repeats (same name), first kept.

    For applicants and assignees only (the same company is often listed as both); people are
    distinct by their position in the document, never by name (see :func:`add_inventors`).
    """
    seen: set[str] = set()
    out: list[Party] = []
    for p in parties:
        key = p.key()
        if key and key in seen:
            continue
        seen.add(key)
        out.append(p)
    return out


def add_inventors(col: Collector, doc_id: str, inventors: list[Party]) -> None:
    """Add one people row per inventor, numbered by position in the document.

    Two inventors with the same name are two people (the same name at two addresses is
    common in Korean and Chinese patents); they are never merged.
    """
    for i, p in enumerate(inventors):
        col.person(
            doc_id,
            i,
            i,
            "inventor",
            name=p.name,
            address=p.address,
            city=p.city,
            region=p.region,
            postcode=p.postcode,
            country=p.country,
        )


def classification_parts_code(elem: ET.Element) -> str | None:
    """An IPC or CPC code from the section/class/subclass/main-group/subgroup children of an
    ST.36-style classification element (``classification-ipcr``, ``classification-cpc``)."""
    return format_ipc(
        find_text(elem, "section") or "",
        find_text(elem, "class") or "",
        find_text(elem, "subclass") or "",
        find_text(elem, "main-group") or "",
        find_text(elem, "subgroup") or "",
    )
