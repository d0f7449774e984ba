"""Read EPO publication server XML (ep-patent-document, DTD v1.0 to v1.5.1)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from stclusters.readers._common import (
    Collector,
    ReadResult,
    Source,
    Where,
    clean,
    place_string,
    read_with,
    split_city,
    start,
)
from stclusters.readers._xml import PatentXml, codes_in, find_text, iter_patent_xml, text_of
from stclusters.records import Records

__all__ = ["iter_epo", "read_epo"]

ROOT = "ep-patent-document"


def _ipc_codes(sdobi: ET.Element) -> list[str]:
    """IPC codes in the three historic notations (B511/B512 with edition, IPCR text)."""
    tags = ("B511", "B512", "B513", "B514")
    elems = [e for tag in tags for e in sdobi.iterfind(f"B500/B510/{tag}")]
    return codes_in([*elems, *sdobi.iterfind("B500/B510EP/classification-ipcr/text")])


def _cpc_codes(sdobi: ET.Element) -> list[str]:
    return codes_in(sdobi.iterfind("B500/B520EP/classifications-cpc/classification-cpc/text"))


def _title(sdobi: ET.Element) -> str | None:
    b540 = sdobi.find("B500/B540")
    if b540 is None:
        return None
    lang = None
    for child in b540:
        if child.tag == "B541":
            lang = (child.text or "").strip()
        elif child.tag == "B542" and lang == "en":
            return text_of(child)
    return find_text(b540, "B542")


def _emit(col: Collector, root: ET.Element, where: Where) -> None:
    sdobi = root.find("SDOBI")
    number = clean(root.get("doc-number")) or find_text(sdobi, "B100/B110")
    kind = clean(root.get("kind")) or find_text(sdobi, "B100/B130")
    if sdobi is None or not number:
        col.reject("no SDOBI bibliographic data or no doc-number", **where)
        return
    doc_id = f"EP-{number}" + (f"-{kind}" if kind else "")
    date = root.get("date-publ") or find_text(sdobi, "B100/B140/date")
    if not col.document(
        doc_id,
        "patent",
        year=col.year(date, field="date-publ", record_id=doc_id, **where),
        doc_type=find_text(sdobi, "B100/B120/B121") or kind,
        title=_title(sdobi),
        source="epo",
    ):
        return
    for code in _ipc_codes(sdobi):
        col.klass(doc_id, "ipc", code)
    for code in _cpc_codes(sdobi):
        col.klass(doc_id, "cpc", code)
    for i, inv in enumerate(sdobi.iterfind("B700/B720/B721")):
        adr = inv.find("adr")
        city, region, postcode = split_city(find_text(adr, "city"))
        country = col.country(find_text(adr, "ctry"), record_id=doc_id, **where)
        col.person(
            doc_id,
            i,
            i,
            "inventor",
            name=find_text(inv, "snm"),
            address=place_string(city, region, postcode, country),
            city=city,
            region=region,
            postcode=postcode,
            country=country,
        )
    owners = list(sdobi.iterfind("B700/B710/B711")) or list(sdobi.iterfind("B700/B730/B731"))
    seen: set[str] = set()
    for elem in owners:
        name = find_text(elem, "snm")
        if name and name not in seen:
            seen.add(name)
            country = col.country(find_text(elem, "adr/ctry"), record_id=doc_id, **where)
            col.applicant(doc_id, name, country)


EPO = PatentXml((ROOT,), ("</SDOBI>",), _emit, "EPO patent documents")


def iter_epo(
    source: Source | str | Path, *, collector: Collector | None = None
) -> Iterator[Records]:
    """Stream the documents of an EPO XML file as chunks of Records.

    Inventors come from B721 (city fields often carry a postcode, split off into ``postcode``),
    applicants from B711 (or the proprietors, B731, of a granted patent), IPC codes from B511/
    B512 (with the edition prefix of DTD v1.0/v1.1) or the IPCR text of B510EP.
    """
    src, col = start(source, "epo", collector)
    return iter_patent_xml(src, col, EPO)


def read_epo(path: str | Path) -> ReadResult:
    """Read a whole EPO XML file (see :func:`iter_epo`)."""
    return read_with(iter_epo, path, "epo")
