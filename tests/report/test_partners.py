"""Each profile's strongest partner clusters are the same in every output of a run (issue 14
item 5): the HTML page, the Markdown and PDF profiles and the workbook's "Profiles" sheet all
list :func:`stclusters.report.network.partners_of` of the run's links, in the same order."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from report.test_network import check_vosviewer_files
from report.test_site import pdf_text
from stclusters.measure.links import link_strength
from stclusters.pipeline import run
from stclusters.records import write_records
from stclusters.report import network, text
from stclusters.report.excel import WORKBOOK_FILE
from stclusters.report.pdf import _latin
from worlds import SMALL_CONFIG, small_world

openpyxl = pytest.importorskip("openpyxl", reason="openpyxl (the dev extra) reads the workbook")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small world run with its site (HTML, Markdown and PDF profiles)."""
    base = tmp_path_factory.mktemp("partners")
    folder = write_records(small_world(), base / "world")
    run([folder], out=base / "out", config=SMALL_CONFIG, write_site=True)
    return base / "out"


class _Partners(HTMLParser):
    """The names in a profile page's ``<ol class="partners">``, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[str] = []
        self._in_list = self._in_item = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "ol" and ("class", "partners") in attrs:
            self._in_list = True
        elif tag == "li" and self._in_list:
            self._in_item = True
            self.items.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "ol":
            self._in_list = False
        elif tag == "li":
            self._in_item = False

    def handle_data(self, data: str) -> None:
        if self._in_item:
            self.items[-1] += data


def _markdown_partners(md: str) -> list[str]:
    """The numbered items under the Markdown profile's partners heading, unescaped."""
    if f"### {text.PARTNERS_HEADING}" not in md:
        return []
    part = md.split(f"### {text.PARTNERS_HEADING}", 1)[1]
    items = re.findall(r"^(\d+)\. (.*)$", part.split("\n\n\n")[0].split("\n#")[0], re.M)
    assert [int(n) for n, _ in items] == list(range(1, len(items) + 1))
    return [re.sub(r"\\(.)", r"\1", item) for _, item in items]


def _sheet_partners(path: Path) -> dict[int, list[tuple[int, str, str]]]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book["Profiles"].iter_rows(values_only=True))
    header = [str(c) for c in rows[0]]
    out: dict[int, list[tuple[int, str, str]]] = {}
    for row in rows[1:]:
        cell = dict(zip(header, row, strict=True))
        if cell["section"] == "partners" and cell["item"] is not None:
            out.setdefault(int(cell["cluster_id"]), []).append(
                (int(cell["position"]), str(cell["item"]), str(cell["detail"]))
            )
    return out


def test_every_output_lists_the_same_partners(out: Path) -> None:
    links = network.read_links(out)
    profiles = json.loads((out / "profiles.json").read_text(encoding="utf-8"))["profiles"]
    sheet = _sheet_partners(out / WORKBOOK_FILE)
    listed = 0
    for prof in profiles:
        cid, slug = int(prof["cluster_id"]), prof["slug"]
        partners = network.partners_of(links, cid, limit=network.SITE_PARTNERS)
        # the one list, in words: "Name: 12.5 patents (20 whole), 3.0 articles (4 whole) shared"
        said = [s.text for s in text.partner_sentences(partners)]
        assert said == [f"{p['name']}: {network.link_figures(p)}" for p in partners]
        page = _Partners()
        page.feed((out / "profiles" / f"{slug}.html").read_text(encoding="utf-8"))
        assert [re.sub(r"\s+", " ", item).strip() for item in page.items] == said, slug
        md = (out / "profiles" / f"{slug}.md").read_text(encoding="utf-8")
        assert _markdown_partners(md) == said, slug
        pdf = re.sub(r"\s+", "", "".join(pdf_text(out / "profiles" / f"{slug}.pdf")))
        assert (text.PARTNERS_HEADING.replace(" ", "") in pdf) == bool(partners), slug
        at = 0
        for i, sentence in enumerate(said, start=1):  # in order
            at = pdf.find(re.sub(r"\s+", "", _latin(f"{i}. {sentence}")), at)
            assert at >= 0, (slug, sentence)
        rows = sheet.get(cid, [])
        assert [(pos, name) for pos, name, _ in rows] == [
            (i, p["name"]) for i, p in enumerate(partners, start=1)
        ]
        for (_, _, detail), p in zip(rows, partners, strict=True):
            assert f"cluster_id: {p['cluster_id']}" in detail
            assert f"patents_whole: {p['patents_whole']}" in detail
        listed += len(partners)
    assert listed >= 2, "the small world's clusters share no documents: nothing was compared"


def test_the_partners_come_from_links_between_published_clusters_strongest_first(
    out: Path,
) -> None:
    links = network.read_links(out)
    ids = {r["cluster_id"] for r in json.loads((out / "ranking.json").read_text())["rows"]}
    assert links and all(k["source"] in ids and k["target"] in ids for k in links)
    strengths = [link_strength(k) for k in links]
    assert strengths == sorted(strengths, reverse=True)


def test_a_runs_vosviewer_files_follow_the_documented_format(out: Path) -> None:
    """The run's VOSviewer map and network files, checked column by column against the
    VOSviewer manual's map and network file formats, hold the ranking and links.csv."""
    items, edges = check_vosviewer_files(out)
    rows = json.loads((out / "ranking.json").read_text(encoding="utf-8"))["rows"]
    assert [int(i["id"]) for i in items] == [r["rank"] for r in rows]
    assert [i["label"] for i in items] == [r["name"] for r in rows]
    rank = {r["cluster_id"]: r["rank"] for r in rows}
    links = network.read_links(out)
    assert len(links) >= 1
    assert edges == [
        (rank[k["source"]], rank[k["target"]], pytest.approx(link_strength(k), rel=1e-12))
        for k in links
    ]
