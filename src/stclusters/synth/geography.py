"""Where the synthetic world's people live: hubs, their corridors, and the other places.

The world is made of *units*, each with *sites* (points where people are placed):

- every hub of the calibration is a group of units, one per economy it covers, whose sites are its
  main places with their city districts, the places around them, and waypoints every
  :data:`CORRIDOR_STEP_KM` along the segments joining the main places (a minimum spanning tree), so
  that a hub such as Shanghai–Suzhou is one dense area without gaps;
- every other place of an economy belongs to a *city group* (a city together with the GeoNames
  districts that lie inside it), which is a unit of its own. A city group's weight is its city's
  population to the power ``place_exponent`` times lognormal noise; its districts share that
  weight (they are not counted on top of it). Places within :data:`HUB_BUFFER_KM` of a hub are
  left to the hub, and the weight of places beyond fades in up to :data:`HUB_FADE_KM`.

Each unit receives a whole number of *home* documents (documents whose first-listed person is
there) per layer: hub units get their planted output (corrected for what collaborators take away
and bring in), city groups share the rest of their economy's total by a multinomial draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from stclusters._sphere import EARTH_RADIUS_KM, haversine_km, to_xyz
from stclusters.errors import InputError
from stclusters.places import URBAN_DENSITY, Places
from stclusters.synth.calibration import Calibration, Hub
from stclusters.synth.sampling import largest_remainder

__all__ = [
    "LAYERS",
    "Geography",
    "effective_shares",
    "keep_factor",
    "place_weights",
    "plan_geography",
]

LAYERS = ("patent", "article")

#: Districts and places within (half the main place's nominal radius + this) of a hub's main
#: place belong to the hub (farther districts of GeoNames' very large "cities" would form
#: clusters of their own).
HUB_AROUND_KM = 8.0
#: Largest radius around a main place that belongs to its hub.
HUB_AROUND_MAX_KM = 20.0
#: Share of a hub's people placed at the places around its main places.
HUB_AROUND_SHARE = 0.12
#: Largest share of a hub's people at one city group around its main places (the group of a
#: place and its districts): the calibration lists the places that hold a notable part of a hub
#: (those of the GII's names), so an unlisted suburb holds at most a third of the name share
#: (Laval, Montréal's largest neighbour, took 11% of the hub's 12% and came into its name).
AROUND_MAX_SHARE = 0.05
#: Smallest share of a city group's weight kept by the city itself (the rest goes to districts).
HEAD_SHARE = 0.3
#: Output of the places around a hub fades with their distance to the main places (e-folding).
AROUND_DECAY_KM = 6.0
#: Distance between corridor waypoints.
CORRIDOR_STEP_KM = 2.0
#: Places this close to a corridor belong to the hub.
CORRIDOR_NEAR_KM = 6.0
#: Corridor segments longer than this are not drawn (the main places are too far apart).
CORRIDOR_MAX_KM = 150.0
#: People per km of corridor needed at scale 1 for DBSCAN core points (4,500 within 2 x 15 km),
#: times a safety factor of 2.
CORRIDOR_PEOPLE_PER_KM = 2.0 * 4500.0 / 30.0
#: Largest share of a hub's people placed along its corridors.
MAX_CORRIDOR_SHARE = 0.45
#: Rough people rows per document, used to size corridors.
PEOPLE_PER_DOC = {"patent": 3.3, "article": 6.0}
#: Weight of the first main place, of the other places named in the hub's name, of the others.
MAIN_WEIGHTS = (1.0, 0.55, 0.2)
#: Places this close to a hub site are not used for the rest of the economy's output.
HUB_BUFFER_KM = 20.0
#: Beyond the buffer, a place's share of the rest of its economy's output fades in linearly up to
#: this distance from the nearest hub site: a published hub figure already holds the output of
#: the edges of its real cluster (Nagoya's holds the Toyota-Kariya-Okazaki area), so the world
#: must not pile more output there, where it chains into the hub's cluster.
HUB_FADE_KM = 50.0
#: A hub covering several economies takes at most this share of a non-first economy's output.
ECONOMY_CAP = 0.8
#: Extra lognormal noise per layer on city-group weights (patent towns and university towns).
LAYER_NOISE = 0.3
#: Output of places smaller than P0 is damped by (population / P0) ** k on top of the exponent,
#: per layer: science concentrates in cities even more than invention does, and output spread
#: over small places chains dense regions (the Rhine-Ruhr, the Low Countries) into giant clusters.
SMALL_PLACE = {"patent": (50_000.0, 1.5), "article": (100_000.0, 2.0)}
#: Jitter (standard deviation, km) of people around a site: a share of the place's nominal radius.
JITTER_SHARE = 0.25
JITTER_KM: dict[str, tuple[float, float]] = {
    "main": (0.5, 5.0),
    "district": (0.4, 2.5),
    "other": (0.3, 3.0),
}
#: Jitter of people around corridor waypoints.
CORRIDOR_JITTER_KM = 1.2

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def city_radius_km(population: NDArray[np.int64] | FloatArray) -> FloatArray:
    """Nominal radius of places of a given population (as in :mod:`stclusters.places`)."""
    r = np.sqrt(np.asarray(population, dtype=np.float64) / (math.pi * URBAN_DENSITY))
    return np.asarray(np.minimum(r, 50.0))


def _distance_to_sites_km(places: Places, lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Great-circle distance (km) from every place to the nearest of the given sites."""
    tree = cKDTree(to_xyz(lat, lon))
    chords, _ = tree.query(to_xyz(places.lat, places.lon))
    ratio = np.clip(np.asarray(chords, dtype=np.float64) / 2.0, 0.0, 1.0)
    return np.asarray(2.0 * EARTH_RADIUS_KM * np.arcsin(ratio))


