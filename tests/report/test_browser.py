"""The site in headless Chromium (Debian's ``chromium``), offline, from file:// URLs.

Each page is watched: any console error, page error, failed load or request that is not
``file:`` or ``data:`` fails the test (such requests are also blocked, and the browser runs with
a dead proxy and a resolver that finds no host). Screenshots go to ``out/test-artifacts/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stclusters.report import text

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]


def _chromium() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A fresh headless Chromium profile with networking cut off."""
    exe = _chromium()
    if exe is None:
        reason = (
            "Debian's chromium is not installed: run `make browser-deps` (apt-get install chromium)"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    pw = sync_api.sync_playwright().start()
    ctx = pw.chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("chromium-profile")),
        executable_path=exe,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 900},
        service_workers="block",
    )
    blocked: list[str] = []

    def block(route: Any) -> None:
        blocked.append(route.request.url)
        route.abort()

    ctx.route(re.compile(r"^(?!file:|data:)"), block)
    ctx.blocked = blocked
    try:
        yield ctx
    finally:
        ctx.close()
        pw.stop()
    assert not blocked, f"requests left for the network: {blocked}"


class Watched:
    """A page whose requests and console messages are recorded."""

    def __init__(self, context: Any) -> None:
        self.page = context.new_page()
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("websocket", lambda ws: self.problems.append(f"websocket {ws.url}"))
        self.page.on(
            "console",
            lambda m: (
                self.problems.append(f"console.{m.type}: {m.text}") if m.type == "error" else None
            ),
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on(
            "requestfailed",
            lambda r: self.problems.append(f"failed: {r.url} {r.failure}"),
        )

    def open(self, path: Path) -> Any:
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_load_state("load")
        return self.page

    def check(self) -> None:
        external = [u for u in self.requests if not u.startswith(("file:", "data:"))]
        assert not external, f"requests that leave the machine: {external}"
        assert not self.problems, self.problems
        self.page.close()


def _rows(site: Path) -> list[dict[str, Any]]:
    return list(json.loads((site / "ranking.json").read_text(encoding="utf-8"))["rows"])


def _profiles(site: Path) -> list[dict[str, Any]]:
    return list(json.loads((site / "profiles.json").read_text(encoding="utf-8"))["profiles"])


def _norm(s: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn"
    ).lower()


def _column(page: Any, table: str, col: int) -> list[float]:
    return [
        float(v)
        for v in page.eval_on_selector_all(
            f"#{table} tbody tr:not([hidden])",
            f"rows => rows.map(r => r.cells[{col}].getAttribute('data-v'))",
        )
    ]


def test_index_map_draws_the_clusters(context: Any, site: Path, artifacts: Path) -> None:
    w = Watched(context)
    page = w.open(site / "index.html")
    rows = _rows(site)
    assert page.title().startswith("Science and technology clusters 2024")
    boxes = page.eval_on_selector_all(
        "#world a[data-id] circle",
        """cs => { const s = document.getElementById('world').getBoundingClientRect();
          return cs.map(c => { const b = c.getBoundingClientRect();
            return [b.width, b.left >= s.left - 1 && b.right <= s.right + 1 &&
                    b.top >= s.top - 1 && b.bottom <= s.bottom + 1]; }); }""",
    )
    assert len(boxes) == len(rows)
    assert all(width > 2 for width, _ in boxes)
    assert sum(inside for _, inside in boxes) >= len(rows) - 2  # a few may sit on the edge
    assert page.locator("#world path.footprint").count() == len(_profiles(site))
    assert any(u.endswith("/assets/world.svg") for u in w.requests)
    assert any(u.endswith("/assets/site.js") for u in w.requests)
    page.screenshot(path=str(artifacts / "index.png"), full_page=True)
    page.locator("#world").screenshot(path=str(artifacts / "index-map.png"))
    w.check()


def test_tables_sort(context: Any, site: Path) -> None:
    w = Watched(context)
    page = w.open(site / "index.html")
    n = len(_rows(site))
    assert _column(page, "size", 0) == list(range(1, n + 1))
    patents = page.locator("#size thead th").nth(3)
    patents.locator("button").click()
    assert patents.get_attribute("aria-sort") == "descending"
    values = _column(page, "size", 3)
    assert values == sorted(values, reverse=True) and len(values) == n
    patents.locator("button").click()
    assert patents.get_attribute("aria-sort") == "ascending"
    assert _column(page, "size", 3) == sorted(values)
    population = page.locator("#intensity thead th").nth(5)
    population.locator("button").click()
    pops = _column(page, "intensity", 5)
    assert pops == sorted(pops, reverse=True)
    page.locator("#size thead th").nth(0).locator("button").click()
    assert _column(page, "size", 0) == sorted(_column(page, "size", 0))
    w.check()


def test_search_and_economy_filter(context: Any, site: Path, artifacts: Path) -> None:
    w = Watched(context)
    page = w.open(site / "index.html")
    rows = _rows(site)
    query = "sao"  # matches São Paulo–Campinas without the accent
    expected = [r for r in rows if query in _norm(r["name"])]
    assert expected
    page.fill("#q", query)
    visible = page.eval_on_selector_all(
        "#size tbody tr:not([hidden])", "rs => rs.map(r => r.dataset.id)"
    )
    assert sorted(visible) == sorted(str(r["cluster_id"]) for r in expected)
    assert page.locator("#world a[data-id]:not(.off)").count() == len(expected)
    assert page.inner_text("#status") == f"Showing {len(expected)} of {len(rows)} clusters."
    page.fill("#q", "")
    counts: dict[str, int] = {}
    for r in rows:
        for code in r["economies"].split(";"):
            counts[code] = counts.get(code, 0) + 1
    code = sorted(counts, key=lambda c: (-counts[c], c))[1]
    page.select_option("#econ", code)
    shown = page.eval_on_selector_all(
        "#size tbody tr:not([hidden])", "rs => rs.map(r => r.dataset.econ)"
    )
    assert len(shown) == counts[code]
    assert all(code in econ.split() for econ in shown)
    with_int = [r for r in rows if r["intensity_rank"] and code in r["economies"].split(";")]
    assert page.locator("#intensity tbody tr:not([hidden])").count() == len(with_int)
    assert page.locator("#world a[data-id]:not(.off)").count() == counts[code]
    page.screenshot(path=str(artifacts / "index-filtered.png"))
    page.select_option("#econ", "")
    assert page.locator("#size tbody tr:not([hidden])").count() == len(rows)
    w.check()


def _topmost_marker(page: Any) -> dict[str, Any]:
    """A marker whose centre is not covered by another one, with its screen position."""
    found = page.evaluate(
        """() => { for (const a of document.querySelectorAll('#world a[data-id]')) {
            const c = a.querySelector('circle'); const b = c.getBoundingClientRect();
            const x = b.left + b.width / 2, y = b.top + b.height / 2;
            const hit = document.elementFromPoint(x, y);
            if (hit && a.contains(hit) && a.getAttribute('href'))
              return {id: a.dataset.id, x: x, y: y, href: a.getAttribute('href')}; }
          return null; }"""
    )
    assert found is not None, "no marker can be clicked"
    return dict(found)


def test_hover_shows_figures_and_click_opens_profile(
    context: Any, site: Path, artifacts: Path
) -> None:
    w = Watched(context)
    page = w.open(site / "index.html")
    page.locator("#world").scroll_into_view_if_needed()
    marker = _topmost_marker(page)
    row = next(r for r in _rows(site) if str(r["cluster_id"]) == marker["id"])
    page.mouse.move(marker["x"], marker["y"])
    tip = page.locator("#tip")
    tip.wait_for(state="visible")
    assert tip.locator("strong").inner_text() == row["name"]
    assert text.format_count(row["patents"]) in tip.inner_text()
    page.screenshot(path=str(artifacts / "index-hover.png"))
    with page.expect_navigation():
        page.mouse.click(marker["x"], marker["y"])
    assert page.url.endswith(f"/profiles/{row['slug']}.html")
    assert page.locator("h1").inner_text().startswith(row["name"])
    w.check()


def test_map_zoom(context: Any, site: Path) -> None:
    w = Watched(context)
    page = w.open(site / "index.html")
    width0 = float(page.get_attribute("#world", "viewBox").split()[2])
    r0 = float(page.locator("#world circle").first.get_attribute("r"))
    page.click("#zoom-in")
    width1 = float(page.get_attribute("#world", "viewBox").split()[2])
    assert width1 == pytest.approx(width0 / 2, rel=1e-3)
    assert float(page.locator("#world circle").first.get_attribute("r")) < r0
    page.click("#zoom-reset")
    assert float(page.get_attribute("#world", "viewBox").split()[2]) == pytest.approx(width0)
    w.check()


@pytest.mark.parametrize("which", ["first", "odd-name"])
def test_profile_page(context: Any, site: Path, artifacts: Path, which: str) -> None:
    profiles = _profiles(site)
    prof = profiles[0] if which == "first" else next(p for p in profiles if "<" in p["name"])
    w = Watched(context)
    page = w.open(site / "profiles" / f"{prof['slug']}.html")
    assert page.locator("h1").inner_text() == text.title(prof)
    assert page.locator("#footprint-map path.footprint").count() == 1
    box = page.locator("#footprint-map path.footprint").bounding_box()
    assert box is not None and box["width"] > 10 and box["height"] > 10
    located = {
        loc["name"]
        for k in ("patent_collaboration", "article_collaboration")
        for loc in prof[k]["top_locations"]
        if loc.get("lat") is not None
    }
    assert page.locator("#collab-map circle.partner").count() == len(located)
    bars = len(prof["top_tech_fields"][:10]) + len(prof["top_science_fields"][:10])
    assert page.locator("svg.bars rect.bar").count() == bars
    assert page.locator("table.data").count() >= 4
    assert page.locator(f'a[href="{prof["slug"]}.pdf"]').count() == 1
    page.screenshot(path=str(artifacts / f"profile-{which}.png"), full_page=True)
    page.click("text=All clusters")
    page.wait_for_load_state("load")
    assert page.url.endswith("/index.html")
    w.check()


def test_phone_layout(context: Any, site: Path, artifacts: Path) -> None:
    w = Watched(context)
    page = w.page
    page.set_viewport_size({"width": 390, "height": 844})
    prof = _profiles(site)[0]
    for name, path in (
        ("index", site / "index.html"),
        ("profile", site / "profiles" / f"{prof['slug']}.html"),
    ):
        w.open(path)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name}: the page is {overflow}px wider than a phone"
        page.screenshot(path=str(artifacts / f"phone-{name}.png"), full_page=True)
    w.check()
