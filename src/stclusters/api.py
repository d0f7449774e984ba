"""The notebook API: a run's results as pandas DataFrames and a GeoPandas GeoDataFrame.

:func:`run` runs the method (into a temporary folder when no ``out`` is given) and
:func:`read_results` opens a finished output folder; both return :class:`ResultFrames`, whose
tables are read from the folder's files on first use (``memberships.parquet`` can be large):

>>> import stclusters  # doctest: +SKIP
>>> res = stclusters.run(["recs/mine"], min_points=50)  # doctest: +SKIP
>>> res.ranking.head()  # doctest: +SKIP
>>> res.footprints.explore()  # doctest: +SKIP

pandas and GeoPandas are not needed by the command line: they come with the ``notebook`` extra
(``pip install 'stclusters[notebook]'``), and their absence is one clear error naming it.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import tempfile
import weakref
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stclusters.config import Config
from stclusters.errors import ConfigError, InputError
from stclusters.records import Records

if TYPE_CHECKING:  # pragma: no cover - types only
    import geopandas as gpd
    import pandas as pd

    from stclusters.pipeline import RunResult

__all__ = ["NOTEBOOK_INSTALL", "ResultFrames", "read_results", "require_notebook", "run"]

#: What a person runs to get the notebook API's libraries.
NOTEBOOK_INSTALL = "pip install 'stclusters[notebook]'"
#: The modules of the ``notebook`` extra (pyproject.toml), by the name they are imported as.
NOTEBOOK_MODULES = ("pandas", "geopandas")
#: The files of an output folder each table is read from.
FILES = {
    "ranking": "ranking.parquet",
    "profiles": "profiles.json",
    "footprints": "clusters.geojson",
    "memberships": "memberships.parquet",
    "accounts": "accounts.json",
    "run": "run.json",
}


def require_notebook() -> None:
    """Check that pandas and GeoPandas (the ``notebook`` extra) are installed.

    Raises
    ------
    ConfigError
        When one is missing; the message names the extra and the command that installs it.
    """
    missing = [m for m in NOTEBOOK_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        raise ConfigError(
            f"the notebook API (stclusters.run, stclusters.read_results) needs "
            f"{' and '.join(missing)}, which the 'notebook' extra installs: {NOTEBOOK_INSTALL}"
            " (the command line needs neither)"
        )


class ResultFrames:
    """The results of a run as tables: pandas DataFrames and a GeoPandas GeoDataFrame.

    Each table is read from the output folder when first asked for, then kept.

    Attributes
    ----------
    out
        The output folder the tables are read from (a temporary folder, removed when this object
        is, for a run without ``out``).
    run_result
        The run's :class:`stclusters.pipeline.RunResult` (typed rows and profiles, the seconds
        of each stage) when this object comes from :func:`run`; None from :func:`read_results`.
    """

    def __init__(self, out: Path, *, run_result: RunResult | None = None) -> None:
        self.out = out
        self.run_result = run_result

    def __repr__(self) -> str:
        return f"ResultFrames({str(self.out)!r})"

    def _path(self, table: str) -> Path:
        path = self.out / FILES[table]
        if not path.is_file():
            extra = (
                " (per-record memberships are written by stclusters versions that have them: "
                "run the method again with this version)"
                if table == "memberships"
                else " (the folder is not a complete run's output: run the method again)"
            )
            raise InputError(f"{self.out}: no {FILES[table]}, so no {table} table{extra}")
        return path

    def _json(self, table: str) -> Any:
        return json.loads(self._path(table).read_text(encoding="utf-8"))

    @cached_property
    def ranking(self) -> pd.DataFrame:
        """The published clusters in size order, one row each (``ranking.parquet``; columns:
        :data:`stclusters.results.RANKING_COLUMNS`, documented in docs/outputs.md)."""
        import pandas as pd

        frame: pd.DataFrame = pd.read_parquet(self._path("ranking"))
        return frame

    @cached_property
    def profiles(self) -> pd.DataFrame:
        """One row per profile (``profiles.json``), in size order: the ranking's columns and the
        profile's (lists of top applicants, fields and collaborations as Python objects)."""
        import pandas as pd

        return pd.DataFrame(self._json("profiles")["profiles"])

    @cached_property
    def footprints(self) -> gpd.GeoDataFrame:
        """The published clusters' footprints (``clusters.geojson``): one row per cluster with its
        figures and a (Multi)Polygon in WGS 84 longitude/latitude (EPSG:4326)."""
        import geopandas as gpd

        features = self._json("footprints")["features"]
        columns = ["cluster_id", "rank", "slug", "name", "geometry"]
        if not features:
            return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs="EPSG:4326")
        return gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")

    @cached_property
    def memberships(self) -> pd.DataFrame:
        """Which document and people row fell in which cluster, with its share
        (``memberships.parquet``, documented in docs/outputs.md); read on first use.

        Raises
        ------
        InputError
            When the folder has no ``memberships.parquet`` (written by an older version).
        """
        import pandas as pd

        frame: pd.DataFrame = pd.read_parquet(self._path("memberships"))
        return frame

    @cached_property
    def accounts(self) -> dict[str, Any]:
        """The run's accounts (``accounts.json``)."""
        accounts: dict[str, Any] = self._json("accounts")
        return accounts


