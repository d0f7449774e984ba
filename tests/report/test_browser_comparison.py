"""The comparison page (``stclusters compare``) in headless Chromium, offline (the browser
set-up of test_browser.py), from the hand-made editions of tests/test_compare.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from report.test_browser import Watched
from report.test_browser import context as context  # the fixture: headless Chromium, offline
from stclusters.compare import compare_runs
from stclusters.report.comparison import write_comparison_page
from test_compare import editions

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    a, b = editions(tmp_path_factory.mktemp("comparison"))
    return write_comparison_page(compare_runs(a, b), b)


def test_the_comparison_page_loads_offline_and_sorts(
    context: Any, page_path: Path, artifacts: Path
) -> None:
    w = Watched(context)
    page = w.open(page_path)
    assert page.inner_text("h1") == "Editions 2023 and 2024 compared"
    headings = page.eval_on_selector_all("#comparison thead th", "ths => ths.map(t => t.innerText)")
    assert headings[:4] == ["Rank 2024", "Cluster", "Key", "Status"]
    # a row per link with a cluster published in either edition: Lyon twice (the merge), Aarau
    # (not published itself) as a part of the published Basel of 2023
    names = page.eval_on_selector_all(
        "#comparison tbody tr",
        "rows => rows.map(r => r.cells[1].textContent.trim().split(' (was ')[0])",
    )
    assert sorted(names) == [
        "Aarau",
        "Basel",
        "Lisbon",
        "Lyon",
        "Lyon",
        "Munich–Augsburg",
        "Porto",
    ]
    growth = page.locator("#comparison thead th").nth(8)
    growth.locator("button").click()  # numbers sort largest first on the first click
    assert growth.get_attribute("aria-sort") == "descending"
    first = page.eval_on_selector("#comparison tbody tr", "r => r.cells[1].textContent.trim()")
    assert first == "Munich–Augsburg (was Munich)"  # +30%, the largest growth
    assert "merged into Lyon (2024)" in page.inner_text("main")
    page.screenshot(path=str(artifacts / "comparison.png"), full_page=True)
    w.check()
