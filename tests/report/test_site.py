"""The written site: files, links that stay on disk, Markdown and HTML agreeing, accessibility."""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sample_run import write_sample_run
from stclusters.cli import app
from stclusters.report import profile_markdown, text, write_site


class Page(HTMLParser):
    """Collects a page's text, links, tags and headings."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[tuple[str, str, str]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[int] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        for key in ("href", "src"):
            if a.get(key) is not None:
                self.links.append((tag, key, str(a[key])))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)

    @property
    def plain(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text))


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def profiles(folder: Path) -> list[dict[str, Any]]:
    doc = json.loads((folder / "profiles.json").read_text(encoding="utf-8"))
    return list(doc["profiles"])


def test_files_are_written(site: Path) -> None:
    for name in (
        "index.html",
        "assets/site.css",
        "assets/site.js",
        "assets/world.svg",
        "assets/LICENSE-world-atlas.txt",
    ):
        assert (site / name).is_file(), name
    for p in profiles(site):
        assert (site / "profiles" / f"{p['slug']}.html").is_file()
        pdf = (site / "profiles" / f"{p['slug']}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF-")
        pages = len(re.findall(rb"/Type /Page\b", pdf))
        assert 1 <= pages <= 2, (p["slug"], pages)


def test_every_link_stays_in_the_folder(site: Path) -> None:
    pages = [site / "index.html", *sorted((site / "profiles").glob("*.html"))]
    checked = 0
    for path in pages:
        for tag, _key, url in parse(path).links:
            if url.startswith(("#", "data:")):
                continue
            assert not re.match(r"^[a-z][a-z0-9+.-]*:", url), f"{path.name}: {tag} -> {url}"
            assert not url.startswith("//"), url
            target = (path.parent / url.split("#")[0]).resolve()
            assert target.is_file(), f"{path.name}: broken link {url}"
            assert site.resolve() in target.parents
            checked += 1
    assert checked > 100
    for asset in (site / "assets").iterdir():
        content = asset.read_text(encoding="utf-8")
        urls = re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"')]*", content)
        allowed = {"http://www.w3.org/2000/svg"}
        if asset.suffix == ".txt":
            continue
        assert set(urls) <= allowed, (asset.name, urls)
    for path in pages:
        html = path.read_text(encoding="utf-8")
        assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html)
        assert "@import" not in html and "url(http" not in html


def test_markdown_and_html_agree(site: Path) -> None:
    """Every number and name of the Markdown profile is in the HTML page's text."""
    checked = 0
    doc = json.loads((site / "profiles.json").read_text(encoding="utf-8"))
    for p in profiles(site):
        md = (site / "profiles" / f"{p['slug']}.md").read_text(encoding="utf-8")
        assert md == profile_markdown(p, top_n=doc["top_n"], edition=doc["edition"])
        page = parse(site / "profiles" / f"{p['slug']}.html").plain
        unescaped = re.sub(r"\\(.)", r"\1", md)
        numbers = set(re.findall(r"(?<![\w.])<?\d[\d,]*(?:\.\d+)?%?", unescaped))
        cells = set()
        for line in unescaped.splitlines():
            if line.startswith("|") and not line.startswith("|-") and not line.startswith("|:"):
                cells.update(c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1])
        strong = set(re.findall(r"\*\*(.+?)\*\*", unescaped))
        sentences = [
            re.sub(r"\*\*", "", line)
            for line in unescaped.splitlines()
            if line and not line.startswith(("|", "#"))
        ]
        for item in sorted(numbers | cells | strong) + sentences:
            item = re.sub(r"^- ", "", item)
            assert item in page, f"{p['slug']}: {item!r} is in the Markdown but not in the HTML"
            checked += 1
    assert checked > 1000


