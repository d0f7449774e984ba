"""Rank change against a previous ranking (issue 14 item 4): reading, matching, run, words."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stclusters.cli import app
from stclusters.csvfile import read_csv_rows, write_csv_rows
from stclusters.errors import InputError
from stclusters.measure.previous import (
    PreviousRanking,
    apply_previous,
    match_previous,
    read_previous,
)
from stclusters.pipeline import run
from stclusters.records import write_records
from stclusters.report.text import format_rank_change, rank_change_sentence, rank_lines
from stclusters.results import RANKING_COLUMNS, ClusterRow
from worlds import SMALL_CONFIG, SMALL_RANKING, small_world

# ------------------------------------------------------------------ matching, by hand


def _row(rank: int, name: str, lat: float, lon: float) -> ClusterRow:
    return ClusterRow(
        cluster_id=rank, patents=1.0, articles=1.0, rank=rank, name=name, lat=lat, lon=lon
    )


def _previous(*rows: tuple[int, str, float, float], edition: int | None = 2023) -> PreviousRanking:
    return PreviousRanking(
        path=Path("ranking.csv"),
        edition=edition,
        ranks=tuple(r[0] for r in rows),
        names=tuple(r[1] for r in rows),
        lat=tuple(r[2] for r in rows),
        lon=tuple(r[3] for r in rows),
    )


def test_a_name_matches_at_any_distance_and_case_and_unicode_form_aside() -> None:
    # "Zürich" in NFD and upper case, 300 km away: still the same cluster by name
    prev = _previous((4, "ZU\u0308RICH", 47.0, 12.0), (1, "Basel", 47.56, 7.59))
    rows = [_row(1, "Zürich", 47.37, 8.54), _row(2, "Basel", 47.56, 7.59)]
    assert match_previous(rows, prev, merge_km=5.0) == [0, 1]


def test_without_the_name_the_nearest_centre_within_merge_km_matches() -> None:
    # 0.03 degrees of latitude is 3.3 km; 0.1 degrees is 11 km
    prev = _previous((1, "Old name", 48.03, 11.0), (2, "Far", 40.1, 3.0))
    rows = [_row(1, "New name", 48.0, 11.0), _row(2, "Other", 40.0, 3.0)]
    assert match_previous(rows, prev, merge_km=5.0) == [0, None]
    assert match_previous(rows, prev, merge_km=12.0) == [0, 1]


def test_matching_is_one_to_one_nearest_pair_first() -> None:
    prev = _previous((1, "P", 48.0, 11.0))
    rows = [_row(1, "A", 48.04, 11.0), _row(2, "B", 48.01, 11.0)]  # B is nearer
    assert match_previous(rows, prev, merge_km=10.0) == [None, 0]


def test_a_name_match_comes_before_a_nearer_centre() -> None:
    prev = _previous((1, "Munich", 48.14, 11.58), (2, "Augsburg", 48.37, 10.9))
    rows = [_row(1, "Augsburg", 48.14, 11.58)]  # at Munich's centre, but named Augsburg
    assert match_previous(rows, prev, merge_km=5.0) == [1]


def test_repeated_names_go_to_the_nearest_first_by_rank() -> None:
    prev = _previous((1, "Cambridge", 52.2, 0.12), (2, "Cambridge", 42.37, -71.1))
    rows = [_row(1, "Cambridge", 42.37, -71.1), _row(2, "Cambridge", 52.2, 0.12)]
    assert match_previous(rows, prev, merge_km=5.0) == [1, 0]


def test_apply_previous_gives_the_change_and_new() -> None:
    prev = _previous((1, "A", 10.0, 10.0), (5, "B", 20.0, 20.0), (2, "C", 30.0, 30.0))
    rows = [_row(1, "B", 20.0, 20.0), _row(2, "A", 10.0, 10.0), _row(3, "D", 50.0, 50.0)]
    out = apply_previous(rows, prev, merge_km=5.0)
    assert [(r.previous_rank, r.rank_change, r.new) for r in out] == [
        (5, 4, False),
        (1, -1, False),
        (None, None, True),
    ]
    assert rows[0].previous_rank is None  # the rows given are not changed


# ------------------------------------------------------------------ reading


def _write_ranking(path: Path, rows: list[dict[str, object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_csv_rows(rows, path, columns=RANKING_COLUMNS)


def test_read_previous_takes_a_folder_or_its_file_with_or_without_the_mark(
    tmp_path: Path,
) -> None:
    rows = [
        {"rank": 1, "name": "Tokyo–Yokohama", "lat": 35.6, "lon": 139.7},
        {"rank": 2, "name": "Zürich", "lat": 47.4, "lon": 8.5},
    ]
    folder = tmp_path / "out2023"
    csv_path = _write_ranking(folder / "ranking.csv", rows)
    assert csv_path.read_bytes()[:3] == b"\xef\xbb\xbf"
    (folder / "ranking.json").write_text(json.dumps({"edition": 2023, "rows": []}))
    for given in (folder, csv_path):
        prev = read_previous(given)
        assert prev.names == ("Tokyo–Yokohama", "Zürich") and prev.ranks == (1, 2)
        assert prev.edition == 2023
    plain = tmp_path / "plain.csv"  # no mark (an older stclusters, or a user's own table)
    plain.write_bytes(csv_path.read_bytes()[3:])
    prev = read_previous(plain)
    assert prev.names[1] == "Zürich" and prev.edition is None


def test_a_previous_that_cannot_be_read_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_previous(tmp_path / "nowhere")
    bad = tmp_path / "bad.csv"
    bad.write_text("rank,name,latitude\n1,A,2\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"bad\.csv: not a ranking of stclusters \(no column lat, lon\)"
    ):
        read_previous(bad)
    _write_ranking(bad, [{"rank": 1, "name": "A", "lat": 1, "lon": 2}, {"rank": "x", "name": "B"}])
    with pytest.raises(InputError, match=r"bad\.csv, line 3: rank, lat and lon must be numbers"):
        read_previous(bad)
    _write_ranking(bad, [{"rank": 1, "name": "A", "lat": 91, "lon": 2}])
    with pytest.raises(InputError, match=r"line 2: needs .* lat/lon in range"):
        read_previous(bad)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"rank,name,lat,lon\n1,\xff\xfe,1,2\n")
    with pytest.raises(InputError, match="cannot read the previous ranking"):
        read_previous(binary)


def test_the_command_line_refuses_a_bad_previous_before_any_work(tmp_path: Path) -> None:
    folder = write_records(small_world(), tmp_path / "world")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["run", str(folder), "--out", str(out), "--previous", str(tmp_path / "missing")]
    )
    assert result.exit_code != 0
    assert "previous" in result.output and "does not exist" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


# ------------------------------------------------------------------ the run


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The small world run with top_n 3 (the "previous edition"), then with the default
    settings against it, then against a hand-edited previous ranking."""
    base = tmp_path_factory.mktemp("previous")
    folder = write_records(small_world(), base / "world")
    first = base / "first"
    run([folder], out=first, config=SMALL_CONFIG.replace(top_n=3, edition=2023), write_site=False)
    second = base / "second"
    run([folder], out=second, config=SMALL_CONFIG.replace(previous=str(first)), write_site=False)
    # a previous ranking by hand: ranks reversed, Lyon renamed (it matches by its centre),
    # Basel moved 300 km away and renamed (it does not match), Paris and Lisbon absent
    rows = read_csv_rows(first / "ranking.csv")
    edited = []
    for r in rows:
        r = dict(r)
        r["rank"] = str(4 - int(r["rank"]))
        if r["name"] == "Lyon":
            r["name"] = "Lyon–Villeurbanne"
        if r["name"] == "Basel":
            r["name"], r["lat"] = "Mulhouse", str(float(r["lat"]) + 2.7)
        edited.append(r)
    hand = _write_ranking(base / "hand" / "ranking.csv", edited)
    third = base / "third"
    run([folder], out=third, config=SMALL_CONFIG.replace(previous=str(hand)), write_site=True)
    return {"first": first, "second": second, "third": third}


