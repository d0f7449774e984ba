"""``stclusters compare``: two editions' clusters matched by where their output lies.

Hand-made run folders give every outcome with figures a person can check: a cluster in both
editions whose name changed (it keeps its key), two clusters that merge, one that splits, a
leaver and an entrant. Two runs of the small world (editions 2024 and 2025: the windows move
by a year over the same records) must match every cluster.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from stclusters.cli import app
from stclusters.compare import (
    COMPARISON_COLUMNS,
    cluster_key,
    compare_runs,
    write_comparison,
)
from stclusters.config import Config
from stclusters.errors import InputError, OutputError
from stclusters.report.comparison import write_comparison_page

runner = CliRunner()

#: (cluster id, name, economy, published, [(lat, lon, people rows of share 1)])
Cluster = tuple[int, str, str, bool, list[tuple[float, float, int]]]


def fake_run(folder: Path, edition: int, clusters: list[Cluster], **settings: Any) -> Path:
    """A finished run's folder holding only what the comparison reads."""
    folder.mkdir(parents=True)
    (folder / ".stclusters-output").write_text('{"kind": "run", "written_by": "stclusters"}')
    cfg = {**Config(edition=edition).to_dict(), **settings}
    (folder / "accounts.json").write_text(json.dumps({"edition": edition, "settings": cfg}))
    totals = {cid: sum(n for _, _, n in pts) for cid, *_, pts in clusters}
    order = sorted(clusters, key=lambda c: -totals[c[0]])
    cols = ["cluster_id", "rank", "slug", "name", "primary_economy"]
    cols += ["patents", "articles", "size_score"]
    rows = [
        {
            "cluster_id": cid,
            "rank": rank,
            "slug": cluster_key(name, econ),
            "name": name,
            "primary_economy": econ,
            "patents": 0.0,
            "articles": float(totals[cid]),
            "size_score": totals[cid] / 1000,
        }
        for rank, (cid, name, econ, _, _) in enumerate(order, start=1)
    ]
    for file, keep in (("all_clusters.csv", rows), ("ranking.csv", None)):
        with (folder / file).open("w", newline="", encoding="utf-8-sig") as fh:
            w = csv.DictWriter(fh, fieldnames=cols)
            w.writeheader()
            published = {c[0] for c in clusters if c[3]}
            w.writerows(
                keep if keep is not None else [r for r in rows if r["cluster_id"] in published]
            )
    recs: dict[str, list[Any]] = {
        k: [] for k in ("doc_id", "layer", "cluster_id", "share", "lat", "lon")
    }
    for cid, name, _, _, pts in clusters:
        for lat, lon, n in pts:
            for i in range(n):
                recs["doc_id"].append(f"{edition}-{name}-{lat}-{i}")
                recs["layer"].append("article")
                recs["cluster_id"].append(cid)
                recs["share"].append(1.0)
                recs["lat"].append(lat)
                recs["lon"].append(lon)
    table = pa.table(recs).append_column(
        "person_seq", pa.array([0] * len(recs["doc_id"]), pa.int32())
    )
    table = table.append_column("address_seq", pa.array([0] * len(recs["doc_id"]), pa.int32()))
    pq.write_table(table, folder / "memberships.parquet")
    return folder


def editions(tmp_path: Path) -> tuple[Path, Path]:
    """Munich continues (renamed, 100 -> 130 rows); Lyon and Villeurbanne-on-its-own merge; Basel
    splits in two; Lisbon leaves; Porto enters."""
    a = fake_run(
        tmp_path / "a",
        2023,
        [
            (1, "Munich", "DE", True, [(48.14, 11.58, 100)]),
            (2, "Lyon", "FR", True, [(45.76, 4.84, 60)]),
            (3, "Villeurbanne", "FR", True, [(45.77, 4.88, 40)]),
            (4, "Basel", "CH", True, [(47.56, 7.59, 50), (47.40, 7.90, 50)]),
            (5, "Lisbon", "PT", True, [(38.72, -9.14, 30)]),
        ],
    )
    b = fake_run(
        tmp_path / "b",
        2024,
        [
            (11, "Munich–Augsburg", "DE", True, [(48.14, 11.58, 130)]),
            (12, "Lyon", "FR", True, [(45.76, 4.84, 70), (45.77, 4.88, 50)]),
            (13, "Basel", "CH", True, [(47.56, 7.59, 45)]),
            (14, "Aarau", "CH", False, [(47.40, 7.90, 55)]),
            (15, "Porto", "PT", True, [(41.15, -8.61, 35)]),
        ],
    )
    return a, b


