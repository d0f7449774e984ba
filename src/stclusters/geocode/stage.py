"""The geocoding stage: locate every people row that arrives without coordinates.

Rows are geocoded through their distinct inputs (source style and address fields): DuckDB selects
the distinct inputs of the rows without coordinates with their numbers of rows, each distinct
normalised input is geocoded once (or read from the result cache of earlier runs; on a pool of
forked processes when there are many), and the results are joined back to the rows in SQL. Only
what grows with the number of distinct inputs comes into Python (issue 12 item 2).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from stclusters._outdir import check_file
from stclusters._paths import cache_folder
from stclusters.geocode._text import normalise
from stclusters.geocode.cache import ResultCache
from stclusters.geocode.geocoder import DEFAULT_FUZZY_THRESHOLD, Geocoder, GeocodeResult
from stclusters.records import Records

__all__ = [
    "GeocodeReport",
    "default_workers",
    "geocode_csv",
    "geocode_people",
    "geocode_records",
    "geocode_strings",
    "geocode_table",
    "style_of",
]

log = logging.getLogger(__name__)

PRECISION_LEVELS = ("city", "region", "country")
TOP_FAILED = 20
_SEP = "\x1f"
_FIELDS = ("address", "city", "region", "country")

Progress = Callable[[int, int], None]
#: One input of the geocoder: (style, address, city, region, country).
Input = tuple[str | None, str | None, str | None, str | None, str | None]


def style_of(source: str | None, layer: str | None = None) -> str | None:
    """The address style of a source name ('wos', 'scopus', 'openalex', 'uspto', 'epo')."""
    s = (source or "").lower()
    for name, style in (
        ("wos", "wos"),
        ("web of science", "wos"),
        ("isi", "wos"),
        ("scopus", "scopus"),
        ("openalex", "openalex"),
        ("uspto", "uspto"),
        ("patentsview", "uspto"),
        ("epo", "epo"),
    ):
        if name in s:
            return style
    return "inventor" if layer == "patent" else None


@dataclass
class GeocodeReport:
    """What the geocoding stage did, for the accounts (``to_dict()`` gives plain JSON)."""

    rows: int = 0
    already_located: int = 0
    geocoded: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PRECISION_LEVELS, 0))
    not_located: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)
    by_layer: dict[str, dict[str, int]] = field(default_factory=dict)
    top_failed: list[tuple[str, int]] = field(default_factory=list)
    unique_inputs: int = 0
    cache_hits: int = 0
    geocoded_now: int = 0
    seconds: float = 0.0
    geocoder_version: str = ""

    @property
    def located(self) -> int:
        """Rows with a point after the stage (given or geocoded)."""
        return self.already_located + sum(self.geocoded.values())

    def to_dict(self) -> dict[str, Any]:
        """Plain values for accounts.json."""
        return {
            "rows": self.rows,
            "already_located": self.already_located,
            "geocoded": dict(self.geocoded),
            "not_located": dict(sorted(self.not_located.items(), key=lambda t: -t[1])),
            "not_located_total": sum(self.not_located.values()),
            "by_source": self.by_source,
            "by_layer": self.by_layer,
            "top_failed": [{"address": a, "count": n} for a, n in self.top_failed],
            "unique_inputs": self.unique_inputs,
            "cache_hits": self.cache_hits,
            "geocoded_now": self.geocoded_now,
            "seconds": round(self.seconds, 3),
            "geocoder_version": self.geocoder_version,
        }

    def summary(self) -> str:
        """One line for a person."""
        total = self.rows or 1
        parts = ", ".join(f"{k} {v:,}" for k, v in self.geocoded.items())
        return (
            f"located {self.located:,} of {self.rows:,} addresses ({self.located / total:.1%}): "
            f"{self.already_located:,} given, {parts}; "
            f"{sum(self.not_located.values()):,} not located"
        )


# --------------------------------------------------------------------------------------------
# unique inputs

#: Distinct inputs below this number are geocoded in this process; above it, by a pool of
#: :data:`workers` processes (forking costs a few tenths of a second; a core geocodes some
#: thousands of addresses a second).
POOL_MIN_INPUTS = 20_000
#: Distinct inputs a pool worker geocodes per task (small enough to share the work evenly).
POOL_CHUNK = 2_000

# the geocoder of a pool worker: the parent's, inherited when the worker was forked
_WORKER_GEOCODER: Geocoder | None = None


def default_workers() -> int:
    """The processes that geocode at once: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _norm_key(
    style: str | None, fields: Sequence[str | None], memo: dict[str, str] | None = None
) -> str:
    """The key of an input: its style and normalised fields joined by the separator.

    ``memo`` keeps the normalised form of each field value seen (the city, region and country
    of the distinct inputs repeat a lot: normalising each distinct value once is most of the
    time of making the keys of a large set of inputs).
    """
    if memo is None:
        return _SEP.join([style or "", *(normalise(f or "") for f in fields)])
    parts = [style or ""]
    for f in fields:
        text = f or ""
        norm = memo.get(text)
        if norm is None:
            norm = memo[text] = normalise(text)
        parts.append(norm)
    return _SEP.join(parts)


