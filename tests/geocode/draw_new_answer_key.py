"""Draw the held-out sample of real addresses behind the second answer key (run by hand, once).

Same readers and pools as ``draw_answer_key_sample.py`` (the unique address strings of the WoS,
Scopus, USPTO and EPO files in ``../shared/data/samples``), another seed, and every address
already in ``data/answer_key.csv`` left out. The drawn addresses were then read *by a person*,
who filled in city, country and region (``data/answer_key_holdout.csv``) without looking at what
the geocoder says. The key is held out: rules are never tuned while looking at its misses.

Usage::

    python tests/geocode/draw_new_answer_key.py > /tmp/holdout_sample.csv
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import draw_answer_key_sample as d  # the sample readers of the first key

SEED = 20261129
SIZES = {"wos": 140, "scopus": 110, "uspto": 45, "epo": 35}
FIRST_KEY = Path(__file__).resolve().parent / "data" / "answer_key.csv"


def main() -> None:
    if not d.SAMPLES.is_dir():
        sys.exit(f"no samples folder at {d.SAMPLES}")
    with FIRST_KEY.open(encoding="utf-8", newline="") as fh:
        taken = {row["address"] for row in csv.DictReader(fh)}
    pools: dict[str, dict[tuple[str, str], None]] = {k: {} for k in SIZES}
    samples = d.SAMPLES
    for path in sorted((samples / "wos").iterdir()):
        if path.name != "badFile.isi" and path.suffix in (".txt", ".isi"):
            for a in d.wos_addresses(path):
                pools["wos"].setdefault((path.name, a))
    for path in sorted((samples / "scopus").iterdir()):
        for a in d.scopus_addresses(path):
            pools["scopus"].setdefault((path.name, a))
    for path in sorted((samples / "patents" / "uspto").rglob("*")):
        if path.suffix in (".xml", ".zip"):
            for a in d.uspto_addresses(path):
                pools["uspto"].setdefault((path.name, a))
    for path in sorted((samples / "patents" / "epo").rglob("*.xml")):
        for a in d.epo_addresses(path):
            pools["epo"].setdefault((path.name, a))
    rng = random.Random(SEED)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["source", "file", "address"])
    for source, size in SIZES.items():
        # unique address strings not in the first key (first file that has each), sorted
        seen: dict[str, str] = {}
        for f, a in pools[source]:
            if a not in taken:
                seen.setdefault(a, f)
        items = sorted(seen.items())
        print(f"{source}: {len(items)} unique addresses not in the first key", file=sys.stderr)
        for a, f in rng.sample(items, min(size, len(items))):
            writer.writerow([source, f, a])


if __name__ == "__main__":
    main()
