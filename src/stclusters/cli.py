"""The command line: a thin layer over the public API.

Every failure a user can cause or meet ends in one message naming what failed, where and what
to do, and an exit code of :data:`stclusters.errors.EXIT_CODES` (documented in the README);
``stclusters --debug ...`` (or ``STCLUSTERS_DEBUG=1``) also prints the traceback.
"""

from __future__ import annotations

import dataclasses
import errno
import inspect
import signal
import sys
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup
from typer.exceptions import TyperException

from stclusters._outdir import check_folder, check_run_folder, completed
from stclusters._version import __version__
from stclusters.config import Config, load_config, settings_table, settings_view, to_toml
from stclusters.errors import EXIT_CODES, InputError, StclustersError

if TYPE_CHECKING:
    from stclusters.readers._dialect import TableDialect


@dataclasses.dataclass
class _Doing:
    """What the command is doing, for the one-line message of a failure."""

    command: str = ""
    stage: str | None = None
    memory_limit_gb: float | None = None
    out: Path | None = None
    debug: bool = False
    signalled: int | None = None

    def where(self) -> str:
        """The command and stage, as a message names them."""
        stage = f", stage '{self.stage}'" if self.stage else ""
        return f"'{self.command}'{stage}" if self.command else "stclusters"


_doing = _Doing()


def _interrupted(exc: BaseException) -> bool:
    """Ctrl-C or SIGTERM: a KeyboardInterrupt, or whatever a library made of it (DuckDB's
    'Query interrupted', an error whose cause is the KeyboardInterrupt raised inside a
    callback), or any failure after the signal arrived."""
    if _doing.signalled is not None:
        return True
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt) or type(seen).__name__ == "InterruptException":
            return True
        if isinstance(seen, RuntimeError) and "interrupted" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return "KeyboardInterrupt" in str(exc)


def _out_of_memory(exc: BaseException) -> bool:
    return isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryException"


def _kept_previous() -> str:
    out = _doing.out
    if out is None:
        return ""
    if completed(out):
        return f"; the new output was already complete in {out}"
    return f"; nothing was written, and what was in {out} is unchanged"


def _os_failure(exc: OSError) -> tuple[str, int]:
    """The message and exit code of a file-system failure."""
    name = exc.filename if exc.filename is not None else "a file"
    what = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return (
            f"disk full while writing {name} (in {_doing.where()}): free some space on that "
            f"disk or choose an output folder on another one{_kept_previous()}",
            EXIT_CODES["output"],
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            f"permission denied on {name} (in {_doing.where()}: {what}): give yourself "
            "read access to the inputs and write access to the output folder, or choose "
            f"another output folder{_kept_previous()}",
            EXIT_CODES["output"],
        )
    return (
        f"cannot read or write {name} (in {_doing.where()}): {what}; check that the path "
        "exists and is a file or folder as expected",
        EXIT_CODES["usage"],
    )


def _parquet_failure(exc: BaseException) -> str | None:
    """A message for a Parquet file that cannot be read (a corrupt records folder)."""
    text = str(exc)
    if "parquet" not in text.lower() and type(exc).__name__ not in ("ArrowInvalid", "ArrowIOError"):
        return None
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return (
        f"a Parquet file of the inputs cannot be read (in {_doing.where()}): {first}; the "
        "records folder is damaged: write it again (stclusters read or synth) and check it "
        "with 'stclusters validate'"
    )