def test_names_are_escaped(site: Path) -> None:
    odd = next(p for p in profiles(site) if "<" in p["name"])
    path = site / "profiles" / f"{odd['slug']}.html"
    page = parse(path)
    assert all(tag != "test" for tag, _ in page.tags)
    assert odd["name"] in page.plain
    index = parse(site / "index.html")
    assert all(tag != "test" for tag, _ in index.tags)
    data = re.search(
        r'<script type="application/json" id="cluster-data">(.*?)</script>',
        (site / "index.html").read_text(encoding="utf-8"),
        re.S,
    )
    assert data is not None
    assert odd["name"] in [v["name"] for v in json.loads(data.group(1)).values()]


def test_index_lists_every_row_in_both_tables(site: Path) -> None:
    ranking = json.loads((site / "ranking.json").read_text(encoding="utf-8"))["rows"]
    html = (site / "index.html").read_text(encoding="utf-8")
    size = html.split('id="size"')[1].split("</table>")[0]
    intensity = html.split('id="intensity"')[1].split("</table>")[0]
    assert size.count("<tr data-econ") == len(ranking)
    assert intensity.count("<tr data-econ") == sum(1 for r in ranking if r["intensity_rank"])
    ids_in_order = re.findall(r'<tr data-econ="[^"]*" data-id="(\d+)"', intensity)
    by_id = {str(r["cluster_id"]): r for r in ranking}
    assert [by_id[i]["intensity_rank"] for i in ids_in_order] == list(
        range(1, len(ids_in_order) + 1)
    )
    linked = re.findall(r'<a href="profiles/([a-z0-9-]+)\.html"', size)
    assert len(linked) == len(profiles(site))


def test_pages_are_accessible(site: Path) -> None:
    for path in [site / "index.html", *sorted((site / "profiles").glob("*.html"))[:5]]:
        html = path.read_text(encoding="utf-8")
        page = parse(path)
        assert '<html lang="en">' in html
        assert 'name="viewport"' in html
        assert page.headings.count(1) == 1, path.name
        for a, b in zip(page.headings, page.headings[1:], strict=False):
            assert b <= a + 1, f"{path.name}: heading level jumps from h{a} to h{b}"
        for tag, attrs in page.tags:
            if tag == "svg":
                assert attrs.get("role") in ("img", "group"), path.name
                assert attrs.get("aria-labelledby"), path.name
            if tag == "th":
                assert attrs.get("scope") in ("col", "row"), path.name
            if tag in ("input", "select"):
                assert f'for="{attrs["id"]}"' in html
        assert html.count("<table") == html.count("<caption")
        assert "Skip to the content" in page.plain
        if path.name == "index.html":  # the map's links must stay visible to screen readers
            assert 'id="world" class="map" viewBox' in html
            assert re.search(r'<svg id="world"[^>]*role="group"', html)


def _luminance(hex_color: str) -> float:
    rgb = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_text_colours_have_enough_contrast(site: Path) -> None:
    css = (site / "assets" / "site.css").read_text(encoding="utf-8")
    var = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", css))
    pairs = [
        ("ink", "bg"),
        ("muted", "bg"),
        ("accent", "bg"),
        ("accent-ink", "accent"),
        ("ink", "soft"),
        ("muted", "soft"),
        ("accent", "soft"),
        ("ink", "sea"),
    ]
    for fg, bg in pairs:
        assert _contrast(var[fg], var[bg]) >= 4.5, (fg, bg, _contrast(var[fg], var[bg]))