def read_results(out_dir: str | Path) -> ResultFrames:
    """Open a finished output folder as tables (read lazily, on first use).

    Parameters
    ----------
    out_dir
        The output folder of ``stclusters run`` (or :func:`run`).

    Returns
    -------
    ResultFrames
        ``.ranking``, ``.profiles``, ``.memberships`` (pandas DataFrames), ``.footprints``
        (a GeoPandas GeoDataFrame), ``.accounts`` (a dict).

    Raises
    ------
    ConfigError
        When pandas or GeoPandas (the ``notebook`` extra) is missing.
    InputError
        When ``out_dir`` is not a run's output folder.
    """
    require_notebook()
    out = Path(out_dir)
    if not out.is_dir():
        raise InputError(f"{out}: no such folder; give the output folder of a run")
    if not (out / FILES["ranking"]).is_file():
        raise InputError(
            f"{out}: not the output folder of a run (it has no {FILES['ranking']}); give the "
            "folder 'stclusters run --out' wrote"
        )
    return ResultFrames(out)


def run(
    inputs: Sequence[str | Path] | Records,
    *,
    out: str | Path | None = None,
    config: Config | None = None,
    input_format: str | None = None,
    write_site: bool | None = None,
    force: bool = False,
    **settings: Any,
) -> ResultFrames:
    """Run the method and return its results as tables.

    Parameters
    ----------
    inputs
        Records folders and input files (any format the readers know), or in-memory Records.
    out
        The output folder to write (as ``stclusters run --out``); None writes the files into a
        temporary folder that is removed when the returned object is.
    config
        The settings (the method's defaults when None).
    input_format
        Force the reader format of the input files.
    write_site
        Also write the HTML site; by default only when ``out`` is given.
    force
        Replace ``out`` even when stclusters did not write it (never when it holds an input).
    **settings
        Settings that replace those of ``config`` (``min_points=50``); checked as any other.

    Returns
    -------
    ResultFrames
        The tables, read lazily from the output folder, and the run's ``run_result``.

    Raises
    ------
    ConfigError
        For a bad setting, or, when ``out`` is None, when pandas or GeoPandas (the
        ``notebook`` extra) is missing (checked before any work).
    InputError, ValidationError, OutputError
        As :func:`stclusters.pipeline.run`.
    """
    from stclusters.pipeline import run as run_pipeline

    cfg = (config or Config()).replace(**settings) if settings else (config or Config())
    if out is None:
        require_notebook()  # the tables are the only way to see a run without a folder
        scratch = Path(tempfile.mkdtemp(prefix="stclusters-run-"))
        folder = scratch / "out"
    else:
        folder = Path(out)
    site = (out is not None) if write_site is None else write_site
    try:
        result = run_pipeline(
            inputs, out=folder, config=cfg, input_format=input_format, write_site=site,
            force=force,
        )  # fmt: skip
    except BaseException:
        if out is None:
            shutil.rmtree(scratch, ignore_errors=True)
        raise
    frames = ResultFrames(result.out, run_result=result)
    if out is None:
        weakref.finalize(frames, shutil.rmtree, scratch, ignore_errors=True)
    return frames