def describe_failure(exc: BaseException) -> tuple[str, int]:
    """The one-line message and the exit code of a failure (:data:`EXIT_CODES`).

    Parameters
    ----------
    exc
        What a command raised.

    Returns
    -------
    message, code
        A message for a person naming what failed, where and what to do, and the exit code.
    """
    if _interrupted(exc):
        terminated = isinstance(exc, _Terminated) or _doing.signalled == signal.SIGTERM
        code = EXIT_CODES["terminated" if terminated else "interrupted"]
        return (f"interrupted in {_doing.where()}{_kept_previous()}", code)
    if isinstance(exc, StclustersError):
        return str(exc), exc.exit_code
    if _out_of_memory(exc):
        limit = (
            f"{_doing.memory_limit_gb:g} GB"
            if _doing.memory_limit_gb is not None
            else "DuckDB's default (80% of this machine's memory)"
        )
        return (
            f"out of memory in {_doing.where()} with the memory limit {limit}: raise it with "
            "--memory-limit-gb (the 'memory_limit_gb' setting), or close other programs"
            f"{_kept_previous()}",
            EXIT_CODES["resources"],
        )
    if isinstance(exc, OSError):
        return _os_failure(exc)
    parquet = _parquet_failure(exc)
    if parquet is not None:
        return parquet, EXIT_CODES["usage"]
    return (
        f"unexpected error in {_doing.where()}: {type(exc).__name__}: {exc}. This is a fault "
        "of stclusters: rerun with 'stclusters --debug ...' and report the traceback",
        EXIT_CODES["internal"],
    )


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that the staged output is removed on the way out."""


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    """SIGINT and SIGTERM: remember the signal (libraries may wrap the exception), then raise
    it as Python does for Ctrl-C, so that the staged output is removed on the way out."""
    _doing.signalled = signum
    raise _Terminated(f"signal {signum}") if signum == signal.SIGTERM else KeyboardInterrupt()


class _Group(TyperGroup):
    """Runs a command and turns every failure into one message and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        main_thread = _in_main_thread()
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        if main_thread:
            for sig in previous:
                signal.signal(sig, _on_signal)
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException, SystemExit):
            raise
        except BaseException as exc:  # every failure ends in one message
            message, code = describe_failure(exc)
            if _doing.debug:
                traceback.print_exception(exc, file=sys.stderr)
            err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
            raise typer.Exit(code=code) from None
        finally:
            if main_thread:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


app = typer.Typer(
    name="stclusters",
    help="Find, rank and profile science-and-technology clusters from patents and articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_Group,
)
#: Width of what is printed to a file or a pipe: Rich takes 80 columns when the output is not a
#: terminal (or the COLUMNS variable), which cut the tables ("intensity" came out as "in"); a
#: file or pipe has no width, so tables are laid out as wide as their content needs up to this.
PIPE_WIDTH = 1000


def _console(*, stderr: bool = False, soft_wrap: bool = False) -> Console:
    """A console of the terminal's width, or :data:`PIPE_WIDTH` when writing to a file or pipe.

    Rich's own rule (``Console.is_terminal``) decides which; it is asked once, when the module
    is imported (the command's output does not change in between).
    """
    probe = Console(stderr=stderr)
    width = None if probe.is_terminal else PIPE_WIDTH
    return Console(stderr=stderr, soft_wrap=soft_wrap, width=width)


console = _console()
err = _console(stderr=True, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        console.print(f"stclusters {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            envvar="STCLUSTERS_DEBUG",
            help="On a failure, also print the Python traceback (for a bug report).",
        ),
    ] = False,
) -> None:
    """Find, rank and profile science-and-technology clusters from patents and articles."""
    global _doing
    _doing = _Doing(command=ctx.invoked_subcommand or "", debug=debug)


def _on_stage(status: Any) -> Any:
    """A callback showing the stage a run begins and keeping it for a failure's message."""

    def on_stage(name: str) -> None:
        _doing.stage = name
        status.update(f"{name}...")

    return on_stage


