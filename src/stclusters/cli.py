"""The command line: a thin layer over the public API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from stclusters import __version__
from stclusters.config import Config, load_config, settings_table, to_toml
from stclusters.errors import StclustersError

app = typer.Typer(
    name="stclusters",
    help="Find, rank and profile science-and-technology clusters from patents and articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        console.print(f"stclusters {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Find, rank and profile science-and-technology clusters from patents and articles."""


def fail(exc: Exception) -> typer.Exit:
    """Print an error for a person and return the exit to raise."""
    err.print(f"[bold red]error:[/] {exc}", highlight=False)
    return typer.Exit(code=2)


ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="TOML configuration file.", exists=False),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", help="Override a setting: --set eps_km=10 (repeatable)."),
]


def parse_sets(items: list[str] | None) -> dict[str, str]:
    """Turn ``key=value`` strings into a dict (a malformed item is a usage error)."""
    out: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise typer.BadParameter(f"expected key=value, got {item!r}", param_hint="--set")
        key, value = item.split("=", 1)
        out[key.strip().replace("-", "_")] = value.strip()
    return out


@app.command("config")
def config_cmd(
    config: ConfigOption = None,
    set_: SetOption = None,
    as_toml: Annotated[bool, typer.Option("--toml", help="Print as a TOML file.")] = False,
) -> None:
    """Print the effective settings (defaults, then the file, then --set overrides)."""
    try:
        cfg = load_config(config, overrides=parse_sets(set_))
    except StclustersError as exc:
        raise fail(exc) from None
    if as_toml:
        typer.echo(to_toml(cfg), nl=False)
        return
    values = cfg.to_dict()
    default = Config().to_dict()
    table = Table(title="stclusters settings", show_lines=False)
    for col in ("group", "setting", "value", "default", "meaning"):
        table.add_column(col)
    for group, name, _d, help_text in settings_table():
        mark = "" if values[name] == default[name] else "[bold yellow]"
        table.add_row(group, name, f"{mark}{values[name]!r}", repr(default[name]), help_text)
    console.print(table)
    console.print(
        f"patent window {cfg.patent_years[0]}-{cfg.patent_years[1]}, "
        f"article window {cfg.article_years[0]}-{cfg.article_years[1]}"
    )


@app.command("validate")
def validate_cmd(
    folder: Annotated[Path, typer.Argument(help="A records folder.")],
) -> None:
    """Check a records folder against the record model; list every problem found."""
    from stclusters.records import read_manifest, validate

    try:
        read_manifest(folder)
        counts = validate(folder)
    except StclustersError as exc:
        raise fail(exc) from None
    console.print(
        f"[green]valid[/]: {folder} (" + ", ".join(f"{k} {v:,}" for k, v in counts.items()) + ")"
    )


@app.command("geocode")
def geocode_cmd(
    input_csv: Annotated[Path, typer.Argument(help="CSV file with a column of addresses.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV file to write.")],
    column: Annotated[str, typer.Option("--column", help="Column holding the addresses.")] = (
        "address"
    ),
    style: Annotated[
        str | None,
        typer.Option("--style", help="Address style: wos, scopus, openalex, uspto or epo."),
    ] = None,
    config: ConfigOption = None,
    set_: SetOption = None,
) -> None:
    """Geocode a file of address strings offline (adds city, region, country, lat, lon, ...)."""
    from rich.progress import Progress

    from stclusters.geocode.address import STYLES
    from stclusters.geocode.stage import geocode_csv

    try:
        cfg = load_config(config, overrides=parse_sets(set_))
        if style is not None and style not in STYLES:
            raise typer.BadParameter(
                f"expected one of {', '.join(STYLES)}; got {style!r}", param_hint="--style"
            )
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("geocoding distinct addresses", total=None)

            def show(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            counts = geocode_csv(
                input_csv,
                out=out,
                column=column,
                style=style,
                cache_dir=Path(cfg.cache_dir) if cfg.cache_dir else None,
                fuzzy_threshold=cfg.fuzzy_threshold,
                progress=show,
            )
    except StclustersError as exc:
        raise fail(exc) from None
    total = sum(counts.values())
    console.print(f"geocoded {total:,} addresses into {out}", highlight=False)
    table = Table()
    table.add_column("precision")
    table.add_column("rows", justify="right")
    table.add_column("share", justify="right")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}", f"{n / total:.1%}" if total else "-")
    console.print(table)


if __name__ == "__main__":  # pragma: no cover
    app()
