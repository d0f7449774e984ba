"""The collaboration network's files: links.csv, links.geojson and VOSviewer map and network files.

Written from :attr:`stclusters.results.Results.links` (docs/outputs.md, "Collaboration
network"); the site reads ``links.csv`` back (:func:`read_links`) to draw the strongest links
on its world map and to list each profile's strongest partners.

The VOSviewer files follow the map and network file formats of the VOSviewer manual (van Eck &
Waltman, VOSviewer Manual for version 1.6.18, section 4.1 "Map and network files"; the same in
"VOSviewer map and network files", https://app.vosviewer.com/docs/file-types/map-and-network-
file-type): fields separated by tabs, a field holding a comma or a semicolon within double
quotes; a map file has a header line naming its columns (here ``id``, ``label``,
``description``, which may hold HTML, ``x``, ``y``, ``cluster``, an integer 1-1000, and
``weight<...>`` columns, non-negative numbers); a network file in the sparse format has no
header and one link per line (the two items' ids, each an id of the map file, and the link's
strength, a positive number), one line per pair of items.
"""

from __future__ import annotations

import csv
import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from stclusters.csvfile import CSV_ENCODING, write_csv_rows
from stclusters.errors import InputError
from stclusters.measure.links import link_strength
from stclusters.report.maps import great_circle
from stclusters.results import ClusterRow, Link, Results

__all__ = [
    "LINKS_COLUMNS",
    "LINKS_CSV",
    "LINKS_GEOJSON",
    "SITE_LINKS",
    "SITE_PARTNERS",
    "VOSVIEWER_MAP",
    "VOSVIEWER_MAP_COLUMNS",
    "VOSVIEWER_NETWORK",
    "link_figures",
    "link_table_rows",
    "link_tip",
    "links_geojson",
    "partners_of",
    "read_links",
    "site_links",
    "vosviewer_map_rows",
    "write_links_csv",
    "write_network",
    "write_vosviewer",
]

#: File names of the collaboration network in the output folder.
LINKS_CSV = "links.csv"
LINKS_GEOJSON = "links.geojson"
VOSVIEWER_MAP = "vosviewer_map.txt"
VOSVIEWER_NETWORK = "vosviewer_network.txt"

#: Columns of links.csv and properties of links.geojson: the keys of :class:`Link`, in order.
LINKS_COLUMNS: tuple[str, ...] = tuple(Link.__annotations__)

_INT_COLUMNS = ("source", "target", "patents_whole", "articles_whole")
_FLOAT_COLUMNS = ("patents", "articles")

#: Columns of the VOSviewer map file (the manual's header names).
VOSVIEWER_MAP_COLUMNS: tuple[str, ...] = (
    "id",
    "label",
    "description",
    "x",
    "y",
    "cluster",
    "weight<Patents>",
    "weight<Articles>",
)

#: How many of the strongest links the site's world map draws and its index lists.
SITE_LINKS = 50

#: How many partners each profile page lists.
SITE_PARTNERS = 5

#: Decimal places of coordinates written (about 1 m), as the footprints of clusters.geojson.
_COORD_DIGITS = 5


def write_links_csv(links: Sequence[Link], path: Path) -> None:
    """Write ``links.csv``: one row per link (:data:`LINKS_COLUMNS`), strongest first.

    UTF-8 with a byte-order mark (Excel then reads the names right); ``patents`` / ``articles``
    are fractional counts, ``patents_whole`` / ``articles_whole`` whole counts
    (docs/method.md section 7).
    """
    write_csv_rows(links, path, columns=LINKS_COLUMNS)


def read_links(folder: Path | str) -> list[Link]:
    """The links of an output folder's ``links.csv``, in the file's order (strongest first).

    Returns an empty list when the folder has no ``links.csv`` (a run made before links
    existed, or a folder of other files).

    Raises
    ------
    InputError
        When the file lacks a column of :data:`LINKS_COLUMNS` or a row holds a value that is
        not a number where one is expected (naming the file, the line and the column).
    """
    path = Path(folder) / LINKS_CSV
    if not path.is_file():
        return []
    links: list[Link] = []
    with path.open(newline="", encoding=CSV_ENCODING) as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in LINKS_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(
                f"{path}: missing column(s) {', '.join(missing)}; rewrite the folder with "
                "stclusters run"
            )
        for line, row in enumerate(reader, start=2):
            try:
                link: dict[str, Any] = {k: row[k] for k in LINKS_COLUMNS}
                for k in _INT_COLUMNS:
                    link[k] = int(row[k])
                for k in _FLOAT_COLUMNS:
                    link[k] = float(row[k])
            except (TypeError, ValueError):
                raise InputError(
                    f"{path}, line {line}: a count or cluster id is not a number "
                    f"({ {k: row.get(k) for k in (*_INT_COLUMNS, *_FLOAT_COLUMNS)} }); rewrite "
                    "the folder with stclusters run"
                ) from None
            links.append(link)  # type: ignore[arg-type]
    return links


