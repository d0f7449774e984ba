"""The comparison page: two editions' clusters compared (``comparison.html``, issue 15 item 3).

The page is written beside the later edition's ``index.html`` (or into another folder, with the
site's assets), in the style of the site's other pages, and loads nothing from the network. Its
figures come from :class:`stclusters.compare.Comparison`, the same rows as ``comparison.csv``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from stclusters._outdir import read_marker
from stclusters._version import __version__
from stclusters.compare import COMPARISON_FILE, Comparison
from stclusters.errors import OutputError
from stclusters.report import text
from stclusters.report.pages import _env, _write_assets

__all__ = ["COMPARISON_PAGE", "comparison_html", "write_comparison_page"]

#: The page written by :func:`write_comparison_page`.
COMPARISON_PAGE = "comparison.html"

_STATUS_WORDS = {
    "matched": "in both",
    "merged": "merged",
    "split": "split",
    "regrouped": "merged and split",
    "absorbed": "absorbed",
    "detached": "detached",
    "entrant": "entrant",
    "leaver": "leaver",
}

#: The table's columns: (label, numeric).
_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("Rank {b}", True),
    ("Cluster", False),
    ("Key", False),
    ("Status", False),
    ("Rank {a}", True),
    ("Change", True),
    ("Output {a}", True),
    ("Output {b}", True),
    ("Growth", True),
)


def _cell(value: float | int | None, shown: str, *, num: bool = True) -> dict[str, Any]:
    v = None if value is None else f"{float(value):.6g}"
    return {"text": shown, "v": v, "num": num}


def _rank_change(change: int | None) -> str:
    if change is None:
        return "–"
    return f"+{change}" if change > 0 else str(change)


def _table_rows(rows: Sequence[Mapping[str, Any]], links: Mapping[int, str]) -> list[Any]:
    """The rows of clusters published in either edition, as cells (text, sort value)."""
    big = 10**9
    out = []
    for r in rows:
        if not (r["published_a"] or r["published_b"]):
            continue
        name = r["name_b"] if r["name_b"] is not None else r["name_a"]
        if r["name_a"] is not None and r["name_b"] is not None and r["name_a"] != r["name_b"]:
            name = f"{name} (was {r['name_a']})"
        out.append(
            {
                "status": r["status"],
                "href": links.get(r["cluster_id_b"]) if r["cluster_id_b"] is not None else None,
                "cells": [
                    _cell(r["rank_b"] if r["rank_b"] is not None else big, _show(r["rank_b"])),
                    _cell(None, str(name), num=False),
                    _cell(None, str(r["cluster_key"]), num=False),
                    _cell(None, _STATUS_WORDS[str(r["status"])], num=False),
                    _cell(r["rank_a"] if r["rank_a"] is not None else big, _show(r["rank_a"])),
                    _cell(r["rank_change"], _rank_change(r["rank_change"])),
                    _cell(r["output_a"], text.format_count(r["output_a"])),
                    _cell(r["output_b"], text.format_count(r["output_b"])),
                    _cell(r["growth"], text.format_growth(r["growth"])),
                ],
            }
        )
    return out


def _show(rank: int | None) -> str:
    return "–" if rank is None else str(rank)


def _change_lines(comparison: Comparison) -> list[str]:
    """One sentence per merge, split or regrouping among published clusters of either edition."""
    groups: dict[int, list[Mapping[str, Any]]] = {}
    for r in comparison.rows:
        if r["status"] in ("merged", "split", "regrouped"):
            groups.setdefault(int(r["group"]), []).append(r)
    a, b = comparison.a.edition, comparison.b.edition
    lines = []
    for rows in groups.values():
        if not any(r["published_a"] or r["published_b"] for r in rows):
            continue
        names_a = sorted({(r["rank_a"], r["name_a"]) for r in rows})
        names_b = sorted({(r["rank_b"], r["name_b"]) for r in rows})
        before = " and ".join(str(n) for _, n in names_a)
        after = " and ".join(str(n) for _, n in names_b)
        growth = text.format_growth(rows[0]["growth"])
        verb = {"merged": "merged into", "split": "split into"}.get(
            str(rows[0]["status"]), "regrouped as"
        )
        lines.append(f"{before} ({a}) {verb} {after} ({b}); output {growth}.")
    return lines


def comparison_html(comparison: Comparison, *, root: str = "", profiles: bool = False) -> str:
    """The comparison page.

    Parameters
    ----------
    comparison
        The two editions compared.
    root
        The relative path from the page to the folder holding ``assets/`` and ``index.html``.
    profiles
        Link each cluster of the later edition to its profile page (the page lies beside the
        later edition's site).

    Returns
    -------
    str
        The HTML page.
    """
    a, b = comparison.a.edition, comparison.b.edition
    counts = comparison.counts()
    summary = [
        (f"Clusters found in {a}", f"{len(comparison.a.clusters):,}"),
        (f"Clusters found in {b}", f"{len(comparison.b.clusters):,}"),
        ("Matched (in both editions)", f"{counts['matched']:,}"),
        (f"Entrants (new in {b})", f"{counts['entrants']:,}"),
        (f"Leavers (gone since {a})", f"{counts['leavers']:,}"),
        ("Merges", f"{counts['merges']:,}"),
        ("Splits", f"{counts['splits']:,}"),
        (
            "Small clusters absorbed by a larger one",
            f"{counts['absorbed']:,}",
        ),
        ("Small clusters detached from a larger one", f"{counts['detached']:,}"),
    ]
    links: dict[int, str] = {}
    if profiles:
        links = {
            cid: f"profiles/{c['slug']}.html"
            for cid, c in comparison.b.clusters.items()
            if c["published"]
            and c.get("slug")
            and (comparison.b.folder / "profiles" / f"{c['slug']}.html").is_file()
        }
    rows = _table_rows(comparison.rows, links)
    columns = [{"label": label.format(a=a, b=b), "num": num} for label, num in _COLUMNS]
    title = f"Editions {a} and {b} compared"
    return (
        _env()
        .get_template(COMPARISON_PAGE)
        .render(
            version=__version__,
            page_title=title,
            site_title=f"Science and technology clusters {b}",
            heading=title,
            root=root,
            edition=b,
            edition_a=a,
            edition_b=b,
            summary=summary,
            changes=_change_lines(comparison),
            published_note=(
                f"The {len(rows):,} clusters published in the {a} or the {b} edition, by their "
                f"rank in {b} (then in {a}); comparison.csv lists every cluster found. Output is "
                "patent applications plus articles, fractionally counted; growth is that of the "
                "cluster's group: with the small clusters it absorbed or that detached from it, "
                "and of a merge or split as a whole."
            ),
            columns=columns,
            rows=rows,
        )
    )


def _check_target(folder: Path, comparison: Comparison) -> None:
    """Refuse to write into a folder that holds other people's files: only a folder written by
    stclusters (its marker, or only an earlier comparison's files), an empty or a new one."""
    if not folder.exists() or read_marker(folder) is not None:
        return
    ours = {COMPARISON_PAGE, COMPARISON_FILE, "assets"}  # an earlier comparison's folder
    if not folder.is_dir() or any(p.name not in ours for p in folder.iterdir()):
        raise OutputError(
            f"{folder}: not a folder written by stclusters and not empty, so the comparison of "
            f"{comparison.a.folder} and {comparison.b.folder} is not written there; give a new "
            "or empty folder with --out, or leave --out out to write beside the later run's site"
        )


def write_comparison_page(comparison: Comparison, folder: str | Path) -> Path:
    """Write ``comparison.html`` into ``folder`` (the later edition's output folder, or another
    one: then the site's assets are written there too).

    Returns
    -------
    Path
        The page written.

    Raises
    ------
    OutputError
        ``folder`` holds files stclusters did not write (no marker).
    """
    folder = Path(folder)
    _check_target(folder, comparison)
    folder.mkdir(parents=True, exist_ok=True)
    beside_b = folder.resolve() == comparison.b.folder.resolve()
    if not (folder / "assets" / "site.css").is_file():
        _write_assets(folder)
    page = folder / COMPARISON_PAGE
    page.write_text(comparison_html(comparison, profiles=beside_b), encoding="utf-8")
    return page
