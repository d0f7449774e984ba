"""Author-to-address links and patent places, checked record by record on real records.

Every expectation below was written by hand from the sample files (see the comments).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stclusters.readers import (
    read_epo,
    read_openalex,
    read_patentsview,
    read_pct,
    read_scopus,
    read_uspto,
    read_wos,
)
from stclusters.records import Records


def _people(records: Records, doc_id: str) -> list[dict[str, Any]]:
    rows = [r for r in records.people.to_pylist() if r["doc_id"] == doc_id]
    assert rows, f"no people rows for {doc_id}"
    return rows


def _links(records: Records, doc_id: str) -> dict[str | None, set[str | None]]:
    """Author name -> set of addresses."""
    out: dict[str | None, set[str | None]] = {}
    for row in _people(records, doc_id):
        out.setdefault(row["name"], set()).add(row["address"])
    return out


def test_wos_plain_bracketed_links(samples: Path) -> None:
    # wos_plaintext.txt lines 261-268: Mahajan at NYU and CUNY; Stein at OICR, CSHL, Toronto
    records = read_wos(samples / "wos" / "wos_plaintext.txt").records
    links = _links(records, "WOS:000285831700110")
    assert links["Mahajan, Shahana"] == {
        "NYU, Sch Med, Dept Biochem, New York, NY 10016 USA",
        "CUNY Hunter Coll, Sch Hlth Sci, New York, NY 10010 USA",
    }
    assert links["Stein, Lincoln"] == {
        "Ontario Inst Canc Res Informat & Biocomp, Toronto, ON M5G 0A3, Canada",
        "Cold Spring Harbor Lab, Cold Spring Harbor, NY 11724 USA",
        "Univ Toronto, Dept Mol Genet, Toronto, ON M5S 1A1, Canada",
    }
    assert links["Gillespie, Marc"] == {
        "St Johns Univ, Coll Pharm & Allied Hlth Profess, Queens, NY 11439 USA"
    }
    rows = _people(records, "WOS:000285831700110")
    # 22 authors (AF), Mahajan is the 13th (person_seq 12); 8 distinct addresses
    assert {r["person_seq"] for r in rows} == set(range(22))
    assert {r["address_seq"] for r in rows} == set(range(8))
    mahajan = sorted(
        (r["person_seq"], r["address_seq"]) for r in rows if r["name"] == "Mahajan, Shahana"
    )
    assert mahajan == [(12, 3), (12, 5)]
    orgs = {r["organisation"] for r in rows}
    assert "Cold Spring Harbor Lab" in orgs


def test_wos_old_unbracketed_form(samples: Path) -> None:
    # wos_plaintext.txt lines 19-20: two addresses, two authors, no brackets -> no link
    records = read_wos(samples / "wos" / "wos_plaintext.txt").records
    rows = _people(records, "WOS:000220015600001")
    assert [(r["person_seq"], r["address_seq"], r["name"]) for r in rows] == [
        (None, 0, None),
        (None, 1, None),
    ]
    assert rows[0]["address"] == "Univ Michigan, Dept Sociol, Ann Arbor, MI 48104 USA"
    assert rows[1]["organisation"] == "Stanford Univ"


def test_wos_one_bracket_two_authors(samples: Path) -> None:
    # OnePaper.isi line 17: [Marghetis, Tyler; Nunez, Rafael] Univ Calif San Diego ...
    records = read_wos(samples / "wos" / "OnePaper.isi").records
    rows = _people(records, "WOS:000317623000007")
    assert [(r["person_seq"], r["address_seq"], r["name"]) for r in rows] == [
        (0, 0, "Marghetis, Tyler"),
        (1, 0, "Nunez, Rafael"),
    ]
    assert rows[0]["address"] == "Univ Calif San Diego, Dept Cognit Sci, La Jolla, CA 92093 USA"


def test_wos_tab_2026_links(samples: Path) -> None:
    # wos_2026_04_02_1000.txt line 2: Bian, Luanjian alone at ZTE, five others at HUST
    records = read_wos(samples / "wos" / "wos_2026_04_02_1000.txt").records
    rows = _people(records, "WOS:001395617300004")
    zte = "ZTE Corp, Algorithm Dept, Shenzhen 518057, Peoples R China"
    hust = "Huazhong Univ Sci & Technol, Sch Elect Informat & Commun, Wuhan 430074, Peoples R China"
    assert [(r["person_seq"], r["address"]) for r in rows] == [
        (0, hust),
        (1, hust),
        (2, hust),
        (3, hust),
        (4, zte),
        (5, hust),
    ]
    assert rows[4]["name"] == "Bian, Luanjian"
    classes = [c for c in records.classes.to_pylist() if c["doc_id"] == "WOS:001395617300004"]
    assert [c["code"] for c in classes if c["scheme"] == "wos"] == [
        "Computer Science, Information Systems",
        "Engineering, Electrical & Electronic",
        "Telecommunications",
    ]


def test_scopus_old_layout_links(samples: Path) -> None:
    # scientopy_2017_iot_gateway_scopus.csv row 1: Rahmani has UC Irvine and TU Wien
    records = read_scopus(samples / "scopus" / "scientopy_2017_iot_gateway_scopus.csv").records
    links = _links(records, "2-s2.0-85012875280")
    assert links["Rahmani A.M."] == {
        "Department of Computer Science, University of California Irvine, United States",
        "Institute of Computer Technology, TU Wien, Vienna, Austria",
    }
    assert links["Gia T.N."] == {
        "Department of Information Technology, University of Turku, Turku, Finland"
    }
    assert len(links) == 7


def test_scopus_2023_layout_links(samples: Path) -> None:
    # litstudy_scopus_v2.csv row 2: Kaufman at Kinsey and Luddy; Reynolds at Kinsey and UNM
    records = read_scopus(samples / "scopus" / "litstudy_scopus_v2.csv").records
    links = _links(records, "2-s2.0-85127882021")
    kinsey = "The Kinsey Institute, Indiana University, United States"
    assert links["Gesselman, Amanda N."] == {kinsey}
    assert links["Kaufman, Ellen M."] == {
        kinsey,
        "Luddy School of Informatics, Computing, and Engineering, Indiana University, "
        "United States",
    }
    assert links["Reynolds, Tania A."] == {
        kinsey,
        "Department of Psychology, University of New Mexico, United States",
    }


def test_scopus_semicolon_inside_affiliation(samples: Path) -> None:
    # scientopy scopus row 433: "Cie and circ;ncia" holds a ";" inside Casal's affiliation
    records = read_scopus(samples / "scopus" / "scientopy_2017_iot_gateway_scopus.csv").records
    rows = _people(records, "2-s2.0-84966614864")
    assert [r["name"] for r in rows] == [
        "Santos J.",
        "Silva B.M.C.",
        "Rodrigues J.J.P.C.",
        "Rodrigues J.J.P.C.",
        "Casal J.",
        "Saleem K.",
    ]
    assert rows[4]["address"].startswith("TIMWE i and D, Parkurbis")


def test_openalex_authorships(samples: Path) -> None:
    records = read_openalex(samples / "openalex" / "entity_list_samples.converted.json").records
    rows = _people(records, "W52443429")
    prelle = [r for r in rows if r["person_seq"] == 0]
    assert {r["organisation"] for r in prelle} == {
        "Ospedale Maggiore",
        "Fondazione IRCCS Ca' Granda Ospedale Maggiore Policlinico",
        "University of Milan",
    }
    assert {r["country"] for r in prelle} == {"IT"}
    # the Korean work has four authors without any affiliation
    rows = _people(records, "W3197312755")
    assert [r["address_seq"] for r in rows] == [None, None, None, None]
    docs = records.documents.to_pylist()
    assert docs[0]["doi"] == "10.1007/s00401-002-0654-1"
    assert docs[0]["year"] == 2003


def test_uspto_v40_applicant_inventor(samples: Path) -> None:
    # ipg050104.small.xml, first grant: applicant-inventor Glasmire in Bath, PA
    records = read_uspto(samples / "patents" / "uspto" / "ipgxml" / "ipg050104.small.xml").records
    rows = _people(records, "US-6836899-B1")
    assert [(r["name"], r["city"], r["region"], r["postcode"], r["country"]) for r in rows] == [
        ("Glasmire, Samuel G.", "Bath", "PA", "18014-8224", "US")
    ]
    codes = [c["code"] for c in records.classes.to_pylist() if c["doc_id"] == "US-6836899-B1"]
    assert codes == ["A45F 5/04"]


def test_uspto_v47_inventors_and_cpc(samples: Path) -> None:
    from stclusters.readers import read_inputs

    zpath = samples / "patents" / "uspto" / "uspto-2023-04" / "2022" / "ipgb20221025_wk43.zip"
    records = read_inputs([zpath]).records
    rows = _people(records, "US-11617522-B2")
    assert rows[0]["name"] == "Li, Xin X."
    assert (rows[0]["city"], rows[0]["country"]) == ("Shanghai", "CN")
    applicants = [a for a in records.applicants.to_pylist() if a["doc_id"] == "US-11617522-B2"]
    assert applicants == [
        {"doc_id": "US-11617522-B2", "name": "MEDTRONIC MINIMED, INC.", "country": "US"}
    ]
    classes = {
        (c["scheme"], c["code"])
        for c in records.classes.to_pylist()
        if c["doc_id"] == "US-11617522-B2"
    }
    assert ("cpc", "A61B 5/14532") in classes
    assert ("ipc", "A61B 5/145") in classes


def test_epo_postcode_in_city(samples: Path) -> None:
    # application/v1-0-A1.xml: <city>Ichihara-shi,\nChiba 290-8566</city>, IPC " 7C 07C  29/44"
    records = read_epo(samples / "patents" / "epo" / "application" / "v1-0-A1.xml").records
    rows = _people(records, "EP-1325900-A1")
    assert [(r["name"], r["city"], r["region"], r["postcode"], r["country"]) for r in rows] == [
        ("TOHMA, Toshihiko", "Ichihara-shi", "Chiba", "290-8566", "JP"),
        ("WADA, Akihiro", "Ichihara-shi", "Chiba", "290-8566", "JP"),
    ]
    assert [c["code"] for c in records.classes.to_pylist()] == ["C07C 29/44", "C07C 31/38"]
    assert records.applicants.to_pylist()[0]["name"] == "ASAHI GLASS COMPANY LTD."
    # grant/v1-5-B1.xml: "50374 Erftstadt", proprietor (B731) as applicant
    records = read_epo(samples / "patents" / "epo" / "grant" / "v1-5-B1.xml").records
    row = _people(records, "EP-3404678-B1")[0]
    assert (row["city"], row["postcode"], row["country"]) == ("Erftstadt", "50374", "DE")
    assert records.applicants.to_pylist()[0]["name"] == "General Electric Technology GmbH"


def test_pct_fixture(data: Path) -> None:
    result = read_pct(data / "pct_st36.xml")
    records = result.records
    assert records.documents.column("doc_id").to_pylist() == ["WO-2021123456", "WO-2022000777"]
    rows = _people(records, "WO-2021123456")
    assert [(r["name"], r["city"], r["postcode"], r["country"]) for r in rows] == [
        ("WANG, Wei", "Zhengzhou", "450001", "CN"),
        ("MÜLLER, Anna", "München", "80331", "DE"),
    ]
    assert [a["name"] for a in records.applicants.to_pylist()][:2] == [
        "ZHENGZHOU UNIVERSITY",
        "WANG, Wei",
    ]
    codes = [c["code"] for c in records.classes.to_pylist()]
    assert codes == ["H04L 29/06", "H04W 4/70", "G06F 17/30", "G06N 3/08"]
    account = result.accounts[0]
    assert account.records_rejected == 1
    assert account.problems[0].record == 3


def test_patentsview_fixture(data: Path) -> None:
    result = read_patentsview(data / "patentsview")
    records = result.records
    records.validate()
    rows = _people(records, "US-10000001-B2")
    assert [(r["name"], r["city"], r["country"], r["lat"], r["precision"]) for r in rows] == [
        ("Ada Lovelace", "London", "GB", 51.5074, "city"),
        ("Charles Babbage", "Cambridge", "US", 42.3736, "city"),
    ]
    assert _people(records, "US-10000003-B1")[0]["lat"] is None
    account = result.accounts[0]
    assert (account.records_read, account.records_kept, account.records_rejected) == (4, 3, 1)
    assert {
        (c["scheme"], c["code"])
        for c in records.classes.to_pylist()
        if c["doc_id"] == "US-10000001-B2"
    } == {
        ("ipc", "F16H 55/06"),
        ("ipc", "B62M 9/00"),
        ("cpc", "F16H 55/06"),
    }
