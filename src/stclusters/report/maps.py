"""Maps without a tile server: the vendored Natural Earth layer, projections and map scenes.

The country outlines are the ``world-atlas`` package of the npm registry (Natural Earth
1:110m and 1:50m, public domain; see ``static/LICENSE-world-atlas.txt``), shipped with the
project as TopoJSON. World maps use the Equal Earth projection; the footprint map of a profile
uses a local equirectangular projection in kilometres. A map is built as a :class:`Scene` of a
few primitives (outline paths, circles, lines, labels) that :func:`scene_svg` writes as SVG and
:mod:`stclusters.report.pdf` draws in a PDF, so both show the same map.
"""

from __future__ import annotations

import functools
import html
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal, TypeAlias

import numpy as np
import shapely
import shapely.affinity
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

__all__ = [
    "FRAME_H",
    "FRAME_W",
    "Circle",
    "Footprint",
    "Label",
    "Line",
    "Outline",
    "Polyline",
    "Scene",
    "collaboration_scene",
    "footprint_scene",
    "great_circle",
    "index_scene",
    "project_world",
    "read_countries",
    "scene_svg",
    "world_rings",
    "world_svg",
]

Array = NDArray[np.float64]
Scale = Literal["110m", "50m"]

# Equal Earth (Šavrič, Patterson & Jenny 2018).
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3.0) / 2.0
_XMAX = 2.0 * math.sqrt(3.0) * math.pi / (3.0 * _A1)
_LAT_TOP, _LAT_BOTTOM = 84.0, -58.0  # the frame leaves out Antarctica and the far north


