"""The synthetic world: patent and article records with the shape of the real ones (issue 2).

People live at real GeoNames places; each economy's output follows the calibration table
(``stclusters/data/world.toml``) times a scale; known hubs get their planted output spread over
their main places, the places around them and the corridors between them. See
:mod:`stclusters.synth.world` for the entry points.
"""

from __future__ import annotations

from stclusters.synth.calibration import Calibration, Economy, Hub, load_calibration
from stclusters.synth.world import (
    TRUTH_HUBS,
    TRUTH_PEOPLE,
    World,
    WorldSettings,
    build_world,
    make_world,
    write_world,
)

__all__ = [
    "TRUTH_HUBS",
    "TRUTH_PEOPLE",
    "Calibration",
    "Economy",
    "Hub",
    "World",
    "WorldSettings",
    "build_world",
    "load_calibration",
    "make_world",
    "write_world",
]
