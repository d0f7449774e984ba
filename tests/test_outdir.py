"""Never destroy what the user did not ask to replace (issue 11, item 1).

Every command that writes (run, demo, read, synth, geocode, report) and its Python function
refuse, before any work: an existing file, a non-empty folder stclusters did not write (no marker)
unless --force; an output that is, contains or lies inside an input, even with --force.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from stclusters._outdir import (
    MARKER,
    check_file,
    check_folder,
    check_run_folder,
    input_paths,
    read_marker,
    staged_folder,
    write_marker,
)
from stclusters.cli import app
from stclusters.config import Config
from stclusters.errors import OutputError, StclustersError
from stclusters.geocode.stage import OUTPUT_COLUMNS, geocode_csv
from stclusters.records import Records, read_records, write_records

runner = CliRunner()

#: A plain table `stclusters read` takes (docs/readers.md): two documents in Lyon.
TABLE = (
    "doc_id,layer,year,person_seq,name,city,country,lat,lon\n"
    "P1,patent,2021,0,Ann,Lyon,FR,45.76,4.84\n"
    "A1,article,2020,0,Cy,Lyon,FR,45.76,4.84\n"
)


def _records() -> Records:
    """Documents of both layers in Lyon, all located (so the run needs no geocoding)."""
    docs, people = [], []
    for i in range(12):
        layer = "patent" if i % 2 else "article"
        doc = f"{layer[0].upper()}{i}"
        docs.append({"doc_id": doc, "layer": layer, "year": 2020})
        people.append(
            {
                "doc_id": doc,
                "person_seq": 0,
                "address_seq": 0,
                "role": "inventor" if layer == "patent" else "author",
                "country": "FR",
                "lat": 45.76 + i * 1e-3,
                "lon": 4.84,
                "precision": "city",
            }
        )
    return Records.from_tables(documents=docs, people=people)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A user's project folder: notes, a documents folder, a records folder, a file."""
    root = tmp_path / "proj"
    (root / "mydocs").mkdir(parents=True)
    (root / "notes.txt").write_text("my notes\n")
    (root / "mydocs" / "paper.txt").write_text("a document\n")
    (root / "outfile.txt").write_text("keep me\n")
    (root / "table.csv").write_text(TABLE)
    write_records(_records(), root / "recs" / "mine")
    return root


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _refused(args: list[str], *words: str) -> str:
    """Invoke the CLI, check it refused with one clear line naming ``words``; return the output."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "error: refusing to write" in result.output
    for word in words:
        assert word in result.output, (word, result.output)
    return result.output


# --------------------------------------------------------------------------------------------
# the cases, on the command line


def test_run_out_dot_inside_project_is_refused_even_with_force(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    before = _snapshot(project)
    for force in ([], ["--force"]):
        _refused(
            ["run", "recs/mine", "--out", ".", "--min-points", "5", *force],
            "contains the input recs/mine",
            "not even with --force",
        )
    assert _snapshot(project) == before


def test_out_dot_is_refused_even_with_force_when_no_input_is_in_it(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    (elsewhere / "keep.txt").write_text("x")
    _refused(
        ["run", str(project / "recs" / "mine"), "--out", ".", "--force"],
        "the current folder",
    )
    _refused(["read", str(project / "table.csv"), "--out", "..", "--force"], "contains the input")
    assert (elsewhere / "keep.txt").read_text() == "x"
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    with pytest.raises(OutputError, match="is your home folder"):
        check_folder(home, kind="run", force=True)


@pytest.mark.parametrize(
    "command",
    [
        ["run", "recs/mine", "--min-points", "5"],
        ["read", "table.csv"],
        ["synth", "--scale", "0.001"],
        ["demo", "--scale", "0.001"],
    ],
    ids=["run", "read", "synth", "demo"],
)
def test_folder_of_other_things_and_file_are_refused(
    command: list[str], project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    before = _snapshot(project)
    _refused([*command, "--out", "mydocs"], "mydocs", "not written by stclusters", "--force")
    _refused([*command, "--out", "outfile.txt"], "outfile.txt", "existing file", "--force")
    assert _snapshot(project) == before
    assert not (project / "mydocs-world").exists()  # demo refused before building its world


def test_out_is_the_input_records_folder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    before = _snapshot(project)
    for force in ([], ["--force"]):
        _refused(["run", "recs/mine", "--out", "recs/mine", *force], "is the input recs/mine")
        _refused(["run", "recs/mine", "--out", "recs/mine/out", *force], "lies inside the input")
        _refused(["run", "recs/mine", "--out", "recs", *force], "contains the input recs/mine")
        _refused(["read", "recs/mine", "--out", "recs/mine", *force], "is the input")
        _refused(["read", "table.csv", "--out", "table.csv", *force], "is the input table.csv")
        _refused(["read", "*.csv", "--out", "sub", *force], "lies inside the input *.csv")
    assert _snapshot(project) == before


def test_out_is_a_symlink_to_the_input(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    (project / "link").symlink_to(project / "recs" / "mine")
    _refused(["run", "recs/mine", "--out", "link", "--force"], "is the input recs/mine")
    _refused(["run", "link", "--out", "recs/mine", "--force"], "is the input link")
    assert read_records(project / "recs" / "mine").documents.num_rows == 12


def test_config_file_is_an_input(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    (project / "mydocs" / "c.toml").write_text("[clustering]\neps_km = 12\n")
    _refused(
        ["run", "recs/mine", "--out", "mydocs", "--config", "mydocs/c.toml", "--force"],
        "contains the input mydocs/c.toml",
    )


def test_read_replaces_its_own_folder_and_others_only_with_force(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    first = runner.invoke(app, ["read", "table.csv", "--out", "recs/new"])
    assert first.exit_code == 0, first.output
    assert read_marker(project / "recs" / "new") == "records"
    again = runner.invoke(app, ["read", "table.csv", "--out", "recs/new"])  # no --force needed
    assert again.exit_code == 0, again.output
    assert read_records(project / "recs" / "new").documents.num_rows == 2
    forced = runner.invoke(app, ["read", "table.csv", "--out", "mydocs", "--force"])
    assert forced.exit_code == 0, forced.output
    assert not (project / "mydocs" / "paper.txt").exists()
    assert read_marker(project / "mydocs") == "records"
    forced = runner.invoke(app, ["read", "table.csv", "--out", "outfile.txt", "--force"])
    assert forced.exit_code == 0, forced.output
    assert (project / "outfile.txt" / "manifest.json").is_file()


def test_failed_read_leaves_the_old_folder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    assert runner.invoke(app, ["read", "table.csv", "--out", "r"]).exit_code == 0
    before = _snapshot(project / "r")
    result = runner.invoke(app, ["read", "missing.csv", "--out", "r"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert _snapshot(project / "r") == before
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".r")) == []


#: Run in a process of its own (signals are held only in a main thread, which a test worker's
#: may not be): `stclusters read` where a Ctrl-C arrives while the swapped-out previous output
#: is removed.
_SWAP_THEN_SIGINT = """
import os, signal, sys
import stclusters._outdir as outdir
from stclusters.cli import app
remove = outdir._remove_tree
def interrupted_removal(path):
    if outdir._COMPLETED:  # Ctrl-C now: held until the staging is cleaned up
        os.kill(os.getpid(), signal.SIGINT)
    remove(path)