def keep_factor(total: FloatArray, abroad: FloatArray) -> FloatArray:
    """Expected fractional output of one home document of each economy.

    Its collaborators abroad take the share ``abroad[e]`` of its weight away; visitors from
    abroad arrive in proportion to the economy's size (economy f sends ``abroad[f] * total[f]``,
    spread over the other economies by their totals, as ``_abroad_units`` of the world draws
    them): ``k_e = 1 - a_e + sum_{f != e} a_f r_f`` with ``r_f = total_f / (world - total_f)``.

    Parameters
    ----------
    total
        Home documents per economy, shape (n_economies,).
    abroad
        Expected share of a home document's weight abroad per economy, shape (n_economies,).

    Returns
    -------
    numpy.ndarray
        Shape (n_economies,), the factor per economy (1 when nothing goes abroad).
    """
    ratio = total / np.maximum(total.sum() - total, 1.0)
    sent = abroad * ratio
    return np.asarray(1.0 - abroad + (sent.sum() - sent))


def place_weights(population: FloatArray, exponent: float, layer: str) -> FloatArray:
    """Relative output of city groups of the given populations in ``layer`` (without noise)."""
    pop = np.maximum(np.asarray(population, dtype=np.float64), 1.0)
    p0, k = SMALL_PLACE[layer]
    return np.asarray(pop**exponent * np.minimum(pop / p0, 1.0) ** k)


def effective_shares(places: Places, members: IntArray) -> tuple[IntArray, FloatArray]:
    """City groups among ``members``: the head of each member and its share of the head's weight.

    A member whose parent city is also among ``members`` is a district of that city: the city and
    its districts share the city's weight (the city's population already includes theirs). The
    city keeps the share of its population not listed in districts, at least :data:`HEAD_SHARE`;
    the districts share the rest in proportion to their populations.

    Returns
    -------
    head, share
        For each member, the index (into ``places``) of its group's head, and its share of the
        group (shares of a group add up to 1).
    """
    members = np.asarray(members, dtype=np.int64)
    inside = np.zeros(len(places), dtype=bool)
    inside[members] = True
    parent = places.parent[members]
    is_district = (parent >= 0) & inside[np.maximum(parent, 0)]
    head = np.where(is_district, parent, members)
    pop = np.maximum(places.population[members].astype(np.float64), 1.0)
    dist_pop = np.zeros(len(places))
    np.add.at(dist_pop, head[is_district], pop[is_district])
    head_pop = np.maximum(places.population[head].astype(np.float64), 1.0)
    head_share = np.maximum(1.0 - dist_pop[head] / head_pop, HEAD_SHARE)
    has_districts = dist_pop[head] > 0
    head_share = np.where(has_districts, head_share, 1.0)
    district_share = (1.0 - head_share) * pop / np.maximum(dist_pop[head], 1.0)
    share = np.where(is_district, district_share, head_share)
    return head, np.asarray(share)


