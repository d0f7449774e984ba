"""The PDF profile of a cluster (one or two A4 pages), from the same words and maps as its page.

Drawn with reportlab's standard Helvetica, so no font file is needed; characters outside the
Windows-1252 set of that font are transliterated (``anyascii``). The file is reproducible: the
same profile gives the same bytes (``invariant`` mode, no time stamp).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from reportlab import rl_config
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from stclusters._version import __version__
from stclusters.geocode._text import ascii_text
from stclusters.report import maps, text
from stclusters.report.charts import Bar, field_bars

__all__ = ["write_profile_pdf"]

INK = colors.HexColor("#1b1f24")
MUTED = colors.HexColor("#4d5661")
ACCENT = colors.HexColor("#0b5394")
HOT = colors.HexColor("#b4410c")
SOFT = colors.HexColor("#f4f6f8")
LINE = colors.HexColor("#d5dae0")
SEA = colors.HexColor("#eef4f8")
LAND = colors.HexColor("#dfe3e8")

_BASE = ParagraphStyle("base", fontName="Helvetica", fontSize=9.5, leading=12.5, textColor=INK)
_STYLES = {
    "kicker": ParagraphStyle("kicker", parent=_BASE, fontSize=8.5, textColor=MUTED),
    "title": ParagraphStyle(
        "title", parent=_BASE, fontName="Helvetica-Bold", fontSize=19, leading=23, spaceAfter=4
    ),
    "body": ParagraphStyle("body", parent=_BASE, spaceAfter=5),
    "h2": ParagraphStyle(
        "h2",
        parent=_BASE,
        fontName="Helvetica-Bold",
        fontSize=11.5,
        leading=14,
        spaceBefore=8,
        spaceAfter=4,
        textColor=ACCENT,
    ),
    "cell": ParagraphStyle("cell", parent=_BASE, fontSize=8, leading=9.5, alignment=TA_LEFT),
    "rank": ParagraphStyle("rank", parent=_BASE, fontSize=9, leading=11.5),
    "small": ParagraphStyle("small", parent=_BASE, fontSize=7.5, leading=9.5, textColor=MUTED),
}


def _latin(s: str) -> str:
    """Keep what Helvetica (Windows-1252) can show; transliterate the rest."""
    out = []
    for ch in s:
        try:
            ch.encode("cp1252")
            out.append(ch)
        except UnicodeEncodeError:
            out.append(ascii_text(ch).strip() or "?")
    return "".join(out)


def _esc(s: str) -> str:
    return html.escape(_latin(s), quote=False)


def _markup(sentence: text.Sentence) -> str:
    return "".join(f"<b>{_esc(t)}</b>" if b else _esc(t) for t, b in sentence.parts)


def _para(s: str | text.Sentence, style: str = "body") -> Paragraph:
    content = _markup(s) if isinstance(s, text.Sentence) else _esc(s)
    return Paragraph(content, _STYLES[style])


def _drop_column(t: text.TableText, j: int) -> text.TableText:
    return text.TableText(
        t.key,
        t.caption,
        tuple(c for i, c in enumerate(t.columns) if i != j),
        tuple(tuple(v for i, v in enumerate(r) if i != j) for r in t.rows),
        tuple(n for i, n in enumerate(t.numeric) if i != j),
    )


def _table(t: text.TableText, width: float) -> Flowable:
    if not t.rows:
        return _para("None recorded.")
    if "Sector" in t.columns:
        t = _drop_column(t, t.columns.index("Sector"))
    widths = [max(9 * mm, stringWidth(c, "Helvetica-Bold", 8) + 8) for c in t.columns]
    widths[1] = width - (sum(widths) - widths[1])
    data: list[list[Any]] = [[_esc(c) for c in t.columns]]
    for row in t.rows:
        data.append(
            [
                "\n".join(simpleSplit(_latin(v), "Helvetica", 8, widths[1] - 6))
                if i == 1
                else _latin(v)
                for i, v in enumerate(row)
            ]
        )
    table = Table(data, colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), SOFT),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, MUTED),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, LINE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for i, num in enumerate(t.numeric):
        if num:
            style.append(("ALIGN", (i, 0), (i, -1), "RIGHT"))
    table.setStyle(TableStyle(style))
    return table


def _fit(s: str, width: float, size: float) -> str:
    """Cut a label to fit a width, ending it with an ellipsis."""
    if stringWidth(s, "Helvetica", size) <= width:
        return s
    while s and stringWidth(s + "…", "Helvetica", size) > width:
        s = s[:-1]
    return s.rstrip() + "…"


def _bars(bars: Sequence[Bar], width: float) -> Drawing:
    row = 13.0
    height = max(len(bars), 1) * row + 4
    d = Drawing(width, height)
    label_w, value_w = width * 0.42, 52.0
    plot_w = width - label_w - value_w
    vmax = max((b.share for b in bars), default=0.0) or 1.0
    for i, b in enumerate(bars):
        y = height - (i + 1) * row
        label = _fit(_latin(b.label), label_w - 6, 7.5)
        d.add(
            String(
                label_w - 4,
                y + 3.5,
                label,
                fontName="Helvetica",
                fontSize=7.5,
                fillColor=INK,
                textAnchor="end",
            )
        )
        w = max(plot_w * b.share / vmax, 0.8)
        d.add(Rect(label_w, y + 1.5, w, row - 4, fillColor=ACCENT, strokeColor=None))
        d.add(
            String(
                label_w + w + 3,
                y + 3.5,
                _latin(b.value),
                fontName="Helvetica",
                fontSize=7.5,
                fillColor=INK,
            )
        )
    return d


_FILLS: dict[str, tuple[Any, Any, float]] = {
    "land": (LAND, colors.white, 0.5),
    "footprint": (colors.Color(0.706, 0.255, 0.047, alpha=0.45), HOT, 0.6),
    "other": (colors.Color(0.54, 0.58, 0.62, alpha=0.35), colors.HexColor("#6b747e"), 0.4),
}


class _Map(Flowable):  # type: ignore[misc]
    """A map scene drawn straight onto the page (paths written as PDF operators: fast)."""

    def __init__(self, scene: maps.Scene, width: float) -> None:
        super().__init__()
        self.scene = scene
        _, _, vw, vh = scene.viewbox
        self.width = width
        self.height = width * vh / vw

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        scene, c = self.scene, self.canv
        vx, vy, vw, _ = scene.viewbox
        w, h = self.width, self.height
        k = w / vw
        px = w / scene.width  # points per screen pixel of the scene

        def tx(x: float) -> float:
            return (x - vx) * k

        def ty(y: float) -> float:
            return h - (y - vy) * k

        c.saveState()
        c.setFillColor(SEA)
        c.setStrokeColor(LINE)
        c.setLineWidth(0.5)
        c.rect(0, 0, w, h, fill=1, stroke=1)
        clip = c.beginPath()
        clip.rect(0, 0, w, h)
        c.clipPath(clip, stroke=0, fill=0)
        layers: list[tuple[str, list[np.ndarray]]] = []
        if scene.base == "world":  # simplified to half a point: finer detail does not show
            layers.append(("land", maps.world_rings(scene.viewbox, tolerance=0.5 / k)))
        layers += [(s.cls, list(s.rings)) for s in scene.shapes]
        c.setLineJoin(1)
        for cls, rings in layers:
            if not rings:
                continue
            fill, stroke, sw = _FILLS.get(cls, _FILLS["land"])
            c.setFillColor(fill)
            c.setStrokeColor(stroke)
            c.setLineWidth(sw)
            ops = []
            for ring in rings:
                pts = np.column_stack([(ring[:, 0] - vx) * k, h - (ring[:, 1] - vy) * k])
                coords = [f"{x:.1f} {y:.1f}" for x, y in pts.tolist()]
                ops.append(f"{coords[0]} m " + " l ".join(coords[1:]) + " l h")
            c.addLiteral("\n".join(ops) + " B*")
        for ln in scene.lines:
            c.setStrokeColor(INK if ln.cls == "scalebar" else _LINK)
            c.setLineWidth(ln.w * px)
            c.line(tx(ln.x1), ty(ln.y1), tx(ln.x2), ty(ln.y2))
        for pl in scene.paths:
            c.setStrokeColor(_LINK)
            c.setLineWidth(pl.w * px)
            for piece in pl.pieces:
                c.lines(
                    [
                        (tx(x1), ty(y1), tx(x2), ty(y2))
                        for (x1, y1), (x2, y2) in zip(
                            piece[:-1].tolist(), piece[1:].tolist(), strict=True
                        )
                    ]
                )
        c.setStrokeColor(colors.white)
        c.setLineWidth(0.6)
        for circle in scene.circles:
            c.setFillColor(INK if circle.cls == "centre" else _PARTNER)
            c.circle(tx(circle.x), ty(circle.y), circle.r * px, fill=1, stroke=1)
        c.setFillColor(INK)
        for lb in scene.labels:
            c.setFont(
                "Helvetica-Bold" if "strong" in lb.cls else "Helvetica", max(lb.size * px, 6.5)
            )
            draw = {"start": c.drawString, "middle": c.drawCentredString, "end": c.drawRightString}
            draw[lb.anchor](tx(lb.x), ty(lb.y), _latin(lb.text))
        c.restoreState()


_LINK = colors.Color(0.043, 0.325, 0.58, alpha=0.45)
_PARTNER = colors.Color(0.043, 0.325, 0.58, alpha=0.75)


def _two(
    left: Sequence[Flowable] | Flowable, right: Sequence[Flowable] | Flowable, width: float
) -> Table:
    t = Table([[left, right]], colWidths=[width / 2, width / 2])
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, -1), 6),
                ("LEFTPADDING", (1, 0), (1, -1), 6),
                ("RIGHTPADDING", (1, 0), (1, -1), 0),
            ]
        )
    )
    return t


def _ranks(profile: Mapping[str, Any], width: float) -> Table:
    cells = []
    for s in text.rank_lines(profile):
        big = _esc(s.parts[0][0])
        rest = _esc("".join(t for t, _ in s.parts[1:]).strip())
        cells.append(
            Paragraph(
                f'<font size="15" color="#0b5394"><b>{big}</b></font><br/>{rest}', _STYLES["rank"]
            )
        )
    t = Table([cells], colWidths=[width / len(cells)] * len(cells))
    t.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), SOFT),
                ("LINEBEFORE", (0, 0), (-1, -1), 3, ACCENT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return t


def write_profile_pdf(
    profile: Mapping[str, Any],
    path: Path | str,
    *,
    footprint: maps.Footprint = None,
    others: Sequence[tuple[str, maps.Footprint]] = (),
    top_n: int | None = None,
    footprint_map: maps.Scene | None = None,
    topic: str | None = None,
    partners: Sequence[Mapping[str, Any]] = (),
) -> Path:
    """Write the PDF profile of one cluster.

    Parameters
    ----------
    profile
        One profile of ``profiles.json``.
    path
        The PDF file to write.
    footprint
        The cluster's footprint (GeoJSON geometry), for the footprint map.
    others
        ``(name, geometry)`` of other clusters, drawn in grey on the footprint map.
    top_n
        The number of published clusters (see :func:`stclusters.report.text.headline`).
    footprint_map
        The footprint map, when already built for the HTML page (else built here).
    topic
        The line naming the run's topic (:func:`stclusters.report.text.topic_line`), shown
        under the kicker.
    partners
        The cluster's strongest partner clusters (:func:`stclusters.report.network.partners_of`
        of the run's links), listed after the collaboration sentences as on the HTML page and
        in the Markdown profile; none listed when empty.

    Returns
    -------
    Path
        The PDF's path.
    """
    path = Path(path)
    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=13 * mm,
        bottomMargin=13 * mm,
        title=_latin(text.title(profile)),
        author="stclusters",
        subject="S&T cluster profile",
        creator=f"stclusters {__version__}",
        invariant=1,
        pageCompression=1,
    )
    width = doc.width - 12  # the frame's own padding
    half = width / 2 - 6
    edition = profile.get("edition")
    story: list[Flowable] = [
        _para(f"S&T cluster profile{f', {edition} edition' if edition else ''}", "kicker"),
        *([_para(topic, "kicker")] if topic else []),
        _para(text.title(profile), "title"),
    ]
    story += [_para(s) for s in text.headline(profile, top_n=top_n)]
    story += [_ranks(profile, width), Spacer(1, 4)]
    tables = text.profile_tables(profile)
    story.append(
        _two(
            [_para(tables[0].caption, "h2"), _table(tables[0], half)],
            [_para(tables[1].caption, "h2"), _table(tables[1], half)],
            width,
        )
    )
    story.append(
        _two(
            [_para(tables[2].caption, "h2"), _bars(field_bars(profile, "tech"), half)],
            [_para(tables[3].caption, "h2"), _bars(field_bars(profile, "science"), half)],
            width,
        )
    )
    collab = [
        _para("Collaboration", "h2"),
        _para(text.collaboration_sentence(profile, "patents")),
        _para(text.collaboration_sentence(profile, "articles")),
    ]
    story.append(KeepTogether(collab))
    if partners:
        listed = [
            _para(f"{i}. {s.text}") for i, s in enumerate(text.partner_sentences(partners), start=1)
        ]
        story.append(
            KeepTogether(
                [
                    _para(text.PARTNERS_HEADING, "h2"),
                    *listed,
                    _para(text.PARTNERS_NOTE, "small"),
                ]
            )
        )
    co = maps.collaboration_scene(profile, width=330.0, height=200.0)
    fp = footprint_map or maps.footprint_scene(profile, footprint, others=others)
    story.append(
        _two(
            [
                _Map(co, half),
                _para("Collaborating locations: line width follows shared documents.", "small"),
            ],
            [_Map(fp, half), _para("Footprint: the area the cluster covers (shaded).", "small")],
            width,
        )
    )
    story.append(
        _two(
            [
                _para(text.location_table(profile, "patents").caption, "h2"),
                _table(text.location_table(profile, "patents"), half),
            ],
            [
                _para(text.location_table(profile, "articles").caption, "h2"),
                _table(text.location_table(profile, "articles"), half),
            ],
            width,
        )
    )
    extra = [s for s in (text.growth_sentence(profile), text.sensitivity_sentence(profile)) if s]
    if extra:
        story.append(
            KeepTogether([_para("Growth and sensitivity", "h2"), *[_para(s) for s in extra]])
        )
    story.append(Spacer(1, 6))
    story.append(
        _para(
            f"Made with stclusters {__version__}. Counts are fractional and rounded. "
            "Country outlines: Natural Earth (public domain).",
            "small",
        )
    )
    use_a85 = rl_config.useA85
    rl_config.useA85 = 0  # plain deflate: smaller, and much faster than the pure-Python ASCII85
    try:
        doc.build(story)
    finally:
        rl_config.useA85 = use_a85
    return path
