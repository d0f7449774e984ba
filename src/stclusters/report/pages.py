"""Write the site a person opens: index.html, one HTML page and one PDF per profile, assets.

Everything is written into the output folder (``assets/`` holds the stylesheet, the script and
the world map); no page loads anything from the network. The sentences and table cells come from
:mod:`stclusters.report.text`, the same functions that write the Markdown profiles.
"""

from __future__ import annotations

import contextlib
import functools
import html
import json
import logging
import re
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from stclusters._version import __version__
from stclusters.report import maps, network, text
from stclusters.report.charts import bar_chart_svg, field_bars
from stclusters.report.inputs import SiteInputs, read_site_inputs
from stclusters.results import Link

__all__ = [
    "index_html",
    "link_comparison",
    "profile_html",
    "profile_scenes",
    "synthetic_data",
    "write_site",
]

log = logging.getLogger(__name__)

_STATIC = ("site.css", "site.js", "LICENSE-world-atlas.txt")


@functools.lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("stclusters.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _economy_names(inputs: SiteInputs) -> dict[str, str]:
    names: dict[str, str] = {}
    for prof in inputs.profiles:
        codes = [c for c in str(prof["economies"]).split(";") if c]
        labels = prof.get("economy_names") or []
        if len(labels) == len(codes):
            names.update({c: str(n) for c, n in zip(codes, labels, strict=True)})
        if prof.get("primary_economy_name"):
            names[str(prof["primary_economy"])] = str(prof["primary_economy_name"])
    return names


def _cell(value: Any, shown: str, *, num: bool = True) -> dict[str, Any]:
    v = None if value is None else f"{float(value):.6g}"
    return {"text": shown, "v": v, "num": num}


def _table_rows(
    rows: Sequence[Mapping[str, Any]],
    order: Sequence[str],
    names: Mapping[str, str],
    slugs: set[str],
    previous_edition: int | None = None,
) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        codes = [c for c in str(r["economies"]).split(";") if c]
        econ_text = ", ".join(names.get(c, c) for c in codes)
        cells: dict[str, dict[str, Any]] = {
            "rank": _cell(r["rank"], str(r["rank"])),
            "intensity_rank": _cell(r.get("intensity_rank"), str(r.get("intensity_rank") or "–")),
            "name": {"text": str(r["name"]), "v": None, "num": False},
            "economies": {"text": econ_text, "v": None, "num": False},
            "patents": _cell(r["patents"], text.format_count(r["patents"])),
            "articles": _cell(r["articles"], text.format_count(r["articles"])),
            "patents_per_million": _cell(
                r["patents_per_million"], text.format_count(r["patents_per_million"])
            ),
            "articles_per_million": _cell(
                r["articles_per_million"], text.format_count(r["articles_per_million"])
            ),
            "population": _cell(
                r.get("population"),
                text.population_words(r.get("population"), r.get("population_flag")),
            ),
            "growth": _cell(r.get("growth"), text.format_growth(r.get("growth"))),
            "rank_change": {
                **_cell(r.get("rank_change"), text.format_rank_change(r)),
                "label": _change_label({**r, "previous_edition": previous_edition}),
            },
        }
        slug = str(r["slug"])
        out.append(
            {
                "id": str(r["cluster_id"]),
                "econ": " ".join(codes),
                "href": f"profiles/{slug}.html" if slug in slugs else "",
                "cells": [cells[k] for k in order],
            }
        )
    return out


_LABELS = {
    "rank": ("Rank", True),
    "intensity_rank": ("Intensity rank", True),
    "name": ("Cluster", False),
    "economies": ("Economies", False),
    "patents": ("Patents", True),
    "articles": ("Articles", True),
    "patents_per_million": ("Patents per million", True),
    "articles_per_million": ("Articles per million", True),
    "population": ("Population", True),
    "growth": ("Growth", True),
    "rank_change": ("Change", True),
}


def _change_label(row: Mapping[str, Any]) -> str:
    """The rank change in words, for screen readers (the cell shows an arrow)."""
    sentence = text.rank_change_sentence(row)
    return sentence.text if sentence is not None else ""


def _humanize(key: str) -> str:
    """A snake_case key as words ("documents_kept" -> "Documents kept"); other keys as given."""
    if not key.replace("_", "").isalpha() or not key.islower():
        return key
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _show(key: str, value: Any) -> str | None:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}" if "year" not in key and "edition" not in key else str(value)
    if isinstance(value, float):
        if "share" in key and 0.0 <= value <= 1.0:
            return f"{100 * value:.1f}%"
        return f"{value:,.6g}"
    if isinstance(value, str):
        return value
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return f"{value[0]}–{value[1]}"
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(str(v) for v in value)
    return None


