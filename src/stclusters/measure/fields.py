"""Fields of documents: IPC codes to WIPO technology fields, subject categories to science fields.

Technology fields
    ``data/ipc_technology_fields.csv`` is the project's own writing of the WIPO IPC-technology
    concordance (Schmoch 2008, as updated by WIPO up to 2019): 35 fields in 5 sectors. A row is
    either a subclass (``H04N``) or a main group (``H04N 21``); the longest match wins, so a
    main-group row overrides its subclass row (``H04N 21/43`` is field 4, Digital
    communication, while ``H04N 5/232`` falls back to ``H04N``, field 2, Audio-visual
    technology). Subclasses created after 2019 (``G06V``, ``H10B``, ``H10K``, ``H10N``) are
    added where their parent subclass lies (noted in the table).

Science fields
    ``data/wos_categories.csv`` maps every Web of Science Core Collection subject category
    (the ``WC`` field; 254 categories of the SCIE, SSCI and AHCI) to a field of the OECD Fields
    of Science and Technology (Frascati manual 2015, FORD), such as ``1.3`` Physical sciences;
    its first digit is the major field (1 Natural sciences ... 6 Humanities and the arts).
    ``data/asjc_fields.csv`` does the same for Scopus ASJC codes: one row per 2-digit subject
    area (the default for its codes) plus rows for the 4-digit codes of mixed areas. The
    assignment is ours; the social sciences, arts and humanities (SSH) are OECD majors 5 and 6.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from importlib.resources import files
from typing import NamedTuple

__all__ = [
    "OECD_FIELDS",
    "SECTORS",
    "TECHNOLOGY_FIELDS",
    "WOS_CATEGORIES",
    "ScienceField",
    "TechnologyField",
    "example_ipc_codes",
    "ipc_fields",
    "is_ssh",
    "map_ipc_codes",
    "normalise_ipc",
    "science_field",
    "science_fields_table",
    "technology_field",
]


class TechnologyField(NamedTuple):
    """One of the 35 WIPO technology fields."""

    number: int
    name: str
    sector: str


class ScienceField(NamedTuple):
    """An OECD field of science and technology (for example ``1.3`` Physical sciences)."""

    code: str
    name: str
    major: int
    major_name: str


#: The OECD Fields of Science and Technology (Frascati manual 2015): code -> name.
OECD_FIELDS: dict[str, str] = {
    "1": "Natural sciences",
    "1.1": "Mathematics",
    "1.2": "Computer and information sciences",
    "1.3": "Physical sciences",
    "1.4": "Chemical sciences",
    "1.5": "Earth and related environmental sciences",
    "1.6": "Biological sciences",
    "1.7": "Other natural sciences",
    "2": "Engineering and technology",
    "2.1": "Civil engineering",
    "2.2": "Electrical engineering, electronic engineering, information engineering",
    "2.3": "Mechanical engineering",
    "2.4": "Chemical engineering",
    "2.5": "Materials engineering",
    "2.6": "Medical engineering",
    "2.7": "Environmental engineering",
    "2.8": "Environmental biotechnology",
    "2.9": "Industrial biotechnology",
    "2.10": "Nano-technology",
    "2.11": "Other engineering and technologies",
    "3": "Medical and health sciences",
    "3.1": "Basic medicine",
    "3.2": "Clinical medicine",
    "3.3": "Health sciences",
    "3.4": "Medical biotechnology",
    "3.5": "Other medical sciences",
    "4": "Agricultural sciences",
    "4.1": "Agriculture, forestry, and fisheries",
    "4.2": "Animal and dairy science",
    "4.3": "Veterinary science",
    "4.4": "Agricultural biotechnology",
    "4.5": "Other agricultural sciences",
    "5": "Social sciences",
    "5.1": "Psychology",
    "5.2": "Economics and business",
    "5.3": "Educational sciences",
    "5.4": "Sociology",
    "5.5": "Law",
    "5.6": "Political science",
    "5.7": "Social and economic geography",
    "5.8": "Media and communications",
    "5.9": "Other social sciences",
    "6": "Humanities and the arts",
    "6.1": "History and archaeology",
    "6.2": "Languages and literature",
    "6.3": "Philosophy, ethics and religion",
    "6.4": "Arts (arts, history of arts, performing arts, music)",
    "6.5": "Other humanities",
}

_SSH_MAJORS = frozenset({5, 6})


def _read_csv(name: str) -> list[dict[str, str]]:
    text = files("stclusters").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


# ---------------------------------------------------------------- technology fields


@cache
def _ipc_table() -> dict[str, int]:
    """Concordance rows: ``"H04N"`` or ``"H04N 21"`` -> field number."""
    return {row["ipc"]: int(row["field_number"]) for row in _read_csv("ipc_technology_fields.csv")}


def _technology_fields() -> list[TechnologyField]:
    fields: dict[int, TechnologyField] = {}
    for row in _read_csv("ipc_technology_fields.csv"):
        number = int(row["field_number"])
        fields.setdefault(number, TechnologyField(number, row["field"], row["sector"]))
    return [fields[k] for k in sorted(fields)]


#: The 35 WIPO technology fields, in field-number order.
TECHNOLOGY_FIELDS: list[TechnologyField] = _technology_fields()

#: The 5 sectors, in the order of their first field.
SECTORS: list[str] = list(dict.fromkeys(f.sector for f in TECHNOLOGY_FIELDS))

_FIELD_BY_NUMBER = {f.number: f for f in TECHNOLOGY_FIELDS}

# Edition marks and version notes that surround an IPC code in the wild.
_NOISE = re.compile(
    r"\([^)]*\)"  # "(2006.01)"
    r"|\bINT\.?\s*CL\.?\s*\d*\s*:?"  # "Int.Cl.7", "INT. CL.:"
    r"|\bIPC\s*\d*\s*:?",  # "IPC8:"
)
_CODE = re.compile(
    r"^(?:\d{1,2}\s*[:\-]?\s*)?"  # edition prefix "7 " or "7:"
    r"([A-H])\s?(\d\d)\s?([A-Z])"  # section, class, subclass
    r"(?:[\s\-_]*(.*))?$"
)
_FIXED = re.compile(r"^(\d{4})(\d{6})(?:\s.*|[A-Z\s]*)?$")  # IPCR "0029060000"
_GROUP = re.compile(r"^(\d{1,4})\s*(?:[/:]\s*(\d{1,6}))?(?:\s+[A-Z0-9 .]*)?$")


@lru_cache(maxsize=65536)
def normalise_ipc(code: str) -> str | None:
    """The canonical form ``"H04L 29/06"`` of an IPC (or CPC) code, or None when unreadable.

    Accepts the usual notations: ``"H04L 29/06"``, ``"H04L29/06"``, ``"H04L  29/06"``,
    ``"h04l 29/06"``, ``"H04L-029/06"``, the 14-character IPCR form ``"H04L0029060000"``,
    edition marks (``"7 H04L 29/06"``, ``"Int.Cl.7 H04L 29/06"``, ``"A61K 31/00 (2006.01)"``)
    and trailing version letters (``"H04L 29/06 A"``). The subgroup keeps at least two digits
    and loses further trailing zeros (``"0029060000"`` -> ``"29/06"``; a one-digit subgroup
    ``"1/2"`` reads as ``"1/20"``). A subclass alone (``"H04L"``) stays a subclass; a main
    group without subgroup (``"H04L 29"``) becomes ``"H04L 29/00"``.

    Examples
    --------
    >>> normalise_ipc("H04L0029060000"), normalise_ipc("7 b60l11/18"), normalise_ipc("xyz")
    ('H04L 29/06', 'B60L 11/18', None)
    """
    if not isinstance(code, str):
        return None
    text = _NOISE.sub(" ", code.upper()).strip()
    m = _CODE.match(text)
    if m is None:
        return None
    section, klass, subclass, rest = m.groups()
    if klass == "00":
        return None
    head = f"{section}{klass}{subclass}"
    rest = (rest or "").strip()
    if not rest or re.fullmatch(r"[A-Z]{1,2}", rest):
        return head
    fixed = _FIXED.match(rest)
    if fixed is not None:
        group, sub = fixed.group(1), fixed.group(2)
    else:
        g = _GROUP.match(rest)
        if g is None:
            return None
        group, sub = g.group(1), g.group(2) or "00"
    main = int(group)
    if main == 0:
        return None
    sub = sub.rstrip("0").ljust(2, "0")
    return f"{head} {main}/{sub}"


def technology_field(code: str) -> TechnologyField | None:
    """The WIPO technology field of an IPC code (any notation), or None.

    Examples
    --------
    >>> technology_field("H04N 21/43").name, technology_field("H04N 5/232").name
    ('Digital communication', 'Audio-visual technology')
    """
    number = _field_number(code)
    return None if number is None else _FIELD_BY_NUMBER[number]


@lru_cache(maxsize=262144)
def _field_number(code: str) -> int | None:
    norm = normalise_ipc(code)
    if norm is None:
        return None
    table = _ipc_table()
    head, _, rest = norm.partition(" ")
    if rest:
        group = f"{head} {rest.split('/')[0]}"
        if group in table:
            return table[group]
    return table.get(head)


def map_ipc_codes(codes: Iterable[str | None]) -> list[int | None]:
    """Field number of each code (None for missing or unmapped codes), cached per code."""
    return [None if c is None else _field_number(c) for c in codes]


def ipc_fields(codes: str | Sequence[str]) -> list[int]:
    """The distinct field numbers (sorted) of one or several IPC codes.

    ``codes`` is a sequence of codes or one string holding codes separated by ``;``, ``|`` or
    ``,`` (as in many exports). Unreadable or unmapped codes are ignored.

    Examples
    --------
    >>> ipc_fields("H04L 29/06; G06F 21/00 | H04L 9/32")
    [4, 6]
    """
    items = re.split(r"[;|,]", codes) if isinstance(codes, str) else list(codes)
    found = {_field_number(c) for c in items if c and c.strip()}
    return sorted(n for n in found if n is not None)


# Three real, common IPC codes per field (a test checks each against the concordance).
_EXAMPLES = """
1: H01M 10/0525; H02J 7/00; H01F 27/28
2: H04N 5/232; G09G 3/32; H04R 1/10
3: H04B 7/0413; H04M 1/72; H01Q 1/24
4: H04L 29/06; H04W 72/04; H04L 5/00
5: H03M 13/11; H03K 17/687; H03F 3/45
6: G06F 3/041; G06N 3/08; G06T 7/00
7: G06Q 50/10; G06Q 30/02; G06Q 10/06
8: H01L 21/02; H01L 27/12; H01L 33/00
9: G02B 6/12; G03F 7/20; G02F 1/1335
10: G01N 21/65; G01R 31/36; G01S 17/89
11: G01N 33/53; G01N 33/574; G01N 33/68
12: G05B 19/418; G05D 1/02; G08G 1/16
13: A61B 5/00; A61M 5/00; A61F 2/00
14: C07D 401/04; C07C 69/00; A61Q 19/00
15: C12N 15/11; C07K 16/28; C12Q 1/68
16: A61K 31/4439; A61P 35/00; A61K 9/20
17: C08L 23/06; C08G 18/00; C08F 220/00
18: A23L 33/00; A23K 10/00; C12G 3/04
19: C09K 11/06; C10M 169/04; C11D 3/00
20: C04B 28/00; C22C 38/00; C01B 32/00
21: C23C 16/00; B32B 27/00; C25D 3/00
22: B82Y 30/00; B81B 7/00; B82B 1/00
23: B01J 23/00; B01D 61/00; B01F 27/00
24: C02F 1/00; B01D 53/94; F01N 3/00
25: B65G 47/00; B65D 81/00; B66C 13/00
26: B23K 26/00; B23Q 1/00; B25B 11/00
27: F02M 26/00; F04D 29/00; F01D 5/00
28: B41J 2/00; D21H 17/00; D06M 15/00
29: B29C 45/00; A01K 67/00; B33Y 10/00
30: F24F 11/00; F25B 39/00; F28D 20/00
31: F16H 57/00; F16K 31/00; F16L 9/00
32: B60L 53/00; B62D 5/00; B64C 39/02
33: A47J 31/00; A63F 13/00; A47C 7/00
34: A24F 40/00; A45D 44/00; G10H 1/00
35: E04B 1/00; E21B 43/00; E02D 17/00
"""


def example_ipc_codes(field_number: int) -> list[str]:
    """Three real, common IPC codes of a technology field (for synthetic data).

    Examples
    --------
    >>> example_ipc_codes(4)
    ['H04L 29/06', 'H04W 72/04', 'H04L 5/00']
    """
    if field_number not in _FIELD_BY_NUMBER:
        raise ValueError(f"field_number must be 1..35; got {field_number!r}")
    return list(_examples()[field_number])


@cache
def _examples() -> dict[int, tuple[str, ...]]:
    out: dict[int, tuple[str, ...]] = {}
    for line in _EXAMPLES.strip().splitlines():
        number, _, codes = line.partition(":")
        out[int(number)] = tuple(c.strip() for c in codes.split(";"))
    return out


# ---------------------------------------------------------------- science fields


def _key(name: str) -> str:
    """Lookup key of a category name: case, '&'/'and', punctuation and spacing ignored."""
    text = name.casefold().replace("&", " and ")
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return " ".join(text.split())


def _science(code: str) -> ScienceField:
    major = int(code.split(".")[0])
    return ScienceField(code, OECD_FIELDS[code], major, OECD_FIELDS[str(major)])


@cache
def _wos_table() -> dict[str, tuple[str, ScienceField]]:
    return {
        _key(row["category"]): (row["category"], _science(row["oecd_code"]))
        for row in _read_csv("wos_categories.csv")
    }


@cache
def _asjc_table() -> dict[str, tuple[str, ScienceField]]:
    return {
        row["code"]: (row["name"], _science(row["oecd_code"]))
        for row in _read_csv("asjc_fields.csv")
    }


#: Every Web of Science subject category of the table, in the table's (alphabetical) order.
WOS_CATEGORIES: list[str] = [row["category"] for row in _read_csv("wos_categories.csv")]

_SCHEMES = ("wos", "asjc")


def science_field(category: str, *, scheme: str = "wos") -> ScienceField | None:
    """The OECD science field of a subject category, or None when unknown.

    Parameters
    ----------
    category
        A Web of Science category (``scheme="wos"``; any case, ``&`` or ``and``) or a Scopus
        ASJC code (``scheme="asjc"``; ``"1702"``, ``"17"`` or ``"1700"``: unknown 4-digit codes
        fall back to their 2-digit subject area).
    scheme
        ``"wos"`` or ``"asjc"``.

    Examples
    --------
    >>> science_field("ENGINEERING, ELECTRICAL AND ELECTRONIC").code
    '2.2'
    >>> science_field("3312", scheme="asjc").major_name
    'Social sciences'
    """
    if scheme not in _SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(_SCHEMES)}; got {scheme!r}")
    if not isinstance(category, str):
        return None
    if scheme == "wos":
        hit = _wos_table().get(_key(category))
        return None if hit is None else hit[1]
    code = category.strip()
    if not re.fullmatch(r"\d{2}(\d{2})?", code):
        return None
    table = _asjc_table()
    hit = table.get(code) or table.get(code[:2])
    return None if hit is None else hit[1]


def is_ssh(category: str, *, scheme: str = "wos") -> bool:
    """Whether a category belongs to the social sciences, arts or humanities (OECD 5 or 6).

    Unknown categories are not SSH (so a record is never left out for an unknown category).
    """
    field = science_field(category, scheme=scheme)
    return field is not None and field.major in _SSH_MAJORS


def science_fields_table(*, scheme: str = "wos") -> list[tuple[str, ScienceField]]:
    """Every (category, field) of a scheme: WoS category names or ASJC codes."""
    if scheme not in _SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(_SCHEMES)}; got {scheme!r}")
    if scheme == "wos":
        wos = _wos_table()
        return [wos[_key(c)] for c in WOS_CATEGORIES]
    return [(code, field) for code, (_, field) in _asjc_table().items()]
