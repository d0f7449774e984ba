"""Check the cluster names of a run: sections, other economies and far cities among them.

Usage::

    python benchmarks/bench_naming.py OUT_FOLDER [WORLD_FOLDER]

OUT_FOLDER is the output folder of ``stclusters run`` (its ``all_clusters.csv``); WORLD_FOLDER, a
synthetic world folder (``truth_hubs.csv``): then also how every planted hub is named. Prints,
for every cluster, each city of its name that is a section of another place (may not name), lies
outside the cluster's economies, or lies more than ``FAR_KM`` from the cluster's centre, and the
counts.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import numpy as np

from stclusters._sphere import haversine_km
from stclusters.places import load_places

EN_DASH = "\u2013"
#: A city of the name farther than this from the cluster's centre is listed.
FAR_KM = 60.0


def main(out: Path, world: Path | None) -> None:
    places = load_places()
    by_name: dict[str, list[int]] = {}
    for i, n in enumerate(places.name):
        by_name.setdefault(str(n), []).append(i)
    with (out / "all_clusters.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    counts = {"clusters": len(rows), "section": 0, "other_economy": 0, "far": 0}
    for row in rows:
        name = re.sub(r" \d+$", "", row["name"])
        econ = [e for e in row["economies"].split(";") if e]
        lat, lon = float(row["lat"]), float(row["lon"])
        for part in name.split(EN_DASH):
            cand = by_name.get(part, [])
            if not cand:
                print(f"{row['name']}: {part!r} is no GeoNames place name")
                continue
            d = haversine_km(lat, lon, places.lat[cand], places.lon[cand])
            i = cand[int(np.argmin(d))]
            dist = float(d.min())
            problems = []
            if places.section[i] >= 0:
                problems.append(f"a section of {places.name[places.section[i]]}")
                counts["section"] += 1
            if econ and str(places.country[i]) not in econ:
                problems.append(f"in {places.country[i]}, not in {';'.join(econ)}")
                counts["other_economy"] += 1
            if dist > FAR_KM:
                problems.append(f"{dist:.0f} km from the centre")
                counts["far"] += 1
            if problems:
                print(f"{row['name']} ({row['economies']}): {part}: {', '.join(problems)}")
    print(counts)
    if world is None:
        return
    import json

    from shapely.geometry import Point, shape

    from stclusters.synth.calibration import load_calibration

    feats = json.loads((out / "clusters.geojson").read_text())["features"]
    shapes = [(f["properties"]["name"], shape(f["geometry"])) for f in feats]
    good = 0
    hubs = load_calibration().hubs
    for hub in hubs:
        spots = [places.find(n, cc) for n, cc in hub.places]
        first = spots[0]
        here = [n for n, g in shapes if g.contains(Point(places.lon[first], places.lat[first]))]
        listed = [str(places.name[i]) for i in spots]
        got = here[0] if here else None
        parts = re.sub(r" \d+$", "", got).split(EN_DASH) if got else []
        ok = bool(parts) and parts[0] == listed[0] and set(parts) <= set(listed)
        good += ok
        print(f"{'ok ' if ok else 'BAD'} {hub.name:32s} -> {got}   (listed: {', '.join(listed)})")
    print(f"hubs named from their listed places, first place first: {good} of {len(hubs)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