def fail(exc: Exception) -> typer.Exit:
    """Print an error for a person and return the exit to raise (its code from the error)."""
    message, code = describe_failure(exc)
    if _doing.debug:
        traceback.print_exception(exc, file=sys.stderr)
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code=code)


ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="TOML configuration file.", exists=False),
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Replace the output even if stclusters did not write it (never an input).",
    ),
]
EncodingOption = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="Text encoding of the input CSV (utf-8, utf-16, cp1252, latin-1, ...). "
        "Default: detected (a byte-order mark, else UTF-8 if the text is valid UTF-8, "
        "else Windows-1252).",
    ),
]
InputsArgument = Annotated[
    list[str], typer.Argument(help="Records folders, input files, folders or globs.")
]
RunOutOption = Annotated[
    Path,
    typer.Option("--out", "-o", help="Output folder (replaced if stclusters wrote it)."),
]
FormatOption = Annotated[
    str | None, typer.Option("--format", help="Reader format of the input files.")
]
NoSiteOption = Annotated[bool, typer.Option("--no-site", help="Skip the HTML site.")]
DelimiterOption = Annotated[
    str | None,
    typer.Option(
        "--delimiter",
        help="Delimiter of the input CSV: ',', ';' or 'tab' (or any one character). Default: "
        "detected (the most frequent of comma, semicolon and tab in the header row).",
    ),
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
    """Check a records folder against the record model; list every problem found.

    A valid folder's manifest then stores the result, which runs use while the files are
    unchanged (docs/readers.md).
    """
    from stclusters.records import read_manifest, record_check

    try:
        read_manifest(folder)
        counts = record_check(folder).counts
        if not counts.get("documents"):
            raise InputError(
                f"{folder}: the records folder holds no documents, so no run can use it; "
                "read the exports into it again (stclusters read) and check the accounts"
            )
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
    force: ForceOption = False,
) -> None:
    """Generate a synthetic world of patents and articles as a records folder."""
    import time

    from stclusters.synth.world import WorldSettings

    try:
        WorldSettings(scale=scale, seed=seed, edition=edition, place_exponent=place_exponent)
        check_folder(out, kind="world", force=force)
    except StclustersError as exc:
        raise fail(exc) from None
    start = time.perf_counter()
    try:
        _write_world_with_bar(
            out,
            scale=scale,
            seed=seed,
            edition=edition,
            place_exponent=place_exponent,
            force=force,
        )
    except StclustersError as exc:
        raise fail(exc) from None
    elapsed = time.perf_counter() - start
    _synth_summary(out, elapsed)


def _write_world_with_bar(out: Path, **settings: Any) -> None:
    """Write a synthetic world with a progress bar per layer."""
    from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from stclusters.synth.world import write_world

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

        write_world(out, progress=progress, **settings)


def _synth_summary(folder: Path, elapsed: float) -> None:
    from stclusters.records import documents_per_layer, read_manifest

    manifest = read_manifest(folder)
    docs = documents_per_layer(folder)
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


def _setting_parameters() -> list[inspect.Parameter]:
    """One --option per setting, generated from the settings table (so none is forgotten).

    Each shows its type, allowed values and default (:func:`stclusters.config.settings_view`);
    an on/off setting is a flag pair (``--sensitivity`` / ``--no-sensitivity``). Every option
    defaults to None, "not given", so that a configuration file's value stands unless the
    command line names it.
    """
    params = []
    for view in settings_view():
        panel = f"Settings: {view.group}"
        default = escape(f"[default: {view.default or 'none'}]")
        option: Any
        if view.flag:
            option = Annotated[
                bool | None,
                typer.Option(
                    f"{view.option}/--no-{view.option[2:]}",
                    help=f"{view.help} {default}",
                    rich_help_panel=panel,
                    show_default=False,
                ),
            ]
        else:
            option = Annotated[
                str | None,
                typer.Option(
                    view.option,
                    help=f"{view.help} Allowed: {view.allowed}. {default}",
                    metavar=view.metavar,
                    rich_help_panel=panel,
                    show_default=False,
                ),
            ]
        params.append(
            inspect.Parameter(
                view.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=option
            )
        )
    return params


def _print_ranking(result: Any, *, limit: int = 15) -> None:
    """The run's top clusters as a table; with a ``change`` column (the size rank's change
    against the previous ranking, or "new": :func:`stclusters.report.text.format_rank_change`,
    as the site shows it) when the run was given ``previous``."""
    from stclusters.report.text import format_rank_change

    rows = result.ranking[:limit]
    changes = any(r.new is not None for r in result.ranking)
    table = Table(title=f"Top {min(limit, len(result.ranking))} of {len(result.ranking)} clusters")
    columns = ["rank", *(["change"] if changes else []), "name", "economies", "patents"]
    for col in (*columns, "articles", "pop. (M)", "intensity"):
        table.add_column(
            col,
            justify="right" if col not in ("name", "economies") else "left",
            min_width=22 if col == "name" else None,
            overflow="fold",
        )
    for r in rows:
        change = (
            [format_rank_change({"new": r.new, "rank_change": r.rank_change})] if changes else []
        )
        table.add_row(
            str(r.rank),
            *change,
            r.name,
            ";".join(r.economies),
            f"{r.patents:,.0f}",
            f"{r.articles:,.0f}",
            "–" if r.population is None else f"{r.population / 1e6:,.1f}",
            str(r.intensity_rank or ""),
        )
    console.print(table)