def _centres(rows: Sequence[ClusterRow]) -> dict[int, tuple[float, float]]:
    return {r.cluster_id: (r.lat, r.lon) for r in rows}


def links_geojson(
    links: Sequence[Link], centres: Mapping[int, tuple[float, float]]
) -> dict[str, Any]:
    """``links.geojson``: one feature per link whose two clusters have a centre.

    Parameters
    ----------
    links
        The links, in the order the features take.
    centres
        (lat, lon) degrees of each cluster id: the cluster's centre, as in the ranking.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection (RFC 7946, WGS 84 lon/lat degrees rounded to 5 places):
        each geometry the great circle between the two centres (:func:`stclusters.report.
        maps.great_circle`, a vertex every 2 degrees of arc at most), a LineString, or a
        MultiLineString of two pieces when it crosses the antimeridian; the properties are
        the link's keys (:data:`LINKS_COLUMNS`).
    """
    features = []
    for link in links:
        a, b = centres.get(link["source"]), centres.get(link["target"])
        if a is None or b is None:
            continue
        pieces = [
            [[round(x, _COORD_DIGITS), round(y, _COORD_DIGITS)] for x, y in piece.tolist()]
            for piece in great_circle(*a, *b)
        ]
        geometry = (
            {"type": "LineString", "coordinates": pieces[0]}
            if len(pieces) == 1
            else {"type": "MultiLineString", "coordinates": pieces}
        )
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {k: link[k] for k in LINKS_COLUMNS},  # type: ignore[literal-required]
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _vos_text(text: str, *, markup: bool = False) -> str:
    """A label or description as the manual asks: within double quotes when it holds a comma
    or a semicolon (VOSviewer also reads those as separators); tabs and line breaks, which
    would break the line, become spaces; with ``markup`` (the description, which VOSviewer
    reads as HTML) ``&``, ``<`` and ``>`` escaped, so that a name shows as written."""
    text = " ".join(text.replace("\t", " ").splitlines())
    if markup:
        text = html.escape(text, quote=False)
    if any(ch in text for ch in ',;"'):
        return '"' + text.replace('"', "'") + '"'
    return text