def test_every_outcome_with_hand_checked_figures(tmp_path: Path) -> None:
    a, b = editions(tmp_path)
    comparison = compare_runs(a, b)
    by_pair = {(r["cluster_id_a"], r["cluster_id_b"]): r for r in comparison.rows}
    assert set(by_pair) == {(1, 11), (2, 12), (3, 12), (4, 13), (4, 14), (5, None), (None, 15)}
    munich = by_pair[(1, 11)]
    assert munich["status"] == "matched"
    assert munich["growth"] == pytest.approx(0.3)  # 100 -> 130
    assert munich["rank_change"] == 1 - 1
    assert munich["cluster_key"] == "munich-de"  # the key of 2023, whatever the new name
    assert munich["overlap_a"] == pytest.approx(1.0) and munich["overlap_b"] == pytest.approx(1.0)
    for pair in ((2, 12), (3, 12)):
        assert by_pair[pair]["status"] == "merged"
        assert by_pair[pair]["growth"] == pytest.approx(120 / 100 - 1)
    assert by_pair[(2, 12)]["cluster_key"] == "lyon-fr"
    for pair in ((4, 13), (4, 14)):
        assert by_pair[pair]["status"] == "split"
        assert by_pair[pair]["growth"] == pytest.approx(100 / 100 - 1)
    assert by_pair[(4, 14)]["cluster_key"] == "aarau-ch"
    assert (
        by_pair[(4, 14)]["rank_change"] == 2 - 3
    )  # Basel was 2nd (tied with Munich), Aarau is 3rd
    assert by_pair[(5, None)]["status"] == "leaver" and by_pair[(5, None)]["growth"] is None
    assert by_pair[(None, 15)]["status"] == "entrant"
    assert comparison.counts() == {
        "matched": 1,
        "entrants": 1,
        "leavers": 1,
        "merges": 1,
        "splits": 1,
        "absorbed": 0,
        "detached": 0,
    }
    # the rows of one group share its number; the groups are numbered in table order
    groups = [r["group"] for r in comparison.rows]
    assert groups == sorted(groups) and groups[0] == 1
    assert by_pair[(2, 12)]["group"] == by_pair[(3, 12)]["group"]


def test_a_small_edge_cluster_is_absorbed_not_a_merge(tmp_path: Path) -> None:
    """Gotemba (5 rows, 4% of Tokyo) is a cluster of its own in 2023 and inside Tokyo in 2024:
    Tokyo stays matched, Gotemba is absorbed; a piece of 2024 breaking off Osaka is detached."""
    tokyo, gotemba, osaka = (35.68, 139.69, 120), (35.70, 139.80, 5), (34.69, 135.50, 90)
    edge = (34.80, 135.60, 8)
    a = fake_run(
        tmp_path / "a",
        2023,
        [
            (1, "Tokyo", "JP", True, [tokyo]),
            (2, "Gotemba", "JP", False, [gotemba]),
            (3, "Osaka", "JP", True, [osaka, edge]),
        ],
    )
    b = fake_run(
        tmp_path / "b",
        2024,
        [
            (1, "Tokyo", "JP", True, [tokyo, gotemba]),
            (2, "Osaka", "JP", True, [osaka]),
            (3, "Suita", "JP", False, [edge]),
        ],
    )
    comparison = compare_runs(a, b)
    status = {(r["name_a"], r["name_b"]): r["status"] for r in comparison.rows}
    assert status == {
        ("Tokyo", "Tokyo"): "matched",
        ("Gotemba", "Tokyo"): "absorbed",
        ("Osaka", "Osaka"): "matched",
        ("Osaka", "Suita"): "detached",
    }
    counts = comparison.counts()
    assert (counts["matched"], counts["merges"], counts["splits"]) == (2, 0, 0)
    assert (counts["absorbed"], counts["detached"]) == (1, 1)
    tokyo_row = next(r for r in comparison.rows if r["name_a"] == "Tokyo")
    assert tokyo_row["growth"] == pytest.approx(125 / 125 - 1)  # the group: Tokyo and Gotemba