def _ranking(folder: Path) -> list[dict[str, str]]:
    return read_csv_rows(folder / "ranking.csv")


def test_a_changed_setting_shows_consistent_changes(runs: dict[str, Path]) -> None:
    before = {r["name"]: int(r["rank"]) for r in _ranking(runs["first"])}
    after = _ranking(runs["second"])
    assert [r["name"] for r in after] == SMALL_RANKING
    for r in after:
        if r["name"] in before:
            assert r["new"] == "false"
            assert int(r["previous_rank"]) == before[r["name"]]
            assert int(r["rank_change"]) == int(r["previous_rank"]) - int(r["rank"]) == 0
        else:
            assert (r["new"], r["previous_rank"], r["rank_change"]) == ("true", "", "")
    assert [r["new"] for r in after] == ["false"] * 3 + ["true"] * 2  # Paris, Lisbon were out
    # the previous ranking is part of what the run's fingerprint covers (by its content)
    prints = {
        json.loads((runs[k] / "accounts.json").read_text())["fingerprint"]
        for k in ("second", "third")
    }
    assert len(prints) == 2
    # a run without the setting leaves the three columns empty
    assert {(r["previous_rank"], r["rank_change"], r["new"]) for r in _ranking(runs["first"])} == {
        ("", "", "")
    }


def test_rank_changes_against_an_edited_previous_ranking(runs: dict[str, Path]) -> None:
    got = {
        r["name"]: (r["previous_rank"], r["rank_change"], r["new"]) for r in _ranking(runs["third"])
    }
    assert got == {
        "Munich": ("3", "2", "false"),  # was 3rd, now 1st: up 2
        "Lyon": ("2", "0", "false"),  # matched by its centre under another name
        "Basel": ("", "", "true"),  # 300 km away under another name: no match
        "Paris": ("", "", "true"),
        "Lisbon": ("", "", "true"),
    }
    # the parquet and JSON tables carry the same values, with their types
    rows = json.loads((runs["third"] / "ranking.json").read_text(encoding="utf-8"))["rows"]
    assert [(r["previous_rank"], r["rank_change"], r["new"]) for r in rows[:3]] == [
        (3, 2, False),
        (2, 0, False),
        (None, None, True),
    ]


