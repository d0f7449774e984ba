"""The measure stage: from clusters to the published ranking and profiles (method.md 4-7).

:func:`measure_clusters` runs, in order: the previous window's rows mapped to the clusters
(growth), names and location labels, counts and economies, footprints and population of the
top-N candidates, ranks and growth, the optional sensitivity reruns, and the profiles. Each step
is a function of its own here, callable and testable alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from stclusters._log import StageClock
from stclusters._sphere import centroid, chord, to_xyz, unique_points
from stclusters.cluster.stage import Clustering, recluster
from stclusters.config import Config
from stclusters.measure import counting
from stclusters.measure.ranking import economies_of, rank_clusters
from stclusters.places import Places
from stclusters.results import ClusterRow, Profile

__all__ = [
    "Measured",
    "Naming",
    "assign_previous",
    "cluster_rows",
    "growth_of",
    "label_rows",
    "measure_clusters",
    "name_clusters",
    "output_weights",
    "sensitivity_of",
]


@dataclass(frozen=True, eq=False)
class Naming:
    """Cluster names and the location label of every people row.

    Attributes
    ----------
    names
        The name of each cluster id.
    loc_code
        (n,) int32 code into ``vocab`` of every row's location label (-1: none): its cluster's
        name, else its main city (fine rows outside clusters), else its country name (coarse
        rows); current window only.
    vocab
        The distinct labels.
    coords
        (lat, lon) of every city label (cluster labels are added by :func:`cluster_rows`).
    """

    names: dict[int, str]
    loc_code: NDArray[np.int32]
    vocab: list[str]
    coords: dict[str, tuple[float, float]]


@dataclass(frozen=True)
class Measured:
    """The measure stage's hand-off (see :class:`stclusters.results.Results`)."""

    ranking: list[ClusterRow]
    all_clusters: list[ClusterRow]
    profiles: list[Profile]
    footprints: dict[int, Any]


def output_weights(clustering: Clustering, world: Mapping[str, int]) -> NDArray[np.float64]:
    """(n,) every row's output in size-score units: its share over its layer's world total."""
    rows = clustering.rows
    unit = np.where(rows.is_patent, 1.0 / max(world["patent"], 1), 1.0 / max(world["article"], 1))
    return np.asarray(rows.share * unit, dtype=np.float64)


def assign_previous(clustering: Clustering, *, footprint_km: float) -> NDArray[np.int64]:
    """(n,) the current cluster of every previous-window row: the cluster of the nearest member
    point when it lies within ``footprint_km``, else -2 (also for every other row)."""
    from scipy.spatial import cKDTree

    rows, members = clustering.rows, clustering.members
    out = np.full(len(rows), -2, dtype=np.int64)
    prev = np.flatnonzero(rows.fine & rows.previous)
    if not members or not len(prev):
        return out
    ids = sorted(members)
    tree = cKDTree(to_xyz(*np.vstack([members[c] for c in ids]).T))
    owner = np.concatenate([np.full(len(members[c]), c) for c in ids])
    dist, nearest = tree.query(to_xyz(rows.lat[prev], rows.lon[prev]))
    ok = dist <= chord(footprint_km)
    out[prev[ok]] = owner[nearest[ok]]
    return out


def _place_weights(
    labels: NDArray[np.int64], main_place: NDArray[np.int64], weight: NDArray[np.float64]
) -> dict[int, dict[int, float]]:
    """For each cluster, the output of its rows by main place."""
    clustered = np.flatnonzero(labels >= 0)
    order = np.lexsort((main_place[clustered], labels[clustered]))
    keys = np.column_stack([labels[clustered][order], main_place[clustered][order]])
    out: dict[int, dict[int, float]] = {}
    if len(keys):
        uk, start = np.unique(keys, axis=0, return_index=True)
        sums = np.add.reduceat(weight[clustered][order], start)
        for (cid, place), s in zip(uk, sums, strict=True):
            out.setdefault(int(cid), {})[int(place)] = float(s)
    return out


