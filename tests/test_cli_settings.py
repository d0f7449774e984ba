"""How settings appear on the command line: types and defaults in --help, on/off flags, and
tables printed to a file or a pipe at full width (issue 14, item 8)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import stclusters.pipeline
from stclusters.cli import app
from stclusters.config import Config, settings_view

runner = CliRunner()


def _help(command: str) -> str:
    """``stclusters COMMAND --help`` as a person reads it in a wide terminal, one line per row
    (box drawing removed, so that each option's row can be searched)."""
    env = {**os.environ, "COLUMNS": "400", "TERMINAL_WIDTH": "400"}
    done = subprocess.run(
        [sys.executable, "-m", "stclusters.cli", command, "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return re.sub(r"[│╭╮╰╯─]", " ", done.stdout)


def test_run_help_shows_each_settings_type_and_default() -> None:
    text = _help("run")
    rows = {line.split()[0]: " ".join(line.split()) for line in text.splitlines() if line.split()}
    for view in settings_view():
        row = rows.get(view.option)
        assert row is not None, f"{view.option} missing from run --help"
        assert f"[default: {view.default or 'none'}]" in row, row
        if view.flag:
            assert f"--no-{view.option[2:]}" in row, row
        else:
            assert f" {view.metavar} " in row, row
            assert f"Allowed: {view.allowed}." in row, row
    # hand-checked values of the table (the view is derived, not copied)
    assert "--eps-km NUMBER" in rows["--eps-km"] and "[default: 15]" in rows["--eps-km"]
    assert "--edition INTEGER" in rows["--edition"] and "[default: 2024]" in rows["--edition"]
    assert "geonames|raster" in rows["--population-source"]
    assert "[default: street,postcode,city]" in rows["--cluster-precisions"]
    assert "<str>" not in " ".join(rows[v.option] for v in settings_view())


@pytest.mark.parametrize("command", ["run", "demo", "read", "synth", "geocode", "report", "config"])
def test_every_command_help_shows_defaults(command: str) -> None:
    text = _help(command)
    assert "Usage: " in text and "--help" in text
    if command == "geocode":
        from stclusters.geocode.address import STYLES

        style = " ".join(line for line in text.splitlines() if "--style" in line)
        assert all(name in style for name in STYLES), style  # inventor was left out once


class _StopError(Exception):
    """Raised by the stand-in for the pipeline once it has the run's settings."""


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[Config]:
    """The settings each `stclusters run` of a test got (the pipeline itself is not run)."""
    got: list[Config] = []

    def fake_run(inputs: Any, *, config: Config, **_kw: Any) -> Any:
        got.append(config)
        raise _StopError

    monkeypatch.setattr(stclusters.pipeline, "run", fake_run)
    return got


@pytest.mark.parametrize(
    ("args", "toml", "expected"),
    [
        (["--sensitivity"], "", True),
        (["--no-sensitivity"], "", False),
        ([], "", False),
        ([], "[ranking]\nsensitivity = true\n", True),
        (["--no-sensitivity"], "[ranking]\nsensitivity = true\n", False),
        (["--sensitivity"], "[ranking]\nsensitivity = false\n", True),
    ],
)
def test_on_off_settings_are_flags(
    tmp_path: Path, seen: list[Config], args: list[str], toml: str, expected: bool
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(toml)
    (tmp_path / "in").mkdir()
    result = runner.invoke(
        app,
        ["run", str(tmp_path / "in"), "--out", str(tmp_path / "o"), "-c", str(config), *args],
    )
    assert "requires an argument" not in result.output
    assert len(seen) == 1, result.output
    assert seen[0].sensitivity is expected


def test_every_on_off_setting_is_a_flag(tmp_path: Path, seen: list[Config]) -> None:
    flags = [v for v in settings_view() if v.flag]
    assert {v.name for v in flags} >= {"sensitivity", "exclude_ssh_only"}
    for view in flags:
        default = getattr(Config(), view.name)
        seen.clear()
        option = f"--no-{view.option[2:]}" if default else view.option
        (tmp_path / "in").mkdir(exist_ok=True)
        result = runner.invoke(
            app, ["run", str(tmp_path / "in"), "--out", str(tmp_path / "o"), option]
        )
        assert len(seen) == 1, result.output
        assert getattr(seen[0], view.name) is (not default), view.name


def _piped(code: str) -> str:
    """What ``code`` prints to a pipe (no terminal, COLUMNS unset, as in ``... > file``)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return done.stdout


def test_ranking_printed_to_a_pipe_is_not_cut() -> None:
    out = _piped(
        """
        from types import SimpleNamespace as N
        from stclusters.cli import _print_ranking
        rows = [N(rank=i + 1, name="Rotterdam–Amsterdam–Utrecht–Eindhoven–Leiden",
                  economies=["NL", "BE", "DE"], patents=123456.0, articles=654321.0,
                  population=12_345_678.0, intensity_rank=i + 17, new=None, rank_change=None)
          for i in range(3)]
        _print_ranking(N(ranking=rows))
        """
    )
    header = next(line for line in out.splitlines() if "rank" in line and "name" in line)
    cells = [c.strip() for c in re.split(r"[┃│]", header) if c.strip()]
    assert cells == ["rank", "name", "economies", "patents", "articles", "pop. (M)", "intensity"]
    assert out.count("Rotterdam–Amsterdam–Utrecht–Eindhoven–Leiden") == 3
    assert "NL;BE;DE" in out and "654,321" in out and "12.3" in out and " 19 " in out


def test_settings_table_printed_to_a_pipe_is_not_cut() -> None:
    out = _piped("from stclusters.cli import app; app(['config'])")
    for view in settings_view():
        assert view.help in out, view.name  # each meaning whole, on one line
