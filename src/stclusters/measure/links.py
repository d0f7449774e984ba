"""Collaboration between published clusters (method.md section 7, "Links"; issue 14 item 5).

One SQL statement over the people rows of the current window (table ``rows``, with the
``cluster`` column that :func:`stclusters.measure.stage.label_rows` adds and the fractional
``share`` of :mod:`stclusters.measure.counting`), as narrowed to the documents of the published
clusters by :func:`stclusters.measure.profiles.profile_tables`: the same tables the profiles'
collaboration figures are counted from; the data stays in DuckDB, only the links (at most
``n (n - 1) / 2`` for ``n`` published clusters, in practice far fewer) come back to Python.

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


def _link_counts(con: Any, ids: list[int], *, profiled: bool) -> list[tuple[Any, ...]]:
    """(source, target, layer, whole, fractional) of every pair of the clusters ``ids`` sharing a
    document, from tables ``doc_cluster`` and ``top_rows`` (made here unless ``profiled``)."""
    from stclusters.measure.profiles import profile_tables

    if not profiled:
        profile_tables(con, ids, columns=("share",))
    found: list[tuple[Any, ...]] = con.execute(
        """
        WITH pairs AS (
            SELECT a.c AS source, b.c AS target, a.layer, a.d, a.s * b.s AS ss
            FROM doc_cluster a JOIN doc_cluster b ON a.d = b.d AND a.c < b.c
        ), squares AS (
            SELECT d, kahan_sum(share * share) AS q FROM top_rows
            WHERE d IN (SELECT d FROM pairs)
            GROUP BY d
        )
        SELECT source, target, layer, count(*) AS whole,
            kahan_sum(2.0 * ss / greatest(1.0 - q, 1e-300)) AS fractional
        FROM pairs JOIN squares USING (d)
        GROUP BY ALL ORDER BY ALL
        """
    ).fetchall()
    return found


def cluster_links(
    con: Any, clusters: Sequence[ClusterRow], *, profiled: bool = False
) -> list[Link]:
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
    profiled
        True when ``con`` already holds the tables ``doc_cluster`` and ``top_rows`` that
        :func:`stclusters.measure.profiles.profile_tables` made for these same clusters from
        the current ``rows`` (:func:`stclusters.measure.profiles.build_profiles` makes them):
        the links are then counted from those, without another pass over ``rows``; else they
        are made here.

    Returns
    -------
    list of Link
        One link per pair of clusters sharing at least one document, ``source`` < ``target``;
        whole and fractional counts per layer (see the module's docstring), fractional counts
        rounded to :data:`LINK_DIGITS` places. Sorted strongest first (:func:`link_strength`),
        ties by whole documents (most first), then by ``source`` and ``target``.
    """
    names = {r.cluster_id: r.name for r in clusters}
    try:
        found = _link_counts(con, sorted(names), profiled=profiled) if len(names) > 1 else []
    finally:
        for table in ("top_ids", "top_docs", "doc_cluster", "top_rows"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
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
