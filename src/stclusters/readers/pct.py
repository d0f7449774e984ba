"""Read WIPO PCT published international applications in ST.36 XML (wo-patent-document)."""

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
    read_with,
    start,
)
from stclusters.readers._xml import (
    Party,
    PatentXml,
    add_inventors,
    find_text,
    iter_patent_xml,
    party_of,
    st36_ipc_codes,
    text_of,
    unique_parties,
)
from stclusters.records import Records

__all__ = ["iter_pct", "read_pct"]

ROOTS = ("wo-patent-document", "wo-international-application-status")
FRONT_ENDS = ("</bibliographic-data>", "</wo-bibliographic-data>")


def _number(text: str) -> str:
    """ "WO/2024/012345", "WO2024012345", "2024012345" -> "2024012345"."""
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits or text.strip()


def _title(biblio: ET.Element) -> str | None:
    titles = list(biblio.iterfind("invention-title"))
    for t in titles:
        if (t.get("lang") or "").lower() == "en":
            return text_of(t)
    return text_of(titles[0]) if titles else None


def _emit(col: Collector, root: ET.Element, where: Where) -> None:
    biblio = root.find("bibliographic-data")
    if biblio is None:
        biblio = root.find("wo-bibliographic-data")
    if biblio is None:
        col.reject(f"<{root.tag}> has no bibliographic data", **where)
        return
    pub = biblio.find("publication-reference/document-id")
    number = find_text(pub, "doc-number") or clean(root.get("doc-number"))
    if not number:
        col.reject("no publication number (publication-reference/doc-number)", **where)
        return
    doc_id = f"WO-{_number(number)}"
    date = find_text(pub, "date") or root.get("date-publ") or root.get("date-published")
    if not col.document(
        doc_id,
        "patent",
        year=col.year(date, field="publication date", record_id=doc_id, **where),
        doc_type="international application",
        title=_title(biblio),
        source="pct",
    ):
        return
    for code in st36_ipc_codes(biblio):
        col.klass(doc_id, "ipc", code)
    inventors: list[Party] = []
    applicants: list[Party] = []

    def country_of(value: str | None) -> str | None:
        return col.country(value, record_id=doc_id, **where)

    parties = biblio.find("parties")
    if parties is not None:
        for elem in parties.iterfind("applicants/applicant"):
            party = party_of(elem, country_of)
            applicants.append(party)
            if elem.get("app-type") == "applicant-inventor":
                inventors.append(party)
        for elem in parties.iterfind("inventors/inventor"):
            inventors.append(party_of(elem, country_of))
    add_inventors(col, doc_id, inventors)
    for p in unique_parties([a for a in applicants if a.name]):
        col.applicant(doc_id, p.name or "", p.country)


PCT = PatentXml(ROOTS, FRONT_ENDS, _emit, "PCT applications")


def iter_pct(
    source: Source | str | Path, *, collector: Collector | None = None
) -> Iterator[Records]:
    """Stream PCT international applications (ST.36 XML) as chunks of Records.

    Inventors are the ``inventors/inventor`` elements plus the applicants marked
    ``app-type="applicant-inventor"`` (in the PCT an inventor may also be an applicant);
    applicants are every ``applicants/applicant``. Several documents may be concatenated.
    Inventors are numbered by their position (two inventors with one name are two people).
    """
    src, col = start(source, "pct", collector)
    return iter_patent_xml(src, col, PCT)


def read_pct(path: str | Path) -> ReadResult:
    """Read a whole PCT ST.36 XML file (see :func:`iter_pct`)."""
    return read_with(iter_pct, path, "pct")
