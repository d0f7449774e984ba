"""The whole run on a small hand-built world: outputs, accounts that add up, order independence."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from stclusters.errors import InputError
from stclusters.pipeline import run
from stclusters.records import Records, write_records
from stclusters.results import RANKING_COLUMNS, RANKING_SCHEMA
from worlds import SMALL_CONFIG, SMALL_RANKING, small_world

CONFIG = SMALL_CONFIG


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = write_records(small_world(), tmp_path_factory.mktemp("w") / "world")
    out = tmp_path_factory.mktemp("o") / "out"
    return run([folder], out=out, config=CONFIG, write_site=False)


def test_clusters_named_after_their_cities_in_size_order(result) -> None:  # type: ignore[no-untyped-def]
    assert [r.name for r in result.ranking] == SMALL_RANKING
    assert [r.primary_economy for r in result.ranking] == ["DE", "FR", "CH", "FR", "PT"]
    assert [r.rank for r in result.ranking] == [1, 2, 3, 4, 5]
    scores = [r.size_score for r in result.ranking]
    assert scores == sorted(scores, reverse=True)


def test_accounts_add_up(result) -> None:  # type: ignore[no-untyped-def]
    acc = result.accounts
    for layer in ("patent", "article"):
        docs = acc["documents"]["layers"][layer]
        assert docs["read"] == sum(
            docs[k]
            for k in ("kept", "outside_window", "no_year", "filtered_type", "filtered_field")
        )
        assert abs(acc["people"][layer]["shares_balance"]) < 1e-6
        cl = acc["clustering"][layer]
        assert cl["points"] == cl["points_clustered"] + cl["points_noise"]
    clustered_patents = sum(r.patents for r in result.ranking)
    shares = acc["people"]["patent"]["shares"]
    assert clustered_patents == pytest.approx(shares.get("clustered", 0), abs=1e-3)


def test_outputs_are_written(result) -> None:  # type: ignore[no-untyped-def]
    out = result.out
    for name in (
        "ranking.csv",
        "ranking.parquet",
        "ranking.json",
        "clusters.geojson",
        "profiles.json",
        "accounts.json",
        "all_clusters.csv",
    ):
        assert (out / name).exists(), name
    for name in ("ranking.csv", "all_clusters.csv"):
        header = (out / name).read_text(encoding="utf-8-sig").splitlines()[0].split(",")
        assert tuple(header) == RANKING_COLUMNS
    assert pq.read_schema(out / "ranking.parquet").equals(RANKING_SCHEMA)
    rows = json.loads((out / "ranking.json").read_text())["rows"]
    assert all(set(r) == set(RANKING_COLUMNS) for r in rows) and len(rows) == len(result.ranking)
    profiles = json.loads((out / "profiles.json").read_text())["profiles"]
    assert len(profiles) == len(result.ranking)
    munich = next(p for p in profiles if p["name"] == "Munich")
    # the two spellings are one applicant, shown as the more frequent one (on every patent)
    assert [a["name"] for a in munich["top_applicants"]] == ["MUNICH TECH CO., LTD"]
    orgs = {o["name"] for o in munich["top_organisations"]}
    assert orgs == {"Univ Munich", "Munich University", "Tech Univ Munich"}  # as written
    assert munich["patent_collaboration"]["share"] > 0
    assert any(loc["name"] == "Lisbon" for loc in munich["patent_collaboration"]["top_locations"])
    assert munich["patent_collaboration"]["international_share"] > 0
    for p in profiles:
        assert (out / "profiles" / f"{p['slug']}.md").exists()


def test_shuffling_rows_changes_no_output_byte(tmp_path: Path) -> None:
    world = small_world()
    rng = np.random.default_rng(7)
    shuffled = Records(
        **{
            name: world.table(name).take(pa.array(rng.permutation(world.table(name).num_rows)))
            for name in ("documents", "people", "classes", "applicants")
        }
    )
    outs = []
    for k, recs in enumerate((world, shuffled)):
        folder = write_records(recs, tmp_path / "world")
        out = tmp_path / f"out{k}"
        run([folder], out=out, config=CONFIG, write_site=False)
        outs.append(out)
    files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*") if p.is_file())
    assert files
    for rel in files:
        if rel == Path("run.json"):  # the run's paths and timings, by design
            continue
        assert (outs[0] / rel).read_bytes() == (outs[1] / rel).read_bytes(), rel


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        run([tmp_path / "missing"], out=tmp_path / "o", config=CONFIG)
    assert not (tmp_path / "o").exists()


def test_sensitivity_ranges_hold_the_published_rank(tmp_path: Path) -> None:
    folder = write_records(small_world(), tmp_path / "world")
    result = run(
        [folder], out=tmp_path / "out", config=CONFIG.replace(sensitivity=True), write_site=False
    )
    for p in result.profiles:
        sens = p["sensitivity"]
        assert sens is not None
        assert sens["rank_min"] <= p["rank"] <= sens["rank_max"]
        assert 0 <= sens["lost_in"] <= 4
        assert "eps_km 12" in sens["note"] and "min_points 48" in sens["note"]


def test_memory_limit_changes_nothing_but_memory(tmp_path: Path) -> None:
    folder = write_records(small_world(), tmp_path / "world")
    a = run([folder], out=tmp_path / "a", config=CONFIG, write_site=False)
    b = run(
        [folder], out=tmp_path / "b", config=CONFIG.replace(memory_limit_gb=0.2), write_site=False
    )
    assert (a.out / "ranking.csv").read_bytes() == (b.out / "ranking.csv").read_bytes()
    assert (a.out / "profiles.json").read_bytes() == (b.out / "profiles.json").read_bytes()


def test_no_cluster_and_one_layer_only(tmp_path: Path) -> None:
    world = small_world()
    patents = world.documents.filter(pc.equal(world.documents.column("layer"), "patent"))
    keep = pc.is_in(world.people.column("doc_id"), value_set=patents.column("doc_id"))
    only = Records(
        documents=patents,
        people=world.people.filter(keep),
        classes=world.classes.filter(
            pc.is_in(world.classes.column("doc_id"), value_set=patents.column("doc_id"))
        ),
        applicants=world.applicants,
    )
    folder = write_records(only, tmp_path / "patents")
    result = run([folder], out=tmp_path / "one", config=CONFIG, write_site=True)
    assert result.ranking and all(r.articles == 0 for r in result.ranking)
    assert result.accounts["world_totals"]["article"] == 0
    assert any("article layer" in w for w in result.accounts["warnings"])
    none = run([folder], out=tmp_path / "none", config=CONFIG.replace(min_points=1e9))
    assert none.ranking == [] and none.profiles == []
    assert (tmp_path / "none" / "index.html").exists()
    assert (tmp_path / "none" / "ranking.csv").read_text().count("\n") == 1


def test_the_stages_called_by_hand_give_what_compute_gives(tmp_path: Path) -> None:
    """The chain a notebook user writes (README) equals the run's own wiring."""
    import stclusters

    folder = write_records(small_world(), tmp_path / "world")
    cfg = SMALL_CONFIG
    with stclusters.Workspace() as workspace:
        tables = stclusters.open_inputs([folder], workspace=workspace)
        tables, _ = stclusters.geocode_inputs(tables)
        shares = stclusters.count_shares(tables.con, cfg)
        clustering = stclusters.cluster_people(
            shares,
            eps_km=cfg.eps_km,
            min_points=cfg.min_points,
            merge_km=cfg.merge_km,
            precisions=cfg.cluster_precisions,
        )
        measured = stclusters.measure_clusters(clustering, shares=shares, config=cfg)
    results = stclusters.compute([folder], config=cfg)
    assert measured.ranking == results.ranking
    assert measured.all_clusters == results.all_clusters
    assert measured.profiles == results.profiles
