"""Profiles' collaboration and names (issue 11 items 5 and 6) on hand-made ``rows`` tables."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stclusters.measure.profiles import build_profiles, name_parts
from stclusters.results import ClusterRow, Profile

ROW_COLUMNS = {
    "doc_id": pa.string(),
    "layer": pa.string(),
    "current": pa.bool_(),
    "cluster": pa.int64(),
    "loc_label": pa.string(),
    "country": pa.string(),
    "organisation": pa.string(),
    "share": pa.float64(),
    "lat": pa.float64(),
    "lon": pa.float64(),
}


def _profiles(
    rows: list[dict[str, Any]],
    clusters: list[ClusterRow],
    *,
    coords: dict[str, tuple[float, float]] | None = None,
    applicants: list[dict[str, Any]] | None = None,
) -> list[Profile]:
    con = duckdb.connect()
    full = [{k: r.get(k) for k in ROW_COLUMNS} | {"current": True} for r in rows]
    for r in full:
        r["share"] = r["share"] if r["share"] is not None else 1.0
        if r["lat"] is None and r["cluster"] is not None:
            r["lat"], r["lon"] = 0.0, 0.0
    con.register("rows_in", pa.Table.from_pylist(full, schema=pa.schema(ROW_COLUMNS)))
    # doc_key: the documents numbered in (layer, doc_id) order, as counting.filter_documents does
    con.execute(
        "CREATE TABLE rows AS SELECT *, dense_rank() OVER (ORDER BY layer, doc_id) AS doc_key "
        "FROM rows_in"
    )
    schema = pa.schema({"doc_id": pa.string(), "name": pa.string()})
    con.register("app_in", pa.Table.from_pylist(applicants or [], schema=schema))
    con.execute("CREATE TABLE applicants AS SELECT * FROM app_in")
    con.execute("CREATE TABLE classes (doc_id VARCHAR, scheme VARCHAR, code VARCHAR)")
    con.execute("CREATE TABLE documents AS SELECT DISTINCT doc_id, 'wos' AS source FROM rows")
    return build_profiles(
        con,
        clusters,
        edition=2024,
        top=5,
        top_fields=5,
        tech_fields={},
        science_fields={},
        economy_names={"CN": "China", "HK": "Hong Kong", "US": "United States"},
        location_coords=coords or {},
        top_n=100,
        inside_km=5.0,
    )


def _cluster(cid: int, name: str, economies: tuple[str, ...], n: float = 10.0) -> ClusterRow:
    return ClusterRow(cluster_id=cid, patents=n, articles=n, economies=economies, name=name)


def _doc(doc: str, cluster: int, *others: dict[str, Any], layer: str = "article") -> list[dict]:  # type: ignore[type-arg]
    own = {"doc_id": doc, "layer": layer, "cluster": cluster, "loc_label": "X", "country": "US"}
    return [own, *({"doc_id": doc, "layer": layer} | o for o in others)]


def _names(profile: Profile, layer: str = "article") -> list[str]:
    return [loc["name"] for loc in profile[f"{layer}_collaboration"]["top_locations"]]  # type: ignore[literal-required]


def test_name_parts() -> None:
    assert name_parts("Detroit–Warren") == ["Detroit–Warren", "Detroit", "Warren"]
    assert name_parts("Winston-Salem") == ["Winston-Salem"]


def test_a_cluster_never_collaborates_with_itself_or_its_parts() -> None:
    """Bern listed itself, Detroit–Warren's top collaborator was "Warren" (noise rows there);
    a place within the footprint distance of a member point (Dearborn) is inside too. Another
    cluster named like a part of the name (Cambridge, UK for Boston–Cambridge) is outside the
    cluster but not named as a collaborating location (a reader could not tell them apart)."""
    coords = {"Dearborn": (42.32, -83.18), "Lansing": (42.73, -84.55), "Bern": (46.95, 7.45)}
    member = {"lat": 42.33, "lon": -83.20}
    rows = [
        *_doc("d1", 0, {"cluster": -1, "loc_label": "Warren", "country": "US"}),
        *_doc("d2", 0, {"cluster": -1, "loc_label": "Dearborn", "country": "US"}),
        *_doc("d3", 0, {"cluster": -1, "loc_label": "Lansing", "country": "US", "lat": 42.73}),
        *_doc("d4", 0, {"cluster": 2, "loc_label": "Detroit–Warren", "country": "US"}),
        *_doc("b1", 1, {"cluster": -1, "loc_label": "Bern", "country": "CH"}),
        *_doc("b2", 1, {"cluster": 3, "loc_label": "Warren", "country": "US"}),
        *_doc("c1", 4, {"cluster": 3, "loc_label": "Cambridge", "country": "GB"}),
    ]
    for r in rows:
        if r["cluster"] == 0:
            r |= member
    clusters = [
        _cluster(0, "Detroit–Warren", ("US",)),
        _cluster(1, "Bern", ("CH",)),
        _cluster(2, "Detroit–Warren", ("US",)),
        _cluster(3, "Cambridge", ("GB",)),
        _cluster(4, "Boston–Cambridge", ("US",)),
    ]
    detroit, bern, _, _, boston = _profiles(rows, clusters, coords=coords)
    assert _names(detroit) == ["Lansing"]  # not Warren, Dearborn, nor a namesake cluster
    # outside: d3 (Lansing) and d4 (another cluster, even if named alike); not d1 nor d2
    assert detroit["article_collaboration"]["share"] == pytest.approx(2 / 4)
    assert _names(bern) == ["Warren"]  # another cluster's label that is no part of Bern
    assert _names(boston) == []
    assert boston["article_collaboration"]["international_share"] == 1.0


def test_hong_kong_is_not_abroad_for_a_china_hong_kong_cluster() -> None:
    """Shenzhen–Guangzhou (CN;HK): 61% outside the cluster, 69% outside China; the HK part
    (members, and HK rows located no better than the economy) is not abroad."""
    rows = [
        *_doc("a1", 0, {"cluster": 0, "country": "HK", "loc_label": "S"}),
        *_doc("a2", 0, {"cluster": None, "country": "HK", "loc_label": "Hong Kong"}),
        *_doc("a3", 0, {"cluster": None, "country": "US", "loc_label": "United States"}),
        *_doc("a4", 0, {"cluster": -1, "country": "CN", "loc_label": "Wuhan"}),
        *_doc("a5", 0, {"cluster": None, "country": "CN", "loc_label": None}),
    ]
    for r in rows:
        if r["cluster"] == 0:
            r["country"] = r["country"] if r["country"] == "HK" else "CN"
    (p,) = _profiles(rows, [_cluster(0, "Shenzhen–Guangzhou", ("CN", "HK"))])
    collab = p["article_collaboration"]
    assert collab["share"] == pytest.approx(2 / 5)  # a3 (abroad) and a4 (Wuhan)
    assert collab["international_share"] == pytest.approx(1 / 5)  # a3 only
    assert _names(p) == ["United States", "Wuhan"]


def test_articles_with_other_organisations() -> None:
    """The GII's share: articles whose addresses name two or more organisations (variants of
    one organisation's name count once)."""
    rows = [
        *_doc("o1", 0, {"cluster": 0, "organisation": "Henan Univ"}),
        *_doc("o2", 0, {"cluster": 0, "organisation": "Zhengzhou University"}),
        *_doc("o3", 0),
    ]
    for r in rows:
        if r["cluster"] == 0 and not r.get("organisation"):
            r["organisation"] = "Zhengzhou Univ"
    (p,) = _profiles(rows, [_cluster(0, "Zhengzhou", ("US",))])
    assert p["article_collaboration"]["organisations_share"] == pytest.approx(1 / 3)
    assert p["patent_collaboration"]["organisations_share"] is None
    assert p["synthetic"] is False and p["published"] == 1 and p["windows"] == {}
    orgs = {o["name"]: o["count"] for o in p["top_organisations"]}
    # the original spellings, the most frequent of a key's variants shown: 3 "Zhengzhou Univ"
    # rows (o1, o2 via its first row, o3) against 1 "Zhengzhou University"
    assert list(orgs) == ["Zhengzhou Univ", "Henan Univ"]


