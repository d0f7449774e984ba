"""Address parsing: split an address of any source style into parts, read country and region.

Every source writes the same few elements, most specific first, separated by commas:

- Web of Science C1: ``Zhengzhou Univ, Sch Chem Engn, Zhengzhou 450001, Henan, Peoples R China``,
  ``Harvard Univ, Dept Phys, Cambridge, MA 02138 USA``, old ``UNIV CALIF BERKELEY,BERKELEY,CA
  94720`` (no country: a US state and ZIP code);
- Scopus and OpenAlex affiliations: ``Department of Statistics, University of California at
  Berkeley, Berkeley, CA 94720, United States``;
- USPTO and EPO inventors: separate city, state, postcode and country fields (an ISO code), the
  EPO city field often with its postcode (``80333 München``, ``D-5000 Köln 80``), joined here as
  ``city, state, postcode, country``.

:func:`parse_address` reads the country from the right (names, WoS spellings, ISO codes for
inventor styles, US state plus ZIP), then a first-level region, and hands the remaining parts to
the place lookup, the rightmost first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from stclusters.geocode._text import fold, key, strip_postcodes
from stclusters.geocode.countries import (
    COUNTRY_REGION,
    SUB_ECONOMIES,
    country_aliases,
    inverted_tails,
)
from stclusters.geocode.gazetteer import Gazetteer, Region

__all__ = [
    "INVENTOR_STYLES",
    "STOPWORDS",
    "STYLES",
    "Parsed",
    "Part",
    "parse_address",
    "town_like",
]


#: Source styles the parser knows; None guesses.
STYLES = ("wos", "scopus", "openalex", "uspto", "epo", "inventor")
#: Styles whose last element is an ISO country code.
INVENTOR_STYLES = frozenset({"uspto", "epo", "inventor", "patent"})

_SPLIT = re.compile(r"[,;\n]")
#: E-mail and web addresses that some affiliation strings end with, with a label and brackets
#: around them ("(e-mail: a@b.org)", as Scopus writes them after an affiliation), which would
#: otherwise stick to the country part
_NOISE = re.compile(
    r"\(?\be-?mail\b(?:\s+address(?:es)?)?\s*:?\s*\S+@[^\s),;]+\)?"
    r"|\S+@\S+|https?://\S+|www\.\S+",
    re.IGNORECASE,
)
_US_ZIP = re.compile(r"\b\d{5}(?:-\d{4})?\b")
#: US territories that GeoNames files as countries of their own
US_TERRITORIES = {"PR": "PR", "GU": "GU", "VI": "VI", "AS": "AS", "MP": "MP"}
#: Words after a region name ("Henan Province", "Gyeonggi-do")
_REGION_SUFFIXES = (
    "province",
    "prov",
    "provincia",
    "do",
    "sheng",
    "state",
    "pref",
    "prefecture",
    "ken",
    "fu",
)
_COUNTRY_REGION_KEYS = {key(k): v for k, v in COUNTRY_REGION.items()}
#: Words of postal addresses that are not place names ("75005 Paris Cedex 05")
POSTAL_WORDS = frozenset({"cedex", "bp", "pob", "postfach", "apartado"})


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words of organisation names: never a place name on their own.
STOPWORDS = _wordset(
    """
    univ university universite universitat universita universidad universidade uniwersytet
    dept department departement departamento dipartimento inst institute institut instituto
    istituto sch school coll college hosp hospital hospitals lab labs laboratory laboratories
    ctr center centre res research natl national engn engineering med medical medicine sci
    science sciences technol technology tech fac faculty div division grp group program key
    state acad academy minist ministry educ education co ltd inc corp gmbh ag sa srl llc plc
    company of the and for de di da del des du la le el e y und et fur zu von der den
    street st rd road ave avenue blvd str strasse via rue floor bldg building room campus
    unit office clin clinic fdn foundation assoc association soc society int international
    polytech polytechnic politecn hlth health syst system systems informat information comp
    computer elect electrical electronic electronics dev development mol biol chem phys math
    cent central gen general mem memorial serv service services branch lab campus north south
    east west new city china district county province region zone area park
    """
)


def town_like(words: list[str]) -> bool:
    """True when ``words`` look like a town's name (1-3 words, none an organisation word)."""
    return 0 < len(words) <= 3 and not any(w in STOPWORDS for w in words)


