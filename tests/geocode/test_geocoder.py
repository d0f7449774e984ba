"""The geocoder on addresses a person can check by hand."""

from __future__ import annotations

import pytest

from stclusters._sphere import haversine_km
from stclusters.geocode import Geocoder, GeocodeResult
from stclusters.geocode.countries import country_code

# (address, style, city, country) read by a person
CASES = [
    ("Harvard Univ, Dept Phys, Cambridge, MA 02138 USA", "wos", "Cambridge", "US"),
    ("Univ Cambridge, Dept Engn, Cambridge CB2 1PZ, England", "wos", "Cambridge", "GB"),
    ("Univ Oxford, Oxford OX1 3PU, England", "wos", "Oxford", "GB"),
    ("Miami Univ, Oxford, OH 45056 USA", "wos", "Oxford", "US"),
    (
        "Zhengzhou Univ, Sch Chem Engn, Zhengzhou 450001, Henan, Peoples R China",
        "wos",
        "Zhengzhou",
        "CN",
    ),
    ("UNIV CALIF BERKELEY,BERKELEY,CA 94720", "wos", "Berkeley", "US"),
    ("KYOTO UNIV,FUNDAMENTAL PHYS RES INST,KYOTO 606,JAPAN", "wos", "Kyoto", "JP"),
    ("Osaka Univ, Inst Prot Res, Suita, Osaka 5650871, Japan", "wos", "Suita", "JP"),
    ("Informat Commun Technol Consortium TiCOM, Dubai, U Arab Emirates", "wos", "Dubai", "AE"),
    (
        "Univ Edinburgh, Sch Biol Sci, Edinburgh EH9 3JR, Midlothian, Scotland",
        "wos",
        "Edinburgh",
        "GB",
    ),
    ("Washington Univ, St Louis, MO USA", "wos", "St. Louis", "US"),
    ("Univ Maryland, Dept Mech Engn, College Pk, MD 20742 USA", "wos", "College Park", "US"),
    ("Univ Hong Kong, Pokfulam, Hong Kong, Peoples R China", "wos", "Hong Kong", "HK"),
    ("Natl Taiwan Univ, Taipei 10764, Taiwan", "wos", "Taipei", "TW"),
    ("Google, Inc., Mountain View CA, United States", "scopus", "Mountain View", "US"),
    ("Department of Future Technologies, University of Turku, Finland", "scopus", "Turku", "FI"),
    (
        "School of Biomedical Sciences, Weihenstephan University, Feising, Germany",
        "scopus",
        "Freising",
        "DE",
    ),
    ("University of Tubingen Med. School, Tübingen, Germany", "scopus", "Tübingen", "DE"),
    (
        "Department of Computer Engineering, Kyungnam University, Chang won, South Korea",
        "scopus",
        "Changwon",
        "KR",
    ),
    (
        "Saint-Petersburg State University, Saint-Petersburg, Russian Federation",
        "scopus",
        "Saint Petersburg",
        "RU",
    ),
    ("80333 München, DE", "epo", "Munich", "DE"),
    ("München 80333, DE", "epo", "Munich", "DE"),
    ("D-5000 Köln 80, DE", "epo", "Köln", "DE"),
    ("Kitakyushu-shi, Fukuoka 806-0004, JP", "epo", "Kitakyushu", "JP"),
    ("Mt. Claremont, W.A., 60101, AU", "uspto", "Mount Claremont", "AU"),
    ("I 31044 Montebelluna, IT", "uspto", "Montebelluna", "IT"),
    ("Hsin-Chu, TW", "uspto", "Hsinchu", "TW"),
    ("Тест, Москва, Россия", None, "Moscow", "RU"),
    # OpenAlex raw affiliation strings
    (
        "Ospedale Maggiore-Policlinico IRCCS, Via F. Sforza 35, 20122, Milan, Italy. "
        "alessandro.prelle@unimi.it",
        "openalex",
        "Milan",
        "IT",
    ),
    (
        "Institute of Nuclear Medicine and Allied Sciences, Brig. S. K. Mazumdar Road, "
        "Delhi-110054, India",
        "openalex",
        "Delhi",
        "IN",
    ),
    ("Dept of Physics, University of Oxford, Oxford OX1 3PU, UK", "openalex", "Oxford", "GB"),
]


