"""The measure stage: from clusters to the published ranking and profiles (method.md 4-7).

:func:`measure_clusters` runs, in order: the previous window's rows mapped to the clusters
(growth), names and location labels, counts and economies, footprints and population of the
top-N candidates, ranks and growth, the optional sensitivity reruns, and the profiles. Each step
is a function of its own here, callable and testable alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from stclusters._log import StageClock
from stclusters._sphere import centroid, to_xyz, unique_points
from stclusters.cluster.stage import Clustering, predict_labels, recluster
from stclusters.config import Config
from stclusters.measure import counting
from stclusters.measure.ranking import economies_of, rank_clusters
from stclusters.places import Places
from stclusters.results import ClusterRow, Link, Profile

__all__ = [
    "Measured",
    "Naming",
    "assign_previous",
    "cluster_economies",
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
    """Cluster names and the location label of every distinct point.

    Attributes
    ----------
    names
        The name of each cluster id.
    point_labels
        (M,) the location label of every distinct point of the current window
        (:attr:`Clustering.points` order): its cluster's name, else its main city. Dictionary
        encoded (int32 codes into the names: 4 bytes a point, no Python object per point);
        ``pa.array(point_labels, pa.string())`` or ``.cast(pa.string())`` gives the strings.
    countries
        Economy code -> name: the label of rows located too coarsely to be clustered.
    coords
        (lat, lon) of every city label (cluster labels are added by :func:`cluster_rows`).
    """

    names: dict[int, str]
    point_labels: pa.DictionaryArray
    countries: Mapping[str, str]
    coords: dict[str, tuple[float, float]]


@dataclass(frozen=True)
class Measured:
    """The measure stage's hand-off (see :class:`stclusters.results.Results`)."""

    ranking: list[ClusterRow]
    all_clusters: list[ClusterRow]
    profiles: list[Profile]
    footprints: dict[int, Any]
    links: list[Link] = field(default_factory=list)
    sensitivity_runs: list[dict[str, Any]] = field(default_factory=list)


def output_weights(clustering: Clustering, world: Mapping[str, float]) -> NDArray[np.float64]:
    """(M,) every distinct point's output in size-score units: the shares of its current rows
    over its layer's world total (:attr:`Clustering.points` order)."""
    return np.concatenate(
        [layer.shares * (1.0 / max(world[layer.name], 1)) for layer in clustering.layers]
    )


def assign_previous(clustering: Clustering) -> list[NDArray[np.int64]]:
    """Per layer, (q,) the current cluster of every distinct previous-window point
    (:attr:`LayerPoints.previous`), by the rule that placed the current window's points
    (method.md section 5, growth): a member point of a cluster keeps its cluster, any other
    point joins the cluster of the nearest core point of the same layer within ``eps_km``
    (DBSCAN's border rule), else it is in no cluster (-1).

    Both windows are thus counted by the same assignment of points to clusters: a current
    row's cluster is what this rule gives for its point (:func:`predict_labels`).
    """
    return [
        predict_labels(layer, layer.previous, eps_km=clustering.eps_km)
        for layer in clustering.layers
    ]


def cluster_economies(
    con: Any, clustering: Clustering, *, world: Mapping[str, float], economy_share: float
) -> dict[int, list[str]]:
    """The economies of each cluster (those holding ``economy_share`` or more of its output,
    :func:`~stclusters.measure.ranking.economies_of`), before the rows are labelled: one
    aggregate over table ``rows`` joined to the clustered distinct points (which grow with
    distinct coordinates only); the same figures as :func:`cluster_rows` gives afterwards."""
    labels = clustering.labels
    clustered = labels >= 0
    table = clustering.point_table(cluster=pa.array(labels, pa.int64())).filter(pa.array(clustered))
    con.register("point_cluster_in", table)
    try:
        found = con.execute(
            f"""
            SELECT c.cluster, r.layer, r.country, kahan_sum(r.share)
            FROM rows r JOIN point_cluster_in c
                ON c.layer = r.layer AND c.lat = r.lat AND c.lon = r.lon
            WHERE r.current AND {clustering.fine("r")} AND r.country IS NOT NULL
            GROUP BY ALL ORDER BY ALL
            """
        ).fetchall()
    finally:
        con.unregister("point_cluster_in")
    shares = _layer_balanced_shares(found)
    return {
        cid: list(economies_of(by_economy, threshold=economy_share)[0])
        for cid, by_economy in shares.items()
    }


