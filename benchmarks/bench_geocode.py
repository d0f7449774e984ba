"""Benchmark of the geocoder: gazetteer build (cold) and load (warm), unique addresses per second;
with ``--stage``, the geocoding stage on records folders without coordinates.

Prints medians of several runs. The address mix is every distinct address of the real WoS,
Scopus, USPTO and EPO samples in ``../shared/data/samples`` (some 6,500), each also written with
other department prefixes to reach ``--n`` distinct strings, as in real data where the same city
comes with many organisation names.

``--stage`` times ``open_inputs`` + ``geocode_inputs`` (the stage as ``stclusters run`` runs it)
in a subprocess per measurement and prints its wall and CPU time and its peak resident memory
(the process's ``VmHWM`` and, separately, its largest pool worker's ``ru_maxrss``, which
counts the pages it shares with the process it was forked from), on two records folders kept in
``~/.cache/stclusters/bench-geocode``: the real samples (read once with the readers), and a
synthetic world of ``--scale`` (default 0.2) with ``lat``, ``lon`` and ``precision`` dropped and
the address strings kept. Each is run with an empty result cache (every distinct input geocoded)
and again with the cache full. ``--code PATH`` runs the stage of another source tree (for
instance ``../main/src``, to compare before and after). Run from the repository root::

    .venv/bin/python benchmarks/bench_geocode.py [--n 60000] [--runs 3]
    nice -n 10 .venv/bin/python benchmarks/bench_geocode.py --stage [--scale 0.2] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "geocode"))

from stclusters.geocode import Gazetteer, Geocoder, address  # noqa: E402

DEPARTMENTS = [
    "Dept Phys",
    "Sch Med",
    "Dept Chem",
    "Coll Engn",
    "Inst Informat",
    "Dept Comp Sci",
    "Key Lab Mat",
    "Div Cardiol",
    "Fac Sci",
    "Ctr Res",
]


def real_addresses() -> list[tuple[str, str]]:
    """(address, style) of every distinct address of the shared samples."""
    import draw_answer_key_sample as d  # the sample reader of the answer key

    samples = d.SAMPLES
    if not samples.is_dir():
        sys.exit(f"no samples at {samples}: the benchmark needs ../shared/data/samples")
    items: set[tuple[str, str]] = set()
    for p in sorted((samples / "wos").iterdir()):
        if p.name != "badFile.isi" and p.suffix in (".txt", ".isi"):
            items.update((a, "wos") for a in d.wos_addresses(p))
    for p in sorted((samples / "scopus").iterdir()):
        items.update((a, "scopus") for a in d.scopus_addresses(p))
    for p in sorted((samples / "patents" / "uspto").rglob("*")):
        if p.suffix in (".xml", ".zip"):
            items.update((a, "uspto") for a in d.uspto_addresses(p))
    for p in sorted((samples / "patents" / "epo").rglob("*.xml")):
        items.update((a, "epo") for a in d.epo_addresses(p))
    return sorted(items)


def mix(n: int) -> list[tuple[str, str]]:
    """``n`` distinct (address, style) pairs built from the real addresses."""
    base = real_addresses()
    out = list(base)
    k = 0
    while len(out) < n:
        dept = DEPARTMENTS[k % len(DEPARTMENTS)] + (f" {k // len(DEPARTMENTS)}" if k >= 10 else "")
        for a, s in base:
            if s in ("wos", "scopus"):
                out.append((f"{dept}, {a}", s))
        k += 1
    return out[:n]


BENCH = Path.home() / ".cache" / "stclusters" / "bench-geocode"


def samples_folder() -> Path:
    """A records folder of every real sample the readers accept (written once, then reused)."""
    from stclusters.readers import read_inputs
    from stclusters.records import write_records

    folder = BENCH / "samples"
    if not (folder / "manifest.json").exists():
        samples = ROOT.parent / "shared" / "data" / "samples"
        if not samples.is_dir():
            sys.exit(f"no samples at {samples}: the benchmark needs ../shared/data/samples")
        write_records(read_inputs([samples]).records, folder, force=True)
    return folder


def world_without_coordinates(scale: float, *, seed: int = 0) -> Path:
    """A synthetic world of ``scale`` with lat, lon and precision of every person dropped.

    The world is written once (``stclusters.synth.world.write_world``) and its people table
    rewritten by DuckDB with those three columns null; the address strings (address, city,
    region, country) are kept. Both folders are reused by later runs.
    """
    import duckdb

    from stclusters.synth.world import write_world

    world = BENCH / f"world-{scale:g}"
    out = BENCH / f"world-{scale:g}-no-coordinates"
    if (out / "manifest.json").exists():
        return out
    if not (world / "manifest.json").exists():
        write_world(world, scale=scale, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("documents", "classes", "applicants"):
        shutil.copyfile(world / f"{name}.parquet", out / f"{name}.parquet")
    con = duckdb.connect()
    src = str(world / "people.parquet").replace("'", "''")
    dest = str(out / "people.parquet").replace("'", "''")
    con.execute(
        "COPY (SELECT * REPLACE (NULL::DOUBLE AS lat, NULL::DOUBLE AS lon, "
        f"NULL::VARCHAR AS precision) FROM read_parquet('{src}')) TO '{dest}' (FORMAT parquet)"
    )
    con.close()
    shutil.copyfile(world / "manifest.json", out / "manifest.json")
    return out


# one measurement, in a subprocess: argv = records folder, cache folder, workers (or '-')
_STAGE = r"""
import inspect, json, resource, sys, time
from pathlib import Path
import stclusters
from stclusters.inputs import Workspace, geocode_inputs, open_inputs
folder, cache, workers = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
if float(sys.argv[5]) > 0:  # an address-space limit: fail rather than crowd out the machine
    lim = int(float(sys.argv[5]) * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
options = {"cache_dir": cache}
if workers != "-" and "workers" in inspect.signature(geocode_inputs).parameters:
    options["workers"] = int(workers)
with Workspace(memory_limit_gb=float(sys.argv[4])) as ws:
    tables = open_inputs([folder], workspace=ws)
    start, cpu = time.perf_counter(), time.process_time()
    tables, accounts = geocode_inputs(tables, **options)
    n = ws.con.execute("SELECT count(*), count(lat) FROM people").fetchall()[0]
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
peak = next(int(line.split()[1]) / 2**20 for line in open("/proc/self/status")
            if line.startswith("VmHWM:"))  # ru_maxrss would count the parent's, from fork
print("\nRESULT", json.dumps({
    "seconds": seconds, "cpu": cpu + kids.ru_utime + kids.ru_stime,
    "peak_gb": peak, "worker_peak_gb": kids.ru_maxrss / 2**20,
    "rows": n[0], "located": n[1], "unique": accounts.get("unique_inputs"),
    "code": stclusters.__file__,
}))
"""


def stage_once(
    folder: Path,
    cache: Path,
    *,
    workers: int | None,
    code: str | None,
    memory_gb: float,
    limit_gb: float = 0.0,
) -> dict[str, object]:
    """The stage once on ``folder`` with the result cache in ``cache``, in a subprocess."""
    env = dict(os.environ)
    if code:
        env["PYTHONPATH"] = code
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            _STAGE,
            str(folder),
            str(cache),
            str(workers or "-"),
            str(memory_gb),
            str(limit_gb),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["killed"])[-1][:160]}
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")][-1]
    result: dict[str, object] = json.loads(line.removeprefix("RESULT "))
    return result


def stage_cache(dest: Path) -> Path:
    """A cache folder holding the user's gazetteer files (linked) and no result cache."""
    from stclusters._paths import cache_folder

    dest.mkdir(parents=True, exist_ok=True)
    for f in cache_folder(None).glob("*.npz"):
        link = dest / f.name
        if not link.exists():
            link.symlink_to(f)
    return dest


def stage_main(args: argparse.Namespace) -> None:
    """Print the stage's time and memory on the samples and the world without coordinates."""
    sets = []
    if args.only != "world":
        sets.append(("real samples", samples_folder()))
    if args.only != "samples":
        world = world_without_coordinates(args.scale)
        sets.append((f"world {args.scale:g}, no coordinates", world))
    code = args.code or "this tree"
    print(
        f"geocoding stage (open_inputs + geocode_inputs), code: {code}; DuckDB memory limit "
        f"{args.memory_gb:g} GB; load average {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)"
    )
    print(
        "| input | rows | located | distinct | workers | result cache | wall | CPU | peak "
        "(process) | peak (a worker) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, folder in sets:
        for workers in args.workers:
            with tempfile.TemporaryDirectory(prefix="bench-geocode-") as tmp:
                cache = stage_cache(Path(tmp))
                for state in ("empty", "full"):
                    r = stage_once(
                        folder,
                        cache,
                        workers=workers,
                        code=args.code,
                        memory_gb=args.memory_gb,
                        limit_gb=args.limit_gb,
                    )
                    if "error" in r:
                        print(f"| {name} | | | | {workers} | {state} | failed: {r['error']} |")
                        break
                    print(
                        f"| {name} | {r['rows']:,} | {r['located']:,} | {r['unique'] or 0:,} "
                        f"| {workers} | {state} | {r['seconds']:.1f} s | {r['cpu']:.1f} s "
                        f"| {r['peak_gb']:.2f} GB | {r['worker_peak_gb']:.2f} GB |",
                        flush=True,
                    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=60_000, help="distinct addresses per run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--stage", action="store_true", help="time the stage on records folders")
    ap.add_argument("--scale", type=float, default=0.2, help="scale of the world for --stage")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="--stage workers")
    ap.add_argument("--code", help="the src folder of the code to run (default: this tree)")
    ap.add_argument("--memory-gb", type=float, default=4.0, help="DuckDB memory limit (--stage)")
    ap.add_argument(
        "--limit-gb", type=float, default=0.0, help="address-space limit of a --stage run (0: none)"
    )
    ap.add_argument("--only", choices=["samples", "world"], help="one of the --stage inputs")
    args = ap.parse_args()
    if args.stage:
        stage_main(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        Gazetteer.load(folder)
        cold = time.perf_counter() - t
        print(f"gazetteer cache built (cold, one run): {cold:.1f} s")
        warm = []
        for _ in range(args.runs):
            t = time.perf_counter()
            gaz = Gazetteer.load(folder)
            warm.append(time.perf_counter() - t)
        size = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
        print(
            f"gazetteer cache loaded (warm): {statistics.median(warm):.2f} s (median of "
            f"{args.runs}); {len(gaz):,} places, {len(gaz.keys):,} name keys, {size:.0f} MB"
        )
    print(
        "rates: distinct addresses per second, from CPU time (one core, what the target means) "
        "and from wall time (lower when other jobs share the machine)"
    )
    real = real_addresses()
    geo = Geocoder(gaz)
    _rate(geo, real, 1, reset=True)  # warm up the fuzzy-match tables
    cpu, wall = _rate(geo, real, args.runs, reset=True)
    print(
        f"  the {len(real):,} distinct real sample addresses (warm tables, no memo): "
        f"{cpu:,.0f}/s CPU, {wall:,.0f}/s wall (median of {args.runs})"
    )
    addresses = mix(args.n)
    cpu, wall = _rate(None, addresses, args.runs, reset=True, gazetteer=gaz)
    results = [geo.geocode(a, style=s) for a, s in addresses]
    located = sum(r.precision == "city" for r in results) / len(results)
    print(
        f"  mix of {len(addresses):,} (the real ones with other department prefixes; fresh "
        f"geocoder each run): {cpu:,.0f}/s CPU, {wall:,.0f}/s wall (median of {args.runs}); "
        f"located to a city: {located:.1%}"
    )


def _rate(
    geo: Geocoder | None,
    addresses: list[tuple[str, str]],
    runs: int,
    *,
    reset: bool,
    gazetteer: Gazetteer | None = None,
) -> tuple[float, float]:
    """Median rates (CPU, wall) of geocoding ``addresses`` ``runs`` times."""
    cpu, wall = [], []
    for _ in range(runs):
        g = geo if geo is not None else Geocoder(gazetteer)  # type: ignore[arg-type]
        if reset:  # forget the memos of parts and lookups: every address is new
            address._PART_MEMO.clear()
            g._part_memo.clear()
            g._fuzzy_memo.clear()
        t, c = time.perf_counter(), time.process_time()
        for a, s in addresses:
            g.geocode(a, style=s)
        cpu.append(len(addresses) / (time.process_time() - c))
        wall.append(len(addresses) / (time.perf_counter() - t))
    return statistics.median(cpu), statistics.median(wall)


if __name__ == "__main__":
    main()
