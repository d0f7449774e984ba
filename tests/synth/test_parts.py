"""The parts of the generator: samplers, teams, names, place weights, vocabularies."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stclusters.places import load_places
from stclusters.synth.geography import effective_shares, place_weights
from stclusters.synth.names import long_form, org_names
from stclusters.synth.sampling import GroupSampler, largest_remainder, zipf_weights
from stclusters.synth.teams import CAT_ABROAD, CAT_HOME, COLLABORATION, abroad_share, compose
from stclusters.synth.vocab import IPC_FIELDS, SSH_CATEGORIES, STM_CATEGORIES

weights_st = st.lists(st.floats(0, 10, allow_nan=False), min_size=1, max_size=30)


@given(
    st.lists(st.tuples(st.integers(0, 4), st.floats(0, 5, allow_nan=False)), min_size=1),
    st.integers(0, 2**32 - 1),
)
@settings(max_examples=60, deadline=None)
def test_sampler_draws_only_weighted_members_of_the_group(
    members: list[tuple[int, float]], seed: int
) -> None:
    groups = np.array([g for g, _ in members])
    weights = np.array([w for _, w in members])
    sampler = GroupSampler(groups, weights, 5)
    rng = np.random.default_rng(seed)
    for g in range(5):
        total = weights[groups == g].sum()
        assert sampler.can_draw(np.array([g]))[0] == (total > 0)
        if total <= 0:
            continue
        got = sampler.draw(np.full(200, g), rng.random(200))
        assert (groups[got] == g).all()
        assert (weights[got] > 0).all()
    ok = np.flatnonzero(sampler.can_draw(np.arange(5)))
    if len(ok):
        edges = sampler.draw(ok, np.full(len(ok), 1.0 - 1e-12))
        assert (groups[edges] == ok).all()
    else:
        with pytest.raises(ValueError, match="no member has a positive weight"):
            sampler.draw(np.array([0]), np.array([0.5]))


def test_sampler_frequencies_follow_the_weights() -> None:
    sampler = GroupSampler(np.array([0, 0, 0, 1]), np.array([1.0, 0.0, 3.0, 2.0]), 2)
    got = sampler.draw(np.zeros(40_000, np.int64), np.random.default_rng(1).random(40_000))
    share = np.bincount(got, minlength=4) / len(got)
    assert share[1] == 0 and share[3] == 0
    assert abs(share[2] - 0.75) < 0.01


@given(st.integers(0, 10_000), weights_st)
def test_largest_remainder_adds_up(total: int, weights: list[float]) -> None:
    out = largest_remainder(total, np.array(weights))
    if sum(weights) > 0:
        assert out.sum() == total
        exact = total * np.array(weights) / sum(weights)
        assert (np.abs(out - exact) < 1).all()
    else:
        assert out.sum() == 0


def test_zipf_weights_restart_in_each_group() -> None:
    assert zipf_weights(np.array([3, 0, 2]), 1.0).tolist() == [1.0, 0.5, 1 / 3, 1.0, 0.5]


@given(st.sampled_from(["patent", "article"]), st.integers(1, 300), st.integers(0, 2**32 - 1))
@settings(max_examples=30, deadline=None)
def test_team_shares_add_up_to_one_per_document(layer: str, n_docs: int, seed: int) -> None:
    team = compose(layer, n_docs, np.random.default_rng(seed))
    assert team.first.sum() == n_docs
    assert (team.cat[team.first] == CAT_HOME).all()
    assert (np.diff(team.doc) >= 0).all()
    per_doc = np.bincount(team.doc, weights=team.weight(), minlength=n_docs)
    assert np.allclose(per_doc, 1.0)
    persons = np.bincount(team.doc, weights=team.aff == 0, minlength=n_docs)
    assert (persons == team.size).all()
    if layer == "patent":
        assert (team.aff == 0).all() and not team.unlinked.any()


def test_effective_shares_do_not_count_districts_twice() -> None:
    """A city and its districts share the city's weight: the group adds up to the city alone."""
    places = load_places()
    shanghai = int(np.flatnonzero((places.name == "Shanghai") & (places.country == "CN"))[0])
    districts = np.flatnonzero(places.parent == shanghai)
    assert len(districts) > 5
    assert "Pudong" in set(places.name[districts])
    members = np.concatenate([[shanghai], districts])
    head, share = effective_shares(places, members)
    assert (head == shanghai).all()
    assert abs(share.sum() - 1.0) < 1e-9
    assert 0.3 <= share[0] < 1.0
    # weights of the group = the city's weight, whatever the number of districts listed
    w = place_weights(places.population[head], 1.5, "article") * share
    assert abs(w.sum() - place_weights(places.population[[shanghai]], 1.5, "article")[0]) < 1e-3
    # a district without its city counts as a place of its own
    head_alone, share_alone = effective_shares(places, districts[:1])
    assert head_alone[0] == districts[0] and share_alone[0] == 1.0


