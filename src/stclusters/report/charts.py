"""Bar charts of a profile's top fields as accessible inline SVG (no script, no library)."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from stclusters.report.text import format_count, format_share

__all__ = ["Bar", "bar_chart_svg", "field_bars"]


@dataclass(frozen=True)
class Bar:
    """One bar: a label, a share (0..1, the bar's length) and the value written beside it."""

    label: str
    share: float
    value: str


def field_bars(
    profile: Mapping[str, Any], kind: Literal["tech", "science"], *, limit: int = 10
) -> list[Bar]:
    """The bars of the top technology fields (``"tech"``) or top science fields (``"science"``)."""
    key = "top_tech_fields" if kind == "tech" else "top_science_fields"
    out = []
    for item in (profile.get(key) or [])[:limit]:
        share = float(item.get("share") or 0.0)
        value = f"{format_share(share)} ({format_count(item.get('count'))})"
        out.append(Bar(str(item.get("field") or ""), share, value))
    return out


def bar_chart_svg(
    bars: Sequence[Bar], *, title: str, ident: str, width: float = 600.0, row: float = 24.0
) -> str:
    """Write horizontal bars as SVG with a title, a description and a label per bar.

    The longest bar spans the plot; every bar carries its share and count in text, so the chart
    reads without colour.
    """
    label_w, value_w = 280.0, 92.0
    plot_w = width - label_w - value_w
    height = max(row * len(bars), row) + 8
    vmax = max((b.share for b in bars), default=0.0) or 1.0
    desc = "; ".join(f"{b.label}: {b.value}" for b in bars) or "no data"
    e = html.escape
    out = [
        f'<svg class="bars" viewBox="0 0 {width:g} {height:g}" width="{width:g}" '
        f'height="{height:g}" role="img" aria-labelledby="{ident}-t {ident}-d" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{ident}-t">{e(title)}</title><desc id="{ident}-d">{e(desc)}</desc>',
    ]
    for i, b in enumerate(bars):
        y = 4 + i * row
        w = max(plot_w * b.share / vmax, 1.0)
        label = b.label if len(b.label) <= 34 else b.label[:33] + "…"
        out.append(
            f'<text class="bl" x="{label_w - 8:g}" y="{y + row * 0.62:.1f}" '
            f'text-anchor="end">{e(label)}</text>'
            f'<rect class="bar" x="{label_w:g}" y="{y + 3:.1f}" width="{w:.1f}" '
            f'height="{row - 8:g}" rx="2"/>'
            f'<text class="bv" x="{label_w + w + 6:.1f}" y="{y + row * 0.62:.1f}">'
            f"{e(b.value)}</text>"
        )
    out.append("</svg>")
    return "".join(out)