@dataclass
class Geography:
    """Units, sites and home-document counts of the synthetic world (see the module docstring)."""

    places: Places
    economies: list[str]
    hub_names: list[str]
    #: economy total per layer (kept documents, already times the scale)
    econ_total: dict[str, IntArray]
    #: planted fractional output per hub and layer (times the scale)
    hub_target: dict[str, FloatArray]
    unit_econ: IntArray
    unit_hub: IntArray
    unit_group: IntArray
    group_head: IntArray
    site_unit: IntArray
    site_place: IntArray
    site_lat: FloatArray
    site_lon: FloatArray
    site_sd: FloatArray
    site_weight: dict[str, FloatArray]
    kept: dict[str, IntArray]
    info: dict[str, object] = field(default_factory=dict)

    @property
    def n_units(self) -> int:
        """Number of units."""
        return len(self.unit_econ)

    @property
    def n_groups(self) -> int:
        """Number of groups (hubs first, then city groups)."""
        return len(self.group_head)


@dataclass
class _HubSites:
    place: list[int] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    sd: list[float] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    base: list[float] = field(default_factory=list)

    def add(self, place: int, lat: float, lon: float, sd: float, kind: str, base: float) -> None:
        self.place.append(place)
        self.lat.append(lat)
        self.lon.append(lon)
        self.sd.append(sd)
        self.kind.append(kind)
        self.base.append(base)


@lru_cache(maxsize=2)
def _primary_names(places: Places) -> dict[tuple[str, str], int]:
    """Most populous place per (casefolded primary name, country)."""
    out: dict[tuple[str, str], int] = {}
    for i in np.argsort(places.population, kind="stable"):
        out[(str(places.name[i]).casefold(), str(places.country[i]))] = int(i)
    return out


def find_place(places: Places, name: str, country: str) -> int:
    """Index of the most populous place called ``name`` in ``country`` (primary names first)."""
    hit = _primary_names(places).get((name.casefold(), country))
    return hit if hit is not None else places.find(name, country)


def _mst_edges(lat: FloatArray, lon: FloatArray) -> list[tuple[int, int]]:
    n = len(lat)
    if n < 2:
        return []
    dist = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    inside = [0]
    edges = []
    while len(inside) < n:
        best: tuple[float, int, int] | None = None
        for i in inside:
            for j in range(n):
                if j in inside:
                    continue
                if best is None or dist[i, j] < best[0]:
                    best = (float(dist[i, j]), i, j)
        assert best is not None
        edges.append((best[1], best[2]))
        inside.append(best[2])
    return edges


def _reach_km(population: float) -> float:
    """How far from a main place its districts and the places around it belong to its hub."""
    radius = float(city_radius_km(np.array([population]))[0])
    return min(0.5 * radius + HUB_AROUND_KM, HUB_AROUND_MAX_KM)


def _clip_sd(pop: float, kind: str) -> float:
    lo, hi = JITTER_KM[kind]
    return float(np.clip(JITTER_SHARE * float(city_radius_km(np.array([pop]))[0]), lo, hi))


