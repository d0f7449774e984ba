"""Print GeoDBSCAN fit times on synthetic point sets (median of 3 runs), against scikit-learn.

Two kinds of synthetic data, both drawn around a few hundred random city centres:

* ``places``: like geocoded data. Each city has a few hundred distinct places (city centroids,
  postcodes, institutions) spread normally with a 5 km standard deviation; points are drawn on
  the places with Zipf-like popularity, so most points share a coordinate with others.
* ``dense``: every point drawn directly with a 5 km normal spread and rounded to 4 decimals
  (about 11 m), so nearly every point is distinct (the worst case for the engine).

With ``--world PATH`` the points are instead the person coordinates of one layer of a records
folder (for instance a synthetic world written by ``stclusters synth``), as the run clusters them.

Usage::

    .venv/bin/python benchmarks/bench_cluster.py                 # places: 100k, 1M, 3M
    .venv/bin/python benchmarks/bench_cluster.py --kind dense --sizes 100000 1000000
    .venv/bin/python benchmarks/bench_cluster.py --world /tmp/w02 --min-points 900
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from sklearn.cluster import DBSCAN

from stclusters.cluster import EARTH_RADIUS_KM, GeoDBSCAN

KM_PER_DEGREE = 111.195


def city_centres(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Random land-ish city centres and their relative sizes (log-normal)."""
    centres = np.column_stack((rng.uniform(-40.0, 60.0, n), rng.uniform(-180.0, 180.0, n)))
    sizes = rng.lognormal(0.0, 1.0, n)
    return centres, sizes / sizes.sum()


def around(rng: np.random.Generator, centres: np.ndarray, sd_km: float) -> np.ndarray:
    """Points drawn with a normal spread of ``sd_km`` around each of ``centres``."""
    sd = sd_km / KM_PER_DEGREE
    lat = centres[:, 0] + rng.normal(0.0, sd, len(centres))
    lon = centres[:, 1] + rng.normal(0.0, sd, len(centres)) / np.cos(np.radians(centres[:, 0]))
    return np.column_stack((np.clip(lat, -89.9, 89.9), (lon + 180.0) % 360.0 - 180.0))


def synthetic_points(kind: str, n: int, *, n_cities: int = 300, seed: int = 0) -> np.ndarray:
    """``n`` synthetic (lat, lon) points of the given kind."""
    rng = np.random.default_rng(seed)
    centres, share = city_centres(rng, n_cities)
    if kind == "dense":
        city = rng.choice(n_cities, n, p=share)
        return np.round(around(rng, centres[city], 5.0), 4)
    places_per_city = 300
    places = around(rng, np.repeat(centres, places_per_city, axis=0), 5.0)
    places = np.round(places, 4)
    popularity = 1.0 / np.arange(1, places_per_city + 1)
    city = rng.choice(n_cities, n, p=share)
    rank = rng.choice(places_per_city, n, p=popularity / popularity.sum())
    return places[city * places_per_city + rank]


def world_points(folder: str, *, layer: str, first: int, last: int) -> np.ndarray:
    """(lat, lon) of the people of ``layer`` documents published ``first``..``last``."""
    import duckdb

    con = duckdb.connect()
    people = f"{folder}/people.parquet"
    documents = f"{folder}/documents.parquet"
    xy = con.execute(
        "SELECT p.lat, p.lon FROM read_parquet(?) p JOIN read_parquet(?) d USING (doc_id)"
        " WHERE d.layer = ? AND d.year BETWEEN ? AND ? AND p.lat IS NOT NULL"
        " AND p.lon IS NOT NULL",
        [people, documents, layer, first, last],
    ).fetchnumpy()
    out: np.ndarray = np.column_stack((np.asarray(xy["lat"]), np.asarray(xy["lon"])))
    return out


def median_time(func: object, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=["places", "dense"], default="places")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 3_000_000])
    parser.add_argument("--eps-km", type=float, default=15.0)
    parser.add_argument("--min-points", type=float, default=4500.0)
    parser.add_argument("--sklearn-subset", type=int, default=20_000)
    parser.add_argument("--world", metavar="PATH", help="records folder to take the points from")
    parser.add_argument("--layer", default="patent", help="layer of --world (default patent)")
    parser.add_argument("--years", type=int, nargs=2, default=[2019, 2023], metavar=("FROM", "TO"))
    args = parser.parse_args()

    if args.world:
        points = world_points(args.world, layer=args.layer, first=args.years[0], last=args.years[1])
        est = GeoDBSCAN(eps_km=args.eps_km, min_points=args.min_points)
        seconds = median_time(lambda: est.fit(points))
        print(
            f"world={args.world} layer={args.layer} years={args.years[0]}-{args.years[1]}"
            f" eps_km={args.eps_km} min_points={args.min_points} (median of 3)\n"
            f"  n={len(points):>9,}  distinct={est.n_unique_:>9,}  clusters={est.n_clusters_:>4}"
            f"  core={est.core_mask_.mean():6.1%}  fit={seconds:8.2f} s"
        )
        return

    print(f"kind={args.kind} eps_km={args.eps_km} min_points={args.min_points} (median of 3)")
    for n in args.sizes:
        points = synthetic_points(args.kind, n)
        est = GeoDBSCAN(eps_km=args.eps_km, min_points=args.min_points)
        seconds = median_time(lambda points=points, est=est: est.fit(points))
        print(
            f"  n={n:>9,}  distinct={est.n_unique_:>9,}  clusters={est.n_clusters_:>4}"
            f"  core={est.core_mask_.mean():6.1%}  fit={seconds:8.2f} s"
        )

    # Same-process comparison with scikit-learn on a subset (min_points scaled to the subset).
    m = args.sklearn_subset
    subset = synthetic_points(args.kind, m)
    min_points = max(2.0, args.min_points * m / 1_000_000)
    ours = median_time(lambda: GeoDBSCAN(eps_km=args.eps_km, min_points=min_points).fit(subset))
    ref = DBSCAN(
        eps=args.eps_km / EARTH_RADIUS_KM,
        min_samples=int(min_points),
        metric="haversine",
        algorithm="ball_tree",
    )
    theirs = median_time(lambda: ref.fit(np.radians(subset)))
    print(
        f"  sklearn subset n={m:,} min_points={min_points:g}: GeoDBSCAN {ours:.3f} s,"
        f" sklearn DBSCAN(ball_tree, haversine) {theirs:.3f} s, ratio {theirs / ours:.1f}x"
    )


if __name__ == "__main__":
    main()
