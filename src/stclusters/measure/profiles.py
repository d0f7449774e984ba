"""Cluster profiles (method.md section 7) as data: applicants, organisations, fields, collaboration.

Each profile is a plain dict (the contract of docs/outputs.md); the Markdown and HTML pages are
both rendered from these dicts by :mod:`stclusters.report`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import duckdb
import pyarrow as pa

from stclusters.results import ClusterRow, Collaboration, Profile

__all__ = ["build_profiles", "normalise_applicant", "normalise_organisation"]

# Web of Science abbreviations (and a few common ones of other sources) -> full words
_ORG_WORDS = {
    "UNIV": "UNIVERSITY",
    "UNIVERSITAT": "UNIVERSITY",
    "UNIVERSITE": "UNIVERSITY",
    "UNIVERSIDAD": "UNIVERSITY",
    "UNIVERSITA": "UNIVERSITY",
    "INST": "INSTITUTE",
    "TECHNOL": "TECHNOLOGY",
    "TECH": "TECHNOLOGY",
    "ACAD": "ACADEMY",
    "SCI": "SCIENCES",
    "SCIENCE": "SCIENCES",
    "COLL": "COLLEGE",
    "HOSP": "HOSPITAL",
    "MED": "MEDICAL",
    "NATL": "NATIONAL",
    "RES": "RESEARCH",
    "CTR": "CENTER",
    "CENTRE": "CENTER",
    "LAB": "LABORATORY",
    "LABS": "LABORATORIES",
    "ENGN": "ENGINEERING",
    "AGR": "AGRICULTURAL",
    "AGR UNIV": "AGRICULTURAL UNIVERSITY",
    "POLYTECH": "POLYTECHNIC",
    "PEOPLES": "PEOPLE'S",
    "CHINESE ACAD SCI": "CHINESE ACADEMY OF SCIENCES",
    "MINIST": "MINISTRY",
    "DEPT": "DEPARTMENT",
    "SCH": "SCHOOL",
    "FAC": "FACULTY",
    "AFFILIATED HOSP": "AFFILIATED HOSPITAL",
    "INT": "INTERNATIONAL",
    "ENVIRONM": "ENVIRONMENTAL",
    "INFORMAT": "INFORMATION",
}
_STOP = {"OF", "THE", "AND", "&", "DE", "DER", "LA", "DI", "FUR", "FOR"}
_LEGAL = {
    "CO",
    "LTD",
    "LIMITED",
    "INC",
    "INCORPORATED",
    "CORP",
    "CORPORATION",
    "COMPANY",
    "GMBH",
    "AG",
    "SA",
    "SAS",
    "LLC",
    "PLC",
    "KK",
    "BV",
    "NV",
    "AB",
    "OY",
    "SPA",
    "SRL",
    "KG",
    "LP",
    "LLP",
}


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", re.sub(r"[^A-Z0-9&' ]+", " ", folded.upper())).strip()


def normalise_organisation(name: str) -> tuple[str, str]:
    """(key, display) of an organisation name; variants of one organisation share the key.

    >>> normalise_organisation("Zhengzhou Univ")
    ('ZHENGZHOU UNIVERSITY', 'ZHENGZHOU UNIVERSITY')
    """
    words = _fold(name).split()
    expanded = [_ORG_WORDS.get(w, w) for w in words]
    display = " ".join(expanded)
    key = " ".join(w for w in " ".join(expanded).split() if w not in _STOP)
    return key, display


def normalise_applicant(name: str) -> tuple[str, str]:
    """(key, display) of an applicant name; legal forms and punctuation do not split variants."""
    display = re.sub(r"\s+", " ", name.upper()).strip(" ,;.")
    words = [w for w in _fold(name).split() if w not in _LEGAL]
    key = " ".join(_ORG_WORDS.get(w, w) for w in words) or _fold(name)
    return key, display


def _name_table(
    names: Iterable[str], normalise: Callable[[str], tuple[str, str]], column: str
) -> pa.Table:
    raw = sorted(set(names))
    keys, displays = zip(*(normalise(n) for n in raw), strict=True) if raw else ((), ())
    return pa.table(
        {
            column: pa.array(raw, pa.string()),
            "key": pa.array(keys, pa.string()),
            "display": pa.array(displays, pa.string()),
        }
    )


def _top_named(
    con: duckdb.DuckDBPyConnection, sql: str, limit: int
) -> dict[int, list[dict[str, Any]]]:
    """Run a query giving (cluster, key, display, count, cluster_total); keep the top per cluster.

    The display name of a key is its most credited variant.
    """
    out: dict[int, list[dict[str, Any]]] = {}
    rows = con.execute(
        f"""
        WITH q AS ({sql}),
        best AS (
            SELECT c, key, arg_max(display, credit ORDER BY display DESC) AS display
            FROM (SELECT c, key, display, kahan_sum(credit) AS credit FROM q GROUP BY ALL)
            GROUP BY ALL
        ),
        sums AS (SELECT c, key, kahan_sum(credit) AS credit FROM q GROUP BY ALL),
        ranked AS (
            SELECT s.c, b.display, s.credit,
                row_number() OVER (PARTITION BY s.c ORDER BY s.credit DESC, b.display) AS k
            FROM sums s JOIN best b USING (c, key)
        )
        SELECT c, display, credit FROM ranked WHERE k <= {limit} ORDER BY c, k
        """
    ).fetchall()
    for c, display, credit in rows:
        out.setdefault(int(c), []).append({"name": display, "count": float(credit)})
    return out


def _with_shares(
    items: dict[int, list[dict[str, Any]]], totals: Mapping[int, float]
) -> dict[int, list[dict[str, Any]]]:
    for cid, lst in items.items():
        total = totals.get(cid, 0.0)
        for item in lst:
            item["share"] = round(item["count"] / total, 6) if total > 0 else 0.0
            item["count"] = round(item["count"], 2)
    return items


def _field_shares(
    con: duckdb.DuckDBPyConnection,
    *,
    layer: str,
    schemes: tuple[str, ...],
    mapping: Mapping[tuple[str, str], tuple[str, str]],
    limit: int,
) -> dict[int, list[dict[str, Any]]]:
    """Top fields per cluster: each document's cluster share split equally among its fields."""
    items = sorted(mapping.items())
    table = pa.table(
        {
            "scheme": pa.array([k[0] for k, _ in items], pa.string()),
            "code": pa.array([k[1] for k, _ in items], pa.string()),
            "field": pa.array([v[0] for _, v in items], pa.string()),
            "sector": pa.array([v[1] for _, v in items], pa.string()),
        }
    )
    con.register("field_map_in", table)
    con.execute("CREATE OR REPLACE TEMP TABLE field_map AS SELECT * FROM field_map_in")
    scheme_list = ", ".join(f"'{s}'" for s in schemes)
    rows = con.execute(
        f"""
        WITH doc_fields AS (
            SELECT DISTINCT c.doc_id, m.field, m.sector
            FROM classes c JOIN field_map m ON m.scheme = c.scheme AND m.code = c.code
            WHERE c.scheme IN ({scheme_list})
        ), n AS (SELECT doc_id, count(*) AS n_fields FROM doc_fields GROUP BY doc_id),
        credit AS (
            SELECT dc.c, f.field, f.sector, dc.s / n.n_fields AS credit
            FROM doc_cluster dc JOIN doc_fields f USING (doc_id) JOIN n USING (doc_id)
            WHERE dc.layer = '{layer}'
        ), sums AS (
            SELECT c, field, any_value(sector) AS sector, kahan_sum(credit) AS credit
            FROM credit GROUP BY c, field
        ), tot AS (SELECT c, kahan_sum(credit) AS total FROM sums GROUP BY c),
        ranked AS (
            SELECT s.*, t.total,
                row_number() OVER (PARTITION BY s.c ORDER BY s.credit DESC, s.field) AS k
            FROM sums s JOIN tot t USING (c)
        )
        SELECT c, field, sector, credit, total FROM ranked WHERE k <= {limit} ORDER BY c, k
        """
    ).fetchall()
    out: dict[int, list[dict[str, Any]]] = {}
    for c, fld, sector, credit, total in rows:
        item: dict[str, Any] = {
            "field": fld,
            "count": round(float(credit), 2),
            "share": round(float(credit) / float(total), 6) if total else 0.0,
        }
        if sector:
            item["sector"] = sector
        out.setdefault(int(c), []).append(item)
    return out


