"""Read and check the JSON files of an output folder that the site is built from.

The contract (every field) is in ``docs/outputs.md``. ``ranking.json`` and ``profiles.json``
are required; ``clusters.geojson`` (footprints) and ``accounts.json`` (run accounts) are
optional: without them the maps show circles only and the "about this run" section is left out.
Every problem found is reported at once, naming the file, the row and the key.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stclusters.errors import InputError, ValidationError
from stclusters.results import RANKING_FIELDS, json_types

__all__ = ["RANKING_KEYS", "SLUG_PATTERN", "SiteInputs", "read_site_inputs"]

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
"""A slug is lower-case letters, digits and inner hyphens (it becomes a file name)."""

RANKING_KEYS: dict[str, tuple[type, ...]] = {
    f.name: json_types(f.type) for f in RANKING_FIELDS if f.required
}
"""Keys every ranking row and profile must have, with their JSON types."""

_PROFILE_KEYS: dict[str, tuple[type, ...]] = {
    "top_applicants": (list,),
    "top_organisations": (list,),
    "top_tech_fields": (list,),
    "top_science_fields": (list,),
}


@dataclass
class SiteInputs:
    """What the site is built from: the run's ranking, profiles, footprints and accounts."""

    folder: Path
    edition: int | None
    rows: list[dict[str, Any]]
    profiles: list[dict[str, Any]]
    top_n: int
    footprints: dict[int, dict[str, Any]] = field(default_factory=dict)
    accounts: dict[str, Any] = field(default_factory=dict)


def _load(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            f"{path}: file not found; run the pipeline first (stclusters run) so that the output "
            "folder holds ranking.json and profiles.json"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "rewrite the file with the pipeline"
        ) from None


def _check_keys(
    item: Any, keys: Mapping[str, tuple[type, ...]], where: str, problems: list[str]
) -> None:
    if not isinstance(item, dict):
        problems.append(f"{where}: expected an object, got {type(item).__name__}")
        return
    for key, types in keys.items():
        if key not in item:
            problems.append(f"{where}: missing key {key!r}")
            continue
        value = item[key]
        if not isinstance(value, types) or isinstance(value, bool):
            names = " or ".join(t.__name__ for t in types)
            problems.append(f"{where}: {key!r} must be {names}, got {value!r}")
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(f"{where}: {key!r} must be a finite number, got {value!r}")
    slug = item.get("slug")
    if isinstance(slug, str) and not SLUG_PATTERN.match(slug):
        problems.append(
            f"{where}: slug {slug!r} is not a safe file name (use lower-case letters, digits "
            "and hyphens)"
        )
    for key in ("lat", "lon"):
        value = item.get(key)
        limit = 90 if key == "lat" else 180
        if isinstance(value, int | float) and not -limit <= value <= limit:
            problems.append(f"{where}: {key!r} must lie within ±{limit}, got {value!r}")


def _checked_rows(ranking: Any, path: Path) -> list[dict[str, Any]]:
    """The rows of ``ranking.json``, every problem reported at once."""
    rows = ranking.get("rows") if isinstance(ranking, dict) else None
    if not isinstance(rows, list):
        raise ValidationError(["top level: expected an object with a 'rows' list"], where=str(path))
    problems: list[str] = []
    for i, row in enumerate(rows):
        _check_keys(row, RANKING_KEYS, f"row {i + 1}", problems)
    if problems:
        raise ValidationError(problems, where=str(path))
    return rows


def _checked_profiles(doc: Any, path: Path) -> list[dict[str, Any]]:
    """The profiles of ``profiles.json`` (keys and unique slugs), every problem at once."""
    profiles = doc.get("profiles") if isinstance(doc, dict) else None
    if not isinstance(profiles, list):
        raise ValidationError(
            ["top level: expected an object with a 'profiles' list"], where=str(path)
        )
    problems: list[str] = []
    seen: set[str] = set()
    for i, prof in enumerate(profiles):
        where = f"profile {i + 1}"
        if isinstance(prof, dict) and isinstance(prof.get("name"), str):
            where += f" ({prof['name']})"
        _check_keys(prof, {**RANKING_KEYS, **_PROFILE_KEYS}, where, problems)
        slug = prof.get("slug") if isinstance(prof, dict) else None
        if isinstance(slug, str):
            if slug in seen:
                problems.append(f"{where}: slug {slug!r} is used by an earlier profile")
            seen.add(slug)
    if problems:
        raise ValidationError(problems, where=str(path))
    return profiles


def _footprints(path: Path) -> dict[int, dict[str, Any]]:
    """Polygon footprints of ``clusters.geojson`` by cluster id (none when the file is absent)."""
    footprints: dict[int, dict[str, Any]] = {}
    if not path.exists():
        return footprints
    geo = _load(path)
    problems: list[str] = []
    for k, feat in enumerate(geo.get("features", []) if isinstance(geo, dict) else []):
        props = feat.get("properties") or {}
        geom = feat.get("geometry")
        if "cluster_id" not in props:
            problems.append(f"feature {k + 1}: properties have no 'cluster_id'")
        elif geom and geom.get("type") in ("Polygon", "MultiPolygon"):
            footprints[int(props["cluster_id"])] = geom
    if problems:
        raise ValidationError(problems, where=str(path))
    return footprints


def read_site_inputs(folder: Path | str) -> SiteInputs:
    """Read ``ranking.json``, ``profiles.json`` and the optional files of an output folder.

    Parameters
    ----------
    folder
        The run's output folder.

    Returns
    -------
    SiteInputs

    Raises
    ------
    InputError
        A required file is missing or is not JSON.
    ValidationError
        Rows or profiles break the contract (every problem is listed).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder; give the output folder of a run")
    ranking = _load(folder / "ranking.json")
    profiles_doc = _load(folder / "profiles.json")
    rows = _checked_rows(ranking, folder / "ranking.json")
    profiles = _checked_profiles(profiles_doc, folder / "profiles.json")
    edition = profiles_doc.get("edition", ranking.get("edition"))
    top_n = profiles_doc.get("top_n") or len(profiles)
    footprints = _footprints(folder / "clusters.geojson")
    accounts: dict[str, Any] = {}
    acc_path = folder / "accounts.json"
    if acc_path.exists():
        loaded = _load(acc_path)
        accounts = loaded if isinstance(loaded, dict) else {}
    rows_sorted = sorted(rows, key=lambda r: int(r["rank"]))
    profiles_sorted = sorted(profiles, key=lambda p: int(p["rank"]))
    for prof in profiles_sorted:
        prof.setdefault("edition", edition)
        prof.setdefault("top_n", top_n)
    return SiteInputs(
        folder, edition, rows_sorted, profiles_sorted, int(top_n), footprints, accounts
    )
