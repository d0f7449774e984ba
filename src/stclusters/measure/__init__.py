"""The measure stages: fractional counts, names, ranks, population, fields and profiles.

The front door: :func:`count_shares` (filters and fractional shares, method.md sections 1 and 4)
and :func:`measure_clusters` (names, counts, ranks, population, growth, sensitivity and profiles,
sections 4-7); :func:`rank_clusters` and :func:`economies_of` for ranking rows of one's own.
"""

from stclusters.measure.counting import Shares, count_shares
from stclusters.measure.ranking import economies_of, rank_clusters
from stclusters.measure.stage import Measured, measure_clusters

__all__ = [
    "Measured",
    "Shares",
    "count_shares",
    "economies_of",
    "measure_clusters",
    "rank_clusters",
]
