"""Topic clusters (method.md section "Topic clusters"): restrict a run to one topic.

A topic is one or more *parts* joined by ``" + "``; each part is ``kind:items`` with items
separated by ``;`` (names may hold commas), or, without a kind, a WIPO technology field or
sector name or number, or IPC/CPC code prefixes:

``field:`` (the default for names and numbers 1-35)
    WIPO technology fields by number or name, or sectors by name (case-insensitive):
    ``Digital communication``, ``4``, ``Electrical engineering``. Matches IPC and CPC codes
    through the concordance of :mod:`stclusters.measure.fields`. Patents.
``ipc:`` or ``cpc:`` (the default when every item looks like a code)
    IPC/CPC code prefixes in any usual notation: ``H04L``, ``A01H;C12N15/82``, ``C12N 15``.
    A prefix down to the main group matches that group and its subgroups. Patents.
``science:``
    OECD fields of science by code or name (``1.2``, ``Computer and information sciences``)
    or major fields (``1``, ``Natural sciences``), through the category tables. Articles.
``wos:``
    Web of Science subject categories by name (``Physics, Applied``). Articles.
``asjc:``
    Scopus ASJC code prefixes (``17``, ``2208``). Articles.
``words:``
    Words or phrases looked for in the titles (whole words, any case; the record model holds
    no abstracts): ``words:graphene;solid-state battery``. Patents and articles.

A document's codes are its distinct IPC/CPC codes (patents) or subject categories (articles).
With ``topic_counting = "fractional"`` a document belongs to the topic with the share of its
codes that match, and its weight (1 in a run without topic) becomes that share; with
``"whole"`` it belongs wholly when any code matches. A title that matches a ``words:`` part
puts its document wholly in the topic. A layer the topic names nothing for is left empty.

The documents' weights are one SQL statement over the canonical views (:func:`topic_weights`);
only the distinct codes of the records are looked up in Python (the table ``topic_codes``
grows with the distinct codes, never with the documents).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from stclusters.errors import ConfigError, InputError
from stclusters.measure.fields import (
    OECD_FIELDS,
    SECTORS,
    TECHNOLOGY_FIELDS,
    normalise_ipc,
    science_field,
)

if TYPE_CHECKING:
    from stclusters.config import Config
    from stclusters.measure.counting import Shares

__all__ = [
    "COUNTING",
    "KINDS",
    "Topic",
    "TopicPart",
    "min_points_scale",
    "parse_topic",
    "topic_codes",
    "topic_config",
    "topic_weights",
]

#: How a document belongs to a topic (the ``topic_counting`` setting).
COUNTING = ("fractional", "whole")

#: The kinds of a topic part and the layer each restricts (None: both layers).
KINDS: dict[str, str | None] = {
    "field": "patent",
    "ipc": "patent",
    "cpc": "patent",
    "science": "article",
    "wos": "article",
    "asjc": "article",
    "words": None,
}

#: Classification schemes of each layer's codes.
LAYER_SCHEMES = {"patent": ("ipc", "cpc"), "article": ("wos", "asjc")}

SYNTAX = (
    "a topic is one or more parts joined by ' + ', each 'kind:item;item' with kind one of "
    "field (WIPO technology field by number 1-35 or name, or sector name), ipc or cpc (code "
    "prefixes such as H04L or C12N15/82), science (OECD field of science by code or name, "
    "such as 1.2), wos (Web of Science categories), asjc (Scopus ASJC codes) or words (words "
    "in titles); without a kind, a field or sector name or number, or IPC/CPC code prefixes"
)

_CODE_PREFIX = re.compile(r"^([A-H])(\d{2})?([A-Z])?(?:[\s\-]*(\d{1,4})(?:\s*/\s*(\d{0,6}))?)?$")
_WORD = re.compile(r"^[\w][\w\s\-']*$")


@dataclass(frozen=True)
class TopicPart:
    """One part of a topic: its kind, its items as matched and how it reads.

    Attributes
    ----------
    kind
        One of :data:`KINDS`.
    items
        ``field``: field numbers; ``ipc``/``cpc``: compact prefixes (``"C12N15/82"``);
        ``science``: OECD codes (``"1.2"`` or a major ``"1"``); ``wos``: category names;
        ``asjc``: code prefixes; ``words``: the words, folded to lower case.
    label
        The part for people, e.g. ``"Digital communication (WIPO field 4)"``.
    """

    kind: str
    items: tuple[str, ...]
    label: str

    @property
    def layer(self) -> str | None:
        """The layer this part restricts (None: both)."""
        return KINDS[self.kind]


@dataclass(frozen=True)
class Topic:
    """A parsed topic (:func:`parse_topic`).

    Attributes
    ----------
    text
        The topic as given.
    parts
        Its parts, in the order given.
    counting
        ``"fractional"`` or ``"whole"`` (:data:`COUNTING`).
    """

    text: str
    parts: tuple[TopicPart, ...]
    counting: str

    @property
    def label(self) -> str:
        """The topic for people: its parts' labels joined by ``" + "``."""
        return " + ".join(p.label for p in self.parts)

    @property
    def line(self) -> str:
        """The line the site, the profiles and the accounts show, e.g. ``"Topic: Digital
        communication (WIPO field 4), fractional counting"``."""
        return f"Topic: {self.label}, {self.counting} counting"

    @property
    def layers(self) -> tuple[str, ...]:
        """The layers the topic names something for (the others are left empty)."""
        named = {p.layer for p in self.parts}
        return tuple(x for x in ("patent", "article") if x in named or None in named)

    def parts_of(self, layer: str) -> tuple[TopicPart, ...]:
        """The parts that restrict ``layer``."""
        return tuple(p for p in self.parts if p.layer in (layer, None))


