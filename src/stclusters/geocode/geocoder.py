"""The geocoder: one address in, one point with a precision level (or a reason) out.

After :func:`~stclusters.geocode.address.parse_address` has read the country and region, the
place is looked up in the remaining parts, rightmost first:

1. the rightmost part (the *slot*, where every source style writes the city): its whole name,
   then its word spans ("Univ Calif San Diego" holds "San Diego"), with abbreviations expanded
   ("St Louis", "Mt Claremont"), suffixes dropped ("Chungju-si", "Ji'an City", "Taoyuan
   County"), older romanisations matched ("Ichon-shi": Icheon) and a town named before the
   larger place that locates it taken first ("Garching b. München");
2. the words that named the region read as a city ("Beijing", "Tokyo", "Freie Universität
   Berlin"), except after an unknown town in a US state or an inventor's city field ("Malta,
   New York" is not New York City);
3. a tolerant match of the slot (rapidfuzz, only when every exact match failed, against the
   names of the places of the country);
4. the other parts (organisation names such as "Cracow Inst Oncol"), for places of at least
   :data:`ORG_MIN_POPULATION` inhabitants.

When a region is stated, a place must lie in it (its own name beating larger places that only
list it as an alternate name: "Franklin, Ohio" is not Columbus), or, where GeoNames files it
under a neighbouring region, within :data:`REGION_SLACK_KM` of the region's seat (Troitsk,
"Moscow Region"); otherwise the most populous place of the name wins. Without a city the address
is located to its region (the region's seat) or its country (the capital); a city-state
(Singapore, Hong Kong, Macau) is its city. Without any country, a bare name is located only when
one place clearly owns it ("Springfield" is not).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from stclusters._sphere import haversine_km
from stclusters.geocode._text import MAX_LENGTH, ROMANISATIONS, fold, key, normalise
from stclusters.geocode.address import (
    INVENTOR_STYLES,
    STOPWORDS,
    Parsed,
    Part,
    _wordset,
    parse_address,
    town_like,
)
from stclusters.geocode.countries import (
    CITY_STATES,
    CN_POSTCODE_PROVINCES,
    SUB_ECONOMIES,
    country_aliases,
    country_code,
)
from stclusters.geocode.gazetteer import Gazetteer

__all__ = ["DEFAULT_FUZZY_THRESHOLD", "GeocodeResult", "Geocoder"]

#: Smallest rapidfuzz ratio (0-100) of a tolerant match.
DEFAULT_FUZZY_THRESHOLD = 88.0
#: Shortest name (in letters) matched tolerantly.
FUZZY_MIN_LENGTH = 6
#: Smallest population of a place found inside an organisation name.
ORG_MIN_POPULATION = 20_000
#: Smallest population of a place found by a word span of the city part.
SPAN_MIN_POPULATION = 1_000
#: Smallest population of a place found by a word span that also names a region.
REGION_NAME_MIN_POPULATION = 100_000
#: Without a country, a place known by an alternate name ("München") needs this population.
WORLD_ALTERNATE_MIN_POPULATION = 100_000
#: At most this many parts are searched (an address with 40 commas is not an address).
MAX_PARTS = 12
#: A place named in a stated region but filed by GeoNames under a neighbouring one (Troitsk,
#: "Moscow Region", is in the city of Moscow) is taken when it lies this close to the seat of
#: the stated region; farther places of the name are not the one meant ("St. Louis, Michigan").
REGION_SLACK_KM = 100.0
#: A place outside the stated region is taken, when none of its name lies in or near it, from
#: this population on (a region that changed: "Dhanbad, Bihar").
WELL_KNOWN_POPULATION = 100_000
#: ... and when it lies this close to the seat of the stated region ("Xi'an, Shanxi" for
#: Shaanxi: 510 km; "St. Louis, Michigan" is 730 km from Detroit).
WELL_KNOWN_SLACK_KM = 600.0
#: Without a country, a name is ambiguous (not located at city precision) when another place of
#: that own name holds at least this share of the population of the most populous one
#: ("Springfield": Missouri 170,000, Massachusetts 154,000).
AMBIGUOUS_SHARE = 0.25
#: Words between a town and the larger place named to locate it ("Garching b. München",
#: "Kirchheim bei München", "Ashton near Manchester").
NEAR_WORDS = frozenset({"b", "bei", "nahe", "near", "nr", "pres", "bij", "by"})
#: Countries whose addresses write administrative suffixes after the name (Korea "-si", "-gun",
#: "-gu"; Japan "-shi", "-ku", "-gun"; China "Shi", "Xian", "Qu"; Taiwan "County", "Hsien").
EAST_ASIA = frozenset({"CN", "TW", "KR", "JP", "HK", "MO", "KP"})
#: Last words of East Asian place names that name the kind of unit, not the place.
EAST_ASIAN_SUFFIXES = frozenset(
    {"si", "shi", "gun", "gu", "ku", "qu", "xian", "hsien", "county", "city", "cheng", "zhen"}
)


#: Last words of the name of an area, not of a city ("Chiayi County"): no word spans there.
AREA_WORDS = _wordset("county province prefecture oblast region state district")
#: Abbreviations in place names and what they stand for.
ABBREVIATIONS = {
    "st": ("saint", "sankt", "santa"),
    "ste": ("sainte",),
    "sta": ("santa",),
    "sto": ("santo",),
    "mt": ("mount", "monte"),
    "ft": ("fort",),
    "pt": ("point", "port"),
    "pk": ("park",),
    "hts": ("heights",),
    "spgs": ("springs",),
    "spg": ("spring",),
    "bch": ("beach",),
    "ctr": ("center", "centre"),
    "vly": ("valley",),
    "lk": ("lake",),
    "jct": ("junction",),
    "n": ("north",),
    "s": ("south",),
    "e": ("east",),
    "w": ("west",),
    "gen": ("general",),
    "stn": ("station",),
    "coll": ("college",),
    "pto": ("puerto",),
    "cd": ("ciudad",),
    "is": ("island",),
}
#: Last words that are not part of a place's name ("Chungju-si", "Ichihara-shi", "Ji'an City").
SUFFIXES = _wordset("city shi si ku gu gun qu xian shiqu district town village municipality cheng")


@dataclass(frozen=True)
class GeocodeResult:
    """A geocoded address: the point, its precision, the place found and the rule that matched.

    ``precision`` is ``'city'``, ``'region'`` or ``'country'``; None means not located, and then
    ``reason`` says why.
    """

    lat: float | None = None
    lon: float | None = None
    precision: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    rule: str | None = None
    reason: str | None = None

    @property
    def located(self) -> bool:
        """True when the address has a point."""
        return self.precision is not None


def not_located(reason: str, *, country: str | None = None) -> GeocodeResult:
    """A result without a point."""
    return GeocodeResult(reason=reason, country=country)


class Geocoder:
    """Geocode addresses against a :class:`Gazetteer` (offline).

    Examples
    --------
    >>> geo = Geocoder.load()  # doctest: +SKIP
    >>> geo.geocode("Harvard Univ, Dept Phys, Cambridge, MA 02138 USA").city  # doctest: +SKIP
    'Cambridge'
    """

    def __init__(
        self, gazetteer: Gazetteer, *, fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD
    ) -> None:
        if not 0 < fuzzy_threshold <= 100:
            raise ValueError(f"fuzzy_threshold must be in (0, 100]; got {fuzzy_threshold!r}")
        self.gazetteer = gazetteer
        self.fuzzy_threshold = float(fuzzy_threshold)
        self._choices: dict[
            tuple[str, str | None], dict[tuple[str, int], tuple[list[str], list[int]]]
        ] = {}
        self._fuzzy_memo: dict[tuple[str, str, str | None], int] = {}
        self._part_memo: dict[tuple[str, str, str | None, int, bool, bool], tuple[int, str]] = {}
        self._skeletons: dict[str, dict[str, list[int]]] = {}

    @classmethod
    def load(
        cls, cache_dir: Path | None = None, *, fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD
    ) -> Geocoder:
        """A geocoder on the gazetteer cached in ``cache_dir`` (built on first use)."""
        return cls(Gazetteer.load(cache_dir), fuzzy_threshold=fuzzy_threshold)

    @property
    def version(self) -> str:
        """Version of the results: gazetteer version and the geocoder's rules."""
        return f"{self.gazetteer.version}-r{RULES_VERSION}"

    # ---------------------------------------------------------------------------------------

    def geocode(
        self,
        text: str | None,
        *,
        style: str | None = None,
        country: str | None = None,
        region: str | None = None,
        city: str | None = None,
    ) -> GeocodeResult:
        """Geocode one address.

        Parameters
        ----------
        text
            The address as one string (WoS C1, Scopus or OpenAlex affiliation, inventor address).
        style
            Source style ('wos', 'scopus', 'openalex', 'uspto', 'epo'), or None to guess.
        country, region, city
            Separate address elements when the source has them (patent inventors); the country
            as an ISO code or a name. They beat what the text says.
        """
        text = normalise(text) if text else ""
        city_n = normalise(city) if city else ""
        region_n = normalise(region) if region else ""
        country_n = normalise(country) if country else ""
        total = len(text) + len(city_n) + len(region_n) + len(country_n)
        if total == 0:
            return not_located("empty address")
        if total > MAX_LENGTH:
            return not_located(f"address too long ({total:,} characters)")
        if not any(ch.isalpha() for ch in text + city_n + region_n + country_n):
            return not_located("no letters in the address")
        code = country_code(country_n) if country_n else None
        # separate fields go to the right of the text, where the parser looks first
        text = ", ".join(p for p in (text, city_n, country_n if code is None else "") if p)
        if style in INVENTOR_STYLES and code is None and region_n and not country_n:
            us = self.gazetteer.region("US", key(region_n))
            if us is not None and len(key(region_n)) == 2:
                code = "US"  # old USPTO records leave out the country of US inventors
        parsed = parse_address(self.gazetteer, text, style=style, country=code, region=region_n)
        return self._resolve(parsed, style)

    # ---------------------------------------------------------------------------------------

    def _resolve(self, parsed: Parsed, style: str | None = None) -> GeocodeResult:
        """The result of a parsed address: its city, else its region's seat or its country."""
        country = parsed.country
        if country is None:
            return self._resolve_world(parsed, style)
        i, rule = self._find_city(parsed, country, style)
        if i >= 0:
            return self._city(i, rule, parsed)
        return self._region_or_country(parsed, country)

    def _find_city(self, parsed: Parsed, country: str, style: str | None) -> tuple[int, str]:
        """The city of an address in ``country`` and the rule that found it, or ``(-1, '')``.

        The steps of the module doc in order: the slot, the region's name, a tolerant match of
        the slot, the other parts.
        """
        region = parsed.region
        admin1 = (region.admin1 or None) if region else None
        seat = region.seat if region else -1
        parts = _nonempty(parsed.parts, MAX_PARTS)
        slot = next(parts, None)
        if slot is not None:
            i, rule = self._find_in_slot(slot, country, admin1, seat)
            if i >= 0:
                return i, rule
        if self._region_name_may_be_city(parsed, slot, style):
            i = self._lookup_key(parsed.region_key, country, admin1, seat=seat)
            if i >= 0 and (i == seat or self.gazetteer.own_keys[i] == parsed.region_key):
                # the region's seat or a place of its own name, not one that only lists the
                # region's name among its alternate names ("Bihar": not Bihar Sharif)
                return i, "city-region-name"
        if slot is not None:
            i = self._fuzzy(slot, country, admin1)
            if i >= 0:
                return i, "city-fuzzy"
        for part in parts:
            i, how = self._lookup_part(part, country, admin1, seat, spans=True, org=True)
            if i >= 0:
                return i, f"city-org-{how}"
        return -1, ""

    def _find_in_slot(
        self, slot: Part, country: str, admin1: str | None, seat: int
    ) -> tuple[int, str]:
        """The place of the city part and the rule that found it, or ``(-1, '')``.

        Looked up in the province of a Chinese postcode when no region is stated, then in the
        stated region (or near it), then in the country's sub-economies.
        """
        if admin1 is None:
            hint = self._postcode_region(slot, country)
            if hint is not None:
                i, how = self._lookup_part(slot, country, hint, -1, spans=True, org=False)
                if i >= 0:
                    return i, f"city-{how}-postcode-region"
        i, how = self._lookup_part(slot, country, admin1, seat, spans=True, org=False)
        if i >= 0:
            return i, f"city-{how}"
        for sub in SUB_ECONOMIES.get(country, ()):
            # "Chinese Univ Hong Kong, Sha Tin 100083, Peoples R China"
            i = self._lookup_key(slot.key, sub, None)
            if i >= 0:
                return i, "city-sub-economy"
        return -1, ""

    @staticmethod
    def _region_name_may_be_city(parsed: Parsed, slot: Part | None, style: str | None) -> bool:
        """True when the words that named the region may be read as the city.

        They may ("Beijing", "Tokyo", "Freie Univ Berlin"), except after an unknown town in a US
        state or an inventor's city field ("Malta, New York": the town is not New York City).
        """
        town = slot is not None and town_like(slot.words)
        us_or_inventor = parsed.country == "US" or style in INVENTOR_STYLES
        return bool(parsed.region_key) and not (town and us_or_inventor)

    def _region_or_country(self, parsed: Parsed, country: str) -> GeocodeResult:
        """An address without a city: its region's seat, else its country's capital."""
        gaz = self.gazetteer
        region = parsed.region
        if region is not None and region.seat >= 0:
            return GeocodeResult(
                lat=float(gaz.lat[region.seat]),
                lon=float(gaz.lon[region.seat]),
                precision="region",
                region=region.name,
                country=country,
                rule="region",
            )
        capital = gaz.capitals.get(country)
        if capital is None:
            return not_located("country without places in the gazetteer", country=country)
        if country in CITY_STATES:
            return self._city(capital, "city-state", parsed)
        return GeocodeResult(
            lat=float(gaz.lat[capital]),
            lon=float(gaz.lon[capital]),
            precision="country",
            country=country,
            rule=f"country ({parsed.country_rule})",
        )

    def _postcode_region(self, part: Part, country: str) -> str | None:
        """Admin1 code a postcode in ``part`` points to (Chinese postcodes only)."""
        if country != "CN":
            return None
        m = _CN_POSTCODE.search(part.raw)
        if m is None:
            return None
        province = CN_POSTCODE_PROVINCES.get(m.group(1)[:2])
        region = self.gazetteer.region("CN", key(province)) if province else None
        return region.admin1 if region is not None else None

    def _resolve_world(self, parsed: Parsed, style: str | None) -> GeocodeResult:
        """No country recognised: a place name known world-wide, or the postcode's country.

        A name that several large places own ("Springfield", "Cambridge") is not located.
        """
        gaz = self.gazetteer
        aliases = country_aliases()
        named = [p for p in parsed.parts if p.key in aliases]
        if named:
            # a country named before other parts ("Ericsson, Guildford, United Kingdom, Given
            # City" when a city field was added to the text)
            parsed.country, parsed.country_rule = aliases[named[0].key], "country-name-inside"
            parsed.parts = [p for p in parsed.parts if p is not named[0]]
            return self._resolve(parsed, style)
        for n, part in enumerate(_nonempty(parsed.parts, 3)):
            country = parsed.postal_country
            i = self._lookup_key(part.key, country, None, primary_only=country is None)
            if i < 0 and country is None:
                i = gaz.find(part.key, min_population=WORLD_ALTERNATE_MIN_POPULATION)
            if i >= 0 and country is None and self._ambiguous(part.key, i):
                return not_located(f"ambiguous place name without a country: {gaz.name[i]!r}")
            if i >= 0 and (country is not None or gaz.population[i] >= 1000):
                how = "postcode-country" if country else "world"
                return self._city(i, f"city-{how}" if n == 0 else f"city-org-{how}", parsed)
        if parsed.postal_country is not None:
            parsed.country, parsed.country_rule = parsed.postal_country, "postcode-prefix"
            parsed.parts = []
            return self._resolve(parsed, style)
        return not_located("no country or place recognised")

    def _ambiguous(self, k: str, i: int) -> bool:
        """True when another place owns the name ``k`` with :data:`AMBIGUOUS_SHARE` of ``i``'s
        population (districts of ``i`` and ``i``'s own parent aside)."""
        gaz = self.gazetteer
        floor = AMBIGUOUS_SHARE * gaz.population[i]
        for j in gaz.places(k):
            if gaz.population[j] < floor:
                break
            if (
                j != i
                and gaz.own_keys[j] == k
                and i not in (gaz.parent[j], j)
                and (gaz.parent[i] != j)
            ):
                return True
        return False

    def _city(self, i: int, rule: str, parsed: Parsed) -> GeocodeResult:
        gaz = self.gazetteer
        region = parsed.region
        region_name = region.name if region is not None and region.admin1 == gaz.admin1[i] else None
        return GeocodeResult(
            lat=float(gaz.lat[i]),
            lon=float(gaz.lon[i]),
            precision="city",
            city=gaz.name[i],
            region=region_name,
            country=gaz.country[i],
            rule=rule,
        )

    # ---------------------------------------------------------------------------------------
    # place lookups

    def _lookup_key(
        self,
        k: str,
        country: str | None,
        admin1: str | None,
        *,
        seat: int = -1,
        primary_only: bool = False,
    ) -> int:
        """The place of key ``k``: in the region ``admin1`` when one is stated, else near it."""
        if len(k) < 3:
            return -1
        i = self.gazetteer.find(k, country=country, admin1=admin1, primary_only=primary_only)
        if i >= 0 or admin1 is None:
            return i
        i = self._near_region(k, country, seat)
        return i if i >= 0 else self._well_known(k, country, seat)

    def _well_known(self, k: str, country: str | None, seat: int) -> int:
        """A place of :data:`WELL_KNOWN_POPULATION` named ``k`` in a neighbouring region.

        Addresses keep old regions ("Dhanbad, Bihar" since Jharkhand was split off), so a large
        place outside the stated region is still taken when none of the name lies in it, if it
        lies within :data:`WELL_KNOWN_SLACK_KM` of the region's seat ("Springfield, Vermont" is
        not Springfield, Missouri).
        """
        gaz = self.gazetteer
        i = gaz.find(k, country=country, primary_only=True)
        if i < 0 or gaz.population[i] < WELL_KNOWN_POPULATION or seat < 0:
            return -1
        d = float(haversine_km(gaz.lat[i], gaz.lon[i], gaz.lat[seat], gaz.lon[seat]))
        return i if d <= WELL_KNOWN_SLACK_KM else -1

    def _near_region(self, k: str, country: str | None, seat: int) -> int:
        """The most populous place of key ``k`` within :data:`REGION_SLACK_KM` of ``seat``."""
        gaz = self.gazetteer
        if seat < 0:
            return -1
        for i in gaz.places(k):
            if country is not None and gaz.country[i] != country:
                continue
            d = float(haversine_km(gaz.lat[i], gaz.lon[i], gaz.lat[seat], gaz.lon[seat]))
            if d <= REGION_SLACK_KM:
                return i
        return -1

    def _lookup_keys(self, keys: list[str], country: str, admin1: str | None, seat: int) -> int:
        """The first of ``keys`` found in the region, else the first found near it."""
        gaz = self.gazetteer
        for k in keys:
            if len(k) >= 3:
                i = gaz.find(k, country=country, admin1=admin1)
                if i >= 0:
                    return i
        if admin1 is None:
            return -1
        for k in keys:
            if len(k) >= 3:
                i = self._near_region(k, country, seat)
                if i >= 0:
                    return i
        for k in keys:
            if len(k) >= 3:
                i = self._well_known(k, country, seat)
                if i >= 0:
                    return i
        return -1

    def _variants(self, words: list[str], country: str | None) -> list[str]:
        """Lookup keys for ``words``: as written, abbreviations expanded, a suffix dropped."""
        out = ["".join(words)]
        if len(words) > 1 and words[-1] in SUFFIXES:
            out.append("".join(words[:-1]))
        if country in EAST_ASIA and len(words) > 1 and words[-1] in EAST_ASIAN_SUFFIXES:
            out.append("".join(words[:-1]))  # "Taoyuan County", "Taoyuan Hsien"
        if len(words) > 2 and words[0] == "city" and words[1] == "of":
            out.append("".join(words[2:]))
        if any(w in ABBREVIATIONS for w in words):
            for n in range(3):
                expanded = [
                    ABBREVIATIONS[w][min(n, len(ABBREVIATIONS[w]) - 1)] if w in ABBREVIATIONS else w
                    for w in words
                ]
                out.append("".join(expanded))
        if country == "JP":
            for k in list(out):
                jp = k.replace("ou", "o").replace("uu", "u")
                jp = _JP_OH.sub("o", jp)
                if jp != k:
                    out.append(jp)
        return out

    def _lookup_part(
        self, part: Part, country: str, admin1: str | None, seat: int, *, spans: bool, org: bool
    ) -> tuple[int, str]:
        memo_key = (" ".join(part.words), country, admin1, seat, spans, org)
        got = self._part_memo.get(memo_key)
        if got is None:
            got = self._lookup_words(part.words, country, admin1, seat, spans=spans, org=org)
            if len(self._part_memo) >= 200_000:
                self._part_memo.clear()
            self._part_memo[memo_key] = got
        return got

    def _lookup_words(
        self,
        words: list[str],
        country: str,
        admin1: str | None,
        seat: int,
        *,
        spans: bool,
        org: bool,
    ) -> tuple[int, str]:
        """The place ``words`` name and how ('name' or 'span'), or ``(-1, '')``.

        A town named before a larger place that locates it comes first ("Garching b. München"),
        then the whole name, then (with ``spans``) its word spans; ``org`` means the words are
        an organisation's name, where only places of :data:`ORG_MIN_POPULATION` count.
        """
        if not words:
            return -1, ""
        near = next((j for j, w in enumerate(words) if w in NEAR_WORDS), 0)
        if 0 < near < len(words) - 1:
            # "Garching b. München": the town named first, not the larger place after it
            i, how = self._lookup_words(words[:near], country, admin1, seat, spans=False, org=org)
            if i >= 0:
                return i, how
        i = self._lookup_name(words, country, admin1, seat, org=org)
        if i >= 0:
            return i, "name"
        if not spans or len(words) < 2 or words[-1] in AREA_WORDS:
            return -1, ""
        floor = ORG_MIN_POPULATION if org else SPAN_MIN_POPULATION
        for span in _spans(words):
            i = self._lookup_span(span, country, admin1, floor)
            if i >= 0:
                return i, "span"
        return -1, ""

    def _lookup_name(
        self, words: list[str], country: str, admin1: str | None, seat: int, *, org: bool
    ) -> int:
        """The place named by the whole of ``words`` (its variants, older romanisations)."""
        if len(words) == 1 and words[0] in STOPWORDS:
            return -1
        i = self._lookup_keys(self._variants(words, country), country, admin1, seat)
        if i < 0 and country in ROMANISATIONS:
            i = self._romanised(words, country, admin1)
        if i >= 0 and (not org or self.gazetteer.population[i] >= ORG_MIN_POPULATION):
            return i
        return -1

    def _lookup_span(self, span: list[str], country: str, admin1: str | None, floor: int) -> int:
        """The place of at least ``floor`` inhabitants a word span names, in the region only."""
        gaz = self.gazetteer
        for k in self._variants(span, country):
            i = self._lookup_key(k, country, admin1)
            if i < 0 or gaz.population[i] < floor:
                continue
            named = gaz.region(country, k)
            small = gaz.population[i] < REGION_NAME_MIN_POPULATION
            if small and named is not None and named.seat != i:
                continue  # "Indiana University" is not in Indiana, PA
            return i
        return -1

    def _romanised(self, words: list[str], country: str, admin1: str | None) -> int:
        """The place whose name has the same romanisation skeleton ("Ichon-shi": Icheon)."""
        table = self._skeletons.get(country)
        if table is None:
            gaz = self.gazetteer
            skeleton = ROMANISATIONS[country]
            table = {}
            for i in gaz.fuzzy_choices(country)[1]:  # most populous first
                table.setdefault(skeleton(_drop_suffix(fold(gaz.name[i]).split())), []).append(i)
            self._skeletons[country] = table
        for i in table.get(ROMANISATIONS[country](_drop_suffix(words)), []):
            if admin1 is None or self.gazetteer.admin1[i] == admin1:
                return i
        return -1

    def _fuzzy(self, part: Part, country: str, admin1: str | None) -> int:
        words = part.words
        if not words or len(words) > 3 or any(w in STOPWORDS for w in words):
            return -1
        k = "".join(w for w in words if w not in SUFFIXES) or part.key
        if len(k) < FUZZY_MIN_LENGTH:
            return -1
        memo = (k, country, admin1)
        got = self._fuzzy_memo.get(memo)
        if got is None:
            got = self._fuzzy_search(k, country, admin1)
            if len(self._fuzzy_memo) > 100_000:
                self._fuzzy_memo.clear()
            self._fuzzy_memo[memo] = got
        return got

    def _fuzzy_search(self, k: str, country: str, admin1: str | None) -> int:
        gaz = self.gazetteer
        if admin1 is not None:
            i = self._extract(k, country, admin1)
            if i >= 0:
                return i
        i = self._extract(k, country, None)
        if i >= 0 and admin1 is not None and gaz.admin1[i] != admin1:
            # outside the region the address names: only a large place
            return i if gaz.population[i] >= 100_000 else -1
        return i

    def _extract(self, k: str, country: str, admin1: str | None) -> int:
        """Best tolerant match of ``k`` among the places of ``country`` (and ``admin1``).

        Only names of the same first letter and of a length that can reach the threshold are
        compared (misspellings rarely touch the first letter; the ratio bounds the length).
        """
        buckets = self._choices.get((country, admin1))
        if buckets is None:
            keys, idx = self.gazetteer.fuzzy_choices(country)
            buckets = {}
            for name_key, i in zip(keys, idx, strict=True):
                if name_key and (admin1 is None or self.gazetteer.admin1[i] == admin1):
                    ks, ix = buckets.setdefault((name_key[0], len(name_key)), ([], []))
                    ks.append(name_key)
                    ix.append(i)
            self._choices[(country, admin1)] = buckets
        # a ratio of at least t needs lengths within t / (200 - t) of each other
        t = self.fuzzy_threshold
        lo = int(len(k) * t / (200 - t))
        hi = int(len(k) * (200 - t) / t) + 1
        best, best_score = -1, 0.0
        for n in range(lo, hi + 1):
            bucket = buckets.get((k[0], n))
            if bucket is None:
                continue
            got = process.extractOne(k, bucket[0], scorer=fuzz.ratio, score_cutoff=t)
            if got is not None and got[1] > best_score:
                best, best_score = bucket[1][got[2]], got[1]
        return best


def _drop_suffix(words: list[str]) -> str:
    """The words joined, an East Asian administrative suffix dropped ("yongin si": "yongin")."""
    if len(words) > 1 and words[-1] in EAST_ASIAN_SUFFIXES:
        words = words[:-1]
    return "".join(words)


def _spans(words: list[str]) -> Iterator[list[str]]:
    """Word spans of ``words`` that may name a place: longest first, rightmost first.

    Spans of up to four words, shorter than the whole, not made only of organisation words and
    of at least four letters.
    """
    n_words = len(words)
    for size in range(min(n_words - 1, 4), 0, -1):
        for start in range(n_words - size, -1, -1):
            span = words[start : start + size]
            if not all(w in STOPWORDS for w in span) and sum(len(w) for w in span) >= 4:
                yield span


def _nonempty(parts: list[Part], limit: int) -> Iterator[Part]:
    """The first ``limit`` parts that hold words (reading each part only when reached)."""
    for part in parts[:limit]:
        if part.words:
            yield part


#: Bumped whenever a change of the rules may change results (invalidates the result cache).
RULES_VERSION = 6

_JP_OH = re.compile(r"oh(?=[^aeiou]|$)")
_CN_POSTCODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
