"""A made-up but valid output folder (ranking, profiles, footprints, accounts) for tests and demos.

:func:`write_sample_run` writes the files that the pipeline hands to
:func:`stclusters.report.write_site`, with random but consistent values (ranks follow scores,
shares follow counts, footprints are unions of 5 km discs), so the report can be built, tested
and benchmarked without running the pipeline. Names include accents, an ampersand, angle
brackets and a non-Latin name to exercise escaping and fonts.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point, mapping

from stclusters._outdir import write_marker
from stclusters.results import GEOJSON_PROPERTIES

__all__ = ["write_sample_run"]

_ECONOMIES = [
    ("CN", "China", 31.2, 114.0, 9.0),
    ("US", "United States of America", 38.5, -92.0, 12.0),
    ("JP", "Japan", 35.5, 137.0, 2.5),
    ("DE", "Germany", 50.8, 10.0, 2.0),
    ("KR", "Republic of Korea", 36.5, 127.8, 1.0),
    ("GB", "United Kingdom", 52.8, -1.5, 1.5),
    ("FR", "France", 46.8, 2.5, 2.0),
    ("IN", "India", 21.0, 78.0, 5.0),
    ("CA", "Canada", 45.5, -76.0, 3.0),
    ("IT", "Italy", 43.5, 12.0, 2.0),
    ("NL", "Netherlands", 52.2, 5.3, 0.4),
    ("CH", "Switzerland", 46.9, 8.0, 0.4),
    ("BR", "Brazil", -21.0, -46.0, 3.0),
    ("AU", "Australia", -33.0, 148.0, 3.0),
    ("SE", "Sweden", 59.0, 16.0, 1.5),
    ("ES", "Spain", 40.3, -3.7, 2.0),
    ("SG", "Singapore", 1.35, 103.82, 0.05),
    ("IL", "Israel", 32.0, 34.9, 0.3),
]
_PARTNER = {"CN": ("HK", "Hong Kong"), "NL": ("BE", "Belgium"), "CH": ("DE", "Germany")}
_SPECIAL_NAMES = ["São Paulo–Campinas", "Zürich", "A&B <Test> City", "東京–横浜", "Kraków"]
_SYLLABLES = ["ka", "lo", "ren", "su", "mi", "ta", "bor", "vel", "an", "dri", "ho", "zen", "ma"]
_TECH = [
    ("Computer technology", "Electrical engineering"),
    ("Digital communication", "Electrical engineering"),
    ("Electrical machinery, apparatus, energy", "Electrical engineering"),
    ("Semiconductors", "Electrical engineering"),
    ("Measurement", "Instruments"),
    ("Medical technology", "Instruments"),
    ("Optics", "Instruments"),
    ("Pharmaceuticals", "Chemistry"),
    ("Biotechnology", "Chemistry"),
    ("Organic fine chemistry", "Chemistry"),
    ("Transport", "Mechanical engineering"),
    ("Engines, pumps, turbines", "Mechanical engineering"),
    ("Civil engineering", "Other fields"),
    ("Furniture, games", "Other fields"),
]
_SCIENCE = [
    "Clinical medicine",
    "Chemistry",
    "Physics",
    "Engineering",
    "Materials science",
    "Biology and biochemistry",
    "Computer science",
    "Environment and ecology",
    "Mathematics",
    "Neuroscience",
    "Agricultural sciences",
]
_ORG_KINDS = ["UNIVERSITY", "INSTITUTE OF TECHNOLOGY", "HOSPITAL", "ACADEMY OF SCIENCES"]
_FIRM_KINDS = ["CO., LTD", "CORP.", "GMBH", "INC.", "ELECTRONICS", "TECHNOLOGY CO"]


def _city(rng: np.random.Generator) -> str:
    n = int(rng.integers(2, 4))
    return "".join(str(rng.choice(_SYLLABLES)) for _ in range(n)).capitalize()


def _slug(name: str, used: set[str]) -> str:
    from stclusters.geocode._text import ascii_text

    base = "".join(c if c.isalnum() else "-" for c in ascii_text(name).lower())
    base = "-".join(p for p in base.split("-") if p) or "cluster"
    slug, k = base, 2
    while slug in used:
        slug, k = f"{base}-{k}", k + 1
    used.add(slug)
    return slug


def _footprint(rng: np.random.Generator, lat: float, lon: float) -> dict[str, Any]:
    kx = 111.32 * math.cos(math.radians(lat))
    ky = 110.57
    n = int(rng.integers(2, 7))
    pts = rng.normal(0.0, 8.0, size=(n, 2))
    pts[0] = 0.0
    discs = [Point(x, y).buffer(5.0, quad_segs=6) for x, y in pts]
    geom = shapely.union_all(discs)

    def to_deg(xy: np.ndarray) -> np.ndarray:
        return np.column_stack([lon + xy[:, 0] / kx, lat + xy[:, 1] / ky])

    geom = shapely.transform(geom, to_deg)
    return dict(mapping(shapely.set_precision(geom, 1e-5)))


def _top(rng: np.random.Generator, total: float, names: list[str], k: int) -> list[dict[str, Any]]:
    w = np.sort(rng.pareto(1.2, size=k) + 0.05)[::-1]
    part = float(rng.uniform(0.2, 0.7))
    counts = total * part * w / w.sum()
    return [
        {"name": n, "count": round(float(c), 3), "share": round(float(c) / total, 6)}
        for n, c in zip(names, counts, strict=False)
    ]


def write_sample_run(
    out: Path | str, *, clusters: int = 100, extra_rows: int = 0, seed: int = 0
) -> Path:
    """Write ``ranking.json``, ``profiles.json``, ``clusters.geojson``, ``accounts.json`` and
    the run marker (:data:`stclusters._outdir.MARKER`).

    Parameters
    ----------
    out
        The folder to write (created if missing).
    clusters
        Number of top clusters (each gets a profile and a footprint).
    extra_rows
        Ranking rows beyond the top clusters (no profile, no footprint).
    seed
        Seed of the random values (same seed, same files).

    Returns
    -------
    Path
        The folder.
    """
    if clusters < 1:
        raise ValueError(f"clusters must be at least 1; got {clusters}")
    rng = np.random.default_rng(seed)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    write_marker(folder, "run")  # as the pipeline does: `stclusters report` accepts the folder
    n = clusters + extra_rows
    world_patents, world_articles = 1_400_000.0, 9_000_000.0
    used: set[str] = set()
    rows: list[dict[str, Any]] = []
    econ_weights = np.array([9, 7, 5, 4, 3, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1], dtype=float)
    for i in range(n):
        e = int(rng.choice(len(_ECONOMIES), p=econ_weights / econ_weights.sum()))
        code, ename, clat, clon, spread = _ECONOMIES[e]
        lat = float(np.clip(clat + rng.normal(0, spread / 2), -80, 80))
        lon = float(np.clip(clon + rng.normal(0, spread), -179, 179))
        parts = int(rng.choice([1, 1, 1, 2, 3]))
        name = "–".join(_city(rng) for _ in range(parts))
        if i % 6 == 5 and i // 6 < len(_SPECIAL_NAMES):
            name = _SPECIAL_NAMES[i // 6]
        codes, names = [code], [ename]
        if code in _PARTNER and rng.random() < 0.25:
            codes.append(_PARTNER[code][0])
            names.append(_PARTNER[code][1])
        patents = float(rng.lognormal(8.5, 1.0))
        articles = float(rng.lognormal(10.0, 0.9))
        population = float(rng.lognormal(15.5, 0.8))
        rows.append(
            {
                "cluster_id": 1000 + i,
                "slug": _slug(name, used),
                "name": name,
                "economies": ";".join(codes),
                "economy_names": names,
                "primary_economy": code,
                "primary_economy_name": ename,
                "patents": round(patents, 3),
                "articles": round(articles, 3),
                "patent_share": patents / world_patents,
                "article_share": articles / world_articles,
                "size_score": patents / world_patents + articles / world_articles,
                "population": round(population),
                "patents_per_million": patents / population * 1e6,
                "articles_per_million": articles / population * 1e6,
                "growth": None if rng.random() < 0.1 else round(float(rng.normal(0.03, 0.06)), 4),
                "lat": round(lat, 4),
                "lon": round(lon, 4),
            }
        )
    rows.sort(key=lambda r: -r["size_score"])
    for rank, r in enumerate(rows, start=1):
        r["rank"] = rank
        r["intensity_score"] = r["size_score"] / r["population"]
    top = rows[:clusters]
    for k, r in enumerate(sorted(top, key=lambda r: -r["intensity_score"]), start=1):
        r["intensity_rank"] = k
    for r in rows[clusters:]:
        r["intensity_rank"] = None
    for code in {r["primary_economy"] for r in top}:
        members = [r for r in top if r["primary_economy"] == code]
        for k, r in enumerate(members, start=1):
            r["economy_rank"] = k
            r["economy_clusters"] = len(members)
    for r in rows[clusters:]:
        r["economy_rank"] = None
        r["economy_clusters"] = None
    profiles = []
    features = []
    for r in top:
        others = [o for o in top if o is not r]
        prof = dict(r)
        city = r["name"].split("–")[0].upper()
        prof["top_applicants"] = _top(
            rng,
            r["patents"],
            [f"{city} {_FIRM_KINDS[j % len(_FIRM_KINDS)]} {j}" for j in range(10)],
            10,
        )
        prof["top_organisations"] = _top(
            rng, r["articles"], [f"{city} {_ORG_KINDS[j % 4]} {j}" for j in range(10)], 10
        )
        tech = rng.permutation(len(_TECH))[:10]
        prof["top_tech_fields"] = [
            {"field": _TECH[t][0], "sector": _TECH[t][1], "count": x["count"], "share": x["share"]}
            for t, x in zip(tech, _top(rng, r["patents"], ["x"] * 10, 10), strict=True)
        ]
        sci = rng.permutation(len(_SCIENCE))[:10]
        prof["top_science_fields"] = [
            {"field": _SCIENCE[t], "count": x["count"], "share": x["share"]}
            for t, x in zip(sci, _top(rng, r["articles"], ["x"] * 10, 10), strict=True)
        ]
        for key, total in (
            ("patent_collaboration", r["patents"]),
            ("article_collaboration", r["articles"]),
        ):
            picks = rng.choice(len(others), size=min(5, len(others)), replace=False)
            docs = np.sort(rng.integers(20, 2000, size=len(picks)))[::-1]
            locs = [
                {
                    "name": others[int(p)]["name"],
                    "documents": int(d),
                    "cluster_id": others[int(p)]["cluster_id"],
                    "lat": others[int(p)]["lat"],
                    "lon": others[int(p)]["lon"],
                }
                for p, d in zip(picks, docs, strict=True)
            ]
            locs.append(
                {"name": "Ushuaia", "documents": 3, "cluster_id": None, "lat": -54.8, "lon": -68.3}
            )
            prof[key] = {
                "share": round(float(rng.uniform(0.05, 0.7)), 4),
                "international_share": round(float(rng.uniform(0.01, 0.3)), 4),
                "documents": int(total * 0.3),
                "top_locations": locs,
            }
        prof["sensitivity"] = (
            {
                "rank_min": max(1, r["rank"] - int(rng.integers(0, 6))),
                "rank_max": r["rank"] + int(rng.integers(0, 9)),
                "note": "eps_km 10 to 20, min_points ±20%",
            }
            if r["rank"] % 3 == 0
            else None
        )
        profiles.append(prof)
        features.append(
            {
                "type": "Feature",
                "geometry": _footprint(rng, r["lat"], r["lon"]),
                "properties": {k: r[k] for k in GEOJSON_PROPERTIES},
            }
        )
    ranking_rows = [
        {k: v for k, v in r.items() if k not in ("economy_names", "primary_economy_name")}
        for r in rows
    ]
    edition = 2024
    _dump(folder / "ranking.json", {"edition": edition, "rows": ranking_rows})
    _dump(folder / "profiles.json", {"edition": edition, "top_n": clusters, "profiles": profiles})
    _dump(folder / "clusters.geojson", {"type": "FeatureCollection", "features": features})
    _dump(
        folder / "accounts.json",
        {
            "edition": edition,
            "windows": {"patents": [2019, 2023], "articles": [2018, 2022]},
            "layers": {
                "patents": {
                    "records_read": 1_500_000,
                    "documents_kept": 1_400_000,
                    "located_share": 0.962,
                },
                "articles": {
                    "records_read": 9_800_000,
                    "documents_kept": 9_000_000,
                    "located_share": 0.981,
                },
            },
            "settings": {
                "eps_km": 15,
                "min_points": 4500,
                "merge_km": 5,
                "footprint_km": 5,
                "top_n": clusters,
            },
        },
    )
    return folder


def _dump(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