def _fail(text: str, why: str) -> ConfigError:
    return ConfigError(f"The 'topic' setting {text!r} cannot be read: {why}; {SYNTAX}")


def _fold(text: str) -> str:
    return " ".join(text.casefold().replace("&", " and ").split())


def _field_items(items: list[str], text: str) -> TopicPart:
    by_name = {_fold(f.name): f for f in TECHNOLOGY_FIELDS}
    sectors = {_fold(s): s for s in SECTORS}
    numbers: list[int] = []
    labels: list[str] = []
    for item in items:
        key = _fold(item)
        if key.isdigit() and 1 <= int(key) <= len(TECHNOLOGY_FIELDS):
            f = TECHNOLOGY_FIELDS[int(key) - 1]
            numbers.append(f.number)
            labels.append(f"{f.name} (WIPO field {f.number})")
        elif key in by_name:
            f = by_name[key]
            numbers.append(f.number)
            labels.append(f"{f.name} (WIPO field {f.number})")
        elif key in sectors:
            sector = sectors[key]
            of = [f.number for f in TECHNOLOGY_FIELDS if f.sector == sector]
            numbers += of
            labels.append(f"{sector} (WIPO sector, fields {of[0]}-{of[-1]})")
        else:
            allowed = "; ".join(f"{f.number} {f.name}" for f in TECHNOLOGY_FIELDS)
            raise _fail(
                text,
                f"{item!r} is no WIPO technology field or sector (fields: {allowed}; sectors: "
                f"{', '.join(SECTORS)})",
            )
    unique = tuple(str(n) for n in sorted(set(numbers)))
    return TopicPart("field", unique, " and ".join(labels))


def _compact_prefix(item: str) -> str | None:
    """A code prefix in compact form, or None when it is not one: ``"H04L"``, a main group
    ``"C12N15/"`` (from ``"C12N 15"`` or ``"C12N 15/00"``) or ``"C12N15/82"``."""
    m = _CODE_PREFIX.match(item.strip().upper())
    if m is None:
        return None
    section, klass, subclass, group, sub = m.groups()
    if (subclass and not klass) or (group and not subclass):
        return None
    head = section + (klass or "") + (subclass or "")
    if not group:
        return head
    if int(group) == 0:
        return None
    sub = (sub or "").rstrip("0") if set(sub or "") <= {"0"} else sub
    return f"{head}{int(group)}/{sub}"


