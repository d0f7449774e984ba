"""Invariants of a small synthetic world built in memory."""

from __future__ import annotations

import re

import numpy as np
import pyarrow.compute as pc
import pytest

from stclusters._sphere import haversine_km
from stclusters.config import Config
from stclusters.places import load_places
from stclusters.records import validate
from stclusters.synth import World, load_calibration
from stclusters.synth.vocab import SSH_CATEGORIES, WOS_COUNTRY

from .conftest import SMALL_SCALE, connect


def test_records_are_valid(small_world: World) -> None:
    counts = validate(small_world.records)
    assert counts["documents"] > 50_000
    assert counts["people"] == small_world.truth_people.num_rows


def test_every_row_points_to_a_document(small_world: World) -> None:
    con = connect(small_world.records)
    for table in ("people", "classes", "applicants"):
        orphans = con.execute(
            f"SELECT count(*) FROM {table} t WHERE t.doc_id NOT IN (SELECT doc_id FROM documents)"
        ).fetchone()
        assert orphans == (0,), table


def test_every_document_has_people_and_classes(small_world: World) -> None:
    con = connect(small_world.records)
    for table in ("people", "classes"):
        missing = con.execute(
            f"SELECT count(*) FROM documents WHERE doc_id NOT IN (SELECT doc_id FROM {table})"
        ).fetchone()
        assert missing == (0,), table
    no_applicant = con.execute(
        "SELECT count(*) FROM documents WHERE layer = 'patent' "
        "AND doc_id NOT IN (SELECT doc_id FROM applicants)"
    ).fetchone()
    assert no_applicant == (0,)
    per_patent = con.execute(
        "SELECT min(n), max(n) FROM (SELECT count(*) AS n FROM applicants GROUP BY doc_id)"
    ).fetchone()
    assert per_patent == (1, 2)


def test_years_are_in_the_windows_or_the_year_before(small_world: World) -> None:
    cfg = Config()
    con = connect(small_world.records)
    for layer in ("patent", "article"):
        first, last = cfg.years(layer)
        lo, hi, before = con.execute(
            "SELECT min(year), max(year), count(*) FILTER (WHERE year = ?) "
            "FROM documents WHERE layer = ?",
            [first - 1, layer],
        ).fetchone()  # type: ignore[misc]
        assert (lo, hi) == (first - 1, last)
        assert before > 0
    # previous year holds about one year's volume (a few % below the window's average)
    n_window, n_before = con.execute(
        "SELECT count(*) FILTER (WHERE year BETWEEN 2019 AND 2023), "
        "count(*) FILTER (WHERE year = 2018) FROM documents WHERE layer = 'patent'"
    ).fetchone()  # type: ignore[misc]
    assert 0.85 < n_before / (n_window / 5) < 1.0


def test_every_filter_has_something_to_filter(small_world: World) -> None:
    con = connect(small_world.records)
    types = dict(
        con.execute(
            "SELECT doc_type, count(*) FROM documents WHERE layer = 'article' GROUP BY 1"
        ).fetchall()
    )
    n_articles = sum(types.values())
    assert set(types) == {"Article", "Review", "Proceedings Paper", "Editorial Material", "Letter"}
    assert 0.02 < 1 - types["Article"] / n_articles < 0.06
    ssh_only = con.execute(
        "SELECT count(*) FROM documents d WHERE layer = 'article' AND NOT EXISTS "
        "(SELECT 1 FROM classes c WHERE c.doc_id = d.doc_id AND c.code NOT IN "
        f"({', '.join(repr(c) for c in SSH_CATEGORIES)}))"
    ).fetchone()[0]  # type: ignore[index]
    assert 0.01 < ssh_only / n_articles < 0.04
    unlinked = con.execute(
        "SELECT count(DISTINCT doc_id) FROM people WHERE person_seq IS NULL"
    ).fetchone()[0]  # type: ignore[index]
    assert 0.01 < unlinked / n_articles < 0.03
    named = con.execute(
        "SELECT count(*) FILTER (WHERE person_seq IS NULL AND name IS NOT NULL), "
        "count(*) FILTER (WHERE person_seq IS NOT NULL AND name IS NULL) FROM people"
    ).fetchone()
    assert named == (0, 0)  # addresses not linked to authors carry no name


