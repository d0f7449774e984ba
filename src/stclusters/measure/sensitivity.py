"""How stable each published cluster's size rank is (issue 15 item 1, ``stclusters sensitivity``).

The published method fixes ``eps_km`` and ``min_points`` and counts one set of documents; other
settings and another draw of the documents move clusters up and down the ranking. The analysis
reruns the clustering on the same weighted distinct points:

* on a grid of ``eps_km`` x ``min_points`` (``sensitivity_grid`` values of each, spaced evenly
  from ``1 - sensitivity_step`` to ``1 + sensitivity_step`` times the setting; an odd number
  includes the setting itself, which is the default run and not run twice);
* on ``sensitivity_bootstraps`` bootstrap resamples of the documents (Efron's bootstrap, drawn
  with replacement within each layer, as many as the layer's documents of the window; seeded by
  the ``seed`` setting, one independent stream per resample): each point's weight becomes its
  rows of the drawn documents, counted as often as they are drawn, and only the points of drawn
  documents are clustered.

Clusters are matched across runs by shared output, never by label number: a run's cluster *is*
a published cluster when it holds at least half (:data:`MAIN_SHARE`) of that cluster's located
output (the default run's points, weighted as in that run); two published or unpublished
clusters held that way by one run cluster are *merged*; a cluster whose output two run clusters
hold :data:`PIECE_SHARE` or more of each is *split*. For each published cluster: its size rank
in every run where it is found (the default run's included), their range, the shortest interval
holding the default rank and :data:`INTERVAL` of those ranks, and the shares of runs in which it
is found, merged and split. For each run: Spearman's rank correlation between the published top
N's default ranks and their ranks in the run (a cluster not found takes the rank after the run's
last cluster), and how many published clusters are lost, leave the top N, and how many run
clusters enter it.

Everything here works on the distinct points (:class:`~stclusters.cluster.stage.Clustering`);
the document draw joins the rows to the points once in DuckDB and keeps one (document, point)
pair per row group as NumPy columns.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from stclusters.cluster.stage import Clustering

__all__ = [
    "INTERVAL",
    "MAIN_SHARE",
    "PIECE_SHARE",
    "RUN_COLUMNS",
    "SENSITIVITY_COLUMNS",
    "Sensitivity",
    "analyse",
    "bootstrap_weights",
    "compare_run",
    "grid_settings",
    "rank_interval",
    "rank_ranges",
    "recluster_weighted",
    "size_ranks",
    "write_sensitivity",
]

#: Share of the runs (where the cluster is found) that the rank interval holds.
INTERVAL = 0.9
#: A run cluster holding at least this share of a cluster's output is that cluster.
MAIN_SHARE = 0.5
#: Two run clusters holding at least this share of a cluster's output each: it is split.
PIECE_SHARE = 0.2

#: Columns of sensitivity.csv (one row per published cluster; docs/outputs.md).
SENSITIVITY_COLUMNS = (
    "rank",
    "cluster_id",
    "name",
    "size_rank",
    "interval_low",
    "interval_high",
    "rank_min",
    "rank_max",
    "runs",
    "found_share",
    "merged_share",
    "split_share",
)
#: Columns of sensitivity_runs.csv (one row per run; docs/outputs.md).
RUN_COLUMNS = (
    "run",
    "kind",
    "eps_km",
    "min_points",
    "bootstrap",
    "clusters",
    "spearman",
    "lost",
    "merged",
    "split",
    "left_top",
    "entered_top",
)


@dataclass(frozen=True)
class Sensitivity:
    """The analysis's result.

    Attributes
    ----------
    clusters
        Published cluster id -> {``size_rank``: default size rank, ``interval_low``,
        ``interval_high``: the :data:`INTERVAL` interval, ``rank_min``, ``rank_max``: the range,
        ``runs``: runs made, ``found_in``, ``lost_in``, ``merged_in``, ``split_in``: run counts,
        ``found_share``, ``merged_share``, ``split_share``: those counts over ``runs``,
        ``note``: what the runs were}.
    runs
        One dict per run, default run first (keys :data:`RUN_COLUMNS`).
    """

    clusters: dict[int, dict[str, Any]]
    runs: list[dict[str, Any]] = field(default_factory=list)


def size_ranks(labels: NDArray[np.int64], weight: NDArray[np.float64]) -> dict[int, int]:
    """Size rank (1 = largest summed weight; ties to the lower label) of every label >= 0."""
    ranks = _rank_array(labels, weight)
    return {int(label): int(r) for label, r in enumerate(ranks.tolist()) if r > 0}


def _rank_array(labels: NDArray[np.int64], weight: NDArray[np.float64]) -> NDArray[np.int64]:
    """(max label + 1,) the size rank of every label (0 for a label without points)."""
    mask = labels >= 0
    n = int(labels.max(initial=-1)) + 1
    out = np.zeros(n, dtype=np.int64)
    if not mask.any():
        return out
    sums = np.bincount(labels[mask], weights=weight[mask], minlength=n)
    present = np.flatnonzero(np.bincount(labels[mask], minlength=n) > 0)
    order = present[np.lexsort((present, -sums[present]))]
    out[order] = np.arange(1, order.size + 1, dtype=np.int64)
    return out


def grid_settings(
    eps_km: float, min_points: float, *, step: float, size: int
) -> list[tuple[float, float]]:
    """The (eps_km, min_points) pairs of the grid, eps_km varying slowest.

    ``size`` values of each setting, spaced evenly from ``1 - step`` to ``1 + step`` times it
    (``size`` 1: the setting alone). Config checks that the extremes are allowed values.
    """
    if size == 1:
        factors = [1.0]
    else:
        factors = [1.0 + step * (2.0 * i / (size - 1) - 1.0) for i in range(size)]
    return [(eps_km * fe, min_points * fm) for fe in factors for fm in factors]


def recluster_weighted(
    clustering: Clustering,
    weights: NDArray[np.float64],
    *,
    eps_km: float,
    min_points: float,
) -> NDArray[np.int64]:
    """(M,) the merged cluster of every distinct point for other DBSCAN settings and point
    weights ((M,) rows per point, :attr:`Clustering.points` order); points of weight 0 are left
    out (noise, -1), so they neither join a cluster nor bridge a merge. The merge distance stays
    that of ``clustering`` (method.md section 3)."""
    from stclusters.cluster import GeoDBSCAN, merge_labels

    groups = []
    start = 0
    for layer in clustering.layers:
        stop = start + len(layer.points)
        w = weights[start:stop]
        labels = np.full(len(layer.points), -1, dtype=np.int64)
        keep = np.flatnonzero(w > 0)
        if keep.size:
            fitted = GeoDBSCAN(eps_km=eps_km, min_points=min_points).fit(
                layer.points[keep], sample_weight=w[keep]
            )
            labels[keep] = np.asarray(fitted.labels_, dtype=np.int64)
        groups.append((layer.points, labels))
        start = stop
    merged = merge_labels(groups, merge_km=clustering.merge_km)
    return np.concatenate(merged) if merged else np.empty(0, dtype=np.int64)


def bootstrap_weights(
    con: Any,
    clustering: Clustering,
    *,
    world: Mapping[str, float],
    resamples: int,
    seed: int,
) -> Iterator[tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """Per bootstrap resample of the documents: (M,) rows and (M,) output (size-score units)
    of every distinct point (:attr:`Clustering.points` order).

    Each layer's documents of the current window (table ``docs``, as many as the world total)
    are drawn with replacement, as many draws as documents; resample ``b`` uses the ``b``-th
    child of ``numpy.random.SeedSequence(seed)``, so a resample does not depend on how many are
    made. The rows of table ``rows`` located at a clustering precision are joined to their
    points once (one (document, point) pair per group of rows, NumPy columns).
    """
    names = [layer.name for layer in clustering.layers]
    points = clustering.point_table(point=np.arange(len(clustering.labels), dtype=np.int64))
    con.register("sensitivity_points_in", points)
    try:
        docs = con.execute(
            """
            SELECT layer, count(*) AS n FROM docs WHERE current GROUP BY layer
            """
        ).fetchall()
        n_docs = {str(layer): int(n) for layer, n in docs}
        offset, start = {}, 0
        for name in names:
            offset[name] = start
            start += n_docs.get(name, 0)
        cases = " ".join(f"WHEN '{n}' THEN {offset[n]}" for n in names)
        pairs = con.execute(
            f"""
            WITH d AS (
                SELECT doc_id, layer,
                    (row_number() OVER (PARTITION BY layer ORDER BY doc_id)) - 1
                    + CASE layer {cases} ELSE 0 END AS doc
                FROM docs WHERE current
            )
            SELECT d.doc, p.point, count(*)::DOUBLE AS n, kahan_sum(r.share) AS share
            FROM rows r
            JOIN d ON d.doc_id = r.doc_id
            JOIN sensitivity_points_in p ON p.layer = r.layer AND p.lat = r.lat AND p.lon = r.lon
            WHERE r.current AND {clustering.fine("r")}
            GROUP BY ALL ORDER BY d.doc, p.point
            """
        ).fetchnumpy()
    finally:
        con.unregister("sensitivity_points_in")
    doc = np.asarray(pairs["doc"], dtype=np.int64)
    point = np.asarray(pairs["point"], dtype=np.int64)
    rows = np.asarray(pairs["n"], dtype=np.float64)
    share = np.asarray(pairs["share"], dtype=np.float64)
    m = len(clustering.labels)
    per_world = np.concatenate(
        [np.full(len(layer.points), 1.0 / max(world[layer.name], 1)) for layer in clustering.layers]
    )
    children = np.random.SeedSequence(seed).spawn(resamples)
    for child in children:
        rng = np.random.default_rng(child)
        draws = [
            np.bincount(
                rng.integers(0, n_docs.get(n, 0), n_docs.get(n, 0)), minlength=n_docs.get(n, 0)
            )
            if n_docs.get(n, 0)
            else np.zeros(0, dtype=np.int64)
            for n in names
        ]
        times = np.concatenate(draws).astype(np.float64)[doc]
        yield (
            np.asarray(np.bincount(point, weights=rows * times, minlength=m), dtype=np.float64),
            np.asarray(np.bincount(point, weights=share * times, minlength=m), dtype=np.float64)
            * per_world,
        )


@dataclass(frozen=True)
class _Match:
    """One run compared with the default run, for every default cluster c (arrays indexed by c):
    its rank in the run (0 when not found), found, merged and split."""

    rank: NDArray[np.int64]
    found: NDArray[np.bool_]
    merged: NDArray[np.bool_]
    split: NDArray[np.bool_]
    run_ranks: NDArray[np.int64]
    matched_to: NDArray[np.int64]


def compare_run(
    base: NDArray[np.int64], labels: NDArray[np.int64], weight: NDArray[np.float64]
) -> _Match:
    """Match the clusters of one run (``labels``) to the default run's (``base``) by the output
    (``weight``, the run's) of the default clusters' points that each run cluster holds (rules
    of the module docstring). All arrays (M,) in :attr:`Clustering.points` order."""
    nb = int(base.max(initial=-1)) + 1
    run_ranks = _rank_array(labels, weight)
    inb = base >= 0
    total = np.bincount(base[inb], weights=weight[inb], minlength=nb)
    both = inb & (labels >= 0)
    span = int(labels.max(initial=0)) + 1
    keys, inverse = np.unique(base[both] * span + labels[both], return_inverse=True)
    held = np.bincount(inverse, weights=weight[both], minlength=keys.size)
    c_of, k_of = np.divmod(keys, span)
    order = np.lexsort((k_of, -held, c_of))
    first = order[np.r_[True, c_of[order][1:] != c_of[order][:-1]]] if order.size else order
    best_k = np.full(nb, -1, dtype=np.int64)
    best_held = np.zeros(nb)
    best_k[c_of[first]] = k_of[first]
    best_held[c_of[first]] = held[first]
    found = (total > 0) & (best_k >= 0) & (best_held >= MAIN_SHARE * total)
    matched = np.bincount(best_k[found], minlength=span) if found.any() else np.zeros(span, int)
    merged = found & (matched[np.maximum(best_k, 0)] >= 2)
    piece = held >= PIECE_SHARE * total[c_of]
    split = np.bincount(c_of[piece], minlength=nb) >= 2
    rank = np.where(found, run_ranks[np.maximum(best_k, 0)] if run_ranks.size else 0, 0)
    return _Match(
        rank=rank.astype(np.int64),
        found=found,
        merged=merged,
        split=split,
        run_ranks=run_ranks,
        matched_to=np.where(found, best_k, -1),
    )


def rank_interval(
    ranks: Sequence[int], default: int, *, level: float = INTERVAL
) -> tuple[int, int]:
    """The shortest interval [low, high] of ``ranks`` (the default run's included) that holds
    ``default`` and at least ``level`` of the ranks (ceil(level * n) of them); among equally
    short ones the lowest. With one rank, (default, default)."""
    values = np.sort(np.asarray(ranks, dtype=np.int64))
    n = values.size
    if n == 0:
        return default, default
    k = max(1, math.ceil(level * n - 1e-9))
    best: tuple[int, int] | None = None
    for i in range(n - k + 1):
        low, high = int(values[i]), int(values[i + k - 1])
        if not low <= default <= high:
            continue
        if best is None or high - low < best[1] - best[0]:
            best = (low, high)
    if best is None:  # cannot happen when default is one of ranks
        return default, default
    return best


def _spearman(x: NDArray[np.float64], y: NDArray[np.float64]) -> float | None:
    """Spearman's rank correlation (scipy.stats.spearmanr, ties averaged); None when either
    side is constant or there are fewer than two clusters."""
    from scipy.stats import spearmanr

    if x.size < 2 or np.all(x == x[0]) or np.all(y == y[0]):
        return None
    return round(float(spearmanr(x, y).statistic), 6)


def analyse(
    clustering: Clustering,
    weight: NDArray[np.float64],
    *,
    clusters: Sequence[int],
    eps_km: float,
    min_points: float,
    step: float,
    grid: int,
    bootstraps: int,
    seed: int,
    con: Any = None,
    world: Mapping[str, float] | None = None,
) -> Sensitivity:
    """Rank stability of the published ``clusters`` over the grid and the bootstrap resamples.

    Parameters
    ----------
    clustering
        The cluster stage's result (the default run).
    weight
        (M,) output of every distinct point in size-score units (the default run's).
    clusters
        The published cluster ids, in published order (the top N).
    eps_km, min_points, step, grid
        The settings and the grid (:func:`grid_settings`).
    bootstraps, seed, con, world
        Resamples of the documents (:func:`bootstrap_weights`; ``con`` holds tables ``docs`` and
        ``rows``, ``world`` the layers' document totals); none when ``bootstraps`` is 0.

    Returns
    -------
    Sensitivity
        Per published cluster and per run (module docstring).
    """
    base = clustering.labels
    rows = np.concatenate([layer.weights for layer in clustering.layers])
    ids = np.asarray(list(clusters), dtype=np.int64)
    base_ranks = _rank_array(base, weight)
    top_n = ids.size
    runs: list[tuple[dict[str, Any], _Match]] = []

    def add(info: dict[str, Any], labels: NDArray[np.int64], w: NDArray[np.float64]) -> None:
        runs.append((info, compare_run(base, labels, w)))

    add(
        {"run": "default", "kind": "default", "eps_km": eps_km, "min_points": min_points},
        base,
        weight,
    )
    for e, mp in grid_settings(eps_km, min_points, step=step, size=grid):
        if math.isclose(e, eps_km, rel_tol=1e-12) and math.isclose(mp, min_points, rel_tol=1e-12):
            continue
        labels = recluster_weighted(clustering, rows, eps_km=e, min_points=mp)
        add(
            {"run": f"eps {e:g} mp {mp:g}", "kind": "grid", "eps_km": e, "min_points": mp},
            labels,
            weight,
        )
    if bootstraps:
        if con is None or world is None:
            raise ValueError("bootstrap resamples need the connection and the world totals")
        for b, (w_rows, w_out) in enumerate(
            bootstrap_weights(con, clustering, world=world, resamples=bootstraps, seed=seed)
        ):
            labels = recluster_weighted(clustering, w_rows, eps_km=eps_km, min_points=min_points)
            add(
                {
                    "run": f"bootstrap {b + 1}",
                    "kind": "bootstrap",
                    "eps_km": eps_km,
                    "min_points": min_points,
                    "bootstrap": b + 1,
                },
                labels,
                w_out,
            )
    n_runs = len(runs)
    lo, hi = (1.0 - step, 1.0 + step) if grid > 1 else (1.0, 1.0)
    note = (
        f"a {grid} x {grid} grid of eps_km {eps_km * lo:g} to {eps_km * hi:g} and min_points "
        f"{min_points * lo:g} to {min_points * hi:g}, and {bootstraps} bootstrap resamples "
        "of the documents"
    )
    out: dict[int, dict[str, Any]] = {}
    for c in ids.tolist():
        ranks = [int(m.rank[c]) for _, m in runs if m.found[c]]
        default = int(base_ranks[c])
        low, high = rank_interval(ranks, default)
        found = sum(1 for _, m in runs if m.found[c])
        merged = sum(1 for _, m in runs if m.merged[c])
        split = sum(1 for _, m in runs if m.split[c])
        out[c] = {
            "size_rank": default,
            "interval_low": low,
            "interval_high": high,
            "rank_min": min(ranks),
            "rank_max": max(ranks),
            "runs": n_runs,
            "found_in": found,
            "lost_in": n_runs - found,
            "merged_in": merged,
            "split_in": split,
            "found_share": round(found / n_runs, 6),
            "merged_share": round(merged / n_runs, 6),
            "split_share": round(split / n_runs, 6),
            "note": note,
        }
    run_rows = []
    x = base_ranks[ids].astype(np.float64)
    for info, m in runs:
        n_clusters = int((m.run_ranks > 0).sum())
        y = np.where(m.found[ids], m.rank[ids], n_clusters + 1).astype(np.float64)
        in_top = m.found[ids] & (m.rank[ids] <= top_n)
        held = set(m.matched_to[ids][in_top].tolist())
        top_run = set(np.flatnonzero((m.run_ranks > 0) & (m.run_ranks <= top_n)).tolist())
        run_rows.append(
            {
                "run": info["run"],
                "kind": info["kind"],
                "eps_km": round(float(info["eps_km"]), 6),
                "min_points": round(float(info["min_points"]), 6),
                "bootstrap": info.get("bootstrap"),
                "clusters": n_clusters,
                "spearman": _spearman(x, y),
                "lost": int((~m.found[ids]).sum()),
                "merged": int(m.merged[ids].sum()),
                "split": int(m.split[ids].sum()),
                "left_top": int((~in_top).sum()),
                "entered_top": len(top_run - held),
            }
        )
    return Sensitivity(clusters=out, runs=run_rows)


def rank_ranges(
    base: NDArray[np.int64],
    variants: Sequence[NDArray[np.int64]],
    weight: NDArray[np.float64],
    *,
    clusters: Sequence[int],
    note: str,
) -> dict[int, dict[str, Any]]:
    """For each base cluster, the lowest and highest size rank over the base and the variants
    (the quick ranges of ``sensitivity = true`` without ``sensitivity_analysis``: the variant
    cluster holding most of a cluster's output counts, however little it holds).

    Parameters
    ----------
    base
        Cluster of every row in the base run (-1 noise, -2 not clustered).
    variants
        Cluster of every row in each variant run.
    weight
        Output of every row in size-score units.
    clusters
        The base clusters to report.
    note
        What the variants were, for the reader.
    """
    base_ranks = size_ranks(base, weight)
    out: dict[int, dict[str, Any]] = {
        c: {"rank_min": base_ranks[c], "rank_max": base_ranks[c], "lost_in": 0, "note": note}
        for c in clusters
        if c in base_ranks
    }
    wanted = np.zeros(int(base.max(initial=-1)) + 1, dtype=bool)
    wanted[list(out)] = True
    for var in variants:
        ranks = size_ranks(var, weight)
        mask = (base >= 0) & (var >= 0)
        mask[mask] = wanted[base[mask]]
        span = int(var.max(initial=0)) + 1
        key = base[mask] * span + var[mask]
        keys, inverse = np.unique(key, return_inverse=True)
        sums = np.bincount(inverse, weights=weight[mask])
        best: dict[int, tuple[float, int]] = {}
        for k, s in zip(keys.tolist(), sums.tolist(), strict=True):
            c, v = divmod(k, span)
            if c not in best or s > best[c][0] or (s == best[c][0] and v < best[c][1]):
                best[c] = (s, v)
        for c, item in out.items():
            if c not in best:
                item["lost_in"] += 1
                continue
            r = ranks[best[c][1]]
            item["rank_min"] = min(item["rank_min"], r)
            item["rank_max"] = max(item["rank_max"], r)
    return out


def write_sensitivity(results: Any, folder: Any) -> None:
    """Write sensitivity.csv (one row per published cluster, :data:`SENSITIVITY_COLUMNS`) and
    sensitivity_runs.csv (one row per run, :data:`RUN_COLUMNS`) into ``folder`` when the
    sensitivity analysis was made; nothing otherwise (docs/outputs.md)."""
    from stclusters.csvfile import write_csv_rows

    rows = []
    for r, p in zip(results.ranking, results.profiles, strict=True):
        sens = p.get("sensitivity")
        if not sens or "interval_low" not in sens:
            continue
        rows.append(
            {"rank": r.rank, "cluster_id": r.cluster_id, "name": r.name}
            | {k: sens[k] for k in SENSITIVITY_COLUMNS[3:]}
        )
    if not rows:
        return
    write_csv_rows(rows, folder / "sensitivity.csv", columns=SENSITIVITY_COLUMNS)
    runs = getattr(results, "sensitivity_runs", None) or []
    write_csv_rows(runs, folder / "sensitivity_runs.csv", columns=RUN_COLUMNS)