def _code_items(kind: str, items: list[str], text: str) -> TopicPart:
    prefixes = []
    for item in items:
        p = _compact_prefix(item)
        if p is None:
            raise _fail(
                text,
                f"{item!r} is no IPC/CPC code prefix (a section letter A-H, then optionally "
                "two class digits, a subclass letter, a main group and a subgroup: H, H04, "
                "H04L, H04L 29, H04L 29/06)",
            )
        prefixes.append(p)
    unique = tuple(dict.fromkeys(prefixes))
    shown = ", ".join(p.rstrip("/") if p.endswith("/") else p for p in unique)
    return TopicPart(kind, unique, f"{kind.upper()} codes {shown}")


def _science_items(items: list[str], text: str) -> TopicPart:
    by_name = {_fold(name): code for code, name in OECD_FIELDS.items()}
    codes, labels = [], []
    for item in items:
        key = _fold(item)
        code = key if key in OECD_FIELDS else by_name.get(key)
        if code is None:
            allowed = "; ".join(f"{c} {n}" for c, n in OECD_FIELDS.items())
            raise _fail(text, f"{item!r} is no OECD field of science (allowed: {allowed})")
        codes.append(code)
        labels.append(f"{OECD_FIELDS[code]} (OECD field {code})")
    return TopicPart("science", tuple(dict.fromkeys(codes)), " and ".join(labels))


def _wos_items(items: list[str], text: str) -> TopicPart:
    names = []
    for item in items:
        if science_field(item, scheme="wos") is None:
            raise _fail(
                text,
                f"{item!r} is no Web of Science subject category (the categories are listed "
                "in stclusters/data/wos_categories.csv)",
            )
        names.append(_fold(item))
    return TopicPart("wos", tuple(dict.fromkeys(names)), "WoS categories " + "; ".join(items))


def _asjc_items(items: list[str], text: str) -> TopicPart:
    for item in items:
        if not re.fullmatch(r"\d{2}(\d{1,2})?", item):
            raise _fail(text, f"{item!r} is no ASJC code prefix (2 to 4 digits, such as 17)")
    return TopicPart("asjc", tuple(dict.fromkeys(items)), "ASJC codes " + ", ".join(items))


def _words_items(items: list[str], text: str) -> TopicPart:
    for item in items:
        if not _WORD.match(item):
            raise _fail(
                text, f"{item!r} is no word or phrase (letters, digits, spaces and hyphens)"
            )
    words = tuple(dict.fromkeys(" ".join(i.casefold().split()) for i in items))
    return TopicPart("words", words, "titles with " + " or ".join(f'"{w}"' for w in words))


def _part(raw: str, text: str) -> TopicPart:
    kind, sep, rest = raw.partition(":")
    kind = kind.strip().casefold()
    if sep and kind in KINDS:
        body = rest
    elif sep and re.fullmatch(r"[a-z]+", kind):
        raise _fail(text, f"unknown kind {kind!r} (kinds: {', '.join(KINDS)})")
    else:
        kind, body = "", raw
    items = [i.strip() for i in body.split(";") if i.strip()]
    if not items:
        raise _fail(text, f"the part {raw.strip()!r} names nothing")
    if not kind:
        codes = [_compact_prefix(i) for i in items]
        kind = "ipc" if all(c is not None for c in codes) else "field"
    if kind == "field":
        return _field_items(items, text)
    if kind in ("ipc", "cpc"):
        return _code_items(kind, items, text)
    if kind == "science":
        return _science_items(items, text)
    if kind == "wos":
        return _wos_items(items, text)
    if kind == "asjc":
        return _asjc_items(items, text)
    return _words_items(items, text)


