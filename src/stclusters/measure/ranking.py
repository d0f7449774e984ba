"""Size and intensity scores, ranks, economies and growth of clusters (method.md 3.5 and 5)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from stclusters.results import MIN_INHABITANTS, ClusterRow

__all__ = ["ECONOMY_COLUMNS", "economies_of", "economy_table", "rank_clusters", "slugify"]


def economies_of(
    shares: Mapping[str, float], *, threshold: float
) -> tuple[list[str], str | None, dict[str, float]]:
    """Economies holding at least ``threshold`` of a cluster's output, largest first.

    Returns the listed economies, the primary economy (largest share) and all shares as
    fractions. Rows without a country do not count.
    """
    total = sum(v for k, v in shares.items() if k)
    if total <= 0:
        return [], None, {}
    fractions = {k: v / total for k, v in shares.items() if k}
    ordered = sorted(fractions.items(), key=lambda kv: (-kv[1], kv[0]))
    listed = [k for k, f in ordered if f >= threshold] or [ordered[0][0]]
    return listed, ordered[0][0], {k: round(f, 6) for k, f in ordered}


def slugify(text: str) -> str:
    """A file-name-safe ASCII slug: "Shenzhen–Hong Kong" -> "shenzhen-hong-kong"."""
    spaced = re.sub(r"[\s\u2010-\u2015/]+", " ", text)
    folded = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug or "cluster"


def _scored(row: ClusterRow, *, wp: float, wa: float) -> ClusterRow:
    patent_share = row.patents / wp if wp else 0.0
    article_share = row.articles / wa if wa else 0.0
    size = patent_share + article_share
    if row.population is None or row.population < MIN_INHABITANTS:
        return replace(row, patent_share=patent_share, article_share=article_share, size_score=size)
    millions = row.population / 1e6
    return replace(
        row,
        patent_share=patent_share,
        article_share=article_share,
        size_score=size,
        patents_per_million=row.patents / millions,
        articles_per_million=row.articles / millions,
        intensity_score=size / row.population,
    )


def _slugs(ordered: Sequence[ClusterRow]) -> list[str]:
    """A unique slug per row, in order: the name's slug, then "-2", "-3" for repeats."""
    used: dict[str, int] = {}
    out = []
    for row in ordered:
        base = slugify(row.name)
        n = used.get(base, 0)
        used[base] = n + 1
        out.append(base if n == 0 else f"{base}-{n + 1}")
    return out


def rank_clusters(
    rows: Sequence[ClusterRow], *, world: Mapping[str, float], top_n: int
) -> tuple[list[ClusterRow], list[ClusterRow]]:
    """Score and rank clusters (method.md section 5); the rows given are not changed.

    Size score = patent share + article share, the cluster's patents / world patents and
    articles / world articles (the GII table's two shares, kept as ``patent_share`` and
    ``article_share``). Intensity score = size
    score per inhabitant, ranked among the top-N; clusters without inhabitants or whose
    population is not known (None) have no intensity and rank last, in size order.
    Economy rank = position among the top-N clusters of the same primary economy.

    Returns
    -------
    top, ranked
        The top ``top_n`` rows in size order with every rank filled, and every row in size order
        with its size rank and slug (the top rows carry their other ranks there too).
    """
    wp, wa = world.get("patent", 0), world.get("article", 0)
    scored = [_scored(row, wp=wp, wa=wa) for row in rows]
    ordered = sorted(scored, key=lambda r: (-r.size_score, r.cluster_id))
    slugs = _slugs(ordered)
    ranked = [
        replace(row, rank=i, slug=slug)
        for i, (row, slug) in enumerate(zip(ordered, slugs, strict=True), start=1)
    ]
    top = ranked[:top_n]
    by_intensity = sorted(
        top, key=lambda r: (r.intensity_score is None, -(r.intensity_score or 0.0), r.rank)
    )
    intensity_rank = {row.cluster_id: i for i, row in enumerate(by_intensity, start=1)}
    per_economy: dict[str | None, list[int]] = {}
    for row in top:
        per_economy.setdefault(row.primary_economy, []).append(row.cluster_id)
    economy_rank = {
        cid: (i, len(members))
        for members in per_economy.values()
        for i, cid in enumerate(members, start=1)
    }
    top = [
        replace(
            row,
            intensity_rank=intensity_rank[row.cluster_id],
            economy_rank=economy_rank[row.cluster_id][0],
            economy_clusters=economy_rank[row.cluster_id][1],
        )
        for row in top
    ]
    return top, top + ranked[top_n:]


#: The columns of ``economies.csv`` and of the workbook's "Economies" sheet, in order
#: (docs/outputs.md).
ECONOMY_COLUMNS: tuple[str, ...] = (
    "economy",
    "economy_name",
    "clusters",
    "clusters_listed",
    "clusters_found",
    "patents",
    "articles",
    "patent_share",
    "article_share",
)


def economy_table(
    ranking: Sequence[ClusterRow],
    all_clusters: Sequence[ClusterRow],
    *,
    names: Mapping[str, str],
) -> list[dict[str, Any]]:
    """Clusters per economy, the GII's "China 26, United States 20" (``economies.csv``).

    One row per economy that is the primary economy of at least one cluster found, or is listed
    among the economies of a published one. ``clusters``: published (top-N) clusters whose
    primary economy it is (the ranking's ``economy_clusters``); ``clusters_listed``: published
    clusters listing it among their economies (cross-border ones count for each economy they
    list); ``clusters_found``: every cluster found whose primary economy it is; ``patents``,
    ``articles``, ``patent_share``, ``article_share``: the sums over its ``clusters`` (shares of
    the world's kept documents, as in the ranking). Clusters without a primary economy (no
    located row has a country) are the row with an empty code, named "Not known".

    Parameters
    ----------
    ranking, all_clusters
        The published clusters and every cluster found (:func:`rank_clusters`).
    names
        Economy name by ISO 3166 alpha-2 code (a code without a name is shown as the code).

    Returns
    -------
    list of dict
        Rows with the keys :data:`ECONOMY_COLUMNS`, by published clusters (most first), then
        their size score (patent share + article share, largest first), then clusters found,
        then code.
    """
    rows: dict[str, dict[str, Any]] = {}

    def row(code: str) -> dict[str, Any]:
        if code not in rows:
            rows[code] = {
                "economy": code,
                "economy_name": names.get(code, code) if code else "Not known",
                **dict.fromkeys(ECONOMY_COLUMNS[2:5], 0),
                **dict.fromkeys(ECONOMY_COLUMNS[5:], 0.0),
            }
        return rows[code]

    for cluster in all_clusters:
        row(cluster.primary_economy or "")["clusters_found"] += 1
    for cluster in ranking:
        r = row(cluster.primary_economy or "")
        r["clusters"] += 1
        r["patents"] += cluster.patents
        r["articles"] += cluster.articles
        r["patent_share"] += cluster.patent_share
        r["article_share"] += cluster.article_share
        for code in cluster.economies:
            row(code)["clusters_listed"] += 1
    ordered = sorted(
        rows.values(),
        key=lambda r: (
            -r["clusters"],
            -(r["patent_share"] + r["article_share"]),
            -r["clusters_found"],
            r["economy"],
        ),
    )
    digits = {"patents": 2, "articles": 2, "patent_share": 8, "article_share": 8}
    return [{k: round(v, digits[k]) if k in digits else v for k, v in r.items()} for r in ordered]
