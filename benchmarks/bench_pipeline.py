"""Time the whole method on a synthetic world: world generation, then `run` stage by stage.

Usage: python benchmarks/bench_pipeline.py [--scale 0.05] [--runs 3] [--no-site] [--world PATH]

``--world`` times the runs on an existing records folder (a world of the given scale) instead of
building one, so that two versions of the code can be timed on the same world, for example the
code of an earlier commit with ``PYTHONPATH=<its src>`` beside the current one.

Prints the median of several runs of each stage and of the whole run (machines here are shared
and noisy: read the medians, not single runs).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from stclusters.config import Config
from stclusters.pipeline import run
from stclusters.synth import write_world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-site", action="store_true")
    parser.add_argument("--world", type=Path, help="an existing records folder of that scale")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        world = args.world or Path(tmp) / "world"
        if args.world is None:
            t0 = time.perf_counter()
            write_world(world, scale=args.scale, seed=args.seed)
            print(f"world (scale {args.scale}): {time.perf_counter() - t0:.1f} s")
        config = Config(min_points=Config().min_points * args.scale)
        totals, stages = [], {}
        for i in range(args.runs):
            result = run(
                [world], out=Path(tmp) / f"out{i}", config=config, write_site=not args.no_site
            )
            totals.append(result.seconds)
            for name, sec in result.stage_seconds.items():
                stages.setdefault(name, []).append(sec)
        for name, secs in stages.items():
            print(f"  {name:10s} median {statistics.median(secs):7.2f} s  runs {secs}")
        print(
            f"run: median {statistics.median(totals):.1f} s over {args.runs} runs "
            f"({', '.join(f'{t:.1f}' for t in totals)}); {len(result.ranking)} clusters published"
        )


if __name__ == "__main__":
    main()