def test_labels_do_not_match_clusters(tmp_path: Path) -> None:
    """The same ids in both runs on different places: matched by place, never by id."""
    a = fake_run(
        tmp_path / "a",
        2023,
        [
            (1, "Munich", "DE", True, [(48.14, 11.58, 50)]),
            (2, "Lyon", "FR", True, [(45.76, 4.84, 40)]),
        ],
    )
    b = fake_run(
        tmp_path / "b",
        2024,
        [
            (2, "Munich", "DE", True, [(48.14, 11.58, 50)]),
            (1, "Lyon", "FR", True, [(45.76, 4.84, 40)]),
        ],
    )
    pairs = {(r["cluster_id_a"], r["cluster_id_b"]) for r in compare_runs(a, b).rows}
    assert pairs == {(1, 2), (2, 1)}


def test_files_and_page(tmp_path: Path) -> None:
    a, b = editions(tmp_path)
    comparison = compare_runs(a, b)
    path = write_comparison(comparison, b)
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == COMPARISON_COLUMNS
    assert len(rows) == len(comparison.rows)
    first = path.read_bytes()
    assert write_comparison(compare_runs(a, b), b).read_bytes() == first  # deterministic
    page = write_comparison_page(comparison, b).read_text(encoding="utf-8")
    assert "Editions 2023 and 2024 compared" in page
    assert "Lyon and Villeurbanne (2023) merged into Lyon (2024)" in page
    assert "+30.0%" in page and "http://" not in page and "https://" not in page
    assert (b / "assets" / "site.css").is_file()
    # another folder: written with the site's assets; a folder of someone else's files: refused
    assert write_comparison_page(comparison, tmp_path / "cmp").is_file()
    assert (tmp_path / "cmp" / "assets" / "site.js").is_file()
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="not written there"):
        write_comparison_page(comparison, other)


