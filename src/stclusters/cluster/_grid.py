"""Plumbing of the DBSCAN engine: a 3-D grid on unit vectors and the cells holding core points."""

from __future__ import annotations

import itertools
import math

import numpy as np

from stclusters.cluster._sphere import BoolArray, FloatArray, IntArray, PointGroups, Sphere

# Offsets to the neighbouring cells that can hold points within eps (a cell's side is
# eps_chord / sqrt(3), so two points within eps are at most two cells apart on each axis).
# Only the lexicographically positive half: each unordered cell pair is produced once.
_OFFSETS = [o for o in itertools.product(range(-2, 3), repeat=3) if o > (0, 0, 0)]
# All the offsets, the cell itself included (for neighbourhoods of single cells).
_ALL_OFFSETS = list(itertools.product(range(-2, 3), repeat=3))


class Grid:
    """Unit vectors binned in cubes of side ``side``; each cube has a 64-bit integer key.

    Parameters
    ----------
    xyz
        (m, 3) unit vectors.
    side
        Cube side (chord length on the unit sphere).
    """

    def __init__(self, xyz: FloatArray, side: float) -> None:
        self.side = side
        self.offset = math.ceil(1.0 / side) + 3
        self.base = 2 * self.offset + 1
        if self.base**3 >= 2**62:  # pragma: no cover - eps_km >= its lower bound
            raise ValueError(f"grid side {side!r} too small for 64-bit cell keys")
        ijk = np.floor(xyz / side).astype(np.int64) + self.offset
        keys = (ijk[:, 0] * self.base + ijk[:, 1]) * self.base + ijk[:, 2]
        self.keys, inverse = np.unique(keys, return_inverse=True)
        self.cell_of: IntArray = inverse.astype(np.int64)

    def key_step(self, di: int, dj: int, dk: int) -> int:
        """Difference of the keys of two cells ``(di, dj, dk)`` apart."""
        return (di * self.base + dj) * self.base + dk


class CellBoxes:
    """Every occupied cell of a grid with its members and the bounding box of its points.

    Parameters
    ----------
    xyz
        (m, 3) unit vectors (those the grid was built on).
    grid
        The grid.
    """

    def __init__(self, xyz: FloatArray, grid: Grid) -> None:
        self.grid = grid
        self.n = int(grid.keys.size)
        self.members, self.start, self.size = _slices(grid.cell_of, self.n)
        self.lo, self.hi = _boxes(xyz[self.members], self.start)

    def neighbours(self, cells: IntArray) -> tuple[IntArray, IntArray]:
        """Pairs (a, b): each cell ``a`` of ``cells`` with every occupied cell ``b`` (``a``
        included) at most two cells away on each axis, where all points within eps lie."""
        out_a: list[IntArray] = []
        out_b: list[IntArray] = []
        keys = self.grid.keys[cells]
        for di, dj, dk in _ALL_OFFSETS:
            found, pos = _find(self.grid.keys, keys + self.grid.key_step(di, dj, dk))
            out_a.append(cells[found])
            out_b.append(pos[found].astype(np.int64))
        return np.concatenate(out_a), np.concatenate(out_b)

    def box_distances(self, a: IntArray, b: IntArray) -> tuple[FloatArray, FloatArray]:
        """Smallest and largest distances between points of the boxes of cells ``a`` and ``b``."""
        return box_distances(self.lo[a], self.hi[a], self.lo[b], self.hi[b])


