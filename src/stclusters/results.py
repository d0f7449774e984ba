"""The one output model of a run: cluster rows, profiles and the results every file derives from.

Every output format (``ranking.csv``, ``ranking.parquet``, ``ranking.json``, ``all_clusters.csv``,
``clusters.geojson``, ``profiles.json``, the site, the PDF and Markdown profiles) is written from a
:class:`Results`; the columns and their types are declared once, in :data:`RANKING_FIELDS`, from
which :data:`RANKING_SCHEMA` (Parquet), :data:`RANKING_COLUMNS` (CSV and JSON) and the site's input
check derive. ``docs/outputs.md`` documents every field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

import pyarrow as pa

__all__ = [
    "GEOJSON_PROPERTIES",
    "MIN_INHABITANTS",
    "POPULATION_FLAGS",
    "RANKING_COLUMNS",
    "RANKING_FIELDS",
    "RANKING_SCHEMA",
    "ClusterRow",
    "Collaboration",
    "Link",
    "Profile",
    "RankingField",
    "Results",
    "json_types",
]


@dataclass(frozen=True)
class RankingField:
    """One published column: its name, Arrow type and whether every row must carry a value."""

    name: str
    type: pa.DataType
    required: bool


#: The published columns of the ranking, in order (ranking.csv / .parquet / .json).
RANKING_FIELDS: tuple[RankingField, ...] = (
    RankingField("rank", pa.int32(), True),
    RankingField("name", pa.string(), True),
    RankingField("economies", pa.string(), True),
    RankingField("patents", pa.float64(), True),
    RankingField("articles", pa.float64(), True),
    RankingField("patent_share", pa.float64(), True),
    RankingField("article_share", pa.float64(), True),
    RankingField("size_score", pa.float64(), True),
    RankingField("population", pa.int64(), False),
    RankingField("population_flag", pa.string(), False),
    RankingField("patents_per_million", pa.float64(), False),
    RankingField("articles_per_million", pa.float64(), False),
    RankingField("intensity_score", pa.float64(), False),
    RankingField("intensity_rank", pa.int32(), False),
    RankingField("economy_rank", pa.int32(), False),
    RankingField("economy_clusters", pa.int32(), False),
    RankingField("primary_economy", pa.string(), True),
    RankingField("growth", pa.float64(), False),
    RankingField("previous_rank", pa.int32(), False),
    RankingField("rank_change", pa.int32(), False),
    RankingField("new", pa.bool_(), False),
    RankingField("cluster_id", pa.int64(), True),
    RankingField("slug", pa.string(), True),
    RankingField("lat", pa.float64(), True),
    RankingField("lon", pa.float64(), True),
)

#: Why a cluster has no intensity figures (the ``population_flag`` column; null when it has
#: them), and the words the site shows for it: such a cluster ranks last by intensity
#: (method.md section 5).
POPULATION_FLAGS: Mapping[str, str] = {
    "outside_raster": "not known (outside the population raster), ranks last",
    "no_inhabitants": "0 (no one lives in the footprint), ranks last",
    "not_computed": "not computed (outside the top N)",
}

#: A footprint with fewer inhabitants than this has none (flag "no_inhabitants").
MIN_INHABITANTS = 1.0

#: Column names of the ranking tables, in order.
RANKING_COLUMNS: tuple[str, ...] = tuple(f.name for f in RANKING_FIELDS)

#: The Parquet schema of ``ranking.parquet``.
RANKING_SCHEMA: pa.Schema = pa.schema([(f.name, f.type) for f in RANKING_FIELDS])

#: Properties of each feature of clusters.geojson (docs/outputs.md).
GEOJSON_PROPERTIES: tuple[str, ...] = (
    "cluster_id",
    "rank",
    "slug",
    "name",
    "economies",
    "patents",
    "articles",
    "size_score",
    "population",
)


def json_types(data_type: pa.DataType) -> tuple[type, ...]:
    """The JSON value types that a column of ``data_type`` is written as."""
    if pa.types.is_boolean(data_type):
        return (bool,)
    if pa.types.is_integer(data_type):
        return (int,)
    if pa.types.is_floating(data_type):
        return (int, float)
    return (str,)


@dataclass(frozen=True)
class ClusterRow:
    """One cluster's figures (method.md sections 3.5 and 5).

    Counts are fractional documents in the current window; ``patent_share`` and
    ``article_share`` are the cluster's fractions of the world's kept patents and articles (their
    sum is ``size_score``); ``population`` is the number of
    inhabitants inside the footprint (None when not known or not computed, and then
    ``population_flag`` says why, a key of :data:`POPULATION_FLAGS`); ranks are filled by
    :func:`stclusters.measure.ranking.rank_clusters`, which returns new rows.
    ``previous_rank``, ``rank_change`` (previous rank minus rank: positive means up) and ``new``
    (not in the previous ranking) are None unless a previous ranking was given (the ``previous``
    setting, :mod:`stclusters.measure.previous`).
    """

    cluster_id: int
    patents: float
    articles: float
    size_score: float = 0.0
    patent_share: float = 0.0
    article_share: float = 0.0
    economies: tuple[str, ...] = ()
    primary_economy: str | None = None
    economy_shares: Mapping[str, float] = field(default_factory=dict)
    population: float | None = None
    population_flag: str | None = None
    patents_per_million: float | None = None
    articles_per_million: float | None = None
    intensity_score: float | None = None
    rank: int = 0
    intensity_rank: int | None = None
    economy_rank: int | None = None
    economy_clusters: int | None = None
    growth: float | None = None
    previous_rank: int | None = None
    rank_change: int | None = None
    new: bool | None = None
    name: str = ""
    slug: str = ""
    lat: float = 0.0
    lon: float = 0.0

    def to_row(self, *, digits: int = 4) -> dict[str, Any]:
        """The published columns (:data:`RANKING_COLUMNS`), rounded so outputs are byte-stable."""

        def r(x: float | None, d: int = digits) -> float | None:
            return None if x is None else round(float(x), d)

        return {
            "rank": self.rank,
            "name": self.name,
            "economies": ";".join(self.economies),
            "primary_economy": self.primary_economy,
            "patents": r(self.patents, 2),
            "articles": r(self.articles, 2),
            "patent_share": r(self.patent_share, 8),
            "article_share": r(self.article_share, 8),
            "size_score": r(self.size_score, 8),
            "population": None if self.population is None else round(self.population),
            "population_flag": self.population_flag,
            "patents_per_million": r(self.patents_per_million, 2),
            "articles_per_million": r(self.articles_per_million, 2),
            "intensity_score": r(self.intensity_score, 14),
            "intensity_rank": self.intensity_rank,
            "economy_rank": self.economy_rank,
            "economy_clusters": self.economy_clusters,
            "growth": r(self.growth, 4),
            "previous_rank": self.previous_rank,
            "rank_change": self.rank_change,
            "new": self.new,
            "cluster_id": self.cluster_id,
            "slug": self.slug,
            "lat": r(self.lat, 5),
            "lon": r(self.lon, 5),
        }


class Collaboration(TypedDict):
    """Co-inventor or co-author links of a cluster in one layer (method.md section 7).

    ``share``: documents with a co-inventor or co-author outside the cluster;
    ``international_share``: those with one outside every economy of the cluster (never above
    ``share``); ``organisations_share`` (articles; None for patents): articles whose addresses
    name two or more organisations, the GII's "in collaboration with other organizations".
    """

    documents: float
    share: float
    international_share: float
    organisations_share: float | None
    top_locations: list[dict[str, Any]]


class Link(TypedDict):
    """Collaboration between two published clusters (``links.csv``; issue 14 item 5).

    ``source`` < ``target`` are cluster ids. ``patents_whole`` / ``articles_whole``: documents
    with at least one person row in each of the two clusters (whole counting);
    ``patents`` / ``articles``: the same documents counted fractionally (the definition is given
    in docs/method.md section 7).
    """

    source: int
    target: int
    source_name: str
    target_name: str
    patents: float
    articles: float
    patents_whole: int
    articles_whole: int


class _RowKeys(TypedDict):
    rank: int
    name: str
    economies: str
    primary_economy: str | None
    patents: float | None
    articles: float | None
    patent_share: float | None
    article_share: float | None
    size_score: float | None
    population: int | None
    population_flag: str | None
    patents_per_million: float | None
    articles_per_million: float | None
    intensity_score: float | None
    intensity_rank: int | None
    economy_rank: int | None
    economy_clusters: int | None
    growth: float | None
    previous_rank: int | None
    rank_change: int | None
    new: bool | None
    cluster_id: int
    slug: str
    lat: float | None
    lon: float | None


class Profile(_RowKeys):
    """One cluster's profile: its ranking row plus what method.md section 7 lists.

    The keys and their order are those of ``profiles.json`` (docs/outputs.md).
    """

    edition: int
    economies_list: list[str]
    economy_names: list[str]
    primary_economy_name: str
    economy_shares: dict[str, float]
    top_applicants: list[dict[str, Any]]
    top_organisations: list[dict[str, Any]]
    top_tech_fields: list[dict[str, Any]]
    top_science_fields: list[dict[str, Any]]
    patent_collaboration: Collaboration
    article_collaboration: Collaboration
    sensitivity: dict[str, Any] | None
    top_n: int
    published: int
    windows: dict[str, list[int]]
    synthetic: bool
    previous_edition: NotRequired[int | None]


@dataclass(frozen=True)
class Results:
    """Everything a run found, from which every output file is written.

    Attributes
    ----------
    ranking
        The top-N clusters in size order, every rank filled.
    all_clusters
        Every cluster found, in size order.
    profiles
        One profile per cluster of ``ranking``, in the same order.
    footprints
        Shapely footprint (lon/lat degrees) of each cluster of ``ranking``, by cluster id.
    accounts
        Where every record went (method.md section 8); the content of ``accounts.json``.
    edition
        The ranking's edition (year).
    top_n
        How many clusters are published.
    links
        Collaboration between published clusters, strongest first (:class:`Link`).
    record_files
        Paths of the per-record Parquet tables (memberships, addresses, points) written by the
        computing stage into a scratch folder that lives until the output is written
        (:mod:`stclusters.report.records`); empty when none were written. Paths, never data.
    sensitivity_runs
        One row per run of the sensitivity analysis (:data:`stclusters.measure.sensitivity.
        RUN_COLUMNS`); empty when it was not made.
    """

    ranking: list[ClusterRow]
    all_clusters: list[ClusterRow]
    profiles: list[Profile]
    footprints: Mapping[int, Any]
    accounts: dict[str, Any]
    edition: int
    top_n: int
    links: list[Link] = field(default_factory=list)
    record_files: Mapping[str, str] = field(default_factory=dict)
    sensitivity_runs: list[dict[str, Any]] = field(default_factory=list)