def _geocode_key(geocoder: Geocoder, k: str) -> GeocodeResult:
    style, address, city, region, country = k.split(_SEP)
    return geocoder.geocode(
        address,
        style=style or None,
        city=city or None,
        region=region or None,
        country=country or None,
    )


def _geocode_chunk(keys: list[str]) -> list[GeocodeResult]:
    """A pool task: the results of ``keys`` by the worker's (inherited) geocoder."""
    assert _WORKER_GEOCODER is not None, "pool worker started without a geocoder"
    return [_geocode_key(_WORKER_GEOCODER, k) for k in keys]


def _geocode_keys(
    keys: list[str], *, geocoder: Geocoder, workers: int, progress: Progress | None
) -> list[GeocodeResult]:
    """The results of normalised ``keys``, in their order, on ``workers`` processes.

    A pool is used for at least :data:`POOL_MIN_INPUTS` keys when ``workers`` > 1 and the
    platform can fork (the workers inherit ``geocoder``, so nothing is loaded or pickled but the
    keys and results). A key's result does not depend on the other keys (the geocoder's memos
    only cache pure lookups), so the results are the same for any chunking or number of workers.
    """
    global _WORKER_GEOCODER
    n = len(keys)
    out: list[GeocodeResult] = []
    if workers > 1 and n >= POOL_MIN_INPUTS and "fork" in mp.get_all_start_methods():
        chunks = [keys[i : i + POOL_CHUNK] for i in range(0, n, POOL_CHUNK)]
        _WORKER_GEOCODER = geocoder
        try:
            ctx = mp.get_context("fork")
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                for part in pool.map(_geocode_chunk, chunks):
                    out.extend(part)
                    if progress is not None:
                        progress(len(out), n)
        finally:
            _WORKER_GEOCODER = None
        return out
    step = max(1, min(10_000, n // 100 or 1))
    for i, k in enumerate(keys):
        out.append(_geocode_key(geocoder, k))
        if progress is not None and (i + 1) % step == 0:
            progress(i + 1, n)
    if progress is not None:
        progress(n, n)
    return out


def geocode_strings(
    inputs: Sequence[Input],
    *,
    geocoder: Geocoder,
    cache: ResultCache | None = None,
    progress: Progress | None = None,
    workers: int = 1,
) -> tuple[list[GeocodeResult], int, int]:
    """Geocode distinct ``(style, address, city, region, country)`` inputs.

    Inputs are normalised first (two inputs with the same normalised form share one result);
    cached results are reused, the others are geocoded on ``workers`` processes (see
    :func:`_geocode_keys`; the results do not depend on ``workers``). Returns one result per
    input, the number of distinct normalised inputs and the number of them found in the cache.
    """
    norm: dict[str, int] = {}
    slots: list[int] = []
    memo: dict[str, str] = {}
    for style, *fields in inputs:
        slots.append(norm.setdefault(_norm_key(style, fields, memo), len(norm)))
    keys = list(norm)
    cached = cache.get(keys) if cache is not None else {}
    results: list[GeocodeResult | None] = [cached.get(k) for k in keys]
    todo = [i for i, r in enumerate(results) if r is None]
    fresh = _geocode_keys(
        [keys[i] for i in todo], geocoder=geocoder, workers=workers, progress=progress
    )
    for i, res in zip(todo, fresh, strict=True):
        results[i] = res
    if cache is not None and fresh:
        cache.put((keys[i], res) for i, res in zip(todo, fresh, strict=True))
    done = [r for r in results if r is not None]
    return [done[s] for s in slots], len(keys), len(cached)


# --------------------------------------------------------------------------------------------
# the stage: distinct inputs selected by DuckDB, results joined back in SQL

_UNKNOWN = "(unknown)"
# one row per (source, layer, needs geocoding, address fields) with its number of people rows;
# the address fields are '' when null, and null for rows that have coordinates
_GROUPS_SQL = """
SELECT coalesce(CAST(d.source AS VARCHAR), '{unknown}') AS source,
       coalesce(CAST(d.layer AS VARCHAR), '{unknown}') AS layer,
       (p.lat IS NULL OR p.lon IS NULL) AS need,
       {fields},
       count(*) AS n
FROM {people} AS p LEFT JOIN {documents} AS d ON d.doc_id = p.doc_id
GROUP BY ALL
"""
# the people rows with the results written in: rows with coordinates as they are, the others
# with the point and precision of their input, and city/region/country where those were empty
_FILL_SQL = """
CREATE OR REPLACE TEMP TABLE {out} AS
SELECT * FROM {people} WHERE lat IS NOT NULL AND lon IS NOT NULL
UNION ALL
SELECT p.* REPLACE (
    g.geo_lat AS lat, g.geo_lon AS lon, g.geo_precision AS precision,
    coalesce(g.geo_city, p.city) AS city,
    coalesce(g.geo_region, p.region) AS region,
    coalesce(g.geo_country, p.country) AS country)
FROM {people} AS p
LEFT JOIN {documents} AS d ON d.doc_id = p.doc_id
LEFT JOIN {results} AS g
  ON g.source = coalesce(CAST(d.source AS VARCHAR), '{unknown}')
 AND g.layer = coalesce(CAST(d.layer AS VARCHAR), '{unknown}')
 AND {join}
WHERE p.lat IS NULL OR p.lon IS NULL
"""


def _text(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A string column with nulls as '' and the separator character removed."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    arr = pc.fill_null(arr.cast(pa.string()), "")
    return pc.replace_substring(arr, _SEP, " ")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _field_sql(name: str) -> str:
    return (
        f"CASE WHEN p.lat IS NULL OR p.lon IS NULL THEN coalesce(CAST(p.{name} AS VARCHAR), '') "
        f"END AS {name}"
    )


def _fills(raw: pa.Array, results: list[GeocodeResult], name: str) -> pa.Array:
    """The result's ``name`` where the given value ``raw`` is empty, else null (keep it)."""
    new = pa.array([getattr(r, name) for r in results], pa.string())
    empty = pc.equal(pc.utf8_trim_whitespace(raw), "")
    return pc.if_else(empty, new, pa.nulls(len(raw), pa.string()))


def geocode_table(
    con: duckdb.DuckDBPyConnection,
    *,
    out: str,
    people: str = "people",
    documents: str = "documents",
    geocoder: Geocoder,
    cache: ResultCache | None = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> GeocodeReport:
    """Write the people of ``people`` into a temporary table ``out`` with rows geocoded.

    DuckDB selects the distinct inputs (source and layer of the document, which give the address
    style, and the address fields) of the rows whose latitude or longitude is null, with their
    numbers of rows; those are geocoded through their normalised forms (:func:`geocode_strings`:
    the result cache, ``workers`` processes), and the results are joined back to the rows in
    SQL. Only the distinct inputs come into Python; the rows stay in DuckDB (which spills to
    disk under its memory limit).

    Parameters
    ----------
    con
        The connection holding the relations ``people`` and ``documents`` (columns of
        :data:`stclusters.records.SCHEMAS`; ``people`` may have more columns, kept as they are).
    out
        Name of the temporary table written (replaced when it exists): the columns of
        ``people`` in their order; rows with coordinates first, as they were, then the others
        with ``lat``, ``lon`` and ``precision`` of their result (null when not located) and
        ``city``, ``region`` and ``country`` filled where they were empty. No row is dropped;
        the order of the rows is not kept. When rows were geocoded, the temporary table
        ``<out>_inputs`` also holds one row per distinct input: ``source``, ``layer``, the
        address fields as given ('' for null), ``rows`` (people rows), ``geo_lat``, ``geo_lon``,
        ``geo_precision`` and ``result_city``, ``result_region``, ``result_country``,
        ``result_rule``, ``result_reason`` (:class:`GeocodeResult`).
    people, documents
        Names of the input relations.
    geocoder
        The geocoder.
    cache
        The result cache of earlier runs, or None.
    workers
        Processes geocoding at once (the results do not depend on it).
    progress
        Called with (done, total) while distinct inputs are geocoded.

    Returns
    -------
    GeocodeReport
        The accounts (``seconds`` is set by the caller).
    """
    fields = ", ".join(_field_sql(f) for f in _FIELDS)
    groups = con.sql(
        _GROUPS_SQL.format(
            unknown=_UNKNOWN, fields=fields, people=_ident(people), documents=_ident(documents)
        )
    ).to_arrow_table()
    report = GeocodeReport(geocoder_version=geocoder.version)
    n_rows = groups.column("n").to_numpy()
    need = groups.column("need").to_numpy(zero_copy_only=False).astype(bool)
    report.rows = int(n_rows.sum())
    report.already_located = int(n_rows[~need].sum())
    todo = groups.filter(pa.array(need))
    status = np.full(groups.num_rows, "already located", dtype=object)
    if todo.num_rows:
        inputs = _inputs(todo)
        results, report.unique_inputs, report.cache_hits = geocode_strings(
            inputs, geocoder=geocoder, cache=cache, progress=progress, workers=workers
        )
        report.geocoded_now = report.unique_inputs - report.cache_hits
        status[need] = [r.precision or "not located" for r in results]
        _account_results(report, inputs, results, todo.column("n").to_pylist())
        _join_back(con, out=out, people=people, documents=documents, todo=todo, results=results)
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {_ident(out)} AS SELECT * FROM {_ident(people)}")
    report.by_source = _tally(groups.column("source").to_pylist(), status.tolist(), n_rows)
    report.by_layer = _tally(groups.column("layer").to_pylist(), status.tolist(), n_rows)
    return report


def _inputs(todo: pa.Table) -> list[Input]:
    """The (style, address, city, region, country) of each row of ``todo`` (distinct inputs)."""
    source, layer = todo.column("source").to_pylist(), todo.column("layer").to_pylist()
    styles = {sl: style_of(*sl) for sl in set(zip(source, layer, strict=True))}
    fields = zip(*(todo.column(f).to_pylist() for f in _FIELDS), strict=True)
    return [(styles[sl], *f) for sl, f in zip(zip(source, layer, strict=True), fields, strict=True)]


def _account_results(
    report: GeocodeReport, inputs: list[Input], results: list[GeocodeResult], rows: list[int]
) -> None:
    """Add the rows of each input (``rows``) to the report's precisions, reasons, top failed.

    Ties are ordered by their text, so the accounts do not depend on the order of the rows.
    """
    failed: Counter[tuple[str, ...]] = Counter()
    not_located: Counter[str] = Counter()
    for r, inp, n in zip(results, inputs, rows, strict=True):
        if r.precision:
            report.geocoded[r.precision] = report.geocoded.get(r.precision, 0) + n
        else:
            not_located[r.reason or "unknown"] += n
            failed[(inp[0] or "", *((f or "").replace(_SEP, " ") for f in inp[1:]))] += n
    report.not_located = dict(sorted(not_located.items()))
    top = sorted(failed.items(), key=lambda t: (-t[1], _display(t[0]), t[0]))[:TOP_FAILED]
    report.top_failed = [(_display(k), c) for k, c in top]


def _join_back(
    con: duckdb.DuckDBPyConnection,
    *,
    out: str,
    people: str,
    documents: str,
    todo: pa.Table,
    results: list[GeocodeResult],
) -> None:
    """Write ``out``: the people rows with the results of their inputs joined in (SQL)."""
    raw = {f: todo.column(f).combine_chunks() for f in _FIELDS}
    geo = pa.table(
        {
            "source": todo.column("source"),
            "layer": todo.column("layer"),
            **raw,
            "geo_lat": pa.array([r.lat for r in results], pa.float64()),
            "geo_lon": pa.array([r.lon for r in results], pa.float64()),
            "geo_precision": pa.array([r.precision for r in results], pa.string()),
            **{f"geo_{f}": _fills(raw[f], results, f) for f in _FIELDS if f != "address"},
        }
    )
    name = f"{out}_results"
    con.register(name, geo)
    try:
        # the distinct inputs with their rows and full results, for addresses.parquet
        kept = geo.append_column("rows", todo.column("n").combine_chunks())
        for f in ("city", "region", "country", "rule", "reason"):
            kept = kept.append_column(
                f"result_{f}", pa.array([getattr(r, f) for r in results], pa.string())
            )
        con.register(f"{name}_all", kept)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_ident(out + '_inputs')} AS "
            f"SELECT * EXCLUDE (geo_city, geo_region, geo_country) FROM {name}_all"
        )
        con.unregister(f"{name}_all")
        join = " AND ".join(f"g.{f} = coalesce(CAST(p.{f} AS VARCHAR), '')" for f in _FIELDS)
        con.execute(
            _FILL_SQL.format(
                out=_ident(out),
                people=_ident(people),
                documents=_ident(documents),
                results=_ident(name),
                unknown=_UNKNOWN,
                join=join,
            )
        )
    finally:
        con.unregister(name)


def geocode_records(
    records: Records,
    *,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD,
    geocoder: Geocoder | None = None,
    use_cache: bool = True,
    workers: int | None = None,
) -> tuple[Records, GeocodeReport]:
    """Locate the people rows whose latitude or longitude is null.

    Each such row is geocoded from its address fields (``address``, ``city``, ``region``,
    ``country``; the source style comes from ``documents.source``) and gets ``lat``, ``lon``
    and ``precision`` ('city', 'region' or 'country'), plus ``city``, ``region`` and
    ``country`` where those were empty. Rows with coordinates are left untouched; no row is
    dropped, and the rows keep their order. The work is :func:`geocode_table`'s, on the records
    registered with a DuckDB connection of its own.

    Parameters
    ----------
    records
        The records to geocode.
    cache_dir
        Folder of the gazetteer and result caches (default: the user cache folder).
    progress
        Called with (done, total) while distinct addresses are geocoded.
    fuzzy_threshold
        Smallest similarity (0-100) of a tolerant place-name match.
    geocoder
        A loaded geocoder to use instead of loading one from ``cache_dir``.
    use_cache
        Read and write the result cache of earlier runs.
    workers
        Processes geocoding at once (default :func:`default_workers`); the results do not
        depend on it.

    Returns
    -------
    tuple
        The records with the people table geocoded, and the :class:`GeocodeReport`.
    """
    start = time.perf_counter()
    people = records.people
    row = "_stclusters_row"
    con = duckdb.connect()
    try:
        con.register("documents", records.documents)
        con.register("people_in", people.append_column(row, pa.array(np.arange(people.num_rows))))
        report = geocode_people(
            con,
            people="people_in",
            out="people_out",
            cache_dir=cache_dir,
            progress=progress,
            fuzzy_threshold=fuzzy_threshold,
            geocoder=geocoder,
            use_cache=use_cache,
            workers=workers,
        )
        located = con.sql(
            f"SELECT * EXCLUDE ({row}) FROM people_out ORDER BY {row}"
        ).to_arrow_table()
    finally:
        con.close()
    report.seconds = time.perf_counter() - start
    out = Records(
        documents=records.documents,
        people=located.cast(people.schema),
        classes=records.classes,
        applicants=records.applicants,
    )
    return out, report


def geocode_people(
    con: duckdb.DuckDBPyConnection,
    *,
    out: str,
    people: str = "people",
    documents: str = "documents",
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD,
    geocoder: Geocoder | None = None,
    use_cache: bool = True,
    workers: int | None = None,
) -> GeocodeReport:
    """:func:`geocode_table` with the geocoder and result cache of ``cache_dir``.

    Parameters
    ----------
    con, out, people, documents, progress
        As for :func:`geocode_table`.
    cache_dir, fuzzy_threshold, geocoder, use_cache, workers
        As for :func:`geocode_records`.

    Returns
    -------
    GeocodeReport
        The accounts, ``seconds`` included.
    """
    start = time.perf_counter()
    folder = cache_folder(cache_dir)
    geo = geocoder or Geocoder.load(folder, fuzzy_threshold=fuzzy_threshold)
    cache = ResultCache(folder, geo.version) if use_cache else None
    try:
        report = geocode_table(
            con,
            out=out,
            people=people,
            documents=documents,
            geocoder=geo,
            cache=cache,
            workers=default_workers() if workers is None else workers,
            progress=progress,
        )
    finally:
        if cache is not None:
            cache.close()
    report.seconds = time.perf_counter() - start
    log.info("geocoding: %s", report.summary())
    return report


def _display(unique: Sequence[str]) -> str:
    _style, *fields = unique
    return ", ".join(f for f in fields if f.strip())


def _tally(groups: list[str], status: list[str], rows: np.ndarray) -> dict[str, dict[str, int]]:
    counts: Counter[tuple[str, str]] = Counter()
    for g, s, n in zip(groups, status, rows.tolist(), strict=True):
        counts[(g, s)] += n
    out: dict[str, dict[str, int]] = {}
    for (g, s), c in sorted(counts.items()):
        row = out.setdefault(
            g, {"rows": 0, "already located": 0, **dict.fromkeys(PRECISION_LEVELS, 0)}
        )
        row.setdefault("not located", 0)
        row[s] = row.get(s, 0) + c
        row["rows"] += c
    return out


# --------------------------------------------------------------------------------------------
# a file of address strings

#: The geocoder's results written for each address (result fields).
RESULT_FIELDS = ("city", "region", "country", "lat", "lon", "precision", "rule", "reason")
#: Prefix of the result columns that ``stclusters geocode`` adds to the user's columns.
OUTPUT_PREFIX = "geo_"
#: The columns ``stclusters geocode`` adds after the user's columns, in order.
OUTPUT_COLUMNS = tuple(OUTPUT_PREFIX + name for name in RESULT_FIELDS)
#: Input column whose values are taken as a hint of each address's country (code or name).
COUNTRY_HINT_COLUMN = "country"


def geocode_csv(
    path: Path,
    *,
    out: Path,
    column: str = "address",
    style: str | None = None,
    cache_dir: Path | None = None,
    fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD,
    progress: Progress | None = None,
    use_cache: bool = True,
    force: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> dict[str, int]:
    """Geocode the address strings of a CSV file (column ``column``) into ``out``.

    The input may be comma-, semicolon- or tab-separated, in UTF-8 (with or without a
    byte-order mark), UTF-16 (with one) or Windows-1252: both are detected by the rule of
    :func:`stclusters.readers._dialect.csv_dialect` unless ``encoding`` or ``delimiter`` names
    them. ``out`` is written as UTF-8, comma-separated.

    ``out`` holds the input columns as given, then the results in columns named with
    :data:`OUTPUT_PREFIX`: geo_city, geo_region, geo_country, geo_lat, geo_lon, geo_precision,
    geo_rule and geo_reason. An input column named ``country`` (:data:`COUNTRY_HINT_COLUMN`; an
    ISO code or a name) is used as a hint of each row's country. Returns the number of rows by
    precision ('city', 'region', 'country', 'not located'). An existing ``out`` is replaced only
    when its header ends with the result columns (a previous output) or with ``force``, and
    never when it is the input (see :mod:`stclusters._outdir`).

    Raises
    ------
    InputError
        When the file cannot be read as CSV, lacks the column, already has a column named like a
        result column, or ``out`` cannot be written.
    OutputError
        When ``out`` may not be replaced (checked before reading the input).
    """
    import pyarrow.csv as pacsv

    from stclusters.csvfile import write_csv_table
    from stclusters.errors import InputError
    from stclusters.readers._dialect import SAMPLE_BYTES, csv_dialect

    path, out = Path(path), Path(out)
    check_file(out, inputs=[path], force=force, own_columns=OUTPUT_COLUMNS, what="geocoded rows")
    if not path.is_file():
        raise InputError(f"{path}: no such file; give the path of a CSV file of addresses")
    try:
        with path.open("rb") as fh:
            head = fh.read(SAMPLE_BYTES)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror})") from None
    dialect = csv_dialect(head, name=str(path), encoding=encoding, delimiter=delimiter)
    header = list(dialect.header)
    if column not in header:
        raise InputError(
            f"{path}: no column '{column}' (columns: {', '.join(header)}; read as "
            f"{dialect.describe()}); name the address column with --column, or the file's "
            "delimiter and encoding with --delimiter and --encoding"
        )
    if len(set(header)) != len(header):
        raise InputError(f"{path}: duplicate column names in the header")
    taken = [c for c in header if c in OUTPUT_COLUMNS]
    if taken:
        raise InputError(
            f"{path}: column {taken[0]!r} is a name the results are written under; "
            "rename that column (result columns start with 'geo_')"
        )
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding=dialect.arrow_encoding),
            parse_options=pacsv.ParseOptions(delimiter=dialect.delimiter),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{path}: not a valid CSV file ({exc}; read as {dialect.describe()}: name the "
            "file's delimiter and encoding with --delimiter and --encoding if that is wrong)"
        ) from None
    folder = cache_folder(cache_dir)
    geo = Geocoder.load(folder, fuzzy_threshold=fuzzy_threshold)
    text = _text(table.column(column))
    hint_column = COUNTRY_HINT_COLUMN if COUNTRY_HINT_COLUMN in header else None
    if hint_column is not None and hint_column != column:
        # one input per (address, country hint): the separator cannot occur in either
        text = pc.binary_join_element_wise(text, _text(table.column(hint_column)), _SEP)
    encoded = text.dictionary_encode()
    uniques = encoded.dictionary.to_pylist()
    inputs: list[tuple[str | None, str | None, str | None, str | None, str | None]] = []
    for u in uniques:
        address, _, hint = u.partition(_SEP)
        inputs.append((style, address, None, None, hint or None))
    cache = ResultCache(folder, geo.version) if use_cache else None
    try:
        results, _n, _hits = geocode_strings(
            inputs, geocoder=geo, cache=cache, progress=progress, workers=default_workers()
        )
    finally:
        if cache is not None:
            cache.close()
    idx = encoded.indices
    kept = table
    for name, out_name in zip(RESULT_FIELDS, OUTPUT_COLUMNS, strict=True):
        typ = pa.float64() if name in ("lat", "lon") else pa.string()
        values = pa.array([getattr(r, name) for r in results], typ)
        kept = kept.append_column(out_name, pc.take(values, idx))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_csv_table(kept, out)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"{out}: cannot write the output file ({exc})") from None
    counts = Counter(results[i].precision or "not located" for i in idx.to_pylist())
    return {k: counts.get(k, 0) for k in (*PRECISION_LEVELS, "not located")}