def parse_topic(text: str, *, counting: str = "fractional") -> Topic:
    """Read a topic (syntax in the module docstring).

    Parameters
    ----------
    text
        The topic, e.g. ``"Digital communication"``, ``"ipc:A01H;C12N15/82"``,
        ``"4 + science:1.2"``.
    counting
        ``"fractional"`` or ``"whole"``.

    Raises
    ------
    ConfigError
        For an empty topic or part, an unknown kind, field, sector, category or a malformed
        code prefix; the message lists what is allowed.

    Examples
    --------
    >>> parse_topic("digital COMMUNICATION").line
    'Topic: Digital communication (WIPO field 4), fractional counting'
    >>> parse_topic("A01H;C12N15/82", counting="whole").parts[0].items
    ('A01H', 'C12N15/82')
    """
    if counting not in COUNTING:
        raise ConfigError(
            f"The 'topic_counting' setting must be one of {', '.join(COUNTING)}; got {counting}"
        )
    if not isinstance(text, str) or not text.strip():
        raise _fail(str(text), "it is empty")
    parts = tuple(_part(raw, text) for raw in text.split(" + "))
    return Topic(text=text, parts=parts, counting=counting)


# ---------------------------------------------------------------- matching


def _code_matches(code: str, scheme: str, parts: tuple[TopicPart, ...]) -> bool:
    """Whether one (scheme, code) of the records matches any of ``parts``."""
    return any(_part_matches(part, code, scheme) for part in parts)


def _part_matches(part: TopicPart, code: str, scheme: str) -> bool:
    """Whether one (scheme, code) matches one part (codes of the other layer never do)."""
    from stclusters.measure.fields import technology_field

    patent = scheme in LAYER_SCHEMES["patent"]
    if part.kind == "field" and patent:
        tf = technology_field(code)
        return tf is not None and str(tf.number) in part.items
    if part.kind in ("ipc", "cpc") and patent:
        norm = normalise_ipc(code)
        return norm is not None and _prefix_match(norm.replace(" ", ""), part.items)
    if part.kind == "science" and not patent:
        sf = science_field(code, scheme=scheme)
        return sf is not None and (sf.code in part.items or str(sf.major) in part.items)
    if part.kind == "wos" and scheme == "wos":
        return _fold(code) in part.items
    if part.kind == "asjc" and scheme == "asjc":
        return any(code.strip().startswith(p) for p in part.items)
    return False


def _prefix_match(compact: str, prefixes: tuple[str, ...]) -> bool:
    """``compact`` (``"C12N15/8213"``) is under one of ``prefixes`` (``"C12N15/82"``, the
    main group ``"C12N15/"`` or ``"C12N"``): a main-group prefix does not match another
    group that starts with the same digits (``C12N 150/00`` is not under ``C12N 15``)."""
    if "/" not in compact:
        compact += "/"
    return any(compact.startswith(p) for p in prefixes)


def topic_codes(con: duckdb.DuckDBPyConnection, topic: Topic) -> None:
    """Create ``topic_codes(scheme, code, matched)``: every distinct code of the records'
    ``classes`` in the schemes of the layers the topic names, and whether it matches."""
    schemes = [s for layer in topic.layers for s in LAYER_SCHEMES[layer]]
    rows = con.execute(
        "SELECT DISTINCT scheme, code FROM classes WHERE list_contains(?, scheme) "
        "ORDER BY scheme, code",
        [schemes],
    ).fetchall()
    matched = []
    for scheme, code in rows:
        layer = "patent" if scheme in LAYER_SCHEMES["patent"] else "article"
        matched.append(_code_matches(code, scheme, topic.parts_of(layer)))
    table = pa.table(
        {
            "scheme": pa.array([s for s, _ in rows], pa.string()),
            "code": pa.array([c for _, c in rows], pa.string()),
            "matched": pa.array(matched, pa.bool_()),
        }
    )
    con.register("topic_codes_in", table)
    try:
        con.execute("CREATE OR REPLACE TABLE topic_codes AS SELECT * FROM topic_codes_in")
    finally:
        con.unregister("topic_codes_in")


def _words_pattern(topic: Topic, layer: str) -> str | None:
    words = [w for p in topic.parts_of(layer) if p.kind == "words" for w in p.items]
    if not words:
        return None
    alternatives = "|".join(r"\s+".join(re.escape(t) for t in w.split()) for w in words)
    return rf"(?i)\b(?:{alternatives})\b"