def _hub_sites(
    hub: Hub, places: Places, place_hub: IntArray, hub_id: int, econ_ok: set[str]
) -> tuple[_HubSites, float]:
    """The sites of one hub (claiming its places in ``place_hub``) and its corridor length."""
    mains: list[int] = []
    for name, country in hub.places:
        try:
            mains.append(find_place(places, name, country))
        except KeyError:
            raise InputError(
                f"synthetic world calibration: hub {hub.name!r} names the place "
                f"{name}|{country}, which is not a GeoNames place of 500+ inhabitants"
            ) from None
    named_parts = {part.strip().casefold() for part in hub.name.split("–")}
    sites = _HubSites()
    claimed: list[int] = []
    main_set = set(mains)
    # --- main places with their districts
    for rank, m in enumerate(mains):
        named = str(places.name[m]).casefold() in named_parts
        weight = MAIN_WEIGHTS[0] if rank == 0 else (MAIN_WEIGHTS[1] if named else MAIN_WEIGHTS[2])
        reach = _reach_km(float(places.population[m]))
        # a district that is a city of its own by the naming's rule (not a section: Laval,
        # 25% of Montréal's figure) is a place around the hub, not part of its listed place
        districts = [
            int(d)
            for d in np.flatnonzero((places.parent == m) & (places.section >= 0))
            if int(d) not in main_set
            and place_hub[d] < 0
            and float(haversine_km(places.lat[m], places.lon[m], places.lat[d], places.lon[d]))
            <= reach
        ]
        members = np.array([m, *districts], dtype=np.int64)
        _, parts = effective_shares(places, members)
        for k, (p, share) in enumerate(zip(members, parts, strict=True)):
            kind = "main" if k == 0 else "district"
            sd = _clip_sd(float(places.population[p]), kind)
            sites.add(int(p), float(places.lat[p]), float(places.lon[p]), sd, kind, weight * share)
            claimed.append(int(p))
    # --- corridors along the minimum spanning tree of the main places
    mlat = places.lat[mains]
    mlon = places.lon[mains]
    corridor_km = 0.0
    way_lat: list[float] = []
    way_lon: list[float] = []
    for i, j in _mst_edges(mlat, mlon):
        length = float(haversine_km(mlat[i], mlon[i], mlat[j], mlon[j]))
        if length > CORRIDOR_MAX_KM:
            continue
        corridor_km += length
        n_steps = max(math.ceil(length / CORRIDOR_STEP_KM), 1)
        t = (np.arange(n_steps) + 0.5) / n_steps
        way_lat.extend((mlat[i] + t * (mlat[j] - mlat[i])).tolist())
        way_lon.extend((mlon[i] + t * (mlon[j] - mlon[i])).tolist())
    if way_lat:
        wl, wo = np.array(way_lat), np.array(way_lon)
        _, near = places.tree.query(to_xyz(wl, wo), k=min(64, len(places)))
        for k in range(len(wl)):
            ok = [int(p) for p in near[k] if str(places.country[p]) in econ_ok]
            place = ok[0] if ok else mains[0]
            sites.add(place, float(wl[k]), float(wo[k]), CORRIDOR_JITTER_KM, "corridor", 0.0)
    # --- places around the main places and along the corridors
    around: set[int] = set()
    for m in mains:
        radius = _reach_km(float(places.population[m]))
        around.update(
            int(p) for p in places.within(float(places.lat[m]), float(places.lon[m]), radius)
        )
    for la, lo in zip(way_lat, way_lon, strict=True):
        around.update(int(p) for p in places.within(la, lo, CORRIDOR_NEAR_KM))
    around_idx = np.array(
        sorted(
            p
            for p in around
            if p not in claimed and place_hub[p] < 0 and str(places.country[p]) in econ_ok
        ),
        dtype=np.int64,
    )
    if len(around_idx):
        head, share = effective_shares(places, around_idx)
        around_w = places.population[head].astype(np.float64) * share
        # far from the main places and corridors, output fades (a dense satellite town far out
        # would otherwise form a cluster of its own)
        alat, alon = places.lat[around_idx], places.lon[around_idx]
        half_r = 0.5 * city_radius_km(places.population[mains])
        d_main = haversine_km(alat[:, None], alon[:, None], mlat[None, :], mlon[None, :])
        dist = np.min(np.maximum(d_main - half_r[None, :], 0.0), axis=1)
        if way_lat:
            d_way = haversine_km(
                alat[:, None], alon[:, None], np.array(way_lat)[None, :], np.array(way_lon)[None, :]
            )
            dist = np.minimum(dist, d_way.min(axis=1))
        around_w = around_w * np.exp(-dist / AROUND_DECAY_KM)
        around_w = _cap_groups(
            around_w / around_w.sum(), head, cap=AROUND_MAX_SHARE / HUB_AROUND_SHARE
        )
        for p, w in zip(around_idx, around_w, strict=True):
            sd = _clip_sd(float(places.population[p]), "other")
            sites.add(int(p), float(places.lat[p]), float(places.lon[p]), sd, "around", float(w))
            claimed.append(int(p))
    place_hub[np.array(claimed, dtype=np.int64)] = hub_id
    return sites, corridor_km


def _cap_groups(w: FloatArray, group: IntArray, *, cap: float) -> FloatArray:
    """``w`` (adding up to 1) with every group's sum at most ``cap``: the excess of a group goes
    to the groups below the cap in proportion to their weights; what none can take is dropped
    (the result then adds up to less than 1).

    Examples
    --------
    >>> _cap_groups(np.array([0.6, 0.2, 0.1, 0.1]), np.array([7, 7, 8, 9]), cap=0.5).round(3)
    array([0.375, 0.125, 0.25 , 0.25 ])
    """
    w = np.asarray(w, dtype=np.float64).copy()
    _, inv = np.unique(group, return_inverse=True)
    inv = np.ravel(inv)
    for _ in range(int(inv.max(initial=0)) + 1):
        tot = np.bincount(inv, weights=w)
        over = tot > cap * (1.0 + 1e-9)
        if not over.any():
            break
        w = np.where(over[inv], w * cap / np.maximum(tot[inv], 1e-300), w)
        excess = 1.0 - w.sum()
        free = ~over[inv] & (tot[inv] < cap)
        if not free.any() or excess <= 0:
            break
        w[free] += excess * w[free] / w[free].sum()
    return w