@given(st.lists(st.integers(0, 195_000), min_size=1, max_size=200, unique=True))
@settings(max_examples=30, deadline=None)
def test_effective_shares_form_groups_of_weight_one(members: list[int]) -> None:
    places = load_places()
    idx = np.array(members, dtype=np.int64)
    head, share = effective_shares(places, idx)
    totals = {}
    for h, s in zip(head.tolist(), share.tolist(), strict=True):
        totals[h] = totals.get(h, 0.0) + s
    assert all(abs(t - 1.0) < 1e-9 for t in totals.values())
    assert set(totals) <= set(members)


def test_place_weights_favour_large_places_and_damp_small_ones() -> None:
    pop = np.array([1_000.0, 50_000.0, 100_000.0, 1_000_000.0])
    for layer in ("patent", "article"):
        w = place_weights(pop, 1.5, layer)
        assert (np.diff(w) > 0).all()
        assert w[0] / w[3] < (pop[0] / pop[3]) ** 1.5
    assert place_weights(pop, 2.0, "patent")[3] / place_weights(pop, 1.0, "patent")[3] > 1e5


def test_long_forms_spell_out_wos_abbreviations() -> None:
    assert long_form("Zhengzhou Univ") == "Zhengzhou University"
    assert long_form("Univ Isfahan") == "University of Isfahan"
    assert long_form("Tech Univ Munich") == "Technical University of Munich"
    assert long_form("Univ Hosp Basel") == "University Hospital Basel"
    assert long_form("Chinese Acad Sci, Zhengzhou Inst Chem") == (
        "Chinese Academy of Sciences, Zhengzhou Institute of Chemistry"
    )


def test_organisation_names_are_distinct_and_start_with_the_university() -> None:
    names = org_names("Zhengzhou", "Henan", "CN", 60)
    assert names[0] == "Zhengzhou Univ"
    assert len(set(names)) == 60


def test_ipc_codes_belong_to_their_wipo_field(samples_dir: Path) -> None:
    """Each code of the vocabulary falls in its field of the WIPO IPC-technology concordance."""
    path = samples_dir / "reference" / "ipc_technology.csv"
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    patterns: list[tuple[str, str]] = []
    names = {}
    for r in rows:
        names[int(r["Field_number"])] = r["Field_en"]
        patterns.append((re.sub(r"\s+", "", r["IPC_code"]).rstrip("%"), r["Field_en"]))
    assert [f for f, _, _ in IPC_FIELDS] == [names[i] for i in range(1, 36)]
    for field, _, codes in IPC_FIELDS:
        for code in codes:
            compact = code.replace(" ", "")
            hits = {f for prefix, f in patterns if compact.startswith(prefix)}
            # the most specific pattern decides (G01N 33/ beats G01N 2x/)
            best = max(
                ((prefix, f) for prefix, f in patterns if compact.startswith(prefix)),
                key=lambda pf: len(pf[0]),
            )
            assert best[1] == field, (code, hits)


def test_wos_categories_are_distinct_and_ssh_apart() -> None:
    stm = [c for c, _, _ in STM_CATEGORIES]
    assert len(set(stm)) == len(stm)
    assert not set(stm) & set(SSH_CATEGORIES)
    assert all(re.fullmatch(r"[A-Z][A-Za-z ,&-]+", c) for c in stm + list(SSH_CATEGORIES))


@pytest.mark.parametrize("layer", ["patent", "article"])
def test_an_economy_s_own_collaboration_moves_weight_abroad(layer: str) -> None:
    """``collaboration`` of data/world.toml: with the default values per document the team is the
    same draw for draw; with more international teams more weight lies abroad."""
    n = 5_000
    p, _, q, _ = COLLABORATION[layer]
    plain = compose(layer, n, np.random.default_rng(3))
    same = compose(layer, n, np.random.default_rng(3), international=(np.full(n, p), np.full(n, q)))
    assert np.array_equal(plain.cat, same.cat) and np.array_equal(plain.size, same.size)
    default = abroad_share(layer)
    assert 0 < default < abroad_share(layer, (1.0, 0.5)) < abroad_share(layer, (1.0, 0.76))
    # every team of two or more is international: each has someone abroad, single people none
    team = compose(layer, n, np.random.default_rng(4), international=(np.ones(n), np.full(n, 0.5)))
    has_abroad = np.bincount(team.doc, weights=team.cat == CAT_ABROAD, minlength=n) > 0
    assert np.array_equal(has_abroad & (team.size >= 2), team.size >= 2)
    first_abroad = (team.cat == CAT_ABROAD) & team.first
    assert not first_abroad.any()
