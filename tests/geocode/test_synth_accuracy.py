"""The synthetic world's raw address strings geocode to within 10 km of where the world put them.

Skipped until the synthetic world (``stclusters.synth``) is available.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from stclusters._sphere import haversine_km
from stclusters.geocode import Geocoder
from stclusters.geocode.stage import geocode_records
from stclusters.records import Records

synth = pytest.importorskip("stclusters.synth", reason="stclusters.synth is not merged yet")


def test_synthetic_addresses_within_10_km(
    geocoder: Geocoder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world: Records = synth.make_world(scale=0.002, seed=0)
    people = world.people
    truth_lat = people.column("lat").to_numpy(zero_copy_only=False)
    truth_lon = people.column("lon").to_numpy(zero_copy_only=False)
    has_truth = ~np.isnan(np.asarray(truth_lat, dtype=float))
    assert has_truth.sum() > 100
    n = people.num_rows
    stripped = people
    for name, typ in (("lat", pa.float64()), ("lon", pa.float64()), ("precision", pa.string())):
        stripped = stripped.set_column(
            stripped.schema.get_field_index(name), name, pa.nulls(n, typ)
        )
    recs = Records(
        documents=world.documents,
        people=stripped,
        classes=world.classes,
        applicants=world.applicants,
    )
    out, report = geocode_records(recs, geocoder=geocoder, cache_dir=tmp_path, use_cache=False)
    lat = np.asarray(out.people.column("lat").to_numpy(zero_copy_only=False), dtype=float)
    lon = np.asarray(out.people.column("lon").to_numpy(zero_copy_only=False), dtype=float)
    d = haversine_km(lat[has_truth], lon[has_truth], truth_lat[has_truth], truth_lon[has_truth])
    within = np.nan_to_num(d, nan=np.inf) <= 10
    share = float(within.mean())
    with capsys.disabled():
        print(
            f"\nsynthetic world: {int(has_truth.sum()):,} addresses, "
            f"{share:.2%} within 10 km; {report.summary()}"
        )
    if share < 0.99:
        addresses = np.asarray(out.people.column("address").to_pylist(), dtype=object)[has_truth]
        misses = [str(a) for a in addresses[~within][:20]]
        pytest.fail(f"only {share:.2%} within 10 km; for example {misses}")
