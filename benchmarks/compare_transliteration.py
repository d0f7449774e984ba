"""Compare the project's transliteration (``anyascii``) with the Unidecode library it replaced.

Unidecode is GPL-2.0-or-later and is no dependency of stclusters any more; this script needs it
installed by hand, in a throw-away environment (``pip install Unidecode==1.4.0``). It prints

1. **names**: every GeoNames name the project folds (the name and alternate names of each place
   of the places cache, the supplement places, the ISO 3166-2 subdivision, region and country
   names the gazetteer build folds), with the number whose lookup key
   (:func:`stclusters.geocode._text.key`) and whose folded words
   (:func:`stclusters.geocode._text.fold`) differ between the two, per script, with examples;
2. **geocoder**: the results of the geocoder on every non-ASCII name of the places of
   ``--min-population`` or more inhabitants, written as an address (``"name, Country"``) and
   alone, with the gazetteer and the addresses folded the old way and the new way (two child
   processes, each building its own gazetteer in a temporary folder), and every result that
   differs.

The geocoder's results on the project's own inputs are compared by
``tests/geocode/fingerprint_results.py`` (run it before and after a change). Run from the
repository root::

    .venv/bin/python benchmarks/compare_transliteration.py
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

import stclusters.geocode._text as text_module
from stclusters.geocode._text import ascii_text

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def _old() -> Callable[[str], str]:
    """Unidecode's transliteration, or exit with the command that installs it."""
    try:
        from unidecode import unidecode  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        sys.exit(
            "this comparison needs the Unidecode library (GPL, no dependency of stclusters): "
            "pip install Unidecode==1.4.0 into a throw-away environment"
        )
    return unidecode  # type: ignore[no-any-return]


def _use(which: str) -> None:
    """Make the geocoder's text functions transliterate the ``which`` ("old"/"new") way."""
    if which == "old":
        old = _old()
        text_module.ascii_text = lambda t: t if t.isascii() else old(t)


def _key(text: str, translit: Callable[[str], str]) -> str:
    return _NON_ALNUM.sub("", translit(text).lower())


def _fold(text: str, translit: Callable[[str], str]) -> str:
    return " ".join(translit(text).lower().translate(text_module._PUNCT).split())


def _script(ch: str) -> str:
    """The first word of a character's Unicode name ("CYRILLIC", "CJK", "HANGUL")."""
    return unicodedata.name(ch, "UNNAMED").split()[0]


def folded_names() -> set[str]:
    """Every non-ASCII string the gazetteer build transliterates, and every GeoNames name."""
    from stclusters.geocode.countries import country_aliases
    from stclusters.geocode.gazetteer import SUPPLEMENT_PLACES, Gazetteer
    from stclusters.places import load_places

    seen: set[str] = set()
    new = text_module.ascii_text

    def record(t: str) -> str:
        if not t.isascii():
            seen.add(t)
        return new(t)

    text_module.ascii_text = record
    try:
        with tempfile.TemporaryDirectory() as tmp:
            Gazetteer.build(cache_dir=Path(tmp))
        country_aliases.cache_clear()
        country_aliases()
    finally:
        text_module.ascii_text = new
    places = load_places()
    for name, alts in zip(places.name, places.alternatenames, strict=True):
        seen.update(n for n in (str(name), *alts) if not n.isascii())
    for name, alts, *_ in SUPPLEMENT_PLACES:
        seen.update(n for n in (name, *alts) if not n.isascii())
    return seen


def compare_names(names: Iterable[str], *, examples: int) -> None:
    """Print how many names get another key or other folded words, per script."""
    old = _old()
    names = sorted(names)
    keys: collections.Counter[str] = collections.Counter()
    folds: collections.Counter[str] = collections.Counter()
    shown: dict[str, list[str]] = collections.defaultdict(list)
    n_key = n_fold = 0
    for name in names:
        key_differs = _key(name, old) != _key(name, ascii_text)
        fold_differs = _fold(name, old) != _fold(name, ascii_text)
        n_key += key_differs
        n_fold += fold_differs
        if not (key_differs or fold_differs):
            continue
        scripts = {_script(ch) for ch in name if not ch.isascii()}
        for s in scripts:
            (keys if key_differs else folds)[s] += 1
            if len(shown[s]) < examples:
                shown[s].append(
                    f"{name!r}: {_fold(name, old)!r} -> {_fold(name, ascii_text)!r}"
                    + ("" if key_differs else " (same key)")
                )
    chars = {ch for name in names for ch in name if not ch.isascii()}
    n_chars = sum(_key(ch, old) != _key(ch, ascii_text) for ch in chars)
    print(f"names folded (distinct, non-ASCII): {len(names):,}")
    print(f"  another key:          {n_key:,} ({n_key / max(len(names), 1):.1%})")
    print(f"  other folded words:   {n_fold:,} ({n_fold / max(len(names), 1):.1%})")
    print(f"  characters: {len(chars):,} distinct, {n_chars:,} with another key")
    print("per script (names with another key / with the same key but other words):")
    for s in sorted(set(keys) | set(folds), key=lambda s: -(keys[s] + folds[s])):
        print(f"  {s:<12} {keys[s]:>8,} {folds[s]:>8,}   e.g. {shown[s][0]}")
        for ex in shown[s][1:]:
            print(f"  {'':<12} {'':>8} {'':>8}        {ex}")


#: A result this close to the place whose name was written counts as right.
RIGHT_KM = 10.0


