"""stclusters: find, rank and profile science-and-technology clusters."""

from __future__ import annotations

from typing import Any

from stclusters._version import __version__
from stclusters.config import Config, load_config
from stclusters.errors import ConfigError, InputError, StclustersError, ValidationError
from stclusters.records import Records, read_records, validate, write_records

#: Stage entry points imported on first use, so that ``import stclusters`` stays light.
_LAZY = {
    "run": "stclusters.pipeline",
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
