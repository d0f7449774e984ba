"""Configuration: defaults of the method, TOML files with line numbers, overrides, bad values."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from stclusters.config import Config, load_config, settings_table, to_toml
from stclusters.errors import ConfigError


def test_defaults_are_the_method() -> None:
    c = Config()
    assert (c.edition, c.eps_km, c.min_points, c.merge_km, c.footprint_km) == (
        2024,
        15.0,
        4500.0,
        5.0,
        5.0,
    )
    assert c.patent_years == (2019, 2023)
    assert c.article_years == (2018, 2022)
    assert (c.top_n, c.name_min_population, c.name_max_cities, c.name_min_share) == (
        100,
        100_000,
        3,
        0.15,
    )
    assert c.economy_share == 0.10
    assert c.population_source == "geonames"


def test_file_then_overrides(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("edition = 2023\n[clustering]\neps_km = 10\nmin_points = 100\n")
    c = load_config(path, overrides={"min_points": "50", "top_n": None})
    assert c.edition == 2023 and c.eps_km == 10.0 and c.min_points == 50.0
    assert c.top_n == 100
    assert c.patent_years == (2018, 2022)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "eps_km",
            "-3",
            r"'eps_km' setting must be a number at least 0.05 and at most 500; got -3",
        ),
        ("eps_km", "0.01", "at least 0.05"),
        ("min_points", "lots", "'min_points' setting must be a number above 0"),
        ("edition", "1900", "at least 1990"),
        ("edition", "2024.5", "whole number"),
        ("top_n", "0", "at least 1"),
        ("economy_share", "1.5", "at most 1"),
        ("name_min_share", "-0.1", "at least 0"),
        ("name_max_cities", "0", "at least 1"),
        ("merge_km", "-1", "at least 0"),
        ("footprint_km", "0", "above 0"),
        ("window_years", "0", "at least 1"),
        ("population_source", "census", "one of 'geonames', 'raster'"),
        ("cluster_precisions", "city,village", "a list of"),
        ("exclude_ssh_only", "maybe", "true or false"),
        ("profile_top", "100", "at most 50"),
        ("seed", "-1", "at least 0"),
        ("sensitivity_step", "0", "above 0"),
        ("memory_limit_gb", "0", "at least 0.1"),
        ("sensitivity", "often", "true or false"),
        ("patent_lag", "11", "at most 10"),
        ("article_lag", "-1", "at least 0"),
        ("name_min_population", "-5", "at least 0"),
        ("profile_top_fields", "36", "at most 35"),
        ("fuzzy_threshold", "101", "at least 50 and at most 100"),
        ("fuzzy_threshold", "forty", "'fuzzy_threshold' setting must be a number"),
        ("topic_counting", "half", "one of 'fractional', 'whole'"),
        ("topic_min_points", "0", "above 0"),
        ("sensitivity_grid", "12", "at most 11"),
        ("sensitivity_bootstraps", "-1", "at least 0"),
    ],
)
def test_each_bad_value_fails_with_name_range_value_and_source(
    key: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load_config(overrides={key: value})
    assert "(command line)" in str(info.value)


def test_every_setting_has_a_bad_value_test() -> None:
    """Every numeric or choice setting is exercised by the parametrised test above."""
    numeric = {
        f.name
        for f in dataclasses.fields(Config)
        if f.metadata["setting"].minimum is not None or f.metadata["setting"].choices
    }
    source = Path(__file__).read_text()
    missing = [name for name in numeric if f'("{name}",' not in source]
    assert not missing


def test_bad_value_in_file_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "stclusters.toml"
    path.write_text("edition = 2024\n\n[clustering]\neps_km = -3\n")
    with pytest.raises(ConfigError, match=r"got -3 \(.*stclusters.toml, line 4\)"):
        load_config(path)


def test_unknown_setting_suggests_the_right_one(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("eps = 3\n")
    with pytest.raises(ConfigError, match=r"Unknown setting 'eps' .*line 1.*did you mean 'eps_km'"):
        load_config(path)


def test_unknown_group_and_broken_toml(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("[clusterin]\neps_km = 3\n")
    with pytest.raises(ConfigError, match="Unknown settings group"):
        load_config(path)
    path.write_text("eps_km = = 3\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)
    with pytest.raises(ConfigError, match="Cannot read"):
        load_config(tmp_path / "missing.toml")


def test_raster_source_needs_a_raster() -> None:
    with pytest.raises(ConfigError, match="population_raster"):
        Config(population_source="raster")


def test_wrong_type_in_python_fails_at_once() -> None:
    with pytest.raises(ConfigError, match="'top_n'"):
        Config(top_n="ten")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="'eps_km'"):
        Config(eps_km=float("nan"))


def test_toml_round_trip(tmp_path: Path) -> None:
    c = Config(eps_km=12.5, top_n=50, article_doc_types=("Article", "Review"))
    path = tmp_path / "c.toml"
    path.write_text(to_toml(c))
    assert load_config(path) == c


def test_repr_shows_changed_values_and_table_lists_all() -> None:
    assert repr(Config()) == "Config(<defaults>)"
    assert "eps_km=10.0" in repr(Config().replace(eps_km=10))
    assert len(settings_table()) == len(dataclasses.fields(Config))


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("edition = 2024\n\n[ clustering ]\neps_km = -3\n", 4),
        ("# a comment\nclustering.eps_km = -3\n", 2),
        ('edition = 2024\n[clustering]\n"eps_km" = -3\n', 3),
        ("[window]\nedition = 2024\n\n\n[clustering]\n  eps_km=-3\n", 6),
        ("[ranking]\ntop_n = 5\n[clustering]\nmin_points = 3\neps_km = -3\n", 5),
    ],
)
def test_bad_value_names_the_right_line_in_any_layout(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert f"line {line})" in str(info.value) and "None" not in str(info.value)
    assert "'eps_km' setting must be a number at least 0.05" in str(info.value)


@pytest.mark.parametrize(
    ("text", "group", "line", "hint"),
    [
        ("[clusterin]\neps_km = 3\n", "clusterin", 1, "did you mean [clustering]?"),
        ("edition = 2024\n\n[rankng]\ntop_n = 3\n", "rankng", 3, "did you mean [ranking]?"),
        ("edition = 2024\nx = {a = 1}\n", "x", 2, ""),
        ("edition = 2024\n[ geocodin ]\nfuzzy_threshold = 90\n", "geocodin", 2, "[geocoding]"),
        ("edition = 2024\nnamin.name_max_cities = 3\n", "namin", 2, "did you mean [naming]?"),
    ],
)
def test_unknown_group_named_with_its_line_and_closest_group(
    tmp_path: Path, text: str, group: str, line: int, hint: str
) -> None:
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert f"Unknown settings group [{group}] ({path}, line {line})" in message, message
    assert hint in message and "None" not in message


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("eps_km", "-3"),
        ("min_points", "lots"),
        ("edition", "2024.5"),
        ("population_source", "census"),
        ("cluster_precisions", "city,village"),
        ("sensitivity_step", "0"),  # on/off settings are flags: no value to get wrong
        ("memory_limit_gb", "0"),
        ("fuzzy_threshold", "forty"),
        ("top_n", "0"),
    ],
)
def test_bad_command_line_setting_rejected_before_any_work(
    key: str, value: str, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from stclusters.cli import app

    out = tmp_path / "o"
    option = "--" + key.replace("_", "-")
    result = CliRunner().invoke(
        app, ["run", str(tmp_path / "none"), "--out", str(out), option, value]
    )
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert f"'{key}' setting must be" in text and "(command line)" in text, text
    assert not out.exists()
