"""Plumbing for the patent XML readers: splitting concatenated documents, parsing, ST.36 parties."""

from __future__ import annotations

import html.entities
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from stclusters.readers._common import clean, country_code, format_ipc, place_string, split_city

_DECL = re.compile(r"^\s*<\?xml\b")
_ENTITIES = {name: chr(code) for name, code in html.entities.name2codepoint.items()}


@dataclass
class XmlDoc:
    """One XML document cut out of a (possibly concatenated) file."""

    number: int
    line: int
    text: str


def iter_documents(fh: IO[str]) -> Iterator[XmlDoc]:
    """Split a stream of concatenated XML documents at each ``<?xml`` declaration.

    A file holding one document without a declaration is one document; so is a file with
    one declaration. Memory is bounded by the largest single document.
    """
    buf: list[str] = []
    start = 1
    number = 0
    has_content = False
    for n, line in enumerate(fh, 1):
        if _DECL.match(line) and has_content:
            number += 1
            yield XmlDoc(number, start, "".join(buf))
            buf, start, has_content = [], n, False
        if not has_content and line.strip():
            has_content = True
            if not buf:
                start = n
        buf.append(line)
    if has_content:
        number += 1
        yield XmlDoc(number, start, "".join(buf))


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


def party_of(elem: ET.Element) -> Party:
    """Read the ``addressbook`` of an ST.36 applicant, inventor or assignee element."""
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
    country = country_code(find_text(addr, "country"))
    if country is None:
        country = country_code(find_text(elem, "residence/country"))
    return Party(
        name=name,
        is_org=org is not None,
        city=city,
        region=state or region,
        postcode=post or postcode,
        country=country,
    )


def unique_parties(parties: list[Party]) -> list[Party]:
    """Parties without repeats (same name), first kept."""
    seen: set[str] = set()
    out: list[Party] = []
    for p in parties:
        key = p.key()
        if key and key in seen:
            continue
        seen.add(key)
        out.append(p)
    return out


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
