"""Vectorised random draws of the synthetic world: weighted choice in groups, jitter, rounding."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["GroupSampler", "jitter", "largest_remainder", "stochastic_round", "zipf_weights"]

KM_PER_DEGREE = 111.195

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


class GroupSampler:
    """Draw a member of a group with probability proportional to its weight, for many draws at once.

    Members are given by their group number; within each group the weights are normalised and laid
    end to end on one axis (group ``g`` covers ``(g, g + 1]``), so that one ``searchsorted`` answers
    every draw.

    Parameters
    ----------
    groups
        Group number of each member (0 .. n_groups - 1), any order.
    weights
        Non-negative weight of each member.
    n_groups
        Number of groups (groups without members or weight cannot be drawn from).
    """

    def __init__(self, groups: IntArray, weights: FloatArray, n_groups: int) -> None:
        groups = np.asarray(groups, dtype=np.int64)
        weights = np.asarray(weights, dtype=np.float64)
        keep = np.flatnonzero(weights > 0)  # members without weight can never be drawn
        order = keep[np.argsort(groups[keep], kind="stable")]
        self.members: IntArray = order
        g = groups[order]
        w = weights[order]
        self.start: IntArray = np.searchsorted(g, np.arange(n_groups), side="left")
        self.stop: IntArray = np.searchsorted(g, np.arange(n_groups), side="right")
        self.total: FloatArray = np.asarray(
            np.bincount(g, weights=w, minlength=n_groups)[:n_groups], dtype=np.float64
        )
        csum = np.cumsum(w)
        before = np.zeros(n_groups)
        nonempty = self.stop > self.start
        first = self.start[nonempty]
        if len(first):
            before[nonempty] = csum[first] - w[first]
        norm = np.where(self.total > 0, self.total, 1.0)
        self.axis: FloatArray = g.astype(np.float64) + (csum - before[g]) / norm[g]
        if len(g):  # guard the last member of each group against rounding
            self.axis[self.stop[nonempty] - 1] = g[self.stop[nonempty] - 1] + 1.0

    def can_draw(self, group: IntArray) -> NDArray[np.bool_]:
        """Whether ``group`` has members with weight."""
        return np.asarray(self.total[group] > 0)

    def draw(self, group: IntArray, u: FloatArray) -> IntArray:
        """Member drawn for each group number in ``group``, using uniforms ``u`` in [0, 1)."""
        group = np.asarray(group, dtype=np.int64)
        if not len(self.members):
            raise ValueError("cannot draw: no member has a positive weight")
        pos = np.searchsorted(self.axis, group + u, side="right")
        pos = np.clip(pos, self.start[group], np.maximum(self.stop[group] - 1, self.start[group]))
        pos = np.minimum(pos, len(self.members) - 1)
        return np.asarray(self.members[pos])


def zipf_weights(n: IntArray, exponent: float) -> FloatArray:
    """Concatenated Zipf weights ``rank ** -exponent`` for groups of sizes ``n``."""
    n = np.asarray(n, dtype=np.int64)
    starts = np.cumsum(n) - n
    rank = np.arange(int(n.sum())) - np.repeat(starts, n) + 1
    return np.asarray(rank.astype(np.float64) ** -exponent)


def stochastic_round(x: FloatArray, rng: np.random.Generator) -> IntArray:
    """Round each value down or up at random so that the expected result equals the value."""
    x = np.asarray(x, dtype=np.float64)
    base = np.floor(x)
    out: IntArray = np.asarray(base + (rng.random(x.shape) < (x - base)), dtype=np.int64)
    return out


def largest_remainder(total: int, weights: FloatArray) -> IntArray:
    """Integers proportional to ``weights`` that add up to ``total`` exactly."""
    weights = np.asarray(weights, dtype=np.float64)
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    exact = total * weights / weights.sum()
    out: IntArray = np.floor(exact).astype(np.int64)
    short = total - int(out.sum())
    if short > 0:
        order = np.argsort(-(exact - out), kind="stable")
        out[order[:short]] += 1
    return out


def jitter(
    lat: FloatArray, lon: FloatArray, sd_km: FloatArray, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Points moved by a Gaussian offset of ``sd_km`` kilometres in each direction."""
    dy = rng.standard_normal(len(lat)) * sd_km / KM_PER_DEGREE
    dx = rng.standard_normal(len(lat)) * sd_km / KM_PER_DEGREE
    new_lat = np.clip(lat + dy, -89.9, 89.9)
    coslat = np.maximum(np.cos(np.radians(new_lat)), 0.05)
    new_lon = lon + dx / coslat
    new_lon = (new_lon + 180.0) % 360.0 - 180.0
    return np.asarray(new_lat), np.asarray(new_lon)
