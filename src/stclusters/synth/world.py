"""The synthetic world: patent and article records with the shape of the real ones.

:func:`make_world` builds a small world in memory; :func:`write_world` streams a world of any
scale to a records folder in chunks (constant memory). Both are deterministic for a given seed:
the world is planned once (units, sites, organisations, home documents), then documents are
generated in chunks of :data:`CHUNK_DOCS`, each with its own child seed.

A records folder written by :func:`write_world` holds, besides the four tables and the manifest,
two sidecar files with the truth the generator planted: ``truth_people.parquet`` (one row per
people row, in the same order: doc_id, person_seq, address_seq, the GeoNames id of the place the
person was placed at, and the hub or null) and ``truth_hubs.csv`` (each hub's planted and realised
fractional output per layer, the growth planted in it: :func:`planted_growth`, and the
technology fields it specialises in: ``top_fields``).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from numpy.typing import NDArray

from stclusters._outdir import prepare_folder
from stclusters.config import Config
from stclusters.csvfile import write_csv_rows
from stclusters.errors import ConfigError
from stclusters.places import load_places
from stclusters.records import Records, RecordsWriter, concat_records
from stclusters.synth import content as ct
from stclusters.synth.balance import Movers, rebalance
from stclusters.synth.calibration import load_calibration
from stclusters.synth.geography import LAYERS, Geography, plan_geography
from stclusters.synth.lexicon import VARIANT_P, Lexicon, build_lexicon
from stclusters.synth.sampling import GroupSampler, jitter, stochastic_round
from stclusters.synth.teams import (
    CAT_ABROAD,
    CAT_ECON,
    CAT_HOME,
    CAT_SAME,
    COLLABORATION,
    abroad_share,
    compose,
)
from stclusters.synth.vocab import IPC_FIELDS

__all__ = [
    "TRUTH_HUBS",
    "TRUTH_PEOPLE",
    "World",
    "WorldSettings",
    "build_world",
    "hub_factors",
    "make_world",
    "planted_growth",
    "write_world",
]

log = logging.getLogger(__name__)

#: Documents generated per chunk.
CHUNK_DOCS = 200_000
#: Version of the generator (part of the manifest; bump when the output changes).
SYNTH_VERSION = 4
#: Extra documents per kept article: other document types and social-science-only articles.
OTHER_TYPE_SHARE = 0.045
SSH_SHARE = 0.025
#: Chance that a co-author in the same city is at the first author's organisation, and then in
#: the same department.
SAME_ORG = 0.5
SAME_DEPT = 0.7
#: Share of applications with a second applicant.
SECOND_APPLICANT = 0.2
TRUTH_PEOPLE = "truth_people.parquet"
TRUTH_HUBS = "truth_hubs.csv"

TRUTH_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("person_seq", pa.int32()),
        pa.field("address_seq", pa.int32()),
        pa.field("geonameid", pa.int64()),
        pa.field("hub", pa.string()),
    ]
)

#: The settings of the planted changes between editions (:func:`hub_factors`).
_CHANGE_FIELDS = ("grown_hub", "growth_percent", "new_hub", "change_edition")

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class WorldSettings:
    """Settings of a synthetic world (all of them go into the manifest)."""

    scale: float = 0.05
    seed: int = 0
    edition: int = 2024
    place_exponent: float = 1.5
    place_noise: float = 0.4
    #: planted changes between editions (:func:`hub_factors`); all off by default
    grown_hub: str | None = None
    growth_percent: float = 0.0
    new_hub: str | None = None
    change_edition: int | None = None

    def __post_init__(self) -> None:
        def bad(name: str, allowed: str, value: object) -> ConfigError:
            return ConfigError(f"The '{name}' setting must be {allowed}; got {value!r}")

        if isinstance(self.scale, bool) or not isinstance(self.scale, int | float):
            raise bad("scale", "a number above 0 and at most 5", self.scale)
        if not (math.isfinite(self.scale) and 0 < self.scale <= 5):
            raise bad("scale", "a number above 0 and at most 5", self.scale)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise bad("seed", "a whole number of at least 0", self.seed)
        if isinstance(self.edition, bool) or not isinstance(self.edition, int):
            raise bad("edition", "a whole number between 1990 and 2100", self.edition)
        if not 1990 <= self.edition <= 2100:
            raise bad("edition", "a whole number between 1990 and 2100", self.edition)
        if not (math.isfinite(self.place_exponent) and 0 < self.place_exponent <= 5):
            raise bad("place_exponent", "a number above 0 and at most 5", self.place_exponent)
        if not (math.isfinite(self.place_noise) and 0 <= self.place_noise <= 5):
            raise bad("place_noise", "a number between 0 and 5", self.place_noise)
        self._check_changes(bad)

    def _check_changes(self, bad: Callable[[str, str, object], ConfigError]) -> None:
        """Check the planted changes between editions (:func:`hub_factors`)."""
        planted = self.grown_hub is not None or self.new_hub is not None
        if self.change_edition is None and not planted:
            return
        names = [h.name for h in load_calibration().hubs]
        listed = "one of the calibration's hubs (" + ", ".join(names) + ")"
        for name in ("grown_hub", "new_hub"):
            value = getattr(self, name)
            if value is not None and value not in names:
                raise bad(name, listed, value)
        if self.grown_hub is not None and self.grown_hub == self.new_hub:
            raise bad("new_hub", "another hub than grown_hub", self.new_hub)
        g = self.growth_percent
        if isinstance(g, bool) or not isinstance(g, int | float) or not math.isfinite(g):
            raise bad("growth_percent", "a number above -100 and at most 1000", g)
        if not -100 < g <= 1000:
            raise bad("growth_percent", "a number above -100 and at most 1000", g)
        e = self.change_edition
        if e is None:
            raise bad("change_edition", "the first edition with the planted changes (a year)", e)
        if isinstance(e, bool) or not isinstance(e, int) or not 1990 <= e <= 2100:
            raise bad("change_edition", "a whole number between 1990 and 2100", e)

    @property
    def changes(self) -> dict[str, Any]:
        """The planted changes, or an empty dict when none is set (so that a world without
        them has the manifest it always had)."""
        if self.change_edition is None:
            return {}
        return {
            "grown_hub": self.grown_hub,
            "growth_percent": self.growth_percent,
            "new_hub": self.new_hub,
            "change_edition": self.change_edition,
        }

    @property
    def config(self) -> Config:
        """The configuration whose windows the world follows."""
        return Config(edition=self.edition)


@dataclass
class World:
    """A synthetic world in memory: its records and the truth planted in them."""

    records: Records
    truth_people: pa.Table
    truth_hubs: list[dict[str, Any]]
    settings: WorldSettings


@dataclass
class _Plan:
    settings: WorldSettings
    geo: Geography
    lex: Lexicon
    content: ct.Content
    home: dict[str, NDArray[np.int32]]
    kind: dict[str, NDArray[np.int8]]
    n_kept: dict[str, int]
    seeds: dict[str, list[np.random.SeedSequence]]
    #: documents of the year before the window, and each chunk's seed for moving their people
    n_previous: dict[str, int] = field(default_factory=dict)
    previous_seeds: dict[str, list[np.random.SeedSequence]] = field(default_factory=dict)
    econ_sampler: dict[str, GroupSampler] = field(default_factory=dict)
    abroad_sampler: dict[str, GroupSampler] = field(default_factory=dict)
    group_sampler: dict[str, GroupSampler] = field(default_factory=dict)
    site_sampler: dict[str, GroupSampler] = field(default_factory=dict)
    movers: dict[str, Movers] = field(default_factory=dict)
    hub_names: pa.Array = field(default_factory=lambda: pa.array([], pa.string()))


def hub_factors(settings: WorldSettings) -> FloatArray:
    """Per hub of the calibration, the factor on its planted output in ``settings.edition``.

    The planted changes say how the world became what it is in ``change_edition``: in that
    edition and later ones every hub has its calibrated output (factor 1: the world without
    changes); in earlier editions ``grown_hub`` has ``1 / (1 + growth_percent / 100)`` of it (so
    that it grows by ``growth_percent`` into ``change_edition``) and ``new_hub`` none at all (it
    enters in ``change_edition``). Comparing the editions ``change_edition - 1`` and
    ``change_edition`` of one seed shows both changes, and the later world is the ordinary one
    (for the demo's edition 2024, the demo world).

    Returns
    -------
    ndarray of float64, shape (n_hubs,)
        In the calibration's hub order.
    """
    names = [h.name for h in load_calibration().hubs]
    factor = np.ones(len(names))
    if settings.change_edition is None or settings.edition >= settings.change_edition:
        return factor
    if settings.grown_hub is not None:
        factor[names.index(settings.grown_hub)] = 1.0 / (1.0 + settings.growth_percent / 100.0)
    if settings.new_hub is not None:
        factor[names.index(settings.new_hub)] = 0.0
    return factor


def _apply_hub_factors(geo: Geography, factor: FloatArray) -> None:
    """Scale each hub's targets and its units' kept (home) documents by ``factor`` (rounded; no
    random draw, so the plan's earlier draws are those of the world without changes)."""
    if np.all(factor == 1.0):
        return
    unit_factor = np.where(geo.unit_hub >= 0, factor[np.maximum(geo.unit_hub, 0)], 1.0)
    for layer in LAYERS:
        geo.hub_target[layer] = geo.hub_target[layer] * factor
        geo.kept[layer] = np.rint(geo.kept[layer] * unit_factor).astype(np.int64)


def _abroad_shares(layer: str) -> FloatArray:
    """Per economy of the calibration, the expected share of a home document's weight abroad."""
    return np.array(
        [abroad_share(layer, e.international(layer)) for e in load_calibration().economies]
    )


def _international(layer: str) -> tuple[FloatArray, FloatArray] | None:
    """Per economy, ``(P(international | 2+ people), share of co-people abroad)``, or None when
    every economy has the default of the team model."""
    own = [e.international(layer) for e in load_calibration().economies]
    if all(x is None for x in own):
        return None
    p_default, _, q_default, _ = COLLABORATION[layer]
    pairs = [x if x is not None else (p_default, q_default) for x in own]
    return np.array([p for p, _ in pairs]), np.array([q for _, q in pairs])


def _plan(settings: WorldSettings) -> _Plan:
    root = np.random.SeedSequence(settings.seed)
    plan_seq, pat_seq, art_seq = root.spawn(3)
    rng = np.random.Generator(np.random.PCG64(plan_seq))
    cfg = settings.config
    geo = plan_geography(
        load_calibration(),
        load_places(),
        scale=settings.scale,
        rng=rng,
        place_exponent=settings.place_exponent,
        place_noise=settings.place_noise,
        abroad_share={layer: _abroad_shares(layer) for layer in LAYERS},
    )
    _apply_hub_factors(geo, hub_factors(settings))
    lex = build_lexicon(geo, rng)
    content = ct.build_content(geo.n_units, rng)
    home: dict[str, NDArray[np.int32]] = {}
    kind: dict[str, NDArray[np.int8]] = {}
    n_kept: dict[str, int] = {}
    seeds: dict[str, list[np.random.SeedSequence]] = {}
    previous_seeds: dict[str, list[np.random.SeedSequence]] = {}
    for layer, seq in (("patent", pat_seq), ("article", art_seq)):
        kept = geo.kept[layer]
        extras = [(ct.KIND_PREVIOUS, ct.previous_year_ratio(layer, cfg.years(layer)))]
        if layer == "article":
            extras += [(ct.KIND_OTHER_TYPE, OTHER_TYPE_SHARE), (ct.KIND_SSH, SSH_SHARE)]
        counts = [kept] + [stochastic_round(kept.astype(np.float64) * r, rng) for _, r in extras]
        kinds = [ct.KIND_KEPT] + [k for k, _ in extras]
        units = np.arange(geo.n_units, dtype=np.int32)
        h = np.concatenate([np.repeat(units, c) for c in counts])
        k = np.concatenate(
            [np.full(int(c.sum()), kd, dtype=np.int8) for c, kd in zip(counts, kinds, strict=True)]
        )
        order = rng.permutation(len(h))
        home[layer] = h[order]
        kind[layer] = k[order]
        n_kept[layer] = int(kept.sum())
        seeds[layer] = seq.spawn(max(1, math.ceil(len(h) / CHUNK_DOCS)))
        previous_seeds[layer] = seq.spawn(len(seeds[layer]))
    plan = _Plan(settings, geo, lex, content, home, kind, n_kept, seeds)
    plan.previous_seeds = previous_seeds
    plan.n_previous = {layer: int((kind[layer] == ct.KIND_PREVIOUS).sum()) for layer in LAYERS}
    for layer in LAYERS:
        kept_w = geo.kept[layer].astype(np.float64)
        n_econ = len(geo.economies)
        plan.econ_sampler[layer] = GroupSampler(geo.unit_econ, kept_w, n_econ)
        plan.abroad_sampler[layer] = GroupSampler(
            np.zeros(n_econ, np.int64), geo.econ_total[layer].astype(np.float64), 1
        )
        plan.group_sampler[layer] = GroupSampler(geo.unit_group, kept_w, geo.n_groups)
        plan.site_sampler[layer] = GroupSampler(geo.site_unit, geo.site_weight[layer], geo.n_units)
        other = np.where(geo.unit_hub < 0, kept_w, 0.0)
        per_econ = np.bincount(geo.unit_econ, weights=other, minlength=n_econ)
        plan.movers[layer] = Movers(
            group_units=plan.group_sampler[layer],
            econ_other_units=GroupSampler(geo.unit_econ, other, n_econ),
            unit_hub=geo.unit_hub,
            unit_econ=geo.unit_econ,
            fallback_econ=int(np.argmax(per_econ)),
        )
    plan.hub_names = pa.array(geo.hub_names, pa.string())
    return plan


def _abroad_units(plan: _Plan, layer: str, econ: IntArray, rng: np.random.Generator) -> IntArray:
    """A unit in another economy than ``econ`` for each entry, by economy size."""
    sampler = plan.abroad_sampler[layer]
    total = plan.geo.econ_total[layer].astype(np.float64)
    world = total.sum()
    cum_before = np.cumsum(total) - total
    r = rng.random(len(econ)) * (world - total[econ])
    r = r + np.where(r >= cum_before[econ], total[econ], 0.0)
    other = np.searchsorted(np.cumsum(total), r, side="right")
    other = np.clip(other, 0, len(total) - 1)
    other = np.where(
        total[other] > 0, other, sampler.draw(np.zeros(len(econ), np.int64), rng.random(len(econ)))
    )
    return plan.econ_sampler[layer].draw(other, rng.random(len(econ)))


def _units(
    plan: _Plan, layer: str, team: Any, home: IntArray, rng: np.random.Generator
) -> IntArray:
    """Unit of every people row from its category (see :mod:`stclusters.synth.teams`)."""
    geo = plan.geo
    n_docs = len(home)
    home_econ = geo.unit_econ[home]
    doc_econ_unit = plan.econ_sampler[layer].draw(home_econ, rng.random(n_docs))
    doc_abroad_unit = _abroad_units(plan, layer, home_econ, rng)
    unit = np.empty(len(team.doc), dtype=np.int64)
    first_aff = team.aff == 0
    d = team.doc
    cat = team.cat
    sel = first_aff & (cat == CAT_HOME)
    unit[sel] = home[d[sel]]
    sel = first_aff & (cat == CAT_SAME)
    unit[sel] = plan.group_sampler[layer].draw(
        geo.unit_group[home[d[sel]]], rng.random(int(sel.sum()))
    )
    sel = first_aff & (cat == CAT_ECON)
    unit[sel] = doc_econ_unit[d[sel]]
    sel = first_aff & (cat == CAT_ABROAD)
    unit[sel] = doc_abroad_unit[d[sel]]
    second = np.flatnonzero(~first_aff)
    if len(second):
        u1 = unit[second - 1]
        c2 = cat[second]
        out = np.empty(len(second), dtype=np.int64)
        s = c2 == CAT_SAME
        out[s] = plan.group_sampler[layer].draw(geo.unit_group[u1[s]], rng.random(int(s.sum())))
        s = c2 == CAT_ECON
        out[s] = plan.econ_sampler[layer].draw(geo.unit_econ[u1[s]], rng.random(int(s.sum())))
        s = c2 == CAT_ABROAD
        out[s] = _abroad_units(plan, layer, geo.unit_econ[u1[s]], rng)
        unit[second] = out
    return unit


def _take(values: pa.Array, idx: IntArray, mask: NDArray[np.bool_] | None = None) -> pa.Array:
    return pc.take(values, pa.array(np.asarray(idx, dtype=np.int64), mask=mask))


def _doc_ids(layer: str, start: int, n: int) -> pa.Array:
    numbers = pa.array(np.arange(start, start + n, dtype=np.int64))
    padded = pc.utf8_lpad(pc.cast(numbers, pa.string()), width=9, padding="0")
    prefix = "SYN-P" if layer == "patent" else "SYN-A"
    return pc.binary_join_element_wise(prefix, padded, "")


def _address_seq(doc: IntArray, address: IntArray) -> IntArray:
    """Rank of each row's address among the distinct addresses of its document (first seen = 0)."""
    key = doc * (int(address.max()) + 1 if len(address) else 1) + address
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # distinct addresses in order of first appearance
    rank_of = np.empty(len(first), dtype=np.int64)
    rank_of[order] = np.arange(len(first))
    udoc = doc[first[order]]
    starts = np.searchsorted(udoc, udoc, side="left")
    seq_sorted = np.arange(len(first)) - starts
    seq = np.empty(len(first), dtype=np.int64)
    seq[order] = seq_sorted
    return np.asarray(seq[inverse])


@dataclass
class _Chunk:
    records: Records
    truth: pa.Table
    realised: FloatArray  # per hub, kept documents only
    realised_previous: FloatArray  # per hub, documents of the year before the window
    n_kept: int = 0  # kept documents of the layer (its world total)
    top_fields: list[str] = field(default_factory=list)  # per hub (:func:`_hub_top_fields`)


def _chunk(
    plan: _Plan,
    layer: str,
    index: int,
    start: int,
    stop: int,
    done_kept: int,
    realised_before: FloatArray,
    done_previous: int = 0,
    previous_before: FloatArray | None = None,
) -> _Chunk:
    geo, lex, content = plan.geo, plan.lex, plan.content
    rng = np.random.Generator(np.random.PCG64(plan.seeds[layer][index]))
    home = plan.home[layer][start:stop].astype(np.int64)
    kind = plan.kind[layer][start:stop]
    n = stop - start
    kept_doc = kind == ct.KIND_KEPT
    own = _international(layer)
    econ = geo.unit_econ[home]
    team = compose(
        layer, n, rng, international=None if own is None else (own[0][econ], own[1][econ])
    )
    unit = _units(plan, layer, team, home, rng)
    weight = team.weight()
    # --- keep each hub on its planted fractional output
    row_kept = kept_doc[team.doc]
    hub_row = geo.unit_hub[unit]
    in_hub = row_kept & (hub_row >= 0)
    n_hubs = len(geo.hub_names)
    current = np.bincount(hub_row[in_hub], weights=weight[in_hub], minlength=n_hubs)
    kept_after = done_kept + int(kept_doc.sum())
    target = geo.hub_target[layer] * (kept_after / max(plan.n_kept[layer], 1))
    need = target - realised_before - current
    movable = row_kept & ~team.first
    unit, moved_in = rebalance(
        need, unit, weight, movable, geo.unit_hub[home][team.doc], plan.movers[layer], rng
    )
    # --- the year before the window: the same hub targets, scaled by that year's documents, so
    # that each hub grows as planted (GROWTH); a generator of its own leaves the draws of the
    # kept documents, hence their records, unchanged
    previous_doc = kind == ct.KIND_PREVIOUS
    row_previous = previous_doc[team.doc]
    in_hub = row_previous & (geo.unit_hub[unit] >= 0)
    current = np.bincount(geo.unit_hub[unit][in_hub], weights=weight[in_hub], minlength=n_hubs)
    previous_after = done_previous + int(previous_doc.sum())
    ratio = ct.previous_year_ratio(layer, plan.settings.config.years(layer))
    target = geo.hub_target[layer] * ratio * (previous_after / max(plan.n_previous[layer], 1))
    before = np.zeros(n_hubs) if previous_before is None else previous_before
    previous_rng = np.random.Generator(np.random.PCG64(plan.previous_seeds[layer][index]))
    unit, moved_previous = rebalance(
        target - before - current,
        unit,
        weight,
        row_previous & ~team.first,
        geo.unit_hub[home][team.doc],
        plan.movers[layer],
        previous_rng,
    )
    moved_in |= moved_previous
    site = plan.site_sampler[layer].draw(unit, rng.random(len(unit)))
    person = team.person.copy()
    keep_rows = np.ones(len(unit), dtype=bool)
    if layer == "article":
        org = lex.orgs.draw(site, rng.random(len(site)))
        slot = rng.integers(0, 3, len(site))
        first_row = np.cumsum(np.bincount(team.doc, minlength=n)) - np.bincount(
            team.doc, minlength=n
        )
        home_org = org[first_row]
        home_slot = slot[first_row]
        same = (
            (team.cat == CAT_SAME)
            & (team.aff == 0)
            & ~moved_in
            & (geo.unit_group[unit] == geo.unit_group[home[team.doc]])
            & (rng.random(len(site)) < SAME_ORG)
        )
        org[same] = home_org[team.doc[same]]
        same_dept = same & (rng.random(len(site)) < SAME_DEPT)
        slot[same_dept] = home_slot[team.doc[same_dept]]
        site[same] = lex.org_site[org[same]]
        unit[same] = geo.site_unit[site[same]]
        second = np.flatnonzero(team.aff == 1)
        clash = (org[second] == org[second - 1]) & (slot[second] == slot[second - 1])
        slot[second[clash]] = (slot[second[clash]] + 1) % 3
        address = org * 3 + slot
        aseq = _address_seq(team.doc, address)
        unlinked = team.unlinked[team.doc]
        # unlinked articles: one row per distinct address
        key = team.doc * (int(address.max()) + 1) + address
        _, first_idx = np.unique(key, return_index=True)
        is_first = np.zeros(len(key), dtype=bool)
        is_first[first_idx] = True
        keep_rows = ~unlinked | is_first
        n_rows_doc = np.bincount(team.doc[keep_rows], minlength=n)
        weight = np.where(unlinked, 1.0 / np.maximum(n_rows_doc[team.doc], 1), weight)
    # --- final rows
    r = np.flatnonzero(keep_rows)
    doc = team.doc[r]
    unit, site, weight = unit[r], site[r], weight[r]
    person = person[r]
    counted = kept_doc[doc] & (geo.unit_hub[unit] >= 0)
    realised = np.asarray(
        np.bincount(geo.unit_hub[unit][counted], weights=weight[counted], minlength=n_hubs),
        dtype=np.float64,
    )
    counted = previous_doc[doc] & (geo.unit_hub[unit] >= 0)
    realised_previous = np.asarray(
        np.bincount(geo.unit_hub[unit][counted], weights=weight[counted], minlength=n_hubs),
        dtype=np.float64,
    )
    doc_ids = _doc_ids(layer, start, n)
    up = lex.site_up[site]
    econ = geo.unit_econ[unit]
    inventor = layer == "patent"
    lang_off = np.array([lex.name_offset[(lx, inventor)] for lx in lex.econ_lang])
    lang_size = np.array([lex.name_size[(lx, inventor)] for lx in lex.econ_lang])
    name_idx = lang_off[econ] + (rng.random(len(r)) * lang_size[econ]).astype(np.int64)
    n_rows = len(r)
    # addresses not linked to authors carry no author name
    unlinked_r = team.unlinked[doc]
    if layer == "article":
        org_r, slot_r = org[r], slot[r]
        variant = rng.choice(3, size=n, p=VARIANT_P)[doc]
        name_idx_org = org_r * 3 + variant
        org_name = _take(lex.org_name, name_idx_org)
        dept = _take(lex.dept, lex.org_dept[org_r, slot_r])
        address_str = pc.binary_join_element_wise(org_name, dept, _take(lex.org_tail, org_r), ", ")
        lat, lon = lex.org_lat[org_r], lex.org_lon[org_r]
        person_seq = pa.array(person.astype(np.int32), mask=unlinked_r)
        address_seq = pa.array(aseq[r].astype(np.int32))
        postcode = _take(lex.org_postcode, org_r)
        organisation = _take(lex.org_main, name_idx_org)
        role = "author"
    else:
        address_str = _take(lex.up_inventor_address, up)
        lat, lon = jitter(geo.site_lat[site], geo.site_lon[site], geo.site_sd[site], rng)
        person_seq = pa.array(person.astype(np.int32))
        address_seq = pa.nulls(n_rows, pa.int32())
        postcode = pa.nulls(n_rows, pa.string())
        organisation = pa.nulls(n_rows, pa.string())
        role = "inventor"
    row_doc_id = pc.take(doc_ids, pa.array(doc))
    people = pa.table(
        {
            "doc_id": row_doc_id,
            "person_seq": person_seq,
            "address_seq": address_seq,
            "role": pa.repeat(pa.scalar(role, pa.string()), n_rows),
            "name": _take(lex.names, name_idx, mask=unlinked_r),
            "organisation": organisation,
            "address": address_str,
            "city": _take(lex.up_city, up),
            "region": _take(lex.up_region, up),
            "postcode": postcode,
            "country": _take(lex.up_country, up),
            "lat": pa.array(np.round(lat, 6)),
            "lon": pa.array(np.round(lon, 6)),
            "precision": pa.repeat(pa.scalar("street", pa.string()), n_rows),
        }
    )
    hub_of = geo.unit_hub[unit]
    truth = pa.table(
        {
            "doc_id": row_doc_id,
            "person_seq": person_seq,
            "address_seq": address_seq,
            "geonameid": pa.array(lex.up_geonameid[up]),
            "hub": _take(plan.hub_names, np.maximum(hub_of, 0), mask=hub_of < 0),
        },
        schema=TRUTH_SCHEMA,
    )
    # --- documents, classes, applicants
    cfg = plan.settings.config
    year = ct.years(layer, kind, cfg.years(layer), rng, home=home)
    if layer == "patent":
        cdoc, code, first_class = ct.patent_classes(content, home, rng)
        classes = pa.table(
            {
                "doc_id": pc.take(doc_ids, pa.array(cdoc)),
                "scheme": pa.repeat(pa.scalar("ipc", pa.string()), len(cdoc)),
                "code": _take(content.ipc_codes, code),
            }
        )
        applicants = _applicants(plan, team, unit, r, home, doc_ids, rng)
    else:
        cdoc, cat, first_class = ct.article_classes(content, home, kind, rng)
        classes = pa.table(
            {
                "doc_id": pc.take(doc_ids, pa.array(cdoc)),
                "scheme": pa.repeat(pa.scalar("wos", pa.string()), len(cdoc)),
                "code": _take(content.wos_names, cat),
            }
        )
        applicants = None
    documents = pa.table(
        {
            "doc_id": doc_ids,
            "layer": pa.repeat(pa.scalar(layer, pa.string()), n),
            "year": pa.array(year),
            "doc_type": ct.doc_types(content, layer, kind, rng),
            "title": ct.titles(content, layer, first_class, rng),
            "source": pa.repeat(pa.scalar("synth", pa.string()), n),
        }
    )
    tables: dict[str, pa.Table] = {"documents": documents, "people": people, "classes": classes}
    if applicants is not None:
        tables["applicants"] = applicants
    return _Chunk(Records.from_tables(**tables), truth, realised, realised_previous)


def _applicants(
    plan: _Plan,
    team: Any,
    unit: IntArray,
    rows: IntArray,
    home: IntArray,
    doc_ids: pa.Array,
    rng: np.random.Generator,
) -> pa.Table:
    """One or two applicants per application: a firm or university of the home city, and one of
    the last inventor's city."""
    geo, lex = plan.geo, plan.lex
    n = len(home)
    first = lex.applicants.draw(geo.unit_group[home], rng.random(n))
    last_row = np.cumsum(team.size) - 1
    last_group = geo.unit_group[unit[np.searchsorted(rows, last_row)]]
    other = lex.applicants.draw(last_group, rng.random(n))
    two = (rng.random(n) < SECOND_APPLICANT) & (other != first)
    doc = np.concatenate([np.arange(n), np.flatnonzero(two)])
    app = np.concatenate([first, other[two]])
    order = np.argsort(doc, kind="stable")
    doc, app = doc[order], app[order]
    return pa.table(
        {
            "doc_id": pc.take(doc_ids, pa.array(doc)),
            "name": _take(lex.app_name, app),
            "country": _take(lex.app_country, app),
        }
    )


def _generate(settings: WorldSettings, progress: Progress | None) -> Iterator[tuple[str, _Chunk]]:
    """Plan a world, then yield its chunks; the last item per layer carries the hub totals."""
    t0 = time.perf_counter()
    plan = _plan(settings)
    log.info("planned the synthetic world in %.1f s", time.perf_counter() - t0)
    for layer in LAYERS:
        total = len(plan.home[layer])
        realised = np.zeros(len(plan.geo.hub_names))
        previous = np.zeros(len(plan.geo.hub_names))
        done_kept = done_previous = 0
        for index in range(len(plan.seeds[layer])):
            start = index * CHUNK_DOCS
            stop = min(total, start + CHUNK_DOCS)
            if stop <= start:
                break
            chunk = _chunk(
                plan, layer, index, start, stop, done_kept, realised, done_previous, previous
            )
            done_kept += int((plan.kind[layer][start:stop] == ct.KIND_KEPT).sum())
            done_previous += int((plan.kind[layer][start:stop] == ct.KIND_PREVIOUS).sum())
            realised = realised + chunk.realised
            previous = previous + chunk.realised_previous
            chunk.realised = realised.copy()
            chunk.n_kept = plan.n_kept[layer]
            chunk.top_fields = _hub_top_fields(plan)
            if progress is not None:
                progress(layer, stop, total)
            yield layer, chunk


def _hub_top_fields(plan: _Plan) -> list[str]:
    """Per hub, the WIPO technology fields its units specialise in (``content.unit_top``),
    ``;``-joined, the most planted first (each unit's three fields weighted 0.5, 0.3, 0.2
    times its kept patents)."""
    geo, top = plan.geo, plan.content.unit_top["patent"]
    out = []
    for h in range(len(geo.hub_names)):
        weight: dict[int, float] = {}
        for u in np.flatnonzero(geo.unit_hub == h):
            for j, f in enumerate(top[u]):
                w = float(ct.TOP_WEIGHTS[j]) * float(geo.kept["patent"][u])
                weight[int(f)] = weight.get(int(f), 0.0) + w
        order = sorted(weight, key=lambda f: (-weight[f], f))
        out.append(";".join(IPC_FIELDS[f][0] for f in order))
    return out


def _hub_rows(
    plan_geo_names: list[str],
    targets: dict[str, FloatArray],
    realised: dict[str, FloatArray],
    world: dict[str, int],
    top_fields: list[str] | None = None,
) -> list[dict[str, Any]]:
    """One truth row per hub: planted and realised output per layer, the planted growth of
    its size score (:func:`planted_growth`, with the world totals ``world``) and the
    technology fields it specialises in (``top_fields``, :func:`_hub_top_fields`)."""
    out = []
    for h, name in enumerate(plan_geo_names):
        growth = planted_growth(
            float(targets["patent"][h]) / max(world["patent"], 1),
            float(targets["article"][h]) / max(world["article"], 1),
        )
        out.append(
            {
                "hub": name,
                "planted_patents": round(float(targets["patent"][h]), 3),
                "planted_articles": round(float(targets["article"][h]), 3),
                "realised_patents": round(float(realised["patent"][h]), 3),
                "realised_articles": round(float(realised["article"][h]), 3),
                "planted_growth": round(growth, 6),
                "top_fields": top_fields[h] if top_fields else "",
            }
        )
    return out


def planted_growth(patent_share: float, article_share: float) -> float:
    """The growth the world plants in an area holding ``patent_share`` of the world's patents
    and ``article_share`` of its articles (fractions of the current window's world totals).

    Every place's output grows by :data:`~stclusters.synth.content.GROWTH` a year in each layer,
    so the previous window (one year earlier) holds 1 / GROWTH of each layer's output, and the
    change of the size score (both windows over the current world totals, as the ranking
    computes growth, method.md section 5) is
    ``(p + a) / (p / g_patent + a / g_article) - 1``: 2% for patents alone, 4% for articles
    alone. 0 for an empty area.
    """
    before = patent_share / ct.GROWTH["patent"] + article_share / ct.GROWTH["article"]
    if before <= 0:
        return 0.0
    return (patent_share + article_share) / before - 1.0


def _targets(settings: WorldSettings) -> dict[str, FloatArray]:
    hubs = load_calibration().hubs
    factor = hub_factors(settings)
    return {
        layer: np.array([h.output(layer) * settings.scale for h in hubs]) * factor
        for layer in LAYERS
    }


def build_world(
    *,
    scale: float = 0.05,
    seed: int = 0,
    edition: int = 2024,
    place_exponent: float = 1.5,
    place_noise: float = 0.4,
    progress: Progress | None = None,
    **changes: Any,
) -> World:
    """Build a synthetic world in memory, with the truth planted in it.

    Use small scales (0.002 .. 0.05): the whole world is held in memory.
    See :func:`write_world` for the parameters.
    """
    settings = WorldSettings(scale, seed, edition, place_exponent, place_noise, **changes)
    parts: list[Records] = []
    truth: list[pa.Table] = []
    realised = {layer: np.zeros(0) for layer in LAYERS}
    kept = dict.fromkeys(LAYERS, 0)
    top_fields: list[str] = []
    for layer, chunk in _generate(settings, progress):
        parts.append(chunk.records)
        truth.append(chunk.truth)
        realised[layer] = chunk.realised
        kept[layer] = chunk.n_kept
        top_fields = chunk.top_fields
    names = [h.name for h in load_calibration().hubs]
    return World(
        records=concat_records(parts),
        truth_people=pa.concat_tables(truth).combine_chunks(),
        truth_hubs=_hub_rows(names, _targets(settings), realised, kept, top_fields),
        settings=settings,
    )


def make_world(
    *,
    scale: float = 0.05,
    seed: int = 0,
    edition: int = 2024,
    place_exponent: float = 1.5,
    place_noise: float = 0.4,
    **changes: Any,
) -> Records:
    """Build a synthetic world in memory and return its records (see :func:`write_world`).

    Examples
    --------
    >>> records = make_world(scale=0.002, seed=1)  # doctest: +SKIP
    """
    return build_world(
        scale=scale,
        seed=seed,
        edition=edition,
        place_exponent=place_exponent,
        place_noise=place_noise,
        **changes,
    ).records


def write_world(
    folder: str | Path,
    *,
    scale: float = 0.05,
    seed: int = 0,
    edition: int = 2024,
    place_exponent: float = 1.5,
    place_noise: float = 0.4,
    progress: Progress | None = None,
    force: bool = False,
    **changes: Any,
) -> Path:
    """Generate a synthetic world chunk by chunk and write it as a records folder.

    Parameters
    ----------
    folder
        The records folder to write (created, or replaced when stclusters wrote it).
    scale
        Share of the real world's output: 1 gives about 1.37 million kept PCT applications and
        13 million kept articles (the calibration's totals), 0.05 a twentieth of that.
    seed
        Seed of every random choice: the same seed gives identical files.
    edition
        Edition year E: kept patents are published in E-5..E-1, articles in E-6..E-2.
    place_exponent
        Output of a place outside the hubs grows as its population to this power.
    place_noise
        Standard deviation of the lognormal noise on each place's weight.
    progress
        Called as ``progress(layer, documents_done, documents_total)`` after each chunk.
    force
        Replace ``folder`` even when stclusters did not write it (see :mod:`stclusters._outdir`).
    **changes
        Planted changes between editions, off by default (see :func:`hub_factors`):
        ``grown_hub`` (a calibration hub's name) with ``growth_percent``, ``new_hub``, and
        ``change_edition`` (the first edition holding them); they go into the manifest only
        when set.

    Returns
    -------
    Path
        The folder.
    """
    settings = WorldSettings(scale, seed, edition, place_exponent, place_noise, **changes)
    folder = Path(folder)
    prepare_folder(folder, kind="world", force=force)
    base = {k: v for k, v in asdict(settings).items() if k not in _CHANGE_FIELDS}
    meta = {
        "generator": "stclusters.synth",
        "synth_version": SYNTH_VERSION,
        **base,
        **settings.changes,
    }
    realised = {layer: np.zeros(0) for layer in LAYERS}
    kept = dict.fromkeys(LAYERS, 0)
    top_fields: list[str] = []
    truth_writer = pq.ParquetWriter(folder / TRUTH_PEOPLE, TRUTH_SCHEMA, compression="zstd")
    try:
        with RecordsWriter(folder, meta=meta, kind="world") as writer:
            for layer, chunk in _generate(settings, progress):
                writer.write(chunk.records)
                truth_writer.write_table(chunk.truth, row_group_size=1 << 20)
                realised[layer] = chunk.realised
                kept[layer] = chunk.n_kept
                top_fields = chunk.top_fields
    finally:
        truth_writer.close()
    names = [h.name for h in load_calibration().hubs]
    rows = _hub_rows(names, _targets(settings), realised, kept, top_fields)
    write_csv_rows(rows, folder / TRUTH_HUBS, columns=list(rows[0]))
    return folder