def vosviewer_map_rows(
    ranking: Sequence[ClusterRow], *, economy_names: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """The items of the VOSviewer map file, one per published cluster, in rank order.

    ``id`` is the cluster's size rank (VOSviewer ids are positive integers; the cluster id is
    in the description); ``x`` / ``y`` its centre's longitude / latitude (degrees), so that
    the map opens laid out geographically; ``cluster`` numbers the primary economies 1, 2, ...
    in the order of their best-ranked cluster (VOSviewer's clusters are integers 1-1000);
    the weights are the cluster's fractional patents and articles.
    """
    names = economy_names or {}
    economy_number: dict[str, int] = {}
    out = []
    for r in ranking:
        economy = r.primary_economy or ""
        number = economy_number.setdefault(economy, len(economy_number) + 1)
        shown = names.get(economy, economy) or "no economy"
        out.append(
            {
                "id": r.rank,
                "label": r.name,
                "description": f"Rank {r.rank}. Primary economy: {shown}. "
                f"Cluster id {r.cluster_id}.",
                "x": round(r.lon, _COORD_DIGITS),
                "y": round(r.lat, _COORD_DIGITS),
                "cluster": min(number, 1000),
                "weight<Patents>": round(r.patents, 2),
                "weight<Articles>": round(r.articles, 2),
            }
        )
    return out


def write_vosviewer(
    ranking: Sequence[ClusterRow],
    links: Sequence[Link],
    folder: Path,
    *,
    economy_names: Mapping[str, str] | None = None,
) -> None:
    """Write ``vosviewer_map.txt`` (:func:`vosviewer_map_rows`) and ``vosviewer_network.txt``
    (one line per link between two clusters of the map: the two ids and the link's strength,
    fractional patents plus articles, :func:`~stclusters.measure.links.link_strength`).

    Both are tab-separated UTF-8 text without a byte-order mark (VOSviewer would read one as
    part of the first column's name).
    """
    rows = vosviewer_map_rows(ranking, economy_names=economy_names)
    lines = ["\t".join(VOSVIEWER_MAP_COLUMNS)]
    for row in rows:
        lines.append(
            "\t".join(
                _vos_text(str(row[k]), markup=k == "description")
                if k in ("label", "description")
                else str(row[k])
                for k in VOSVIEWER_MAP_COLUMNS
            )
        )
    (folder / VOSVIEWER_MAP).write_text("\n".join(lines) + "\n", encoding="utf-8")
    ids = {r.cluster_id: r.rank for r in ranking}
    edges = [
        f"{ids[k['source']]}\t{ids[k['target']]}\t{link_strength(k)}"
        for k in links
        if k["source"] in ids and k["target"] in ids
    ]
    (folder / VOSVIEWER_NETWORK).write_text("".join(e + "\n" for e in edges), encoding="utf-8")


def partners_of(links: Sequence[Link], cluster_id: int, *, limit: int) -> list[dict[str, Any]]:
    """The ``limit`` strongest partners of a cluster, strongest first (the links' order).

    Each is ``{"cluster_id", "name", "patents", "articles", "patents_whole",
    "articles_whole"}``: the other cluster of a link and the link's counts.
    """
    out: list[dict[str, Any]] = []
    for k in links:
        if cluster_id not in (k["source"], k["target"]):
            continue
        other = k["target"] if k["source"] == cluster_id else k["source"]
        name = k["target_name"] if k["source"] == cluster_id else k["source_name"]
        out.append(
            {
                "cluster_id": other,
                "name": name,
                "patents": k["patents"],
                "articles": k["articles"],
                "patents_whole": k["patents_whole"],
                "articles_whole": k["articles_whole"],
            }
        )
        if len(out) >= limit:
            break
    return out


def _economy_names(results: Results) -> dict[str, str]:
    names: dict[str, str] = {}
    for p in results.profiles:
        if p.get("primary_economy") and p.get("primary_economy_name"):
            names[str(p["primary_economy"])] = str(p["primary_economy_name"])
    return names


def write_network(results: Results, folder: Path) -> None:
    """Write the collaboration network of ``results`` into ``folder``: ``links.csv``,
    ``links.geojson``, ``vosviewer_map.txt`` and ``vosviewer_network.txt`` (docs/outputs.md,
    "Collaboration network"). Every file is written, with no link rows when there are none."""
    write_links_csv(results.links, folder / LINKS_CSV)
    collection = links_geojson(results.links, _centres(results.ranking))
    (folder / LINKS_GEOJSON).write_text(
        json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    write_vosviewer(results.ranking, results.links, folder, economy_names=_economy_names(results))


def site_links(
    links: Sequence[Link], rows: Sequence[Mapping[str, Any]], *, limit: int = SITE_LINKS
) -> list[Link]:
    """The ``limit`` strongest links (the file's order) whose two clusters are rows of the
    site's ranking (``rows``, with ``cluster_id``)."""
    ids = {int(r["cluster_id"]) for r in rows}
    return [k for k in links if k["source"] in ids and k["target"] in ids][:limit]


def _count(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def link_figures(link: Mapping[str, Any]) -> str:
    """The documents two clusters share, in words: fractional counts, whole counts in
    brackets ("12.5 patents (20 whole), 3.0 articles (4 whole) shared")."""
    return (
        f"{_count(float(link['patents']))} patents ({int(link['patents_whole']):,} whole), "
        f"{_count(float(link['articles']))} articles ({int(link['articles_whole']):,} whole) "
        "shared"
    )


def link_tip(link: Mapping[str, Any]) -> str:
    """What hovering a link on the map shows: the two clusters and :func:`link_figures`."""
    return f"{link['source_name']} – {link['target_name']}: {link_figures(link)}"


def link_table_rows(links: Sequence[Link], hrefs: Mapping[int, str]) -> list[dict[str, Any]]:
    """The rows of the site's table of links: names (with the address of each profile, or
    ""), fractional and whole counts as shown text and as sort values."""
    out = []
    for k in links:
        out.append(
            {
                "source": str(k["source"]),
                "target": str(k["target"]),
                "source_name": k["source_name"],
                "target_name": k["target_name"],
                "source_href": hrefs.get(k["source"], ""),
                "target_href": hrefs.get(k["target"], ""),
                "cells": [
                    {"text": _count(float(k["patents"])), "v": f"{float(k['patents']):.6g}"},
                    {"text": _count(float(k["articles"])), "v": f"{float(k['articles']):.6g}"},
                    {"text": f"{int(k['patents_whole']):,}", "v": str(int(k["patents_whole"]))},
                    {"text": f"{int(k['articles_whole']):,}", "v": str(int(k["articles_whole"]))},
                ],
            }
        )
    return out
