"""The run as stages computes what the one-function run computed: the demo's output files are
byte-identical (``accounts.json`` aside) to those of the code before the stages issue.

The reference is the source tree of commit :data:`REFERENCE` (first the last commit with the old
``pipeline.run``; since then the commit of the last intended change of the outputs: issue 11's
growth, population, names, collaboration and words, and issue 13's inputs named without their
location; then the merge of issue 14's new files and columns, issue 11's metropolitan
populations and names, and issue 15's topic settings; then the merge of session 6: issue 11's
metropolitan areas without other agglomerations and the organisation key), taken from this
repository's history with ``git archive`` and run in a subprocess on the same demo world with
the demo's settings.
When a later change alters the outputs on purpose (a fix of the method), this test has done its
job: move :data:`REFERENCE` to the commit before that change, or retire the test, and say so in
the change."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from stclusters.config import Config
from stclusters.pipeline import run
from worlds import DEMO_SCALE, DEMO_SEED

REPO = Path(__file__).resolve().parents[2]
REFERENCE = "9f74d828142ba442d610742512414f6894fbf085"
#: Files that may differ: the accounts (they describe the run), and files the new code adds
#: beside the outputs (the marker saying stclusters wrote the folder).
MAY_DIFFER = {"accounts.json", "run.json"}

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo_world")]

RUN_REFERENCE = """
import sys
from stclusters.config import Config
from stclusters.pipeline import run
assert sys.argv[3] in __import__("stclusters").__file__, "the reference tree is not imported"
scale, seed = float(sys.argv[4]), int(sys.argv[5])
cfg = Config().replace(min_points=Config().min_points * scale, seed=seed, sensitivity=True)
run([sys.argv[1]], out=sys.argv[2], config=cfg)
"""


def _reference_tree(dest: Path) -> Path:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout: the reference source tree cannot be taken from history")
    probe = subprocess.run(
        ["git", "-C", str(REPO), "cat-file", "-e", f"{REFERENCE}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip(f"commit {REFERENCE[:10]} is not in this clone's history (shallow clone?)")
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", REFERENCE, "src"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return dest / "src"


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_demo_outputs_are_byte_identical_to_the_reference(demo_world: Path, tmp_path: Path) -> None:
    src = _reference_tree(tmp_path / "reference")
    env = {**os.environ, "PYTHONPATH": str(src)}
    before = tmp_path / "before"
    reference = subprocess.run(
        [
            sys.executable,
            "-c",
            RUN_REFERENCE,
            str(demo_world),
            str(before),
            str(src),
            str(DEMO_SCALE),
            str(DEMO_SEED),
        ],
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    assert reference.returncode == 0, f"the reference run failed: {reference.stderr[-2000:]}"
    after = tmp_path / "after"
    config = Config().replace(
        min_points=Config().min_points * DEMO_SCALE, seed=DEMO_SEED, sensitivity=True
    )
    run([demo_world], out=after, config=config)
    old, new = _files(before), _files(after)
    assert len(old) > 200  # tables, site, 100 profiles in three formats
    missing = sorted(set(old) - set(new))
    assert not missing, f"files the reference wrote and the stages did not: {missing[:5]}"
    added = sorted(k for k in set(new) - set(old) if not Path(k).name.startswith(".stclusters"))
    assert not added, f"files the stages wrote and the reference did not: {added[:5]}"
    differ = sorted(k for k in old if k not in MAY_DIFFER and old[k] != new[k])
    assert not differ, f"{len(differ)} output files differ, for example {differ[:5]}"
