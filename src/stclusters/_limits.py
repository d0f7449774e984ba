"""The allowed ranges of the clustering settings: one source for ``Config`` and the clusterer.

:class:`~stclusters.config.Config` checks its values against these bounds when it is built (so a
bad value fails before any work), and :class:`~stclusters.cluster.GeoDBSCAN`,
:func:`~stclusters.cluster.merge_labels` and :func:`~stclusters.cluster.footprint` turn the same
numbers into scikit-learn ``Interval`` constraints. This module imports nothing of the project,
so every layer can use it without import cycles.

Why these ranges (method.md section 3):

``eps_km`` in [0.05, 500]
    Below 50 m the radius is finer than the best geocoding precision (street addresses, building
    centroids), so DBSCAN would only join people at one address; the engine's 3-D grid also
    needs a cell side whose integer keys fit in 64 bits (cells of eps / sqrt(3) reach that limit
    near 13 m). Above 500 km a cluster's neighbourhood spans whole countries: the result is no
    longer a metropolitan cluster, and every point has most of a continent as neighbours.
``min_points`` above 0 (finite)
    A total weight (fractional counts of inventors and authors). Zero or less would make every
    point, even an isolated one, a core point.
``merge_km`` in [0, 500]
    0 merges only clusters that share a coordinate (a patent cluster and an article cluster of one
    city centroid); the upper bound is that of ``eps_km``, for the same reason.
``footprint_km`` in (0, 100]
    The radius of the discs drawn around member points; a disc of radius 0 is empty, and discs
    beyond 100 km would outline regions rather than the cluster's built-up area (the default is
    5 km).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["EPS_KM", "FOOTPRINT_KM", "MERGE_KM", "MIN_POINTS", "Bound"]


@dataclass(frozen=True)
class Bound:
    """The allowed range of one numeric setting.

    Parameters
    ----------
    name
        Name of the setting (as in ``Config`` and the clusterer's parameters).
    minimum
        Lower bound.
    maximum
        Upper bound (always allowed itself), or None when any finite number above the lower
        bound is allowed.
    exclusive_minimum
        Whether the lower bound itself is refused.
    """

    name: str
    minimum: float
    maximum: float | None
    exclusive_minimum: bool

    def contains(self, value: float) -> bool:
        """Whether ``value`` (a finite number) is allowed."""
        if not math.isfinite(value):
            return False
        if value < self.minimum or (self.exclusive_minimum and value == self.minimum):
            return False
        return self.maximum is None or value <= self.maximum


#: DBSCAN radius in kilometres (great-circle distance).
EPS_KM = Bound("eps_km", 0.05, 500.0, exclusive_minimum=False)
#: Total weight within ``eps_km`` that makes a core point.
MIN_POINTS = Bound("min_points", 0.0, None, exclusive_minimum=True)
#: Distance in kilometres within which clusters are merged.
MERGE_KM = Bound("merge_km", 0.0, 500.0, exclusive_minimum=False)
#: Radius in kilometres of the discs whose union is a cluster's footprint.
FOOTPRINT_KM = Bound("footprint_km", 0.0, 100.0, exclusive_minimum=True)