def topic_weights(con: duckdb.DuckDBPyConnection, topic: Topic) -> None:
    """Create ``topic_weights(doc_id, n_codes, n_matched, weight)``, one row per document.

    ``n_codes``: the document's distinct codes of its layer's schemes (IPC/CPC for patents,
    WoS/ASJC for articles); ``n_matched``: those that match the topic (:func:`topic_codes`).
    ``weight``: 1 when the title matches a ``words:`` part of the layer; else, when the topic
    names codes for the layer, ``n_matched / n_codes`` (fractional counting) or 1 when
    ``n_matched > 0`` (whole counting); else 0. One statement of joins and hash aggregates.
    """
    topic_codes(con, topic)
    cases = []
    params: list[str] = []
    for layer in ("patent", "article"):
        pattern = _words_pattern(topic, layer)
        if pattern is not None:
            cases.append(
                f"WHEN d.layer = '{layer}' AND regexp_matches(coalesce(d.title, ''), ?) THEN 1.0"
            )
            params.append(pattern)
        if any(p.kind != "words" for p in topic.parts_of(layer)):
            share = (
                "n_matched::DOUBLE / n_codes"
                if topic.counting == "fractional"
                else "CASE WHEN n_matched > 0 THEN 1.0 ELSE 0.0 END"
            )
            cases.append(f"WHEN d.layer = '{layer}' AND n_codes > 0 THEN {share}")
    when = "\n".join(cases)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE topic_weights AS
        WITH codes AS (
            SELECT c.doc_id, c.code, bool_or(t.matched) AS matched
            FROM classes c JOIN topic_codes t ON t.scheme = c.scheme AND t.code = c.code
            JOIN documents d ON d.doc_id = c.doc_id
            WHERE (d.layer = 'patent' AND c.scheme IN ('ipc', 'cpc'))
               OR (d.layer = 'article' AND c.scheme IN ('wos', 'asjc'))
            GROUP BY c.doc_id, c.code
        ), per_doc AS (
            SELECT doc_id, count(*) AS n_codes, count(*) FILTER (WHERE matched) AS n_matched
            FROM codes GROUP BY doc_id
        )
        SELECT d.doc_id, coalesce(n_codes, 0) AS n_codes, coalesce(n_matched, 0) AS n_matched,
            CASE {when}
                 ELSE 0.0 END::DOUBLE AS weight
        FROM documents d LEFT JOIN per_doc p ON p.doc_id = d.doc_id
        """,
        params,
    )


def min_points_scale(
    topic: Topic, world: Mapping[str, float], world_all: Mapping[str, float]
) -> float:
    """The factor ``min_points`` is multiplied by in a topic run: the topic's share of the
    world output of the layer it names (``world[layer] / world_all[layer]``, the current
    window's documents after the filters with and without the topic), or the mean of the two
    layers' shares when it names both. 0 when the topic holds no document."""
    shares = [world[layer] / world_all[layer] for layer in topic.layers if world_all[layer] > 0]
    return sum(shares) / len(shares) if shares else 0.0


def topic_config(config: Config, shares: Shares) -> Config:
    """The settings the clustering and the measure stage use in a topic run: ``min_points``
    is ``topic_min_points`` when given, else ``min_points`` times :func:`min_points_scale`
    (method.md "Topic clusters"). ``config`` itself when the run has no topic.

    Raises
    ------
    InputError
        When the topic holds no document of the current window (nothing to cluster).
    """
    topic = shares.topic
    if topic is None:
        return config
    if config.topic_min_points is not None:
        return config.replace(min_points=config.topic_min_points)
    scale = min_points_scale(topic, shares.world, shares.world_all or shares.world)
    if scale <= 0:
        raise InputError(
            f"The topic {topic.label!r} holds no document of the current window of the "
            f"inputs (no {' or '.join(topic.layers)} code or title matches); check the topic "
            "(setting 'topic') or give inputs that hold it"
        )
    return config.replace(min_points=config.min_points * scale)
