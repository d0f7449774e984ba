"""Tests of cluster footprints (stclusters.cluster.footprint)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon

from stclusters.cluster import area_km2, contains_points, footprint, footprints
from stclusters.errors import ConfigError, InputError


@pytest.mark.parametrize("lat", [0.0, 35.7, 64.1, -33.9])
@pytest.mark.parametrize("radius_km", [1.0, 5.0, 15.0])
def test_one_disc_has_the_area_of_a_circle(lat: float, radius_km: float) -> None:
    geom = footprint(np.array([[lat, 100.0]]), radius_km=radius_km)
    assert isinstance(geom, Polygon)
    assert area_km2(geom) == pytest.approx(math.pi * radius_km**2, rel=0.01)


def test_two_far_points_give_two_parts_and_close_points_one() -> None:
    far = footprint(np.array([[40.0, -3.7], [41.4, 2.2]]), radius_km=5.0)
    assert isinstance(far, MultiPolygon)
    assert len(far.geoms) == 2
    assert area_km2(far) == pytest.approx(2 * math.pi * 25, rel=0.01)
    # 0.05 degree of latitude is 5.6 km: the two discs overlap and dissolve into one polygon.
    near = footprint(np.array([[40.0, -3.7], [40.05, -3.7]]), radius_km=5.0)
    assert isinstance(near, Polygon)
    assert math.pi * 25 < area_km2(near) < 2 * math.pi * 25


def test_duplicates_change_nothing() -> None:
    X = np.array([[52.52, 13.40], [52.50, 13.45]])
    once = footprint(X)
    many = footprint(np.repeat(X, 50, axis=0)[::-1])
    assert once.equals(many)


def test_across_the_antimeridian() -> None:
    X = np.array([[-17.0, 179.99], [-17.02, -179.98]])
    geom = footprint(X, radius_km=5.0)
    assert isinstance(geom, MultiPolygon)
    minx, _, maxx, _ = geom.bounds
    assert minx >= -180.0 and maxx <= 180.0
    assert contains_points(geom, X).all()
    # Same pair of points moved away from the antimeridian: same area.
    moved = footprint(X + np.array([[0.0, -90.0], [0.0, 270.0]]))
    assert area_km2(geom) == pytest.approx(area_km2(moved), rel=1e-3)


def test_contains_points_inside_boundary_outside() -> None:
    geom = footprint(np.array([[0.0, 0.0]]), radius_km=5.0)
    # 0.04 degree on the equator is 4.45 km (inside); 0.05 is 5.56 km (outside).
    inside = contains_points(geom, np.array([[0.0, 0.0], [0.0, 0.04], [0.04, 0.0]]))
    outside = contains_points(geom, np.array([[0.0, 0.05], [-0.05, 0.0], [10.0, 10.0]]))
    assert inside.tolist() == [True, True, True]
    assert outside.tolist() == [False, False, False]


def test_footprints_per_label() -> None:
    X = np.array([[0.0, 0.0], [0.0, 0.02], [10.0, 10.0], [20.0, 20.0]])
    out = footprints(X, np.array([1, 1, 0, -1]), radius_km=2.0)
    assert list(out) == [0, 1]
    assert contains_points(out[1], X[:2]).all()
    assert not contains_points(out[1], X[2:]).any()
    assert contains_points(out[0], X[2:3]).all()
    assert area_km2(out[0]) == pytest.approx(math.pi * 4, rel=0.01)


def test_empty_and_bad_input() -> None:
    assert footprint(np.empty((0, 2))).is_empty
    assert area_km2(footprint(np.empty((0, 2)))) == 0.0
    for bad in (0, -1, 100.5, np.inf):
        with pytest.raises(
            ConfigError,
            match=r"'radius_km' parameter of footprint must be a"
            r" float in the range \(0.0, 100.0\]. Got .* instead",
        ):
            footprint(np.zeros((1, 2)), radius_km=bad)
    with pytest.raises(ConfigError, match="'radius_km' parameter of footprints"):
        footprints(np.zeros((0, 2)), np.zeros(0, dtype=int), radius_km=0)
    with pytest.raises(InputError, match=r"latlon row 0 is outside latitude"):
        footprint(np.array([[100.0, 0.0]]))
    with pytest.raises(InputError, match="labels must be a 1-D array of 2 labels"):
        footprints(np.zeros((2, 2)), np.array([0]))


@settings(max_examples=30, deadline=None)
@given(
    st.floats(-60, 60),
    st.floats(-180, 180),
    st.lists(st.tuples(st.floats(-0.3, 0.3), st.floats(-0.3, 0.3)), min_size=1, max_size=40),
    st.sampled_from([0, 10_000]),
)
def test_footprint_contains_its_points(
    lat0: float, lon0: float, offsets: list[tuple[float, float]], snap_above: int
) -> None:
    X = np.array([(lat0 + a, (lon0 + b + 180.0) % 360.0 - 180.0) for a, b in offsets])
    geom = footprint(X, radius_km=3.0, snap_above=snap_above)
    assert contains_points(geom, X).all()
    # Never more than the sum of the discs, never less than one disc.
    n = np.unique(X, axis=0).shape[0]
    assert math.pi * 9 * 0.99 <= area_km2(geom) <= n * math.pi * 9 * 1.01


def _union(xy: np.ndarray, radius: float) -> object:
    import shapely

    return shapely.union_all(shapely.buffer(shapely.points(xy), radius, quad_segs=16))


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=400),
    spread=st.floats(min_value=0.5, max_value=40.0),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_covered_discs_leave_the_union_unchanged(n: int, spread: float, seed: int) -> None:
    """The discs left out add nothing: the union of those kept is the union of all (a dense
    cloud, a sparse one, a ring with an empty middle wider than a disc)."""
    from stclusters.cluster.footprint import covered_discs

    rng = np.random.default_rng(seed)
    radius = 1.0
    angle = rng.uniform(0, 2 * np.pi, n)
    ring = np.column_stack((np.cos(angle), np.sin(angle))) * spread * 0.5
    cloud = rng.normal(size=(n, 2)) * spread * 0.2
    for xy in (np.unique(cloud, axis=0), np.unique(ring, axis=0)):
        covered = covered_discs(xy, radius=radius)
        everything, kept = _union(xy, radius), _union(xy[~covered], radius)
        assert everything.symmetric_difference(kept).area <= 1e-9 * everything.area


def test_covered_discs_drop_the_inside_of_a_dense_cluster() -> None:
    """A dense grid of 100 x 100 points 0.05 radius apart keeps its edge and the anchors."""
    from stclusters.cluster.footprint import covered_discs

    g = np.arange(100) * 0.05
    xy = np.array([(x, y) for x in g for y in g])
    covered = covered_discs(xy, radius=1.0)
    assert covered.sum() > 0.8 * len(xy)
    assert not covered[0]  # a corner: its disc reaches beyond every other
    edge = (xy[:, 0] == 0) | (xy[:, 1] == 0) | (xy[:, 0] == g[-1]) | (xy[:, 1] == g[-1])
    assert not covered[edge].any()


@settings(max_examples=40, deadline=None)
@given(
    radius=st.sampled_from([1.0, 7.3, 1000.0, 4999.999, 5000.0, 100_000.0]),
    quad_segs=st.sampled_from([1, 3, 8, 16]),
    scale=st.sampled_from([0.0, 10.0, 1e4, 3e6]),
    grid=st.booleans(),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_discs_are_the_bytes_of_shapely_buffer(
    radius: float, quad_segs: int, scale: float, grid: bool, seed: int
) -> None:
    """One disc translated to every centre gives GEOS's buffer of each point, bit for bit
    (signed zeros included: a snapped centre is often -0.0)."""
    import shapely

    from stclusters.cluster.footprint import _discs

    rng = np.random.default_rng(seed)
    xy = rng.normal(0.0, scale, (300, 2))
    if grid:
        xy = np.round(xy / 50.0) * 50.0
    xy[:6] = [[0.0, 0.0], [-0.0, 0.0], [0.0, -0.0], [-0.0, -0.0], [5e-324, -5e-324], [1e15, -3.0]]
    want = shapely.to_wkb(shapely.buffer(shapely.points(xy), radius, quad_segs=quad_segs))
    got = shapely.to_wkb(_discs(xy, radius=radius, quad_segs=quad_segs))
    assert got.tolist() == want.tolist()


@pytest.mark.parametrize(("n", "seed"), [(3000, 0), (6000, 1), (25_000, 2)])
def test_leaving_covered_discs_out_moves_no_vertex(n: int, seed: int) -> None:
    """Above ``cover_above`` (a world larger than the demo's), the footprint has the same area
    and the same vertices up to rounding (its parts listed and its rings started elsewhere):
    normalized, the two geometries have as many vertices, none moved by more than 1e-9 degrees
    (0.1 mm; rounding of the disc intersections moves some by 1e-14)."""
    import shapely

    rng = np.random.default_rng(seed)
    X = np.column_stack((rng.normal(48.1, 0.15, n), rng.normal(11.5, 0.2, n))).round(4)
    everything = footprint(X, radius_km=5.0, cover_above=10**9)
    fewer = footprint(X, radius_km=5.0, cover_above=0)
    assert shapely.get_num_coordinates(fewer) == shapely.get_num_coordinates(everything)
    assert shapely.equals_exact(shapely.normalize(everything), shapely.normalize(fewer), 1e-9)
    assert everything.hausdorff_distance(fewer) <= 1e-9
    assert area_km2(fewer) == pytest.approx(area_km2(everything), rel=1e-12)