def name_clusters(
    clustering: Clustering,
    weight: NDArray[np.float64],
    *,
    places: Places,
    config: Config,
    countries: Mapping[str, str],
    economies: Mapping[int, Sequence[str]],
) -> Naming:
    """Name each cluster after its main cities (method.md section 6) and label every point.

    A cluster's name comes from the output (``weight``, (M,) size-score units per distinct
    point, :attr:`Clustering.points` order) of its distinct current points by the place each
    counts for, among the places of its ``economies`` (:func:`cluster_economies`;
    :func:`~stclusters.measure.naming.cluster_place_weights`,
    :func:`~stclusters.measure.naming.cluster_names`). A point outside the clusters is
    labelled with the place it counts for (:class:`~stclusters.measure.naming.MainPlaces`,
    any economy, within ``eps_km``).
    """
    from stclusters.measure.naming import (
        MainPlaces,
        cluster_names,
        cluster_place_weights,
        layer_balanced,
        read_name_overrides,
    )

    labels, points = clustering.labels, clustering.points
    sizes = np.bincount(labels[labels >= 0], weights=weight[labels >= 0])
    layer = np.repeat(
        np.arange(len(clustering.layers)), [len(ly.points) for ly in clustering.layers]
    )
    weight = layer_balanced(weight, layer=layer, labels=labels)
    overrides = read_name_overrides(config.name_overrides) if config.name_overrides else None
    main = MainPlaces(places, min_population=config.name_min_population)
    # per cluster: its distinct points (both layers) with their output
    clustered = np.flatnonzero(labels >= 0)
    clustered = clustered[np.argsort(labels[clustered], kind="stable")]
    cids, starts = np.unique(labels[clustered], return_index=True)
    per_cluster = {}
    parts = np.split(clustered, starts[1:]) if len(cids) else []
    for cid, part in zip(cids.tolist(), parts, strict=True):
        uniq, _, w = unique_points(points[part, 0], points[part, 1], weights=weight[part])
        per_cluster[int(cid)] = (uniq[:, 0], uniq[:, 1], w)
    names = cluster_names(
        cluster_place_weights(main, per_cluster, economies=economies, radius_km=config.eps_km),
        places=places,
        economies=economies,
        max_cities=config.name_max_cities,
        min_share=config.name_min_share,
        overrides=overrides,
        sizes={cid: float(sizes[cid]) for cid in per_cluster},
    )
    # points outside the clusters: the place each counts for
    outside = labels < 0
    uniq, inv, _ = unique_points(points[outside, 0], points[outside, 1])
    main_of_unique = main.assign(to_xyz(uniq[:, 0], uniq[:, 1]), radius_km=config.eps_km)
    main_place = main_of_unique[inv] if outside.any() else np.empty(0, dtype=np.int64)
    # the labels as codes into [name of cluster 0, 1, ... (None: no name), city names...]
    n_ids = max(max(names, default=-1), int(labels.max(initial=-1))) + 1
    city_places, city_of = np.unique(main_place, return_inverse=True)
    codes = np.empty(len(labels), dtype=np.int32)
    codes[~outside] = labels[~outside]
    codes[outside] = n_ids + city_of
    dictionary = [names.get(cid) for cid in range(n_ids)]
    dictionary += [str(places.name[i]) for i in city_places]
    point_labels = pa.DictionaryArray.from_arrays(
        pa.array(codes), pa.array(dictionary, pa.string())
    )
    coords = {
        str(places.name[i]): (float(places.lat[i]), float(places.lon[i])) for i in city_places
    }
    return Naming(names, point_labels, dict(countries), coords)


