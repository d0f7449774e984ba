"""Clustering stage: weighted great-circle DBSCAN per layer, merge of close clusters, footprints."""

from __future__ import annotations

from stclusters.cluster.dbscan import EARTH_RADIUS_KM, GeoDBSCAN, dbscan_geo
from stclusters.cluster.footprint import area_km2, contains_points, footprint, footprints
from stclusters.cluster.merge import merge_clusters, merge_labels
from stclusters.cluster.stage import Clustering, cluster_people

__all__ = [
    "EARTH_RADIUS_KM",
    "Clustering",
    "GeoDBSCAN",
    "area_km2",
    "cluster_people",
    "contains_points",
    "dbscan_geo",
    "footprint",
    "footprints",
    "merge_clusters",
    "merge_labels",
]
