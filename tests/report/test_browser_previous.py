"""The rank change on the site, in headless Chromium (issue 14 item 4): the size ranking's
"Change" column and the profile's rank lines, from a made-up output folder whose rows carry
``previous_rank``, ``rank_change`` and ``new`` (the browser set-up of test_browser.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from report.conftest import load, make_run
from report.test_browser import Watched
from report.test_browser import context as context  # the fixture: headless Chromium, offline
from stclusters.report import write_site

pytestmark = pytest.mark.browser

#: rank -> (previous_rank, rank_change, new); other rows keep their rank
CHANGES: dict[int, tuple[int | None, int | None, bool]] = {
    1: (4, 3, False),
    2: (None, None, True),
    3: (3, 0, False),
    4: (2, -2, False),
}


@pytest.fixture(scope="module")
def changed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = make_run(tmp_path_factory.mktemp("previous-site"), clusters=8, extra_rows=0, seed=11)
    ranking = load(folder, "ranking.json")
    profiles = load(folder, "profiles.json")
    for row in [*ranking["rows"], *profiles["profiles"]]:
        before, change, new = CHANGES.get(row["rank"], (row["rank"], 0, False))
        row.update(previous_rank=before, rank_change=change, new=new)
    for prof in profiles["profiles"]:
        prof["previous_edition"] = 2023
    (folder / "ranking.json").write_text(json.dumps(ranking), encoding="utf-8")
    (folder / "profiles.json").write_text(json.dumps(profiles), encoding="utf-8")
    write_site(folder, pdf=False)
    return folder


def _change_cells(page: Any) -> list[list[str | None]]:
    return page.eval_on_selector_all(
        "#size tbody tr",
        """rows => rows.map(r => [r.cells[0].textContent.trim(), r.cells[2].textContent.trim(),
            r.cells[2].getAttribute('aria-label')])""",
    )


def test_the_size_ranking_shows_the_change(
    context: Any, changed_site: Path, artifacts: Path
) -> None:
    w = Watched(context)
    page = w.open(changed_site / "index.html")
    headings = page.eval_on_selector_all("#size thead th", "ths => ths.map(t => t.innerText)")
    assert headings[:3] == ["Rank", "Cluster", "Change"]
    cells = {int(rank): (shown, label) for rank, shown, label in _change_cells(page)}
    assert cells[1] == ("▲ 3", "Up 3 places from 2023")
    assert cells[2] == ("new", "New in the ranking")
    assert cells[3] == ("=", "Same rank as in 2023")
    assert cells[4] == ("▼ 2", "Down 2 places from 2023")
    assert page.locator("#size td:has-text('▲ 3')").is_visible()
    # the intensity table has no such column
    assert "Change" not in page.eval_on_selector_all(
        "#intensity thead th", "ths => ths.map(t => t.innerText)"
    )
    # sorting by the change puts the biggest rise first
    change = page.locator("#size thead th").nth(2)
    change.locator("button").click()  # numbers sort largest first on the first click
    assert change.get_attribute("aria-sort") == "descending"
    first = page.eval_on_selector("#size tbody tr:not([hidden])", "r => r.cells[2].textContent")
    assert first.strip() == "▲ 3"
    page.locator("#size").screenshot(path=str(artifacts / "index-rank-change.png"))
    w.check()


def test_the_profile_says_the_change(context: Any, changed_site: Path) -> None:
    profiles = {p["rank"]: p for p in load(changed_site, "profiles.json")["profiles"]}
    for rank, words in ((1, "Up 3 places from 2023"), (2, "New in the ranking")):
        w = Watched(context)
        page = w.open(changed_site / "profiles" / f"{profiles[rank]['slug']}.html")
        ranks = " ".join(page.inner_text("ul.ranks").split())  # the bold part is a block
        assert words in ranks
        w.check()


def test_without_a_previous_ranking_there_is_no_change_column(context: Any, site: Path) -> None:
    w = Watched(context)
    page = w.open(site / "index.html")
    headings = page.eval_on_selector_all("#size thead th", "ths => ths.map(t => t.innerText)")
    assert "Change" not in headings and headings[:2] == ["Rank", "Cluster"]
    w.check()