@pytest.mark.parametrize(("address", "style", "city", "country"), CASES)
def test_known_addresses(
    geocoder: Geocoder, address: str, style: str | None, city: str, country: str
) -> None:
    res = geocoder.geocode(address, style=style)
    assert res.precision == "city", res
    assert res.country == country
    assert res.city == city


def _place(geocoder: Geocoder, name: str, country: str, admin1: str | None = None) -> int:
    from stclusters.geocode._text import key

    i = geocoder.gazetteer.find(key(name), country=country, admin1=admin1)
    assert i >= 0
    return i


def test_region_picks_among_places_of_one_name(geocoder: Geocoder) -> None:
    gaz = geocoder.gazetteer
    jiangsu = geocoder.geocode("Soochow Univ, Suzhou, Peoples R China")
    anhui = geocoder.geocode("Suzhou Univ, Suzhou 234000, Anhui, Peoples R China")
    assert jiangsu.city == anhui.city == "Suzhou"
    big = _place(geocoder, "Suzhou", "CN")
    assert gaz.admin1[big] != gaz.admin1[_place(geocoder, "Hefei", "CN")]  # Jiangsu vs Anhui
    assert float(haversine_km(jiangsu.lat, jiangsu.lon, gaz.lat[big], gaz.lon[big])) < 1
    assert float(haversine_km(jiangsu.lat, jiangsu.lon, anhui.lat, anhui.lon)) > 300
    columbus_ga = geocoder.geocode("Columbus State Univ, Columbus, GA USA")
    columbus_oh = geocoder.geocode("Ohio State Univ, Columbus, OH 43210 USA")
    assert (columbus_ga.region, columbus_oh.region) == ("Georgia", "Ohio")
    assert (
        float(haversine_km(columbus_ga.lat, columbus_ga.lon, columbus_oh.lat, columbus_oh.lon))
        > 500
    )


def test_separate_fields_of_patent_inventors(geocoder: Geocoder) -> None:
    bath = geocoder.geocode(None, city="Bath", region="PA", style="uspto")
    assert (bath.city, bath.country, bath.region) == ("Bath", "US", "Pennsylvania")
    bath_gb = geocoder.geocode(None, city="Bath", country="GB", style="uspto")
    assert bath_gb.country == "GB"
    chengdu = geocoder.geocode(
        "No. 1188, Hezuo Road",
        city="Hi-tech Development Zone Chengdu Sichuan 611731",
        country="CN",
        style="epo",
    )
    assert (chengdu.city, chengdu.region) == ("Chengdu", "Sichuan")


def test_coarser_precisions(geocoder: Geocoder) -> None:
    region = geocoder.geocode("Eastern Cooperative Oncology Group, Massachusetts, United States")
    assert (region.precision, region.region, region.country) == ("region", "Massachusetts", "US")
    country = geocoder.geocode("Wireless Business Unit, CEVA, United States")
    assert (country.precision, country.country, country.city) == ("country", "US", None)
    assert country.lat is not None
    singapore = geocoder.geocode("Some Lab, Singapore")
    assert (singapore.precision, singapore.country) == ("city", "SG")


def test_not_located_gives_a_reason(geocoder: Geocoder) -> None:
    for text, reason in [
        ("", "empty"),
        ("   \x00\x01 ", "empty"),
        ("12345, 678", "no letters"),
        ("x" * 10_000, "too long"),
        ("qwzx vbnm", "no country or place"),
    ]:
        res = geocoder.geocode(text)
        assert res.precision is None and res.lat is None
        assert res.reason is not None and reason in res.reason


