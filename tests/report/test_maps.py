"""Maps without tiles: projection, the shipped country layer, SVG paths, map scenes."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point

from stclusters.report import maps


def test_equal_earth_frame() -> None:
    x, y = maps.world_xy(np.array([-180.0, 0.0, 180.0]), np.array([0.0, 0.0, 0.0]))
    assert x.tolist() == pytest.approx([0.0, 500.0, 1000.0])
    assert y[0] == pytest.approx(y[1])
    _, top = maps.world_xy(0.0, 84.0)
    _, bottom = maps.world_xy(0.0, -58.0)
    assert float(top) == pytest.approx(0.0, abs=1e-9)
    assert float(bottom) == pytest.approx(maps.FRAME_H, abs=0.05)


@given(
    st.floats(min_value=-180, max_value=180),
    st.floats(min_value=-80, max_value=80),
    st.floats(min_value=0.01, max_value=5),
)
def test_projection_symmetric_and_monotonic(lon: float, lat: float, dlat: float) -> None:
    x1, y1 = maps.world_xy(lon, lat)
    x2, _ = maps.world_xy(-lon, lat)
    assert float(x1) + float(x2) == pytest.approx(1000.0)
    _, y3 = maps.world_xy(lon, min(lat + dlat, 89.0))
    assert float(y3) < float(y1)  # north is up


def test_countries_hold_known_places() -> None:
    countries = {c.name: c.geometry for c in maps.read_countries("110m")}
    assert 170 < len(countries) < 180
    assert "Antarctica" not in countries
    assert countries["France"].contains(Point(2.35, 48.85))
    assert countries["Japan"].contains(Point(139.7, 35.7))
    assert not countries["China"].contains(Point(2.35, 48.85))
    fine = {c.name: c.geometry for c in maps.read_countries("50m")}
    assert fine["Singapore"].contains(Point(103.82, 1.35))


def test_antimeridian_is_cut() -> None:
    for scale in ("110m", "50m"):
        for c in maps.read_countries(scale):  # type: ignore[arg-type]
            minx, _, maxx, _ = c.geometry.bounds
            assert minx >= -180.0 and maxx <= 180.0, c.name
    russia = next(c for c in maps.read_countries("110m") if c.name == "Russia")
    assert russia.geometry.contains(Point(37.6, 55.75))  # Moscow
    assert russia.geometry.contains(Point(177.5, 64.7))  # Anadyr, east of 180° in the source


def _decode(d: str) -> list[list[tuple[float, float]]]:
    rings = []
    for part in re.findall(r"M([^l]+)l([^z]*)z", d):
        start = [float(v) for v in part[0].split()]
        steps = [float(v) for v in part[1].split()]
        pts = [(start[0], start[1])]
        for i in range(0, len(steps), 2):
            pts.append((pts[-1][0] + steps[i], pts[-1][1] + steps[i + 1]))
        rings.append(pts)
    return rings


@given(st.lists(st.tuples(st.floats(-1000, 1000), st.floats(-1000, 1000)), min_size=3, max_size=30))
def test_svg_path_round_trip(points: list[tuple[float, float]]) -> None:
    ring = np.array(points)
    d = maps.svg_path([ring], decimals=1)
    q = np.round(ring * 10) / 10
    keep = [0] + [i for i in range(1, len(q)) if not np.array_equal(q[i], q[i - 1])]
    q = q[keep]
    if len(q) < 3:
        assert d == ""
        return
    (decoded,) = _decode(d)
    assert np.allclose(np.array(decoded), q, atol=1e-6)


def test_world_svg_is_valid_and_light() -> None:
    svg = maps.world_svg()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert root.get("viewBox") == f"0 0 1000 {maps.FRAME_H:g}"
    assert 30_000 < len(svg) < 200_000


def _footprint(lat: float, lon: float, km: float = 5.0) -> shapely.Geometry:
    deg = km / 111.0
    return Point(lon, lat).buffer(deg / math.cos(math.radians(lat)), quad_segs=8)


def test_footprint_scene_frames_the_footprint() -> None:
    profile = {"name": "Lyon", "lat": 45.76, "lon": 4.84}
    fp = _footprint(45.76, 4.84)
    other = _footprint(45.9, 5.0)
    far = _footprint(10.0, 10.0)
    scene = maps.footprint_scene(profile, fp, others=[("Other", other), ("Far", far)])
    vx, vy, vw, vh = scene.viewbox
    assert vw / vh == pytest.approx(480 / 320)
    assert vw >= 60.0  # km
    own = [s for s in scene.shapes if s.cls == "footprint"]
    assert len(own) == 1
    ring = own[0].rings[0]
    assert vx < ring[:, 0].min() and ring[:, 0].max() < vx + vw
    assert vy < ring[:, 1].min() and ring[:, 1].max() < vy + vh
    assert ring[:, 0].max() - ring[:, 0].min() == pytest.approx(10.0, rel=0.03)  # 5 km radius
    assert [s.title for s in scene.shapes if s.cls == "other"] == ["Other"]
    assert any(s.cls == "land" for s in scene.shapes)
    (bar,) = scene.lines
    assert re.fullmatch(r"\d+ km", scene.labels[0].text)
    assert bar.x2 - bar.x1 == float(scene.labels[0].text.split()[0])


def test_collaboration_scene_shows_every_location() -> None:
    locs = [
        {"name": "Tokyo", "documents": 50, "lat": 35.7, "lon": 139.7},
        {"name": "Paris", "documents": 10, "lat": 48.85, "lon": 2.35},
        {"name": "Nowhere", "documents": 3, "lat": None, "lon": None},
    ]
    profile = {
        "name": "Seoul",
        "lat": 37.55,
        "lon": 126.99,
        "patent_collaboration": {"top_locations": locs},
        "article_collaboration": {"top_locations": locs[:1]},
    }
    scene = maps.collaboration_scene(profile)
    vx, vy, vw, vh = scene.viewbox
    partners = [c for c in scene.circles if c.cls == "partner"]
    assert sorted(c.title for c in partners) == [
        "Paris: 10 shared documents",
        "Tokyo: 100 shared documents",
    ]
    for c in scene.circles:
        assert vx <= c.x <= vx + vw and vy <= c.y <= vy + vh
    labels = [lb.text for lb in scene.labels]
    assert "Seoul" in labels


def test_scene_svg_is_accessible_xml() -> None:
    profile = {"name": "A&B <x>", "lat": 45.76, "lon": 4.84}
    svg = maps.scene_svg(maps.footprint_scene(profile, _footprint(45.76, 4.84)), id_="fp")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    assert root.find(f"{ns}title").text == "Footprint of A&B <x>"  # type: ignore[union-attr]
    assert root.find(f"{ns}desc") is not None
    assert root.get("aria-labelledby") == "fp-title fp-title-desc"
