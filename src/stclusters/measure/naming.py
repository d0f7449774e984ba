"""Cluster names from their main cities (method.md section 6), with a user override table."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from stclusters._sphere import chord
from stclusters.errors import ConfigError, InputError
from stclusters.places import Places, load_places

__all__ = ["MainPlaces", "cluster_names", "read_name_overrides"]

EN_DASH = "\u2013"


class MainPlaces:
    """The places that can name a cluster (at least ``min_population`` inhabitants)."""

    def __init__(self, places: Places, *, min_population: int) -> None:
        self.places = places
        self.index = np.flatnonzero(places.population >= min_population)
        if len(self.index) == 0:
            raise ConfigError(
                f"The 'name_min_population' setting must leave at least one GeoNames place; "
                f"got {min_population}"
            )
        self.tree = cKDTree(places.xyz[self.index])

    def assign(self, xyz: NDArray[np.float64], *, radius_km: float) -> NDArray[np.int64]:
        """For each point, the most populous main place within ``radius_km``, else the nearest.

        Returns indices into ``places``. Ties in population go to the lower GeoNames id. The
        places are visited from the most populous down, each claiming the points still free
        within its radius (a few thousand queries, however many points there are).
        """
        out = np.full(len(xyz), -1, dtype=np.int64)
        if len(xyz) == 0:
            return out
        pop = self.places.population[self.index]
        gid = self.places.geonameid[self.index]
        point_tree = cKDTree(xyz)
        radius = chord(radius_km)
        for k in np.lexsort((gid, -pop)).tolist():
            hits = np.asarray(
                point_tree.query_ball_point(self.tree.data[k], radius), dtype=np.int64
            )
            if hits.size:
                free = hits[out[hits] < 0]
                out[free] = self.index[k]
        lonely = np.flatnonzero(out < 0)
        if lonely.size:
            _, nearest = self.tree.query(xyz[lonely])
            out[lonely] = self.index[np.asarray(nearest, dtype=np.int64)]
        return out


def cluster_names(
    weights_by_place: Mapping[int, Mapping[int, float]],
    *,
    places: Places | None = None,
    max_cities: int = 3,
    min_share: float = 0.15,
    overrides: Mapping[str, str] | None = None,
) -> dict[int, str]:
    """Name each cluster after its main cities.

    Parameters
    ----------
    weights_by_place
        For each cluster id, the output (size-score units) assigned to each main place index.
    max_cities, min_share
        The first city is always in the name; each further one (at most ``max_cities`` in all)
        when it holds at least ``min_share`` of the cluster's output.
    overrides
        Generated name -> name to use instead.
    """
    places = places or load_places()
    names: dict[int, str] = {}
    for cid in sorted(weights_by_place):
        weights = weights_by_place[cid]
        total = sum(weights.values())
        ordered = sorted(weights.items(), key=lambda kv: (-kv[1], int(places.geonameid[kv[0]])))
        chosen = [ordered[0][0]] if ordered else []
        for idx, w in ordered[1:]:
            if len(chosen) >= max_cities:
                break
            if total > 0 and w / total >= min_share:
                chosen.append(idx)
        names[cid] = EN_DASH.join(str(places.name[i]) for i in chosen) or f"Cluster {cid}"
    # two clusters with the same name: number the smaller ones ("Suzhou 2"), largest output first
    seen: dict[str, list[int]] = {}
    for cid, name in names.items():
        seen.setdefault(name, []).append(cid)
    for name, cids in seen.items():
        ranked = sorted(cids, key=lambda c: (-sum(weights_by_place[c].values()), c))
        for k, cid in enumerate(ranked[1:], start=2):
            names[cid] = f"{name} {k}"
    if overrides:
        names = {cid: overrides.get(name, name) for cid, name in names.items()}
    return names


def read_name_overrides(path: str | Path) -> dict[str, str]:
    """Read a CSV file with columns ``name`` and ``override``.

    Raises
    ------
    InputError
        When the file cannot be read or lacks a column; the message names the file and line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the name override table ({exc.strerror})") from None
    reader = csv.DictReader(text.splitlines())
    fields = reader.fieldnames or []
    if "name" not in fields or "override" not in fields:
        raise InputError(
            f"{path}: the name override table needs the columns 'name' and 'override'; "
            f"found {', '.join(fields) or 'none'}"
        )
    out: dict[str, str] = {}
    for line, row in enumerate(reader, start=2):
        name, override = (row.get("name") or "").strip(), (row.get("override") or "").strip()
        if not name or not override:
            raise InputError(f"{path}, line {line}: both 'name' and 'override' must be given")
        out[name] = override
    return out
