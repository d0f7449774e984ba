"""Read USPTO grant and application XML (full text or bibliographic, DTD v4.0 to v4.7, zipped)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

from stclusters.readers._common import (
    Collector,
    ReadResult,
    Source,
    Where,
    read_with,
    start,
)
from stclusters.readers._xml import (
    Party,
    PatentXml,
    add_inventors,
    classification_parts_code,
    find_text,
    iter_patent_xml,
    party_of,
    st36_ipc_codes,
    text_of,
    unique_parties,
)
from stclusters.records import Records

__all__ = ["iter_uspto", "patent_number", "read_uspto"]

ROOTS = ("us-patent-grant", "us-patent-application")
FRONT_ENDS = ("</us-bibliographic-data-grant>", "</us-bibliographic-data-application>")
_NUMBER = re.compile(r"^([A-Z]*)0*(\d+)$")


def patent_number(doc_number: str) -> str:
    """A USPTO number without padding zeros ("06836899" -> "6836899", "D0967598" -> "D967598")."""
    text = doc_number.strip().upper().replace(" ", "")
    m = _NUMBER.match(text)
    return f"{m.group(1)}{m.group(2)}" if m else text


def _cpc_codes(biblio: ET.Element) -> list[str]:
    codes: list[str] = []
    for c in biblio.iterfind("classifications-cpc//classification-cpc"):
        code = classification_parts_code(c)
        if code:
            codes.append(code)
    return list(dict.fromkeys(codes))


def _parties(
    biblio: ET.Element, country_of: Callable[[str | None], str | None]
) -> tuple[list[Party], list[Party]]:
    """(inventors, applicants) of a grant or application, for every DTD version."""
    parties = biblio.find("us-parties")
    if parties is None:
        parties = biblio.find("parties")
    inventors: list[Party] = []
    applicant_inventors: list[Party] = []
    applicants: list[Party] = []
    if parties is not None:
        for elem in parties.iterfind("inventors/inventor"):
            inventors.append(party_of(elem, country_of))
        for path in ("us-applicants/us-applicant", "applicants/applicant"):
            for elem in parties.iterfind(path):
                party = party_of(elem, country_of)
                if elem.get("app-type") == "applicant-inventor":
                    applicant_inventors.append(party)
                else:
                    applicants.append(party)
    if not inventors:
        inventors = applicant_inventors
    assignees = [party_of(e, country_of) for e in biblio.iterfind("assignees/assignee")]
    owners = unique_parties([p for p in assignees + applicants if p.name])
    if not owners:
        owners = unique_parties([p for p in applicant_inventors if p.name])
    return inventors, owners


def _emit(col: Collector, root: ET.Element, where: Where) -> None:
    biblio = root.find("us-bibliographic-data-grant")
    if biblio is None:
        biblio = root.find("us-bibliographic-data-application")
    if biblio is None:
        col.reject(f"<{root.tag}> has no bibliographic data", **where)
        return
    pub = biblio.find("publication-reference/document-id")
    number = find_text(pub, "doc-number")
    if not number:
        col.reject("no publication number (publication-reference/doc-number)", **where)
        return
    kind = find_text(pub, "kind") or ""
    country = find_text(pub, "country") or "US"
    doc_id = f"{country}-{patent_number(number)}" + (f"-{kind}" if kind else "")
    date = find_text(pub, "date") or root.get("date-publ")
    appl = biblio.find("application-reference")
    doc_type = appl.get("appl-type") if appl is not None else None
    if not col.document(
        doc_id,
        "patent",
        year=col.year(date, field="publication date", record_id=doc_id, **where),
        doc_type=doc_type or root.tag,
        title=text_of(biblio.find("invention-title")),
        source="uspto",
    ):
        return
    for code in st36_ipc_codes(biblio):
        col.klass(doc_id, "ipc", code)
    for code in _cpc_codes(biblio):
        col.klass(doc_id, "cpc", code)
    inventors, owners = _parties(biblio, lambda v: col.country(v, record_id=doc_id, **where))
    add_inventors(col, doc_id, inventors)
    for p in owners:
        col.applicant(doc_id, p.name or "", p.country)


USPTO = PatentXml(ROOTS, FRONT_ENDS, _emit, "patents")


def iter_uspto(
    source: Source | str | Path, *, collector: Collector | None = None
) -> Iterator[Records]:
    """Stream the patents of a USPTO XML file (concatenated documents) as chunks of Records.

    Grants and applications of every DTD from v4.0 (2005) to v4.7 are read; inventors come from
    ``us-parties/inventors`` (v4.3+) or from the applicants marked ``applicant-inventor``
    (v4.0-4.2). Other documents in the stream (sequence listings) are skipped and noted; a
    document that is not well-formed XML is rejected with its number and line. Inventors are
    numbered by their position (two inventors with one name are two people).
    """
    src, col = start(source, "uspto", collector)
    return iter_patent_xml(src, col, USPTO)


def read_uspto(path: str | Path) -> ReadResult:
    """Read a whole USPTO XML file (see :func:`iter_uspto`)."""
    return read_with(iter_uspto, path, "uspto")