def label_rows(
    con: Any,
    clustering: Clustering,
    cluster_prev: list[NDArray[np.int64]],
    naming: Naming,
) -> None:
    """Add the columns ``cluster``, ``cluster_prev`` and ``loc_label`` to table ``rows``.

    ``cluster``: the cluster (-1 noise) of current-window rows located at a clustering
    precision, else null. ``cluster_prev``: the cluster of previous-window rows so located
    (``cluster_prev`` per layer, :func:`assign_previous`), else -2. ``loc_label``, current
    window only: the row's cluster name, else its main city (clustered precision), else its
    economy's name (coarser rows), else null. The labels of the distinct points of both windows
    (one table, growing with distinct coordinates only) are joined to the rows in SQL: one hash
    join, one pass over the rows. Table ``rows`` has no row order (:mod:`stclusters.measure.
    counting`), so the pass runs with DuckDB's ``preserve_insertion_order`` off (about a tenth
    less CPU), restored afterwards.
    """
    current = clustering.point_table(
        cluster=pa.array(clustering.labels, pa.int64()),
        loc_label=pa.array(naming.point_labels, pa.string()),
    )
    previous = clustering.point_table(
        previous=True, cluster_prev=pa.array(np.concatenate(cluster_prev), pa.int64())
    )
    economies = pa.table(
        {
            "country": pa.array(list(naming.countries), pa.string()),
            "economy_name": pa.array(list(naming.countries.values()), pa.string()),
        }
    )
    con.register("point_current_in", current)
    con.register("point_previous_in", previous)
    con.register("economy_names_in", economies)
    fine = clustering.fine("r")
    preserve = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    try:
        # one table of the distinct points of both windows: the rows are joined to it once
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE point_labels AS
            SELECT coalesce(c.layer, p.layer) AS layer, coalesce(c.lat, p.lat) AS lat,
                coalesce(c.lon, p.lon) AS lon, c.cluster, c.loc_label, p.cluster_prev
            FROM point_current_in c FULL OUTER JOIN point_previous_in p
                ON c.layer = p.layer AND c.lat = p.lat AND c.lon = p.lon
            """
        )
        con.execute("SET preserve_insertion_order = false")
        con.execute(
            f"""
            CREATE OR REPLACE TABLE rows AS
            SELECT r.*,
                CASE WHEN r.current AND {fine} THEN c.cluster END AS cluster,
                CASE WHEN r.previous AND {fine} THEN coalesce(c.cluster_prev, -2)
                     ELSE -2 END::BIGINT AS cluster_prev,
                CASE WHEN NOT r.current OR r.lat IS NULL THEN NULL
                     WHEN {fine} THEN c.loc_label
                     WHEN r.country IS NULL OR r.country = '' THEN NULL
                     ELSE coalesce(e.economy_name, r.country) END AS loc_label
            FROM rows r
            LEFT JOIN point_labels c
                ON c.layer = r.layer AND c.lat = r.lat AND c.lon = r.lon
            LEFT JOIN economy_names_in e ON e.country = r.country
            """
        )
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if preserve else 'false'}")
        for name in ("point_current_in", "point_previous_in", "economy_names_in"):
            con.unregister(name)
        con.execute("DROP TABLE IF EXISTS point_labels")


def _layer_balanced_shares(
    found: Sequence[tuple[Any, str, str, float]],
) -> dict[int, dict[str, float]]:
    """Cluster -> economy -> the mean over the cluster's layers of the economy's share of the
    layer's output, from (cluster, layer, economy, output) rows (method.md section 4: patents and
    articles weigh alike, as for a city's part of the name, section 6)."""
    per: dict[int, dict[str, dict[str, float]]] = {}
    for cid, layer, country, s in found:
        per.setdefault(int(cid), {}).setdefault(layer, {})[country] = float(s)
    out: dict[int, dict[str, float]] = {}
    for cid, layers in per.items():
        totals = {layer: sum(v.values()) for layer, v in layers.items()}
        used = [layer for layer, t in totals.items() if t > 0]
        acc: dict[str, float] = {}
        for layer in used:
            for country, v in layers[layer].items():
                acc[country] = acc.get(country, 0.0) + v / totals[layer] / len(used)
        out[cid] = acc
    return out


def _economy_shares(con: Any) -> dict[int, dict[str, float]]:
    rows = con.execute(
        """
        SELECT cluster, layer, country, kahan_sum(share)
        FROM rows WHERE current AND cluster >= 0 AND country IS NOT NULL
        GROUP BY ALL ORDER BY ALL
        """
    ).fetchall()
    return _layer_balanced_shares(rows)


def cluster_rows(
    con: Any,
    clustering: Clustering,
    names: Mapping[int, str],
    *,
    world: Mapping[str, float],
    economy_share: float,
) -> list[ClusterRow]:
    """One unranked row per cluster: counts, economies (holding ``economy_share`` or more of the
    output), name and centre (the mean unit vector of its distinct member points)."""
    per_cluster = counting.cluster_counts(con)
    shares = _economy_shares(con)
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