def _print_records(accounts: dict[str, Any], *, problems: int = 10) -> None:
    """Where the records went, per layer, and the problems found (the site's "About this run"
    shows the same, from the same functions)."""
    from stclusters.report import text

    flow = text.records_table(accounts)
    table = Table(title=flow.caption)  # one column per layer, so that it fits a terminal
    table.add_column("documents")
    for row in flow.rows:
        table.add_column(row[0], justify="right")
    for i, outcome in enumerate(flow.columns[1:], start=1):
        table.add_row(outcome, *(row[i] for row in flow.rows))
    console.print(table)
    lines, total = text.problem_lines(accounts, limit=problems)
    if total:
        shown = "" if total == len(lines) else f"; the first {len(lines)}"
        err.print(f"[yellow]{total:,} problem(s) found[/]{shown} (all in accounts.json):")
        for line in lines:
            err.print(f"  {line}", highlight=False)


def _run_impl(
    inputs: list[str],
    out: Path,
    config_file: Path | None,
    input_format: str | None,
    no_site: bool,
    force: bool,
    settings: dict[str, Any],
    dialect: TableDialect | None = None,
) -> None:
    from stclusters.pipeline import run
    from stclusters.readers._dialect import TableDialect

    try:
        cfg = load_config(config_file, overrides=settings)
        dialect = (dialect or TableDialect()).checked()  # a bad name fails before any work
        sources: list[str | Path] = [*inputs, *([config_file] if config_file else [])]
        check_folder(out, kind="run", inputs=sources, force=force)
        replacing = _replacing(out)
        _doing.out, _doing.memory_limit_gb = out, cfg.memory_limit_gb
        with console.status("starting") as status:
            result = run(
                inputs,
                out=out,
                config=cfg,
                input_format=input_format,
                say=lambda line: console.print(line, highlight=False),
                on_stage=_on_stage(status),
                write_site=not no_site,
                force=force,
                table_dialect=dialect,
            )
    except StclustersError as exc:
        raise fail(exc) from None
    _print_records(result.accounts)
    _print_ranking(result)
    console.print(f"run took {result.seconds:.1f} s; output folder: [bold]{result.out}[/]")
    if replacing:
        console.print(f"(it replaced the earlier output in {out}: {replacing})")


def _replacing(out: Path) -> str | None:
    """What an existing output at ``out`` holds, when a command is about to replace it."""
    if not out.is_dir() or not any(out.iterdir()):
        return None
    from stclusters._outdir import read_marker

    kind = read_marker(out)
    files = sum(1 for p in out.rglob("*") if p.is_file())
    what = f"a {kind} folder" if kind else "a folder"
    return f"{what} of {files:,} file(s)"


def _method_command(
    name: str, doc: str, *, fixed: Mapping[str, Any] | None = None
) -> Callable[..., None]:
    """A command that runs the method (`run`, `sensitivity`): the inputs, the output folder, the
    common options and one option per setting, except the settings ``fixed`` gives (their
    values are set, not asked)."""
    fixed = dict(fixed or {})

    def command(
        inputs: InputsArgument,
        out: RunOutOption,
        config: ConfigOption = None,
        input_format: FormatOption = None,
        no_site: NoSiteOption = False,
        force: ForceOption = False,
        encoding: EncodingOption = None,
        delimiter: DelimiterOption = None,
        **settings: Any,
    ) -> None:
        from stclusters.readers._dialect import TableDialect

        dialect = TableDialect(encoding, delimiter)
        _run_impl(inputs, out, config, input_format, no_site, force, {**settings, **fixed}, dialect)

    command.__doc__ = doc
    command.__name__ = f"{name}_cmd"
    sig = inspect.signature(command, eval_str=True)
    command.__signature__ = sig.replace(  # type: ignore[attr-defined]
        parameters=[p for p in sig.parameters.values() if p.kind != p.VAR_KEYWORD]
        + [p for p in _setting_parameters() if p.name not in fixed]
    )
    app.command(name)(command)
    return command


