"""The whole pipeline at world scale: wall time, CPU time and peak memory of every stage.

Usage: python benchmarks/bench_world.py [--scale 1.0] [--cache DIR] [--memory-limit-gb 6]
       [--runs 1] [--no-site] [--full-check]

Builds the synthetic world of the given scale once (``stclusters synth --scale``; cached in
``--cache``, by default ``~/.cache/stclusters/bench-world-<scale>``; a cached world written
before records folders stored their check's result is checked once and given it, see
``build_world``; ``--full-check`` makes every run check in full as before), then runs the whole
method on it, records folder to finished site (``stclusters run``), and prints per stage the wall
time, the CPU time (every thread of the process: DuckDB's and NumPy's) and the peak resident
memory (RSS; the kernel's high-water mark ``VmHWM``, reset at the start of each stage), then the
totals.
It also prints the floor: the time DuckDB needs to read the input columns the run uses once
(decoding every value, same memory limit), and the ratio of the run to that floor.

Several runs (``--runs``) give medians of the times and the largest peak; the scale-1.0 run takes
minutes, so run it once, alone on the machine, with ``nice -n 10``. Figures, not a test: the
targets of issue 12 are under 5 minutes and under 8 GB for scale 1.0, within 10x of the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

#: The input columns a run reads (documents, people, classes, applicants).
COLUMNS = {
    "documents": ("doc_id", "layer", "year", "doc_type", "source"),
    "people": (
        "doc_id",
        "person_seq",
        "address_seq",
        "organisation",
        "country",
        "lat",
        "lon",
        "precision",
    ),
    "classes": ("doc_id", "scheme", "code"),
    "applicants": ("doc_id", "name"),
}


def _peak_rss_bytes() -> int:
    """The process's resident-memory high-water mark (VmHWM) in bytes."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _reset_peak() -> bool:
    """Reset the high-water mark to the current RSS (Linux: ``clear_refs`` value 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@dataclass
class Stage:
    """One stage's figures."""

    name: str
    wall: float = 0.0
    cpu: float = 0.0
    peak: int = 0


@dataclass
class Meter:
    """Wall, CPU and peak RSS between the stage boundaries that ``run`` reports."""

    stages: list[Stage] = field(default_factory=list)
    _wall0: float = 0.0
    _cpu0: float = 0.0
    resets: bool = True

    def start(self, name: str) -> None:
        self.close()
        self.resets = _reset_peak() and self.resets
        self._wall0, self._cpu0 = time.perf_counter(), time.process_time()
        self.stages.append(Stage(name))

    def close(self) -> None:
        if self.stages and not self.stages[-1].wall:
            s = self.stages[-1]
            s.wall = time.perf_counter() - self._wall0
            s.cpu = time.process_time() - self._cpu0
            s.peak = _peak_rss_bytes()

    def on_line(self, line: str) -> None:
        """``run`` says "<stage>: ... (<seconds> s)" when a stage ends: the time after it, until
        the next stage begins, is counted as "(after <stage>)"."""
        if self.stages and re.match(rf"{re.escape(self.stages[-1].name)}: ", line):
            self.start(f"(after {self.stages[-1].name})")


def _gb(n: float) -> str:
    return f"{n / 1e9:5.2f} GB"


