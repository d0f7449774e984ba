"""Time the site for the demo world's size (100 profiles) and weigh the folder.

Prints the median of 3 runs of ``write_site`` (index, 100 HTML pages, 100 PDFs, 100 Markdown
files, assets) on a made-up output folder, and the folder's size. Usage::

    .venv/bin/python benchmarks/bench_report.py [--clusters 100] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from stclusters.report import write_site

# the made-up output folder comes from the tests' generator (not part of the package)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from sample_run import write_sample_run

PIPELINE_FILES = {"ranking.json", "profiles.json", "clusters.geojson", "accounts.json"}


def folder_size(folder: Path, *, site_only: bool = False) -> int:
    """Total bytes of the files in a folder (only the site's files with ``site_only``)."""
    return sum(
        p.stat().st_size
        for p in folder.rglob("*")
        if p.is_file() and not (site_only and p.name in PIPELINE_FILES)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_sample_run(Path(tmp) / "out", clusters=args.clusters, seed=0)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            write_site(folder)
            times.append(time.perf_counter() - start)
        total = folder_size(folder)
        site = folder_size(folder, site_only=True)
        pdfs = list((folder / "profiles").glob("*.pdf"))
        print(f"profiles: {args.clusters}")
        print(
            f"write_site: median {statistics.median(times):.2f} s over {args.runs} runs "
            f"({', '.join(f'{t:.2f}' for t in times)})"
        )
        print(
            f"folder: {total / 1e6:.1f} MB in all, {site / 1e6:.1f} MB written by the site "
            f"(index.html {(folder / 'index.html').stat().st_size / 1e3:.0f} kB, "
            f"PDFs {sum(p.stat().st_size for p in pdfs) / 1e6:.1f} MB)"
        )


if __name__ == "__main__":
    main()