def _candidates(rows: list[ClusterRow], world: Mapping[str, float], top_n: int) -> list[int]:
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
    con: Any,
    rows: list[ClusterRow],
    *,
    world: Mapping[str, float],
    world_previous: Mapping[str, float],
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
    con: Any = None,
    world: Mapping[str, float] | None = None,
) -> tuple[dict[int, dict[str, Any]], list[dict[str, Any]], str]:
    """The sensitivity of the published ``clusters``' ranks: with ``sensitivity_analysis``, the
    full analysis over the grid of ``eps_km`` x ``min_points`` and the bootstrap resamples of
    the documents (:func:`~stclusters.measure.sensitivity.analyse`; ``con`` and ``world`` for
    the resamples), else the rank ranges over four reruns with ``eps_km`` and ``min_points``
    each lowered and raised by ``sensitivity_step`` (:func:`~stclusters.measure.sensitivity.
    rank_ranges`). Per cluster, per run (the full analysis only), and a summary line."""
    from stclusters.measure.sensitivity import analyse, rank_ranges

    if config.sensitivity_analysis:
        found = analyse(
            clustering,
            weight,
            clusters=clusters,
            eps_km=config.eps_km,
            min_points=config.min_points,
            step=config.sensitivity_step,
            grid=config.sensitivity_grid,
            bootstraps=config.sensitivity_bootstraps,
            seed=config.seed,
            con=con,
            world=world,
        )
        wide = sum(1 for v in found.clusters.values() if v["interval_high"] > v["interval_low"])
        n = len(found.runs)
        return (
            found.clusters,
            found.runs,
            (f"{wide} of {len(clusters)} published clusters have a rank interval in {n} runs"),
        )
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
    return (
        ranges,
        [],
        f"{moved} of {len(clusters)} published clusters change rank in 4 variant runs",
    )


def _rank(
    con: Any,
    clustering: Clustering,
    naming: Naming,
    *,
    world: Mapping[str, float],
    world_previous: Mapping[str, float],
    config: Config,
    places: Places,
) -> tuple[list[ClusterRow], list[ClusterRow], dict[int, Any]]:
    """Counts, footprints and population of the candidates, ranks, growth and rank change."""
    from stclusters.measure.population import population_flag, population_of
    from stclusters.measure.previous import apply_previous, read_previous

    rows = cluster_rows(
        con, clustering, naming.names, world=world, economy_share=config.economy_share
    )
    candidates = _candidates(rows, world, config.top_n)
    geoms = footprints_of(clustering, candidates, radius_km=config.footprint_km)
    pops = population_of(
        geoms, source=config.population_source, raster=config.population_raster, places=places
    )
    rows = [
        replace(
            r, population=pops[r.cluster_id], population_flag=population_flag(pops[r.cluster_id])
        )
        if r.cluster_id in pops
        else replace(r, population=None, population_flag="not_computed")
        for r in rows
    ]
    top, ranked = rank_clusters(rows, world=world, top_n=config.top_n)
    growth = growth_of(con, top, world=world, world_previous=world_previous)
    top = [replace(r, growth=growth[r.cluster_id]) if r.cluster_id in growth else r for r in top]
    if config.previous:
        top = apply_previous(top, read_previous(config.previous), merge_km=config.merge_km)
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
    from stclusters.measure.links import cluster_links
    from stclusters.measure.profiles import build_profiles, read_organisation_aliases
    from stclusters.places import country_names, load_places

    clock = clock or StageClock()
    places = places if places is not None else load_places(cache_dir=config.cache_dir)
    countries = countries if countries is not None else country_names()
    con, world = shares.con, shares.world
    cluster_prev = assign_previous(clustering)
    clock.begin("name")
    weight = output_weights(clustering, world)
    economies = cluster_economies(con, clustering, world=world, economy_share=config.economy_share)
    naming = name_clusters(
        clustering,
        weight,
        places=places,
        config=config,
        countries=countries,
        economies=economies,
    )
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
    sensitivity_runs: list[dict[str, Any]] = []
    if config.sensitivity or config.sensitivity_analysis:
        clock.begin("sensitivity")
        ids = [r.cluster_id for r in top]
        sensitivity, sensitivity_runs, summary = sensitivity_of(
            clustering, weight, clusters=ids, config=config, con=con, world=world
        )
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
        organisation_aliases=read_organisation_aliases(config.organisation_aliases)
        if config.organisation_aliases
        else None,
    )
    if config.previous:
        from stclusters.measure.previous import read_previous, with_previous_edition

        profiles = with_previous_edition(profiles, read_previous(config.previous).edition)
    links = cluster_links(con, top, profiled=True)
    clock.end(f"{len(profiles)} profiles")
    return Measured(
        ranking=top,
        all_clusters=ranked,
        profiles=profiles,
        footprints=geoms,
        links=links,
        sensitivity_runs=sensitivity_runs,
    )
