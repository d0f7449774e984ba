"""Size and intensity scores, ranks, economies and growth of clusters (method.md 3.5 and 5)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ClusterRow", "economies_of", "rank_clusters", "slugify"]


@dataclass
class ClusterRow:
    """One cluster's figures; ranks are filled by :func:`rank_clusters`."""

    cluster_id: int
    patents: float
    articles: float
    size_score: float = 0.0
    economies: list[str] = field(default_factory=list)
    primary_economy: str | None = None
    economy_shares: dict[str, float] = field(default_factory=dict)
    population: float = 0.0
    patents_per_million: float | None = None
    articles_per_million: float | None = None
    intensity_score: float | None = None
    rank: int = 0
    intensity_rank: int | None = None
    economy_rank: int | None = None
    economy_clusters: int | None = None
    growth: float | None = None
    name: str = ""
    slug: str = ""
    lat: float = 0.0
    lon: float = 0.0

    def to_row(self, *, digits: int = 4) -> dict[str, Any]:
        """The published columns, rounded so that outputs are byte-stable."""

        def r(x: float | None, d: int = digits) -> float | None:
            return None if x is None else round(float(x), d)

        return {
            "rank": self.rank,
            "name": self.name,
            "economies": ";".join(self.economies),
            "primary_economy": self.primary_economy,
            "patents": r(self.patents, 2),
            "articles": r(self.articles, 2),
            "size_score": r(self.size_score, 8),
            "population": round(self.population),
            "patents_per_million": r(self.patents_per_million, 2),
            "articles_per_million": r(self.articles_per_million, 2),
            "intensity_score": r(self.intensity_score, 14),
            "intensity_rank": self.intensity_rank,
            "economy_rank": self.economy_rank,
            "economy_clusters": self.economy_clusters,
            "growth": r(self.growth, 4),
            "cluster_id": self.cluster_id,
            "slug": self.slug,
            "lat": r(self.lat, 5),
            "lon": r(self.lon, 5),
        }


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


def rank_clusters(
    rows: list[ClusterRow], *, world: Mapping[str, int], top_n: int
) -> list[ClusterRow]:
    """Score and rank clusters; return the top ``top_n`` in size order with every rank filled.

    Size score = patents / world patents + articles / world articles. Intensity score = size
    score per inhabitant, ranked among the top-N (clusters with no population rank last).
    Economy rank = position among the top-N clusters of the same primary economy.
    """
    wp, wa = world.get("patent", 0), world.get("article", 0)
    for row in rows:
        row.size_score = (row.patents / wp if wp else 0.0) + (row.articles / wa if wa else 0.0)
        if row.population > 0:
            millions = row.population / 1e6
            row.patents_per_million = row.patents / millions
            row.articles_per_million = row.articles / millions
            row.intensity_score = row.size_score / row.population
    ordered = sorted(rows, key=lambda r: (-r.size_score, r.cluster_id))
    for i, row in enumerate(ordered, start=1):
        row.rank = i
    top = ordered[:top_n]
    by_intensity = sorted(
        top,
        key=lambda r: (
            r.intensity_score is None,
            -(r.intensity_score or 0.0),
            r.rank,
        ),
    )
    for i, row in enumerate(by_intensity, start=1):
        row.intensity_rank = i
    per_economy: dict[str | None, list[ClusterRow]] = {}
    for row in top:
        per_economy.setdefault(row.primary_economy, []).append(row)
    for members in per_economy.values():
        for i, row in enumerate(members, start=1):
            row.economy_rank = i
            row.economy_clusters = len(members)
    # unique slugs
    used: dict[str, int] = {}
    for row in ordered:
        base = slugify(row.name)
        n = used.get(base, 0)
        used[base] = n + 1
        row.slug = base if n == 0 else f"{base}-{n + 1}"
    return top
