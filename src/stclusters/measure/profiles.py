"""Cluster profiles (method.md section 7) as data: applicants, organisations, fields, collaboration.

Each profile is a plain dict (the contract of docs/outputs.md); the Markdown and HTML pages are
both rendered from these dicts by :mod:`stclusters.report`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from stclusters.errors import InputError
from stclusters.results import ClusterRow, Collaboration, Profile

__all__ = [
    "build_profiles",
    "name_parts",
    "normalise_applicant",
    "normalise_organisation",
    "read_organisation_aliases",
]

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
_STOP = {"OF", "THE", "AND", "&", "DE", "DER", "DI", "FUR", "FOR"}
# The words that an organisation key takes for one (issue 11; docs/method.md section 7): each
# canonical word with its abbreviations and the full words an abbreviation stands for alike
# (Web of Science writes "Tech Univ Munich" for the Technical University of Munich and
# "Eindhoven Univ Technol" for the Eindhoven University of Technology; "Informat" for
# Information and Informatics; "Environm" for Environment and Environmental).
_ORG_FORMS: dict[str, tuple[str, ...]] = {
    "UNIVERSITY": (
        "UNIV",
        "UNIVERSITAT",
        "UNIVERSITE",
        "UNIVERSIDAD",
        "UNIVERSIDADE",
        "UNIVERSITA",
        "UNIVERSITEIT",
        "UNIVERSITET",
    ),
    "INSTITUTE": ("INST", "INSTITUT", "INSTITUTO"),
    "TECHNOLOGY": ("TECH", "TECHNOL", "TECHNICAL", "TECHNOLOGICAL", "TECHNISCHE"),
    "ACADEMY": ("ACAD",),
    "SCIENCES": ("SCI", "SCIENCE"),
    "COLLEGE": ("COLL",),
    "HOSPITAL": ("HOSP",),
    "MEDICAL": ("MED", "MEDICINE"),
    "NATIONAL": ("NATL",),
    "RESEARCH": ("RES",),
    "CENTER": ("CTR", "CENTRE"),
    "LABORATORY": ("LAB", "LABS", "LABORATORIES"),
    "ENGINEERING": ("ENGN",),
    "AGRICULTURAL": ("AGR", "AGRICULTURE"),
    "POLYTECHNIC": ("POLYTECH", "POLYTECHNIQUE"),
    "PEOPLE'S": ("PEOPLES",),
    "MINISTRY": ("MINIST",),
    "DEPARTMENT": ("DEPT",),
    "SCHOOL": ("SCH",),
    "FACULTY": ("FAC",),
    "INTERNATIONAL": ("INT",),
    "ENVIRONMENTAL": ("ENVIRONM", "ENVIRONMENT"),
    "INFORMATION": ("INFORMAT", "INFORMATICS"),
    "CANCER": ("CANC",),
    "CENTRAL": ("CENT",),
    "PROVINCIAL": ("PROV",),
    "TRADITIONAL": ("TRADIT",),
    "APPLIED": ("APPL",),
    "CHEMISTRY": ("CHEM", "CHEMICAL"),
    "PHYSICS": ("PHYS", "PHYSICAL"),
    "BIOLOGY": ("BIOL", "BIOLOGICAL"),
    "NEUROSCIENCE": ("NEUROSCI", "NEUROSCIENCES"),
    "MATERIALS": ("MAT", "MATERIAL"),
    "MATHEMATICS": ("MATH", "MATHEMATICAL"),
    "FEDERAL": ("FED",),
    "STATE": (),
}
_ORG_FORM = {w: canon for canon, forms in _ORG_FORMS.items() for w in (canon, *forms)}
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

    The key folds case, accents and punctuation, takes every word of :data:`_ORG_FORMS` for
    its canonical word ("Tech", "Technol", "Technical" and "Technology" alike), drops the
    joining words (of, the, and, de...) and sorts each run of such organisation words, so that
    "Eindhoven Tech Univ", "Eindhoven Univ Technol" and "EINDHOVEN UNIVERSITY OF TECHNOLOGY"
    share it. The other words (the organisation's own name) keep their place before or after
    those runs: "Washington Univ" (St Louis) and "Univ Washington" (Seattle) are two bodies,
    as are "Eindhoven Univ" and "Univ Eindhoven" in the synthetic world (two organisations
    planted from two name templates). ``display`` is the name with abbreviations spelled out.

    >>> normalise_organisation("Zhengzhou Univ")
    ('ZHENGZHOU UNIVERSITY', 'ZHENGZHOU UNIVERSITY')
    >>> normalise_organisation("Eindhoven University of Technology")[0]
    'EINDHOVEN TECHNOLOGY UNIVERSITY'
    """
    words = _fold(name).split()
    display = " ".join(" ".join(_ORG_WORDS.get(w, w) for w in words).split())
    return _organisation_key(words), display