def _layer_weights(sites: _HubSites, corridor_km: float, hub: Hub, layer: str) -> FloatArray:
    """Site weights of a hub for one layer (adding up to 1)."""
    kind = np.array(sites.kind)
    base = np.array(sites.base, dtype=np.float64)
    is_main = np.isin(kind, ["main", "district"])
    is_around = kind == "around"
    is_corr = kind == "corridor"
    people = max(hub.output(layer), 1) * PEOPLE_PER_DOC[layer]
    corr_share = min(CORRIDOR_PEOPLE_PER_KM * corridor_km / people, MAX_CORRIDOR_SHARE)
    corr_share = corr_share if is_corr.any() else 0.0
    around_share = HUB_AROUND_SHARE if is_around.any() else 0.0
    main_share = 1.0 - corr_share - around_share
    if is_around.any():  # the around weights add up to 1 or less (_cap_groups)
        main_share += around_share * (1.0 - base[is_around].sum())
    w = np.zeros(len(kind))
    w[is_main] = main_share * base[is_main] / base[is_main].sum()
    if is_around.any():
        w[is_around] = around_share * base[is_around]
    if is_corr.any():
        w[is_corr] = corr_share / is_corr.sum()
    return w


SiteRows = tuple[IntArray, FloatArray, FloatArray, FloatArray, IntArray]


@dataclass(frozen=True)
class _Targets:
    """What the units add up to: economy and hub output per layer (times the scale)."""

    economies: list[str]
    econ_index: dict[str, int]
    #: economy (index into ``economies``) of each place, -1 for places of no calibrated economy
    place_econ: IntArray
    econ_total: dict[str, IntArray]
    hub_target: dict[str, FloatArray]
    #: expected kept fractional output of one home document, per layer and economy
    keep: dict[str, FloatArray]


@dataclass
class _Units:
    """Units, groups and sites of the world as they are added: hubs first, then city groups."""

    unit_econ: list[int] = field(default_factory=list)
    unit_hub: list[int] = field(default_factory=list)
    unit_group: list[int] = field(default_factory=list)
    group_head: list[int] = field(default_factory=list)
    kept: dict[str, list[int]] = field(default_factory=lambda: {layer: [] for layer in LAYERS})
    #: per block of sites: place, lat, lon, jitter sd (km) and unit of each site
    site_rows: list[SiteRows] = field(default_factory=list)
    site_weight: dict[str, list[FloatArray]] = field(
        default_factory=lambda: {layer: [] for layer in LAYERS}
    )

    def add_group(self, head: int) -> int:
        """Add a group headed by the place ``head``; its index."""
        self.group_head.append(head)
        return len(self.group_head) - 1

    def add_unit(self, econ: int, hub: int, group: int, kept: dict[str, int]) -> int:
        """Add a unit with its home-document count per layer; its index."""
        self.unit_econ.append(econ)
        self.unit_hub.append(hub)
        self.unit_group.append(group)
        for layer in LAYERS:
            self.kept[layer].append(kept[layer])
        return len(self.unit_econ) - 1

    def add_sites(self, rows: SiteRows, weight: dict[str, FloatArray]) -> None:
        """Add a block of sites with their weights within their unit per layer."""
        self.site_rows.append(rows)
        for layer in LAYERS:
            self.site_weight[layer].append(weight[layer])

    def geography(self, places: Places, targets: _Targets, hubs: list[Hub]) -> Geography:
        """The finished :class:`Geography` (without ``info``)."""
        rows = self.site_rows
        return Geography(
            places=places,
            economies=targets.economies,
            hub_names=[h.name for h in hubs],
            econ_total=targets.econ_total,
            hub_target=targets.hub_target,
            unit_econ=np.array(self.unit_econ, dtype=np.int64),
            unit_hub=np.array(self.unit_hub, dtype=np.int64),
            unit_group=np.array(self.unit_group, dtype=np.int64),
            group_head=np.array(self.group_head, dtype=np.int64),
            site_unit=np.concatenate([r[4] for r in rows]),
            site_place=np.concatenate([r[0] for r in rows]),
            site_lat=np.concatenate([r[1] for r in rows]),
            site_lon=np.concatenate([r[2] for r in rows]),
            site_sd=np.concatenate([r[3] for r in rows]),
            site_weight={layer: np.concatenate(self.site_weight[layer]) for layer in LAYERS},
            kept={layer: np.array(self.kept[layer], dtype=np.int64) for layer in LAYERS},
        )


