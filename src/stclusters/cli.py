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


@app.command("synth")
def synth_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Records folder to write.")],
    scale: Annotated[
        float, typer.Option(help="Share of the real world's output (1 = full size).")
    ] = 0.05,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives identical files.")] = 0,
    edition: Annotated[int, typer.Option(help="Edition year E of the windows.")] = 2024,
    place_exponent: Annotated[
        float, typer.Option(help="Output of places outside hubs grows as population^this.")
    ] = 1.5,
) -> None:
    """Generate a synthetic world of patents and articles as a records folder."""
    import time

    from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from stclusters.synth.world import WorldSettings, write_world

    try:
        WorldSettings(scale=scale, seed=seed, edition=edition, place_exponent=place_exponent)
    except StclustersError as exc:
        raise fail(exc) from None
    start = time.perf_counter()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} documents"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(layer: str, done: int, total: int) -> None:
            if layer not in tasks:
                tasks[layer] = bar.add_task(f"{layer}s", total=total)
            bar.update(tasks[layer], completed=done)

        try:
            write_world(
                out,
                scale=scale,
                seed=seed,
                edition=edition,
                place_exponent=place_exponent,
                progress=progress,
            )
        except StclustersError as exc:
            raise fail(exc) from None
    elapsed = time.perf_counter() - start
    _synth_summary(out, elapsed)


def _synth_summary(folder: Path, elapsed: float) -> None:
    import duckdb

    from stclusters.records import read_manifest

    manifest = read_manifest(folder)
    con = duckdb.connect()
    docs = dict(
        con.execute(
            "SELECT layer, count(*) FROM read_parquet(?) GROUP BY layer",
            [str(folder / "documents.parquet")],
        ).fetchall()
    )
    table = Table(title=f"synthetic world in {folder}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_row("patent documents", f"{docs.get('patent', 0):,}")
    table.add_row("article documents", f"{docs.get('article', 0):,}")
    for name, rows in manifest["rows"].items():
        if name != "documents":
            table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(f"written in {elapsed:.1f} s (check it with: stclusters validate {folder})")


if __name__ == "__main__":  # pragma: no cover
    app()