def _organisation_key(words: list[str]) -> str:
    """The matching key of the folded ``words`` of an organisation name: canonical words
    (:data:`_ORG_FORM`), joining words dropped, each run of organisation words sorted."""
    out: list[str] = []
    run: list[str] = []
    for word in words:
        canon = _ORG_FORM.get(word, word)
        if canon in _STOP:
            continue
        if canon in _ORG_FORMS:
            run.append(canon)
            continue
        out += [*sorted(run), canon]
        run = []
    return " ".join(out + sorted(run))


def normalise_applicant(name: str) -> tuple[str, str]:
    """(key, display) of an applicant name; legal forms and punctuation do not split variants."""
    display = re.sub(r"\s+", " ", name.upper()).strip(" ,;.")
    words = [w for w in _fold(name).split() if w not in _LEGAL]
    key = " ".join(_ORG_WORDS.get(w, w) for w in words) or _fold(name)
    return key, display


def read_organisation_aliases(path: str | Path) -> dict[str, str]:
    """Read the ``organisation_aliases`` table: a CSV file with columns ``variant`` and
    ``organisation``, one name variant per line and the organisation it stands for.

    Returns
    -------
    dict
        variant -> organisation name, in file order.

    Raises
    ------
    InputError
        Naming the file, the line and the fix: missing file, a header without the two columns,
        an empty cell, or one variant given two organisations.
    """
    from stclusters.geocode.overrides import read_correction_csv

    path = Path(path)
    rows = read_correction_csv(
        path,
        required=("variant", "organisation"),
        what="organisation aliases",
        setting="organisation_aliases",
    )
    out: dict[str, str] = {}
    for line, row in rows:
        variant, name = row.get("variant", ""), row.get("organisation", "")
        if not variant or not name:
            raise InputError(
                f"{path}, line {line}: both 'variant' and 'organisation' must be given"
            )
        if out.get(variant, name) != name:
            raise InputError(
                f"{path}, line {line}: the variant {variant!r} is already given the "
                f"organisation {out[variant]!r}; keep one organisation per variant"
            )
        out[variant] = name
    return out


def _aliased(
    normalise: Callable[[str], tuple[str, str]], aliases: Mapping[str, str]
) -> tuple[Callable[[str], tuple[str, str]], dict[str, str]]:
    """``normalise`` with the aliases applied: a name whose key is that of a variant gets the
    key of the variant's organisation; and the display name (the organisation as the aliases
    table writes it) of every such key."""
    target = {normalise(v)[0]: name for v, name in aliases.items()}
    shown = {normalise(name)[0]: name for name in aliases.values()}

    def matched(name: str) -> tuple[str, str]:
        key, display = normalise(name)
        other = target.get(key)
        return normalise(other) if other is not None else (key, display)

    return matched, shown


