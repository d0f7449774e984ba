"""Print the demo world's editions 2023 and 2024 compared (issue 15 item 3).

Edition 2024 is the demo world (scale 0.05, seed 0); edition 2023 of the same seed is written
with two planted changes (``synth.world.hub_factors``): ``--grown`` grows by ``--growth``
percent into 2024 and ``--new`` enters in 2024. Both are run with the demo's settings
(``min_points`` = 225 x scale) and compared (``stclusters.compare.compare_runs``). Printed: the
outcomes over every cluster found, the hubs that a cluster holds in both editions (from the
worlds' truth, ``synth.truth.hub_clusters``) and how many of them are matched, the grown hub's
growth found beside the planted one, the new hub's status, and the CPU seconds of the
comparison alone.

Usage (from the repository root; about 3 CPU minutes at scale 0.05)::

    nice -n 5 .venv/bin/python benchmarks/compare_editions.py --work /tmp/editions
    nice -n 5 .venv/bin/python benchmarks/compare_editions.py --work /tmp/editions --reuse

``--reuse`` keeps worlds and runs already in ``--work`` (as written by an earlier call).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from stclusters.compare import compare_runs, write_comparison
from stclusters.config import Config
from stclusters.pipeline import run
from stclusters.synth import write_world
from stclusters.synth.truth import hub_clusters


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True, help="folder for the worlds and runs")
    ap.add_argument("--scale", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--grown", default="Madrid")
    ap.add_argument("--growth", type=float, default=30.0, help="percent")
    ap.add_argument("--new", default="Melbourne")
    ap.add_argument("--memory-limit-gb", type=float, default=2.0)
    ap.add_argument("--reuse", action="store_true")
    args = ap.parse_args()
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    config = Config().replace(
        min_points=Config().min_points * args.scale,
        seed=args.seed,
        memory_limit_gb=args.memory_limit_gb,
    )
    changes: dict[str, Any] = {
        "grown_hub": args.grown,
        "growth_percent": args.growth,
        "new_hub": args.new,
        "change_edition": 2024,
    }
    worlds, outs = {}, {}
    for edition in (2023, 2024):
        world, out = work / f"world{edition}", work / f"out{edition}"
        if not (args.reuse and (world / "manifest.json").is_file()):
            write_world(world, scale=args.scale, seed=args.seed, edition=edition, **changes)
        if not (args.reuse and (out / "memberships.parquet").is_file()):
            run([world], out=out, config=config.replace(edition=edition), write_site=False)
        worlds[edition], outs[edition] = world, out
    cpu = time.process_time()
    comparison = compare_runs(outs[2023], outs[2024], memory_limit_gb=args.memory_limit_gb)
    cpu = time.process_time() - cpu
    write_comparison(comparison, work)
    counts = comparison.counts()
    print(
        f"clusters found: {len(comparison.a.clusters):,} in 2023, "
        f"{len(comparison.b.clusters):,} in 2024"
    )
    print("outcomes: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    a, b = hub_clusters(worlds[2023], outs[2023]), hub_clusters(worlds[2024], outs[2024])
    rows = {(r["cluster_id_a"], r["cluster_id_b"]): r for r in comparison.rows}
    both = sorted(set(a) & set(b))
    matched = [h for h in both if rows.get((a[h], b[h]), {}).get("status") == "matched"]
    print(f"hubs held by a cluster in both editions: {len(both)}; matched: {len(matched)}")
    for h in sorted(set(both) - set(matched)):
        print(f"  not matched: {h}")
    grown = rows.get((a.get(args.grown), b.get(args.grown)))
    found = "not matched" if grown is None else f"{100 * grown['growth']:+.1f}%"
    print(f"{args.grown}: growth found {found}, planted {args.growth:+.1f}%")
    new_row = rows.get((None, b.get(args.new)))
    print(f"{args.new}: {'entrant' if new_row else 'not an entrant'} (in 2023: {a.get(args.new)})")
    others = [rows[(a[h], b[h])]["growth"] for h in matched if h not in (args.grown, args.new)]
    if others:
        worst = max(others, key=abs)
        print(
            f"other matched hubs: growth {100 * min(others):+.1f}% .. {100 * max(others):+.1f}%"
            f" (largest off 0: {100 * worst:+.1f}%)"
        )
    print(f"comparison: {cpu:.1f} CPU seconds")


if __name__ == "__main__":
    main()
