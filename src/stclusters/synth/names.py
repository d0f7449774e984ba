"""Names of the synthetic world: people, firms, universities and institutes, departments.

Organisation names are written the way Web of Science abbreviates them ("Zhengzhou Univ",
"Tech Univ Munich", "Univ Hosp Basel"); :func:`long_form` spells them out ("Zhengzhou University")
so that records can carry the spelling variants that the profiles must normalise.
"""

from __future__ import annotations

import re

__all__ = [
    "DEPARTMENTS",
    "academic_applicant",
    "firm_name",
    "language",
    "long_form",
    "org_names",
    "person_names",
]

_LANG: dict[str, str] = {
    **dict.fromkeys(["CN", "TW", "HK", "SG"], "zh"),
    "JP": "ja",
    "KR": "ko",
    **dict.fromkeys(["US", "GB", "CA", "AU", "NZ", "IE", "ZA", "NG", "KE", "GH"], "en"),
    **dict.fromkeys(["DE", "AT", "CH", "LU"], "de"),
    **dict.fromkeys(["FR", "BE", "MA", "DZ", "TN", "CM"], "fr"),
    **dict.fromkeys(["ES", "MX", "AR", "CL", "CO", "PE", "UY"], "es"),
    **dict.fromkeys(["BR", "PT"], "pt"),
    "IT": "it",
    **dict.fromkeys(["RU", "UA", "KZ"], "ru"),
    "NL": "nl",
    **dict.fromkeys(["SE", "FI", "DK", "NO", "IS", "EE"], "nord"),
    **dict.fromkeys(["IN", "PK", "BD", "LK", "NP"], "in"),
    **dict.fromkeys(["SA", "EG", "AE", "QA", "KW", "JO", "LB", "IQ"], "ar"),
    "IR": "fa",
    "TR": "tr",
    "IL": "he",
    **dict.fromkeys(["PL", "CZ", "SK", "HR", "RS", "BG", "SI", "RO", "HU", "GR", "LT"], "slav"),
    **dict.fromkeys(["MY", "ID", "TH", "VN", "PH", "ET", "CY"], "sea"),
}

_SURNAMES: dict[str, str] = {
    "zh": "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo "
    "Zheng Liang Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai "
    "Jiang Yu Du",
    "ja": "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida "
    "Yamada Sasaki Yamaguchi Matsumoto Inoue Kimura Hayashi Shimizu Yamazaki Mori Abe Ikeda "
    "Hashimoto",
    "ko": "Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Oh Seo Shin Kwon Hwang Ahn Song "
    "Jeon Hong",
    "en": "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore "
    "Martin Jackson Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright "
    "Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans Turner "
    "Parker",
    "de": "Muller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter "
    "Bauer Klein Wolf Schroder Neumann Schwarz Zimmermann Braun Kruger Hofmann Hartmann Lange",
    "fr": "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
    "Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard Andre Mercier",
    "es": "Garcia Rodriguez Gonzalez Fernandez Lopez Martinez Sanchez Perez Gomez Martin Jimenez "
    "Ruiz Hernandez Diaz Moreno Alvarez Munoz Romero Alonso Gutierrez Navarro Torres Dominguez",
    "pt": "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa Ribeiro "
    "Martins Carvalho Almeida Lopes Soares Fernandes Vieira Barbosa Rocha Dias Nascimento",
    "it": "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo "
    "Conti DeLuca Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro",
    "ru": "Ivanov Smirnov Kuznetsov Popov Vasiliev Petrov Sokolov Mikhailov Novikov Fedorov "
    "Morozov Volkov Alekseev Lebedev Semenov Egorov Pavlov Kozlov Stepanov Nikolaev Orlov",
    "nl": "DeJong Jansen DeVries VanDenBerg VanDijk Bakker Janssen Visser Smit Meijer DeBoer "
    "Mulder DeGroot Bos Vos Peters Hendriks VanLeeuwen Dekker Brouwer",
    "nord": "Johansson Andersson Karlsson Nilsson Eriksson Larsson Olsson Persson Hansen Nielsen "
    "Jensen Pedersen Virtanen Korhonen Nieminen Makinen Hamalainen Berg Lindqvist Olsen",
    "in": "Kumar Singh Sharma Gupta Patel Reddy Rao Verma Mishra Yadav Jain Das Nair Iyer Shah "
    "Mehta Joshi Agarwal Chopra Banerjee Mukherjee Pillai Khan Ali",
    "ar": "Al-Ahmad Hassan Hussein Ali Mohamed Ibrahim Mahmoud Abdullah Saleh Khalil Mansour "
    "Nasser Al-Harbi Al-Otaibi Al-Qahtani Youssef Farouk Haddad Aziz Rahman",
    "fa": "Mohammadi Hosseini Ahmadi Rezaei Moradi Karimi Hashemi Rahimi Jafari Mousavi Sadeghi "
    "Ghasemi Kazemi Akbari Ebrahimi Najafi Zare Shahbazi",
    "tr": "Yilmaz Kaya Demir Sahin Celik Yildiz Yildirim Ozturk Aydin Ozdemir Arslan Dogan Kilic "
    "Aslan Cetin Kara Koc Kurt Ozkan Simsek",
    "he": "Cohen Levi Mizrahi Peretz Biton Dahan Avraham Friedman Katz Azoulay Malka Shapiro "
    "Goldberg Klein Rosenberg Ben-David Weiss Amar",
    "slav": "Nowak Kowalski Novak Horvath Nagy Popescu Ionescu Papadopoulos Petrovic Jovanovic "
    "Kovacs Dvorak Svoboda Kazlauskas Georgiev Dimitrov Marin Toth Szabo Wisniewski",
    "sea": "Nguyen Tran Le Pham Santos Reyes Tan Lim Abdullah Ahmad Wijaya Susanto Srisuk "
    "Chaiyaporn Bekele Tesfaye Georgiou Hoang Cruz Ismail",
}