#: Parts read before (the same city and country parts recur in millions of addresses).
_PART_MEMO: dict[tuple[str, bool], tuple[list[str], str | None]] = {}
_MEMO_SIZE = 200_000


class Part:
    """One comma-separated element of an address; postcodes stripped and folded on first use."""

    __slots__ = ("_key", "_postal", "_words", "netherlands", "raw")

    def __init__(
        self,
        raw: str,
        words: list[str] | None = None,
        postal_country: str | None = None,
        *,
        netherlands: bool = False,
    ) -> None:
        self.raw = raw
        self.netherlands = netherlands
        self._words = words
        self._postal = postal_country
        self._key: str | None = None

    def _read(self) -> list[str]:
        memo = _PART_MEMO.get((self.raw, self.netherlands))
        if memo is None:
            text, hint = strip_postcodes(self.raw, netherlands=self.netherlands)
            words = fold(text).split()
            if hint == "NL" and words and len(words[0]) == 2:
                words = words[1:]  # "NL-7553 AE Hengelo"
            words = [w for w in words if w not in POSTAL_WORDS]
            if len(_PART_MEMO) >= _MEMO_SIZE:
                _PART_MEMO.clear()
            memo = _PART_MEMO[(self.raw, self.netherlands)] = (words, hint)
        # the memo's lists are shared: parts are never changed in place, only replaced
        self._words, self._postal = memo
        return memo[0]

    @property
    def words(self) -> list[str]:
        """Folded words without postcodes."""
        return self._words if self._words is not None else self._read()

    @property
    def postal_country(self) -> str | None:
        """Country named by a postcode prefix ("D-80333")."""
        if self._words is None:
            self._read()
        return self._postal

    @property
    def key(self) -> str:
        """Lookup key of the whole part."""
        if self._key is None:
            self._key = "".join(self.words)
        return self._key

    def __repr__(self) -> str:
        return f"Part({self.raw!r}, {self.words!r})"


@dataclass
class Parsed:
    """What the parser read: country, region, and the remaining parts (rightmost first)."""

    country: str | None = None
    country_rule: str = ""
    region: Region | None = None
    region_part: Part | None = None
    #: lookup key of the words that named the region ("Freie Universitat Berlin" -> "berlin")
    region_key: str = ""
    parts: list[Part] = field(default_factory=list)
    all_parts: list[Part] = field(default_factory=list)

    @cached_property
    def postal_country(self) -> str | None:
        """The country a postcode prefix names, if any part has one."""
        return next((p.postal_country for p in self.all_parts if p.postal_country), None)


def _country_of_words(words: list[str]) -> tuple[str | None, int]:
    """Country named by the last 1-4 words, and how many words it took."""
    aliases = country_aliases()
    code = aliases.get("".join(words))
    if code is not None:
        return code, len(words)
    for n in range(min(4, len(words) - 1), 0, -1):
        k = "".join(words[-n:])
        code = aliases.get(k)
        if code is not None and (n > 1 or len(k) > 2):
            return code, n
    return None, 0


def _region_of_words(
    gaz: Gazetteer, country: str, words: list[str], *, whole_only: bool = False
) -> tuple[Region | None, int]:
    """Region named by the whole of ``words`` or by its last words; words it took."""
    if not words:
        return None, 0
    spans = [len(words)] if whole_only else list(range(min(4, len(words)), 0, -1))
    for n in spans:
        tail = words[-n:]
        r = gaz.region(country, "".join(tail))
        if r is None and len(tail) > 1 and tail[-1] in _REGION_SUFFIXES:
            r = gaz.region(country, "".join(tail[:-1]))
        if r is None and len(tail) > 1 and tail[0] in ("co", "county"):
            r = gaz.region(country, "".join(tail[1:]))
        if r is not None:
            return r, n
    return None, 0


