"""``stclusters.xlsx``: the run's tables as one Excel workbook (issue 14 item 3).

Sheets, in order (docs/outputs.md, "Excel workbook and GII tables"):

``Ranking by size``
    ranking.csv's columns and rows (:data:`~stclusters.results.RANKING_COLUMNS`).
``Ranking by intensity``
    the same rows by intensity rank; clusters without an intensity rank (no population) last,
    in size order.
``Economies``
    clusters per economy (:func:`~stclusters.measure.ranking.economy_table`, as economies.csv).
``Profiles``
    every profile of profiles.json in long form, one row per figure (:func:`profile_items`),
    then its strongest partner clusters (section ``partners``, as the HTML, Markdown and PDF
    profiles list them: :func:`~stclusters.report.network.partners_of` of the run's links).
``Collaboration``
    the links between published clusters (:class:`~stclusters.results.Link`, as ``results.links``).
``Accounts``
    accounts.json flattened to one row per value (:func:`flat_accounts`).

Each sheet has a bold, frozen header row, an autofilter, column widths fitted to the content
(between :data:`MIN_WIDTH` and :data:`MAX_WIDTH` characters) and a number format by column
(:data:`NUMBER_FORMATS`). The workbook is written by XlsxWriter (BSD-2-Clause), whose files are
the same bytes for the same results: the zip members carry a fixed time and the document's
creation date is set to 1 January of the edition (:func:`write_workbook`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from stclusters.measure.ranking import ECONOMY_COLUMNS, economy_table
from stclusters.report.network import SITE_PARTNERS, partners_of
from stclusters.results import RANKING_COLUMNS, Link, Results

__all__ = [
    "LINK_COLUMNS",
    "NUMBER_FORMATS",
    "PROFILE_COLUMNS",
    "SHEETS",
    "WORKBOOK_FILE",
    "economy_rows",
    "flat_accounts",
    "profile_items",
    "write_workbook",
]

#: The workbook's file name in the output folder.
WORKBOOK_FILE = "stclusters.xlsx"

#: The sheet names, in order.
SHEETS: tuple[str, ...] = (
    "Ranking by size",
    "Ranking by intensity",
    "Economies",
    "Profiles",
    "Collaboration",
    "Accounts",
)

#: Columns of the "Profiles" sheet: the cluster, then one figure of its profile.
PROFILE_COLUMNS: tuple[str, ...] = (
    "cluster_id",
    "rank",
    "cluster",
    "section",
    "position",
    "item",
    "value",
    "share",
    "detail",
)

#: Columns of the "Collaboration" sheet: the keys of :class:`~stclusters.results.Link`, in order.
LINK_COLUMNS: tuple[str, ...] = tuple(Link.__annotations__)

#: Excel number format of each column name (any sheet); other columns are shown as given.
NUMBER_FORMATS: Mapping[str, str] = {
    "patents": "#,##0.00",
    "articles": "#,##0.00",
    "patent_share": "0.000%",
    "article_share": "0.000%",
    "size_score": "0.000000",
    "population": "#,##0",
    "patents_per_million": "#,##0.00",
    "articles_per_million": "#,##0.00",
    "intensity_score": "0.000E+00",
    "growth": "0.0%",
    "lat": "0.00000",
    "lon": "0.00000",
    "share": "0.0%",
    "patents_whole": "#,##0",
    "articles_whole": "#,##0",
}

#: Narrowest and widest column, in characters.
MIN_WIDTH, MAX_WIDTH = 8, 48

#: Keys of a profile's list items that name the item, and that give its count, in order.
_ITEM_NAME_KEYS = ("name", "field")
_ITEM_VALUE_KEYS = ("count", "documents")


def economy_rows(results: Results) -> list[dict[str, Any]]:
    """The rows of ``economies.csv`` and of the "Economies" sheet: clusters per economy
    (:func:`~stclusters.measure.ranking.economy_table`) with the economies' English names."""
    from stclusters.places import country_names

    return economy_table(results.ranking, results.all_clusters, names=country_names())