_GIVEN: dict[str, str] = {
    "zh": "Wei Lei Jing Min Jun Yan Hui Hong Ying Tao Ming Qiang Xin Fang Li Ping Yu Hao Jie "
    "Chao Xiaoming Jianguo Haiyan Xiaoli Yong Bo Lin Na",
    "ja": "Hiroshi Takashi Kenji Yuki Akira Satoshi Makoto Naoki Yoshiko Keiko Tomoko Daisuke "
    "Kazuki Haruka Shota Yusuke Megumi Takuya Kenta Ayumi",
    "ko": "Minjun Seojun Jiho Jiwoo Hyunwoo Jaehyun Sungmin Youngho Jisoo Eunji Soyeon Hyejin "
    "Dongwook Sanghoon Jinwoo Yuna Minji Seungho",
    "en": "James John Robert Michael William David Richard Mary Jennifer Linda Sarah Emily "
    "Daniel Matthew Andrew Laura Rachel Jessica Thomas Christopher Anna Peter Susan Karen",
    "de": "Thomas Michael Andreas Stefan Markus Christian Julia Anna Katrin Sabine Tobias "
    "Jan Lukas Felix Johannes Claudia Martina Sebastian Florian",
    "fr": "Jean Pierre Nicolas Julien Thomas Camille Marie Sophie Isabelle Nathalie Antoine "
    "Mathieu Laurent Francois Claire Celine Aurelie Guillaume",
    "es": "Jose Juan Antonio Manuel Francisco Carlos Javier Miguel Maria Carmen Ana Laura "
    "Elena Pablo Alejandro Lucia Sergio Raul Marta",
    "pt": "Joao Jose Antonio Carlos Paulo Pedro Lucas Maria Ana Juliana Fernanda Rafael "
    "Bruno Tiago Mariana Beatriz Gabriel Luiz",
    "it": "Marco Giuseppe Andrea Luca Francesco Alessandro Giovanni Paolo Maria Giulia Chiara "
    "Francesca Sara Elena Matteo Stefano Roberto Silvia",
    "ru": "Alexander Sergey Dmitry Andrey Alexey Ivan Mikhail Nikolay Elena Olga Natalia "
    "Tatiana Irina Anna Vladimir Pavel Yulia Maxim",
    "nl": "Jan Pieter Kees Thijs Bas Sander Jeroen Maarten Anne Sanne Lotte Eva Femke "
    "Willem Joost Marieke Ruben",
    "nord": "Erik Lars Anders Johan Mikael Jonas Anna Maria Karin Sofia Mette Jukka Mikko "
    "Sanna Henrik Nils Ingrid Astrid",
    "in": "Rahul Amit Anil Sunil Rajesh Vijay Sanjay Priya Anjali Neha Pooja Deepak Arun "
    "Suresh Kavita Ravi Manoj Shreya",
    "ar": "Mohammed Ahmed Omar Khalid Yousef Hassan Ali Fatima Aisha Maryam Layla Sara "
    "Abdulaziz Tariq Nour Rania Samir",
    "fa": "Ali Reza Mohammad Hossein Mehdi Amir Saeed Hamid Maryam Zahra Fatemeh Narges "
    "Sara Mohsen Majid Elham",
    "tr": "Mehmet Mustafa Ahmet Ali Huseyin Hasan Ibrahim Fatma Ayse Emine Zeynep Elif "
    "Murat Emre Burak Serkan",
    "he": "David Yosef Moshe Daniel Avi Noam Itai Yael Noa Tamar Michal Shira Eitan Oren",
    "slav": "Piotr Jan Tomas Peter Marko Ivan Nikola Laszlo Andrei Dimitris Katarzyna Anna "
    "Eva Maria Ana Elena Jelena Zsofia",
    "sea": "Minh Anh Huong Thanh Jose Maria Wei Siti Nur Ahmad Budi Dewi Somchai Nattapong "
    "Abebe Andreas Mark Farah",
}

