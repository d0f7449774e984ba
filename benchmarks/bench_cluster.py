"""Print GeoDBSCAN's time and peak memory at world scale, beside scikit-learn's DBSCAN.

The points follow the world's spatial pattern (issues 12 and 18): each person is drawn on a
GeoNames populated place (``stclusters.places.load_places``, population >= 500) with probability
proportional to population ** 1.3, moved by a normal offset whose standard deviation is the
place's nominal radius (``sqrt(population / (pi * 5000 per km2))``, at least 1 km), and snapped
to a grid of 0.01 degree (about 1.1 km). The points are then clustered as the pipeline clusters
them: the distinct coordinates with their numbers of people as weights, ``eps_km`` 13 and
``min_points`` 0.05% of the people.

Each fit runs in a subprocess of its own (the points handed over in ``.npy`` files), which
reports its wall and CPU time and its peak resident memory (``VmHWM`` of ``/proc/self/status``;
the process's baseline, Python with numpy, scipy and scikit-learn imported and the points
loaded, is printed too). scikit-learn's DBSCAN (ball tree, haversine, the same distinct points
with the counts as ``sample_weight``) runs on the same points in the same run, under an
address-space limit (``--sklearn-limit-gb``), until it fails at a size; the labels of both are
compared. Runs under a minute are repeated (``--runs``) and the median is printed.

With ``--world PATH`` the points are instead the located people of one layer of a records folder
(for instance the scale-1.0 synthetic world) in the current five-year window.

Usage (from the repository root; heavy, so run it niced and alone)::

    nice -n 10 .venv/bin/python benchmarks/bench_cluster.py                # 1, 5, 20, 45 M
    nice -n 10 .venv/bin/python benchmarks/bench_cluster.py --sizes 200000 1000000 5000000
    nice -n 10 .venv/bin/python benchmarks/bench_cluster.py --world PATH --layer article
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

#: Kilometres per degree of latitude (sphere of radius 6371.0088 km).
KM_PER_DEGREE = 111.195
#: The exponent of population in a place's share of the people (issue 18).
PLACE_EXPONENT = 1.3
#: People per km2 that give a place's nominal radius (as in ``stclusters.places``).
URBAN_DENSITY = 5000.0
#: Spacing of the grid the points are snapped to, in degrees (about 1.1 km).
GRID_DEGREES = 0.01
EPS_KM = 13.0
MIN_POINTS_SHARE = 0.0005


def world_pattern_points(n: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` people in the world's spatial pattern, as distinct (lat, lon) points and counts.

    Returns
    -------
    points, counts
        (m, 2) float64 distinct points in degrees, sorted, and (m,) float64 people per point.
    """
    from stclusters.places import load_places

    places = load_places()
    pop = np.maximum(places.population.astype(np.float64), 1.0)
    weight = pop**PLACE_EXPONENT
    rng = np.random.default_rng(seed)
    cum = np.cumsum(weight)
    radius_km = np.maximum(np.sqrt(pop / (math.pi * URBAN_DENSITY)), 1.0)
    out_lat = np.empty(n, dtype=np.float32)
    out_lon = np.empty(n, dtype=np.float32)
    step = 5_000_000  # drawn in blocks to bound the memory of the generator
    for start in range(0, n, step):
        m = min(step, n - start)
        place = np.searchsorted(cum, rng.random(m) * cum[-1], side="right")
        sd = radius_km[place] / KM_PER_DEGREE
        lat = np.clip(places.lat[place] + rng.normal(0.0, 1.0, m) * sd, -89.99, 89.99)
        coslat = np.maximum(np.cos(np.radians(lat)), 0.01)
        lon = places.lon[place] + rng.normal(0.0, 1.0, m) * sd / coslat
        lon = (lon + 180.0) % 360.0 - 180.0
        out_lat[start : start + m] = np.round(lat / GRID_DEGREES)
        out_lon[start : start + m] = np.round(lon / GRID_DEGREES)
    # distinct grid cells with their counts (as the pipeline's GROUP BY lat, lon)
    code = (out_lat.astype(np.int64) + 9000) * 40000 + (out_lon.astype(np.int64) + 18000)
    del out_lat, out_lon
    cells, counts = np.unique(code, return_counts=True)
    points = np.column_stack(
        ((cells // 40000 - 9000) * GRID_DEGREES, (cells % 40000 - 18000) * GRID_DEGREES)
    )
    return points, counts.astype(np.float64)


def world_points(
    folder: str, *, layer: str, first: int, last: int
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (lat, lon) of the located people of ``layer`` documents of ``first``..``last``.

    Returns the points and their numbers of people, as the pipeline's GROUP BY makes them.
    """
    import duckdb

    con = duckdb.connect()
    people = f"{folder}/people.parquet"
    documents = f"{folder}/documents.parquet"
    xy = con.execute(
        "SELECT p.lat, p.lon, count(*)::DOUBLE AS n FROM read_parquet(?) p"
        " JOIN read_parquet(?) d USING (doc_id)"
        " WHERE d.layer = ? AND d.year BETWEEN ? AND ? AND p.lat IS NOT NULL"
        " AND p.lon IS NOT NULL GROUP BY p.lat, p.lon ORDER BY p.lat, p.lon",
        [people, documents, layer, first, last],
    ).fetchnumpy()
    con.close()
    points = np.column_stack((np.asarray(xy["lat"]), np.asarray(xy["lon"])))
    return points, np.asarray(xy["n"], dtype=np.float64)


# the fit, run in a subprocess: argv = engine, folder, eps_km, min_points, limit_gb
_FIT = r"""
import json, math, resource, sys, time
import numpy as np
engine, folder, eps_km, min_points, limit_gb = sys.argv[1:6]
eps_km, min_points, limit_gb = float(eps_km), float(min_points), float(limit_gb)
if limit_gb > 0:
    lim = int(limit_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
from sklearn.cluster import DBSCAN
from stclusters.cluster import EARTH_RADIUS_KM, GeoDBSCAN
def hwm():  # this process's peak RSS in GB (ru_maxrss would include the parent's, from fork)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 2**20
points = np.load(f"{folder}/points.npy")
counts = np.load(f"{folder}/counts.npy")
base = hwm()
start, cpu = time.perf_counter(), time.process_time()
if engine == "geodbscan":
    est = GeoDBSCAN(eps_km=eps_km, min_points=min_points)
    labels = est.fit(points, sample_weight=counts).labels_
else:
    labels = DBSCAN(eps=eps_km / EARTH_RADIUS_KM, min_samples=math.ceil(min_points),
                    metric="haversine",
                    algorithm="ball_tree").fit(np.radians(points), sample_weight=counts).labels_
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
np.save(f"{folder}/labels-{engine}.npy", labels)
peak = hwm()
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_gb": peak, "base_gb": base,
                  "clusters": int(labels.max()) + 1}))
"""


def fit_once(engine: str, folder: Path, *, min_points: float, limit_gb: float) -> dict[str, float]:
    """One fit in a subprocess: seconds, peak and baseline resident GB, clusters (or error)."""
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            _FIT,
            engine,
            str(folder),
            str(EPS_KM),
            str(min_points),
            str(limit_gb),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["killed"])[-1]
        return {"error": last[:120]}  # type: ignore[dict-item]
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def timed(engine: str, folder: Path, *, min_points: float, runs: int, limit_gb: float) -> dict:
    """Median of ``runs`` fits when one takes under a minute, else the one fit."""
    first = fit_once(engine, folder, min_points=min_points, limit_gb=limit_gb)
    if "error" in first or first["seconds"] >= 60 or runs <= 1:
        return {**first, "runs": 1}
    more = [first] + [
        fit_once(engine, folder, min_points=min_points, limit_gb=limit_gb) for _ in range(runs - 1)
    ]
    ok = [r for r in more if "error" not in r]
    return {
        "seconds": statistics.median(r["seconds"] for r in ok),
        "cpu": statistics.median(r["cpu"] for r in ok),
        "peak_gb": max(r["peak_gb"] for r in ok),
        "base_gb": first["base_gb"],
        "clusters": first["clusters"],
        "runs": len(ok),
    }


def _cell(r: dict) -> str:
    if "error" in r:
        return f"failed ({r['error']})"
    runs = f"{r['runs']} run{'s' * (r['runs'] > 1)}"
    return f"{r['seconds']:.2f} s (CPU {r['cpu']:.2f} s), {r['peak_gb']:.2f} GB ({runs})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000, 20_000_000, 45_000_000]
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of a fit under a minute")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-sklearn", action="store_true", help="GeoDBSCAN alone")
    parser.add_argument("--sklearn-limit-gb", type=float, default=12.0)
    parser.add_argument(
        "--sklearn-max", type=int, default=0, help="largest set scikit-learn runs on (0: all)"
    )
    parser.add_argument("--world", metavar="PATH", help="records folder to take the points from")
    parser.add_argument("--layer", default="article", help="layer of --world (default article)")
    parser.add_argument("--years", type=int, nargs=2, default=[2019, 2023], metavar=("FROM", "TO"))
    args = parser.parse_args()

    if args.world:
        sets = [
            (
                "world",
                lambda: world_points(
                    args.world, layer=args.layer, first=args.years[0], last=args.years[1]
                ),
            )
        ]
    else:
        sets = [(f"{n:,}", lambda n=n: world_pattern_points(n, seed=args.seed)) for n in args.sizes]
    print(
        f"eps_km={EPS_KM} min_points={MIN_POINTS_SHARE:.2%} of the people; distinct points with "
        "their counts as weights; time = median of runs under a minute (wall, and CPU: the "
        "machine is shared); memory = peak RSS of the fitting process (baseline: Python, "
        "libraries and the points)"
    )
    print(f"load average at the start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    print("| people | distinct | clusters | GeoDBSCAN | scikit-learn | ratio | same labels |")
    print("|---|---|---|---|---|---|---|")
    sklearn_alive = not args.no_sklearn
    for name, make in sets:
        points, counts = make()
        people = float(counts.sum())
        min_points = MIN_POINTS_SHARE * people
        with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
            folder = Path(tmp)
            np.save(folder / "points.npy", points)
            np.save(folder / "counts.npy", counts)
            ours = timed("geodbscan", folder, min_points=min_points, runs=args.runs, limit_gb=0)
            theirs: dict = {"error": "not run"}
            same = "-"
            if sklearn_alive and (args.sklearn_max <= 0 or len(points) <= args.sklearn_max):
                theirs = timed(
                    "sklearn",
                    folder,
                    min_points=min_points,
                    runs=args.runs,
                    limit_gb=args.sklearn_limit_gb,
                )
                if "error" in theirs:
                    sklearn_alive = False  # larger sets will not survive either
                elif "error" not in ours:
                    a = np.load(folder / "labels-geodbscan.npy")
                    b = np.load(folder / "labels-sklearn.npy")
                    same = _agreement(a, b)
        ratio = (
            f"{theirs['seconds'] / ours['seconds']:.1f}x (CPU {theirs['cpu'] / ours['cpu']:.1f}x)"
            if "error" not in ours and "error" not in theirs
            else "-"
        )
        base = f" (base {ours['base_gb']:.2f})" if "error" not in ours else ""
        print(
            f"| {int(people):,} ({name}) | {len(points):,} | {ours.get('clusters', '-')} "
            f"| {_cell(ours)}{base} | {_cell(theirs)} "
            f"| {ratio} | {same} |",
            flush=True,
        )


def _agreement(a: np.ndarray, b: np.ndarray) -> str:
    """Whether two labellings have the same noise, and the share of clustered points on which
    they agree once clusters are matched (border points may differ: scikit-learn gives a border
    point to the first cluster that reaches it, GeoDBSCAN to its nearest core point)."""
    noise = "same noise" if np.array_equal(a < 0, b < 0) else "OTHER NOISE"
    m = (a >= 0) & (b >= 0)
    if not m.any():
        return noise
    pairs, n = np.unique(np.column_stack((a[m], b[m])), axis=0, return_counts=True)
    best: dict[int, int] = {}
    for (x, _y), c in zip(pairs.tolist(), n.tolist(), strict=True):
        best[x] = max(best.get(x, 0), c)
    return f"{noise}, {sum(best.values()) / int(m.sum()):.4%} agree"


if __name__ == "__main__":
    main()