@dataclass(frozen=True)
class _Outside:
    """What weighs the places outside the hubs: nearness to a hub site and lognormal noise."""

    #: places within :data:`HUB_BUFFER_KM` of a hub site
    near_hub: NDArray[np.bool_]
    #: 0 up to the buffer, rising to 1 at :data:`HUB_FADE_KM`
    hub_fade: FloatArray
    base_noise: FloatArray
    layer_noise: dict[str, FloatArray]


def _targets(
    calibration: Calibration,
    places: Places,
    *,
    scale: float,
    abroad_share: dict[str, FloatArray],
) -> _Targets:
    """Economy totals and hub targets per layer at ``scale``, and each economy's keep factor."""
    economies = [e.iso2 for e in calibration.economies]
    econ_index = {c: i for i, c in enumerate(economies)}
    place_econ = np.array([econ_index.get(str(c), -1) for c in places.country], dtype=np.int64)
    econ_total = {
        layer: np.array(
            [round(e.output(layer) * scale) for e in calibration.economies], dtype=np.int64
        )
        for layer in LAYERS
    }
    hub_target = {
        layer: np.array([h.output(layer) * scale for h in calibration.hubs], dtype=np.float64)
        for layer in LAYERS
    }
    keep = {
        layer: keep_factor(econ_total[layer].astype(np.float64), abroad_share[layer])
        for layer in LAYERS
    }
    return _Targets(economies, econ_index, place_econ, econ_total, hub_target, keep)


def _cap_economies(
    w: FloatArray,
    site_econ: IntArray,
    first_econ: int,
    total: IntArray,
    target: float,
    *,
    listed: set[int],
) -> FloatArray:
    """Hub site weights with each economy but the first holding its part of the hub.

    An economy of ``listed`` (one of the hub's listed places lies in it: Hong Kong in
    Shenzhen–Hong Kong–Guangzhou) is a city economy whose output the hub holds, at that place
    and its districts (:func:`_hub_weights`): it gets :data:`ECONOMY_CAP` of its total (the
    rest is left to its other places), so that Hong Kong holds its real part of the hub, 39% of
    the articles and 1% of the patents planted for it, instead of what the place weights give
    (31% of the articles, its patents capped to 1%). Any other economy (France and Germany
    around Basel) is only capped at :data:`ECONOMY_CAP` of its total. Three rounds of setting,
    capping and renormalising; an
    economy with no output gets no weight.
    """
    for _ in range(3):
        for e in set(site_econ.tolist()):
            if e == first_econ:
                continue
            share = w[site_econ == e].sum()
            limit = ECONOMY_CAP * total[e] / max(target, 1e-9)
            if limit <= 0:
                w[site_econ == e] = 0.0
            elif share > 0 and (share > limit or e in listed):
                w[site_econ == e] *= min(limit, 1.0 - 1e-3) / share
        w = w / w.sum()
    return w


def _hub_weights(
    sites: _HubSites, corridor_km: float, hub: Hub, h: int, site_econ: IntArray, t: _Targets
) -> dict[str, FloatArray]:
    """Weights of a hub's sites per layer (adding up to 1), set per economy if several
    (:func:`_cap_economies`)."""
    first_econ = t.econ_index.get(hub.economies[0], -1)
    several = len(set(site_econ.tolist())) > 1
    kind = np.array(sites.kind)
    listed = set(site_econ[kind == "main"].tolist())
    # a listed city economy's people live at its listed place and the place's districts
    elsewhere = np.isin(site_econ, sorted(listed - {first_econ})) & ~np.isin(
        kind, ["main", "district"]
    )
    weights: dict[str, FloatArray] = {}
    for layer in LAYERS:
        w = _layer_weights(sites, corridor_km, hub, layer)
        if several:
            w[elsewhere] = 0.0
            w = _cap_economies(
                w,
                site_econ,
                first_econ,
                t.econ_total[layer],
                t.hub_target[layer][h],
                listed=listed,
            )
        weights[layer] = w
    return weights


def _hub_home_counts(
    weights: dict[str, FloatArray], site_econ: IntArray, econs: list[int], h: int, t: _Targets
) -> dict[str, IntArray]:
    """Home documents of each of a hub's economies per layer, to meet the hub's planted output.

    The expected kept output (home documents times their economy's keep factor) equals the
    planted figure.
    """
    counts: dict[str, IntArray] = {}
    for layer in LAYERS:
        shares = np.array([weights[layer][site_econ == e].sum() for e in econs])
        k = t.keep[layer][np.array(econs)]
        home = t.hub_target[layer][h] / max(float((shares * k).sum()), 1e-9)
        counts[layer] = largest_remainder(round(home), shares)
    return counts


