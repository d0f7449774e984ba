"""stclusters: find, rank and profile science-and-technology clusters."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stclusters")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

from stclusters.config import Config, load_config
from stclusters.errors import ConfigError, InputError, StclustersError, ValidationError
from stclusters.records import Records, read_records, validate, write_records

__all__ = [
    "Config",
    "ConfigError",
    "InputError",
    "Records",
    "StclustersError",
    "ValidationError",
    "__version__",
    "load_config",
    "read_records",
    "validate",
    "write_records",
]
