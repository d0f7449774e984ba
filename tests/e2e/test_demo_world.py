"""The demo world end to end: every planted hub comes back as one cluster with its planted output.

This is the check with a known answer of the method issue: the synthetic world plants the output
of the hubs of its calibration (``data/world.toml``, the figures of the notes'
``hubs_gii2023.csv``) around their places (``truth_hubs.csv`` in the world folder); the run must
find each hub again as one cluster named after the hub's first place, holding 90-130% of the
planted patents and articles of every layer large enough to pass the threshold. Every hub whose
basis says "published" (a published GII cluster total) must be among the hubs checked.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import Point, shape

from stclusters.config import Config
from stclusters.pipeline import RunResult, run
from stclusters.places import load_places
from worlds import DEMO_SCALE as SCALE

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo_world")]


@pytest.fixture(scope="module")
def demo(demo_world: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RunResult]:
    config = Config(min_points=Config().min_points * SCALE, top_n=400)
    out = tmp_path_factory.mktemp("demo-out") / "out"
    result = run([demo_world], out=out, config=config, write_site=False)
    return demo_world, result


def _hub_places(world: Path) -> dict[str, list[tuple[str, str]]]:
    from stclusters.synth.calibration import load_calibration

    return {hub.name: list(hub.places) for hub in load_calibration().hubs}


def _published_hubs() -> set[str]:
    """Hubs planted with a published GII cluster total (their basis says "published")."""
    from stclusters.synth.calibration import load_calibration

    return {hub.name for hub in load_calibration().hubs if "published" in hub.basis}


def test_tokyo_yokohama_ranks_first(demo: tuple[Path, RunResult]) -> None:
    _, result = demo
    assert result.ranking[0].name.startswith("Tokyo")


def test_every_planted_hub_is_found_with_its_output(demo: tuple[Path, RunResult]) -> None:
    world, result = demo
    places = load_places()
    counts = result.accounts["people"]
    world_totals = result.accounts["world_totals"]
    points_per_doc = {
        layer: counts[layer]["located"] / world_totals[layer] for layer in ("patent", "article")
    }
    min_points = Config().min_points * SCALE
    features = json.loads((result.out / "clusters.geojson").read_text())["features"]
    clusters = [(f["properties"], shape(f["geometry"])) for f in features]
    hub_places = _hub_places(world)
    failures: list[str] = []
    checked: set[str] = set()
    with (world / "truth_hubs.csv").open(encoding="utf-8-sig") as fh:
        truth = list(csv.DictReader(fh))
    assert len(truth) >= 40
    for row in truth:
        hub = row["hub"]
        planted = {
            "patent": float(row["planted_patents"]),
            "article": float(row["planted_articles"]),
        }
        layers = [
            layer
            for layer in ("patent", "article")
            if planted[layer] * points_per_doc[layer] >= 2 * min_points
        ]
        if not layers:
            continue
        checked.add(hub)
        spots = [places.find(name, cc) for name, cc in hub_places[hub]]
        first = spots[0]
        here = [
            (props, geom)
            for props, geom in clusters
            if geom.contains(Point(places.lon[first], places.lat[first]))
        ]
        if not here:
            failures.append(f"{hub}: no cluster holds {places.name[first]}")
            continue
        props, geom = here[0]
        found: dict[str, Any] = {"patent": props["patents"], "article": props["articles"]}
        if not str(props["name"]).startswith(str(places.name[first])):
            failures.append(f"{hub}: named {props['name']!r}")
        for i in spots[1:]:
            if not geom.contains(Point(places.lon[i], places.lat[i])):
                failures.append(f"{hub}: {places.name[i]} lies outside the hub's cluster")
        for layer in layers:
            ratio = found[layer] / planted[layer]
            if not 0.9 <= ratio <= 1.3:
                failures.append(
                    f"{hub}: {layer} count {found[layer]:.0f} is {ratio:.0%} of planted"
                )
    assert len(checked) >= 40
    published = _published_hubs()
    assert len(published) >= 31
    assert published <= checked, f"published hubs not checked: {sorted(published - checked)}"
    assert not failures, "\n".join(failures)


def test_demo_accounts_balance(demo: tuple[Path, RunResult]) -> None:
    _, result = demo
    for layer in ("patent", "article"):
        assert abs(result.accounts["people"][layer]["shares_balance"]) < 1e-3
        assert result.accounts["documents"]["layers"][layer]["filtered_type"] >= 0
    art = result.accounts["documents"]["layers"]["article"]
    assert art["filtered_type"] > 0 and art["filtered_field"] > 0 and art["outside_window"] > 0
    assert result.accounts["previous_world_totals"]["patent"] > 0
    assert any(r.growth is not None for r in result.ranking)


def test_every_published_cluster_has_a_complete_profile(demo: tuple[Path, RunResult]) -> None:
    _, result = demo
    profiles = json.loads((result.out / "profiles.json").read_text())["profiles"]
    assert len(profiles) == len(result.ranking) == 400
    for p in profiles[:100]:
        for key in (
            "name",
            "economies",
            "edition",
            "rank",
            "intensity_rank",
            "economy_rank",
            "economy_clusters",
            "patents",
            "articles",
            "patents_per_million",
            "articles_per_million",
            "population",
        ):
            assert p[key] not in (None, ""), (p["name"], key)
        assert p["top_organisations"], p["name"]
        assert p["top_science_fields"], p["name"]
        if p["patents"] >= 5:
            assert p["top_applicants"], p["name"]
            assert p["top_tech_fields"], p["name"]
        for layer in ("patent_collaboration", "article_collaboration"):
            collab = p[layer]
            assert 0 <= collab["share"] <= 1 and 0 <= collab["international_share"] <= 1
        assert p["article_collaboration"]["top_locations"], p["name"]
        shares = [x["share"] for x in p["top_organisations"]]
        assert shares == sorted(shares, reverse=True) and sum(shares) <= 1 + 1e-6
        assert (result.out / "profiles" / f"{p['slug']}.md").exists()


def _planted_shares(world: Path) -> dict[str, dict[int, float]]:
    """For each hub, the part of its planted output at each of its listed places (the place,
    its districts and its sections), as the naming measures a city's part of a cluster: the
    mean over the layers of the place's share of the layer's planted output (each person's
    equal part of its document), from ``truth_people.parquet``."""
    import duckdb
    import numpy as np

    from stclusters.synth.calibration import load_calibration

    places = load_places()
    truth, docs = world / "truth_people.parquet", world / "documents.parquet"
    output: dict[str, dict[str, dict[int, float]]] = {}
    for hub, layer, gid, w in duckdb.sql(
        f"""
        WITH k AS (SELECT doc_id, count(*) AS k FROM '{truth}' GROUP BY ALL),
        d AS (SELECT doc_id, layer FROM '{docs}')
        SELECT t.hub, d.layer, t.geonameid, sum(1.0 / k.k)
        FROM '{truth}' t JOIN k USING (doc_id) JOIN d USING (doc_id)
        WHERE t.hub IS NOT NULL GROUP BY ALL ORDER BY ALL
        """
    ).fetchall():
        output.setdefault(hub, {}).setdefault(layer, {})[int(gid)] = float(w)
    out: dict[str, dict[int, float]] = {}
    for hub in load_calibration().hubs:
        by_layer = output.get(hub.name, {})
        out[hub.name] = {}
        for name, cc in hub.places:
            i = places.find(name, cc)
            family = {int(places.geonameid[i])} | {
                int(places.geonameid[j])
                for j in np.flatnonzero((places.parent == i) | (places.section == i))
            }
            shares = [
                sum(w for g, w in planted.items() if g in family) / sum(planted.values())
                for planted in by_layer.values()
                if sum(planted.values()) > 0
            ]
            out[hub.name][i] = sum(shares) / len(shares) if shares else 0.0
    return out


#: Half-width of the band around the name share where a listed place may or may not join: the
#: cluster found also holds output planted around the hub, so a listed place's part of it is
#: not exactly its part of the planted output.
MARGIN = 0.05


def _naming_failures(world: Path, out: Path) -> tuple[list[str], list[str]]:
    """Every hub's cluster name against the issue's wording, and the names found (the hub's
    listed places, then the name)."""
    import re

    from stclusters.measure.naming import EN_DASH
    from stclusters.synth.calibration import load_calibration

    places = load_places()
    share = Config().name_min_share
    may_name = places.may_name(min_population=Config().name_min_population)
    planted = _planted_shares(world)
    features = json.loads((out / "clusters.geojson").read_text())["features"]
    clusters = [(f["properties"], shape(f["geometry"])) for f in features]
    failures: list[str] = []
    found: list[str] = []
    for hub in load_calibration().hubs:
        spots = [places.find(name, cc) for name, cc in hub.places]
        listed = [str(places.name[i]) for i in spots]
        first = spots[0]
        here = [
            str(props["name"])
            for props, geom in clusters
            if geom.contains(Point(places.lon[first], places.lat[first]))
        ]
        if not here:
            failures.append(f"{hub.name}: no published cluster holds {listed[0]}")
            continue
        name = here[0]
        found.append(f"{' / '.join(listed)} -> {name}")
        parts = re.sub(r" \d+$", "", name).split(EN_DASH)
        if parts[0] != listed[0]:
            failures.append(f"{hub.name}: named {name!r}, not after {listed[0]} first")
        for part in parts[1:]:
            if part not in listed:
                failures.append(f"{hub.name}: {part!r} of {name!r} is not a listed place")
        for i in spots[1:]:
            held = planted[hub.name][i]
            if may_name[i] and held >= share + MARGIN and places.name[i] not in parts:
                failures.append(f"{hub.name}: {places.name[i]} holds {held:.0%}, not in {name!r}")
            if held < share - MARGIN and places.name[i] in parts:
                failures.append(f"{hub.name}: {places.name[i]} holds {held:.0%}, in {name!r}")
    return failures, found


def test_every_planted_hub_is_named_as_listed(demo: tuple[Path, RunResult]) -> None:
    """Issue 11 item 4, in its words: every planted hub of the demo world comes back named as
    ``hubs.csv`` lists its places: the first listed place first; a further listed place joins
    when it holds at least the name share of the hub's output (a city's part: the mean of its
    shares of the layers, method.md section 6), clearly (by :data:`MARGIN`) when it holds more
    and never when it holds clearly less; no place that the hub does not list. Hong Kong holds
    20% of Shenzhen–Hong Kong–Guangzhou (1% of its patents, 39% of its articles)."""
    world, result = demo
    failures, found = _naming_failures(world, result.out)
    assert len(found) >= 40, found
    assert not failures, "\n".join(failures)


def test_demo_collaboration_and_words(demo: tuple[Path, RunResult]) -> None:
    """Issue 11 items 5 and 6 on the demo world: Shenzhen–Guangzhou's articles had 61% of
    co-authors outside the cluster and 69% outside China; Detroit–Warren's and Vancouver–
    Surrey's top collaborators were "Warren" and "Surrey"; organisations were shown as
    matching keys; the demo never said its data are synthetic."""
    import duckdb

    from stclusters.measure.profiles import name_parts
    from stclusters.report import text

    world, result = demo
    profiles = json.loads((result.out / "profiles.json").read_text())["profiles"]
    spellings = {
        name
        for (name,) in duckdb.sql(
            f"SELECT DISTINCT organisation FROM read_parquet('{world / 'people.parquet'}')"
        ).fetchall()
    }
    for p in profiles:
        parts = set(name_parts(p["name"]))
        for layer in ("patent_collaboration", "article_collaboration"):
            collab = p[layer]
            assert collab["international_share"] <= collab["share"], (p["name"], layer)
            assert not parts & {loc["name"] for loc in collab["top_locations"]}, p["name"]
        assert 0 < p["article_collaboration"]["organisations_share"] <= 1
        # organisations shown as the sources write them, never as matching keys
        assert {o["name"] for o in p["top_organisations"]} <= spellings, p["name"]
        assert p["synthetic"] is True
        assert p["published"] == len(profiles)
        lines = [s.text for s in text.headline(p)]
        assert lines[0].startswith("Synthetic data.")
        # the windows named by their years (articles alone: 2018–2022)
        assert "time windows" not in lines[2], lines[2]
        assert ("in 2019–2023" if p["patents"] else "in 2018–2022") in lines[2], lines[2]
        if "US" in p["economies"].split(";") and p["primary_economy"] == "US":
            assert "the United States" in lines[1], lines[1]
        if not p["patents"]:
            sentence = text.collaboration_sentence(p, "patents").text
            assert sentence == f"No patent applications are credited to {p['name']}."
    shenzhen = next(p for p in profiles if p["name"].startswith("Shenzhen"))
    assert shenzhen["article_collaboration"]["international_share"] < 0.5
    markdown = (result.out / "profiles" / f"{profiles[0]['slug']}.md").read_text()
    assert "**Synthetic data.**" in markdown
    assert result.accounts["inputs"]["records_folders"][0]["synthetic"] is True
    flow = text.record_flow(result.accounts)
    assert flow["article"]["kept"] == result.accounts["world_totals"]["article"]
    assert flow["patent"]["read"] == sum(
        result.accounts["documents"]["layers"]["patent"][k]
        for k in ("kept", "outside_window", "no_year", "filtered_type", "filtered_field")
    )