def test_most_frequent_spelling_ties_go_to_the_first_in_order() -> None:
    rows = _doc("p1", 0, layer="patent") + _doc("p2", 0, layer="patent")
    apps = [
        {"doc_id": "p1", "name": "Acme Corp."},
        {"doc_id": "p2", "name": "ACME CORPORATION"},
    ]
    (p,) = _profiles(rows, [_cluster(0, "Z", ("US",))], applicants=apps)
    assert [a["name"] for a in p["top_applicants"]] == ["ACME CORPORATION"]
    apps.append({"doc_id": "p2", "name": "Acme  Corp."})  # a second "Acme Corp." (spaces)
    (p,) = _profiles(rows, [_cluster(0, "Z", ("US",))], applicants=apps)
    assert [a["name"] for a in p["top_applicants"]] == ["Acme Corp."]


_ROW = st.fixed_dictionaries(
    {
        "cluster": st.sampled_from([0, 1, -1, None]),
        "country": st.sampled_from(["CN", "HK", "US", None]),
        "loc_label": st.sampled_from(["Shenzhen", "Hong Kong", "Boston", "Wuhan", None]),
        "layer": st.sampled_from(["article", "patent"]),
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0, 1]), st.lists(_ROW, max_size=4)), max_size=12))
def test_international_share_never_exceeds_outside_share(
    docs: list[tuple[int, list[dict[str, Any]]]],
) -> None:
    rows: list[dict[str, Any]] = []
    for i, (c, others) in enumerate(docs):
        layer = others[0]["layer"] if others else "article"
        own = {"cluster": c, "country": "CN" if c == 0 else "US"}
        rows += [{"doc_id": f"d{i}", **r, "layer": layer} for r in (own, *others)]
    for r in rows:  # members are labelled with their cluster's name
        if r["cluster"] is not None and r["cluster"] >= 0:
            r["loc_label"] = ["Shenzhen–Hong Kong", "Boston"][r["cluster"]]
    clusters = [_cluster(0, "Shenzhen–Hong Kong", ("CN", "HK")), _cluster(1, "Boston", ("US",))]
    for p in _profiles(rows, clusters):
        parts = set(name_parts(str(p["name"])))
        for layer in ("patent", "article"):
            collab = p[f"{layer}_collaboration"]  # type: ignore[literal-required]
            assert 0 <= collab["international_share"] <= collab["share"] <= 1
            assert not parts & {loc["name"] for loc in collab["top_locations"]}
