"""Rank change against a previous ranking (the ``previous`` setting; issue 14 item 4).

A previous run's ``ranking.csv`` (or the output folder holding it) is read before any work
(:func:`read_previous`); after ranking, each published cluster is matched to at most one
cluster of the previous ranking (:func:`match_previous`, the rule of docs/method.md section 5,
"Rank change") and gains ``previous_rank``, ``rank_change`` (previous rank minus rank: positive
means the cluster moved up) and ``new`` (not in the previous ranking) (:func:`apply_previous`).
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import numpy as np

from stclusters._sphere import haversine_km
from stclusters.csvfile import CSV_ENCODING
from stclusters.errors import InputError
from stclusters.results import ClusterRow, Profile

__all__ = [
    "PREVIOUS_COLUMNS",
    "PreviousRanking",
    "apply_previous",
    "match_previous",
    "previous_file",
    "read_previous",
    "with_previous_edition",
]

#: The file of a previous output folder that is read, and the sibling that gives its edition.
RANKING_FILE = "ranking.csv"
_EDITION_FILE = "ranking.json"

#: The columns a previous ranking must have (those of ranking.csv that matching uses).
PREVIOUS_COLUMNS: tuple[str, ...] = ("rank", "name", "lat", "lon")


@dataclass(frozen=True)
class PreviousRanking:
    """The published clusters of a previous run (at most ``top_n`` rows, so plain tuples).

    Attributes
    ----------
    path
        The ``ranking.csv`` read.
    edition
        The previous edition (year), from ``ranking.json`` beside the file; None when absent.
    ranks, names, lat, lon
        (K,) the previous size rank, name and centre (degrees) of each cluster, in file order.
    """

    path: Path
    edition: int | None
    ranks: tuple[int, ...]
    names: tuple[str, ...]
    lat: tuple[float, ...]
    lon: tuple[float, ...]


def previous_file(path: str | Path) -> Path:
    """The ``ranking.csv`` that the ``previous`` setting names: the file itself, or the one in
    the output folder it names (not checked for existence)."""
    given = Path(path).expanduser()
    return given / RANKING_FILE if given.is_dir() else given


def _edition(csv_path: Path) -> int | None:
    """The edition of ``ranking.json`` beside ``csv_path``; None when it is missing or bad."""
    try:
        doc = json.loads((csv_path.parent / _EDITION_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    edition = doc.get("edition") if isinstance(doc, dict) else None
    return edition if isinstance(edition, int) and not isinstance(edition, bool) else None


def _parse_row(row: Mapping[str, str | None], *, where: str) -> tuple[int, str, float, float]:
    try:
        rank = int(str(row["rank"]))
        lat, lon = float(str(row["lat"])), float(str(row["lon"]))
    except (TypeError, ValueError):
        raise InputError(
            f"{where}: rank, lat and lon must be numbers (got rank={row.get('rank')!r}, "
            f"lat={row.get('lat')!r}, lon={row.get('lon')!r}); give an unchanged ranking.csv "
            "of a previous run"
        ) from None
    name = str(row.get("name") or "").strip()
    if rank < 1 or not name or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(
            f"{where}: needs a rank of 1 or more, a name and lat/lon in range "
            f"(got rank {rank}, name {name!r}, lat {lat}, lon {lon}); give an unchanged "
            "ranking.csv of a previous run"
        )
    return rank, name, lat, lon


def read_previous(path: str | Path) -> PreviousRanking:
    """Read a previous ranking: a ``ranking.csv`` written by stclusters (with or without the
    byte-order mark), or an output folder holding one.

    Parameters
    ----------
    path
        The previous output folder or its ``ranking.csv`` (the ``previous`` setting).

    Returns
    -------
    PreviousRanking
        Its clusters; the edition comes from ``ranking.json`` beside the file when present.

    Raises
    ------
    InputError
        When the file is missing or unreadable, lacks a column of :data:`PREVIOUS_COLUMNS`, or a
        row has no number where one is needed (naming the file and line, and the fix).
    """
    file = previous_file(path)
    hint = "give a previous output folder of 'stclusters run' or its ranking.csv"
    if not file.is_file():
        raise InputError(f"The 'previous' setting names {file}, which does not exist; {hint}")
    ranks: list[int] = []
    names: list[str] = []
    lats: list[float] = []
    lons: list[float] = []
    try:
        with file.open(newline="", encoding=CSV_ENCODING) as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in PREVIOUS_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(
                    f"{file}: not a ranking of stclusters (no column {', '.join(missing)}); {hint}"
                )
            for row in reader:
                where = f"{file}, line {reader.line_num}"
                rank, name, lat, lon = _parse_row(row, where=where)
                ranks.append(rank)
                names.append(name)
                lats.append(lat)
                lons.append(lon)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{file}: cannot read the previous ranking ({exc}); {hint}") from None
    if len(set(ranks)) != len(ranks):
        raise InputError(f"{file}: a rank occurs twice; {hint}")
    return PreviousRanking(
        path=file,
        edition=_edition(file),
        ranks=tuple(ranks),
        names=tuple(names),
        lat=tuple(lats),
        lon=tuple(lons),
    )


def _key(name: str) -> str:
    """Names compare in Unicode NFC and without case ("Zürich" = "ZÜRICH")."""
    return unicodedata.normalize("NFC", name).casefold()


def match_previous(
    rows: Sequence[ClusterRow], previous: PreviousRanking, *, merge_km: float
) -> list[int | None]:
    """For each row, the index of its cluster in ``previous`` (None: new), one to one.

    The rule (docs/method.md section 5, "Rank change"): first by name, the rows in rank order
    each taking the nearest (by centre) unmatched previous cluster of the same name (case and
    Unicode form aside); then, among the rows and previous clusters still unmatched, the pairs
    whose centres are at most ``merge_km`` apart (the distance below which clusters are merged,
    method.md section 3.3), nearest pair first (ties: better current rank, then better
    previous rank).

    Parameters
    ----------
    rows
        The ranked clusters (their ``rank``, ``name``, ``lat``, ``lon``).
    previous
        The previous ranking.
    merge_km
        The largest centre distance of a match without the same name, km.

    Returns
    -------
    list of int or None
        (len(rows),) indices into the previous ranking's tuples.
    """
    n, k = len(rows), len(previous.ranks)
    out: list[int | None] = [None] * n
    if not n or not k:
        return out
    lat = np.array([r.lat for r in rows])[:, None]
    lon = np.array([r.lon for r in rows])[:, None]
    dist = haversine_km(lat, lon, np.array(previous.lat)[None, :], np.array(previous.lon)[None, :])
    taken = np.zeros(k, dtype=bool)
    by_name: dict[str, list[int]] = {}
    for j, name in enumerate(previous.names):
        by_name.setdefault(_key(name), []).append(j)
    order = sorted(range(n), key=lambda i: (rows[i].rank, i))
    for i in order:
        free = [j for j in by_name.get(_key(rows[i].name), []) if not taken[j]]
        if free:
            j = min(free, key=lambda j: (dist[i, j], previous.ranks[j]))
            out[i], taken[j] = j, True
    pairs = sorted(
        (float(dist[i, j]), rows[i].rank, previous.ranks[j], i, j)
        for i in range(n)
        if out[i] is None
        for j in np.flatnonzero(~taken & (dist[i] <= merge_km)).tolist()
    )
    for _, _, _, i, j in pairs:
        if out[i] is None and not taken[j]:
            out[i], taken[j] = j, True
    return out


def apply_previous(
    rows: Sequence[ClusterRow], previous: PreviousRanking, *, merge_km: float
) -> list[ClusterRow]:
    """The rows with ``previous_rank``, ``rank_change`` (= previous_rank - rank) and ``new``
    filled (:func:`match_previous`); the rows given are not changed."""
    matched = match_previous(rows, previous, merge_km=merge_km)
    out = []
    for row, j in zip(rows, matched, strict=True):
        if j is None:
            out.append(replace(row, previous_rank=None, rank_change=None, new=True))
        else:
            before = previous.ranks[j]
            out.append(replace(row, previous_rank=before, rank_change=before - row.rank, new=False))
    return out


def with_previous_edition(profiles: Sequence[Profile], edition: int | None) -> list[Profile]:
    """The profiles with the key ``previous_edition`` (the previous ranking's year, or None)
    that the rank-change sentence names (:func:`stclusters.report.text.rank_lines`)."""
    return [
        cast(Profile, {**cast(dict[str, Any], p), "previous_edition": edition}) for p in profiles
    ]