def _scalar(value: Any) -> Any:
    """A value as a cell holds it: numbers, text, booleans and None as they are, else text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _list_item(section: str, position: int, item: Mapping[str, Any]) -> dict[str, Any]:
    name = next((item[k] for k in _ITEM_NAME_KEYS if k in item), None)
    value = next((item[k] for k in _ITEM_VALUE_KEYS if k in item), None)
    used = {*_ITEM_NAME_KEYS, *_ITEM_VALUE_KEYS, "share"}
    detail = "; ".join(f"{k}: {v}" for k, v in item.items() if k not in used and v is not None)
    return {
        "section": section,
        "position": position,
        "item": _scalar(name),
        "value": _scalar(value),
        "share": _scalar(item.get("share")),
        "detail": detail or None,
    }


def _items(section: str, value: Any) -> Iterator[dict[str, Any]]:
    """The long-form rows of one profile value (see :func:`profile_items`)."""
    if isinstance(value, Mapping | list) and not value:
        yield {"section": section}  # an empty list or mapping: the section, without figures
        return
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if isinstance(inner, Mapping | list):
                yield from _items(f"{section}.{key}", inner)
            elif str(key).endswith("share") or section.endswith("shares"):
                yield {"section": section, "item": str(key), "share": _scalar(inner)}
            else:
                yield {"section": section, "item": str(key), "value": _scalar(inner)}
    elif isinstance(value, list):
        for i, inner in enumerate(value, start=1):
            if isinstance(inner, Mapping):
                yield _list_item(section, i, inner)
            else:
                yield {"section": section, "position": i, "value": _scalar(inner)}
    else:
        yield {"section": section, "value": _scalar(value)}


def profile_items(
    profile: Mapping[str, Any], *, partners: Sequence[Mapping[str, Any]] = ()
) -> list[dict[str, Any]]:
    """One profile in long form: a row (:data:`PROFILE_COLUMNS`) per figure that is not a
    ranking column (those are on the ranking sheets), in the order of profiles.json, then one
    row per partner cluster of ``partners`` (section ``partners``: ``item`` the partner's
    name, ``detail`` its cluster id and the shared patents and articles, fractional and
    whole; :func:`~stclusters.report.network.partners_of`), strongest first.

    A list of named items (top applicants, fields, collaborating locations) gives one row per
    item: ``position`` (1 = first), ``item`` (its name or field), ``value`` (its count or
    documents), ``share`` and ``detail`` (its other keys, "key: value; ..."). A mapping gives
    one row per key, its nested lists and mappings a ``section`` of their own joined with a dot
    ("patent_collaboration.top_locations"); keys ending in "share", and the keys of
    ``economy_shares``, go to ``share``, others to ``value``. A plain value is one row with only
    ``value``; an empty list or mapping is one row with only ``section``.
    """
    head = {
        "cluster_id": profile.get("cluster_id"),
        "rank": profile.get("rank"),
        "cluster": profile.get("name"),
    }
    out = []
    for key, value in profile.items():
        if key in RANKING_COLUMNS:
            continue
        for item in _items(key, value):
            out.append({**head, **item})
    if partners:
        out.extend({**head, **item} for item in _items("partners", list(partners)))
    return out


def flat_accounts(
    accounts: Mapping[str, Any] | Sequence[Any], prefix: str = ""
) -> list[tuple[str, Any]]:
    """accounts.json as (key, value) rows: nested keys joined with dots, list items numbered
    from 0 in brackets ("read.files[0].path"); an empty mapping or list is one row holding
    None."""
    out: list[tuple[str, Any]] = []
    items: Sequence[tuple[str, Any]]
    if isinstance(accounts, Mapping):
        items = [(f"{prefix}.{k}" if prefix else str(k), v) for k, v in accounts.items()]
    else:
        items = [(f"{prefix}[{i}]", v) for i, v in enumerate(accounts)]
    if not items and prefix:
        return [(prefix, None)]
    for key, value in items:
        if isinstance(value, Mapping | list):
            out.extend(flat_accounts(value, key))
        else:
            out.append((key, _scalar(value)))
    return out


def _intensity_order(results: Results) -> list[dict[str, Any]]:
    ordered = sorted(
        results.ranking,
        key=lambda r: (r.intensity_rank is None, r.intensity_rank or 0, r.rank),
    )
    return [r.to_row() for r in ordered]


def _sheet(
    workbook: Any,
    name: str,
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    formats: Mapping[str, Any],
    header: Any,
) -> None:
    """One sheet: header row (bold, frozen, filtered), then the rows; widths from content."""
    sheet = workbook.add_worksheet(name)
    widths = [len(c) for c in columns]
    for j, column in enumerate(columns):
        sheet.write_string(0, j, column, header)
    for i, row in enumerate(rows, start=1):
        for j, column in enumerate(columns):
            value = row.get(column)
            if value is None:
                continue
            fmt = formats.get(column)
            if isinstance(value, bool):
                sheet.write_boolean(i, j, value, fmt)
            elif isinstance(value, int | float):
                sheet.write_number(i, j, value, fmt)
            else:
                sheet.write_string(i, j, str(value), fmt)
            widths[j] = max(widths[j], len(str(value)))
    for j, width in enumerate(widths):
        sheet.set_column(j, j, min(max(width + 2, MIN_WIDTH), MAX_WIDTH), formats.get(columns[j]))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)


def write_workbook(results: Results, folder: Path) -> Path:
    """Write ``stclusters.xlsx`` (:data:`WORKBOOK_FILE`, sheets :data:`SHEETS`) into ``folder``.

    The same results give the same bytes: XlsxWriter stores the zip members with a fixed time,
    and the document's creation date is 1 January of ``results.edition`` (not the time of the
    run, which is in run.json).

    Returns
    -------
    Path
        The workbook's path.

    Raises
    ------
    OSError
        When the file cannot be written.
    """
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    path = folder / WORKBOOK_FILE
    # text stays text; a NaN or infinite number (none is expected) becomes #NUM!, not an error
    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "nan_inf_to_errors": True}
    )
    try:
        _fill(workbook, results)
    finally:
        try:
            workbook.close()
        except FileCreateError as exc:  # XlsxWriter wraps the OSError of the write
            cause = exc.args[0] if exc.args else None
            raise cause if isinstance(cause, OSError) else OSError(f"{path}: {exc}") from None
    return path


def _fill(workbook: Any, results: Results) -> None:
    """Add the sheets :data:`SHEETS` of ``results`` to an open XlsxWriter workbook."""
    workbook.set_properties(
        {
            "title": f"S&T clusters {results.edition}",
            "comments": "Written by stclusters; see docs/outputs.md",
            "created": datetime(results.edition, 1, 1),
        }
    )
    header = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": False})
    formats = {k: workbook.add_format({"num_format": v}) for k, v in NUMBER_FORMATS.items()}
    ranking = [r.to_row() for r in results.ranking]
    links: list[Mapping[str, Any]] = list(results.links)
    accounts = [{"key": k, "value": v} for k, v in flat_accounts(results.accounts)]
    profiles = [
        item
        for p in results.profiles
        for item in profile_items(
            p, partners=partners_of(results.links, int(p["cluster_id"]), limit=SITE_PARTNERS)
        )
    ]
    tables: list[tuple[Sequence[str], Sequence[Mapping[str, Any]]]] = [
        (RANKING_COLUMNS, ranking),
        (RANKING_COLUMNS, _intensity_order(results)),
        (ECONOMY_COLUMNS, economy_rows(results)),
        (PROFILE_COLUMNS, profiles),
        (LINK_COLUMNS, links),
        (("key", "value"), accounts),
    ]
    for name, (columns, rows) in zip(SHEETS, tables, strict=True):
        _sheet(workbook, name, columns, rows, formats, header)