def test_bad_folders_and_settings_are_clear_errors(tmp_path: Path) -> None:
    a, b = editions(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="not a finished run") as info:
        compare_runs(empty, b)
    assert str(empty) in str(info.value)
    world = tmp_path / "world"
    world.mkdir()
    (world / ".stclusters-output").write_text('{"kind": "world", "written_by": "stclusters"}')
    with pytest.raises(InputError, match=r"records folder .* not a run's output; run"):
        compare_runs(world, b)
    (a / "memberships.parquet").unlink()
    with pytest.raises(InputError, match=r"lacks memberships\.parquet"):
        compare_runs(a, b)
    c = fake_run(tmp_path / "c", 2022, [(1, "Munich", "DE", True, [(48.1, 11.6, 9)])], eps_km=10.0)
    with pytest.raises(InputError, match=r"eps_km \(10.0 vs 15.0\).*same settings"):
        compare_runs(c, b)
    d = fake_run(tmp_path / "d", 2025, [(1, "Munich", "DE", True, [(48.1, 11.6, 9)])])
    with pytest.raises(InputError, match="give the earlier edition first"):
        compare_runs(d, b)
    result = runner.invoke(app, ["compare", str(empty), str(b)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "not a finished run" in result.output


def test_small_world_editions_match_every_cluster(tmp_path: Path) -> None:
    """The small world run as editions 2024 and 2025: every cluster found in both is matched to
    itself, with the same records at the same places counted in both; the others leave."""
    from stclusters.pipeline import run
    from stclusters.records import write_records
    from worlds import SMALL_CONFIG, SMALL_RANKING, small_world

    records = write_records(small_world(), tmp_path / "recs")
    outs = []
    for edition in (2024, 2025):
        out = tmp_path / f"out{edition}"
        run([records], out=out, config=SMALL_CONFIG.replace(edition=edition), write_site=False)
        outs.append(out)
    result = runner.invoke(app, ["compare", str(outs[0]), str(outs[1])])
    assert result.exit_code == 0, result.output
    with (outs[1] / "comparison.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    names = []
    for out in outs:
        with (out / "all_clusters.csv").open(encoding="utf-8-sig") as fh:
            names.append({r["name"] for r in csv.DictReader(fh)})
    assert names[0] == set(SMALL_RANKING)  # Lisbon drops below min_points in 2025
    matched = [r for r in rows if r["status"] == "matched"]
    assert sorted(r["name_a"] for r in matched) == sorted(names[0] & names[1])
    others = {(r["status"], r["name_a"] or r["name_b"]) for r in rows if r["status"] != "matched"}
    assert others == {("leaver", n) for n in names[0] - names[1]} | {
        ("entrant", n) for n in names[1] - names[0]
    }
    for r in matched:
        assert r["name_a"] == r["name_b"] and r["cluster_key"] == r["key_a"]
        assert float(r["growth"]) == pytest.approx(
            float(r["output_b"]) / float(r["output_a"]) - 1, abs=1e-5
        )
        assert 0 < float(r["shared_output"]) <= min(float(r["output_a"]), float(r["output_b"]))
    assert (outs[1] / "comparison.html").is_file()


def test_docs_list_exactly_the_columns_written() -> None:
    """docs/outputs.md's table of comparison.csv (tests/test_docs.py checks files a run writes;
    this file is written by compare only)."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "outputs.md").read_text("utf-8")
    section = text.split("## Editions compared: comparison.csv")[1].split("\n## ")[0]
    documented = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `"):
            documented += [n.strip("` ") for n in cells[0].split(",")]
    assert documented == list(COMPARISON_COLUMNS)


def test_the_index_links_to_the_comparison_page(tmp_path: Path) -> None:
    """After `compare`, the later edition's index links to comparison.html (naming the earlier
    edition) and keeps its title; rewriting the site (`report`) keeps the link; an index with
    no comparison beside it has none."""
    from stclusters.pipeline import run
    from stclusters.records import write_records
    from worlds import SMALL_CONFIG, small_world

    records = write_records(small_world(), tmp_path / "recs")
    outs = []
    for edition in (2024, 2025):
        out = tmp_path / f"out{edition}"
        run([records], out=out, config=SMALL_CONFIG.replace(edition=edition))
        outs.append(out)
    link = '<a href="comparison.html">How the clusters changed since the edition 2024</a>'
    assert "comparison.html" not in (outs[1] / "index.html").read_text(encoding="utf-8")
    result = runner.invoke(app, ["report", str(outs[1]), "--title", "My <clusters>", "--no-pdf"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["compare", str(outs[0]), str(outs[1])])
    assert result.exit_code == 0, result.output
    index = (outs[1] / "index.html").read_text(encoding="utf-8")
    assert link in index
    assert "<title>My &lt;clusters&gt;</title>" in index
    assert (outs[1] / "comparison.html").is_file()
    result = runner.invoke(app, ["report", str(outs[1]), "--no-pdf"])
    assert result.exit_code == 0, result.output
    assert link in (outs[1] / "index.html").read_text(encoding="utf-8")
    assert "comparison.html" not in (outs[0] / "index.html").read_text(encoding="utf-8")


def test_a_cluster_across_the_antimeridian_is_matched_whole(tmp_path: Path) -> None:
    """Taveuni (Fiji) lies across longitude 180: its points on both sides are one cluster in
    both editions, matched whole (the footprint cells are taken on either side, never wrapped
    into one far-off cell); in 2024 it splits at the antimeridian."""
    east, west = (-16.85, 179.98, 40), (-16.85, -179.97, 60)
    a = fake_run(tmp_path / "a", 2023, [(1, "Taveuni", "FJ", True, [east, west])])
    b = fake_run(tmp_path / "b", 2024, [(7, "Taveuni", "FJ", True, [east, (*west[:2], 90)])])
    (row,) = compare_runs(a, b).rows
    assert (row["cluster_id_a"], row["cluster_id_b"], row["status"]) == (1, 7, "matched")
    assert row["overlap_a"] == pytest.approx(1.0) and row["overlap_b"] == pytest.approx(1.0)
    assert row["growth"] == pytest.approx(130 / 100 - 1)
    c = fake_run(
        tmp_path / "c",
        2024,
        [(8, "Taveuni", "FJ", True, [east]), (9, "Vuna", "FJ", True, [west])],
    )
    rows = {(r["cluster_id_a"], r["cluster_id_b"]): r for r in compare_runs(a, c).rows}
    assert set(rows) == {(1, 8), (1, 9)}
    assert {r["status"] for r in rows.values()} == {"split"}
    assert rows[(1, 8)]["overlap_a"] == pytest.approx(0.4)
    assert rows[(1, 9)]["overlap_a"] == pytest.approx(0.6)
