"""Cluster names from their main cities (method.md section 6), with a user override table.

Each distinct located point of a cluster counts for one GeoNames place, chosen among the places
that may name a cluster (:meth:`stclusters.places.Places.may_name`: never a district, section or
neighbourhood) of the cluster's economies, in this order:

1. *its own city*: the city of at least ``name_min_population`` inhabitants whose nominal
   radius (:func:`city_radius_km`, 5,000 people per km²) holds the point most centrally (the
   smallest distance to its centre relative to its radius: a point in Cambridge,
   Massachusetts, counts for Cambridge, not for Boston 4 km away; one in northern Cairo for
   Cairo, radius 22 km, not for Shubrā al Khaymah, 8 km, whose centre is nearer);
2. *its metropolis*: else the most populous such city whose metropolitan reach
   (:func:`metro_radius_km`) holds it (Armonk, 48 km from Manhattan, counts for New York City);
3. *its own town*: else the nearest smaller place whose nominal radius holds the point (a point
   in Redmond, Washington, 64,000 inhabitants, counts for Redmond, not for Bellevue 7 km away);
4. *its town*: else the most populous place of any size within ``eps_km`` (a cluster at
   Charlottesville is named after Charlottesville, not after Richmond 100 km away);
5. else the nearest place.

A cluster's cities are then ordered by the output that counts for them (:func:`cluster_names`).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Collection, Mapping
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from stclusters._sphere import EARTH_RADIUS_KM, chord, to_xyz
from stclusters.errors import ConfigError, InputError
from stclusters.places import URBAN_DENSITY, Places, load_places

__all__ = [
    "MainPlaces",
    "city_radius_km",
    "cluster_names",
    "cluster_place_weights",
    "layer_balanced",
    "metro_radius_km",
    "read_name_overrides",
]

EN_DASH = "\u2013"

#: People per km² over a metropolitan area, from which a city's population gives the reach of
#: its metropolis: about the density of the large metropolitan areas of North America and Europe
#: (New York-Newark-Jersey City: 19.5 million people on about 21,500 km² of land, 2020 US Census,
#: 900 per km²). Applied to the population of the city proper (New York City 8.8 million: 53 km),
#: it reaches less far than the metropolitan area itself, and a city of 226,000 (Richmond,
#: Virginia) reaches 8.5 km.
METRO_DENSITY = 1000.0
#: Largest metropolitan reach (GeoNames gives some Chinese prefecture-level cities tens of
#: millions of people, most of them rural).
MAX_METRO_RADIUS_KM = 60.0
#: Largest nominal radius of a city (as :data:`stclusters.places.MAX_CITY_RADIUS_KM`).
MAX_CITY_RADIUS_KM = 50.0


def city_radius_km(population: NDArray[np.int64]) -> NDArray[np.float64]:
    """(n,) nominal radius (km) of cities of ``population`` inhabitants: a disc at
    :data:`stclusters.places.URBAN_DENSITY` people per km², at most :data:`MAX_CITY_RADIUS_KM`."""
    r = np.sqrt(np.asarray(population, dtype=np.float64) / (math.pi * URBAN_DENSITY))
    return np.asarray(np.minimum(r, MAX_CITY_RADIUS_KM))


def metro_radius_km(population: NDArray[np.int64]) -> NDArray[np.float64]:
    """(n,) metropolitan reach (km) of cities of ``population`` inhabitants: a disc at
    :data:`METRO_DENSITY` people per km², at most :data:`MAX_METRO_RADIUS_KM`."""
    r = np.sqrt(np.asarray(population, dtype=np.float64) / (math.pi * METRO_DENSITY))
    return np.asarray(np.minimum(r, MAX_METRO_RADIUS_KM))


def _chords(km: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(2.0 * np.sin(np.minimum(km / EARTH_RADIUS_KM, math.pi) / 2.0))


class MainPlaces:
    """The places that can name a cluster, and the rule that gives each point its place.

    Parameters
    ----------
    places
        The GeoNames places.
    min_population
        Smallest population of a city (steps 1 and 2 of the module's rule).

    Raises
    ------
    ConfigError
        When no place has ``min_population`` inhabitants.
    """

    def __init__(self, places: Places, *, min_population: int) -> None:
        self.places = places
        namable = places.may_name()
        self.min_population = min_population
        #: the cities (indices into ``places``) of steps 1 and 2
        self.index = np.flatnonzero(namable & (places.population >= min_population))
        if len(self.index) == 0:
            raise ConfigError(
                f"The 'name_min_population' setting must leave at least one GeoNames place; "
                f"got {min_population}"
            )
        self.tree = cKDTree(places.xyz[self.index])
        pop = places.population[self.index]
        self._core = _chords(city_radius_km(pop))
        self._metro = _chords(metro_radius_km(pop))
        #: every place that may name (steps 3 to 5)
        self.any_index = np.flatnonzero(namable)
        self.any_tree = cKDTree(places.xyz[self.any_index])
        self._by_economies: dict[frozenset[str], tuple[NDArray[np.int64], cKDTree]] = {}

    def _of(self, economies: frozenset[str]) -> tuple[NDArray[np.int64], cKDTree]:
        """The places of ``any_index`` in ``economies`` and a KD-tree over them (cached); all
        of them (the very arrays ``any_index`` and ``any_tree``) when ``economies`` is empty or
        none of its places is known."""
        if not economies:
            return self.any_index, self.any_tree
        if economies not in self._by_economies:
            country = self.places.country[self.any_index]
            idx = self.any_index[np.isin(country, sorted(economies))]
            self._by_economies[economies] = (
                (idx, cKDTree(self.places.xyz[idx]))
                if len(idx)
                else (self.any_index, self.any_tree)
            )
        return self._by_economies[economies]

    def _own_town(
        self, xyz: NDArray[np.float64], idx: NDArray[np.int64], tree: cKDTree
    ) -> NDArray[np.int64]:
        """(n,) the nearest place of ``idx`` (``tree`` over them) whose nominal radius holds
        each point, -1 where none does (step 3 of :meth:`assign`; ties to the lower id)."""
        places = self.places
        out = np.full(len(xyz), -1, dtype=np.int64)
        reach = float(city_radius_km(np.array([self.min_population]))[0])
        for i, ks in enumerate(tree.query_ball_point(xyz, chord(reach))):
            if ks:
                cand = idx[np.asarray(ks, dtype=np.int64)]
                d = np.linalg.norm(places.xyz[cand] - xyz[i], axis=1)
                holds = d <= _chords(city_radius_km(places.population[cand]))
                if holds.any():
                    cand, d = cand[holds], d[holds]
                    out[i] = cand[np.lexsort((places.geonameid[cand], d))[0]]
        return out

    def assign(
        self,
        xyz: NDArray[np.float64],
        *,
        radius_km: float,
        economies: Collection[str] | None = None,
    ) -> NDArray[np.int64]:
        """(n,) the place (index into ``places``) each point counts for (module rule).

        Parameters
        ----------
        xyz
            (n, 3) unit vectors of the points.
        radius_km
            Reach of step 4 (the clustering's ``eps_km``).
        economies
            ISO codes of the economies whose places may be chosen (a cluster's economies);
            None or empty: any. When none of their places is known, any.

        Ties go to the lower GeoNames id.
        """
        out = np.full(len(xyz), -1, dtype=np.int64)
        if len(xyz) == 0:
            return out
        places = self.places
        gid = places.geonameid
        wanted = frozenset(economies or ())
        point_tree = cKDTree(xyz)
        # the cities of the economies (when any of their places is known) that may reach a point
        idx, tree = self._of(wanted)
        cities = np.arange(len(self.index), dtype=np.int64)
        if idx is not self.any_index:
            cities = cities[np.isin(places.country[self.index], sorted(wanted))]
        reach = point_tree.query_ball_point(
            self.tree.data[cities], chord(MAX_METRO_RADIUS_KM), return_length=True
        )
        cities = cities[np.asarray(reach) > 0]
        # 1. its own city: the one whose nominal radius holds the point most centrally
        best = np.full(len(xyz), np.inf)
        for k in cities[np.argsort(gid[self.index[cities]], kind="stable")].tolist():
            hits = np.asarray(
                point_tree.query_ball_point(self.tree.data[k], self._core[k]), dtype=np.int64
            )
            if hits.size:
                d = np.linalg.norm(xyz[hits] - self.tree.data[k], axis=1) / self._core[k]
                closer = d < best[hits]
                best[hits[closer]] = d[closer]
                out[hits[closer]] = self.index[k]
        # 2. its metropolis: the most populous whose reach holds the point
        order = np.lexsort((gid[self.index[cities]], -places.population[self.index[cities]]))
        for k in cities[order].tolist():
            hits = np.asarray(
                point_tree.query_ball_point(self.tree.data[k], self._metro[k]), dtype=np.int64
            )
            if hits.size:
                free = hits[out[hits] < 0]
                out[free] = self.index[k]
        free = np.flatnonzero(out < 0)
        if not free.size:
            return out
        # 3. its own town: the nearest place whose nominal radius holds the point
        out[free] = self._own_town(xyz[free], idx, tree)
        free = free[out[free] < 0]
        if not free.size:
            return out
        # 4. its town: the most populous place within radius_km; 5. else the nearest place
        for i, ks in zip(
            free.tolist(), tree.query_ball_point(xyz[free], chord(radius_km)), strict=True
        ):
            if ks:
                cand = idx[np.asarray(ks, dtype=np.int64)]
                out[i] = cand[np.lexsort((gid[cand], -places.population[cand]))[0]]
        lonely = np.flatnonzero(out < 0)
        if lonely.size:
            _, nearest = tree.query(xyz[lonely])
            out[lonely] = idx[np.asarray(nearest, dtype=np.int64)]
        return out


def layer_balanced(
    weight: NDArray[np.float64], *, layer: NDArray[np.int64], labels: NDArray[np.int64]
) -> NDArray[np.float64]:
    """(M,) the points' output with each layer of each cluster scaled to add up to 1.

    A city's part of a cluster's output is then the mean of its shares of the cluster's layers
    (patents and articles weigh alike), not its share of the size score, in which the layer
    whose world total is smaller outweighs the other: Hong Kong holds 1% of the patents and 39%
    of the articles planted for Shenzhen–Hong Kong–Guangzhou, which is 6% of the hub's size
    score (the cluster's patents are 8% of the world's, its articles 1%) but 20% of its output
    by this rule; the GII itself puts Hong Kong in that cluster's name. **Our choice.**

    Parameters
    ----------
    weight
        (M,) output of each point, size-score units.
    layer
        (M,) the layer (any integer code) of each point.
    labels
        (M,) the cluster of each point; points of no cluster (negative) keep their weight.

    Examples
    --------
    >>> w = layer_balanced(np.array([3.0, 1.0, 0.5, 2.0]), layer=np.array([0, 0, 1, 1]),
    ...                    labels=np.array([7, 7, 7, -1]))
    >>> w.tolist()
    [0.75, 0.25, 1.0, 2.0]
    """
    out = np.asarray(weight, dtype=np.float64).copy()
    member = labels >= 0
    if not member.any():
        return out
    keys = np.column_stack([labels[member], layer[member]])
    _, group = np.unique(keys, axis=0, return_inverse=True)
    group = np.ravel(group)
    totals = np.bincount(group, weights=out[member])
    out[member] = np.divide(
        out[member], totals[group], out=np.zeros(int(member.sum())), where=totals[group] > 0
    )
    return out


def cluster_place_weights(
    main: MainPlaces,
    points: Mapping[int, tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]],
    *,
    economies: Mapping[int, Collection[str]],
    radius_km: float,
) -> dict[int, dict[int, float]]:
    """For each cluster, the output that counts for each place (:meth:`MainPlaces.assign`).

    Parameters
    ----------
    main
        The places that can name a cluster.
    points
        For each cluster id, its distinct located points: (k,) latitudes and longitudes in
        degrees and the (k,) output (size-score units) at each.
    economies
        For each cluster id, its economies (ISO codes); a cluster missing here, or with none,
        may be named after places of any economy.
    radius_km
        Reach of step 4 of the rule (the clustering's ``eps_km``).

    Returns
    -------
    dict
        Cluster id -> place index (into ``main.places``) -> output.
    """
    groups: dict[tuple[str, ...], list[int]] = {}
    for cid in sorted(points):
        groups.setdefault(tuple(sorted(economies.get(cid, ()))), []).append(cid)
    out: dict[int, dict[int, float]] = {}
    for econ, cids in groups.items():
        lat = np.concatenate([points[c][0] for c in cids])
        lon = np.concatenate([points[c][1] for c in cids])
        weight = np.concatenate([points[c][2] for c in cids])
        owner = np.concatenate([np.full(len(points[c][0]), c, dtype=np.int64) for c in cids])
        place = main.assign(to_xyz(lat, lon), radius_km=radius_km, economies=econ)
        keys = np.column_stack([owner, place])
        if not len(keys):
            continue
        order = np.lexsort((place, owner))
        uk, start = np.unique(keys[order], axis=0, return_index=True)
        sums = np.add.reduceat(weight[order], start)
        for (cid, p), w in zip(uk.tolist(), sums.tolist(), strict=True):
            out.setdefault(int(cid), {})[int(p)] = float(w)
    return out


def cluster_names(
    weights_by_place: Mapping[int, Mapping[int, float]],
    *,
    places: Places | None = None,
    economies: Mapping[int, Collection[str]] | None = None,
    max_cities: int = 3,
    min_share: float = 0.15,
    overrides: Mapping[str, str] | None = None,
    sizes: Mapping[int, float] | None = None,
) -> dict[int, str]:
    """Name each cluster after its main cities.

    Parameters
    ----------
    weights_by_place
        For each cluster id, the output (size-score units) assigned to each main place index
        (:func:`cluster_place_weights`).
    economies
        For each cluster id, its economies (ISO codes): a place of another economy never
        names the cluster unless no place of them holds output. A cluster missing here, or
        with none, may take a place of any economy.
    max_cities, min_share
        The first city is always in the name; each further one (at most ``max_cities`` in all)
        when it holds at least ``min_share`` of the cluster's output.
    overrides
        Generated name -> name to use instead.
    sizes
        For each cluster id, its size (size score), which orders clusters that would share a
        name (the largest keeps it); by default the sum of its ``weights_by_place``.
    """
    places = places or load_places()
    names: dict[int, str] = {}
    for cid in sorted(weights_by_place):
        weights = dict(weights_by_place[cid])
        own = set((economies or {}).get(cid, ()))
        if own:
            inside = {i: w for i, w in weights.items() if str(places.country[i]) in own}
            weights = inside or weights
        total = sum(weights_by_place[cid].values())
        ordered = sorted(weights.items(), key=lambda kv: (-kv[1], int(places.geonameid[kv[0]])))
        chosen = [ordered[0][0]] if ordered else []
        for idx, w in ordered[1:]:
            if len(chosen) >= max_cities:
                break
            if total > 0 and w / total >= min_share:
                chosen.append(idx)
        names[cid] = EN_DASH.join(str(places.name[i]) for i in chosen) or f"Cluster {cid}"
    # two clusters with the same name: number the smaller ones ("Suzhou 2"), largest output first
    seen: dict[str, list[int]] = {}
    for cid, name in names.items():
        seen.setdefault(name, []).append(cid)
    for name, cids in seen.items():
        ranked = sorted(
            cids,
            key=lambda c: (
                -(sizes[c] if sizes is not None else sum(weights_by_place[c].values())),
                c,
            ),
        )
        for k, cid in enumerate(ranked[1:], start=2):
            names[cid] = f"{name} {k}"
    if overrides:
        names = {cid: overrides.get(name, name) for cid, name in names.items()}
    return names


def read_name_overrides(path: str | Path) -> dict[str, str]:
    """Read a CSV file with columns ``name`` and ``override``.

    Raises
    ------
    InputError
        When the file cannot be read or lacks a column; the message names the file and line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the name override table ({exc.strerror})") from None
    reader = csv.DictReader(text.splitlines())
    fields = reader.fieldnames or []
    if "name" not in fields or "override" not in fields:
        raise InputError(
            f"{path}: the name override table needs the columns 'name' and 'override'; "
            f"found {', '.join(fields) or 'none'}"
        )
    out: dict[str, str] = {}
    for line, row in enumerate(reader, start=2):
        name, override = (row.get("name") or "").strip(), (row.get("override") or "").strip()
        if not name or not override:
            raise InputError(f"{path}, line {line}: both 'name' and 'override' must be given")
        out[name] = override
    return out
