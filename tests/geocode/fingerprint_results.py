"""Fingerprint of the geocoder's results: one line per distinct input with every result field.

Used to prove that a refactoring of ``stclusters.geocode`` changes no result: run it before and
after the change and compare the outputs (they must be identical). The inputs are

- every address of the answer keys (``tests/geocode/data/*.csv``), with the key's source style;
- every people address of the real samples (``../shared/data/samples``, read with
  :func:`stclusters.readers.read_inputs`), with the style the geocoding stage gives it;
- the addresses of the fault-reproducing cases (``../shared/data/cases``): the address tables
  (``addresses_*.csv``, ``geocode_input_*.csv``) and every case file the readers accept;
- the people addresses of a small synthetic world (``build_world(scale=0.002, seed=1)``).

Everything goes through ``Geocoder.load()`` (the user's gazetteer cache) with no result cache.
Parts whose shared folder is absent are left out with a note on stderr. Run from the repository
root::

    .venv/bin/python tests/geocode/fingerprint_results.py > before.txt
"""

from __future__ import annotations

import csv
import dataclasses
import sys
from collections.abc import Iterable
from pathlib import Path

from stclusters.errors import InputError
from stclusters.geocode import Geocoder
from stclusters.geocode.geocoder import GeocodeResult
from stclusters.geocode.stage import style_of
from stclusters.readers import read_inputs
from stclusters.records import Records
from stclusters.synth import build_world

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
#: (style, address, city, region, country) as given to :meth:`Geocoder.geocode`
Input = tuple[str | None, str | None, str | None, str | None, str | None]


def _none(value: object) -> str | None:
    """The value as a string, or None when it is null or blank."""
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def answer_key_inputs() -> set[Input]:
    """Every address of the answer keys, with the key's source style."""
    out: set[Input] = set()
    for path in sorted((ROOT / "tests" / "geocode" / "data").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                out.add((row["source"], row["address"], None, None, None))
    return out


def records_inputs(records: Records) -> set[Input]:
    """Every people address of ``records``, with the style the geocoding stage gives it."""
    docs = records.documents.select(["doc_id", "source", "layer"]).to_pylist()
    by_doc = {d["doc_id"]: (d["source"], d["layer"]) for d in docs}
    people = records.people.select(["doc_id", "address", "city", "region", "country"])
    out: set[Input] = set()
    for row in people.to_pylist():
        fields = tuple(_none(row[f]) for f in ("address", "city", "region", "country"))
        if not any(fields):
            continue
        source, layer = by_doc.get(row["doc_id"], (None, None))
        out.add((style_of(source, layer), *fields))  # type: ignore[arg-type]
    return out


def read_folder_inputs(paths: Iterable[Path]) -> set[Input]:
    """People addresses of every file the readers accept (the others noted on stderr)."""
    out: set[Input] = set()
    for path in paths:
        try:
            result = read_inputs([path])
        except InputError as exc:
            print(f"# not read: {path}: {exc}".splitlines()[0], file=sys.stderr)
            continue
        out |= records_inputs(result.records)
    return out


def sample_inputs() -> set[Input]:
    """People addresses of the real samples (every file the readers accept)."""
    samples = SHARED / "samples"
    if not samples.is_dir():
        print(f"# {samples} absent: samples left out", file=sys.stderr)
        return set()
    files = sorted(p for p in samples.rglob("*") if p.is_file() and p.suffix != ".md")
    return read_folder_inputs(files)


def case_inputs() -> set[Input]:
    """Addresses of the fault-reproducing cases: address tables and readable case files."""
    cases = SHARED / "cases"
    if not cases.is_dir():
        print(f"# {cases} absent: cases left out", file=sys.stderr)
        return set()
    out: set[Input] = set()
    tables = sorted([*cases.glob("addresses_*.csv"), *cases.glob("geocode_input_*.csv")])
    for path in tables:
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                out.add((None, row["address"], _none(row.get("city")), None, None))
                out.add((None, row["address"], None, None, None))
    others = sorted(
        p
        for p in cases.rglob("*")
        if p.is_file() and p.suffix != ".md" and p not in tables and "naming" not in str(p)
    )
    return out | read_folder_inputs(others)


def synthetic_inputs() -> set[Input]:
    """People addresses of a small synthetic world (scale 0.002, seed 1)."""
    return records_inputs(build_world(scale=0.002, seed=1).records)


def main() -> None:
    """Print one line per distinct input: the input and every field of its result."""
    groups = {
        "answer keys": answer_key_inputs(),
        "samples": sample_inputs(),
        "cases": case_inputs(),
        "synthetic world": synthetic_inputs(),
    }
    for name, group in groups.items():
        print(f"# {name}: {len(group):,} distinct inputs", file=sys.stderr)
    inputs = set().union(*groups.values())
    geo = Geocoder.load()
    names = [f.name for f in dataclasses.fields(GeocodeResult)]
    for style, address, city, region, country in sorted(inputs, key=repr):
        res = geo.geocode(address, style=style, city=city, region=region, country=country)
        values = " | ".join(f"{n}={getattr(res, n)!r}" for n in names)
        print(f"{(style, address, city, region, country)!r} -> {values}")
    print(f"# {len(inputs):,} distinct inputs", file=sys.stderr)


if __name__ == "__main__":
    main()