outdir._remove_tree = interrupted_removal
sys.argv = ["stclusters", "read", "table.csv", "--out", "r"]
app()
"""


def test_interrupt_after_the_swap_says_the_new_output_is_complete(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the swapped-out previous output is removed: the new output is in place,
    and the message says so (not "nothing was written"); nothing is left beside it."""
    import subprocess
    import sys

    monkeypatch.chdir(project)
    assert runner.invoke(app, ["read", "table.csv", "--out", "r"]).exit_code == 0
    (project / "r" / "old.txt").write_text("from the previous read\n")
    result = subprocess.run(
        [sys.executable, "-c", _SWAP_THEN_SIGINT],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 130, output
    assert "already complete" in output and "nothing was written" not in output
    assert "Traceback" not in output
    assert not (project / "r" / "old.txt").exists()
    assert read_records(project / "r").documents.num_rows == 2
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".r")) == []


def test_records_and_world_replace_each_other_but_not_a_run(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    world = project / "w"
    world.mkdir()
    write_marker(world, "world")
    (world / "truth_people.parquet").write_text("stale")
    assert runner.invoke(app, ["read", "table.csv", "--out", "w"]).exit_code == 0
    assert read_marker(world) == "records" and not (world / "truth_people.parquet").exists()
    run_out = project / "r"
    run_out.mkdir()
    write_marker(run_out, "run")
    (run_out / "ranking.json").write_text("{}")
    _refused(["read", "table.csv", "--out", "r"], "holds the output of a run", "--force")
    _refused(["run", "recs/mine", "--out", "w"], "holds a records folder", "--force")


def test_older_output_without_marker_is_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    old = project / "out" / "old"
    old.mkdir(parents=True)
    (old / "ranking.json").write_text("{}")
    out = _refused(["run", "recs/mine", "--out", "out/old"], "before the marker existed")
    assert MARKER in out
    _refused(["report", "out/old"], "before the marker existed", "--force")


# --------------------------------------------------------------------------------------------
# the run: the Python API, the marker, a rerun


def test_api_run_refuses_before_reading_inputs(project: Path) -> None:
    from stclusters.pipeline import run

    missing = project / "no-such-input"
    with pytest.raises(OutputError, match="not written by stclusters"):
        run([missing], out=project / "mydocs")  # refused before the input is looked at
    with pytest.raises(StclustersError, match="is the input"):
        run([project / "recs" / "mine"], out=project / "recs" / "mine", force=True)
    raster = project / "mydocs" / "pop.tif"
    raster.write_bytes(b"")
    with pytest.raises(OutputError, match="contains the input"):
        run(
            [project / "recs" / "mine"],
            out=project / "mydocs",
            config=Config(population_raster=str(raster)),
            force=True,
        )
    assert (project / "mydocs" / "paper.txt").exists()


def test_run_writes_marker_reruns_and_forces(project: Path) -> None:
    from stclusters.pipeline import run

    config = Config(min_points=1)
    out = project / "out"
    run([project / "recs" / "mine"], out=out, config=config, write_site=False)
    assert read_marker(out) == "run"
    (out / "leftover.txt").write_text("from the first run")
    run([project / "recs" / "mine"], out=out, config=config, write_site=False)  # no force
    assert read_marker(out) == "run" and not (out / "leftover.txt").exists()
    run(
        [project / "recs" / "mine"],
        out=project / "mydocs",
        config=config,
        write_site=False,
        force=True,
    )
    assert read_marker(project / "mydocs") == "run"
    assert not (project / "mydocs" / "paper.txt").exists()


# --------------------------------------------------------------------------------------------
# report, synth, records, geocode


def test_report_needs_the_run_marker(tmp_path: Path) -> None:
    from sample_run import write_sample_run

    folder = write_sample_run(tmp_path / "site", clusters=3, seed=1)
    assert read_marker(folder) == "run"  # it stands for a run's output
    (folder / MARKER).unlink()  # as written by an older stclusters
    _refused(["report", str(folder), "--no-pdf"], "no .stclusters-output marker", "--force")
    assert not (folder / "index.html").exists()
    forced = runner.invoke(app, ["report", str(folder), "--no-pdf", "--force"])
    assert forced.exit_code == 0, forced.output
    (folder / "index.html").unlink()
    write_marker(folder, "run")
    result = runner.invoke(app, ["report", str(folder), "--no-pdf"])
    assert result.exit_code == 0, result.output
    assert (folder / "index.html").is_file()
    records = write_records(_records(), tmp_path / "recs")
    _refused(["report", str(records)], "holds a records folder")
    _refused(["report", str(tmp_path / "none")], "not a folder")


def test_write_records_and_write_world_refuse_unmarked_folders(tmp_path: Path) -> None:
    from stclusters.synth import write_world

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "paper.txt").write_text("mine")
    with pytest.raises(OutputError, match="not written by stclusters"):
        write_records(_records(), docs)
    with pytest.raises(OutputError, match="not written by stclusters"):
        write_world(docs, scale=0.001)
    assert sorted(p.name for p in docs.iterdir()) == ["paper.txt"]
    write_records(_records(), docs, force=True)
    assert read_marker(docs) == "records" and not (docs / "paper.txt").exists()
    write_records(_records(), docs)  # its own folder: no force needed
    assert read_records(docs).documents.num_rows == 12


