"""The geocoding stage: locate every people row that arrives without coordinates.

Rows are geocoded through their unique normalised inputs (source style and address fields): the
address column is dictionary-encoded with Arrow, each distinct input is geocoded once (or read
from the result cache of earlier runs), and the results are taken back to the rows.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    "geocode_csv",
    "geocode_records",
    "geocode_strings",
    "style_of",
]

log = logging.getLogger(__name__)

PRECISION_LEVELS = ("city", "region", "country")
TOP_FAILED = 20
_SEP = "\x1f"
_FIELDS = ("address", "city", "region", "country")

Progress = Callable[[int, int], None]


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


def _norm_key(style: str | None, fields: Sequence[str | None]) -> str:
    return _SEP.join([style or "", *(normalise(f or "") for f in fields)])


def geocode_strings(
    inputs: Sequence[tuple[str | None, str | None, str | None, str | None, str | None]],
    *,
    geocoder: Geocoder,
    cache: ResultCache | None = None,
    progress: Progress | None = None,
) -> tuple[list[GeocodeResult], int, int]:
    """Geocode distinct ``(style, address, city, region, country)`` inputs.

    Inputs are normalised first (two inputs with the same normalised form share one result);
    cached results are reused. Returns one result per input, the number of distinct
    normalised inputs and the number of them found in the cache.
    """
    norm: dict[str, int] = {}
    slots: list[int] = []
    for style, *fields in inputs:
        slots.append(norm.setdefault(_norm_key(style, fields), len(norm)))
    keys = list(norm)
    cached = cache.get(keys) if cache is not None else {}
    results: list[GeocodeResult | None] = [cached.get(k) for k in keys]
    todo = [i for i, r in enumerate(results) if r is None]
    fresh: list[tuple[str, GeocodeResult]] = []
    step = max(1, min(10_000, len(todo) // 100 or 1))
    for n, i in enumerate(todo):
        style, address, city, region, country = keys[i].split(_SEP)
        res = geocoder.geocode(
            address,
            style=style or None,
            city=city or None,
            region=region or None,
            country=country or None,
        )
        results[i] = res
        fresh.append((keys[i], res))
        if progress is not None and (n + 1) % step == 0:
            progress(n + 1, len(todo))
    if progress is not None:
        progress(len(todo), len(todo))
    if cache is not None and fresh:
        cache.put(fresh)
    done = [r for r in results if r is not None]
    return [done[s] for s in slots], len(keys), len(cached)


# --------------------------------------------------------------------------------------------
# the stage


def _text(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A string column with nulls as '' and the separator character removed."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    arr = pc.fill_null(arr.cast(pa.string()), "")
    return pc.replace_substring(arr, _SEP, " ")


def _empty(col: pa.ChunkedArray) -> pa.Array:
    arr = col.combine_chunks()
    return pc.or_kleene(pc.is_null(arr), pc.equal(pc.utf8_trim_whitespace(arr), "")).fill_null(True)


def geocode_records(
    records: Records,
    *,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD,
    geocoder: Geocoder | None = None,
    use_cache: bool = True,
) -> tuple[Records, GeocodeReport]:
    """Locate the people rows whose latitude or longitude is null.

    Each such row is geocoded from its address fields (``address``, ``city``, ``region``,
    ``country``; the source style comes from ``documents.source``) and gets ``lat``, ``lon``
    and ``precision`` ('city', 'region' or 'country'), plus ``city``, ``region`` and
    ``country`` where those were empty. Rows with coordinates are left untouched; no row is
    dropped.

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

    Returns
    -------
    tuple
        The records with the people table geocoded, and the :class:`GeocodeReport`.
    """
    start = time.perf_counter()
    folder = cache_folder(cache_dir)
    geo = geocoder or Geocoder.load(folder, fuzzy_threshold=fuzzy_threshold)
    people = records.people
    n = people.num_rows
    report = GeocodeReport(rows=n, geocoder_version=geo.version)
    lat_col = people.column("lat").combine_chunks()
    lon_col = people.column("lon").combine_chunks()
    need = pc.or_(pc.is_null(lat_col), pc.is_null(lon_col)).to_numpy(zero_copy_only=False)
    need = np.asarray(need, dtype=bool)
    report.already_located = int(n - need.sum())

    # source and layer of every row, through its document
    docs = records.documents
    pos = pc.index_in(people.column("doc_id"), value_set=docs.column("doc_id"))
    source = pc.fill_null(pc.take(docs.column("source"), pos).cast(pa.string()), "(unknown)")
    layer = pc.fill_null(pc.take(docs.column("layer"), pos).cast(pa.string()), "(unknown)")

    status = np.full(n, "already located", dtype=object)
    results_rows: list[GeocodeResult] = []
    rows_idx = np.flatnonzero(need)
    if len(rows_idx):
        sel = pa.array(rows_idx)
        src = pc.take(source, sel)
        lay = pc.take(layer, sel)
        cols = [_text(pc.take(people.column(f), sel)) for f in _FIELDS]
        styles = [style_of(s, la) for s, la in zip(src.to_pylist(), lay.to_pylist(), strict=True)]
        style_arr = pc.fill_null(pa.array(styles, pa.string()), "")
        combined = pc.binary_join_element_wise(style_arr, *cols, _SEP)
        encoded = combined.dictionary_encode()
        indices = encoded.indices.to_numpy(zero_copy_only=False)
        uniques = encoded.dictionary.to_pylist()
        inputs = []
        for u in uniques:
            style, address, city, region, country = u.split(_SEP)
            inputs.append((style or None, address, city, region, country))
        cache = ResultCache(folder, geo.version) if use_cache else None
        try:
            unique_results, n_unique, hits = geocode_strings(
                inputs, geocoder=geo, cache=cache, progress=progress
            )
        finally:
            if cache is not None:
                cache.close()
        report.unique_inputs = n_unique
        report.cache_hits = hits
        report.geocoded_now = n_unique - hits
        results_rows = [unique_results[i] for i in indices]
        people = _fill(people, rows_idx, results_rows)
        for k, r in zip(rows_idx, results_rows, strict=True):
            status[k] = r.precision if r.precision else "not located"
        for r in results_rows:
            if r.precision:
                report.geocoded[r.precision] = report.geocoded.get(r.precision, 0) + 1
            else:
                reason = r.reason or "unknown"
                report.not_located[reason] = report.not_located.get(reason, 0) + 1
        failed = np.bincount(
            indices[[r.precision is None for r in results_rows]], minlength=len(uniques)
        )
        order = np.argsort(-failed, kind="stable")[:TOP_FAILED]
        report.top_failed = [(_display(uniques[i]), int(failed[i])) for i in order if failed[i] > 0]
    report.by_source = _tally(source.to_pylist(), status)
    report.by_layer = _tally(layer.to_pylist(), status)
    report.seconds = time.perf_counter() - start
    log.info("geocoding: %s", report.summary())
    out = Records(
        documents=records.documents,
        people=people,
        classes=records.classes,
        applicants=records.applicants,
    )
    return out, report


def _display(unique: str) -> str:
    _style, *fields = unique.split(_SEP)
    return ", ".join(f for f in fields if f.strip())


def _tally(groups: list[str], status: np.ndarray) -> dict[str, dict[str, int]]:
    counts: Counter[tuple[str, str]] = Counter(zip(groups, status.tolist(), strict=True))
    out: dict[str, dict[str, int]] = {}
    for (g, s), c in sorted(counts.items()):
        row = out.setdefault(
            g, {"rows": 0, "already located": 0, **dict.fromkeys(PRECISION_LEVELS, 0)}
        )
        row.setdefault("not located", 0)
        row[s] = row.get(s, 0) + c
        row["rows"] += c
    return out


def _fill(people: pa.Table, rows: np.ndarray, results: list[GeocodeResult]) -> pa.Table:
    """People with the geocoded columns written into ``rows``."""
    n = people.num_rows
    mask_np = np.zeros(n, dtype=bool)
    mask_np[rows] = True
    mask = pa.array(mask_np)

    def scattered(values: list[Any], typ: pa.DataType) -> pa.Array:
        full: list[Any] = [None] * n
        for k, v in zip(rows.tolist(), values, strict=True):
            full[k] = v
        return pa.array(full, typ)

    cols = {name: people.column(name).combine_chunks() for name in people.column_names}
    new_lat = scattered([r.lat for r in results], pa.float64())
    new_lon = scattered([r.lon for r in results], pa.float64())
    new_prec = scattered([r.precision for r in results], pa.string())
    cols["lat"] = pc.if_else(mask, new_lat, cols["lat"])
    cols["lon"] = pc.if_else(mask, new_lon, cols["lon"])
    cols["precision"] = pc.if_else(mask, new_prec, cols["precision"])
    for name in ("city", "region", "country"):
        new = scattered([getattr(r, name) for r in results], pa.string())
        fill = pc.and_(mask, _empty(people.column(name)))
        fill = pc.and_(fill, pc.invert(pc.is_null(new)))
        cols[name] = pc.if_else(fill, new, cols[name])
    return pa.table(
        [cols[name].cast(people.schema.field(name).type) for name in people.column_names],
        schema=people.schema,
    )


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
) -> dict[str, int]:
    """Geocode the address strings of a CSV file (column ``column``) into ``out``.

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
    import csv

    import pyarrow.csv as pacsv

    from stclusters.errors import InputError

    path, out = Path(path), Path(out)
    check_file(out, inputs=[path], force=force, own_columns=OUTPUT_COLUMNS, what="geocoded rows")
    if not path.is_file():
        raise InputError(f"{path}: no such file; give the path of a CSV file of addresses")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), None)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read the file as UTF-8 CSV ({exc})") from None
    if not header:
        raise InputError(f"{path}: empty file; expected a CSV file with a header row")
    if column not in header:
        raise InputError(
            f"{path}: no column '{column}' (columns: {', '.join(header)}); "
            "name the address column with --column"
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
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{path}: not a valid CSV file ({exc})") from None
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
            inputs,
            geocoder=geo,
            cache=cache,
            progress=progress,
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
        pacsv.write_csv(kept, out)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"{out}: cannot write the output file ({exc})") from None
    counts = Counter(results[i].precision or "not located" for i in idx.to_pylist())
    return {k: counts.get(k, 0) for k in (*PRECISION_LEVELS, "not located")}
