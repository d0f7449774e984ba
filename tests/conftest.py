"""Shared fixtures: the real samples of ../shared (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The project's shared folder (specs, real samples, calibration); skip when absent."""
    if not (SHARED / "data").is_dir():
        pytest.skip(f"the shared folder {SHARED} is absent: real samples are not available here")
    return SHARED


@pytest.fixture(scope="session")
def samples_dir(shared_dir: Path) -> Path:
    """The real sample inputs."""
    path = shared_dir / "data" / "samples"
    if not path.is_dir():
        pytest.skip(f"{path} is absent: real samples are not available here")
    return path


@pytest.fixture(scope="session")
def cases(shared_dir: Path) -> Path:
    """The small inputs reproducing reported faults (``../shared/data/cases``)."""
    path = shared_dir / "data" / "cases"
    if not path.is_dir():
        pytest.skip(f"{path} is absent: the fault-reproducing cases are not available here")
    return path


@pytest.fixture(scope="session")
def calibration_dir(shared_dir: Path) -> Path:
    """The calibration figures of the synthetic world."""
    path = shared_dir / "data" / "calibration"
    if not path.is_dir():
        pytest.skip(f"{path} is absent: calibration figures are not available here")
    return path


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's synthetic world (scale 0.05, seed 0) as a records folder, built once per test
    session: tests using it carry ``@pytest.mark.xdist_group("demo_world")`` so that they run on
    one worker (``make test`` runs pytest with ``--dist loadgroup``)."""
    from stclusters.synth import write_world
    from worlds import DEMO_SCALE, DEMO_SEED

    return write_world(tmp_path_factory.mktemp("demo") / "world", scale=DEMO_SCALE, seed=DEMO_SEED)