def build_world(folder: Path, *, scale: float, seed: int, memory_limit_gb: float) -> None:
    """Write the synthetic world of ``scale`` to ``folder`` unless it is there already.

    A cached world written before records folders stored their check's result (or by another
    version of the check) is checked in full once and given it, as ``stclusters synth`` writes
    it now (docs/readers.md), so that the runs measure what a run on a fresh world does.
    """
    from stclusters.records import stored_check
    from stclusters.synth import write_world

    manifest = folder / "manifest.json"
    if manifest.exists():
        meta = json.loads(manifest.read_text())
        if meta.get("scale") == scale and meta.get("seed") == seed:
            print(f"world (scale {scale}, seed {seed}): cached in {folder}")
            if stored_check(folder) is None:
                store_check(folder, memory_limit_gb=memory_limit_gb)
            return
    t0 = time.perf_counter()
    last = [0.0]

    def progress(layer: str, done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 30:
            last[0] = time.perf_counter()
            print(f"  {layer}: {done:,} of {total:,} documents", flush=True)

    write_world(folder, scale=scale, seed=seed, progress=progress, force=True)
    print(f"world (scale {scale}, seed {seed}): built in {time.perf_counter() - t0:.0f} s")


def store_check(folder: Path, *, memory_limit_gb: float) -> None:
    """Check ``folder`` in full and store the result in its manifest (``stclusters validate``)."""
    import duckdb

    from stclusters.records import record_check

    with tempfile.TemporaryDirectory(prefix="bench-world-spill-") as spill:
        con = duckdb.connect()
        con.execute(f"SET memory_limit = '{memory_limit_gb:g}GB'")
        con.execute(f"SET temp_directory = '{spill}'")
        t0 = time.perf_counter()
        record_check(folder, con=con)
        con.close()
    print(
        f"  checked in full and stored the result in its manifest: {time.perf_counter() - t0:.0f} s"
    )


def read_floor(folder: Path, *, memory_limit_gb: float) -> float:
    """Seconds DuckDB needs to read and decode the input columns a run uses, once."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit_gb:g}GB'")
    t0 = time.perf_counter()
    for table, columns in COLUMNS.items():
        path = str(folder / f"{table}.parquet").replace("'", "''")
        sums = ", ".join(f"sum(hash({c}))" for c in columns)
        con.execute(f"SELECT {sums} FROM read_parquet('{path}')").fetchall()
    seconds = time.perf_counter() - t0
    con.close()
    return seconds


def run_once(world: Path, out: Path, *, scale: float, memory_limit_gb: float, site: bool) -> Meter:
    """One whole run on ``world``; the figures of its stages."""
    from stclusters.config import Config
    from stclusters.pipeline import run

    config = Config(min_points=Config().min_points * scale, memory_limit_gb=memory_limit_gb)
    meter = Meter()
    t0 = time.perf_counter()
    result = run(
        [world], out=out, config=config, say=meter.on_line, on_stage=meter.start, write_site=site
    )
    meter.close()
    wall = time.perf_counter() - t0
    print(f"  run: {wall:.1f} s, {len(result.ranking)} clusters published", flush=True)
    return meter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, help="folder of the cached world")
    parser.add_argument("--memory-limit-gb", type=float, default=6.0)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--no-site", action="store_true")
    parser.add_argument(
        "--full-check",
        action="store_true",
        help="check the records in full in every run, ignoring the result stored in the manifest",
    )
    args = parser.parse_args()
    cache = args.cache or Path.home() / ".cache" / "stclusters" / f"bench-world-{args.scale}"
    cache.parent.mkdir(parents=True, exist_ok=True)
    build_world(cache, scale=args.scale, seed=args.seed, memory_limit_gb=args.memory_limit_gb)
    if args.full_check:
        import stclusters.records

        stclusters.records.stored_check = lambda folder: None  # as before results were stored
        print("runs check the records in full (--full-check)")
    size = sum(p.stat().st_size for p in cache.glob("*.parquet"))
    print(f"records folder: {_gb(size)} of Parquet; {os.cpu_count()} cores")
    floors = [read_floor(cache, memory_limit_gb=args.memory_limit_gb) for _ in range(args.runs)]
    floor = statistics.median(floors)
    print(f"floor: DuckDB reads the input columns once in {floor:.1f} s (median)")
    meters = []
    with tempfile.TemporaryDirectory(prefix="bench-world-") as tmp:
        for i in range(args.runs):
            meters.append(
                run_once(
                    cache,
                    Path(tmp) / f"out{i}",
                    scale=args.scale,
                    memory_limit_gb=args.memory_limit_gb,
                    site=not args.no_site,
                )
            )
    names = [s.name for s in meters[0].stages]
    print(f"\nscale {args.scale:g}, memory limit {args.memory_limit_gb:g} GB, {args.runs} run(s)")
    print(f"{'stage':18s} {'wall s':>8s} {'cpu s':>8s} {'peak RSS':>10s}")
    for k, name in enumerate(names):
        stages = [m.stages[k] for m in meters if k < len(m.stages)]
        wall = statistics.median(s.wall for s in stages)
        cpu = statistics.median(s.cpu for s in stages)
        peak = max(s.peak for s in stages)
        print(f"{name:18s} {wall:8.1f} {cpu:8.1f} {_gb(peak):>10s}")
    totals = [sum(s.wall for s in m.stages) for m in meters]
    cpus = [sum(s.cpu for s in m.stages) for m in meters]
    peak = max(s.peak for m in meters for s in m.stages)
    total = statistics.median(totals)
    print(f"{'total':18s} {total:8.1f} {statistics.median(cpus):8.1f} {_gb(peak):>10s}")
    print(f"ratio to the read floor: {total / floor:.1f}x (floor {floor:.1f} s)")
    if not meters[0].resets:
        print("note: the peak could not be reset per stage here: each is the peak so far")


if __name__ == "__main__":
    main()
