"""The read and geocode stages on a cached synthetic world: CPU time and peak memory.

Usage: python benchmarks/bench_read_geocode.py [--scale 0.1] [--memory-limit-gb 2] [--blank]

Runs the read stage (``open_inputs``: validation, content checksum, views) and the geocode
stage (``locate_people``) of a run on the world that ``benchmarks/bench_world.py`` caches in
``~/.cache/stclusters/bench-world-<scale>`` (read only; build it with that script first), and
prints per stage the wall time, the CPU time of this process and of its pool workers, and the
peak resident memory (``VmHWM``, reset at the start of each stage).

``--blank`` first writes a copy of the world whose people rows have no coordinates (lat, lon and
precision null; the other tables linked) into a temporary folder, so that the geocode stage
geocodes every row; it runs with an empty result cache (the gazetteer files of the user cache
folder linked into a temporary one), and everything is deleted at the end. Figures, not a test
(issue 12 items 2 and 4).
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _peak_gb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1e6
    return 0.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(name: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run ``func`` and print its wall time, CPU time (own, workers') and peak RSS."""
    with contextlib.suppress(OSError):  # reset the peak (Linux)
        Path("/proc/self/clear_refs").write_text("5")
    wall, cpu, workers = time.perf_counter(), time.process_time(), _children_cpu()
    out = func(*args, **kwargs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{name:8s} wall {wall:7.1f} s  cpu {cpu:7.1f} s  "
        f"workers' cpu {_children_cpu() - workers:7.1f} s  peak RSS {_peak_gb():5.2f} GB",
        flush=True,
    )
    return out


def blank_world(world: Path, folder: Path, *, memory_limit_gb: float) -> None:
    """A copy of ``world`` in ``folder`` whose people rows have no coordinates."""
    import shutil

    import duckdb

    folder.mkdir(parents=True)
    for name in ("documents", "classes", "applicants"):
        (folder / f"{name}.parquet").symlink_to(world / f"{name}.parquet")
    for name in ("manifest.json", ".stclusters-output"):
        if (world / name).exists():
            shutil.copy(world / name, folder / name)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = '{memory_limit_gb:g}GB'")
    source = str(world / "people.parquet").replace("'", "''")
    target = str(folder / "people.parquet").replace("'", "''")
    con.execute(
        "COPY (SELECT * REPLACE (NULL::DOUBLE AS lat, NULL::DOUBLE AS lon, "
        f"NULL::VARCHAR AS precision) FROM read_parquet('{source}')) TO '{target}' "
        "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1048576)"
    )
    con.close()


def main() -> None:
    from stclusters._paths import cache_folder
    from stclusters.inputs import Workspace, locate_people, open_inputs

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--cache", type=Path, help="folder of the cached world")
    parser.add_argument("--memory-limit-gb", type=float, default=2.0)
    parser.add_argument("--blank", action="store_true", help="geocode every people row")
    args = parser.parse_args()
    world = args.cache or Path.home() / ".cache" / "stclusters" / f"bench-world-{args.scale}"
    if not (world / "manifest.json").exists():
        raise SystemExit(f"{world}: no world; build it with benchmarks/bench_world.py")
    with tempfile.TemporaryDirectory(prefix="bench-read-geocode-") as tmp:
        cache_dir = None
        if args.blank:
            t0 = time.perf_counter()
            blank_world(world, Path(tmp) / "world", memory_limit_gb=args.memory_limit_gb)
            print(f"blank copy written in {time.perf_counter() - t0:.0f} s")
            world = Path(tmp) / "world"
            cache_dir = Path(tmp) / "cache"
            cache_dir.mkdir()
            for path in cache_folder(None).glob("gazetteer-*.npz"):
                (cache_dir / path.name).symlink_to(path)
        print(f"{world}, memory limit {args.memory_limit_gb:g} GB")
        with Workspace(memory_limit_gb=args.memory_limit_gb) as workspace:
            tables = timed("read", open_inputs, [world], workspace=workspace)
            tables, geocoding, _ = timed("geocode", locate_people, tables, cache_dir=cache_dir)
        if geocoding:
            print(
                f"geocoded {geocoding['rows'] - geocoding['already_located']:,} rows through "
                f"{geocoding['unique_inputs']:,} distinct inputs: {geocoding['geocoded']}, "
                f"{geocoding['not_located_total']:,} not located"
            )


if __name__ == "__main__":
    main()