def _flatten(
    obj: Mapping[str, Any], prefix: str = "", depth: int = 0, *, raw: bool = False
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in obj.items():
        label = f"{prefix}{key if raw else _humanize(str(key))}"
        if isinstance(value, Mapping):
            if depth < 2:
                out.extend(_flatten(value, f"{label} › ", depth + 1, raw=raw))
            continue
        shown = _show(str(key), value)
        if shown is not None:
            out.append((label, shown))
    return out


def _about(accounts: Mapping[str, Any], edition: int | None) -> list[dict[str, Any]]:
    """The "about this run" blocks: where the records went (per layer, as the terminal prints
    it), the inputs, the problems found, the run's other facts and the settings.

    Each block has a ``caption`` and either ``table`` (a :class:`~stclusters.report.text.
    TableText`), ``lines`` (with ``more``, the number of further lines left out) or ``rows``
    (key-value pairs).
    """
    if not accounts:
        return []
    blocks: list[dict[str, Any]] = []
    flow = text.records_table(accounts)
    if flow.rows:
        blocks.append({"caption": flow.caption, "table": flow})
    files = text.input_files_table(accounts)
    if files.rows:
        blocks.append({"caption": files.caption, "table": files})
    lines, total = text.problem_lines(accounts, limit=_ABOUT_PROBLEMS)
    if total:
        blocks.append(
            {
                "caption": f"Problems found ({total:,}; the first {len(lines)} below, all in "
                "accounts.json)"
                if total > len(lines)
                else f"Problems found ({total:,})",
                "lines": lines,
            }
        )
    shown = ("layers", "settings", "inputs", "documents", "warnings")
    run = {k: v for k, v in accounts.items() if k not in shown}
    if edition is not None:
        run.setdefault("edition", edition)
    rows = _flatten(run)
    if rows:
        blocks.append({"caption": "The run", "rows": rows[:80]})
    layers = accounts.get("layers")
    if isinstance(layers, Mapping):
        for layer, values in layers.items():
            if isinstance(values, Mapping):
                rows = _flatten(values)
                if rows:
                    blocks.append({"caption": f"Layer: {layer}", "rows": rows[:80]})
    settings = accounts.get("settings")
    if isinstance(settings, Mapping):
        rows = _flatten(settings, raw=True)  # settings keep the names users set them by
        if rows:
            blocks.append({"caption": "Settings", "rows": rows[:80]})
    return blocks


#: How many problems the site's "about this run" lists (accounts.json holds them all).
_ABOUT_PROBLEMS = 20


def synthetic_data(inputs: SiteInputs) -> bool:
    """Whether the run's records are (partly) synthetic: a profile says so, or an input is a
    synthetic world (accounts.json)."""
    if any(p.get("synthetic") for p in inputs.profiles):
        return True
    folders = (inputs.accounts.get("inputs") or {}).get("records_folders") or []
    return any(isinstance(f, Mapping) and f.get("synthetic") for f in folders)


def _intervals(inputs: SiteInputs) -> dict[int, str]:
    """Cluster id -> its rank interval in words (:func:`text.rank_interval_phrase`), for the
    clusters whose profile carries the sensitivity analysis."""
    out = {}
    for p in inputs.profiles:
        phrase = text.rank_interval_phrase(p)  # type: ignore[arg-type]
        if phrase:
            out[int(p["cluster_id"])] = phrase
    return out


def _read_runs(folder: Path) -> list[dict[str, str]]:
    """The rows of sensitivity_runs.csv (empty when the folder has none)."""
    import csv

    path = folder / "sensitivity_runs.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2.0


def stability_chart(inputs: SiteInputs) -> Markup | None:
    """The rank-stability section of the index page: each published cluster's size rank (a
    dot) and its rank interval (a bar), in published order, as inline SVG (hover a bar for the
    cluster's figures), and the runs' Spearman correlations from sensitivity_runs.csv; None when
    the sensitivity analysis was not made."""
    from markupsafe import escape

    from stclusters.measure.sensitivity import INTERVAL

    items = [
        (p, p["sensitivity"])
        for p in inputs.profiles
        if p.get("sensitivity") and "interval_low" in p["sensitivity"]
    ]
    if not items:
        return None
    n = len(items)
    worst = max(int(s["interval_high"]) for _, s in items)
    width, height, left, top, bottom = 760.0, 320.0, 44.0, 12.0, 30.0
    plot_w, plot_h = width - left - 10.0, height - top - bottom
    step = plot_w / max(n, 1)

    def y(rank: float) -> float:
        return top + plot_h * (rank - 1.0) / max(worst - 1.0, 1.0)

    parts = [
        f'<svg class="stability" viewBox="0 0 {width:g} {height:g}" role="img" '
        'aria-labelledby="stability-title stability-desc">',
        '<title id="stability-title">Rank intervals of the published clusters</title>',
        f'<desc id="stability-desc">For each of the {n} published clusters in rank order, its '
        f"size rank (dot) and the interval holding it in {round(100 * INTERVAL)}% of the runs "
        "(bar).</desc>",
        f'<line x1="{left:g}" y1="{top:g}" x2="{left:g}" y2="{top + plot_h:g}" class="axis"/>',
    ]
    for tick in sorted({1, *range(10, worst + 1, max(10, (worst // 50 + 1) * 10)), worst}):
        parts.append(
            f'<text x="{left - 4:g}" y="{y(tick) + 3:.1f}" text-anchor="end" '
            f'class="tick">{tick}</text>'
        )
    for i, (p, s) in enumerate(items):
        x = left + step * (i + 0.5)
        tip = f"{p['name']}: {text.rank_interval_phrase(p)}"  # type: ignore[arg-type]
        tip += f"; found in {int(s['found_in'])} of {int(s['runs'])} runs"
        parts.append(
            f"<g><title>{escape(tip)}</title>"
            f'<line x1="{x:.1f}" y1="{y(int(s["interval_low"])):.1f}" x2="{x:.1f}" '
            f'y2="{y(int(s["interval_high"])):.1f}" class="interval" stroke-width="'
            f'{max(1.0, min(4.0, step * 0.6)):.1f}"/>'
            f'<circle cx="{x:.1f}" cy="{y(int(s["size_rank"])):.1f}" r="2" class="rankdot"/></g>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:g}" y="{height - 8:g}" text-anchor="middle" '
        'class="tick">published clusters, by rank (lower is larger)</text></svg>'
    )
    runs = _read_runs(inputs.folder)
    lines = []
    for kind, what in (("grid", "settings of the grid"), ("bootstrap", "bootstrap resamples")):
        rho = [float(r["spearman"]) for r in runs if r["kind"] == kind and r["spearman"]]
        if rho:
            lines.append(
                f"over the {len(rho)} {what}, median {_median(rho):.3f} (lowest {min(rho):.3f})"
            )
    note = (
        " Spearman's rank correlation of the top clusters' ranks with this run's: "
        + "; ".join(lines)
        + "."
        if lines
        else ""
    )
    runs_made = int(items[0][1]["runs"])
    return Markup(
        "".join(parts)
        + '<p class="note">'
        + str(
            escape(
                f"Each bar holds the cluster's size rank in {round(100 * INTERVAL)}% of the "
                f"{runs_made} runs ({items[0][1].get('note', '')}); "
                "every figure is in sensitivity.csv and sensitivity_runs.csv." + note
            )
        )
        + "</p>"
    )


def _tip(row: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    codes = [c for c in str(row["economies"]).split(";") if c]
    econ_names = ", ".join(names.get(c, c) for c in codes)
    rank = f"Rank {row['rank']} by size"
    if row.get("intensity_rank"):
        rank += f", {row['intensity_rank']} by intensity"
    return {
        "name": str(row["name"]),
        "econ": " ".join(codes),
        "econ_names": econ_names,
        "lines": [
            rank,
            econ_names,
            f"Patents {text.format_count(row['patents'])} · "
            f"articles {text.format_count(row['articles'])}",
            "Population "
            + text.population_words(row.get("population"), row.get("population_flag")),
        ],
    }


def index_html(inputs: SiteInputs, *, title: str | None = None) -> str:
    """Render the index page (ranking tables, map, filters, about this run)."""
    names = _economy_names(inputs)
    slugs = {str(p["slug"]) for p in inputs.profiles}
    site_title = title or _default_title(inputs)
    counts: Counter[str] = Counter()
    for r in inputs.rows:
        counts.update(c for c in str(r["economies"]).split(";") if c)
    economies = sorted(
        ({"code": c, "name": names.get(c, c), "count": n} for c, n in counts.items()),
        key=lambda e: (str(e["name"]).lower(), e["code"]),
    )
    size_order = [
        "rank",
        "name",
        "economies",
        "patents",
        "articles",
        "patents_per_million",
        "articles_per_million",
        "population",
        "growth",
    ]
    if any(r.get("new") is not None for r in inputs.rows):  # a previous ranking was given
        size_order.insert(2, "rank_change")
    previous_edition = next(
        (p["previous_edition"] for p in inputs.profiles if p.get("previous_edition")), None
    )
    int_order = [
        "intensity_rank",
        "name",
        "economies",
        "patents_per_million",
        "articles_per_million",
        "population",
        "rank",
        "patents",
        "articles",
        "growth",
    ]
    with_int = sorted(
        (r for r in inputs.rows if r.get("intensity_rank")), key=lambda r: int(r["intensity_rank"])
    )
    tables = [
        {
            "id": "size",
            "heading": "Ranking by size",
            "caption": "Clusters ranked by size score (share of world patents plus share of "
            "world articles).",
            "columns": [{"label": _LABELS[k][0], "num": _LABELS[k][1]} for k in size_order],
            "rows": _table_rows(inputs.rows, size_order, names, slugs, previous_edition),
        },
        {
            "id": "intensity",
            "heading": "Ranking by intensity",
            "caption": "Clusters ranked by intensity (size score per inhabitant); figures per "
            "million inhabitants.",
            "columns": [
                {"label": "Size rank" if k == "rank" else _LABELS[k][0], "num": _LABELS[k][1]}
                for k in int_order
            ],
            "rows": _table_rows(with_int, int_order, names, slugs),
        },
    ]

    def href(row: Mapping[str, Any]) -> str:
        return f"profiles/{row['slug']}.html" if str(row["slug"]) in slugs else ""

    intervals = _intervals(inputs)

    def tip_title(row: Mapping[str, Any]) -> str:
        phrase = intervals.get(int(row["cluster_id"]))
        return f"{row['name']}: {phrase}" if phrase else f"{row['name']}: rank {row['rank']}"

    links = network.site_links(network.read_links(inputs.folder), inputs.rows)
    scene = maps.index_scene(
        inputs.rows,
        inputs.footprints,
        href=href,
        tip=tip_title,
        links=links,
        link_tip=network.link_tip,
    )
    hrefs = {int(r["cluster_id"]): href(r) for r in inputs.rows}
    map_svg = maps.scene_svg(scene, world_href="assets/world.svg", id_="world", interactive=True)
    tip_data = {str(r["cluster_id"]): _tip(r, names) for r in inputs.rows}
    for cid, phrase in _intervals(inputs).items():
        tip_data[str(cid)]["lines"].append(phrase[0].upper() + phrase[1:])
    tip_json = json.dumps(tip_data, ensure_ascii=False, separators=(",", ":"))
    tip_json = tip_json.replace("</", "<\\/")
    return (
        _env()
        .get_template("index.html")
        .render(
            root="",
            version=__version__,
            page_title=site_title,
            site_title=site_title,
            edition=inputs.edition,
            rows=inputs.rows,
            top_n=inputs.top_n,
            published=len(inputs.profiles),
            synthetic=synthetic_data(inputs),
            topic=text.topic_line(inputs.accounts),
            economies=economies,
            tables=tables,
            map_svg=Markup(map_svg),
            tip_json=Markup(tip_json),
            about=_about(inputs.accounts, inputs.edition),
            links=network.link_table_rows(links, hrefs),
            stability=stability_chart(inputs),
            comparison=_comparison_link(inputs.folder),
        )
    )


#: The comparison page (``stclusters compare``) and its table, beside the index when written.
_COMPARISON_FILES = ("comparison.html", "comparison.csv")


def _comparison_link(folder: Path) -> str | None:
    """The words of the index's link to the comparison page, or None when the folder holds
    none: "edition 2023" (the earlier edition, read from the page), else "previous edition"."""
    if not all((folder / name).is_file() for name in _COMPARISON_FILES):
        return None
    try:
        page = (folder / "comparison.html").read_text(encoding="utf-8")
    except OSError:
        return None
    found = re.search(r'data-edition-a="(\d{4})"', page)
    return f"edition {found.group(1)}" if found else "previous edition"


def link_comparison(out: Path | str) -> Path:
    """Rewrite the index of the site in ``out`` so that it links to the comparison page written
    there (:func:`stclusters.report.comparison.write_comparison_page`), keeping the title the
    site was written with. Returns the path of ``index.html``.

    Raises
    ------
    InputError, ValidationError
        As :func:`write_site`, when the folder is not a run's output folder.
    """
    inputs = read_site_inputs(out)
    index = inputs.folder / "index.html"
    title = None
    with contextlib.suppress(OSError):
        found = re.search(r"<title>(.*?)</title>", index.read_text(encoding="utf-8"), re.S)
        title = html.unescape(found.group(1)) if found else None
    index.write_text(index_html(inputs, title=title), encoding="utf-8")
    return index


def _default_title(inputs: SiteInputs) -> str:
    edition = f" {inputs.edition}" if inputs.edition else ""
    return f"Science and technology clusters{edition}"


def _footprints(inputs: SiteInputs) -> dict[int, BaseGeometry]:
    return {cid: shape(g) for cid, g in inputs.footprints.items()}


def profile_scenes(
    profile: Mapping[str, Any],
    inputs: SiteInputs,
    *,
    footprints: Mapping[int, BaseGeometry] | None = None,
) -> tuple[maps.Scene, maps.Scene]:
    """The collaboration map and the footprint map of a profile (for its page and its PDF)."""
    geoms = footprints if footprints is not None else _footprints(inputs)
    by_id = {int(r["cluster_id"]): str(r["name"]) for r in inputs.rows}
    own = int(profile["cluster_id"])
    others = [(by_id.get(cid, ""), g) for cid, g in geoms.items() if cid != own]
    return (
        maps.collaboration_scene(profile),
        maps.footprint_scene(profile, geoms.get(own), others=others),
    )


def profile_html(
    profile: Mapping[str, Any],
    inputs: SiteInputs,
    *,
    title: str | None = None,
    scenes: tuple[maps.Scene, maps.Scene] | None = None,
    links: Sequence[Link] | None = None,
) -> str:
    """Render one profile page from the same text functions as the Markdown profile.

    ``links`` are the run's collaboration links (by default read from the folder's
    ``links.csv``, :func:`stclusters.report.network.read_links`), for its partner clusters.
    """
    slug = str(profile["slug"])
    tables = text.profile_tables(profile)
    charts = [
        {
            "table": tables[2],
            "svg": Markup(
                bar_chart_svg(field_bars(profile, "tech"), title=tables[2].caption, ident="tech")
            ),
        },
        {
            "table": tables[3],
            "svg": Markup(
                bar_chart_svg(
                    field_bars(profile, "science"), title=tables[3].caption, ident="science"
                )
            ),
        },
    ]
    co_scene, fp_scene = scenes if scenes is not None else profile_scenes(profile, inputs)
    slugs = {int(r["cluster_id"]): str(r["slug"]) for r in inputs.rows}
    with_page = {int(p["cluster_id"]) for p in inputs.profiles}
    partners = [
        {**p, "href": f"{slugs[p['cluster_id']]}.html" if p["cluster_id"] in with_page else ""}
        for p in network.partners_of(
            links if links is not None else network.read_links(inputs.folder),
            int(profile["cluster_id"]),
            limit=network.SITE_PARTNERS,
        )
        if p["cluster_id"] in slugs
    ]
    extra = [s for s in (text.growth_sentence(profile), text.sensitivity_sentence(profile)) if s]
    site_title = title or _default_title(inputs)
    return (
        _env()
        .get_template("profile.html")
        .render(
            root="../",
            version=__version__,
            page_title=f"{text.title(profile)} · {site_title}",
            site_title=site_title,
            edition=profile.get("edition") or inputs.edition,
            topic=text.topic_line(inputs.accounts),
            heading=text.title(profile),
            slug=slug,
            has_md=(inputs.folder / "profiles" / f"{slug}.md").exists(),
            headline=[Markup(s.html()) for s in text.headline(profile, top_n=inputs.top_n)],
            ranks=[Markup(s.html()) for s in text.rank_lines(profile)],
            tables=tables,
            charts=charts,
            collaboration=[
                Markup(text.collaboration_sentence(profile, "patents").html()),
                Markup(text.collaboration_sentence(profile, "articles").html()),
            ],
            location_tables=[
                text.location_table(profile, "patents"),
                text.location_table(profile, "articles"),
            ],
            collab_map=Markup(
                maps.scene_svg(co_scene, world_href="../assets/world.svg", id_="collab-map")
            ),
            footprint_map=Markup(maps.scene_svg(fp_scene, id_="footprint-map")),
            extra=[Markup(s.html()) for s in extra],
            partners=[{**p, "figures": network.link_figures(p)} for p in partners],
        )
    )


def _write_assets(folder: Path) -> None:
    assets = folder / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    static = resources.files("stclusters.report").joinpath("static")
    for name in _STATIC:
        (assets / name).write_bytes(static.joinpath(name).read_bytes())
    (assets / "world.svg").write_text(maps.world_svg(), encoding="utf-8")


def write_site(
    out: Path | str, *, title: str | None = None, pdf: bool = True, markdown: bool = True
) -> Path:
    """Write the site of an output folder: index, profile pages, PDFs, Markdown and assets.

    Parameters
    ----------
    out
        The run's output folder, holding ``ranking.json``, ``profiles.json`` and optionally
        ``clusters.geojson`` and ``accounts.json`` (see ``docs/outputs.md``).
    title
        The site's title; defaults to "Science and technology clusters <edition>".
    pdf
        Write a PDF beside each profile page.
    markdown
        Write the Markdown profile (``profiles/<slug>.md``, from
        :func:`~stclusters.report.text.profile_markdown`) beside each page, from the same
        profile data, so that the two cannot disagree.

    Returns
    -------
    Path
        The path of ``index.html``.
    """
    start = time.perf_counter()
    inputs = read_site_inputs(out)
    folder = inputs.folder
    _write_assets(folder)
    (folder / "profiles").mkdir(exist_ok=True)
    index = folder / "index.html"
    index.write_text(index_html(inputs, title=title), encoding="utf-8")
    if pdf:
        from stclusters.report.pdf import write_profile_pdf
    geoms = _footprints(inputs)
    links = network.read_links(folder)
    if synthetic_data(inputs):  # profiles written before profiles said so
        inputs.profiles = [{**p, "synthetic": True} for p in inputs.profiles]
    for prof in inputs.profiles:
        slug = str(prof["slug"])
        scenes = profile_scenes(prof, inputs, footprints=geoms)
        partners = network.partners_of(links, int(prof["cluster_id"]), limit=network.SITE_PARTNERS)
        if markdown:
            (folder / "profiles" / f"{slug}.md").write_text(
                text.profile_markdown(
                    prof,
                    top_n=inputs.top_n,
                    topic=text.topic_line(inputs.accounts),
                    partners=partners,
                ),
                encoding="utf-8",
            )
        page = folder / "profiles" / f"{slug}.html"
        page.write_text(
            profile_html(prof, inputs, title=title, scenes=scenes, links=links),
            encoding="utf-8",
        )
        if pdf:
            write_profile_pdf(
                prof,
                folder / "profiles" / f"{slug}.pdf",
                top_n=inputs.top_n,
                footprint_map=scenes[1],
                topic=text.topic_line(inputs.accounts),
                partners=partners,
            )
    log.info(
        "wrote the site: index and %d profiles in %s (%.1f s)",
        len(inputs.profiles),
        folder,
        time.perf_counter() - start,
    )
    return index
