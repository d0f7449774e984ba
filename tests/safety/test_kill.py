"""Runs killed at random moments of every stage leave the previous output whole.

A run of the small world is started as a subprocess over a copy of a finished output; it is
sent SIGKILL or SIGINT at a moment drawn (seeded) within one stage: a stage is found by the
summary line the stage before it prints, and the moment is a random fraction of that stage's
duration in a first timed run. After each kill the previous output must be byte for byte as
it was; after SIGINT the run must have removed its temporary folder itself and exited 130 with
one line and no traceback; after SIGKILL the next run must sweep what was left. 8 stages x 3
moments = 24 kills (SIGKILL only in the first stage, whose start is not seen from outside: a
SIGINT there could land while Python is still importing).
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from safety.conftest import RUN_ARGS, snapshot, stclusters
from stclusters.report.tables import RUN_FILE

#: The stages in order; each stage's summary line starts with its name and a colon.
STAGES = ("read", "geocode", "count", "cluster", "name", "rank", "profile", "write")
MOMENTS_PER_STAGE = 3
SEED = 13


def _timed_run(world: Path, out: Path) -> dict[str, float]:
    """Run once, reading the summary lines: seconds from the start to each stage's end."""
    start = time.monotonic()
    ends: dict[str, float] = {}
    with subprocess.Popen(
        stclusters("run", str(world), "--out", str(out), *RUN_ARGS),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            name = line.split(":", 1)[0].strip()
            if name in STAGES and name not in ends:
                ends[name] = time.monotonic() - start
        assert proc.wait(timeout=600) == 0
    return ends


@pytest.fixture(scope="module")
def stage_times(small_world_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    ends = _timed_run(small_world_folder, tmp_path_factory.mktemp("timed") / "out")
    assert set(ends) == set(STAGES), ends
    return ends


def _kill_in(
    stage: str, fraction: float, sig: int, world: Path, out: Path, ends: dict[str, float]
) -> subprocess.CompletedProcess[str]:
    """Start a run and send ``sig`` ``fraction`` of the way through ``stage``."""
    i = STAGES.index(stage)
    before = STAGES[i - 1] if i else None
    duration = ends[stage] - (ends[before] if before else 0.0)
    proc = subprocess.Popen(
        stclusters("run", str(world), "--out", str(out), *RUN_ARGS),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    if before is not None:
        for line in proc.stdout:
            if line.split(":", 1)[0].strip() == before:
                break
    time.sleep(fraction * duration)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=600)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def _temporaries(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


@pytest.mark.parametrize("stage", STAGES)
def test_killed_runs_leave_the_previous_output_whole(
    stage: str,
    small_world_folder: Path,
    previous_output: Path,
    stage_times: dict[str, float],
    tmp_path: Path,
) -> None:
    rng = random.Random(f"{SEED}:{stage}")
    out = tmp_path / "out"
    shutil.copytree(previous_output, out)
    before = snapshot(out)
    for k in range(MOMENTS_PER_STAGE):
        left_before = _temporaries(out)
        sig = (signal.SIGKILL, signal.SIGINT)[(k + STAGES.index(stage)) % 2]
        if stage == "read":  # its start is not seen: SIGINT could land while Python imports
            sig = signal.SIGKILL
        fraction = rng.random()
        done = _kill_in(stage, fraction, sig, small_world_folder, out, stage_times)
        where = f"{stage} at {fraction:.2f} with {signal.Signals(sig).name}"
        # the previous output, or (a signal just after the swap) the new one, whole: the run
        # is deterministic, so every file but run.json has the same bytes either way
        after = snapshot(out)
        assert after.keys() == before.keys(), f"files changed by a kill in {where}"
        assert {k: v for k, v in after.items() if k != RUN_FILE} == {
            k: v for k, v in before.items() if k != RUN_FILE
        }, f"previous output changed by a kill in {where}"
        json.loads(after[RUN_FILE])
        if done.returncode == 0:
            continue  # the run finished before the signal
        if sig == signal.SIGINT:
            assert done.returncode == 130, f"{where}: exit {done.returncode}\n{done.stderr}"
            assert "Traceback" not in done.stderr, done.stderr
            assert "interrupted" in done.stderr, done.stderr
            left = set(_temporaries(out)) - set(left_before)
            assert not left, f"{where}: the interrupted run left {left}"
        else:
            assert done.returncode == -signal.SIGKILL
    final = subprocess.run(
        stclusters("run", str(small_world_folder), "--out", str(out), *RUN_ARGS),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert final.returncode == 0, final.stderr
    assert _temporaries(out) == [], "the next run left temporary folders behind"
    assert snapshot(out).keys() == before.keys()
    assert (out / "accounts.json").read_bytes() == before["accounts.json"]
