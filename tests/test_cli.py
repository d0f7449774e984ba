"""The command line: version, config, validate (the run and demo have their own tests)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from stclusters import __version__
from stclusters.cli import app
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
