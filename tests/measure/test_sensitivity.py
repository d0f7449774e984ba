"""Rank ranges under changed clustering settings, on labellings a person can check."""

from __future__ import annotations

import numpy as np

from stclusters.measure.sensitivity import rank_ranges, size_ranks


def test_size_ranks_by_weight_then_label() -> None:
    labels = np.array([0, 0, 1, 2, -1, -2])
    weight = np.array([1.0, 1.0, 2.0, 3.0, 9.0, 9.0])
    assert size_ranks(labels, weight) == {2: 1, 0: 2, 1: 3}


def test_ranges_follow_the_variant_holding_most_output() -> None:
    base = np.array([0, 0, 0, 1, 1, 2])
    weight = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.5])
    same = base.copy()
    # sizes in `split`: 0 -> 2.0, 1 -> 2.5 (it takes cluster 2's row), 3 -> 1.0
    split = np.array([0, 0, 3, 1, 1, 1])
    # in `gone`, cluster 1 is noise; 0 -> 3.0, 2 -> 0.5
    gone = np.array([0, 0, 0, -1, -1, 2])
    got = rank_ranges(base, [same, split, gone], weight, clusters=[0, 1, 2], note="test")
    assert (got[0]["rank_min"], got[0]["rank_max"], got[0]["lost_in"]) == (1, 2, 0)
    assert (got[1]["rank_min"], got[1]["rank_max"], got[1]["lost_in"]) == (1, 2, 1)
    assert (got[2]["rank_min"], got[2]["rank_max"], got[2]["lost_in"]) == (1, 3, 0)
    assert got[2]["note"] == "test"