run_cmd = _method_command(
    "run", "Run the method: find, count, rank, name and profile clusters; write the output folder."
)
sensitivity_cmd = _method_command(
    "sensitivity",
    """Run the method with the full rank-stability analysis: `run` with sensitivity_analysis
    on (a grid of eps_km x min_points and bootstrap resamples of the documents; the output
    folder gains sensitivity.csv, sensitivity_runs.csv, each profile's rank interval and the
    site's chart).""",
    fixed={"sensitivity_analysis": True},
)


@app.command("demo")
def demo_cmd(
    scale: Annotated[
        float, typer.Option(help="Size of the synthetic world (1 = real size).")
    ] = 0.05,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic world.")] = 0,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out/demo"),
    no_site: NoSiteOption = False,
    force: ForceOption = False,
) -> None:
    """Build the synthetic demo world and run the whole method on it."""
    import time

    from stclusters.pipeline import run

    if not scale > 0 or scale > 2:
        raise fail(ValueError(f"--scale must be above 0 and at most 2; got {scale}"))
    world = out.parent / f"{out.name}-world"
    t0 = time.perf_counter()
    try:
        build = not (world / "manifest.json").exists() or _world_changed(world, scale, seed)
        check_folder(out, kind="run", inputs=[world], force=force)
        if build:
            check_folder(world, kind="world", inputs=[out], force=force)
        if build:
            console.print(f"building the synthetic world (scale {scale}, seed {seed}) in {world}")
            _write_world_with_bar(world, scale=scale, seed=seed, force=force)
        console.print(f"world ready in {time.perf_counter() - t0:.1f} s")
        cfg = Config().replace(min_points=Config().min_points * scale, seed=seed, sensitivity=True)
        _doing.out = out
        with console.status("starting") as status:
            result = run(
                [world],
                out=out,
                config=cfg,
                say=lambda line: console.print(line, highlight=False),
                on_stage=_on_stage(status),
                write_site=not no_site,
                force=force,
            )
    except StclustersError as exc:
        raise fail(exc) from None
    _print_records(result.accounts)
    _print_ranking(result)
    console.print(
        f"the run took {result.seconds:.1f} s (min_points {cfg.min_points:g} for scale {scale}); "
        f"open [bold]{result.out / 'index.html'}[/]"
    )


def _world_changed(world: Path, scale: float, seed: int) -> bool:
    import json

    try:
        meta = json.loads((world / "manifest.json").read_text())
    except (OSError, ValueError):
        return True
    from stclusters.synth.world import SYNTH_VERSION

    return bool(
        meta.get("scale") != scale
        or meta.get("seed") != seed
        or meta.get("synth_version") != SYNTH_VERSION
    )


@app.command("read")
def read_cmd(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders or glob patterns.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Records folder to write.")],
    format_: Annotated[
        str | None,
        typer.Option("--format", "-f", help="Skip detection: wos, scopus, openalex, ..."),
    ] = None,
    force: ForceOption = False,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
) -> None:
    """Convert exports (WoS, Scopus, OpenAlex, USPTO, EPO, PCT, PatentsView, tables) to records.

    Plain-table CSV files may be comma-, semicolon- or tab-separated, in UTF-8 (with or without
    a byte-order mark), UTF-16 or Windows-1252: detected, or named by --encoding, --delimiter.
    """
    from stclusters.readers._dialect import TableDialect
    from stclusters.readers.folder import read_into_folder

    replacing = _replacing(out)
    _doing.out = out
    try:
        dialect = TableDialect(encoding, delimiter).checked()
        stream = read_into_folder(inputs, out=out, format=format_, force=force, dialect=dialect)
    except StclustersError as exc:
        raise fail(exc) from None
    table = Table(title=f"read into {out}")
    for col in ("file", "format", "read", "kept", "rejected", "duplicates", "problems"):
        # long paths fold onto several lines rather than being cut (files must be told apart)
        left = col in ("file", "format")
        table.add_column(col, justify="left" if left else "right", overflow="fold")
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
    if replacing:
        console.print(f"(it replaced the earlier output in {out}: {replacing})")


@app.command("report")
def report_cmd(
    out_dir: Annotated[Path, typer.Argument(help="The output folder of a run.")],
    title: Annotated[str | None, typer.Option("--title", help="The site's title.")] = None,
    no_pdf: Annotated[bool, typer.Option("--no-pdf", help="Skip the PDF profiles.")] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Accept a run folder without the marker (older versions)."),
    ] = False,
) -> None:
    """(Re)write the site (index.html, profiles, PDFs) from an output folder's JSON files."""
    from stclusters.report import write_site

    try:
        check_run_folder(out_dir, force=force)
        index = write_site(out_dir, title=title, pdf=not no_pdf)
    except StclustersError as exc:
        raise fail(exc) from None
    console.print(f"[green]site written[/]: {index} (open it in a browser; it works offline)")


@app.command("compare")
def compare_cmd(
    out_a: Annotated[Path, typer.Argument(help="Output folder of the earlier edition's run.")],
    out_b: Annotated[Path, typer.Argument(help="Output folder of the later edition's run.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Folder for comparison.csv and comparison.html (default: OUT_B, beside its site).",
        ),
    ] = None,
    memory_limit_gb: Annotated[
        float | None, typer.Option("--memory-limit-gb", help="Memory DuckDB may use.")
    ] = None,
) -> None:
    """Compare two editions: match their clusters by footprint overlap and shared output; write
    comparison.csv and comparison.html (rank changes, entrants, leavers, merges, splits, growth)."""
    from stclusters.compare import compare_runs, write_comparison
    from stclusters.report.comparison import write_comparison_page
    from stclusters.report.pages import link_comparison

    target = out if out is not None else out_b
    try:
        comparison = compare_runs(out_a, out_b, memory_limit_gb=memory_limit_gb)
        page = write_comparison_page(comparison, target)  # checks the folder first
        table = write_comparison(comparison, target)
        if (target / "index.html").is_file() and (target / "ranking.json").is_file():
            link_comparison(target)  # the site's index links to the page
    except (StclustersError, OSError) as exc:
        raise fail(exc) from None
    counts = comparison.counts()
    console.print(
        f"editions {comparison.a.edition} and {comparison.b.edition}: "
        f"{counts['matched']:,} matched, {counts['entrants']:,} entrants, "
        f"{counts['leavers']:,} leavers, {counts['merges']:,} merges, {counts['splits']:,} splits "
        f"({counts['absorbed']:,} small clusters absorbed, {counts['detached']:,} detached)"
    )
    console.print(f"[green]written[/]: {table} and {page}")


@app.command("geocode")
def geocode_cmd(
    input_csv: Annotated[Path, typer.Argument(help="CSV file with a column of addresses.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV file to write.")],
    column: Annotated[str, typer.Option("--column", help="Column holding the addresses.")] = (
        "address"
    ),
    style: Annotated[
        str | None,
        typer.Option(
            "--style", help="Address style: wos, scopus, openalex, uspto, epo or inventor."
        ),
    ] = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    config: ConfigOption = None,
    set_: SetOption = None,
    force: ForceOption = False,
) -> None:
    """Geocode a file of address strings offline.

    The input columns are kept as given; the results are added as geo_city, geo_region,
    geo_country, geo_lat, geo_lon, geo_precision, geo_rule (the rule that placed the address)
    and geo_reason (why it was placed no finer). A column named 'country' is used as a hint of
    each address's country. The input may be comma-, semicolon- or tab-separated, in UTF-8,
    UTF-16 or Windows-1252 (detected; see --encoding, --delimiter); the output is UTF-8 CSV.
    """
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
                force=force,
                encoding=encoding,
                delimiter=delimiter,
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
