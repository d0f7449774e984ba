"""The site says where the records went, what its inputs were, and when its data are synthetic
(issue 11 item 6)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sample_run import write_sample_run
from stclusters.report import write_site


def _accounts(*, synthetic: bool) -> dict[str, Any]:
    return {
        "edition": 2024,
        "windows": {"patent": [2019, 2023], "article": [2018, 2022]},
        "inputs": {
            "records_folders": [
                {"path": "demo-world", "rows": {"documents": 120}, "synthetic": synthetic}
            ],
            "files": [
                {
                    "path": "exports/savedrecs.txt",
                    "format": "wos",
                    "role": "records",
                    "layers": ["article"],
                    "records_read": 10,
                    "records_kept": 7,
                    "records_rejected": 1,
                    "duplicates_dropped": 2,
                    "problems_total": 1,
                    "problems": [
                        {
                            "file": "exports/savedrecs.txt",
                            "line": 40,
                            "record": 3,
                            "record_id": None,
                            "message": "record has no UT field",
                            "skipped": True,
                        }
                    ],
                }
            ],
        },
        "documents": {
            "layers": {
                "patent": {"read": 50, "kept": 40, "outside_window": 10},
                "article": {"read": 77, "kept": 60, "outside_window": 9, "filtered_type": 8},
            }
        },
        "settings": {"eps_km": 15},
    }


def _site(tmp_path: Path, *, synthetic: bool, top_n: int) -> tuple[str, str, str]:
    folder = write_sample_run(tmp_path, clusters=3, seed=2)
    (folder / "accounts.json").write_text(json.dumps(_accounts(synthetic=synthetic)))
    profiles = json.loads((folder / "profiles.json").read_text())
    profiles["top_n"] = top_n
    (folder / "profiles.json").write_text(json.dumps(profiles))
    index = write_site(folder).read_text()
    slug = profiles["profiles"][0]["slug"]
    page = (folder / "profiles" / f"{slug}.html").read_text()
    markdown = (folder / "profiles" / f"{slug}.md").read_text()
    return index, page, markdown


def _words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_about_this_run_says_where_the_records_went(tmp_path: Path) -> None:
    index, _, _ = _site(tmp_path, synthetic=False, top_n=3)
    words = _words(index)
    assert "Where the records went" in words
    # articles: 77 in the run + 1 rejected + 2 duplicates of the read = 80 read, 60 kept
    assert "Scientific articles 80 1 2 9 0 8 0 60" in words
    assert "Patent applications 50 0 0 10 0 0 0 40" in words
    assert "demo-world records folder 120" in words
    assert "exports/savedrecs.txt wos 10 7 1 2 1" in words
    assert "exports/savedrecs.txt line 40 record 3: record has no UT field; record skipped" in words
    assert "Synthetic data" not in words
    assert "The 3 largest science and technology clusters" in words


def test_synthetic_sites_and_profiles_say_so(tmp_path: Path) -> None:
    index, page, markdown = _site(tmp_path, synthetic=True, top_n=100)
    assert "Synthetic data." in _words(index)
    assert "synthetic world" in _words(index)
    assert "Synthetic data." in _words(page)
    assert markdown.split("\n\n")[2].startswith("**Synthetic data.**")
    # 3 clusters found with a top 100 setting: never "the 100 largest"
    assert "The 3 science and technology clusters found" in _words(index)
    assert "100 largest" not in _words(index)
