"""stclusters: find, rank and profile science-and-technology clusters.

``stclusters.run(inputs, out=None, ...)`` and ``stclusters.read_results(folder)`` give a run's
results as pandas DataFrames and a GeoPandas GeoDataFrame (the ``notebook`` extra; see
:mod:`stclusters.api`); ``stclusters.compute`` gives them as typed rows and profiles.
"""

from __future__ import annotations

from typing import Any

from stclusters._version import __version__
from stclusters.config import Config, load_config
from stclusters.errors import ConfigError, InputError, StclustersError, ValidationError
from stclusters.records import Records, read_records, validate, write_records

#: Stage entry points imported on first use, so that ``import stclusters`` stays light.
_LAZY = {
    "run": "stclusters.api",
    "read_results": "stclusters.api",
    "ResultFrames": "stclusters.api",
    "compute": "stclusters.pipeline",
    "read_inputs": "stclusters.readers",
    "Workspace": "stclusters.inputs",
    "open_inputs": "stclusters.inputs",
    "geocode_inputs": "stclusters.inputs",
    "geocode_records": "stclusters.geocode",
    "GeoDBSCAN": "stclusters.cluster",
    "cluster_people": "stclusters.cluster",
    "count_shares": "stclusters.measure",
    "measure_clusters": "stclusters.measure",
    "write_outputs": "stclusters.report",
    "Results": "stclusters.results",
    "make_world": "stclusters.synth",
    "write_world": "stclusters.synth",
    "write_site": "stclusters.report",
}

__all__ = [
    "Config",
    "ConfigError",
    "GeoDBSCAN",
    "InputError",
    "Records",
    "ResultFrames",
    "Results",
    "StclustersError",
    "ValidationError",
    "Workspace",
    "__version__",
    "cluster_people",
    "compute",
    "count_shares",
    "geocode_inputs",
    "geocode_records",
    "load_config",
    "make_world",
    "measure_clusters",
    "open_inputs",
    "read_inputs",
    "read_records",
    "read_results",
    "run",
    "validate",
    "write_outputs",
    "write_records",
    "write_site",
    "write_world",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'stclusters' has no attribute {name!r}")
