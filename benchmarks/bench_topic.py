"""A topic run beside the full run on a synthetic world: totals, threshold, leading clusters, time.

Usage: python benchmarks/bench_topic.py [--scale 0.05] [--topic "Digital communication"]
[--counting fractional] [--world PATH]

Prints the world totals of both runs, the topic's share and the min_points it used, the top
clusters of the topic run with their rank in the full run, whether the world's truth
(``truth_hubs.csv``, column ``top_fields``) specialises them in the topic's field, and the
topic's output planted in their hub (``truth_people.parquet``: each kept document of the topic,
weighted by its topic weight, split equally among its people rows; with the planted rank), and
the seconds of each run (one run each; machines here are shared and noisy).
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from stclusters.config import Config
from stclusters.pipeline import compute
from stclusters.results import Results
from stclusters.synth import write_world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--topic", default="Digital communication")
    parser.add_argument("--counting", default="fractional", choices=("fractional", "whole"))
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--world", type=Path, help="an existing records folder of that scale")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        world = args.world or Path(tmp) / "world"
        if args.world is None:
            write_world(world, scale=args.scale, seed=args.seed)
        base = Config(min_points=Config().min_points * args.scale)
        t0 = time.perf_counter()
        full = compute([world], config=base)
        t1 = time.perf_counter()
        cfg = base.replace(topic=args.topic, topic_counting=args.counting)
        records = Path(tmp) / "records"
        records.mkdir()
        topic = compute([world], config=cfg, record_dir=records)
        t2 = time.perf_counter()
        truth_file = world / "truth_hubs.csv"
        truth = list(csv.DictReader(truth_file.open(encoding="utf-8-sig")))
        planted = _planted(world, topic)
    acc = topic.accounts["topic"]
    print(acc["line"])
    print(f"full run: world totals {full.accounts['world_totals']}, {t1 - t0:.1f} s")
    print(f"topic run: world totals {topic.accounts['world_totals']}, {t2 - t1:.1f} s")
    for layer, row in acc["by_layer"].items():
        print(f"  {layer}: share of world output {row['share_of_world_output']:.4f}")
    print(f"  min_points {base.min_points:g} -> {acc['min_points']:.4g}")
    field = acc["label"].split(" (")[0]

    def first(name: str) -> str:
        return name.split("–")[0]

    special = {first(r["hub"]) for r in truth if field in r.get("top_fields", "").split(";")}
    full_rank = {first(r.name): r.rank for r in full.ranking}
    planted_rank = {first(h): k for k, h in enumerate(planted, start=1)}
    planted_by = {first(h): v for h, v in planted.items()}
    print(f"{'rank':>4}  {'cluster':<40} {'patents':>9}  full rank  specialised  planted (rank)")
    for r in topic.ranking[: args.top]:
        was = full_rank.get(first(r.name))
        mark = "yes" if first(r.name) in special else ""
        hub = first(r.name)
        plant = f"{planted_by[hub]:9.1f} ({planted_rank[hub]})" if hub in planted_by else "-"
        print(f"{r.rank:>4}  {r.name:<40} {r.patents:>9.1f}  {was or '-':>9}  {mark:>11}  {plant}")


def _planted(world: Path, topic: Results) -> dict[str, float]:
    """Hub -> the topic's output planted there, largest first (the documents' topic weights from
    the run's memberships, split equally among each document's people rows of the truth)."""
    import duckdb

    memberships = topic.record_files.get("memberships")
    if memberships is None:
        return {}
    con = duckdb.connect()
    rows = con.execute(
        f"""
        WITH w AS (
            SELECT doc_id, sum(share) AS weight FROM read_parquet('{memberships}')
            GROUP BY doc_id
        ), t AS (
            SELECT doc_id, hub, 1.0 / count(*) OVER (PARTITION BY doc_id) AS part
            FROM read_parquet('{world / "truth_people.parquet"}')
            WHERE doc_id IN (SELECT doc_id FROM w)
        )
        SELECT hub, sum(part * weight) AS out FROM t JOIN w USING (doc_id)
        WHERE hub IS NOT NULL GROUP BY hub ORDER BY out DESC, hub
        """
    ).fetchall()
    return {str(h): float(v) for h, v in rows}


if __name__ == "__main__":
    main()