def _csv(path: Path, columns: list[str]) -> Path:
    pacsv.write_csv(pa.table({c: ["x"] for c in columns}), path)
    return path


def test_geocode_output_file(tmp_path: Path) -> None:
    src = _csv(tmp_path / "addresses.csv", ["address"])
    (tmp_path / "dir").mkdir()
    for force in ([], ["--force"]):
        _refused(["geocode", str(src), "--out", str(src), *force], "is the input")
        _refused(["geocode", str(src), "--out", str(tmp_path / "dir"), *force], "it is a folder")
    mine = tmp_path / "mine.csv"
    mine.write_text("precious\n")
    _refused(["geocode", str(src), "--out", str(mine)], "not a previous output", "--force")
    assert mine.read_text() == "precious\n"
    with pytest.raises(OutputError, match="not a previous output"):
        geocode_csv(src, out=mine)
    # a previous output (as pyarrow writes it: quoted header) is replaced without --force
    previous = _csv(tmp_path / "located.csv", ["address", *OUTPUT_COLUMNS])
    assert check_file(previous, inputs=[src], own_columns=OUTPUT_COLUMNS) == previous.resolve()
    assert check_file(mine, inputs=[src], force=True) == mine.resolve()
    wrong_order = _csv(tmp_path / "other.csv", [*reversed(OUTPUT_COLUMNS)])
    with pytest.raises(OutputError):
        check_file(wrong_order, own_columns=OUTPUT_COLUMNS)
    os.link(src, tmp_path / "hard.csv")
    with pytest.raises(OutputError, match="is the input"):
        check_file(tmp_path / "hard.csv", inputs=[src], force=True)


