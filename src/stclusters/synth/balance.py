"""Keep each hub's fractional output on its planted figure while a world is generated.

Collaborators move shares out of a hub (co-inventors elsewhere) and into it (visitors); home
document counts are set so that this balances on average, and the small random difference left in
each chunk is corrected here by moving a few co-people (never a document's first-listed person,
so economy totals stay exact) into or out of the hub: a hub short of its target draws back
co-people of its own documents who were elsewhere (then, if needed, other co-people); a hub above
its target sends some of its co-people to other places of their economy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from stclusters.synth.sampling import GroupSampler

__all__ = ["Movers", "rebalance"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass
class Movers:
    """Samplers that say where moved co-people go."""

    #: draws a unit of a hub (group) in proportion to its home documents
    group_units: GroupSampler
    #: draws a non-hub unit of an economy in proportion to its home documents
    econ_other_units: GroupSampler
    unit_hub: IntArray
    unit_econ: IntArray
    #: an economy that has non-hub units (fallback)
    fallback_econ: int


def _prefix(weights: FloatArray, amount: float) -> int:
    """How many of ``weights`` (in order) to take so that their sum comes closest to ``amount``."""
    if amount <= 0 or not len(weights):
        return 0
    cs = np.cumsum(weights)
    return int(np.searchsorted(cs - weights / 2.0, amount, side="right"))


def rebalance(
    need: FloatArray,
    row_unit: IntArray,
    row_weight: FloatArray,
    movable: NDArray[np.bool_],
    row_home_hub: IntArray,
    movers: Movers,
    rng: np.random.Generator,
) -> tuple[IntArray, NDArray[np.bool_]]:
    """Move co-people so that each hub's fractional output changes by about ``need[h]``.

    Parameters
    ----------
    need
        Per hub, the fractional output to add (negative: to remove).
    row_unit
        Unit of each people row (a modified copy is returned).
    row_weight
        Fractional share of each row.
    movable
        Rows that may move (co-people of kept documents).
    row_home_hub
        Hub of each row's document's home unit, or -1.

    Returns
    -------
    row_unit, moved_in
        The new units, and which rows were moved into a hub.
    """
    row_unit = row_unit.copy()
    moved_in = np.zeros(len(row_unit), dtype=bool)
    hub_of_row = movers.unit_hub[row_unit]
    n_hubs = len(need)
    noise = rng.random(len(row_unit))
    # --- hubs above their target: send co-people elsewhere in their economy
    over = need < 0
    cand = np.flatnonzero(movable & (hub_of_row >= 0))
    cand = cand[over[hub_of_row[cand]]]
    cand = cand[np.lexsort((noise[cand], hub_of_row[cand]))]
    bounds = np.searchsorted(hub_of_row[cand], np.arange(n_hubs + 1))
    out_rows = []
    for h in np.flatnonzero(over):
        seg = cand[bounds[h] : bounds[h + 1]]
        out_rows.append(seg[: _prefix(row_weight[seg], -need[h])])
    if out_rows:
        rows = np.concatenate(out_rows)
        econ = movers.unit_econ[row_unit[rows]]
        econ = np.where(movers.econ_other_units.can_draw(econ), econ, movers.fallback_econ)
        row_unit[rows] = movers.econ_other_units.draw(econ, rng.random(len(rows)))
    # --- hubs below their target: bring back their own documents' co-people, then others
    under = need > 0
    free = movable & (hub_of_row < 0)
    cand = np.flatnonzero(free & (row_home_hub >= 0))
    cand = cand[under[row_home_hub[cand]]]
    cand = cand[np.lexsort((noise[cand], row_home_hub[cand]))]
    bounds = np.searchsorted(row_home_hub[cand], np.arange(n_hubs + 1))
    left = need.copy()
    for h in np.flatnonzero(under):
        seg = cand[bounds[h] : bounds[h + 1]]
        take = seg[: _prefix(row_weight[seg], need[h])]
        if len(take):
            row_unit[take] = movers.group_units.draw(np.full(len(take), h), rng.random(len(take)))
            moved_in[take] = True
            free[take] = False
            left[h] -= float(row_weight[take].sum())
    pool = np.flatnonzero(free)
    pool = pool[np.argsort(noise[pool], kind="stable")]
    start = 0
    for h in np.flatnonzero(under & (left > 0)):
        if left[h] <= 0 or start >= len(pool):
            continue
        seg = pool[start:]
        k = _prefix(row_weight[seg], float(left[h]))
        if k == 0:
            continue
        take = seg[:k]
        row_unit[take] = movers.group_units.draw(np.full(k, h), rng.random(k))
        moved_in[take] = True
        start += k
    return row_unit, moved_in