def test_coordinates_are_valid_and_near_the_truth_place(small_world: World) -> None:
    people = small_world.records.people
    lat = people["lat"].to_numpy()
    lon = people["lon"].to_numpy()
    assert np.isfinite(lat).all() and np.isfinite(lon).all()
    assert (np.abs(lat) <= 90).all() and (np.abs(lon) <= 180).all()
    assert pc.all(pc.equal(people["precision"], "street")).as_py()
    places = load_places()
    idx = np.searchsorted(places.geonameid, small_world.truth_people["geonameid"].to_numpy())
    assert (places.geonameid[idx] == small_world.truth_people["geonameid"].to_numpy()).all()
    assert (places.country[idx] == np.asarray(people["country"].to_pylist(), dtype=object)).all()
    assert (places.name[idx] == np.asarray(people["city"].to_pylist(), dtype=object)).all()
    dist = haversine_km(lat, lon, places.lat[idx], places.lon[idx])
    assert np.median(dist) < 3.0
    assert np.quantile(dist, 0.999) < 30.0


def test_economy_totals_follow_the_calibration(small_world: World) -> None:
    con = connect(small_world.records)
    first = con.execute(
        """
        SELECT k.layer, p.country, count(*) FROM people p JOIN kept k USING (doc_id)
        WHERE coalesce(p.person_seq, 0) = 0 AND coalesce(p.address_seq, 0) = 0
        GROUP BY ALL
        """
    ).fetchall()
    got = {(layer, c): n for layer, c, n in first}
    for eco in load_calibration().economies:
        for layer in ("patent", "article"):
            expected = round(eco.output(layer) * SMALL_SCALE)
            assert got.get((layer, eco.iso2), 0) == expected, (layer, eco.iso2)
    # exactly one first-listed person per kept document
    n_kept = con.execute("SELECT count(*) FROM kept").fetchone()[0]  # type: ignore[index]
    assert sum(got.values()) == n_kept


def test_hub_fractional_outputs_match_the_planted_figures(small_world: World) -> None:
    con = connect(small_world.records, small_world.truth_people)
    shares_per_doc = con.execute(
        "SELECT min(s), max(s) FROM (SELECT sum(share) AS s FROM shares GROUP BY doc_id)"
    ).fetchone()
    assert shares_per_doc == pytest.approx((1.0, 1.0))
    realised = {
        (hub, layer): s
        for hub, layer, s in con.execute(
            "SELECT hub, layer, sum(share) FROM shares WHERE hub IS NOT NULL GROUP BY ALL"
        ).fetchall()
    }
    truth = {row["hub"]: row for row in small_world.truth_hubs}
    checked = 0
    for hub in load_calibration().hubs:
        for layer, key in (("patent", "patents"), ("article", "articles")):
            planted = hub.output(layer) * SMALL_SCALE
            got = realised.get((hub.name, layer), 0.0)
            assert truth[hub.name][f"planted_{key}"] == pytest.approx(planted, abs=1e-3)
            assert truth[hub.name][f"realised_{key}"] == pytest.approx(got, abs=1e-2)
            if planted >= 20:  # smaller figures are a few people at this scale
                assert got == pytest.approx(planted, rel=0.05), (hub.name, layer)
                checked += 1
    assert checked > 60


def test_team_sizes_and_collaboration_are_realistic(small_world: World) -> None:
    con = connect(small_world.records)
    inventors, authors = con.execute(
        """
        SELECT avg(n) FILTER (WHERE layer = 'patent'), avg(n) FILTER (WHERE layer = 'article')
        FROM (SELECT d.layer, count(DISTINCT coalesce(person_seq, address_seq + 1000)) AS n
              FROM people JOIN documents d USING (doc_id) GROUP BY d.doc_id, d.layer)
        """
    ).fetchone()  # type: ignore[misc]
    assert 3.0 < inventors < 3.6
    assert 4.5 < authors < 6.0
    foreign = dict(
        con.execute(
            """
            WITH f AS (SELECT doc_id, country FROM people
                       WHERE coalesce(person_seq, 0) = 0 AND coalesce(address_seq, 0) = 0)
            SELECT d.layer, avg(CASE WHEN EXISTS (SELECT 1 FROM people p WHERE
                   p.doc_id = d.doc_id AND p.country <> f.country) THEN 1 ELSE 0 END)
            FROM documents d JOIN f USING (doc_id) GROUP BY d.layer
            """
        ).fetchall()
    )
    assert 0.07 < foreign["patent"] < 0.14
    assert 0.17 < foreign["article"] < 0.30
    two_affiliations = con.execute(
        "SELECT avg(CASE WHEN n = 2 THEN 1 ELSE 0 END) FROM (SELECT count(*) AS n FROM people "
        "WHERE person_seq IS NOT NULL AND role = 'author' GROUP BY doc_id, person_seq)"
    ).fetchone()[0]  # type: ignore[index]
    assert 0.12 < two_affiliations < 0.18


