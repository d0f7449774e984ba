"""Fixtures of the report tests: made-up output folders and the sites written from them.

The folders come from ``write_sample_run`` of tests/sample_run.py (random but valid ranking,
profiles, footprints and accounts), so these tests do not depend on the pipeline.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from sample_run import write_sample_run
from stclusters.report import write_site

ARTIFACTS = Path(__file__).resolve().parents[2] / "out" / "test-artifacts"


def make_run(folder: Path, *, clusters: int = 24, extra_rows: int = 3, seed: int = 7) -> Path:
    """Write a made-up output folder (ranking, profiles, footprints, accounts)."""
    return write_sample_run(folder, clusters=clusters, extra_rows=extra_rows, seed=seed)


def load(folder: Path, name: str) -> Any:
    """Read one JSON file of an output folder."""
    return json.loads((folder / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder of 24 top clusters (plus 3 more rows) with its site written."""
    folder = make_run(tmp_path_factory.mktemp("site"))
    write_site(folder)
    return folder


@pytest.fixture()
def run_folder(tmp_path: Path) -> Path:
    """A fresh small output folder without a site (tests may break its files)."""
    return make_run(tmp_path / "out", clusters=5, extra_rows=0, seed=3)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """The folder for screenshots and other test artefacts (gitignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def copy_run(src: Path, dst: Path) -> Path:
    """Copy only the pipeline's files of an output folder."""
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("ranking.json", "profiles.json", "clusters.geojson", "accounts.json"):
        if (src / name).exists():
            shutil.copy(src / name, dst / name)
    return dst