def _collaboration(
    con: duckdb.DuckDBPyConnection,
    clusters: list[ClusterRow],
    *,
    limit: int,
    coords: Mapping[str, tuple[float, float]],
    cluster_ids_by_label: Mapping[str, int],
) -> dict[tuple[int, str], Collaboration]:
    econ = pa.table(
        {
            "c": pa.array([r.cluster_id for r in clusters for _ in r.economies], pa.int64()),
            "country": pa.array([e for r in clusters for e in r.economies], pa.string()),
        }
    )
    con.register("cluster_econ_in", econ)
    con.execute("CREATE OR REPLACE TEMP TABLE cluster_econ AS SELECT * FROM cluster_econ_in")
    base = {
        (int(c), layer): {"documents": int(n)}
        for c, layer, n in con.execute(
            "SELECT c, layer, count(*) FROM doc_cluster GROUP BY ALL"
        ).fetchall()
    }
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE outside AS
        SELECT dc.c, dc.layer, dc.doc_id, r.loc_label
        FROM doc_cluster dc JOIN rows r USING (doc_id)
        WHERE r.current AND r.lat IS NOT NULL AND coalesce(r.cluster, -2) <> dc.c
        """
    )
    for c, layer, n in con.execute(
        "SELECT c, layer, count(DISTINCT doc_id) FROM outside GROUP BY ALL"
    ).fetchall():
        base[(int(c), layer)]["outside"] = int(n)
    for c, layer, n in con.execute(
        """
        SELECT dc.c, dc.layer, count(DISTINCT dc.doc_id)
        FROM doc_cluster dc JOIN rows r USING (doc_id)
        WHERE r.current AND r.country IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM cluster_econ e WHERE e.c = dc.c AND e.country = r.country)
        GROUP BY ALL
        """
    ).fetchall():
        base[(int(c), layer)]["international"] = int(n)
    tops: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for c, layer, label, n in con.execute(
        f"""
        WITH t AS (
            SELECT c, layer, loc_label, count(DISTINCT doc_id) AS n FROM outside
            WHERE loc_label IS NOT NULL GROUP BY ALL
        ), ranked AS (
            SELECT *, row_number() OVER (PARTITION BY c, layer ORDER BY n DESC, loc_label) AS k
            FROM t
        )
        SELECT c, layer, loc_label, n FROM ranked WHERE k <= {limit} ORDER BY c, layer, k
        """
    ).fetchall():
        lat, lon = coords.get(label, (None, None))
        tops.setdefault((int(c), layer), []).append(
            {
                "name": label,
                "documents": int(n),
                "cluster_id": cluster_ids_by_label.get(label),
                "lat": lat,
                "lon": lon,
            }
        )
    out: dict[tuple[int, str], Collaboration] = {}
    for key, acc in base.items():
        docs = acc["documents"]
        out[key] = {
            "documents": docs,
            "share": round(acc.get("outside", 0) / docs, 6) if docs else 0.0,
            "international_share": round(acc.get("international", 0) / docs, 6) if docs else 0.0,
            "top_locations": tops.get(key, []),
        }
    return out


def build_profiles(
    con: duckdb.DuckDBPyConnection,
    clusters: list[ClusterRow],
    *,
    edition: int,
    top: int,
    top_fields: int,
    tech_fields: Mapping[tuple[str, str], tuple[str, str]],
    science_fields: Mapping[tuple[str, str], tuple[str, str]],
    economy_names: Mapping[str, str],
    location_coords: Mapping[str, tuple[float, float]],
    top_n: int,
    sensitivity: Mapping[int, dict[str, Any]] | None = None,
) -> list[Profile]:
    """One profile per cluster (in the order given), from tables ``rows``, ``applicants``
    and ``classes`` of ``con``; ``rows`` must carry ``cluster`` and ``loc_label`` columns.

    ``tech_fields`` and ``science_fields`` map (scheme, code) to (field, sector);
    ``sensitivity`` gives the rank range of each cluster when the sensitivity reruns were made.
    """
    ids = pa.table({"c": pa.array([r.cluster_id for r in clusters], pa.int64())})
    con.register("top_ids_in", ids)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE doc_cluster AS
        SELECT cluster AS c, doc_id, any_value(layer) AS layer, kahan_sum(share) AS s
        FROM rows WHERE current AND cluster IN (SELECT c FROM top_ids_in)
        GROUP BY cluster, doc_id
        """
    )
    applicant_names = [
        n for (n,) in con.execute("SELECT DISTINCT name FROM applicants").fetchall() if n
    ]
    con.register("applicant_names", _name_table(applicant_names, normalise_applicant, "name"))
    applicants = _top_named(
        con,
        """
        SELECT dc.c, n.key, n.display, dc.s AS credit
        FROM doc_cluster dc
        JOIN (SELECT DISTINCT doc_id, name FROM applicants) a USING (doc_id)
        JOIN applicant_names n USING (name)
        WHERE dc.layer = 'patent'
        """,
        top,
    )
    org_names = [
        n
        for (n,) in con.execute(
            "SELECT DISTINCT organisation FROM rows WHERE current AND cluster >= 0"
        ).fetchall()
        if n
    ]
    con.register("org_names", _name_table(org_names, normalise_organisation, "organisation"))
    organisations = _top_named(
        con,
        """
        SELECT r.cluster AS c, n.key, n.display, r.share AS credit
        FROM rows r JOIN org_names n USING (organisation)
        WHERE r.current AND r.layer = 'article' AND r.cluster IN (SELECT c FROM top_ids_in)
        """,
        top,
    )
    patents = {r.cluster_id: r.patents for r in clusters}
    articles = {r.cluster_id: r.articles for r in clusters}
    applicants = _with_shares(applicants, patents)
    organisations = _with_shares(organisations, articles)
    tech = _field_shares(
        con, layer="patent", schemes=("ipc", "cpc"), mapping=tech_fields, limit=top_fields
    )
    science = _field_shares(
        con, layer="article", schemes=("wos", "asjc"), mapping=science_fields, limit=top_fields
    )
    label_ids = {r.name: r.cluster_id for r in clusters}
    collab = _collaboration(
        con, clusters, limit=top, coords=location_coords, cluster_ids_by_label=label_ids
    )
    sensitivity = sensitivity or {}

    def empty() -> Collaboration:
        return {"documents": 0, "share": 0.0, "international_share": 0.0, "top_locations": []}

    profiles: list[Profile] = []
    for r in clusters:
        row = r.to_row()
        profile: Profile = {
            **row,  # type: ignore[typeddict-item]
            "edition": edition,
            "economies_list": list(r.economies),
            "economy_names": [economy_names.get(e, e) for e in r.economies],
            "primary_economy_name": economy_names.get(r.primary_economy or "", ""),
            "economy_shares": dict(r.economy_shares),
            "top_applicants": applicants.get(r.cluster_id, []),
            "top_organisations": organisations.get(r.cluster_id, []),
            "top_tech_fields": tech.get(r.cluster_id, []),
            "top_science_fields": science.get(r.cluster_id, []),
            "patent_collaboration": collab.get((r.cluster_id, "patent")) or empty(),
            "article_collaboration": collab.get((r.cluster_id, "article")) or empty(),
            "sensitivity": sensitivity.get(r.cluster_id),
            "top_n": top_n,
        }
        profiles.append(profile)
    return profiles
