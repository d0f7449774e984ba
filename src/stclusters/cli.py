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


@app.command("read")
def read_cmd(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders or glob patterns.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Records folder to write.")],
    format_: Annotated[
        str | None,
        typer.Option("--format", "-f", help="Skip detection: wos, scopus, openalex, ..."),
    ] = None,
) -> None:
    """Convert exports (WoS, Scopus, OpenAlex, USPTO, EPO, PCT, PatentsView, tables) to records."""
    import json

    from stclusters.readers import ReadStream
    from stclusters.records import RecordsWriter

    try:
        stream = ReadStream(inputs, format=format_)
        with RecordsWriter(out, meta={"inputs": list(inputs)}) as writer:
            for chunk in stream:
                writer.write(chunk)
    except StclustersError as exc:
        raise fail(exc) from None
    except OSError as exc:
        raise fail(exc) from None
    (out / "accounts.json").write_text(json.dumps(stream.to_dict(), indent=2) + "\n")
    table = Table(title=f"read into {out}")
    for col in ("file", "format", "read", "kept", "rejected", "duplicates", "problems"):
        table.add_column(col, justify="left" if col in ("file", "format") else "right")
    for acc in stream.accounts:
        table.add_row(
            acc.path,
            acc.format if acc.role == "records" else f"{acc.format} ({acc.role})",
            f"{acc.records_read:,}",
            f"{acc.records_kept:,}",
            f"{acc.records_rejected:,}",
            f"{acc.duplicates_dropped:,}",
            f"{acc.problems_total:,}",
        )
    console.print(table)
    for acc in stream.accounts:
        for problem in acc.problems:
            err.print(f"[yellow]warning:[/] {problem}", highlight=False)
        if acc.problems_total > len(acc.problems):
            err.print(
                f"[yellow]warning:[/] {acc.path}: {acc.problems_total - len(acc.problems):,} "
                "more problem(s); see accounts.json",
                highlight=False,
            )
    totals = stream.to_dict()["totals"]
    console.print(
        f"{totals['records_kept']:,} records kept of {totals['records_read']:,} read "
        f"({totals['records_rejected']:,} rejected, {totals['duplicates_dropped']:,} duplicates)"
    )


if __name__ == "__main__":  # pragma: no cover
    app()
