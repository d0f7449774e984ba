"""Reading an output folder: required files, the contract's keys, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stclusters.errors import InputError, ValidationError
from stclusters.report import read_site_inputs, write_site


def _edit(path: Path, fn) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(path.read_text(encoding="utf-8"))
    fn(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")


def test_reads_the_sample(run_folder: Path) -> None:
    inputs = read_site_inputs(run_folder)
    assert inputs.edition == 2024
    assert len(inputs.profiles) == 5
    assert inputs.top_n == 5
    assert [r["rank"] for r in inputs.rows] == sorted(r["rank"] for r in inputs.rows)
    assert set(inputs.footprints) == {p["cluster_id"] for p in inputs.profiles}
    assert inputs.accounts["settings"]["eps_km"] == 15


def test_missing_folder_and_files(tmp_path: Path, run_folder: Path) -> None:
    with pytest.raises(InputError, match="not a folder; give the output folder"):
        read_site_inputs(tmp_path / "nowhere")
    (run_folder / "ranking.json").unlink()
    with pytest.raises(InputError, match=r"ranking.json: file not found; run the pipeline"):
        read_site_inputs(run_folder)


def test_broken_json_names_line(run_folder: Path) -> None:
    (run_folder / "profiles.json").write_text('{"profiles": [\n  {"a": 1,}\n]}', encoding="utf-8")
    with pytest.raises(InputError, match=r"profiles.json: not valid JSON \(line 2"):
        read_site_inputs(run_folder)


def test_every_problem_is_listed(run_folder: Path) -> None:
    def breaks(doc: dict) -> None:  # type: ignore[type-arg]
        del doc["rows"][1]["slug"]
        doc["rows"][2]["patents"] = "many"
        doc["rows"][3]["lat"] = 95.0

    _edit(run_folder / "ranking.json", breaks)
    with pytest.raises(ValidationError) as info:
        read_site_inputs(run_folder)
    assert info.value.problems == [
        "row 2: missing key 'slug'",
        "row 3: 'patents' must be int or float, got 'many'",
        "row 4: 'lat' must lie within ±90, got 95.0",
    ]
    assert "ranking.json: 3 problem(s) found" in str(info.value)


@pytest.mark.parametrize("slug", ["../../etc/passwd", "Upper", "a b", "-x", ""])
def test_unsafe_slug_is_refused(run_folder: Path, slug: str) -> None:
    _edit(run_folder / "profiles.json", lambda d: d["profiles"][0].update(slug=slug))
    with pytest.raises(ValidationError, match="is not a safe file name"):
        read_site_inputs(run_folder)


def test_duplicate_slug_is_refused(run_folder: Path) -> None:
    def dup(doc: dict) -> None:  # type: ignore[type-arg]
        doc["profiles"][1]["slug"] = doc["profiles"][0]["slug"]

    _edit(run_folder / "profiles.json", dup)
    with pytest.raises(ValidationError, match="is used by an earlier profile"):
        read_site_inputs(run_folder)


def test_profile_missing_tables(run_folder: Path) -> None:
    _edit(run_folder / "profiles.json", lambda d: d["profiles"][0].pop("top_applicants"))
    with pytest.raises(ValidationError, match=r"profile 1 \(.+\): missing key 'top_applicants'"):
        read_site_inputs(run_folder)


def test_optional_files_may_be_missing(run_folder: Path) -> None:
    (run_folder / "clusters.geojson").unlink()
    (run_folder / "accounts.json").unlink()
    index = write_site(run_folder)
    page = index.read_text(encoding="utf-8")
    assert len(list((run_folder / "profiles").glob("*.pdf"))) == 5
    assert "About this run" not in page
    assert 'class="footprint"' not in page
    assert page.count('class="marker"') == 5


def test_accounts_of_another_shape_are_tolerated(run_folder: Path) -> None:
    (run_folder / "accounts.json").write_text(
        json.dumps({"layers": {"patents": {"files": {"a.xml": {"read": 3}}}}, "odd": [1, {}]}),
        encoding="utf-8",
    )
    page = write_site(run_folder, pdf=False).read_text(encoding="utf-8")
    assert "Files › a.xml › Read" in page