def _ee(lon: Array, lat: Array) -> tuple[Array, Array]:
    lam = np.radians(lon)
    theta = np.arcsin(_M * np.sin(np.radians(lat)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = (
        2.0
        * math.sqrt(3.0)
        * lam
        * np.cos(theta)
        / (3.0 * (9 * _A4 * t6 * t2 + 7 * _A3 * t6 + 3 * _A2 * t2 + _A1))
    )
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


_S = 1000.0 / (2.0 * _XMAX)
_YTOP = float(_ee(np.array([0.0]), np.array([_LAT_TOP]))[1][0])
_YBOTTOM = float(_ee(np.array([0.0]), np.array([_LAT_BOTTOM]))[1][0])
FRAME_W = 1000.0
"""Width of the world frame (SVG user units)."""
FRAME_H = round((_YTOP - _YBOTTOM) * _S, 1)
"""Height of the world frame (SVG user units)."""


def world_xy(lon: Array | float, lat: Array | float) -> tuple[Array, Array]:
    """Project longitude/latitude (degrees) into the world frame (x right, y down)."""
    x, y = _ee(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return (x + _XMAX) * _S, (_YTOP - y) * _S


def _world_coords(xy: Array) -> Array:
    x, y = world_xy(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


# --------------------------------------------------------------------------- country outlines


@dataclass(frozen=True)
class Country:
    """One country of the Natural Earth layer: ISO numeric id, name and outline (lon/lat)."""

    id: str
    name: str
    geometry: BaseGeometry


def _decode_arcs(topology: Mapping[str, Any]) -> list[Array]:
    sx, sy = topology["transform"]["scale"]
    tx, ty = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        a = np.cumsum(np.asarray(arc, dtype=float), axis=0)
        a[:, 0] = a[:, 0] * sx + tx
        a[:, 1] = a[:, 1] * sy + ty
        arcs.append(a)
    return arcs


def _ring(indices: Sequence[int], arcs: Sequence[Array]) -> Array:
    parts = []
    for k, i in enumerate(indices):
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(a if k == 0 else a[1:])
    return np.concatenate(parts)


@functools.lru_cache(maxsize=2)
def read_countries(scale: Scale = "110m") -> tuple[Country, ...]:
    """Read the shipped Natural Earth countries (1:110m or 1:50m) as shapely geometries.

    Antarctica is left out (no cluster lies there and it would dominate a world map).
    """
    if scale not in ("110m", "50m"):
        raise ValueError(f"scale must be '110m' or '50m'; got {scale!r}")
    raw = resources.files("stclusters.report").joinpath(f"static/countries-{scale}.json")
    topology = json.loads(raw.read_text(encoding="utf-8"))
    arcs = _decode_arcs(topology)
    out = []
    for g in topology["objects"]["countries"]["geometries"]:
        name = str(g.get("properties", {}).get("name", ""))
        if name == "Antarctica" or g.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        polys = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        shapes = []
        for poly in polys:
            rings = [_unwrap(_ring(r, arcs)) for r in poly]
            if len(rings[0]) < 4:
                continue
            lon0 = float(rings[0][:, 0].mean())
            holes = []
            for h in rings[1:]:
                if len(h) >= 4:
                    shift = 360.0 * round((lon0 - float(h[:, 0].mean())) / 360.0)
                    holes.append(h + np.array([shift, 0.0]))
            shapes.append(shapely.make_valid(Polygon(rings[0], holes)))
        geom = _split_antimeridian(shapely.union_all(shapes))
        out.append(Country(str(g.get("id", "")), name, geom))
    return tuple(out)


def _unwrap(ring: Array) -> Array:
    """Make a ring's longitudes continuous where it crosses the antimeridian."""
    d = np.diff(ring[:, 0])
    if not np.any(np.abs(d) > 180.0):
        return ring
    d = d - 360.0 * np.round(d / 360.0)
    out = ring.copy()
    out[1:, 0] = ring[0, 0] + np.cumsum(d)
    return out


def _split_antimeridian(geom: BaseGeometry) -> BaseGeometry:
    """Cut a geometry with longitudes beyond ±180 into pieces within -180..180."""
    minx, _, maxx, _ = geom.bounds
    if minx >= -180.0 and maxx <= 180.0:
        return geom
    pieces = []
    for shift in (-360.0, 0.0, 360.0):
        part = shapely.clip_by_rect(geom, -180.0 - shift, -90.0, 180.0 - shift, 90.0)
        if not part.is_empty:
            pieces.append(shapely.affinity.translate(part, xoff=shift))
    return shapely.make_valid(shapely.union_all(pieces))


@functools.lru_cache(maxsize=2)
def project_world(scale: Scale = "110m") -> tuple[BaseGeometry, ...]:
    """The countries projected into the world frame (Equal Earth, cut at the frame's edges)."""
    box = (-180.0, _LAT_BOTTOM, 180.0, _LAT_TOP)
    out = []
    for c in read_countries(scale):
        g = shapely.clip_by_rect(c.geometry, *box)
        if not g.is_empty:
            out.append(shapely.transform(g, _world_coords))
    return tuple(out)


def _rings(geom: BaseGeometry) -> list[Array]:
    """The rings of a (multi)polygon or collection, as (n, 2) arrays."""
    out: list[Array] = []
    for part in shapely.get_parts(geom):
        if isinstance(part, Polygon):
            if part.is_empty:
                continue
            out.append(np.asarray(part.exterior.coords))
            out.extend(np.asarray(r.coords) for r in part.interiors)
        elif isinstance(part, MultiPolygon) or part.geom_type == "GeometryCollection":
            out.extend(_rings(part))
    return out


def svg_path(rings: Iterable[Array], *, decimals: int = 1) -> str:
    """Write rings as a compact SVG path (absolute start, relative moves, rounded)."""
    f = 10**decimals
    chunks = []
    for ring in rings:
        q = np.round(np.asarray(ring, dtype=float) * f).astype(np.int64)
        if len(q) > 1:
            keep = np.ones(len(q), dtype=bool)
            keep[1:] = np.any(q[1:] != q[:-1], axis=1)
            q = q[keep]
        if len(q) < 3:
            continue
        d = np.diff(q, axis=0).ravel()
        nums = " ".join(_num(v, f) for v in d)
        chunks.append(f"M{_num(q[0, 0], f)} {_num(q[0, 1], f)}l{nums}z")
    return "".join(chunks)


def _num(v: int | np.int64, f: int) -> str:
    v = int(v)
    if v % f == 0:
        return str(v // f)
    s = f"{v / f:.{len(str(f)) - 1}f}".rstrip("0")
    return s.replace("0.", ".", 1) if s.startswith(("0.", "-0.")) else s


@functools.lru_cache(maxsize=1)
def world_svg() -> str:
    """The world base map as a standalone SVG file (Equal Earth, 1:110m countries)."""
    path = svg_path(r for g in project_world("110m") for r in _rings(g))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {FRAME_W:g} {FRAME_H:g}" '
        f'width="{FRAME_W:g}" height="{FRAME_H:g}">'
        f'<rect width="{FRAME_W:g}" height="{FRAME_H:g}" fill="#eef4f8"/>'
        f'<path d="{path}" fill="#dfe3e8" stroke="#ffffff" stroke-width="0.4" '
        'stroke-linejoin="round"/></svg>\n'
    )


# --------------------------------------------------------------------------- scenes


@dataclass(frozen=True)
class Outline:
    """Filled rings (a country, a footprint); ``cls`` names the style."""

    rings: tuple[Array, ...]
    cls: str
    title: str = ""
    ident: str = ""


@dataclass(frozen=True)
class Circle:
    """A marker; ``r`` in screen pixels, ``href`` makes it a link, ``data`` adds attributes."""

    x: float
    y: float
    r: float
    cls: str
    title: str = ""
    href: str = ""
    data: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Line:
    """A straight line; ``w`` is its width in screen pixels."""

    x1: float
    y1: float
    x2: float
    y2: float
    w: float
    cls: str


@dataclass(frozen=True)
class Polyline:
    """A line through points, in one or more pieces (a great circle cut at the antimeridian);
    ``w`` is its width in screen pixels, ``title`` what hovering it shows, ``data`` attributes
    for the script."""

    pieces: tuple[Array, ...]
    w: float
    cls: str
    title: str = ""
    data: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Label:
    """A text label at a point; ``size`` in screen pixels."""

    x: float
    y: float
    text: str
    size: float = 11.0
    anchor: Literal["start", "middle", "end"] = "start"
    cls: str = "label"


@dataclass
class Scene:
    """A map: a view box in map units, a pixel size, a base layer and primitives on top.

    ``base`` is ``"world"`` (the shared Equal Earth world map, clipped to the view box) or
    ``"local"`` (the outlines in ``shapes`` are the countries already).
    """

    viewbox: tuple[float, float, float, float]
    width: float
    height: float
    title: str
    desc: str
    base: Literal["world", "local"] = "world"
    shapes: list[Outline] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    paths: list[Polyline] = field(default_factory=list)
    circles: list[Circle] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)

    @property
    def unit(self) -> float:
        """Map units per screen pixel."""
        return self.viewbox[2] / self.width


def _fit_box(
    xs: Sequence[float],
    ys: Sequence[float],
    *,
    aspect: float,
    pad: float,
    min_w: float,
    bounds: tuple[float, float, float, float] | None = None,
) -> tuple[float, float, float, float]:
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    w = max((x1 - x0) * (1 + 2 * pad), min_w)
    h = max((y1 - y0) * (1 + 2 * pad), w / aspect)
    w = max(w, h * aspect)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    bx, by = cx - w / 2, cy - h / 2
    if bounds is not None:
        w, h = min(w, bounds[2]), min(h, bounds[3])
        bx = min(max(bx, bounds[0]), bounds[0] + bounds[2] - w)
        by = min(max(by, bounds[1]), bounds[1] + bounds[3] - h)
    return (bx, by, w, h)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _f(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def scene_svg(
    scene: Scene,
    *,
    world_href: str = "",
    id_: str = "",
    extra_class: str = "",
    interactive: bool = False,
) -> str:
    """Write a scene as inline SVG (accessible: ``role="img"``, title and description).

    Parameters
    ----------
    scene
        The map.
    world_href
        Relative address of ``world.svg`` for a scene with the world base layer.
    id_, extra_class
        Optional id and extra CSS class of the ``<svg>`` element.
    interactive
        The map holds links: give it ``role="group"`` (``role="img"`` would hide them from
        screen readers).
    """
    vx, vy, vw, vh = scene.viewbox
    u = scene.unit
    ident = f' id="{_esc(id_)}"' if id_ else ""
    tid = f"{id_ or 'map'}-title"
    cls = ("map " + extra_class).strip()
    role = "group" if interactive else "img"
    out = [
        f'<svg{ident} class="{cls}" viewBox="{_f(vx)} {_f(vy)} {_f(vw)} {_f(vh)}" '
        f'width="{scene.width:g}" height="{scene.height:g}" role="{role}" '
        f'aria-labelledby="{tid} {tid}-desc" xmlns="http://www.w3.org/2000/svg" '
        'preserveAspectRatio="xMidYMid meet">',
        f'<title id="{tid}">{_esc(scene.title)}</title>'
        f'<desc id="{tid}-desc">{_esc(scene.desc)}</desc>',
    ]
    if scene.base == "world":
        out.append(
            f'<rect class="sea" x="{_f(vx)}" y="{_f(vy)}" width="{_f(vw)}" height="{_f(vh)}"/>'
            f'<image href="{_esc(world_href)}" x="0" y="0" width="{FRAME_W:g}" '
            f'height="{FRAME_H:g}" preserveAspectRatio="none"/>'
        )
    else:
        out.append(
            f'<rect class="sea" x="{_f(vx)}" y="{_f(vy)}" width="{_f(vw)}" height="{_f(vh)}"/>'
        )
    decimals = 2 if vw < 200 else 1
    for s in scene.shapes:
        t = f"<title>{_esc(s.title)}</title>" if s.title else ""
        ident_attr = f' data-id="{_esc(s.ident)}"' if s.ident else ""
        d = svg_path(s.rings, decimals=decimals)
        out.append(f'<path class="{s.cls}"{ident_attr} d="{d}">{t}</path>')
    for ln in scene.lines:
        out.append(
            f'<line class="{ln.cls}" x1="{_f(ln.x1)}" y1="{_f(ln.y1)}" x2="{_f(ln.x2)}" '
            f'y2="{_f(ln.y2)}" stroke-width="{_f(ln.w)}"/>'
        )
    for pl in scene.paths:
        data = "".join(f' data-{k}="{_esc(v)}"' for k, v in pl.data)
        t = f"<title>{_esc(pl.title)}</title>" if pl.title else ""
        d = "".join(
            "M" + "L".join(f"{_f(x)} {_f(y)}" for x, y in np.asarray(piece).tolist())
            for piece in pl.pieces
            if len(piece) >= 2
        )
        out.append(f'<path class="{pl.cls}"{data} d="{d}" stroke-width="{_f(pl.w)}">{t}</path>')
    for c in scene.circles:
        data = "".join(f' data-{k}="{_esc(v)}"' for k, v in c.data)
        linked = bool(c.href or c.data)
        t = f"<title>{_esc(c.title)}</title>" if c.title and not linked else ""
        circle = (
            f'<circle class="{c.cls}" cx="{_f(c.x)}" cy="{_f(c.y)}" r="{_f(c.r * u)}" '
            f'data-r="{_f(c.r)}">{t}</circle>'
        )
        if linked:  # a link (or, without a profile, an anchor without href) for the script
            href = f' href="{_esc(c.href)}"' if c.href else ""
            label = f' aria-label="{_esc(c.title)}"' if c.title else ""
            out.append(f"<a{href}{label}{data}>{circle}</a>")
        else:
            out.append(circle)
    for lb in scene.labels:
        out.append(
            f'<text class="{lb.cls}" x="{_f(lb.x)}" y="{_f(lb.y)}" font-size="{_f(lb.size * u)}" '
            f'text-anchor="{lb.anchor}">{_esc(lb.text)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _marker_radius(value: float, vmax: float, *, rmax: float, rmin: float = 2.5) -> float:
    if vmax <= 0:
        return rmin
    return max(rmin, rmax * math.sqrt(max(value, 0.0) / vmax))


Footprint: TypeAlias = BaseGeometry | Mapping[str, Any] | None
"""A footprint: a shapely geometry or a GeoJSON geometry (lon/lat), or None."""


def _geometry(footprint: Footprint) -> BaseGeometry | None:
    if footprint is None:
        return None
    geom = footprint if isinstance(footprint, BaseGeometry) else shape(footprint)
    return None if geom.is_empty else geom


def index_scene(
    rows: Sequence[Mapping[str, Any]],
    footprints: Mapping[int, Footprint],
    *,
    href: Callable[[Mapping[str, Any]], str],
    tip: Callable[[Mapping[str, Any]], str],
    links: Sequence[Mapping[str, Any]] = (),
    link_tip: Callable[[Mapping[str, Any]], str] | None = None,
) -> Scene:
    """The world map of the index page: footprints, collaboration links, and circles sized by
    size score.

    ``links`` are collaboration links (:class:`stclusters.results.Link` keys) between clusters
    of ``rows``, drawn in the order given as great circles (:func:`great_circle`) between the
    clusters' centres, their width following the link's strength (fractional patents plus
    articles); ``link_tip`` gives the text hovering a link shows (by default its two names).
    """
    scene = Scene(
        (0.0, 0.0, FRAME_W, FRAME_H),
        FRAME_W,
        FRAME_H,
        "World map of the clusters",
        f"{len(rows)} clusters; circle area proportional to the size score; "
        "each circle links to the cluster's profile.",
    )
    for row in rows:
        geom = _geometry(footprints.get(int(row["cluster_id"])))
        if geom is not None:
            proj = shapely.transform(geom, _world_coords).simplify(0.02)
            scene.shapes.append(
                Outline(tuple(_rings(proj)), "footprint", str(row["name"]), str(row["cluster_id"]))
            )
    centres = {int(r["cluster_id"]): (float(r["lat"]), float(r["lon"])) for r in rows}
    strength = [float(k["patents"]) + float(k["articles"]) for k in links]
    smax = max(strength, default=0.0)
    for link, s in zip(links, strength, strict=True):
        a, b = centres.get(int(link["source"])), centres.get(int(link["target"]))
        if a is None or b is None:
            continue
        pieces = tuple(np.column_stack(world_xy(p[:, 0], p[:, 1])) for p in great_circle(*a, *b))
        title = (
            link_tip(link)
            if link_tip is not None
            else f"{link['source_name']} – {link['target_name']}"
        )
        scene.paths.append(
            Polyline(
                pieces,
                0.6 + 3.4 * (s / smax if smax > 0 else 0.0),
                "netlink",
                title,
                (("source", str(link["source"])), ("target", str(link["target"]))),
            )
        )
    vmax = max((float(r["size_score"]) for r in rows), default=0.0)
    for row in sorted(rows, key=lambda r: -float(r["size_score"])):
        x, y = world_xy(float(row["lon"]), float(row["lat"]))
        scene.circles.append(
            Circle(
                float(x),
                float(y),
                _marker_radius(float(row["size_score"]), vmax, rmax=16.0),
                "marker",
                tip(row),
                href(row),
                (
                    ("id", str(row["cluster_id"])),
                    ("econ", " ".join(str(row["economies"]).split(";"))),
                ),
            )
        )
    return scene


def great_circle(
    lat1: float, lon1: float, lat2: float, lon2: float, *, step_deg: float = 2.0
) -> list[Array]:
    """The great circle between two points (degrees), cut at the antimeridian.

    Parameters
    ----------
    lat1, lon1, lat2, lon2
        The two ends, degrees.
    step_deg
        The largest arc (degrees of the great circle) between two successive points.

    Returns
    -------
    list of (n, 2) arrays
        The pieces as lon/lat (degrees) vertices, n >= 2, longitudes within -180..180: one
        piece, or two when the line crosses the antimeridian (a vertex at ±180 ends the one
        and starts the other, as RFC 7946 section 3.1.9 asks of GeoJSON). The points are
        spherical linear interpolations (slerp) of the two ends' unit vectors; two antipodal
        ends (whose great circle is not unique) and two equal ones give the straight line
        in lon/lat.
    """
    a = np.array(
        [
            math.cos(math.radians(lat1)) * math.cos(math.radians(lon1)),
            math.cos(math.radians(lat1)) * math.sin(math.radians(lon1)),
            math.sin(math.radians(lat1)),
        ]
    )
    b = np.array(
        [
            math.cos(math.radians(lat2)) * math.cos(math.radians(lon2)),
            math.cos(math.radians(lat2)) * math.sin(math.radians(lon2)),
            math.sin(math.radians(lat2)),
        ]
    )
    omega = math.acos(max(-1.0, min(1.0, float(a @ b))))
    n = max(1, math.ceil(math.degrees(omega) / step_deg))
    t = np.linspace(0.0, 1.0, n + 1)[:, None]
    if math.sin(omega) < 1e-9:
        return [np.array([[lon1, lat1], [lon2, lat2]], dtype=float)]
    xyz = (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / math.sin(omega)
    lat = np.degrees(np.arctan2(xyz[:, 2], np.hypot(xyz[:, 0], xyz[:, 1])))
    lon = np.degrees(np.arctan2(xyz[:, 1], xyz[:, 0]))
    lat[0], lon[0], lat[-1], lon[-1] = lat1, lon1, lat2, lon2
    pieces: list[Array] = []
    out_lon: list[float] = [float(lon[0])]
    out_lat: list[float] = [float(lat[0])]
    for i in range(1, len(lon)):
        d = float(lon[i] - lon[i - 1])
        if abs(d) > 180.0:  # crosses the antimeridian between i - 1 and i
            edge = 180.0 if d < 0 else -180.0  # the side of point i - 1
            to = float(lon[i]) + (360.0 if d < 0 else -360.0)  # point i, unwrapped
            normal = np.cross(a, b)  # the crossing: where the circle meets the 180th meridian
            if abs(normal[2]) > 1e-12:
                cross = math.degrees(math.atan(normal[0] / normal[2]))
            else:  # a meridian circle: the crossing is at a pole's side, between the vertices
                f = (edge - float(lon[i - 1])) / (to - float(lon[i - 1]))
                cross = float(lat[i - 1] + f * (lat[i] - lat[i - 1]))
            out_lon.append(edge)
            out_lat.append(cross)
            pieces.append(np.column_stack([out_lon, out_lat]))
            out_lon, out_lat = [-edge], [cross]
        out_lon.append(float(lon[i]))
        out_lat.append(float(lat[i]))
    pieces.append(np.column_stack([out_lon, out_lat]))
    return pieces


def footprint_scene(
    profile: Mapping[str, Any],
    footprint: Footprint,
    *,
    others: Sequence[tuple[str, Footprint]] = (),
    width: float = 480.0,
    height: float = 320.0,
) -> Scene:
    """The footprint of one cluster on a local map (kilometres around its centre).

    ``others`` are the footprints of other clusters, drawn in grey where they fall in view.
    """
    lat0, lon0 = float(profile["lat"]), float(profile["lon"])
    kx = 111.32 * math.cos(math.radians(lat0))
    ky = 110.57

    def to_km(xy: Array) -> Array:
        return np.column_stack([(xy[:, 0] - lon0) * kx, (lat0 - xy[:, 1]) * ky])

    geom = _geometry(footprint)
    if geom is not None:
        minx, miny, maxx, maxy = shapely.transform(geom, to_km).bounds
    else:
        minx = miny = -10.0
        maxx = maxy = 10.0
    box = _fit_box([minx, maxx], [miny, maxy], aspect=width / height, pad=0.3, min_w=60.0)
    bx, by, bw, bh = box
    name = str(profile["name"])
    scene = Scene(
        box,
        width,
        height,
        f"Footprint of {name}",
        f"Map of the area covered by {name} (shaded), about {_f(bw)} km across, "
        "with country borders and neighbouring clusters in grey.",
        base="local",
    )
    tolerance = 0.4 * bw / width  # under half a pixel: detail that would not show

    def local(g: BaseGeometry) -> BaseGeometry:
        return shapely.simplify(shapely.transform(g, to_km), tolerance)

    lon_a, lon_b = lon0 + bx / kx, lon0 + (bx + bw) / kx
    lat_a, lat_b = lat0 - (by + bh) / ky, lat0 - by / ky
    mx, my = (lon_b - lon_a) * 0.005, (lat_b - lat_a) * 0.005
    clip = (lon_a - mx, lat_a - my, lon_b + mx, lat_b + my)
    for country in read_countries("50m"):
        cminx, cminy, cmaxx, cmaxy = country.geometry.bounds
        if cmaxx < clip[0] or cminx > clip[2] or cmaxy < clip[1] or cminy > clip[3]:
            continue
        part = shapely.clip_by_rect(country.geometry, *clip)
        if not part.is_empty:
            scene.shapes.append(Outline(tuple(_rings(local(part))), "land"))
    for other_name, other in others:
        og = _geometry(other)
        if og is None:
            continue
        ominx, ominy, omaxx, omaxy = og.bounds
        if omaxx < clip[0] or ominx > clip[2] or omaxy < clip[1] or ominy > clip[3]:
            continue
        part = shapely.clip_by_rect(og, *clip)
        if not part.is_empty:
            scene.shapes.append(Outline(tuple(_rings(local(part))), "other", other_name))
    if geom is not None:
        scene.shapes.append(Outline(tuple(_rings(local(geom))), "footprint", name))
    scene.circles.append(Circle(0.0, 0.0, 4.0, "centre", name))
    # scale bar: a round length near a quarter of the width
    target = bw / 4
    step = max(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000) if s <= max(target, 1))
    u = scene.unit
    x0, y0 = bx + 12 * u, by + bh - 14 * u
    scene.lines.append(Line(x0, y0, x0 + step, y0, 3.0, "scalebar"))
    scene.labels.append(Label(x0, y0 - 6 * u, f"{step} km", 11.0, "start", "label"))
    return scene


def collaboration_scene(
    profile: Mapping[str, Any],
    *,
    width: float = 480.0,
    height: float = 260.0,
    limit: int = 10,
) -> Scene:
    """The cluster and its top collaborating locations (both layers) on a world map."""
    name = str(profile["name"])
    cx, cy = (float(v) for v in world_xy(float(profile["lon"]), float(profile["lat"])))
    docs: dict[tuple[str, float, float], float] = {}
    for key in ("patent_collaboration", "article_collaboration"):
        for loc in ((profile.get(key) or {}).get("top_locations") or [])[:limit]:
            if loc.get("lat") is None or loc.get("lon") is None:
                continue
            k = (str(loc["name"]), float(loc["lat"]), float(loc["lon"]))
            docs[k] = docs.get(k, 0.0) + float(loc.get("documents") or 0)
    pts = []
    for (lname, lat, lon), n in docs.items():
        wx, wy = world_xy(lon, lat)
        pts.append((lname, float(wx), float(wy), n))
    box = _fit_box(
        [cx, *(p[1] for p in pts)],
        [cy, *(p[2] for p in pts)],
        aspect=width / height,
        pad=0.12,
        min_w=160.0,
        bounds=(0.0, 0.0, FRAME_W, FRAME_H),
    )
    listed = ", ".join(p[0] for p in sorted(pts, key=lambda p: -p[3])) or "none"
    scene = Scene(
        box,
        width,
        height,
        f"Collaborating locations of {name}",
        f"Map of {name} and the locations it shares most documents with: {listed}.",
    )
    nmax = max((p[3] for p in pts), default=0.0)
    ranked = sorted(pts, key=lambda p: -p[3])
    for _lname, x, y, n in ranked:
        w = 0.8 + 3.2 * (n / nmax if nmax else 0)
        scene.lines.append(Line(cx, cy, x, y, w, "link"))
    for lname, x, y, n in ranked:
        r = _marker_radius(n, nmax, rmax=9.0, rmin=3.0)
        scene.circles.append(Circle(x, y, r, "partner", f"{lname}: {n:,.0f} shared documents"))
    scene.circles.append(Circle(cx, cy, 6.0, "centre", name))
    placer = _LabelPlacer(scene)
    placer.place(cx, cy, 8.0, name, 12.0, "label strong")
    for lname, x, y, _n in ranked[:3]:
        placer.place(x, y, 7.0, lname, 11.0, "label")
    return scene


class _LabelPlacer:
    """Put labels beside points where they overlap no earlier label (else leave them out)."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.boxes: list[tuple[float, float, float, float]] = []

    def place(self, x: float, y: float, gap: float, text: str, size: float, cls: str) -> bool:
        u = self.scene.unit
        w, h = 0.6 * size * len(text) * u, size * u
        g = gap * u
        vx, vy, vw, vh = self.scene.viewbox
        options: list[tuple[float, float, Literal["start", "middle", "end"], float, float]] = [
            (x, y - g, "middle", x - w / 2, y - g - h),
            (x + g, y + h / 3, "start", x + g, y - h * 2 / 3),
            (x - g, y + h / 3, "end", x - g - w, y - h * 2 / 3),
            (x, y + g + h * 0.8, "middle", x - w / 2, y + g),
        ]
        for lx, ly, anchor, bx, by in options:
            box = (bx, by, bx + w, by + h)
            inside = bx >= vx and by >= vy and bx + w <= vx + vw and by + h <= vy + vh
            if inside and not any(_overlap(box, b) for b in self.boxes):
                self.boxes.append(box)
                self.scene.labels.append(Label(lx, ly, text, size, anchor, cls))
                return True
        return False


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@functools.lru_cache(maxsize=8)
def _simplified_world(level: int) -> NDArray[np.object_]:
    geoms = np.asarray(project_world("110m"), dtype=object)
    return geoms if level < -8 else shapely.simplify(geoms, 2.0**level)


def world_rings(box: tuple[float, float, float, float], *, tolerance: float = 0.0) -> list[Array]:
    """The world base map's rings inside a box of the world frame, simplified by ``tolerance``.

    The tolerance is rounded down to a power of two so that simplified layers can be reused.
    """
    x0, y0, w, h = box
    level = math.floor(math.log2(tolerance)) if tolerance > 0 else -99
    clipped = shapely.clip_by_rect(_simplified_world(max(level, -9)), x0, y0, x0 + w, y0 + h)
    rings = shapely.get_rings(clipped[~shapely.is_empty(clipped)])
    return [shapely.get_coordinates(r) for r in rings if shapely.get_num_points(r) >= 4]
