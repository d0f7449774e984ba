"""Time the rank-stability analysis (``stclusters sensitivity``) on a synthetic world.

Usage: python benchmarks/bench_sensitivity.py --world PATH [--scale 0.1] [--grid 5]
[--bootstraps 50] [--memory-limit-gb 2]

Reads, geocodes, counts and clusters the world once (not timed), then times the sensitivity
analysis alone (:func:`stclusters.measure.stage.sensitivity_of`): the grid of ``eps_km`` x
``min_points`` settings plus the bootstrap resamples of the documents. Prints the wall-clock and
the CPU seconds of the analysis (the CPU time of every thread of the process: the machines here
are shared, so wall time is inflated by other work) and the figures of the result: how many
published clusters have a 90% interval wider than 5 and 10 ranks, the median width, and the
Spearman correlation of each run with the default run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from stclusters.cluster.stage import cluster_people
from stclusters.config import Config
from stclusters.inputs import Workspace, locate_people, open_inputs
from stclusters.measure.counting import count_shares
from stclusters.measure.sensitivity import size_ranks
from stclusters.measure.stage import output_weights, sensitivity_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--world", type=Path, required=True, help="a synthetic world folder")
    parser.add_argument("--scale", type=float, default=0.1, help="the world's scale")
    parser.add_argument("--grid", type=int, default=5)
    parser.add_argument("--bootstraps", type=int, default=50)
    parser.add_argument("--memory-limit-gb", type=float, default=2.0)
    args = parser.parse_args()
    config = Config(
        min_points=Config().min_points * args.scale,
        memory_limit_gb=args.memory_limit_gb,
        sensitivity_analysis=True,
        sensitivity_grid=args.grid,
        sensitivity_bootstraps=args.bootstraps,
    )
    t0 = time.perf_counter()
    with Workspace(memory_limit_gb=config.memory_limit_gb) as workspace:
        tables = open_inputs([args.world], workspace=workspace)
        tables, _, _ = locate_people(
            tables,
            cache_dir=config.cache_dir,
            fuzzy_threshold=config.fuzzy_threshold,
            precisions=config.cluster_precisions,
        )
        shares = count_shares(tables.con, config)
        clustering = cluster_people(
            shares,
            eps_km=config.eps_km,
            min_points=config.min_points,
            merge_km=config.merge_km,
            precisions=config.cluster_precisions,
        )
        weight = output_weights(clustering, shares.world)
        ranks = size_ranks(clustering.labels, weight)
        published = sorted(ranks, key=ranks.__getitem__)[: config.top_n]
        n_points = len(clustering.labels)
        print(
            f"prepared in {time.perf_counter() - t0:.1f} s: {n_points:,} distinct points, "
            f"{len(ranks):,} clusters, {len(published)} published"
        )
        w0, c0 = time.perf_counter(), time.process_time()
        clusters, runs, summary = sensitivity_of(
            clustering,
            weight,
            clusters=published,
            config=config,
            con=shares.con,
            world=shares.world,
        )
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    widths = [v["interval_high"] - v["interval_low"] for v in clusters.values()]
    print(summary)
    print(
        f"sensitivity ({args.grid} x {args.grid} grid, {args.bootstraps} bootstraps, "
        f"{len(runs)} runs): {wall:.1f} s wall, {cpu:.1f} s CPU"
    )
    for n in (5, 10, 20):
        wider = sum(1 for w in widths if w > n)
        print(f"  published clusters with a 90% interval wider than {n} ranks: {wider}")
    print(f"  median interval width: {statistics.median(widths):g} ranks")
    for kind in ("grid", "bootstrap"):
        rho = [r["spearman"] for r in runs if r["kind"] == kind and r["spearman"] is not None]
        if rho:
            print(
                f"  Spearman over the {len(rho)} {kind} runs: median "
                f"{statistics.median(rho):.3f}, lowest {min(rho):.3f}, highest {max(rho):.3f}"
            )
    for run in runs:
        print(
            f"  {run['run']:>24s}: Spearman {run['spearman'] or float('nan'):.3f}, "
            f"{run['lost']} lost, {run['left_top']} left / {run['entered_top']} entered the top"
        )


if __name__ == "__main__":
    main()