def parse_address(
    gaz: Gazetteer,
    text: str,
    *,
    style: str | None = None,
    country: str | None = None,
    region: str | None = None,
) -> Parsed:
    """Read country, region and place parts from a normalised address (see the module doc)."""
    parts = _split_parts(text, country=country)
    out = Parsed(all_parts=list(parts))
    if country:
        out.country, out.country_rule = country, "given-country"
        _drop_given_country(parts, country)
    else:
        _read_country(gaz, out, parts, inventor=style in INVENTOR_STYLES)
    if out.country in SUB_ECONOMIES:
        _read_sub_economy(out, parts)
    if out.country == "US":
        _us_territory(gaz, out, parts, region)
    if out.country is not None:
        if region:
            _read_given_region(gaz, out, region)
        _read_region(gaz, out, parts)
    out.parts = parts[::-1]  # rightmost first; read lazily, some may turn out empty
    return out


def _split_parts(text: str, *, country: str | None) -> list[Part]:
    """The non-empty comma-separated parts of ``text``, e-mail and web addresses removed."""
    if "@" in text or "http" in text or "www." in text:
        text = _NOISE.sub(" ", text)
    raws = [p.strip().strip(".").strip() for p in _SPLIT.split(text)]
    netherlands = "netherlands" in text or "nl-" in text or country == "NL"
    return [Part(p, netherlands=netherlands) for p in raws if p]


def _drop_given_country(parts: list[Part], country: str) -> None:
    """Drop final parts that repeat the given country ("Street, City, DE" with the field "DE")."""
    while parts and (
        country_aliases().get(parts[-1].key) == country
        or (len(parts[-1].key) == 2 and parts[-1].key.upper() == country)
    ):
        parts.pop()


def _read_country(gaz: Gazetteer, out: Parsed, parts: list[Part], *, inventor: bool) -> None:
    """Take the country from the last non-empty part (its words naming it are removed)."""
    words: list[str] = []
    while parts and not (words := parts[-1].words):
        parts.pop()
    if not parts:
        return
    joined = _inverted_country(parts)
    if joined is not None:
        out.country, out.country_rule = joined, "country-name"
        del parts[-2:]
        return
    code, n, rule = _country_of_last(gaz, parts, words, inventor=inventor)
    if code is None:
        return
    out.country, out.country_rule = code, rule
    last = parts.pop()
    cr = _COUNTRY_REGION_KEYS.get("".join(words[-n:])) if n else None
    if cr is not None:
        out.region = gaz.region(cr[0], key(cr[1]))
    if n < len(words):
        parts.append(Part(last.raw, words[: len(words) - n], last.postal_country))


def _country_of_last(
    gaz: Gazetteer, parts: list[Part], words: list[str], *, inventor: bool
) -> tuple[str | None, int, str]:
    """Country named by the last part (its ``words``), how many words named it, and the rule."""
    code, n = _country_of_words(words)
    if code is not None:
        return code, n, "country-name"
    if len(words) == 1 and len(words[0]) == 2:
        return _two_letters(gaz, words[0], parts[-1], parts, inventor)
    return None, 0, ""


def _inverted_country(parts: list[Part]) -> str | None:
    """An ISO name split by its own comma: "Korea, Republic of", "Palestine, State of"."""
    if len(parts) < 2 or parts[-1].key not in inverted_tails() or not parts[-2].words:
        return None
    return country_aliases().get(parts[-2].key + parts[-1].key)


def _read_sub_economy(out: Parsed, parts: list[Part]) -> None:
    """Hong Kong, Macau and Taiwan filed under China: the one named in the last two parts."""
    subs = SUB_ECONOMIES[out.country or ""]
    aliases = country_aliases()
    for p in parts[-2:]:
        sub = aliases.get(p.key)
        if sub in subs:
            out.country, out.country_rule = sub, "sub-economy"
            return


