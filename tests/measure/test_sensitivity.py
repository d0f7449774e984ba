"""Rank stability (issue 15 item 1): invariants of the analysis, and hand-checkable matches."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stclusters.cluster.dbscan import GeoDBSCAN
from stclusters.cluster.stage import Clustering, LayerPoints
from stclusters.measure.sensitivity import (
    analyse,
    bootstrap_weights,
    compare_run,
    grid_settings,
    rank_interval,
    rank_ranges,
    size_ranks,
)
from stclusters.pipeline import run
from stclusters.records import write_records
from stclusters.report.text import sensitivity_sentence
from worlds import SMALL_CONFIG, small_world


def test_size_ranks_by_weight_then_label() -> None:
    labels = np.array([0, 0, 1, 2, -1, -2])
    weight = np.array([1.0, 1.0, 2.0, 3.0, 9.0, 9.0])
    assert size_ranks(labels, weight) == {2: 1, 0: 2, 1: 3}


def test_runs_are_matched_by_shared_output_not_label() -> None:
    base = np.array([0, 0, 0, 0, 1, 1, 2, 2, 3, 3])
    weight = np.ones(10)
    # cluster 0 split 2/2 into run clusters 5 and 6; 1 and 2 merged into run cluster 0;
    # 3 lost (noise)
    run = np.array([5, 5, 6, 6, 0, 0, 0, 0, -1, -1])
    m = compare_run(base, run, weight)
    assert m.found.tolist() == [True, True, True, False]  # 5 holds half of 0: found
    assert m.merged.tolist() == [False, True, True, False]
    assert m.split.tolist() == [True, False, False, False]
    # run sizes: 0 -> 4, 5 -> 2, 6 -> 2: ranks 1, 2, 3
    assert m.rank.tolist() == [2, 1, 1, 0]


def test_the_grid_spans_the_step_and_holds_the_setting() -> None:
    got = grid_settings(10.0, 100.0, step=0.2, size=5)
    assert len(got) == 25
    assert sorted({e for e, _ in got}) == pytest.approx([8.0, 9.0, 10.0, 11.0, 12.0])
    assert (10.0, 100.0) in got
    assert grid_settings(10.0, 100.0, step=0.2, size=1) == [(10.0, 100.0)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 50), min_size=0, max_size=60), st.integers(1, 50))
def test_the_interval_holds_the_default_rank_and_nine_tenths(
    others: list[int], default: int
) -> None:
    ranks = [default, *others]
    low, high = rank_interval(ranks, default)
    assert low <= default <= high
    inside = sum(1 for r in ranks if low <= r <= high)
    assert inside >= 0.9 * len(ranks) - 1e-9


def _world(seed: int = 0) -> tuple[Clustering, np.ndarray]:
    """Two layers of weighted points around five centres of different sizes."""
    rng = np.random.default_rng(seed)
    layers = []
    for name, n in (("patent", 400), ("article", 500)):
        centres = np.array([[48.0, 2.0], [52.0, 13.0], [40.0, -3.7], [45.0, 9.0], [50.0, 4.0]])
        which = rng.choice(5, size=n, p=[0.35, 0.25, 0.2, 0.12, 0.08])
        pts = np.round(centres[which] + rng.normal(0.0, 0.08, size=(n, 2)), 3)
        pts, inv = np.unique(pts, axis=0, return_inverse=True)
        w = np.bincount(inv.ravel(), minlength=len(pts)).astype(float)
        fit = GeoDBSCAN(eps_km=12.0, min_points=8).fit(pts, sample_weight=w)
        layers.append((name, pts, w, fit.labels_, fit.core_mask_))
    from stclusters.cluster import merge_labels

    merged = merge_labels([(p, lab) for _, p, _, lab, _ in layers], merge_km=5.0)
    lps = tuple(
        LayerPoints(name, p, w, w.copy(), core, lab, np.empty((0, 2)))
        for (name, p, w, _, core), lab in zip(layers, merged, strict=True)
    )
    clustering = Clustering(
        layers=lps,
        members={},
        accounts={},
        warnings=[],
        eps_km=12.0,
        merge_km=5.0,
        precisions=("city",),
    )
    weight = np.concatenate([lp.shares / lp.weights.sum() for lp in lps])
    return clustering, weight


def _published(clustering: Clustering, weight: np.ndarray, n: int = 4) -> list[int]:
    ranks = size_ranks(clustering.labels, weight)
    return sorted(ranks, key=ranks.__getitem__)[:n]


def test_one_setting_and_no_resample_give_zero_width_intervals() -> None:
    clustering, weight = _world()
    ids = _published(clustering, weight)
    got = analyse(
        clustering,
        weight,
        clusters=ids,
        eps_km=12.0,
        min_points=8,
        step=0.2,
        grid=1,
        bootstraps=0,
        seed=0,
    )
    assert len(got.runs) == 1 and got.runs[0]["spearman"] == 1.0
    for rank, c in enumerate(ids, start=1):
        s = got.clusters[c]
        assert s["interval_low"] == s["interval_high"] == s["size_rank"] == rank
        assert (s["found_share"], s["merged_share"], s["split_share"]) == (1.0, 0.0, 0.0)


def test_grid_intervals_hold_the_default_rank_and_shares_are_shares() -> None:
    clustering, weight = _world()
    ids = _published(clustering, weight)
    got = analyse(
        clustering,
        weight,
        clusters=ids,
        eps_km=12.0,
        min_points=8,
        step=0.5,
        grid=3,
        bootstraps=0,
        seed=0,
    )
    assert len(got.runs) == 9
    for c in ids:
        s = got.clusters[c]
        assert s["rank_min"] <= s["interval_low"] <= s["size_rank"] <= s["interval_high"]
        assert s["interval_high"] <= s["rank_max"]
        for key in ("found_share", "merged_share", "split_share"):
            assert 0.0 <= s[key] <= 1.0
        assert s["found_in"] + s["lost_in"] == s["runs"] == 9
    for one in got.runs:
        assert one["spearman"] is None or -1.0 <= one["spearman"] <= 1.0
        assert 0 <= one["lost"] <= one["left_top"] <= len(ids)


def _con(clustering: Clustering) -> duckdb.DuckDBPyConnection:
    """Tables docs and rows: one document per located row of every point."""
    con = duckdb.connect()
    docs: list[tuple[str, str, bool]] = []
    rows: list[tuple[str, str, bool, float, float, str, float]] = []
    for layer in clustering.layers:
        for (lat, lon), w in zip(layer.points.tolist(), layer.weights.tolist(), strict=True):
            for _ in range(int(w)):
                doc = f"{layer.name}{len(docs):05d}"
                docs.append((doc, layer.name, True))
                rows.append((doc, layer.name, True, lat, lon, "city", 1.0))
    docs.append(("unlocated", "article", True))
    con.execute("CREATE TABLE docs (doc_id VARCHAR, layer VARCHAR, current BOOLEAN)")
    con.executemany("INSERT INTO docs VALUES (?, ?, ?)", docs)
    con.execute(
        "CREATE TABLE rows (doc_id VARCHAR, layer VARCHAR, current BOOLEAN, lat DOUBLE, "
        "lon DOUBLE, precision VARCHAR, share DOUBLE)"
    )
    con.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return con


def test_bootstraps_are_reproducible_and_resample_documents() -> None:
    clustering, _ = _world()
    con = _con(clustering)
    world = {"patent": 400, "article": 501}
    a = list(bootstrap_weights(con, clustering, world=world, resamples=3, seed=7))
    b = list(bootstrap_weights(con, clustering, world=world, resamples=3, seed=7))
    c = list(bootstrap_weights(con, clustering, world=world, resamples=3, seed=8))
    assert [x.tobytes() + y.tobytes() for x, y in a] == [x.tobytes() + y.tobytes() for x, y in b]
    assert a[0][0].tobytes() != c[0][0].tobytes()
    for rows, _ in a:  # each layer draws as many documents as it has
        assert rows[: len(clustering.layers[0].points)].sum() == 400
        assert rows[len(clustering.layers[0].points) :].sum() <= 501
        assert np.all(rows == np.round(rows)) and rows.min() >= 0
    # a resample is the same whatever the number of resamples made
    one = next(bootstrap_weights(con, clustering, world=world, resamples=1, seed=7))
    assert one[0].tobytes() == a[0][0].tobytes()


def test_bootstrap_analysis_is_reproducible_and_holds_the_default_rank() -> None:
    clustering, weight = _world()
    con = _con(clustering)
    world = {"patent": 400, "article": 501}
    ids = _published(clustering, weight)
    kw = {
        "clusters": ids,
        "eps_km": 12.0,
        "min_points": 8,
        "step": 0.2,
        "grid": 3,
        "bootstraps": 4,
        "con": con,
        "world": world,
    }
    one = analyse(clustering, weight, seed=3, **kw)  # type: ignore[arg-type]
    two = analyse(clustering, weight, seed=3, **kw)  # type: ignore[arg-type]
    assert one == two
    assert len(one.runs) == 1 + 8 + 4
    for c in ids:
        s = one.clusters[c]
        assert s["interval_low"] <= s["size_rank"] <= s["interval_high"]
        assert 0.0 <= s["found_share"] <= 1.0


def test_ranges_follow_the_variant_holding_most_output() -> None:
    base = np.array([0, 0, 0, 1, 1, 2])
    weight = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.5])
    same = base.copy()
    # sizes in `split`: 0 -> 2.0, 1 -> 2.5 (it takes cluster 2's row), 3 -> 1.0
    split = np.array([0, 0, 3, 1, 1, 1])
    # in `gone`, cluster 1 is noise; 0 -> 3.0, 2 -> 0.5
    gone = np.array([0, 0, 0, -1, -1, 2])
    got = rank_ranges(base, [same, split, gone], weight, clusters=[0, 1, 2], note="test")
    assert (got[0]["rank_min"], got[0]["rank_max"], got[0]["lost_in"]) == (1, 2, 0)
    assert (got[1]["rank_min"], got[1]["rank_max"], got[1]["lost_in"]) == (1, 2, 1)
    assert (got[2]["rank_min"], got[2]["rank_max"], got[2]["lost_in"]) == (1, 3, 0)
    assert got[2]["note"] == "test"


def test_the_full_analysis_through_a_run(tmp_path: Path) -> None:
    """A run with sensitivity_analysis writes sensitivity.csv and sensitivity_runs.csv, the
    profiles carry the interval (and say it), and a second run with the same seed gives the
    same bytes."""
    folder = write_records(small_world(), tmp_path / "world")
    config = SMALL_CONFIG.replace(
        sensitivity_analysis=True, sensitivity_grid=3, sensitivity_bootstraps=3
    )
    outs = [
        run([folder], out=tmp_path / f"out{i}", config=config, write_site=i == 0) for i in range(2)
    ]
    result = outs[0]
    assert result.profiles
    for p in result.profiles:
        s = p["sensitivity"]
        assert s is not None
        assert s["interval_low"] <= s["size_rank"] <= s["interval_high"]
        assert s["runs"] == 1 + 8 + 3
        sentence = sensitivity_sentence(p)
        assert sentence is not None and f"{s['runs']} runs" in sentence.text
    with (result.out / "sensitivity.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["rank"]) for r in rows] == [r.rank for r in result.ranking]
    for r in rows:
        for key in ("found_share", "merged_share", "split_share"):
            assert 0.0 <= float(r[key]) <= 1.0
    runs = (result.out / "sensitivity_runs.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(runs) == 1 + 12
    for name in ("sensitivity.csv", "sensitivity_runs.csv", "profiles.json"):
        assert (outs[0].out / name).read_bytes() == (outs[1].out / name).read_bytes(), name
    index = (result.out / "index.html").read_text(encoding="utf-8")
    assert "Rank stability" in index and 'class="stability"' in index


def test_a_run_without_the_analysis_writes_no_sensitivity_files(tmp_path: Path) -> None:
    folder = write_records(small_world(), tmp_path / "world")
    result = run(
        [folder],
        out=tmp_path / "out",
        config=SMALL_CONFIG.replace(sensitivity=True),
        write_site=False,
    )
    assert not (result.out / "sensitivity.csv").exists()
    assert all("interval_low" not in (p["sensitivity"] or {}) for p in result.profiles)
    settings = json.loads((result.out / "accounts.json").read_text(encoding="utf-8"))["settings"]
    assert "sensitivity_grid" not in settings
