"""How stable each cluster's size rank is when the clustering settings change.

The published method fixes ``eps_km`` and ``min_points``; small changes to them move clusters up
and down the ranking. stclusters can rerun the clustering with each setting lowered and raised by a
step (four variants) and report, for every published cluster, the range of size ranks of the
variant cluster that holds most of its output (or that it disappears).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["rank_ranges", "size_ranks"]


def size_ranks(labels: NDArray[np.int64], weight: NDArray[np.float64]) -> dict[int, int]:
    """Size rank (1 = largest summed weight; ties to the lower label) of every label >= 0."""
    mask = labels >= 0
    if not mask.any():
        return {}
    sums = np.bincount(labels[mask], weights=weight[mask])
    present = np.flatnonzero(np.bincount(labels[mask]) > 0)
    order = present[np.lexsort((present, -sums[present]))]
    return {int(label): rank for rank, label in enumerate(order, start=1)}


def rank_ranges(
    base: NDArray[np.int64],
    variants: Sequence[NDArray[np.int64]],
    weight: NDArray[np.float64],
    *,
    clusters: Sequence[int],
    note: str,
) -> dict[int, dict[str, Any]]:
    """For each base cluster, the lowest and highest size rank over the base and the variants.

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
