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


@app.command("report")
def report_cmd(
    out_dir: Annotated[Path, typer.Argument(help="The output folder of a run.")],
    title: Annotated[str | None, typer.Option("--title", help="The site's title.")] = None,
    no_pdf: Annotated[bool, typer.Option("--no-pdf", help="Skip the PDF profiles.")] = False,
) -> None:
    """(Re)write the site (index.html, profiles, PDFs) from an output folder's JSON files."""
    from stclusters.report import write_site

    try:
        index = write_site(out_dir, title=title, pdf=not no_pdf)
    except StclustersError as exc:
        raise fail(exc) from None
    console.print(f"[green]site written[/]: {index} (open it in a browser; it works offline)")


if __name__ == "__main__":  # pragma: no cover
    app()
