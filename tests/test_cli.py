"""The command line: version, config, validate (the run and demo have their own tests)."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from stclusters import __version__
from stclusters.cli import app
from stclusters.errors import EXIT_CODES
from stclusters.records import Records, write_records

runner = CliRunner()


def test_version_and_help() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("config", "validate", "run", "demo"):
        assert command in result.output


def test_config_prints_effective_settings(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[clustering]\neps_km = 12\n")
    result = runner.invoke(app, ["config", "--config", str(path), "--set", "top_n=7", "--toml"])
    assert result.exit_code == 0, result.output
    assert "eps_km = 12.0" in result.output and "top_n = 7" in result.output


def test_config_bad_value_is_one_clear_line() -> None:
    result = runner.invoke(app, ["config", "--set", "eps_km=-3"])
    assert result.exit_code == 2
    assert "eps_km" in result.output and "got -3" in result.output
    assert "Traceback" not in result.output


def test_validate_good_and_bad_folders(tmp_path: Path) -> None:
    recs = Records.from_tables(
        documents=[{"doc_id": "A", "layer": "article", "year": 2020}],
        people=[{"doc_id": "B", "person_seq": 0, "role": "author"}],
    )
    folder = write_records(recs, tmp_path / "bad")
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2
    assert "not in documents" in result.output
    good = write_records(
        Records.from_tables(documents=[{"doc_id": "A", "layer": "article", "year": 2020}]),
        tmp_path / "good",
    )
    result = runner.invoke(app, ["validate", str(good)])
    assert result.exit_code == 0 and "valid" in result.output
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 2 and "not a records folder" in result.output


def test_run_rejects_bad_setting_before_any_work(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["run", str(tmp_path / "nothing"), "--out", str(tmp_path / "o"), "--eps-km", "-1"]
    )
    assert result.exit_code == 2
    assert "'eps_km' setting" in result.output
    assert not (tmp_path / "o").exists()


def test_every_writing_command_has_force() -> None:
    for command in ("run", "demo", "read", "synth", "geocode", "report"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0, result.output
        assert "--force" in result.output, command
    for command in ("config", "validate"):
        assert "--force" not in runner.invoke(app, [command, "--help"]).output


def test_public_api_names_resolve() -> None:
    import stclusters

    for name in stclusters.__all__:
        assert getattr(stclusters, name) is not None, name


def test_geocode_help_lists_every_address_style() -> None:
    from stclusters.geocode.address import STYLES

    shown = " ".join(CliRunner().invoke(app, ["geocode", "--help"]).output.split())
    assert all(style in shown for style in STYLES), shown


# --------------------------------------------------------------------------------------------
# failures: one message, a documented exit code, no traceback (issue 13)


def _world(tmp_path: Path) -> Path:
    from worlds import small_world

    return write_records(small_world(), tmp_path / "world")


def _fail_run_with(
    exc: BaseException, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str
) -> Any:
    import stclusters.pipeline as pipeline

    def boom(*_a: Any, **kw: Any) -> None:
        kw["on_stage"]("count")
        raise exc

    monkeypatch.setattr(pipeline, "run", boom)
    world = _world(tmp_path)
    return runner.invoke(app, [*args, "run", str(world), "--out", str(tmp_path / "out")])


def _one_error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, output
    assert "Traceback" not in output
    return lines[0]


@pytest.mark.parametrize(
    ("exc", "code", "words"),
    [
        (duckdb.OutOfMemoryException("Out of Memory Error: failed"), 5, ["out of memory"]),
        (MemoryError(), 5, ["out of memory"]),
        (RuntimeError("Query interrupted"), 130, ["interrupted"]),
        (KeyboardInterrupt(), 130, ["interrupted"]),
        (OSError(errno.ENOSPC, "No space left on device", "/x/ranking.csv"), 4, ["disk full"]),
        (PermissionError(errno.EACCES, "Permission denied", "/x/a.csv"), 4, ["permission"]),
        (OSError(errno.EIO, "Input/output error", "/x/a.csv"), 2, ["/x/a.csv"]),
        (ValueError("a bug"), 1, ["unexpected error", "--debug", "a bug"]),
    ],
)
def test_failures_are_one_line_with_their_exit_code(
    exc: BaseException,
    code: int,
    words: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = _fail_run_with(exc, tmp_path, monkeypatch)
    assert result.exit_code == code, result.output
    line = " ".join(_one_error_line(result.output).split())
    for word in words:
        assert word in line, line
    assert "stage 'count'" in line
    assert not (tmp_path / "out").exists()


def test_out_of_memory_names_the_limit_and_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exc = duckdb.OutOfMemoryException("Out of Memory Error")
    result = _fail_run_with(exc, tmp_path, monkeypatch)
    line = " ".join(result.output.split())
    assert "DuckDB's default" in line and "--memory-limit-gb" in line
    import stclusters.pipeline as pipeline

    def boom(*_a: Any, **kw: Any) -> None:
        kw["on_stage"]("cluster")
        raise exc

    monkeypatch.setattr(pipeline, "run", boom)
    world = tmp_path / "world"
    args = ["run", str(world), "--out", str(tmp_path / "o"), "--memory-limit-gb", "4"]
    result = runner.invoke(app, args)
    line = " ".join(result.output.split())
    assert result.exit_code == 5 and "4 GB" in line and "stage 'cluster'" in line, line


def test_debug_shows_the_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _fail_run_with(ValueError("a bug"), tmp_path, monkeypatch, "--debug")
    assert result.exit_code == 1
    assert "Traceback" in result.output and "ValueError: a bug" in result.output


def test_exit_codes_are_documented() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for name, code in EXIT_CODES.items():
        assert f"| {code} |" in readme, f"exit code {code} ({name}) missing from the README"


def test_settings_group_in_brackets_is_shown(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("edition = 2024\n\n[clusterin]\neps_km = 10\n")
    result = runner.invoke(app, ["config", "--config", str(path)])
    assert result.exit_code == 2
    line = " ".join(_one_error_line(result.output).split())
    assert "[clusterin]" in line and "line 3" in line and "did you mean [clustering]" in line


def test_corrupt_parquet_in_a_records_folder(tmp_path: Path) -> None:
    world = _world(tmp_path)
    data = (world / "people.parquet").read_bytes()
    (world / "people.parquet").write_bytes(data[: len(data) // 2])
    for args in (["validate", str(world)], ["run", str(world), "--out", str(tmp_path / "o")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        text = " ".join(result.output.split())
        assert "people.parquet" in text and "not a readable Parquet file" in text, text
        assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_empty_file_one_message_with_or_without_format(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    outputs = []
    for extra in ([], ["--format", "wos"], ["--format", "table"]):
        args = ["read", str(tmp_path / "empty.txt"), "--out", str(tmp_path / "r"), *extra]
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        outputs.append(" ".join(_one_error_line(result.output).split()))
    assert len(set(outputs)) == 1 and "the file is empty" in outputs[0], outputs
    assert not (tmp_path / "r").exists()


def test_wrong_format_forced_fails_and_writes_nothing(tmp_path: Path) -> None:
    png = tmp_path / "some.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    result = runner.invoke(app, ["read", str(png), "--out", str(tmp_path / "r"), "-f", "uspto"])
    assert result.exit_code == 2, result.output
    line = " ".join(_one_error_line(result.output).split())
    assert "no record could be kept" in line and "--format uspto" in line, line
    assert not (tmp_path / "r").exists()


def test_validate_refuses_a_records_folder_without_documents(tmp_path: Path) -> None:
    empty = write_records(Records.from_tables(), tmp_path / "empty")
    result = runner.invoke(app, ["validate", str(empty)])
    assert result.exit_code == 2 and "holds no documents" in " ".join(result.output.split())


def test_unwritable_output_is_found_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stclusters.pipeline as pipeline

    world = _world(tmp_path)
    ro = tmp_path / "ro"
    ro.mkdir()
    locked = _make_unwritable(ro)
    try:
        called: list[bool] = []
        monkeypatch.setattr(pipeline, "compute", lambda *a, **k: called.append(True))
        result = runner.invoke(app, ["run", str(world), "--out", str(ro / "out")])
        assert result.exit_code == 4, result.output
        line = " ".join(_one_error_line(result.output).split())
        assert str(ro) in line and "cannot be written" in line and ".out." not in line, line
        assert called == []
        result = runner.invoke(app, ["read", str(world), "--out", str(ro / "r")])
        assert result.exit_code == 4, result.output
    finally:
        locked()


def _make_unwritable(folder: Path) -> Any:
    """Make ``folder`` unwritable (chmod, or chattr +i as root); skip when neither works."""
    import os
    import shutil
    import subprocess

    if os.geteuid() != 0:
        folder.chmod(0o555)
        return lambda: folder.chmod(0o755)
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(folder)], check=False).returncode:
        pytest.skip("running as root without chattr +i here: no folder can be made unwritable")
    return lambda: subprocess.run([chattr, "-i", str(folder)], check=False)


def test_unwritable_output_message_from_the_probe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    def refuse(*_a: Any, **_k: Any) -> str:
        raise PermissionError(errno.EACCES, "Permission denied")

    world = _world(tmp_path)
    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    result = runner.invoke(app, ["run", str(world), "--out", str(tmp_path / "o")])
    assert result.exit_code == 4
    line = " ".join(_one_error_line(result.output).split())
    assert "Permission denied" in line and "chmod u+w" in line, line


def test_disk_full_while_writing_keeps_the_previous_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stclusters.pipeline as pipeline

    world = _world(tmp_path)
    out = tmp_path / "out"
    first = runner.invoke(app, ["run", str(world), "--out", str(out), "--no-site"])
    assert first.exit_code == 0, first.output
    before = sorted(p.name for p in out.iterdir())

    def full(*_a: Any, **_k: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "ranking.csv"))

    monkeypatch.setattr(pipeline, "write_folder", full)
    result = runner.invoke(app, ["run", str(world), "--out", str(out), "--no-site"])
    assert result.exit_code == 4, result.output
    assert "disk full" in _one_error_line(result.output)
    assert sorted(p.name for p in out.iterdir()) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