def test_a_bad_threshold_fails_at_once(geocoder: Geocoder) -> None:
    with pytest.raises(ValueError, match="fuzzy_threshold must be in"):
        Geocoder(geocoder.gazetteer, fuzzy_threshold=0)


def test_exact_only_threshold_turns_tolerant_matching_off(geocoder: Geocoder) -> None:
    strict = Geocoder(geocoder.gazetteer, fuzzy_threshold=100)
    res = strict.geocode("Weihenstephan University, Feising, Germany")
    assert res.city != "Freising"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Peoples R China", "CN"),
        ("U Arab Emirates", "AE"),
        ("England", "GB"),
        ("North Ireland", "GB"),
        ("Russian Federation", "RU"),
        ("Viet Nam", "VN"),
        ("Turkiye", "TR"),
        ("de", "DE"),
        ("uk", "GB"),
        ("Atlantis", None),
        ("", None),
    ],
)
def test_country_codes(text: str, code: str | None) -> None:
    assert country_code(text) == code


def test_every_region_table_resolves(geocoder: Geocoder) -> None:
    from stclusters.geocode.countries import REGIONS

    regions = geocoder.gazetteer.regions
    for country, entries in REGIONS.items():
        names = {e[-1] for e in entries}
        found = {r.name for r in regions[country].values()}
        assert len(found) >= len(names) * 0.9, country


def test_results_are_frozen() -> None:
    res = GeocodeResult(reason="x")
    with pytest.raises(AttributeError):
        res.lat = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("address", "style", "city", "country"),
    [
        ("Munich, DE", None, "Munich", "DE"),  # Germany, not Delaware
        ("Dover, DE", None, "Dover", "US"),  # Delaware: no Dover in Germany
        ("Berkeley, CA", None, "Berkeley", "US"),
        ("Toronto, ON, CA", None, "Toronto", "CA"),
        ("Bath, PA", "uspto", "Bath", "US"),  # old USPTO: no country for US inventors
        ("Panama City, PA", "uspto", "Panama City", "PA"),
        ("Paris, FR", None, "Paris", "FR"),
    ],
)
def test_final_two_letters(
    geocoder: Geocoder, address: str, style: str | None, city: str, country: str
) -> None:
    res = geocoder.geocode(address, style=style)
    assert (res.city, res.country) == (city, country)


def test_a_given_country_also_at_the_end_of_the_text(geocoder: Geocoder) -> None:
    res = geocoder.geocode("Hauptstr. 1, Neuffen, DE", country="DE", style="epo")
    assert (res.city, res.country, res.precision) == ("Neuffen", "DE", "city")


@pytest.mark.parametrize(
    ("address", "city", "country"),
    [
        # Scopus sample 2-s2.0-85032839944: the e-mail stuck to the country part
        (
            "Global Solutions, Schneider Electric SE, 50791 Andover, Massachusetts United States"
            " 01810 (e-mail: CHARBEL.EL-KAED@schneider-electric.com)",
            "Andover",
            "US",
        ),
        (
            "Corporate Research Center, Grenoble, Schneider Electric SE, 50791 Grenoble France"
            " 38000 (e-mail: imran@ieee.org)",
            "Grenoble",
            "FR",
        ),
        (
            "Dept Phys, Univ Oxford, Oxford OX1 3PU, England. Email: a.b@physics.ox.ac.uk",
            "Oxford",
            "GB",
        ),
        ("Inst Chem, Kyoto Univ, Kyoto, Japan; E-mail address: x@kyoto-u.ac.jp", "Kyoto", "JP"),
    ],
)
def test_e_mail_addresses_with_their_label_are_ignored(
    geocoder: Geocoder, address: str, city: str, country: str
) -> None:
    res = geocoder.geocode(address, style="scopus")
    assert (res.city, res.country, res.precision) == (city, country, "city"), res