class SubCells:
    """The points of every grid cell split by octant (cubes of half the side), with boxes.

    Sub-cells of one cell are numbered consecutively: those of cell ``c`` are
    ``first[c] : first[c] + count[c]``. Only the bounding boxes of the points matter for
    correctness, so the split needs no exact geometry.
    """

    def __init__(self, xyz: FloatArray, grid: Grid, weights: FloatArray) -> None:
        octant = np.floor(xyz / (0.5 * grid.side)).astype(np.int64) & 1
        sub = grid.cell_of * 8 + ((octant[:, 0] * 2 + octant[:, 1]) * 2 + octant[:, 2])
        ids, inverse = np.unique(sub, return_inverse=True)
        self.n = int(ids.size)
        n_cells = int(grid.keys.size)
        self.count: IntArray = np.bincount(ids // 8, minlength=n_cells).astype(np.int64)
        self.first: IntArray = np.cumsum(self.count) - self.count
        self.members, self.start, self.size = _slices(inverse, self.n)
        self.weight: FloatArray = np.asarray(
            np.bincount(inverse, weights=weights, minlength=self.n), dtype=np.float64
        )
        self.lo, self.hi = _boxes(xyz[self.members], self.start)


def box_distances(
    lo_a: FloatArray, hi_a: FloatArray, lo_b: FloatArray, hi_b: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Smallest and largest Euclidean distances between a point of box A and a point of box B.

    Boxes are given by their corners, one box per row; a point is a box with ``lo == hi``.
    """
    gap = np.maximum(0.0, np.maximum(lo_b - hi_a, lo_a - hi_b))
    span = np.maximum(hi_b - lo_a, hi_a - lo_b)
    dmin: FloatArray = np.sqrt((gap * gap).sum(axis=1))
    dmax: FloatArray = np.sqrt((span * span).sum(axis=1))
    return dmin, dmax


class CoreCells(PointGroups):
    """The grid cells that hold core points, with their core points and bounding boxes.

    Groups of :class:`PointGroups`: group ``c`` is the core points of the ``c``-th such cell.
    """

    def __init__(self, sphere: Sphere, grid: Grid, core_idx: IntArray) -> None:
        self.grid = grid
        cells, local = np.unique(grid.cell_of[core_idx], return_inverse=True)
        self.n = int(cells.size)
        self.keys: IntArray = grid.keys[cells]
        self.cell_of_core: IntArray = local.astype(np.int64)
        order, start, size = _slices(self.cell_of_core, self.n)
        super().__init__(sphere, core_idx[order], start, size)
        self.lo, self.hi = _boxes(sphere.xyz[self.members], self.start)

    def candidate_pairs(self, r_hi: float) -> tuple[IntArray, IntArray]:
        """Pairs of distinct cells (a < b in grid order) whose bounding boxes are within r_hi."""
        out_a: list[IntArray] = []
        out_b: list[IntArray] = []
        idx = np.arange(self.n, dtype=np.int64)
        for di, dj, dk in _OFFSETS:
            found, pos = _find(self.keys, self.keys + self.grid.key_step(di, dj, dk))
            out_a.append(idx[found])
            out_b.append(pos[found])
        a = np.concatenate(out_a)
        b = np.concatenate(out_b)
        gap = np.maximum(0.0, np.maximum(self.lo[b] - self.hi[a], self.lo[a] - self.hi[b]))
        near: BoolArray = (gap * gap).sum(axis=1) <= r_hi * r_hi
        a, b = np.minimum(a[near], b[near]), np.maximum(a[near], b[near])
        order = np.lexsort((b, a))
        return a[order], b[order]


def _slices(group_of: IntArray, n_groups: int) -> tuple[IntArray, IntArray, IntArray]:
    """Items sorted by group (stable), with where each group starts and its size."""
    members: IntArray = np.argsort(group_of, kind="stable").astype(np.int64)
    size: IntArray = np.bincount(group_of, minlength=n_groups).astype(np.int64)
    start: IntArray = np.cumsum(size) - size
    return members, start, size


def _boxes(points: FloatArray, start: IntArray) -> tuple[FloatArray, FloatArray]:
    """Lower and upper corners of the bounding box of each group of consecutive ``points``."""
    lo: FloatArray = np.minimum.reduceat(points, start, axis=0)
    hi: FloatArray = np.maximum.reduceat(points, start, axis=0)
    return lo, hi


def _find(keys: IntArray, target: IntArray) -> tuple[BoolArray, IntArray]:
    """Which ``target`` keys occur in the sorted ``keys``, and where (valid where found)."""
    pos: IntArray = np.searchsorted(keys, target).astype(np.int64)
    found: BoolArray = pos < keys.size
    found[found] = keys[pos[found]] == target[found]
    return found, pos