def _spellings(
    con: duckdb.DuckDBPyConnection,
    names: duckdb.DuckDBPyRelation,
    normalise: Callable[[str], tuple[str, str]],
    table: str,
    *,
    aliases: Mapping[str, str] | None = None,
) -> None:
    """Create table ``table`` (name, key, display, kid) from a relation of (name, n) rows.

    Variants of one organisation share a ``key`` (:func:`normalise_organisation`,
    :func:`normalise_applicant`); the ``display`` of a key is its most frequent original
    spelling (``n`` summed over the variants written alike but for runs of white space), ties
    going to the spelling that sorts first, so that a person reads "Chinese Academy of
    Sciences" as the sources write it, never the matching key "CHINESE ACADEMY SCIENCES".
    ``aliases`` (variant -> organisation, the ``organisation_aliases`` setting) join the
    variants to their organisation's key, shown as the aliases table writes it. ``kid`` is an
    integer per key (its rank among the keys), for integer joins and groups.
    """
    forced: dict[str, str] = {}
    if aliases:
        normalise, forced = _aliased(normalise, aliases)
    counts: dict[str, int] = {}
    for name, n in names.fetchall():
        if name and name.strip():
            counts[name] = counts.get(name, 0) + int(n)
    raw = sorted(counts)
    keys = [normalise(n)[0] for n in raw]
    shown = [
        forced.get(k) or re.sub(r"\s+", " ", n).strip() for k, n in zip(keys, raw, strict=True)
    ]
    con.register(
        f"{table}_in",
        pa.table(
            {
                "name": pa.array(raw, pa.string()),
                "key": pa.array(keys, pa.string()),
                "spelling": pa.array(shown, pa.string()),
                "n": pa.array([counts[n] for n in raw], pa.int64()),
            }
        ),
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        WITH s AS (SELECT key, spelling, sum(n) AS n FROM {table}_in GROUP BY ALL),
        best AS (
            SELECT key, spelling AS display FROM (
                SELECT *, row_number() OVER (PARTITION BY key ORDER BY n DESC, spelling) AS k
                FROM s
            ) WHERE k = 1
        )
        SELECT i.name, i.key, b.display, dense_rank() OVER (ORDER BY i.key) AS kid
        FROM {table}_in i JOIN best b USING (key)
        """
    )
    con.unregister(f"{table}_in")


def _top_named(
    con: duckdb.DuckDBPyConnection, sql: str, names: str, limit: int
) -> dict[int, list[dict[str, Any]]]:
    """Run a query giving (c, kid, credit); keep the top ``limit`` keys per cluster.

    ``kid`` is the integer of a key in table ``names`` (:func:`_spellings`), where every
    variant of a key carries the same display; ties of credit go to the display that sorts
    first.
    """
    out: dict[int, list[dict[str, Any]]] = {}
    rows = con.execute(
        f"""
        WITH q AS ({sql}),
        keys AS (SELECT DISTINCT kid, key, display FROM {names}),
        sums AS (
            SELECT q.c, k.key, k.display, q.credit
            FROM (SELECT c, kid, kahan_sum(credit) AS credit FROM q GROUP BY c, kid) q
            JOIN keys k USING (kid)
        ),
        ranked AS (
            SELECT c, display, credit,
                row_number() OVER (PARTITION BY c ORDER BY credit DESC, display, key) AS k
            FROM sums
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
    # an integer per (field, sector): the documents' fields are told apart by integers
    pairs = sorted(set(mapping.values()))
    fid = {pair: k for k, pair in enumerate(pairs)}
    _register(
        con,
        "field_map",
        pa.table(
            {
                "scheme": pa.array([k[0] for k, _ in items], pa.string()),
                "code": pa.array([k[1] for k, _ in items], pa.string()),
                "fid": pa.array([fid[v] for _, v in items], pa.int64()),
            }
        ),
    )
    _register(
        con,
        "field_names",
        pa.table(
            {
                "fid": pa.array(range(len(pairs)), pa.int64()),
                "field": pa.array([v[0] for v in pairs], pa.string()),
                "sector": pa.array([v[1] for v in pairs], pa.string()),
            }
        ),
    )
    scheme_list = ", ".join(f"'{s}'" for s in schemes)
    rows = con.execute(
        f"""
        WITH doc_fields AS (
            SELECT DISTINCT t.d, m.fid
            FROM classes c JOIN field_map m ON m.scheme = c.scheme AND m.code = c.code
            JOIN top_docs t ON t.doc_id = c.doc_id
            WHERE c.scheme IN ({scheme_list})
        ), n AS (SELECT d, count(*) AS n_fields FROM doc_fields GROUP BY d),
        credit AS (
            SELECT dc.c, f.fid, dc.s / n.n_fields AS credit
            FROM doc_cluster dc JOIN doc_fields f USING (d) JOIN n USING (d)
            WHERE dc.layer = '{layer}'
        ), credit_named AS (
            SELECT c.c, m.field, m.sector, c.credit FROM credit c JOIN field_names m USING (fid)
        ), sums AS (
            SELECT c, field, any_value(sector) AS sector, kahan_sum(credit) AS credit
            FROM credit_named GROUP BY c, field
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


def _register(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    con.register(f"{name}_in", table)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_in")
    con.unregister(f"{name}_in")


def name_parts(name: str) -> list[str]:
    """The places a cluster's name is made of: "Detroit–Warren" -> ["Detroit–Warren",
    "Detroit", "Warren"] (parts are joined by an en dash, :data:`stclusters.measure.naming.
    EN_DASH`; a hyphen belongs to a place's own name, as in "Winston-Salem")."""
    from stclusters.measure.naming import EN_DASH

    parts = [p.strip() for p in name.split(EN_DASH) if p.strip()]
    return [name, *(p for p in parts if p != name)]


def _inside_labels(
    con: duckdb.DuckDBPyConnection,
    clusters: list[ClusterRow],
    *,
    coords: Mapping[str, tuple[float, float]],
    inside_km: float,
) -> None:
    """Create table ``inside`` (c, label): the location labels that read as a part of c.

    A label is a part of c when it is one of c's name parts (:func:`name_parts`), or when the
    place it names lies within ``inside_km`` of one of c's member points (a city inside the
    cluster). Only labels met on rows of c's documents (table ``doc_places``, made by
    :func:`_collaboration`) are tested.
    """
    _register(
        con,
        "name_parts",
        pa.table(
            {
                "c": pa.array([r.cluster_id for r in clusters for _ in name_parts(r.name)]),
                "label": pa.array([p for r in clusters for p in name_parts(r.name)], pa.string()),
            }
        ),
    )
    labels = sorted(coords)
    _register(
        con,
        "label_coords",
        pa.table(
            {
                "label": pa.array(labels, pa.string()),
                "lat": pa.array([coords[k][0] for k in labels], pa.float64()),
                "lon": pa.array([coords[k][1] for k in labels], pa.float64()),
            }
        ),
    )
    # degrees of latitude per km, and a bounding box test before the great-circle distance
    deg = inside_km / 111.0
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE inside AS
        WITH members AS (
            SELECT DISTINCT cluster AS c, lat, lon FROM rows
            WHERE current AND cluster IN (SELECT c FROM top_ids)
        ), box AS (
            SELECT c, min(lat) - {deg} AS lat0, max(lat) + {deg} AS lat1,
                min(lon) - {deg} / greatest(cos(radians(max(abs(lat)))), 0.01) AS lon0,
                max(lon) + {deg} / greatest(cos(radians(max(abs(lat)))), 0.01) AS lon1
            FROM members GROUP BY c
        ), met AS (
            SELECT DISTINCT dc.c, p.loc_label AS label
            FROM doc_cluster dc JOIN doc_places p USING (d)
            WHERE p.loc_label IS NOT NULL
        ), near AS (
            SELECT m.c, m.label, l.lat, l.lon
            FROM met m JOIN label_coords l USING (label) JOIN box b USING (c)
            WHERE l.lat BETWEEN b.lat0 AND b.lat1 AND l.lon BETWEEN b.lon0 AND b.lon1
        )
        SELECT DISTINCT n.c, n.label FROM near n JOIN members p USING (c)
        WHERE 2 * {_EARTH_KM} * asin(least(1.0, sqrt(
            pow(sin(radians(p.lat - n.lat) / 2), 2)
            + cos(radians(n.lat)) * cos(radians(p.lat)) * pow(sin(radians(p.lon - n.lon) / 2), 2)
        ))) <= {inside_km}
        UNION SELECT c, label FROM name_parts
        """
    )


#: The ``source`` of the documents of a synthetic world (written by :mod:`stclusters.synth`).
SYNTHETIC_SOURCE = "synth"

#: The Earth's mean radius in km (the sphere of method.md section 3).
_EARTH_KM = 6371.0088


def _collaboration(
    con: duckdb.DuckDBPyConnection,
    clusters: list[ClusterRow],
    *,
    limit: int,
    coords: Mapping[str, tuple[float, float]],
    cluster_ids_by_label: Mapping[str, int],
    inside_km: float,
) -> dict[tuple[int, str], Collaboration]:
    """Collaboration of each cluster and layer (method.md section 7).

    A row of one of c's documents is *outside* c when it is a member of another cluster, or
    located finely outside every cluster (noise) at a place that does not read as a part of c
    (:func:`_inside_labels`), or located no better than its economy (or not at all) in an
    economy that is none of c's. It is *international* when it is outside c and its
    economy is none of c's: "outside the cluster's economies" means outside every economy of
    the cluster, so the international share never exceeds the outside share. An article is
    *with other organisations* when its addresses name two or more organisations (by matching
    key, :func:`normalise_organisation`), the GII's "published in collaboration with other
    organizations". Top locations are the labels of outside rows, never a label that reads
    as a part of c (not even another cluster's name, as Cambridge, UK for Boston–Cambridge).
    """
    _register(
        con,
        "cluster_econ",
        pa.table(
            {
                "c": pa.array([r.cluster_id for r in clusters for _ in r.economies], pa.int64()),
                "country": pa.array([e for r in clusters for e in r.economies], pa.string()),
            }
        ),
    )
    # each document's distinct (cluster, label, economy) of its rows: rows alike in these are
    # outside c alike, and read alike by the test of the labels inside c
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE doc_places AS
        SELECT DISTINCT d, cluster, loc_label, country FROM top_rows
        """
    )
    _inside_labels(con, clusters, coords=coords, inside_km=inside_km)
    base = {
        (int(c), layer): {"documents": int(n)}
        for c, layer, n in con.execute(
            "SELECT c, layer, count(*) FROM doc_cluster GROUP BY ALL"
        ).fetchall()
    }
    # the tests of c's economies and inside labels are joins, not correlated subqueries
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE outside AS
        WITH econ AS (SELECT DISTINCT c, country FROM cluster_econ),
        r AS (
            SELECT dc.c, dc.layer, dc.d, p.cluster, p.loc_label,
                p.country IS NOT NULL AND e.c IS NULL AS abroad, i.c IS NOT NULL AS own
            FROM doc_cluster dc JOIN doc_places p USING (d)
            LEFT JOIN econ e ON e.c = dc.c AND e.country = p.country
            LEFT JOIN inside i ON i.c = dc.c AND i.label = p.loc_label
        )
        SELECT c, layer, d, loc_label, abroad, own FROM r
        WHERE CASE WHEN cluster IS NULL THEN abroad
                   WHEN cluster >= 0 THEN cluster <> c
                   ELSE NOT own END
        """
    )
    for c, layer, n, n_abroad in con.execute(
        """
        WITH docs AS (SELECT c, layer, d, bool_or(abroad) AS abroad FROM outside GROUP BY ALL)
        SELECT c, layer, count(*), count(*) FILTER (WHERE abroad) FROM docs GROUP BY ALL
        """
    ).fetchall():
        base[(int(c), layer)]["outside"] = int(n)
        base[(int(c), layer)]["international"] = int(n_abroad)
    for c, n in con.execute(
        """
        WITH doc_keys AS (SELECT DISTINCT d, kid FROM org_rows),
        doc_orgs AS (SELECT d, count(*) AS k FROM doc_keys GROUP BY d)
        SELECT dc.c, count(*) FROM doc_cluster dc JOIN doc_orgs o USING (d)
        WHERE dc.layer = 'article' AND o.k >= 2 GROUP BY dc.c
        """
    ).fetchall():
        base[(int(c), "article")]["organisations"] = int(n)
    tops: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for c, layer, label, n in con.execute(
        f"""
        WITH t AS (
            SELECT c, layer, loc_label, count(*) AS n FROM (
                SELECT DISTINCT c, layer, loc_label, d FROM outside
                WHERE loc_label IS NOT NULL AND NOT own
            ) GROUP BY ALL
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

        def share(what: str, acc: dict[str, int] = acc, docs: int = docs) -> float:
            return round(acc.get(what, 0) / docs, 6) if docs else 0.0

        out[key] = {
            "documents": docs,
            "share": share("outside"),
            "international_share": share("international"),
            "organisations_share": share("organisations") if key[1] == "article" else None,
            "top_locations": tops.get(key, []),
        }
    return out


#: The columns of table ``rows`` that the profile queries read (:func:`profile_tables`).
PROFILE_COLUMNS = ("layer", "cluster", "loc_label", "country", "organisation", "share")


def profile_tables(
    con: duckdb.DuckDBPyConnection,
    cluster_ids: list[int],
    *,
    columns: tuple[str, ...] = PROFILE_COLUMNS,
) -> None:
    """Create the tables the profile queries read, in two passes over table ``rows``.

    Every profile figure (and every link, :func:`stclusters.measure.links.cluster_links`) is
    counted from the current rows of the documents with a row in one of the clusters
    ``cluster_ids``; at world scale those are tens of millions of the ``rows`` table's hundred
    million, and joining ``rows`` on the ``doc_id`` string once per query made the profile
    stage the slowest of the run (issue 12). The two passes create:

    ``top_ids`` (c)
        The clusters ``cluster_ids``.
    ``top_docs`` (doc_id, d)
        Those documents: ``d`` the document's integer key (``doc_key`` of table ``docs``,
        :func:`stclusters.measure.counting.filter_documents`; a join key here, never an order),
        so that the second pass joins on integers.
    ``top_rows`` (d, layer, cluster, share, and ``columns`` of ``rows``)
        Every current row of those documents (in any cluster or none), with only the columns
        ``columns`` (by default the ones the profiles read, :data:`PROFILE_COLUMNS`).
    ``doc_cluster`` (c, d, layer, s)
        One row per document of each cluster: ``s`` the sum of the shares of its rows in the
        cluster.
    """
    _register(con, "top_ids", pa.table({"c": pa.array(cluster_ids, pa.int64())}))
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE top_docs AS
        SELECT DISTINCT doc_id, doc_key AS d FROM rows
        WHERE current AND cluster IN (SELECT c FROM top_ids)
        """
    )
    kept = dict.fromkeys(("layer", "cluster", "share", *columns))
    picked = ", ".join(f"r.{c}" for c in kept)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE top_rows AS
        SELECT t.d, {picked}
        FROM rows r JOIN top_docs t ON t.d = r.doc_key
        WHERE r.current
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE doc_cluster AS
        SELECT cluster AS c, d, any_value(layer) AS layer, kahan_sum(share) AS s
        FROM top_rows WHERE cluster IN (SELECT c FROM top_ids)
        GROUP BY cluster, d
        """
    )


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
    inside_km: float | None = None,
    windows: Mapping[str, tuple[int, int]] | None = None,
    organisation_aliases: Mapping[str, str] | None = None,
) -> list[Profile]:
    """One profile per cluster (in the order given), from tables ``rows``, ``applicants``,
    ``classes`` and ``documents`` of ``con``; ``rows`` must carry ``cluster`` and ``loc_label``
    columns.

    ``tech_fields`` and ``science_fields`` map (scheme, code) to (field, sector);
    ``sensitivity`` gives the rank range of each cluster when the sensitivity reruns were made;
    ``inside_km`` is the distance (km) from a member point within which a place counts as inside
    a cluster, never a collaborating location (default: the ``footprint_km`` setting's default);
    ``windows`` gives the first and last year of each layer's time window ("patent",
    "article"), named in the profiles' sentences. Each profile says how many clusters are
    published (``published``, at most ``top_n``) and whether any document of the run is
    synthetic (``synthetic``: its ``source`` is :data:`SYNTHETIC_SOURCE`).
    ``organisation_aliases`` (variant -> organisation; :func:`read_organisation_aliases`)
    joins name variants of applicants and organisations to one organisation.

    The tables ``top_ids``, ``doc_cluster`` and ``top_rows`` of :func:`profile_tables` are left
    in ``con`` for :func:`stclusters.measure.links.cluster_links` (``profiled=True``), which
    drops them.
    """
    if inside_km is None:
        from stclusters.config import Config

        inside_km = Config().footprint_km
    profile_tables(con, [r.cluster_id for r in clusters])
    _spellings(
        con,
        con.sql("SELECT name, count(*) FROM applicants GROUP BY name"),
        normalise_applicant,
        "applicant_names",
        aliases=organisation_aliases,
    )
    applicants = _top_named(
        con,
        """
        SELECT dc.c, n.kid, dc.s AS credit
        FROM doc_cluster dc
        JOIN (
            SELECT DISTINCT t.d, a.name FROM applicants a JOIN top_docs t USING (doc_id)
        ) a USING (d)
        JOIN applicant_names n USING (name)
        WHERE dc.layer = 'patent'
        """,
        "applicant_names",
        top,
    )
    _spellings(
        con,
        con.sql(
            "SELECT organisation, count(*) FROM top_rows WHERE layer = 'article' "
            "GROUP BY organisation"
        ),
        normalise_organisation,
        "org_names",
        aliases=organisation_aliases,
    )
    # the article rows of the top clusters' documents with their organisation's key: one
    # join on the name string, read by the top organisations and by the collaboration
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE org_rows AS
        SELECT r.d, r.cluster, n.kid, r.share
        FROM top_rows r JOIN org_names n ON n.name = r.organisation
        WHERE r.layer = 'article'
        """
    )
    organisations = _top_named(
        con,
        """
        SELECT cluster AS c, kid, share AS credit FROM org_rows
        WHERE cluster IN (SELECT c FROM top_ids)
        """,
        "org_names",
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
        con,
        clusters,
        limit=top,
        coords=location_coords,
        cluster_ids_by_label=label_ids,
        inside_km=inside_km,
    )
    # the tables of the profile queries, but those the links read (:func:`profile_tables`)
    for table in ("top_docs", "org_rows", "doc_places", "outside"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    sensitivity = sensitivity or {}
    synthetic = bool(
        con.execute(
            "SELECT count(*) > 0 FROM (SELECT 1 FROM documents WHERE source = ? LIMIT 1)",
            [SYNTHETIC_SOURCE],
        ).fetchall()[0][0]
    )
    spans = {layer: [int(y) for y in span] for layer, span in (windows or {}).items()}

    def empty() -> Collaboration:
        return {
            "documents": 0,
            "share": 0.0,
            "international_share": 0.0,
            "organisations_share": None,
            "top_locations": [],
        }

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
            "published": len(clusters),
            "windows": spans,
            "synthetic": synthetic,
        }
        profiles.append(profile)
    return profiles
