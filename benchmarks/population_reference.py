"""Print the population of the 20 largest clusters of run output folders against their
metropolitan populations (tests/reference_populations.py: the UN's urban agglomerations of WUP
2018 File 12, 2020, whose point lies in the footprint; metropolitan regions for Germany and the
Netherlands), with the ratio of each.

A cluster is matched to a reference by its locating place: the published cluster whose footprint
(clusters.geojson) holds it. Give two folders to compare two runs (say, before and after a change
of the population method): the reference is that of the first run's footprint.

Usage::

    .venv/bin/stclusters demo --out /tmp/demo --no-site
    .venv/bin/python benchmarks/population_reference.py /tmp/demo [/tmp/demo-before]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from pyproj import Geod
from shapely.geometry import Point, shape

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from reference_populations import PLACES, TOLERANCE, reference_of
from stclusters.places import load_places


def _features(folder: Path) -> list[tuple[dict[str, Any], Any]]:
    data = json.loads((folder / "clusters.geojson").read_text(encoding="utf-8"))
    return [(f["properties"], shape(f["geometry"])) for f in data["features"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args()
    places, geod = load_places(), Geod(ellps="WGS84")
    runs = [_features(f) for f in args.folders]
    heads = " ".join(f"{'run ' + str(k + 1) + ' (ratio)':>17}" for k in range(len(runs)))
    print(f"{'cluster':30} {'km²':>7} {'reference':>9} {heads}  reference sums")
    inside = [0] * len(runs)
    ratios: list[list[float]] = [[] for _ in runs]
    for place, country in PLACES:
        i = places.find(place, country)
        point = Point(float(places.lon[i]), float(places.lat[i]))
        hits = [[(p, g) for p, g in feats if g.contains(point)] for feats in runs]
        if not hits[0]:
            print(f"{place:30} no cluster of run 1 holds it")
            continue
        props, geom = hits[0][0]
        ref, sums = reference_of(geom, country=country)
        area = abs(geod.geometry_area_perimeter(geom)[0]) / 1e6
        cells = []
        for k, hit in enumerate(hits):
            pop = hit[0][0].get("population") if hit else None
            if pop is None or ref <= 0:
                cells.append(f"{'-':>17}")
                continue
            ratio = pop / ref
            inside[k] += abs(ratio - 1) <= TOLERANCE
            ratios[k].append(ratio)
            cells.append(f"{pop / 1e6:7.2f} M ({ratio:4.2f})")
        name = str(props["name"])[:30]
        print(f"{name:30} {area:7,.0f} {ref / 1e6:7.2f} M {' '.join(cells)}  {sums}")
    for k, n in enumerate(inside):
        r = sorted(ratios[k], key=lambda x: abs(x - 1))
        median = statistics.median(ratios[k]) if r else float("nan")
        worst = r[-1] if r else float("nan")
        mae = statistics.fmean(abs(x - 1) for x in r) if r else float("nan")
        print(
            f"run {k + 1}: {n} of {len(PLACES)} within {TOLERANCE:.0%} of the reference; "
            f"ratio median {median:.2f}, worst {worst:.2f}, mean absolute error {mae:.1%}"
        )


if __name__ == "__main__":
    main()