def test_addresses_look_like_the_sources(small_world: World) -> None:
    con = connect(small_world.records)
    rows = con.execute(
        "SELECT role, country, organisation, address, city, region, postcode FROM people"
    ).fetchall()
    us = re.compile(r", [A-Z]{2} \d{5} USA$")
    cn = re.compile(r" \d{6}, Peoples R China$")
    seen = set()
    for role, country, org, address, city, region, postcode in rows:
        if role == "inventor":
            assert org is None and postcode is None
            assert address == (f"{city}, {region}, {country}" if region else f"{city}, {country}")
            continue
        assert address.startswith(org)
        if country == "US":
            assert us.search(address) and postcode in address
            seen.add("US")
        elif country == "CN":
            assert cn.search(address) and postcode in address
            seen.add("CN")
        elif country in ("KR", "AE", "IR", "RU"):
            assert address.endswith(", " + WOS_COUNTRY[country])
            seen.add(country)
        elif country == "GB":
            assert re.search(r", (England|Scotland|Wales|North Ireland)$", address)
    assert {"US", "CN", "KR"} <= seen


def test_organisations_come_in_spelling_variants(small_world: World) -> None:
    con = connect(small_world.records)
    names = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT organisation FROM people WHERE organisation LIKE 'Beijing%' "
            "OR organisation LIKE 'BEIJING%'"
        ).fetchall()
    }
    assert {"Beijing Univ", "Beijing University", "BEIJING UNIV"} <= names


def test_classes_follow_the_schemes(small_world: World) -> None:
    con = connect(small_world.records)
    schemes = dict(
        con.execute(
            "SELECT d.layer || ':' || c.scheme, count(*) FROM classes c "
            "JOIN documents d USING (doc_id) GROUP BY 1"
        ).fetchall()
    )
    assert set(schemes) == {"patent:ipc", "article:wos"}
    codes = [
        r[0]
        for r in con.execute("SELECT DISTINCT code FROM classes WHERE scheme = 'ipc'").fetchall()
    ]
    assert all(re.fullmatch(r"[A-H]\d\d[A-Z] \d{1,4}/\d{2,6}", c) for c in codes)
    per_doc = con.execute(
        "SELECT scheme, min(n), max(n) FROM (SELECT scheme, doc_id, count(*) AS n FROM classes "
        "GROUP BY ALL) GROUP BY scheme ORDER BY scheme"
    ).fetchall()
    assert per_doc == [("ipc", 1, 4), ("wos", 1, 3)]


def test_cities_specialise(small_world: World) -> None:
    """A city's top subject category holds more of its articles than of the world's."""
    con = connect(small_world.records)
    lift = con.execute(
        """
        WITH f AS (SELECT p.city, c.code FROM people p JOIN classes c USING (doc_id)
                   WHERE p.person_seq = 0 AND p.address_seq = 0 AND c.scheme = 'wos'),
             counts AS (SELECT city, code, count(*) AS n FROM f GROUP BY city, code),
             city AS (SELECT *, sum(n) OVER (PARTITION BY city) AS total,
                             row_number() OVER (PARTITION BY city ORDER BY n DESC, code) AS r
                      FROM counts),
             world AS (SELECT code, sum(n) / (SELECT sum(n) FROM counts) AS share
                       FROM counts GROUP BY code)
        SELECT avg(n / total / share) FROM city JOIN world USING (code)
        WHERE r = 1 AND total >= 500
        """
    ).fetchone()[0]  # type: ignore[index]
    assert lift > 2.0


@pytest.mark.parametrize(("scale", "seed"), [(0.00005, 1), (0.0003, 2)])
def test_tiny_worlds_are_valid(scale: float, seed: int) -> None:
    from stclusters.synth import make_world

    records = make_world(scale=scale, seed=seed)
    counts = validate(records)
    assert 0 < counts["documents"] < 10_000
