"""Time the synthetic world and measure its peak memory at several scales.

Each run writes a world to a temporary folder in a fresh Python process (so that the peak resident
memory is that run's alone, GeoNames loading included) and reports the median over the runs::

    python benchmarks/bench_synth.py                       # scales 0.05, 0.2, 1.0
    python benchmarks/bench_synth.py --scales 0.05 --runs 3
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys, time
from pathlib import Path
from stclusters.synth import write_world
folder, scale, seed = Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
t0 = time.perf_counter()
write_world(folder, scale=scale, seed=seed)
seconds = time.perf_counter() - t0
manifest = json.loads((folder / "manifest.json").read_text())
size = sum(p.stat().st_size for p in folder.iterdir())
print(json.dumps({
    "seconds": seconds,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "rows": manifest["rows"],
    "size_mb": size / 2**20,
}))
"""


def run_once(scale: float, seed: int) -> dict[str, object]:
    """One world in a child process; its time, peak memory, rows and size on disk."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-synth-"))
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(tmp / "world"), str(scale), str(seed)],
            check=True,
            capture_output=True,
            text=True,
        )
        result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.05, 0.2, 1.0])
    parser.add_argument("--runs", type=int, default=1, help="Runs per scale (median reported).")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        f"{'scale':>6} {'runs':>4} {'time s':>8} {'peak MB':>8} {'documents':>11} "
        f"{'people':>12} {'MB on disk':>10}"
    )
    for scale in args.scales:
        results = [run_once(scale, args.seed) for _ in range(args.runs)]
        seconds = statistics.median(float(r["seconds"]) for r in results)  # type: ignore[arg-type]
        peak = statistics.median(float(r["peak_mb"]) for r in results)  # type: ignore[arg-type]
        rows: dict[str, int] = results[0]["rows"]  # type: ignore[assignment]
        size = float(results[0]["size_mb"])  # type: ignore[arg-type]
        print(
            f"{scale:>6g} {args.runs:>4} {seconds:>8.1f} {peak:>8.0f} {rows['documents']:>11,} "
            f"{rows['people']:>12,} {size:>10.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
