"""Text plumbing of the geocoder: normalising, folding, postcode stripping, name keys."""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

__all__ = [
    "MAX_LENGTH",
    "ROMANISATIONS",
    "ascii_text",
    "fold",
    "key",
    "korean_skeleton",
    "normalise",
    "split_postcode",
    "strip_postcodes",
]

#: Longest address (in characters, after normalising) the geocoder reads.
MAX_LENGTH = 1000

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]+")
_SPACES = re.compile(r"\s+")
# punctuation that separates words (a hyphen and an apostrophe too: "Cluj-Napoca", "Ji'an")
_PUNCT = str.maketrans(dict.fromkeys("-‐‑‒–—'’‘`´\".()[]{}/\\&+*#!?:|<>=_~^@$%،、。・", " "))
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    """Whitespace collapsed, control characters removed, NFC, casefolded.

    Two addresses with the same normalised form geocode to the same result.
    """
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text).casefold())
    return _SPACES.sub(" ", text).strip()


#: Han ideographs (CJK Unified Ideographs and their extensions, the compatibility ideographs,
#: the radicals and the ideographic iteration and number marks): each is one syllable of a name
#: written without spaces, romanised as separate syllables ("北京市" -> "bei jing shi").
_HAN = re.compile(
    "([\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\U00020000-\U0003ffff])"
)


def ascii_text(text: str) -> str:
    """``text`` in ASCII: accents dropped and every script transliterated, character by character.

    The one transliterator of the project: ``anyascii`` (ISC licence), which romanises each
    character on its own (Chinese by its Mandarin pinyin, Japanese kana by Hepburn, Cyrillic,
    Greek, Arabic and the Indic scripts by their common romanisations). A Han ideograph is
    followed by a space, so that a Chinese or Japanese name folds to its syllables as they are
    written in Latin script (and as the Unidecode library, used before, wrote them).

    >>> ascii_text("Zürich"), ascii_text("北京"), ascii_text("Москва")
    ('Zurich', 'Bei Jing ', 'Moskva')
    """
    if text.isascii():
        return text
    return anyascii(_HAN.sub(r"\1 ", text))


def fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces (accents and scripts transliterated)."""
    if not text.isascii():
        text = ascii_text(text)
    text = text.lower().translate(_PUNCT)
    return " ".join(text.split())


def key(text: str) -> str:
    """The lookup key of a name: folded, every character other than a-z and 0-9 removed.

    ``"'s-Hertogenbosch"``, ``"Shertogenbosch"`` and ``"S Hertogenbosch"`` share one key.
    """
    if not text.isascii():
        text = ascii_text(text)
    return _NON_ALNUM.sub("", text.lower())


# --------------------------------------------------------------------------------------------
# romanisations

_KR_VOWELS = (("eo", "o"), ("eu", "u"), ("ou", "o"), ("oo", "u"), ("wo", "o"))
_KR_CONSONANTS = str.maketrans({"g": "k", "d": "t", "b": "p", "r": "l", "j": "c"})
_DOUBLED = re.compile(r"(.)\1+")


def korean_skeleton(name_key: str) -> str:
    """A key shared by the Revised and the McCune-Reischauer romanisations of a Korean name.

    Voiced and voiceless initials merge (g/k, d/t, b/p, j/ch), as do the vowels written with or
    without breves ("eo"/"o", "eu"/"u") and doubled letters: "Ichon" and "Icheon", "Kwangju" and
    "Gwangju", "Taegu" and "Daegu", "Kyoungki" and "Gyeonggi" share a skeleton.

    >>> korean_skeleton("icheon") == korean_skeleton("ichon")
    True
    """
    k = name_key.replace("ch", "c")
    for old, new in _KR_VOWELS:
        k = k.replace(old, new)
    return _DOUBLED.sub(r"\1", k.translate(_KR_CONSONANTS))


#: Romanisation skeletons by country (older spellings of place names).
ROMANISATIONS = {"KR": korean_skeleton, "KP": korean_skeleton}


# --------------------------------------------------------------------------------------------
# postcodes

#: Letter prefixes of European postcodes ("D-80333", "F-75005", "CH-1814", "S-260 40").
POSTAL_PREFIXES: dict[str, str] = {
    "A": "AT",
    "AT": "AT",
    "B": "BE",
    "BE": "BE",
    "BG": "BG",
    "BR": "BR",
    "CH": "CH",
    "CY": "CY",
    "CZ": "CZ",
    "D": "DE",
    "DE": "DE",
    "DK": "DK",
    "E": "ES",
    "EE": "EE",
    "ES": "ES",
    "F": "FR",
    "FI": "FI",
    "FIN": "FI",
    "FR": "FR",
    "GR": "GR",
    "H": "HU",
    "HR": "HR",
    "HU": "HU",
    "I": "IT",
    "IL": "IL",
    "IRL": "IE",
    "IS": "IS",
    "IT": "IT",
    "L": "LU",
    "LT": "LT",
    "LU": "LU",
    "LV": "LV",
    "N": "NO",
    "NL": "NL",
    "NO": "NO",
    "P": "PT",
    "PL": "PL",
    "PT": "PT",
    "RO": "RO",
    "RS": "RS",
    "RU": "RU",
    "S": "SE",
    "SE": "SE",
    "SF": "FI",
    "SI": "SI",
    "SK": "SK",
    "TR": "TR",
    "UA": "UA",
    "YU": "RS",
}
_PREFIX_RE = "|".join(sorted(POSTAL_PREFIXES, key=len, reverse=True))
#: "D-80333", "CH-1814", "S-260 40", "D- 090", "I 31044" (a single letter, then a space)
_PREFIXED = re.compile(
    rf"(?<![A-Za-z])(?P<prefix>{_PREFIX_RE})(?:\s?-\s?|(?<=^[A-Z]) )(?=\d)\d[\d ]*\d?",
    re.IGNORECASE,
)
_PREFIXED_SINGLE = re.compile(
    r"(?<![A-Za-z])(?P<prefix>[ABDEFHILNPS]) (?=\d{4,5}\b)\d{4,5}", re.IGNORECASE
)
_NETHERLANDS = re.compile(r"\b\d{4} ?[A-Z]{2}\b", re.IGNORECASE)
#: a postcode glued to a name with a hyphen
_GLUED = re.compile(r"(?<=[^\W\d_])-(?=\d)")
#: any word holding a digit: numeric postcodes and the British and Canadian ones ("OX1 3PU")
_WITH_DIGIT = re.compile(
    r"(?<![^\s,;])(?!(?:\d*1st|\d*2nd|\d*3rd|\d*[04-9]th|1[1-3]th)\b)[^\s,;]*\d[^\s,;]*",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
_PO_BOX = re.compile(r"\b(?:p\.? ?o\.?|post office)? ?box \d+\b|\bpob \S+", re.IGNORECASE)


#: a postcode leading a city field: "80331 München", "D-5600 Wuppertal", "NL-1062 XK Amsterdam"
_LEAD_POSTCODE = re.compile(
    r"^(?:[A-Z]{1,3}(?:\s?-\s?|\s))?(\d[\d]*(?:\s\d{2,3})?(?:\s[A-Z]{2}(?=\s))?)\s+(\D.*)$"
)
#: a postcode ending a city field
_TRAIL_POSTCODES = (
    re.compile(r"^(.*?)[,\s]+([A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})$"),  # UK: "Cambridge CB2 1DP"
    re.compile(r"^(.*?)[,\s]+([A-Z]\d[A-Z]\s?\d[A-Z]\d)$"),  # Canada: "Toronto M5G 1X8"
    re.compile(r"^(.*?)[,\s]+(\d{3}-\d{3,4}|\d{5}-\d{4}|\d{3,6})$"),  # JP, US, CN, ...
)


def split_postcode(part: str) -> tuple[str, str | None]:
    """One element of an address split into the rest and the postcode at its start or end.

    The one postcode splitter of the project: the patent readers use it on city fields, and
    :func:`strip_postcodes` (the geocoder) starts with it. Letters are matched as written (the
    British, Canadian and Dutch forms are upper case).

    >>> split_postcode("80331 München"), split_postcode("Cambridge CB2 1DP")
    (('München', '80331'), ('Cambridge', 'CB2 1DP'))
    >>> split_postcode("Kfar-Saba")
    ('Kfar-Saba', None)
    """
    m = _LEAD_POSTCODE.match(part)
    if m:
        return m.group(2).strip(), m.group(1)
    for pattern in _TRAIL_POSTCODES:
        m = pattern.match(part)
        if m and m.group(1).strip():
            return m.group(1).strip(" ,"), m.group(2)
    return part, None


def strip_postcodes(part: str, *, netherlands: bool = False) -> tuple[str, str | None]:
    """``part`` without its postcodes, numbers and PO boxes, and the country a prefix names.

    The postcode at the start or end goes first (:func:`split_postcode`), then every other
    word holding a digit. ``netherlands`` also strips Dutch postcodes ("7553 AE") written in
    lower case, whose letters look like a word.

    >>> strip_postcodes("D-80333 München")
    (' München', 'DE')
    """
    if not _DIGIT.search(part):  # most parts: no postcode or number, at most a "POB ..."
        return (_PO_BOX.sub(" ", part) if "pob" in part.lower() else part), None
    return _strip_numbers(part, netherlands=netherlands)


def _strip_numbers(part: str, *, netherlands: bool) -> tuple[str, str | None]:
    """:func:`strip_postcodes` of any part (the one that holds digits): every step in turn."""
    hint: str | None = None
    m = _PREFIXED.search(part) or _PREFIXED_SINGLE.search(part)
    if m:
        hint = POSTAL_PREFIXES.get(m.group("prefix").upper())
        part = part[: m.start()] + " " + part[m.end() :]
    if "box" in part.lower() or "pob" in part.lower():
        part = _PO_BOX.sub(" ", part)
    if netherlands:
        part = _NETHERLANDS.sub(" ", part)
    part = _GLUED.sub(" ", part)  # "Delhi-110054"
    stripped = part.strip()
    rest, code = split_postcode(stripped) if _DIGIT.search(stripped) else (stripped, None)
    numeric = code is not None and not any(ch.isalpha() for ch in code)
    if numeric and code is not None and (stripped.startswith(code) or stripped.endswith(code)):
        part = " " + rest  # the postcode alone, no letters before it ("MA 02138")
    return _WITH_DIGIT.sub(" ", part), hint
