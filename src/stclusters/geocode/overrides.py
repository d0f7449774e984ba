"""Corrections of the geocoding: the ``geocode_overrides`` table (issue 14 item 2).

A user who finds a misplaced or unlocated address in ``addresses.csv`` writes one line per
address into a CSV file named by the ``geocode_overrides`` setting::

    address,lat,lon,city,country
    "Springfield, IL, USA",39.80172,-89.64371,Springfield,US
    "Dept Physics, Nowhere",ignore,,,

An address given a point is moved there (precision ``city`` unless a ``precision`` column says
otherwise); an address whose ``lat`` is the word ``ignore`` is taken out of clustering (its
rows count as not located). Addresses are matched on the text of the ``address`` column of
``addresses.csv`` (:func:`address_text_sql`), compared without case and with runs of white
space as one space (:func:`match_key_sql`). The overrides apply after geocoding, before
clustering, to every people row whose address matches, whether it came with coordinates or
not; the rows changed are counted in ``accounts.json`` (``geocode_overrides``).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from stclusters._countries import iso_alpha2, why_not_alpha2
from stclusters.errors import InputError
from stclusters.records import PRECISIONS

__all__ = [
    "IGNORE",
    "OVERRIDE_COLUMNS",
    "address_text_sql",
    "apply_overrides",
    "match_key_sql",
    "read_correction_csv",
    "read_geocode_overrides",
]

#: The ``lat`` value that takes an address out of clustering.
IGNORE = "ignore"
#: Columns of the overrides table: required ones, then optional ones.
OVERRIDE_COLUMNS = ("address", "lat", "lon")
OPTIONAL_COLUMNS = ("city", "region", "country", "precision")
#: Precision given to a moved address when the table has no ``precision`` column.
DEFAULT_PRECISION = "city"
#: The address fields of a people row that make its address text, in order.
ADDRESS_FIELDS = ("address", "city", "region", "country")

#: The Arrow schema of the table :func:`read_geocode_overrides` returns.
OVERRIDES_SCHEMA = pa.schema(
    [
        ("line", pa.int64()),
        ("address", pa.string()),
        ("action", pa.string()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("city", pa.string()),
        ("region", pa.string()),
        ("country", pa.string()),
        ("precision", pa.string()),
    ]
)


def address_text_sql(alias: str = "") -> str:
    """SQL expression: the address text of a row, its non-empty address fields
    (:data:`ADDRESS_FIELDS`, trimmed) joined by ", "; null when all are empty.

    The one definition of the ``address`` column of ``addresses.csv`` and of what an override
    is matched against. ``alias`` qualifies the columns.
    """
    prefix = f"{alias}." if alias else ""
    parts = ", ".join(f"nullif(trim(CAST({prefix}{f} AS VARCHAR)), '')" for f in ADDRESS_FIELDS)
    return f"nullif(concat_ws(', ', {parts}), '')"


def match_key_sql(expr: str) -> str:
    """SQL expression: the matching key of the address text ``expr`` (lower case, runs of white
    space as one space, trimmed)."""
    return f"lower(trim(regexp_replace({expr}, '\\s+', ' ', 'g')))"


def read_correction_csv(
    path: str | Path, *, required: Sequence[str], what: str, setting: str
) -> list[tuple[int, dict[str, str]]]:
    """The rows of a corrections CSV file with their line numbers (header on line 1).

    The file is UTF-8 (a byte-order mark is allowed); the delimiter is a comma, a semicolon
    or a tab (detected from the header line). Cells are stripped.

    Raises
    ------
    InputError
        When the file is missing or unreadable, or its header lacks a ``required`` column; the
        message names the file, the ``setting`` and the fix.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(
            f"The '{setting}' setting names {path}, which does not exist; give the path of a "
            f"CSV file of {what}"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{path}: cannot read the {what} as UTF-8 text ({exc}); save it as UTF-8 CSV"
        ) from None
    lines = text.splitlines()
    header = lines[0] if lines else ""
    delimiter = max((",", ";", "\t"), key=header.count) if header else ","
    reader = csv.reader(lines, delimiter=delimiter)
    columns = [c.strip().lower() for c in next(reader, [])]
    missing = [c for c in required if c not in columns]
    if missing:
        raise InputError(
            f"{path}, line 1: the {what} need the columns {', '.join(required)}; "
            f"'{', '.join(missing)}' missing (found: {', '.join(columns) or 'none'}); "
            "fix the header line"
        )
    out = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        padded = [*cells, *[""] * (len(columns) - len(cells))]
        out.append((line, {c: v.strip() for c, v in zip(columns, padded, strict=False)}))
    return out


def _coordinate(path: Path, line: int, name: str, value: str, bound: float) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or abs(number) > bound:
        raise InputError(
            f"{path}, line {line}: {name} {value!r} is not a number between {-bound:g} and "
            f"{bound:g}; give decimal degrees (WGS 84), or '{IGNORE}' in the lat column to "
            "take the address out of clustering"
        )
    return number


