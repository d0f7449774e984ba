"""Planted changes between editions (``grown_hub``, ``growth_percent``, ``new_hub``,
``change_edition``): off by default, the later edition is the world without them, the earlier
one holds the grown hub at 1 / (1 + growth) and no new hub."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from stclusters.errors import ConfigError
from stclusters.synth import build_world, load_calibration
from stclusters.synth.world import WorldSettings, hub_factors

CHANGES: dict[str, Any] = {
    "grown_hub": "Madrid",
    "growth_percent": 30.0,
    "new_hub": "Melbourne",
    "change_edition": 2024,
}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"grown_hub": "Atlantis", "change_edition": 2024}, r"'grown_hub' .* got 'Atlantis'"),
        ({**CHANGES, "new_hub": "Madrid"}, r"'new_hub' setting must be another hub"),
        ({**CHANGES, "growth_percent": -100}, r"'growth_percent' .* above -100"),
        ({**CHANGES, "change_edition": None}, r"'change_edition' setting must be the first"),
        ({**CHANGES, "change_edition": 1800}, r"'change_edition' .* between 1990 and 2100"),
    ],
)
def test_bad_changes_fail_at_once(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        WorldSettings(**kwargs)


def test_factors_by_edition() -> None:
    names = [h.name for h in load_calibration().hubs]
    assert np.all(hub_factors(WorldSettings()) == 1.0)
    assert np.all(hub_factors(WorldSettings(edition=2024, **CHANGES)) == 1.0)
    assert np.all(hub_factors(WorldSettings(edition=2025, **CHANGES)) == 1.0)
    earlier = hub_factors(WorldSettings(edition=2023, **CHANGES))
    assert earlier[names.index("Madrid")] == pytest.approx(1 / 1.3)
    assert earlier[names.index("Melbourne")] == 0.0
    assert np.count_nonzero(earlier != 1.0) == 2


def test_the_earlier_world_holds_the_changes_and_the_later_is_unchanged() -> None:
    plain = build_world(scale=0.002, seed=3, edition=2024)
    later = build_world(scale=0.002, seed=3, edition=2024, **CHANGES)
    for name in ("documents", "people", "classes", "applicants"):
        assert plain.records.table(name).equals(later.records.table(name)), name
    earlier = build_world(scale=0.002, seed=3, edition=2023, **CHANGES)
    before = {h["hub"]: h for h in earlier.truth_hubs}
    after = {h["hub"]: h for h in later.truth_hubs}
    for layer in ("patents", "articles"):
        planted = before["Madrid"][f"planted_{layer}"] * 1.3
        assert planted == pytest.approx(after["Madrid"][f"planted_{layer}"], rel=1e-3)
        assert before["Melbourne"][f"planted_{layer}"] == 0.0
        assert before["Melbourne"][f"realised_{layer}"] == 0.0
        assert before["Tokyo–Yokohama"][f"planted_{layer}"] == pytest.approx(
            after["Tokyo–Yokohama"][f"planted_{layer}"]
        )
