"""Collaboration between published clusters (method.md section 7, "Links"; issue 14 item 5).

One SQL statement over table ``rows`` (the people rows of the current window, with the
``cluster`` column that :func:`stclusters.measure.stage.label_rows` adds and the fractional
``share`` of :mod:`stclusters.measure.counting`), the same table the profiles' collaboration
figures are counted from; the data stays in DuckDB, only the links (at most ``n (n - 1) / 2``
for ``n`` published clusters, in practice far fewer) come back to Python.

Whole counting
    the documents with at least one people row in each of the two clusters.
Fractional counting
    every document weighs 1, split among the pairs of its people rows (two different rows of
    the current window, in any cluster or none) in proportion to the product of their shares;
    a link gets the weight of the pairs with one row in each of its clusters. For a document
    of ``n`` people sharing it equally, with ``a`` in cluster A and ``b`` in cluster B, that is
    ``2 a b / (n (n - 1))``. It is the fractional counting of Perianes-Rodriguez, Waltman & van
    Eck (2016, "Constructing bibliometric networks: a comparison between full and fractional
    counting", J. Informetrics 10(4), 1178-1195), a link weight of ``1 / (n - 1)`` per pair
    of co-authors and no self-links, normalised so that a document, rather than each of its
    authors, weighs 1 (our choice: a document counts 1 everywhere else in the tool, and a
    link's fractional count never exceeds its whole count).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from stclusters.results import ClusterRow, Link

__all__ = ["LINK_DIGITS", "cluster_links", "link_strength"]

#: Decimal places of the fractional counts of a link (rounded once, here, so that sorting and
#: every file written from the links agree).
LINK_DIGITS = 6


def link_strength(link: Link) -> float:
    """A link's strength: its fractional patents plus fractional articles (documents).

    The order of :func:`cluster_links` and the strength of the VOSviewer network file.
    """
    return round(link["patents"] + link["articles"], LINK_DIGITS)


def cluster_links(con: Any, clusters: Sequence[ClusterRow]) -> list[Link]:
    """The collaboration links between the clusters of ``clusters`` (the published ones).

    Parameters
    ----------
    con
        A DuckDB connection holding table ``rows`` with the columns ``doc_id``, ``layer``
        ("patent" or "article"), ``current``, ``cluster`` and ``share``
        (:data:`stclusters.measure.counting.ROWS_COLUMNS` plus the measure stage's labels).
    clusters
        The clusters to link (their ``cluster_id`` and ``name``); rows of any other cluster
        count as rows outside these clusters.

    Returns
    -------
    list of Link
        One link per pair of clusters sharing at least one document, ``source`` < ``target``;
        whole and fractional counts per layer (see the module's docstring), fractional counts
        rounded to :data:`LINK_DIGITS` places. Sorted strongest first (:func:`link_strength`),
        ties by whole documents (most first), then by ``source`` and ``target``.
    """
    if len(clusters) < 2:
        return []
    names = {r.cluster_id: r.name for r in clusters}
    ids = pa.table({"c": pa.array(sorted(names), pa.int64())})
    con.register("link_ids_in", ids)
    try:
        found = con.execute(
            """
            WITH dc AS (
                SELECT cluster AS c, doc_id, any_value(layer) AS layer, kahan_sum(share) AS s
                FROM rows WHERE current AND cluster IN (SELECT c FROM link_ids_in)
                GROUP BY cluster, doc_id
            ), pairs AS (
                SELECT a.c AS source, b.c AS target, a.layer, a.doc_id, a.s * b.s AS ss
                FROM dc a JOIN dc b ON a.doc_id = b.doc_id AND a.c < b.c
            ), squares AS (
                SELECT doc_id, kahan_sum(share * share) AS q FROM rows
                WHERE current AND doc_id IN (SELECT doc_id FROM pairs)
                GROUP BY doc_id
            )
            SELECT source, target, layer, count(*) AS whole,
                kahan_sum(2.0 * ss / greatest(1.0 - q, 1e-300)) AS fractional
            FROM pairs JOIN squares USING (doc_id)
            GROUP BY ALL ORDER BY ALL
            """
        ).fetchall()
    finally:
        con.unregister("link_ids_in")
    counts: dict[tuple[int, int], dict[str, Any]] = {}
    for source, target, layer, whole, fractional in found:
        acc = counts.setdefault((int(source), int(target)), {})
        acc[f"{layer}s_whole"] = int(whole)
        # a pair's weight never exceeds 1; the bound holds exactly, not only up to rounding
        acc[f"{layer}s"] = min(round(float(fractional), LINK_DIGITS), float(whole))
    links: list[Link] = [
        {
            "source": source,
            "target": target,
            "source_name": names[source],
            "target_name": names[target],
            "patents": acc.get("patents", 0.0),
            "articles": acc.get("articles", 0.0),
            "patents_whole": acc.get("patents_whole", 0),
            "articles_whole": acc.get("articles_whole", 0),
        }
        for (source, target), acc in counts.items()
    ]
    links.sort(
        key=lambda k: (
            -link_strength(k),
            -(k["patents_whole"] + k["articles_whole"]),
            k["source"],
            k["target"],
        )
    )
    return links