def _digest(folder: Path) -> dict[str, str]:
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".pdf", ".svg", ".css", ".js"):
            out[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def test_output_is_deterministic(tmp_path: Path) -> None:
    a = write_sample_run(tmp_path / "a", clusters=4, seed=11)
    b = write_sample_run(tmp_path / "b", clusters=4, seed=11)
    write_site(a)
    write_site(b)
    da, db = _digest(a), _digest(b)
    assert len(da) == 4 * 2 + 4  # html and pdf per profile; index, css, js, svg
    assert da == db


def test_title_option(run_folder: Path) -> None:
    write_site(run_folder, title="Clusters & more", pdf=False)
    html = (run_folder / "index.html").read_text(encoding="utf-8")
    assert "<title>Clusters &amp; more</title>" in html
    page = next((run_folder / "profiles").glob("*.html")).read_text(encoding="utf-8")
    assert "Clusters &amp; more</title>" in page


def test_markdown_link_only_when_written(run_folder: Path) -> None:
    first = profiles(run_folder)[0]
    (run_folder / "profiles").mkdir(exist_ok=True)
    (run_folder / "profiles" / f"{first['slug']}.md").write_text(profile_markdown(first))
    write_site(run_folder, pdf=False, markdown=False)
    with_md = (run_folder / "profiles" / f"{first['slug']}.html").read_text(encoding="utf-8")
    assert f'href="{first["slug"]}.md"' in with_md
    other = profiles(run_folder)[1]
    without = (run_folder / "profiles" / f"{other['slug']}.html").read_text(encoding="utf-8")
    assert '.md"' not in without


def test_site_stays_light(site: Path) -> None:
    n = len(profiles(site))
    per_profile = (
        sum(
            f.stat().st_size for f in (site / "profiles").iterdir() if f.suffix in (".html", ".pdf")
        )
        / n
    )
    assert per_profile < 120_000
    assert (site / "index.html").stat().st_size < 400_000


def test_cli_report(run_folder: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["report", str(run_folder), "--no-pdf"])
    assert result.exit_code == 0, result.output
    assert "site written" in result.output
    assert (run_folder / "index.html").is_file()
    assert not list((run_folder / "profiles").glob("*.pdf"))
    bad = runner.invoke(app, ["report", str(tmp_path / "missing")])
    assert bad.exit_code == 2
    assert "not a folder; give the output folder" in " ".join(bad.output.split())


@pytest.mark.parametrize("clusters", [1, 2])
def test_tiny_runs(tmp_path: Path, clusters: int) -> None:
    folder = write_sample_run(tmp_path, clusters=clusters, seed=5)
    index = write_site(folder)
    assert index.is_file()
    assert len(list((folder / "profiles").glob("*.pdf"))) == clusters


def pdf_text(path: Path) -> list[str]:
    """The strings a PDF written by reportlab shows (its Tj operands), in order."""
    data = path.read_bytes()
    streams = re.findall(rb"stream\r?\n(.*?)endstream", data, re.S)
    content = "".join(zlib.decompressobj().decompress(s).decode("latin-1") for s in streams)
    pieces = re.findall(r"\(((?:[^()\\]|\\.)*)\) Tj", content)

    def unescape(piece: str) -> str:  # PDF string escapes; the font's encoding is cp1252
        raw = re.sub(r"\\([0-7]{1,3})", lambda m: chr(int(m.group(1), 8)), piece)
        raw = re.sub(r"\\(.)", r"\1", raw)
        return raw.encode("latin-1").decode("cp1252")

    return [unescape(p) for p in pieces]


def test_pdf_and_markdown_agree(site: Path) -> None:
    """The PDF holds the Markdown's sentences, tables and figures (fields as bars)."""
    from stclusters.report.pdf import _latin

    checked = 0
    for p in profiles(site):
        pieces = pdf_text(site / "profiles" / f"{p['slug']}.pdf")
        squeezed = re.sub(r"\s+", "", "".join(pieces))
        md = (site / "profiles" / f"{p['slug']}.md").read_text(encoding="utf-8")
        plain = re.sub(r"\\(.)", r"\1", md)
        for line in plain.splitlines():
            if not line or line.startswith(("|", "#")):
                continue
            line = _latin(re.sub(r"^- ", "", line.replace("**", "")))
            assert re.sub(r"\s+", "", line) in squeezed, f"{p['slug']}: {line!r} not in PDF"
            checked += 1
        for table in [
            *text.profile_tables(p)[:2],
            text.location_table(p, "patents"),
            text.location_table(p, "articles"),
        ]:
            for row in table.rows:
                for cell in row:
                    assert re.sub(r"\s+", "", _latin(cell)) in squeezed, (p["slug"], cell)
                    checked += 1
        for item in p["top_tech_fields"][:10] + p["top_science_fields"][:10]:
            value = f"{text.format_share(item['share'])} ({text.format_count(item['count'])})"
            assert value in pieces, (p["slug"], value)
            checked += 1
    assert checked > 500