def geocoder_inputs(min_population: int) -> list[tuple[str, str | None, float, float]]:
    """(address, country code or None, lat, lon of the place) for each non-ASCII name of the
    places of ``min_population`` or more inhabitants: as ``"name, Country"`` and alone with the
    country given."""
    from stclusters.places import country_names, load_places

    places = load_places()
    countries = country_names()
    out: dict[tuple[str, str | None], tuple[float, float]] = {}
    for i in range(len(places)):
        if places.population[i] < min_population:
            continue
        code = str(places.country[i])
        where = (float(places.lat[i]), float(places.lon[i]))
        for name in (str(places.name[i]), *places.alternatenames[i]):
            if name.isascii():
                continue
            out.setdefault((f"{name}, {countries.get(code, code)}", None), where)
            out.setdefault((name, code), where)
    return [(a, c, lat, lon) for (a, c), (lat, lon) in sorted(out.items(), key=lambda t: t[0][0])]


def geocode_all(which: str, inputs_path: Path, out_path: Path) -> None:
    """Child process: geocode every input the ``which`` way, one JSON result a line."""
    _use(which)
    from stclusters.geocode import Geocoder
    from stclusters.geocode.gazetteer import Gazetteer

    inputs = json.loads(inputs_path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        geocoder = Geocoder(Gazetteer.build(cache_dir=Path(tmp)))
    with out_path.open("w", encoding="utf-8") as fh:
        for address, country, *_ in inputs:
            r = geocoder.geocode(address, country=country)
            fh.write(json.dumps(dataclasses.asdict(r)) + "\n")


def _right(result: dict[str, object], lat: float, lon: float) -> bool:
    """True when the result is a point within :data:`RIGHT_KM` of (lat, lon)."""
    from stclusters._sphere import haversine_km

    if result["lat"] is None:
        return False
    d = haversine_km(
        np.array([result["lat"]], dtype=float),
        np.array([result["lon"]], dtype=float),
        np.array([lat]),
        np.array([lon]),
    )
    return bool(d[0] <= RIGHT_KM)


def compare_geocoder(min_population: int, *, examples: int, dump: Path | None = None) -> None:
    """Print how many geocoder results differ between the two transliterations, and how."""
    inputs = geocoder_inputs(min_population)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "inputs.json").write_text(json.dumps(inputs), encoding="utf-8")
        results = {}
        for which in ("old", "new"):
            out = folder / f"{which}.jsonl"
            subprocess.run(
                [sys.executable, __file__, "--child", which, str(folder / "inputs.json"), str(out)],
                check=True,
            )
            results[which] = [json.loads(r) for r in out.read_text(encoding="utf-8").splitlines()]
    old, new = results["old"], results["new"]
    right = {
        w: [_right(r, t[2], t[3]) for r, t in zip(rs, inputs, strict=True)]
        for w, rs in results.items()
    }
    differ = [i for i in range(len(inputs)) if old[i] != new[i]]
    moved = [i for i in differ if (old[i]["lat"], old[i]["lon"]) != (new[i]["lat"], new[i]["lon"])]
    moved_set = set(moved)
    fields = collections.Counter(
        k for i in differ if i not in moved_set for k in old[i] if old[i][k] != new[i][k]
    )
    print(
        f"geocoder on the non-ASCII names of the places of {min_population:,}+ inhabitants "
        f"(as 'name, Country' and as the name with its country code): {len(inputs):,} inputs"
    )
    for w in ("old", "new"):
        located = sum(r["precision"] is not None for r in results[w])
        print(
            f"  {w}: located {located:,}, within {RIGHT_KM:g} km of the place named "
            f"{sum(right[w]):,} ({sum(right[w]) / len(inputs):.2%})"
        )
    if dump is not None:  # every differing result, for a closer look
        rows = [{"input": inputs[i], "old": old[i], "new": new[i]} for i in differ]
        dump.write_text(json.dumps(rows, ensure_ascii=False, indent=0), encoding="utf-8")
    print(f"  results that differ: {len(differ):,}")
    print(f"    same point, other fields: {len(differ) - len(moved):,} {dict(fields)}")
    gained = sum(right["new"][i] and not right["old"][i] for i in moved)
    lost = sum(right["old"][i] and not right["new"][i] for i in moved)
    print(
        f"    another point: {len(moved):,} (now right {gained:,}, now wrong {lost:,}, "
        f"wrong both ways {sum(not right['old'][i] and not right['new'][i] for i in moved):,}, "
        f"right both ways {sum(right['old'][i] and right['new'][i] for i in moved):,})"
    )

    def show(i: int) -> str:
        o, n = old[i], new[i]
        return (
            f"    {inputs[i][0]!r} ({inputs[i][1]}): {o['city']}/{o['region']}/{o['precision']}"
            f"{' right' if right['old'][i] else ''} -> {n['city']}/{n['region']}/"
            f"{n['precision']}{' right' if right['new'][i] else ''}"
        )

    for title, idx in (
        ("now wrong", [i for i in moved if right["old"][i] and not right["new"][i]]),
        ("now right", [i for i in moved if right["new"][i] and not right["old"][i]]),
        ("same point", [i for i in differ if i not in moved_set]),
    ):
        print(f"  examples, {title}:")
        for i in idx[:examples]:
            print(show(i))


def main() -> None:
    """Parse the arguments and print the comparisons."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=3, help="examples per script")
    parser.add_argument("--min-population", type=int, default=100_000)
    parser.add_argument("--skip-geocoder", action="store_true")
    parser.add_argument("--dump", type=Path, help="write the differing results to this JSON file")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        which, inputs_path, out_path = args.child
        geocode_all(which, Path(inputs_path), Path(out_path))
        return
    _old()
    compare_names(folded_names(), examples=args.examples)
    if not args.skip_geocoder:
        compare_geocoder(args.min_population, examples=max(args.examples, 20), dump=args.dump)


if __name__ == "__main__":
    main()