# --------------------------------------------------------------------------------------------
# the module's rules


def test_new_and_empty_targets_are_written(tmp_path: Path) -> None:
    assert check_folder(tmp_path / "a" / "b", kind="run") == (tmp_path / "a" / "b").resolve()
    (tmp_path / "empty").mkdir()
    assert check_folder(tmp_path / "empty", kind="records") == (tmp_path / "empty").resolve()
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        check_folder(tmp_path / "file" / "sub", kind="run", force=True)


def test_marker_content_is_fixed_and_checked(tmp_path: Path) -> None:
    write_marker(tmp_path, "world")
    assert json.loads((tmp_path / MARKER).read_text()) == {
        "kind": "world",
        "written_by": "stclusters",
    }
    assert read_marker(tmp_path) == "world"
    (tmp_path / MARKER).write_text("not json")
    assert read_marker(tmp_path) is None
    (tmp_path / MARKER).write_text('{"kind": "mydocs"}')
    assert read_marker(tmp_path) is None
    with pytest.raises(OutputError):
        check_run_folder(tmp_path)


def test_input_paths_of_globs() -> None:
    assert input_paths(["a/b/*.txt", "**/*.csv", "x/[ab]/y", "plain/file.csv"]) == [
        Path("a/b"),
        Path(),
        Path("x"),
        Path("plain/file.csv"),
    ]


def test_staged_folder_keeps_the_old_folder_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with staged_folder(out, kind="records") as folder:
        (folder / "a.txt").write_text("first")
    assert (out / "a.txt").read_text() == "first" and read_marker(out) == "records"
    with pytest.raises(RuntimeError), staged_folder(out, kind="records") as folder:
        (folder / "a.txt").write_text("second")
        raise RuntimeError("boom")
    assert (out / "a.txt").read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


SEGMENTS = st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3)


@settings(max_examples=60, deadline=None)
@given(inp=SEGMENTS, out=SEGMENTS, force=st.booleans())
def test_overlap_with_an_input_is_always_refused(
    tmp_path_factory: pytest.TempPathFactory, inp: list[str], out: list[str], force: bool
) -> None:
    root = tmp_path_factory.mktemp("h")
    source = root.joinpath(*inp)
    source.mkdir(parents=True)
    (source / "data.txt").write_text("input")
    target = root.joinpath(*out)
    overlaps = inp[: len(out)] == out[: len(inp)]  # one is a prefix of the other
    if overlaps:
        with pytest.raises(OutputError, match="never be, contain or lie inside an input"):
            check_folder(target, kind="run", inputs=[source], force=force)
    else:
        check_folder(target, kind="run", inputs=[source], force=True)
    assert (source / "data.txt").read_text() == "input"