def _add_hub(
    units: _Units,
    h: int,
    hub: Hub,
    sites: _HubSites,
    corridor_km: float,
    t: _Targets,
    hub_portion: dict[str, IntArray],
) -> None:
    """Add a hub: its group, one unit per economy it covers, and its sites.

    Its home documents are added to ``hub_portion`` (per layer and economy).
    """
    group = units.add_group(sites.place[0])
    site_place = np.array(sites.place, dtype=np.int64)
    site_econ = t.place_econ[site_place]
    weights = _hub_weights(sites, corridor_km, hub, h, site_econ, t)
    econs = sorted(set(site_econ.tolist()))
    counts = _hub_home_counts(weights, site_econ, econs, h, t)
    unit_of_site = np.zeros(len(site_place), dtype=np.int64)
    for j, e in enumerate(econs):
        kept = {layer: int(counts[layer][j]) for layer in LAYERS}
        unit_of_site[site_econ == e] = units.add_unit(e, h, group, kept)
        for layer in LAYERS:
            hub_portion[layer][e] += kept[layer]
    rows = (site_place, np.array(sites.lat), np.array(sites.lon), np.array(sites.sd), unit_of_site)
    units.add_sites(rows, weights)


def _cap_hub_counts(
    units: _Units, hub_portion: dict[str, IntArray], econ_total: dict[str, IntArray]
) -> None:
    """Cap the hub home counts of each economy at its total (only reached at tiny scales).

    The counts of the hub units of an economy whose hubs exceed its total are shared out again
    to add up to the total, and its ``hub_portion`` set to the total.
    """
    econ_arr = np.array(units.unit_econ, dtype=np.int64)
    for layer in LAYERS:
        kept_arr = np.array(units.kept[layer], dtype=np.int64)
        for e in np.flatnonzero(hub_portion[layer] > econ_total[layer]):
            idx = np.flatnonzero(econ_arr == e)
            kept_arr[idx] = largest_remainder(
                int(econ_total[layer][e]), kept_arr[idx].astype(float)
            )
            hub_portion[layer][e] = int(econ_total[layer][e])
        units.kept[layer] = kept_arr.tolist()


def _outside(
    places: Places, units: _Units, rng: np.random.Generator, place_noise: float
) -> _Outside:
    """Distance of every place to the hub sites placed so far, and its noise draws."""
    hub_lat = np.concatenate([r[1] for r in units.site_rows])
    hub_lon = np.concatenate([r[2] for r in units.site_rows])
    hub_km = _distance_to_sites_km(places, hub_lat, hub_lon)
    near_hub = hub_km < HUB_BUFFER_KM
    hub_fade = np.clip((hub_km - HUB_BUFFER_KM) / (HUB_FADE_KM - HUB_BUFFER_KM), 0.0, 1.0)
    base_noise = rng.lognormal(0.0, place_noise, len(places))
    layer_noise = {layer: rng.lognormal(0.0, LAYER_NOISE, len(places)) for layer in LAYERS}
    return _Outside(near_hub, hub_fade, base_noise, layer_noise)


def _economy_candidates(
    places: Places, in_econ: NDArray[np.bool_], place_hub: IntArray, near_hub: NDArray[np.bool_]
) -> IntArray | None:
    """Places taking an economy's output outside its hubs; None when it has no place.

    Those neither in nor near a hub, else those not in a hub, else all of them.
    """
    for mask in (in_econ & (place_hub < 0) & ~near_hub, in_econ & (place_hub < 0), in_econ):
        candidates = np.flatnonzero(mask)
        if len(candidates):
            return candidates
    return None


def _draw_group_counts(
    rest: dict[str, int],
    heads: IntArray,
    places: Places,
    outside: _Outside,
    *,
    place_exponent: float,
    rng: np.random.Generator,
) -> dict[str, IntArray]:
    """Home documents of each city group (headed by ``heads``) per layer, drawn multinomially.

    ``rest`` documents are drawn by the groups' weights: population to the power
    ``place_exponent``, damped for small places, times the noise and the fade near hubs.
    """
    pop_head = places.population[heads].astype(np.float64)
    fades = (outside.hub_fade[heads] > 0).any()  # else the economy is all within the buffer
    per_layer: dict[str, IntArray] = {}
    for layer in LAYERS:
        weight = place_weights(pop_head, place_exponent, layer) * outside.base_noise[heads]
        weight = weight * outside.layer_noise[layer][heads]
        if fades:
            weight = weight * outside.hub_fade[heads]
        per_layer[layer] = rng.multinomial(max(rest[layer], 0), weight / weight.sum())
    return per_layer