def _read_given_region(gaz: Gazetteer, out: Parsed, region: str) -> None:
    """The region of a separate region field, when the whole field names one."""
    assert out.country is not None
    words = fold(strip_postcodes(region)[0]).split()
    r, _ = _region_of_words(gaz, out.country, words, whole_only=True)
    if r is not None:
        out.region = r


def _two_letters(
    gaz: Gazetteer, word: str, last: Part, parts: list[Part], inventor: bool
) -> tuple[str | None, int, str]:
    """A final two-letter element: an ISO code or a US state.

    When it can be both ("DE", "CA", "PA", "IN"), a US ZIP code means a state (old WoS addresses
    without a country: "CA 94720"); otherwise the place before it decides ("Munich, DE" is in
    Germany, "Berkeley, CA" in California, "Bath, PA" in Pennsylvania); when the place fits
    both, the style decides (inventor addresses end with ISO codes, WoS and Scopus addresses
    with states).
    """
    iso = "GB" if word == "uk" else word.upper()
    is_iso = iso in country_aliases().values()
    state = gaz.region("US", word)
    if state is None:
        return (iso, 1, "country-code") if is_iso else (None, 0, "")
    if not is_iso or _US_ZIP.search(last.raw):
        return "US", 0, "us-state"
    if len(parts) < 2:
        return (iso, 1, "country-code") if inventor else ("US", 0, "us-state")
    prev = parts[-2].key
    in_state = gaz.find(prev, country="US", admin1=state.admin1) >= 0
    in_country = gaz.find(prev, country=iso) >= 0 or gaz.region(iso, prev) is not None
    if in_state and not in_country:
        return "US", 0, "us-state"
    if in_country and not in_state:
        return iso, 1, "country-code"
    return (iso, 1, "country-code") if inventor else ("US", 0, "us-state")


def _us_territory(gaz: Gazetteer, out: Parsed, parts: list[Part], region: str | None) -> None:
    """A US territory (a country of its own in GeoNames) named by the region field or last part."""
    if not parts and not region:
        return
    words = fold(region).split() if region else parts[-1].words
    if words and words[-1].upper() in US_TERRITORIES and len(words[-1]) == 2:
        out.country, out.country_rule = US_TERRITORIES[words[-1].upper()], "us-territory"
        if not region:
            parts[-1] = Part(parts[-1].raw, words[:-1], None)
    elif "".join(words[-2:]) == "puertorico":
        out.country, out.country_rule = "PR", "us-territory"
        if not region:
            parts[-1] = Part(parts[-1].raw, words[:-2], None)


def _read_region(gaz: Gazetteer, out: Parsed, parts: list[Part]) -> None:
    """Take a region from the rightmost parts (a WoS county may refine 'England')."""
    assert out.country is not None
    refinable = out.region is not None and out.country_rule != "given-country"
    if out.region is not None and not refinable:
        return
    i = len(parts) - 1
    while i >= 0 and not parts[i].words:
        i -= 1
    if i < 0:
        return
    part = parts[i]
    words = part.words
    r, n = _region_of_words(gaz, out.country, words)
    if r is None:
        return
    if n < len(words) and gaz.find(part.key, country=out.country) >= 0:
        return  # a place whose name ends like a region: "Valparaiso de Goias"
    if refinable and out.region is not None and r.admin1 != out.region.admin1:
        return
    out.region_key = "".join(words[len(words) - n :])
    if n == len(words) and r.seat >= 0 and gaz.own_keys[r.seat] == part.key:
        # a region named after its seat ("Cork", "Auckland", "Como"): the city itself after an
        # organisation ("Massey Univ, Auckland"), the region after a town ("Fermoy, Cork")
        left = next((p for p in parts[i - 1 :: -1] if p.words), None) if i > 0 else None
        if left is None or not town_like(left.words):
            out.region = r
            return
    if n == len(words):
        out.region, out.region_part = r, part
        parts[i] = Part(part.raw, [], part.postal_country)
        # a region may itself stand before a county or state part ("Fukuoka, Fukuoka")
    else:
        out.region = r
        parts[i] = Part(part.raw, words[: len(words) - n], part.postal_country)