def test_a_rerun_says_what_it_replaced(tmp_path: Path) -> None:
    """Replacing an earlier output is allowed without --force, and said (not silent)."""
    table = _csv(
        tmp_path / "docs.csv",
        ["doc_id", "layer", "year"],
    )
    table.write_text("doc_id,layer,year\nP1,patent,2020\n", encoding="utf-8")
    out = tmp_path / "recs"
    first = runner.invoke(app, ["read", str(table), "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert "replaced" not in first.output
    again = runner.invoke(app, ["read", str(table), "--out", str(out)])
    assert again.exit_code == 0, again.output
    said = " ".join(again.output.split())  # the console wraps long lines
    assert "replaced the earlier output" in said and "a records folder" in said


# --------------------------------------------------------------------------------------------
# atomic replacement and what killed commands leave behind (issue 13)


def test_exchange_swaps_two_folders_in_one_step(tmp_path: Path) -> None:
    from stclusters._outdir import exchange

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("from a")
    (b / "y").write_text("from b")
    if not exchange(a, b):
        pytest.skip("this system cannot swap two folders in one step (the fallback is tested)")
    assert (a / "y").read_text() == "from b" and (b / "x").read_text() == "from a"


@pytest.mark.parametrize("swap", ["exchange", "fallback"])
def test_staged_folder_replaces_whole_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swap: str
) -> None:
    from stclusters import _outdir

    if swap == "fallback":
        monkeypatch.setattr(_outdir, "_renameat2", lambda: None)
    out = tmp_path / "out"
    for round_ in range(3):
        with staged_folder(out, kind="records") as folder:
            (folder / "data.txt").write_text(f"round {round_}")
        assert (out / "data.txt").read_text() == f"round {round_}"
        assert read_marker(out) == "records"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _leave_as_killed(out: Path, *, aside: bool = False) -> Path:
    """What a command killed while building beside ``out`` leaves: a folder and its lock."""
    import tempfile

    fd, lock = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".lock", dir=out.parent)
    os.close(fd)  # the process died: nobody holds the lock
    tmp = Path(lock[: -len(".lock")])
    tmp.mkdir()
    (tmp / "half.csv").write_text("half")
    if aside:  # the fallback died between its two renames: out moved aside
        out.replace(tmp.with_name(tmp.name + ".old"))
    return tmp


def test_next_command_sweeps_what_a_killed_one_left(tmp_path: Path) -> None:
    from stclusters._outdir import sweep_stale

    out = tmp_path / "out"
    with staged_folder(out, kind="records") as folder:
        (folder / "data.txt").write_text("old")
    _leave_as_killed(out)
    _leave_as_killed(out)
    (tmp_path / ".out.mine").mkdir()  # not ours (no lock): never touched
    with staged_folder(out, kind="records") as folder:
        (folder / "data.txt").write_text("new")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.mine", "out"]
    assert (out / "data.txt").read_text() == "new"
    assert sweep_stale(out) == []


def test_sweep_puts_back_an_output_moved_aside(tmp_path: Path) -> None:
    from stclusters._outdir import sweep_stale

    out = tmp_path / "out"
    with staged_folder(out, kind="records") as folder:
        (folder / "data.txt").write_text("old")
    _leave_as_killed(out, aside=True)
    assert not out.exists()
    sweep_stale(out)
    assert (out / "data.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_sweep_leaves_a_folder_whose_lock_is_held(tmp_path: Path) -> None:
    import fcntl

    from stclusters._outdir import sweep_stale

    out = tmp_path / "out"
    tmp = _leave_as_killed(out)
    fd = os.open(str(tmp) + ".lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a command still running
        assert sweep_stale(out) == []
        assert tmp.is_dir()
    finally:
        os.close(fd)
    assert sweep_stale(out) == [tmp]
    assert not tmp.exists()
