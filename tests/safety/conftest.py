"""A small world as a records folder and a finished run of it (the 'previous output')."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from stclusters.records import write_records
from worlds import small_world

#: The command line of a run of the small world (five clusters with min_points 40).
RUN_ARGS = ["--min-points", "40", "--no-site"]


def stclusters(*args: str) -> list[str]:
    """The command line of stclusters run by this Python (works without the venv's script)."""
    return [sys.executable, "-m", "stclusters.cli", *args]


@pytest.fixture(scope="session")
def small_world_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small hand-built world of tests/worlds.py written as a records folder."""
    return write_records(small_world(), tmp_path_factory.mktemp("safety") / "world")


@pytest.fixture(scope="session")
def previous_output(small_world_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished run of the small world: the output a killed run must leave intact."""
    out = tmp_path_factory.mktemp("previous") / "out"
    done = subprocess.run(
        stclusters("run", str(small_world_folder), "--out", str(out), *RUN_ARGS),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }
