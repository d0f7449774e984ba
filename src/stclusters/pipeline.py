"""The run: the stages in order, the accounts and the atomic write of the output folder.

Each stage is a function of its own package with a typed hand-off (design.md):

``open_inputs`` → ``geocode_inputs`` → ``count_shares`` → ``cluster_people`` →
``measure_clusters`` → ``write_outputs`` / ``write_site``.

Everything is built in a temporary folder beside the target, which then replaces it.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from stclusters._log import Reporter, StageClock
from stclusters._outdir import check_folder, staged_folder
from stclusters._version import __version__
from stclusters.cluster.stage import cluster_people
from stclusters.config import Config, check_setting_files
from stclusters.inputs import (
    Workspace,
    locate_people,
    open_inputs,
    rows_without_coordinates,
    wait_closed,
)
from stclusters.measure.accounts import check_accounts, recorded_settings, run_accounts
from stclusters.measure.counting import count_shares
from stclusters.measure.stage import measure_clusters
from stclusters.measure.topic import topic_config
from stclusters.readers._dialect import TableDialect
from stclusters.records import Records
from stclusters.report.records import RECORD_FILES
from stclusters.report.tables import write_run_record
from stclusters.results import ClusterRow, Profile, Results

__all__ = ["RunResult", "run", "run_record"]


@dataclass
class RunResult:
    """What a run produced: the output folder, its results and the seconds of each stage."""

    out: Path
    results: Results
    seconds: float
    stage_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ranking(self) -> list[ClusterRow]:
        """The published clusters in size order."""
        return self.results.ranking

    @property
    def profiles(self) -> list[Profile]:
        """The profiles of the published clusters."""
        return self.results.profiles

    @property
    def accounts(self) -> dict[str, Any]:
        """The content of ``accounts.json``."""
        return self.results.accounts


def _fingerprint(config: Config, inputs: dict[str, Any]) -> str:
    """The run's fingerprint: 16 hex digits of SHA-256 over the settings as the results depend
    on them (:func:`stclusters.measure.accounts.recorded_settings`: files by their content, no
    cache folder) and the content checksums of the inputs (:func:`stclusters.records.
    content_checksum`, which does not depend on the order of rows), never a path, a time or
    the order the inputs were given in.

    Parameters
    ----------
    config
        The run's settings.
    inputs
        The input accounts of :func:`stclusters.inputs.open_inputs`.
    """
    checksums = [str(f.get("content_checksum")) for f in inputs.get("records_folders", [])]
    if "files_content_checksum" in inputs:
        checksums.append(str(inputs["files_content_checksum"]))
    if "in_memory" in inputs:
        checksums.append(str(inputs["in_memory"].get("content_checksum")))
    checksums.sort()
    blob = json.dumps(
        {"settings": recorded_settings(config), "inputs": checksums}, sort_keys=True, default=str
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def run_record(
    inputs: Sequence[str | Path] | Records,
    *,
    out: Path,
    results: Results,
    stage_seconds: dict[str, float],
    seconds: float,
) -> dict[str, Any]:
    """The content of ``run.json``: what changes from one run to the next without changing the
    results (where the inputs and the output were, when and how long), kept out of
    ``accounts.json`` and the site so that those stay byte-identical."""
    given = [] if isinstance(inputs, Records) else [str(i) for i in inputs]
    return {
        "stclusters_version": __version__,
        "fingerprint": results.accounts.get("fingerprint"),
        "started_utc": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "working_folder": str(Path.cwd()),
        "inputs": [{"given": g, "path": str(Path(g).expanduser().resolve())} for g in given],
        "out": str(out.expanduser().resolve()),
        "seconds": round(seconds, 3),
        "stage_seconds": dict(stage_seconds),
    }


def check_correction_files(config: Config) -> pa.Table | None:
    """Read and check the corrections the settings name before any work: the geocode
    overrides (returned as the table of :func:`~stclusters.geocode.overrides.
    read_geocode_overrides`, None without the setting) and the organisation aliases
    (:func:`~stclusters.measure.profiles.read_organisation_aliases`).

    Raises
    ------
    InputError
        Naming the file, the line and the fix.
    """
    from stclusters.geocode.overrides import read_geocode_overrides
    from stclusters.measure.profiles import read_organisation_aliases

    if config.organisation_aliases:
        read_organisation_aliases(config.organisation_aliases)
    if config.geocode_overrides:
        return read_geocode_overrides(config.geocode_overrides)
    return None


def compute(
    inputs: Sequence[str | Path] | Records,
    *,
    config: Config,
    input_format: str | None = None,
    clock: StageClock | None = None,
    record_dir: Path | None = None,
    table_dialect: TableDialect | None = None,
) -> Results:
    """Run every stage of the method on ``inputs`` and return the results (nothing is written
    but, when ``record_dir`` is given, the per-record tables: memberships, addresses and
    points as Parquet files in that existing folder, which must live until the results are
    written; :func:`stclusters.report.records.write_record_tables`).

    Raises
    ------
    InputError, ValidationError
        When the inputs cannot be read or break the record model, or a corrections file
        (``geocode_overrides``, ``organisation_aliases``) is bad.
    AccountsError
        When the run's accounts do not add up (:func:`~stclusters.measure.accounts.
        check_accounts`; a fault of stclusters, exit code 3).
    """
    from stclusters.report.records import write_record_tables

    clock = clock or StageClock()
    overrides = check_correction_files(config)
    with Workspace(memory_limit_gb=config.memory_limit_gb) as workspace:
        clock.begin("read")
        tables = open_inputs(
            inputs, workspace=workspace, input_format=input_format, dialect=table_dialect
        )
        counts = tables.counts
        clock.end(f"{counts['documents']:,} documents, {counts['people']:,} people rows")

        clock.begin("geocode")
        missing = rows_without_coordinates(tables)
        tables, geocoding, corrections = locate_people(
            tables,
            cache_dir=config.cache_dir,
            fuzzy_threshold=config.fuzzy_threshold,
            overrides=overrides,
            overrides_file=config.geocode_overrides or "",
            precisions=config.cluster_precisions,
        )
        located = sum(geocoding.get("geocoded", {}).values())
        corrected = (
            f"; overrides moved {corrections['rows_moved']:,} and ignored "
            f"{corrections['rows_ignored']:,} people rows"
            if corrections
            else ""
        )
        clock.end(
            (
                f"{missing:,} people rows without coordinates: {located:,} located "
                f"({', '.join(f'{k} {v:,}' for k, v in geocoding.get('geocoded', {}).items())}), "
                f"{geocoding.get('not_located_total', 0):,} not located"
                if missing
                else "every people row has coordinates"
            )
            + corrected
        )

        clock.begin("count")
        shares = count_shares(tables.con, config)
        world = shares.world
        clock.end(
            f"kept {world['patent']:,} patents and {world['article']:,} articles "
            f"({shares.n_rows:,} people rows)"
        )

        run_config = topic_config(config, shares)
        clock.begin("cluster")
        clustering = cluster_people(
            shares,
            eps_km=config.eps_km,
            min_points=run_config.min_points,
            merge_km=config.merge_km,
            precisions=config.cluster_precisions,
        )
        for warning in clustering.warnings:
            clock.warn(warning)
        clock.end(f"{len(clustering.members):,} clusters after merging")

        measured = measure_clusters(clustering, shares=shares, config=run_config, clock=clock)
        accounts = run_accounts(
            config,
            inputs=tables.accounts,
            geocoding=geocoding,
            shares=shares,
            clustering=clustering,
            published=len(measured.ranking),
            fingerprint=_fingerprint(config, tables.accounts),
            geocode_overrides=corrections if overrides is not None else None,
            min_points=run_config.min_points,
        )
        check_accounts(accounts)  # every identity, before anything is written
        record_files: dict[str, str] = {}
        if record_dir is not None:
            clock.begin("records")
            record_files = write_record_tables(
                tables.con,
                record_dir,
                clustering=clustering,
                published=[r.cluster_id for r in measured.ranking],
            )
            clock.end(f"{shares.n_rows:,} people rows: memberships, addresses and points")
    return Results(
        ranking=measured.ranking,
        all_clusters=measured.all_clusters,
        profiles=measured.profiles,
        footprints=measured.footprints,
        accounts=accounts,
        links=measured.links,
        edition=config.edition,
        top_n=config.top_n,
        record_files=record_files,
        sensitivity_runs=measured.sensitivity_runs,
    )


def run(
    inputs: Sequence[str | Path] | Records,
    *,
    out: str | Path,
    config: Config | None = None,
    input_format: str | None = None,
    say: Reporter | None = None,
    on_stage: Reporter | None = None,
    write_site: bool = True,
    force: bool = False,
    table_dialect: TableDialect | None = None,
) -> RunResult:
    """Run the whole method on ``inputs`` and write the output folder ``out``.

    Parameters
    ----------
    inputs
        Records folders and input files (any format the readers know), or in-memory Records.
    out
        The output folder; replaced atomically when the run succeeds. Checked before any work:
        an existing file or folder that stclusters did not write is refused unless ``force``,
        and one that is, contains or lies inside an input always (see :mod:`stclusters._outdir`).
    config
        The settings (defaults of the method when None).
    input_format
        Force the reader format of the input files.
    say
        Receives one summary line per stage.
    on_stage
        Called with the name of each stage as it begins (for a progress display).
    write_site
        Also write the HTML site (index.html and profile pages).
    force
        Replace ``out`` even when stclusters did not write it (never when it holds an input).
    table_dialect
        The encoding and delimiter of plain-table CSV inputs (``--encoding``, ``--delimiter``),
        when not to be detected; checked before any work.

    Raises
    ------
    InputError, ValidationError
        When the inputs cannot be read or break the record model (before anything is written).
    OutputError
        When ``out`` may not be replaced (checked before any work; see ``--force``).
    """
    config = config or Config()
    check_setting_files(config)
    check_correction_files(config)
    table_dialect = (table_dialect or TableDialect()).checked()
    sources: list[str | Path] = [] if isinstance(inputs, Records) else list(inputs)
    sources += [p for p in (config.name_overrides, config.population_raster) if p]
    sources += [p for p in (config.geocode_overrides, config.organisation_aliases) if p]
    check_folder(out, kind="run", inputs=sources, force=force)  # before any work
    out = Path(out)
    t0 = time.perf_counter()
    clock = StageClock(say, on_stage)
    # the per-record tables go from the computing stage to the write through this folder
    with tempfile.TemporaryDirectory(prefix="stclusters-records-") as record_dir:
        results = compute(
            inputs,
            config=config,
            input_format=input_format,
            clock=clock,
            record_dir=Path(record_dir),
            table_dialect=table_dialect,
        )
        clock.begin("write")
        with staged_folder(out, kind="run", inputs=sources, force=force) as folder:
            write_folder(results, folder, site=write_site)
            seconds = time.perf_counter() - t0
            write_run_record(
                run_record(
                    inputs, out=out, results=results, stage_seconds=clock.times, seconds=seconds
                ),
                folder,
            )
        wait_closed()  # the computing stage's workspace, closed while the files were written
    clock.end(f"wrote {out}")
    # the scratch folder is gone: the per-record tables are those of the output folder
    written = {k: str(out / RECORD_FILES[k]) for k in ("memberships", "addresses")}
    results = replace(results, record_files={k: p for k, p in written.items() if Path(p).is_file()})
    return RunResult(
        out=out,
        results=results,
        seconds=time.perf_counter() - t0,
        stage_seconds=clock.times,
    )


def write_folder(results: Results, folder: Path, *, site: bool = True) -> None:
    """Write every output file of ``results`` into ``folder``: the tables, then the site when
    ``site`` (:func:`stclusters.report.write_outputs`, :func:`stclusters.report.write_site`)."""
    from stclusters.report import write_outputs, write_site

    write_outputs(results, folder)
    if site:
        write_site(folder, markdown=False)
