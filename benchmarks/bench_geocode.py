"""Benchmark of the geocoder: gazetteer build (cold) and load (warm), unique addresses per second.

Prints medians of several runs. The address mix is every distinct address of the real WoS,
Scopus, USPTO and EPO samples in ``../shared/data/samples`` (some 6,500), each also written with
other department prefixes to reach ``--n`` distinct strings, as in real data where the same city
comes with many organisation names. Run from the repository root::

    .venv/bin/python benchmarks/bench_geocode.py [--n 60000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=60_000, help="distinct addresses per run")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
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