def _add_city_group(
    units: _Units,
    econ: int,
    head: int,
    members: IntArray,
    share: FloatArray,
    places: Places,
    *,
    kept: dict[str, int],
) -> None:
    """Add a city group as a unit of its own, with a site at each member place."""
    group = units.add_group(head)
    unit = units.add_unit(econ, -1, group, kept)
    lo_o, hi_o = JITTER_KM["other"]
    hi_d = JITTER_KM["district"][1]
    radius = city_radius_km(places.population[members])
    sd = np.clip(JITTER_SHARE * radius, lo_o, hi_o)
    sd = np.where(members == head, sd, np.minimum(sd, hi_d))
    rows = (
        members,
        places.lat[members],
        places.lon[members],
        sd,
        np.full(len(members), unit, dtype=np.int64),
    )
    units.add_sites(rows, dict.fromkeys(LAYERS, share))


def _add_economy_groups(
    units: _Units,
    e: int,
    places: Places,
    candidates: IntArray,
    rest: dict[str, int],
    outside: _Outside,
    *,
    place_exponent: float,
    rng: np.random.Generator,
) -> None:
    """Share an economy's output outside its hubs among its city groups (those given any).

    ``rest`` is that output per layer; each city group given a document becomes a unit.
    """
    head, share = effective_shares(places, candidates)
    heads, inverse = np.unique(head, return_inverse=True)
    per_layer = _draw_group_counts(
        rest, heads, places, outside, place_exponent=place_exponent, rng=rng
    )
    used = np.flatnonzero((per_layer["patent"] + per_layer["article"]) > 0)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(heads) + 1))
    for g in used:
        sel = order[bounds[g] : bounds[g + 1]]
        kept = {layer: int(per_layer[layer][g]) for layer in LAYERS}
        _add_city_group(units, e, int(heads[g]), candidates[sel], share[sel], places, kept=kept)


def _claim_hubs(
    hubs: list[Hub], places: Places, economies: list[str]
) -> tuple[list[_HubSites], list[float], IntArray]:
    """The sites and corridor length (km) of every hub, and the hub claiming each place (-1)."""
    place_hub = np.full(len(places), -1, dtype=np.int64)
    hub_sites: list[_HubSites] = []
    hub_corridor: list[float] = []
    for h, hub in enumerate(hubs):
        sites, corridor = _hub_sites(hub, places, place_hub, h, set(hub.economies) & set(economies))
        hub_sites.append(sites)
        hub_corridor.append(corridor)
    return hub_sites, hub_corridor, place_hub


def plan_geography(
    calibration: Calibration,
    places: Places,
    *,
    scale: float,
    rng: np.random.Generator,
    place_exponent: float,
    place_noise: float,
    abroad_share: dict[str, FloatArray],
) -> Geography:
    """Build the units and sites of the world and count each unit's home documents per layer.

    Parameters
    ----------
    abroad_share
        Per layer, for each economy of ``calibration`` (in its order), the expected share of a
        home document's fractional weight given to people abroad (from the team model, with the
        economy's own ``collaboration`` where it has one); hub home counts are set so that the
        expected fractional output, after collaborators come and go (:func:`keep_factor`),
        equals the planted figure.

    Raises
    ------
    InputError
        When a hub names a place that is not in GeoNames, or an economy has no place.
    """
    t = _targets(calibration, places, scale=scale, abroad_share=abroad_share)
    hubs = list(calibration.hubs)
    hub_sites, hub_corridor, place_hub = _claim_hubs(hubs, places, t.economies)
    units = _Units()
    hub_portion = {layer: np.zeros(len(t.economies), np.int64) for layer in LAYERS}
    for h, (hub, sites) in enumerate(zip(hubs, hub_sites, strict=True)):
        _add_hub(units, h, hub, sites, hub_corridor[h], t, hub_portion)
    _cap_hub_counts(units, hub_portion, t.econ_total)
    outside = _outside(places, units, rng, place_noise)
    for e, code in enumerate(t.economies):
        candidates = _economy_candidates(places, t.place_econ == e, place_hub, outside.near_hub)
        if candidates is None:
            raise InputError(f"synthetic world: no GeoNames place in economy {code}")
        rest = {layer: int(t.econ_total[layer][e] - hub_portion[layer][e]) for layer in LAYERS}
        _add_economy_groups(
            units, e, places, candidates, rest, outside, place_exponent=place_exponent, rng=rng
        )
    geo = units.geography(places, t, hubs)
    geo.info["hub_corridor_km"] = hub_corridor
    return geo