#: Departments as Web of Science abbreviates them.
DEPARTMENTS: tuple[str, ...] = (
    "Sch Chem Engn",
    "Dept Phys",
    "Coll Life Sci",
    "Sch Med",
    "Dept Comp Sci",
    "Sch Mat Sci & Engn",
    "Dept Elect Engn",
    "Sch Pharm",
    "Dept Math",
    "Coll Chem",
    "Dept Mech Engn",
    "Sch Environm",
    "Dept Biochem",
    "Inst Adv Mat",
    "Dept Civil Engn",
    "Sch Informat Sci & Technol",
    "Dept Chem",
    "Dept Neurol",
    "Dept Oncol",
    "Dept Surg",
    "Sch Publ Hlth",
    "Key Lab Green Chem",
    "Dept Energy Engn",
    "Coll Food Sci",
    "Dept Agron",
    "Dept Internal Med",
    "Sch Elect Informat & Commun",
    "Dept Biomed Engn",
    "Inst Microbiol",
    "Dept Cardiol",
)

# Organisation templates, most output first. {C} city, {R} region, {F} a field word.
_ORG_TEMPLATES: dict[str, tuple[str, ...]] = {
    "zh": (
        "{C} Univ",
        "{C} Med Univ",
        "{R} Agr Univ",
        "{C} Univ Technol",
        "{C} Normal Univ",
        "{R} Univ Sci & Technol",
        "Chinese Acad Sci, {C} Inst {F}",
        "{C} Univ Tradit Chinese Med",
        "{R} Prov Peoples Hosp",
        "{C} Cent Hosp",
        "{C} Inst Technol",
        "{C} Jiaotong Univ",
    ),
    "ja": (
        "{C} Univ",
        "Univ {C}",
        "{C} Inst Technol",
        "{C} City Univ",
        "{C} Med Univ",
        "Natl Inst {F}, {C}",
        "{C} Univ Hosp",
    ),
    "en": (
        "{C} Univ",
        "Univ {C}",
        "{C} State Univ",
        "{C} Med Ctr",
        "{C} Childrens Hosp",
        "{C} Inst Technol",
        "{C} Canc Ctr",
        "{C} Coll",
        "{C} Res Inst {F}",
    ),
    "de": (
        "Univ {C}",
        "Tech Univ {C}",
        "Univ Hosp {C}",
        "Max Planck Inst {F}, {C}",
        "Fraunhofer Inst {F}, {C}",
        "{C} Univ Appl Sci",
    ),
    "fr": (
        "Univ {C}",
        "CHU {C}",
        "Ecole Polytech {C}",
        "Inst {F} {C}",
        "CNRS, {C}",
    ),
    "generic": (
        "Univ {C}",
        "{C} Univ",
        "{C} Tech Univ",
        "{C} Med Univ",
        "Univ Hosp {C}",
        "{C} Inst Technol",
        "Natl Inst {F}, {C}",
        "{C} Res Ctr {F}",
    ),
}
_FIELD_WORDS: tuple[str, ...] = (
    "Chem",
    "Phys",
    "Biol",
    "Mat Res",
    "Engn",
    "Med Res",
    "Energy",
    "Informat",
    "Environm",
    "Agr",
    "Math",
    "Neurosci",
)
_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("Univ", "University"),
    ("Technol", "Technology"),
    ("Med", "Medical"),
    ("Agr", "Agricultural"),
    ("Sci", "Science"),
    ("Inst", "Institute"),
    ("Natl", "National"),
    ("Hosp", "Hospital"),
    ("Ctr", "Center"),
    ("Res", "Research"),
    ("Coll", "College"),
    ("Canc", "Cancer"),
    ("Childrens", "Childrens"),
    ("Tech", "Technical"),
    ("Appl", "Applied"),
    ("Acad", "Academy"),
    ("Cent", "Central"),
    ("Prov", "Provincial"),
    ("Tradit", "Traditional"),
    ("Chem", "Chemistry"),
    ("Phys", "Physics"),
    ("Biol", "Biology"),
    ("Engn", "Engineering"),
    ("Environm", "Environment"),
    ("Informat", "Informatics"),
    ("Neurosci", "Neuroscience"),
    ("Mat", "Materials"),
    ("Math", "Mathematics"),
    ("Polytech", "Polytechnique"),
)
_ABBREV_RE = re.compile(r"\b(" + "|".join(a for a, _ in _ABBREVIATIONS) + r")\b")
_ABBREV = dict(_ABBREVIATIONS)