def test_profiles_say_the_change(runs: dict[str, Path]) -> None:
    profiles = json.loads((runs["second"] / "profiles.json").read_text(encoding="utf-8"))
    by_name = {p["name"]: p for p in profiles["profiles"]}
    assert by_name["Munich"]["previous_edition"] == 2023
    munich = (runs["second"] / "profiles" / f"{by_name['Munich']['slug']}.md").read_text()
    assert "**Same rank** as in 2023" in munich
    paris = (runs["second"] / "profiles" / f"{by_name['Paris']['slug']}.md").read_text()
    assert "**New** in the ranking" in paris
    third = json.loads((runs["third"] / "profiles.json").read_text(encoding="utf-8"))["profiles"]
    assert third[0]["previous_edition"] is None  # a bare ranking.csv has no edition beside it
    text = (runs["third"] / "profiles" / f"{third[0]['slug']}.md").read_text()
    assert "**Up 2 places** from the previous ranking" in text
    first = json.loads((runs["first"] / "profiles.json").read_text(encoding="utf-8"))["profiles"]
    assert "previous_edition" not in first[0]


def test_the_site_shows_a_change_column_only_with_a_previous_ranking(runs: dict[str, Path]) -> None:
    page = (runs["third"] / "index.html").read_text(encoding="utf-8")
    assert ">Change</button>" in page
    assert 'aria-label="Up 2 places from the previous ranking"' in page and ">▲ 2</td>" in page
    assert ">new</td>" in page


def test_the_words_of_each_kind_of_change() -> None:
    cases = [
        ({"new": True}, "new", "New in the ranking"),
        (
            {"new": False, "rank_change": 3, "previous_edition": 2023},
            "▲ 3",
            "Up 3 places from 2023",
        ),
        (
            {"new": False, "rank_change": -1, "previous_edition": 2023},
            "▼ 1",
            "Down 1 place from 2023",
        ),
        ({"new": False, "rank_change": 0, "previous_edition": 2023}, "=", "Same rank as in 2023"),
    ]
    for row, cell, sentence in cases:
        assert format_rank_change(row) == cell
        said = rank_change_sentence(row)
        assert said is not None and said.text == sentence
    assert format_rank_change({"new": None}) == "" and rank_change_sentence({"new": None}) is None
    profile = {"rank": 2, "edition": 2024, "new": False, "rank_change": 3, "previous_edition": 2023}
    assert [s.text for s in rank_lines(profile)][-1] == "Up 3 places from 2023"  # type: ignore[arg-type]


def test_clusterrow_round_trip_of_the_new_columns() -> None:
    row = replace(_row(1, "A", 0, 0), previous_rank=4, rank_change=3, new=False)
    published = row.to_row()
    assert (published["previous_rank"], published["rank_change"], published["new"]) == (4, 3, False)
    assert set(published) == set(RANKING_COLUMNS)


def _summary(output: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    """The header and the rows (by cluster name) of the ranking table that ``run`` prints."""
    lines = re.split(r"Top \d+ of \d+ clusters", output)[1].splitlines()
    header = next(line for line in lines if "┃" in line)
    columns = [c.strip() for c in header.strip().strip("┃").split("┃")]
    rows = {}
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) == len(columns) and cells[0].isdigit():
            row = dict(zip(columns, cells, strict=True))
            rows[row["name"]] = row
    return columns, rows


def test_the_terminal_summary_shows_the_change_only_with_a_previous_ranking(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    """`stclusters run --previous` prints the rank change (or "new") of every cluster in its
    summary table, as the ranking and the site give it; without a previous ranking the column
    is left out."""
    base = runs["first"].parent
    args = ["run", str(base / "world"), "--no-site", "--min-points", "40", "--top-n", "10"]
    hand = base / "hand" / "ranking.csv"
    runner = CliRunner()
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "a"), "--previous", str(hand)])
    assert result.exit_code == 0, result.output
    columns, rows = _summary(result.output)
    assert columns[:3] == ["rank", "change", "name"]
    assert {name: row["change"] for name, row in rows.items()} == {
        "Munich": "▲ 2",  # was 3rd, now 1st
        "Lyon": "=",
        "Basel": "new",
        "Paris": "new",
        "Lisbon": "new",
    }
    # the same words as the written ranking gives (format_rank_change, as on the site)
    for r in read_csv_rows(tmp_path / "a" / "ranking.csv"):
        row = {"new": r["new"] == "true", "rank_change": r["rank_change"] or None}
        assert rows[r["name"]]["change"] == format_rank_change(row)
        assert rows[r["name"]]["rank"] == r["rank"]
    plain = runner.invoke(app, [*args, "--out", str(tmp_path / "b")])
    assert plain.exit_code == 0, plain.output
    columns, rows = _summary(plain.output)
    assert "change" not in columns and set(rows) == set(SMALL_RANKING)