def _override(path: Path, line: int, row: dict[str, str]) -> dict[str, Any]:
    """One checked row of the overrides table (:data:`OVERRIDES_SCHEMA` without ``line``)."""
    address = row.get("address", "")
    if not address:
        raise InputError(f"{path}, line {line}: the address is empty; copy it from addresses.csv")
    lat_text, lon_text = row.get("lat", ""), row.get("lon", "")
    if lat_text.lower() == IGNORE:
        return {"address": address, "action": "ignore"}
    lat = _coordinate(path, line, "lat", lat_text, 90.0)
    lon = _coordinate(path, line, "lon", lon_text, 180.0)
    country = row.get("country") or None
    code = iso_alpha2(country) if country else None
    if country and code is None:
        raise InputError(f"{path}, line {line}: {why_not_alpha2(country)}")
    precision = (row.get("precision") or DEFAULT_PRECISION).lower()
    if precision not in PRECISIONS:
        raise InputError(
            f"{path}, line {line}: precision {precision!r} is not one of {', '.join(PRECISIONS)}"
        )
    return {
        "address": address,
        "action": "move",
        "lat": lat,
        "lon": lon,
        "city": row.get("city") or None,
        "region": row.get("region") or None,
        "country": code,
        "precision": precision,
    }


def read_geocode_overrides(path: str | Path) -> pa.Table:
    """Read and check the ``geocode_overrides`` table (see the module docstring).

    Returns
    -------
    pyarrow.Table
        One row per override (:data:`OVERRIDES_SCHEMA`): ``line`` in the file, ``address``,
        ``action`` ('move' or 'ignore'), the point (degrees) and place of a move.

    Raises
    ------
    InputError
        Naming the file, the line and the fix: missing file, a header without ``address``,
        ``lat`` and ``lon``, an empty address, a latitude or longitude that is not a number in
        range, a country that is not an ISO 3166-1 alpha-2 code, an unknown precision, or the
        same address twice (compared as they are matched).
    """
    path = Path(path)
    rows = read_correction_csv(
        path, required=OVERRIDE_COLUMNS, what="geocode overrides", setting="geocode_overrides"
    )
    items: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        item = _override(path, line, row)
        key = " ".join(item["address"].split()).lower()
        if key in seen:
            raise InputError(
                f"{path}, line {line}: the address {item['address']!r} is already on line "
                f"{seen[key]}; keep one line per address"
            )
        seen[key] = line
        items.append({"line": line, **item})
    return pa.Table.from_pylist(items, schema=OVERRIDES_SCHEMA)


def apply_overrides(
    con: duckdb.DuckDBPyConnection,
    *,
    people: str,
    overrides: pa.Table,
    out: str,
    file: str,
) -> dict[str, Any]:
    """Write table ``out``: the rows of ``people`` with the overrides applied.

    ``people`` has the columns of the people table and ``address_text``
    (:func:`address_text_sql` of the fields as read, before geocoding filled them). A row
    whose address text matches a 'move' override gets its point, precision and, where given,
    city, region and country; a row matching an 'ignore' override loses its point and
    precision (it counts as not located). Other rows are unchanged. One hash join.

    Returns
    -------
    dict
        The accounts entry ``geocode_overrides``: ``file`` (its name), ``overrides`` (lines),
        ``applied`` (overrides that matched a row), ``unused``, ``rows_moved``,
        ``rows_ignored`` and ``items``, one per applied override in file order (``line``,
        ``address``, ``action``, ``rows``).
    """
    con.register("geocode_overrides_in", overrides)
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE geocode_overrides AS
            SELECT *, {match_key_sql("address")} AS key FROM geocode_overrides_in
            """
        )
    finally:
        con.unregister("geocode_overrides_in")
    key = match_key_sql("p.address_text")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out} AS
        SELECT p.* REPLACE (
            CASE WHEN o.action IS NULL THEN p.lat WHEN o.action = 'move' THEN o.lat END AS lat,
            CASE WHEN o.action IS NULL THEN p.lon WHEN o.action = 'move' THEN o.lon END AS lon,
            CASE WHEN o.action IS NULL THEN p.precision
                 WHEN o.action = 'move' THEN o.precision END AS precision,
            coalesce(o.city, p.city) AS city,
            coalesce(o.region, p.region) AS region,
            coalesce(o.country, p.country) AS country),
            o.line AS override_line
        FROM {people} p LEFT JOIN geocode_overrides o ON o.key = {key}
        """
    )
    applied = con.execute(
        f"""
        SELECT o.line, o.address, o.action, count(p.override_line)
        FROM geocode_overrides o LEFT JOIN {out} p ON p.override_line = o.line
        GROUP BY ALL ORDER BY o.line
        """
    ).fetchall()
    items = [
        {"line": int(line), "address": address, "action": action, "rows": int(n)}
        for line, address, action, n in applied
        if n
    ]
    return {
        "file": Path(file).name,
        "overrides": len(applied),
        "applied": len(items),
        "unused": len(applied) - len(items),
        "rows_moved": sum(i["rows"] for i in items if i["action"] == "move"),
        "rows_ignored": sum(i["rows"] for i in items if i["action"] == "ignore"),
        "items": items,
    }