_SYLLABLES: dict[str, tuple[str, ...]] = {
    "zh": (
        "YUN",
        "HAI",
        "YU",
        "ZHAN",
        "HUA",
        "XIN",
        "TAI",
        "KANG",
        "RUI",
        "JIN",
        "DA",
        "TONG",
        "HENG",
        "FENG",
        "SHENG",
        "MING",
        "LONG",
        "BAO",
        "CHENG",
        "HONG",
        "AN",
        "TIAN",
        "ZHONG",
        "XING",
        "GUANG",
        "YUAN",
        "BO",
        "JIA",
    ),
    "ja": (
        "NIPPON",
        "TOA",
        "SAN",
        "KO",
        "DEN",
        "KAI",
        "SEI",
        "YO",
        "MITSU",
        "FUJI",
        "TAKA",
        "HANA",
        "SHIN",
        "KYO",
    ),
    "ko": ("HAN", "SEO", "DAE", "SUNG", "HYUN", "JIN", "KUM", "DONG", "SAM", "WOO", "NAM", "YOUNG"),
    "west": (
        "NOVA",
        "AXI",
        "OMNI",
        "VECTR",
        "GEN",
        "BIO",
        "QUANT",
        "LUMI",
        "SYN",
        "CORE",
        "NEX",
        "TERRA",
        "AERO",
        "VITA",
        "OPTI",
        "CELL",
        "ZEN",
        "ARC",
        "POLY",
        "MERI",
    ),
}
_INDUSTRIES: tuple[str, ...] = (
    "INFORMATION TECH.",
    "PRECISION TECHNOLOGY",
    "ELECTRONICS",
    "PHARMACEUTICAL",
    "NEW MATERIALS",
    "MEDICAL DEVICES",
    "INTELLIGENT EQUIPMENT",
    "BIOTECH",
    "SEMICONDUCTOR",
    "NETWORK TECHNOLOGY",
    "ENERGY TECHNOLOGY",
    "CHEMICAL",
    "MACHINERY",
    "AUTOMOTIVE",
    "OPTICAL",
    "SOFTWARE",
)
_SUFFIXES: dict[str, tuple[str, ...]] = {
    "CN": ("CO., LTD", "CO., LTD.", "TECHNOLOGY CO., LTD", "GROUP CO., LTD"),
    "TW": ("CO., LTD.", "CORPORATION", "INC."),
    "HK": ("LIMITED", "CO., LTD."),
    "JP": ("CORPORATION", "CO., LTD.", "KABUSHIKI KAISHA", "INC."),
    "KR": ("CO., LTD.", "CORPORATION", "INC."),
    "US": ("INC.", "LLC", "CORPORATION", "TECHNOLOGIES, INC."),
    "GB": ("LIMITED", "PLC", "LTD"),
    "DE": ("GMBH", "AG", "GMBH & CO. KG", "SE"),
    "AT": ("GMBH", "AG"),
    "CH": ("AG", "SA", "GMBH"),
    "FR": ("SAS", "SA", "SARL"),
    "NL": ("B.V.", "N.V."),
    "SE": ("AB",),
    "FI": ("OY",),
    "DK": ("A/S",),
    "NO": ("AS",),
    "IT": ("S.P.A.", "S.R.L."),
    "ES": ("S.L.", "S.A."),
    "BR": ("LTDA", "S.A."),
}