class _Vocab:
    """Labels and their codes, in order of first use."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self._code: dict[str, int] = {}

    def code(self, label: str) -> int:
        if label not in self._code:
            self._code[label] = len(self.labels)
            self.labels.append(label)
        return self._code[label]


def name_clusters(
    clustering: Clustering,
    weight: NDArray[np.float64],
    *,
    places: Places,
    config: Config,
    countries: Mapping[str, str],
) -> Naming:
    """Name each cluster after its main cities (method.md section 6) and label every row.

    Every located current row is given its main place (:class:`MainPlaces`, within ``eps_km``);
    a cluster's name comes from the output of its rows by main place (:func:`cluster_names`).
    """
    from stclusters.measure.naming import MainPlaces, cluster_names, read_name_overrides

    rows, labels = clustering.rows, clustering.labels
    overrides = read_name_overrides(config.name_overrides) if config.name_overrides else None
    main = MainPlaces(places, min_population=config.name_min_population)
    loc_idx = np.flatnonzero(rows.located & rows.current)
    uniq, inv, _ = unique_points(rows.lat[loc_idx], rows.lon[loc_idx])
    main_of_unique = main.assign(to_xyz(uniq[:, 0], uniq[:, 1]), radius_km=config.eps_km)
    main_place = np.full(len(rows), -1, dtype=np.int64)
    main_place[loc_idx] = main_of_unique[inv]
    names = cluster_names(
        _place_weights(labels, main_place, weight),
        places=places,
        max_cities=config.name_max_cities,
        min_share=config.name_min_share,
        overrides=overrides,
    )
    vocab = _Vocab()
    loc_code = np.full(len(rows), -1, dtype=np.int32)
    in_cluster = labels >= 0
    cluster_code = np.full(max(names, default=-1) + 1, -1, dtype=np.int32)
    for cid, cname in names.items():
        cluster_code[cid] = vocab.code(cname)
    loc_code[in_cluster] = cluster_code[labels[in_cluster]]
    by_city = rows.located & rows.current & ~in_cluster & rows.fine
    city_places = np.unique(main_place[by_city])
    place_code = np.full(len(places), -1, dtype=np.int32)
    for i in city_places.tolist():
        place_code[i] = vocab.code(str(places.name[i]))
    loc_code[by_city] = place_code[main_place[by_city]]
    coarse = np.flatnonzero(rows.located & rows.current & ~rows.fine)
    coarse_countries = rows.country.take(pa.array(coarse)).to_pylist()
    loc_code[coarse] = [vocab.code(countries.get(c, c)) if c else -1 for c in coarse_countries]
    coords = {
        str(places.name[i]): (float(places.lat[i]), float(places.lon[i])) for i in city_places
    }
    return Naming(names, loc_code, vocab.labels, coords)


def label_rows(
    con: Any, clustering: Clustering, cluster_prev: NDArray[np.int64], naming: Naming
) -> None:
    """Add the columns ``cluster``, ``cluster_prev`` and ``loc_label`` to table ``rows``."""
    n = len(clustering.rows)
    labels, loc_code = clustering.labels, naming.loc_code
    extra = pa.table(
        {
            "row_id": pa.array(np.arange(n, dtype=np.int64)),
            "cluster": pa.array(labels, pa.int64(), mask=labels < -1),
            "cluster_prev": pa.array(cluster_prev, pa.int64()),
            "loc_label": pa.DictionaryArray.from_arrays(
                pa.array(loc_code, pa.int32(), mask=loc_code < 0),
                pa.array(naming.vocab, pa.string()),
            ),
        }
    )
    con.register("extra_in", extra)
    con.execute(
        "CREATE OR REPLACE TABLE rows AS SELECT r.*, e.cluster, e.cluster_prev, "
        "e.loc_label::VARCHAR AS loc_label "
        "FROM rows r JOIN extra_in e USING (row_id) ORDER BY row_id"
    )
    con.unregister("extra_in")


def _economy_shares(con: Any, world: Mapping[str, int]) -> dict[int, dict[str, float]]:
    rows = con.execute(
        f"""
        SELECT cluster, country, kahan_sum(share / CASE WHEN layer = 'patent'
            THEN {max(world["patent"], 1)} ELSE {max(world["article"], 1)} END)
        FROM rows WHERE current AND cluster >= 0 AND country IS NOT NULL
        GROUP BY ALL ORDER BY ALL
        """
    ).fetchall()
    out: dict[int, dict[str, float]] = {}
    for cid, country, s in rows:
        out.setdefault(int(cid), {})[country] = float(s)
    return out


def cluster_rows(
    con: Any,
    clustering: Clustering,
    names: Mapping[int, str],
    *,
    world: Mapping[str, int],
    economy_share: float,
) -> list[ClusterRow]:
    """One unranked row per cluster: counts, economies (holding ``economy_share`` or more of the
    output), name and centre (the mean unit vector of its distinct member points)."""
    per_cluster = counting.cluster_counts(con)
    shares = _economy_shares(con, world)
    out = []
    for cid in sorted(per_cluster):
        econ, primary, fractions = economies_of(shares.get(cid, {}), threshold=economy_share)
        lat, lon = centroid(clustering.members[cid])
        out.append(
            ClusterRow(
                cluster_id=cid,
                patents=per_cluster[cid]["patent"],
                articles=per_cluster[cid]["article"],
                economies=tuple(econ),
                primary_economy=primary,
                economy_shares=fractions,
                name=names[cid],
                lat=lat,
                lon=lon,
            )
        )
    return out


def _candidates(rows: list[ClusterRow], world: Mapping[str, int], top_n: int) -> list[int]:
    """The ids of the ``top_n`` largest clusters by size score (ranking needs no population)."""
    wp, wa = max(world["patent"], 1), max(world["article"], 1)
    by_size = sorted(rows, key=lambda r: (-(r.patents / wp + r.articles / wa), r.cluster_id))
    return [r.cluster_id for r in by_size[:top_n]]


def footprints_of(clustering: Clustering, ids: list[int], *, radius_km: float) -> dict[int, Any]:
    """Footprint (shapely, lon/lat degrees) of each cluster of ``ids``: the union of discs of
    ``radius_km`` around its distinct member points (method.md section 3.4)."""
    from stclusters.cluster import footprints

    if not ids:
        return {}
    members = clustering.members
    coords = np.vstack([members[c] for c in ids])
    owner = np.concatenate([np.full(len(members[c]), c) for c in ids])
    return footprints(coords, owner, radius_km=radius_km)


def growth_of(
    con: Any, rows: list[ClusterRow], *, world: Mapping[str, int], world_previous: Mapping[str, int]
) -> dict[int, float | None]:
    """Change of each cluster's size score from the previous window (method.md section 5);
    clusters without previous-window output are left out; empty when a layer has no previous
    window."""
    if not (world_previous["patent"] and world_previous["article"]):
        return {}
    wp, wa = max(world["patent"], 1), max(world["article"], 1)
    prev = counting.cluster_counts(con, window="previous", label_column="cluster_prev")
    out: dict[int, float | None] = {}
    for r in rows:
        before_counts = prev.get(r.cluster_id)
        if not before_counts:
            continue
        now = r.patents / wp + r.articles / wa
        before = before_counts["patent"] / wp + before_counts["article"] / wa
        out[r.cluster_id] = (now / before - 1.0) if before > 0 else None
    return out


def sensitivity_of(
    clustering: Clustering,
    weight: NDArray[np.float64],
    *,
    clusters: list[int],
    config: Config,
) -> tuple[dict[int, dict[str, Any]], str]:
    """Rank ranges of ``clusters`` over four reruns with ``eps_km`` and ``min_points`` each
    lowered and raised by ``sensitivity_step`` (:func:`rank_ranges`); and a summary line."""
    from stclusters.measure.sensitivity import rank_ranges

    step = config.sensitivity_step
    variants, used = [], []
    for eps_f, mp_f in ((1 - step, 1), (1 + step, 1), (1, 1 - step), (1, 1 + step)):
        eps_km, min_points = config.eps_km * eps_f, config.min_points * mp_f
        variants.append(recluster(clustering, eps_km=eps_km, min_points=min_points))
        used.append(f"eps_km {eps_km:g}, min_points {min_points:g}")
    ranges = rank_ranges(
        clustering.labels,
        variants,
        weight,
        clusters=clusters,
        note="reruns with " + "; ".join(used),
    )
    moved = sum(1 for v in ranges.values() if v["rank_min"] != v["rank_max"])
    return ranges, f"{moved} of {len(clusters)} published clusters change rank in 4 variant runs"


def _rank(
    con: Any,
    clustering: Clustering,
    naming: Naming,
    *,
    world: Mapping[str, int],
    world_previous: Mapping[str, int],
    config: Config,
    places: Places,
) -> tuple[list[ClusterRow], list[ClusterRow], dict[int, Any]]:
    """Counts, footprints and population of the candidates, ranks and growth."""
    from stclusters.measure.population import population_of

    rows = cluster_rows(
        con, clustering, naming.names, world=world, economy_share=config.economy_share
    )
    candidates = _candidates(rows, world, config.top_n)
    geoms = footprints_of(clustering, candidates, radius_km=config.footprint_km)
    pops = population_of(
        geoms, source=config.population_source, raster=config.population_raster, places=places
    )
    wanted = set(candidates)
    rows = [
        replace(r, population=pops.get(r.cluster_id, 0.0)) if r.cluster_id in wanted else r
        for r in rows
    ]
    top, ranked = rank_clusters(rows, world=world, top_n=config.top_n)
    growth = growth_of(con, top, world=world, world_previous=world_previous)
    top = [replace(r, growth=growth[r.cluster_id]) if r.cluster_id in growth else r for r in top]
    ranked = top + ranked[len(top) :]
    return top, ranked, geoms


def measure_clusters(
    clustering: Clustering,
    *,
    shares: counting.Shares,
    config: Config,
    places: Places | None = None,
    countries: Mapping[str, str] | None = None,
    clock: StageClock | None = None,
) -> Measured:
    """Name, count, rank and profile the clusters (method.md sections 4-7).

    Parameters
    ----------
    clustering
        The cluster stage's result.
    shares
        The counting stage's result; its table ``rows`` gains the columns ``cluster``,
        ``cluster_prev`` and ``loc_label`` (:func:`label_rows`).
    config
        The settings (naming, economy threshold, top N, footprint, population, sensitivity,
        profile lengths, edition).
    places, countries
        The GeoNames places and the economy names (by default :func:`~stclusters.places.
        load_places` with the ``cache_dir`` setting, and :func:`~stclusters.places.country_names`).
    clock
        Times the steps ("name", "rank", "sensitivity", "profile") and reports their summaries.
    """
    from stclusters.measure import classify
    from stclusters.measure.profiles import build_profiles
    from stclusters.places import country_names, load_places

    clock = clock or StageClock()
    places = places if places is not None else load_places(cache_dir=config.cache_dir)
    countries = countries if countries is not None else country_names()
    con, world = shares.con, shares.world
    cluster_prev = assign_previous(clustering, footprint_km=config.footprint_km)
    clock.begin("name")
    weight = output_weights(clustering, world)
    naming = name_clusters(clustering, weight, places=places, config=config, countries=countries)
    clock.end(f"named {len(naming.names):,} clusters")
    clock.begin("rank")
    label_rows(con, clustering, cluster_prev, naming)
    top, ranked, geoms = _rank(
        con,
        clustering,
        naming,
        world=world,
        world_previous=shares.world_previous,
        config=config,
        places=places,
    )
    clock.end(f"top {len(top)} of {len(ranked):,} clusters")
    sensitivity: dict[int, dict[str, Any]] = {}
    if config.sensitivity:
        clock.begin("sensitivity")
        ids = [r.cluster_id for r in top]
        sensitivity, summary = sensitivity_of(clustering, weight, clusters=ids, config=config)
        clock.end(summary)
    clock.begin("profile")
    tech_map, science_map = classify.field_maps(con)
    by_id = sorted(ranked, key=lambda r: r.cluster_id)
    coords = {**naming.coords, **{r.name: (r.lat, r.lon) for r in by_id}}
    profiles = build_profiles(
        con,
        top,
        edition=config.edition,
        top=config.profile_top,
        top_fields=config.profile_top_fields,
        tech_fields=tech_map,
        science_fields=science_map,
        economy_names=countries,
        location_coords=coords,
        top_n=config.top_n,
        sensitivity=sensitivity,
        inside_km=config.footprint_km,
        windows={"patent": config.patent_years, "article": config.article_years},
    )
    clock.end(f"{len(profiles)} profiles")
    return Measured(ranking=top, all_clusters=ranked, profiles=profiles, footprints=geoms)
