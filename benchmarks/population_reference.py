"""Print the population of the largest clusters of run output folders against the UN's urban
agglomerations (tests/reference_populations.py), and the error of each.

A cluster is matched to a reference by the reference's place: the published cluster whose
footprint (clusters.geojson) holds it. Give two folders to compare two runs (say, before and
after a change of the population method).

Usage::

    .venv/bin/stclusters demo --out /tmp/demo --no-site
    .venv/bin/python benchmarks/population_reference.py /tmp/demo [/tmp/demo-before]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pyproj import Geod
from shapely.geometry import Point, shape

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from reference_populations import ABOVE, REFERENCES, TOLERANCE
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
    heads = " ".join(f"{'run ' + str(k + 1):>16}" for k in range(len(runs)))
    print(f"{'reference place':16} {'km²':>7} {heads} {'UN 2020':>8}  footprint holds")
    errors: list[list[float]] = [[] for _ in runs]
    for ref in REFERENCES:
        i = places.find(ref.place, ref.country)
        point = Point(float(places.lon[i]), float(places.lat[i]))
        cells, area = [], float("nan")
        for k, feats in enumerate(runs):
            hit = [(p, g) for p, g in feats if g.contains(point)]
            if not hit:
                cells.append(f"{'-':>16}")
                continue
            props, geom = hit[0]
            area = abs(geod.geometry_area_perimeter(geom)[0]) / 1e6
            pop = props.get("population")
            if pop is None:
                cells.append(f"{'not known':>16}")
                continue
            err = pop / (ref.millions * 1e6) - 1
            if ref.short is None:
                errors[k].append(abs(err))
            cells.append(f"{pop / 1e6:7.2f} M {err:+6.0%}")
        held = (
            "whole"
            if ref.short is None
            else "city limits"
            if ref.short.startswith(ABOVE)
            else "part"
        )
        print(f"{ref.place:16} {area:7,.0f} {' '.join(cells)} {ref.millions:6.1f} M  {held}")
    for k, errs in enumerate(errors):
        inside = sum(e <= TOLERANCE for e in errs)
        mean = sum(errs) / len(errs) if errs else float("nan")
        print(
            f"run {k + 1}: {inside} of {len(errs)} held agglomerations within "
            f"{TOLERANCE:.0%}; mean absolute error {mean:.1%}"
        )


if __name__ == "__main__":
    main()