def language(iso2: str) -> str:
    """The name pool used for people of economy ``iso2``."""
    return _LANG.get(iso2, "en")


def person_names(lang: str, *, inventor: bool) -> list[str]:
    """Every "Surname, Given" name of a pool (surnames upper-case for inventors)."""
    surnames = _SURNAMES[lang].split()
    given = _GIVEN[lang].split()
    out: list[str] = []
    for s in surnames:
        s_out = s.upper() if inventor else s
        out.extend(f"{s_out}, {g}" for g in given)
    return out


_OF_RE = re.compile(
    r"\b(University|Institute|Academy) (?!(?:Hospital|College|Center|Research|Medical|"
    r"Technical|Applied)\b)(?=[A-Z])"
)


def long_form(name: str) -> str:
    """An abbreviated organisation name spelled out.

    "Zhengzhou Univ" -> "Zhengzhou University", "Univ Isfahan" -> "University of Isfahan",
    "Chinese Acad Sci" -> "Chinese Academy of Sciences".
    """
    spelled = _ABBREV_RE.sub(lambda m: _ABBREV[m.group(1)], name)
    spelled = _OF_RE.sub(lambda m: f"{m.group(1)} of ", spelled)
    return spelled.replace("Academy of Science", "Academy of Sciences")


def _style(iso2: str) -> str:
    lang = language(iso2)
    if lang in ("zh", "ja", "en", "de", "fr"):
        return lang
    return "generic"


def org_names(city: str, region: str | None, iso2: str, n: int) -> list[str]:
    """``n`` distinct abbreviated organisation names for a place, largest first."""
    templates = _ORG_TEMPLATES[_style(iso2)]
    reg = region or city
    out: list[str] = []
    seen: set[str] = set()
    k = 0
    while len(out) < n:
        template = templates[k % len(templates)]
        rnd = k // len(templates)
        if "{F}" not in template and rnd > 0:
            template = "{C} Res Ctr {F}"
        word = _FIELD_WORDS[(rnd + k) % len(_FIELD_WORDS)]
        name = template.format(C=city, R=reg, F=word)
        if rnd >= len(_FIELD_WORDS):
            name = f"{name} {rnd // len(_FIELD_WORDS) + 1}"
        if name not in seen:
            seen.add(name)
            out.append(name)
        k += 1
        if k > 50 * (n + 10):  # pragma: no cover - defensive
            break
    return out


def academic_applicant(city: str, region: str | None, iso2: str, rank: int) -> str:
    """An academic applicant name ("ZHENGZHOU UNIVERSITY") for a place."""
    names = org_names(city, region, iso2, rank + 1)
    return long_form(names[rank].split(",")[0]).upper()


def firm_name(draws: tuple[int, ...], city: str, region: str | None, iso2: str) -> str:
    """A plausible applicant firm name of a place from six random integers ``draws``."""
    lang = language(iso2)
    syl = _SYLLABLES.get(lang, _SYLLABLES["west"])
    suffixes = _SUFFIXES.get(iso2, ("LTD", "INC.", "S.A.", "CO."))
    d0, d1, d2, d3, d4, d5 = (int(x) for x in draws[:6])
    suffix = suffixes[d0 % len(suffixes)]
    industry = _INDUSTRIES[d1 % len(_INDUSTRIES)]
    a = syl[d2 % len(syl)]
    b = syl[d3 % len(syl)]
    brand = f"{a}{b}" if lang in ("zh", "ko", "ja") else f"{a}{b.lower()}".upper()
    kind = d4 % 4
    place = (region if (kind == 1 and region) else city).upper()
    if kind in (0, 1):
        return f"{place} {brand} {industry} {suffix}"
    if kind == 2:
        return f"{brand} {industry} {suffix}"
    surnames = _SURNAMES[lang].split()
    return f"{surnames[d5 % len(surnames)].upper()} {industry} {suffix}"
