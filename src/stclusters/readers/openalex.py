"""Read OpenAlex works (JSON or JSONL, gzipped or not: API pages, snapshots) and institutions."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from stclusters.errors import InputError
from stclusters.readers._common import (
    READ_ERRORS,
    Collector,
    ReadResult,
    Source,
    bounded_lines,
    clean,
    country_code,
    normalise_doi,
    open_text,
    place_string,
    read_with,
    start,
)
from stclusters.records import Records

__all__ = [
    "Institution",
    "Institutions",
    "iter_openalex",
    "load_institutions",
    "read_openalex",
]


@dataclass(frozen=True)
class Institution:
    """Where an institution is, as given by an institutions record."""

    name: str | None
    city: str | None
    country: str | None
    lat: float | None
    lon: float | None


def _short_id(value: Any) -> str | None:
    text = clean(value)
    if not text:
        return None
    return text.rstrip("/").rsplit("/", 1)[-1]


def _as_list(value: Any) -> list[Any]:
    """Lists as they are; None as []; a scalar (a one-element list flattened) as [value]."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None


class Institutions:
    """Institution coordinates by OpenAlex id, ROR id and name (from institutions files)."""

    def __init__(self) -> None:
        self.by_id: dict[str, Institution] = {}
        self.by_ror: dict[str, Institution] = {}
        self.by_name: dict[str, Institution] = {}

    def __len__(self) -> int:
        return len(self.by_id) + len(self.by_ror) + len(self.by_name)

    def add(
        self,
        inst: Institution,
        *,
        openalex_id: str | None = None,
        ror: str | None = None,
    ) -> bool:
        """Remember one institution; False when it has no usable coordinates."""
        if inst.lat is None or inst.lon is None:
            return False
        if not (-90 <= inst.lat <= 90 and -180 <= inst.lon <= 180):
            return False
        if openalex_id:
            self.by_id.setdefault(openalex_id, inst)
        if ror:
            self.by_ror.setdefault(ror, inst)
        if inst.name:
            self.by_name.setdefault(inst.name.casefold(), inst)
        return True

    def find(
        self, openalex_id: str | None, ror: str | None, name: str | None
    ) -> Institution | None:
        """The first match by OpenAlex id, then ROR id, then exact name."""
        if openalex_id and openalex_id in self.by_id:
            return self.by_id[openalex_id]
        if ror and ror in self.by_ror:
            return self.by_ror[ror]
        if name:
            return self.by_name.get(name.casefold())
        return None

    def add_openalex(self, obj: dict[str, Any]) -> bool:
        """Add an OpenAlex institution object (with its ``geo``)."""
        geo = obj.get("geo") or {}
        if isinstance(geo, list):
            geo = geo[0] if geo else {}
        inst = Institution(
            name=clean(obj.get("display_name")),
            city=clean(geo.get("city")),
            country=country_code(geo.get("country_code") or obj.get("country_code")),
            lat=_float(geo.get("latitude")),
            lon=_float(geo.get("longitude")),
        )
        return self.add(inst, openalex_id=_short_id(obj.get("id")), ror=_short_id(obj.get("ror")))

    def add_ror(self, obj: dict[str, Any]) -> bool:
        """Add a ROR record (schema v1 ``addresses`` or v2 ``locations``)."""
        obj = obj.get("_source", obj)
        lat = lon = None
        city = None
        country = None
        for addr in _as_list(obj.get("addresses")):
            lat, lon = _float(addr.get("lat")), _float(addr.get("lng"))
            city = clean(addr.get("city"))
            break
        for loc in _as_list(obj.get("locations")):
            details = loc.get("geonames_details") or {}
            lat, lon = _float(details.get("lat")), _float(details.get("lng"))
            city = clean(details.get("name"))
            country = country_code(details.get("country_code"))
            break
        if country is None:
            country = country_code((obj.get("country") or {}).get("country_code"))
        name = clean(obj.get("name"))
        if name is None:
            for item in _as_list(obj.get("names")):
                if "ror_display" in _as_list(item.get("types")):
                    name = clean(item.get("value"))
        inst = Institution(name=name, city=city, country=country, lat=lat, lon=lon)
        return self.add(inst, ror=_short_id(obj.get("id")))


# --------------------------------------------------------------------------------------------
# JSON streaming


#: Yielded between two JSON documents of one file (exports joined with `cat`).
JOINED = object()
#: What may stand between JSON values: white space, commas, a byte-order mark (joined files).
_BETWEEN = " \t\r\n,\ufeff"


def _iter_array(fh: IO[str], buf: str, pos: int) -> Iterator[tuple[int, Any]]:
    """Stream the items of a top-level JSON array (item number, value).

    Further arrays after the first (files joined with ``cat``) are streamed too, with
    :data:`JOINED` before each; other text after an array is an error.
    """
    dec = json.JSONDecoder()
    number = 0
    eof = False
    closed = False  # between two arrays
    while True:
        while pos < len(buf) and buf[pos] in _BETWEEN:
            pos += 1
        if pos >= len(buf):
            if eof:
                if closed:
                    return
                raise EOFError("the JSON array is not closed (truncated file?)")
            more = fh.read(1 << 20)
            eof = not more
            buf, pos = buf[pos:] + more, 0
            continue
        if closed:
            if buf[pos] != "[":
                raise ValueError(f"text after the JSON array: {buf[pos : pos + 20]!r}")
            closed = False
            pos += 1
            yield number, JOINED
            continue
        if buf[pos] == "]":
            closed = True
            pos += 1
            continue
        try:
            value, end = dec.raw_decode(buf, pos)
        except json.JSONDecodeError as exc:
            if eof:
                raise ValueError(f"item {number + 1}: {exc.msg} (truncated file?)") from exc
            more = fh.read(1 << 20)
            eof = not more
            buf, pos = buf[pos:] + more, 0
            continue
        number += 1
        yield number, value
        pos = end
        if pos > 1 << 20:
            buf, pos = buf[pos:], 0


def _json_documents(text: str, name: str) -> Iterator[Any]:
    """The JSON values of a whole text, one after another (several when files were joined).

    Raises
    ------
    InputError
        When the text does not start with a JSON value.
    ValueError
        When a later value is not valid JSON.
    """
    dec = json.JSONDecoder()
    pos = 0
    number = 0
    while True:
        while pos < len(text) and text[pos] in _BETWEEN:
            pos += 1
        if pos >= len(text):
            return
        try:
            value, pos = dec.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            if number == 0:
                raise InputError(f"{name}: not valid JSON ({exc})") from exc
            raise ValueError(f"JSON document {number + 1}: {exc.msg}") from exc
        if number:
            yield JOINED
        number += 1
        yield value


def _json_values(fh: IO[str], name: str) -> Iterator[tuple[int | None, int | None, Any]]:
    """Yield (line, item, value) for every top-level value of a JSON, JSON array or JSONL file.

    Files joined with ``cat`` (several arrays, several documents, JSONL with a byte-order mark
    inside) are read one document after another, with :data:`JOINED` between two.
    """
    lines = bounded_lines(fh, name=name)
    first = next(lines, "")
    while first and not first.strip():
        first = next(lines, "")
    text = first.lstrip("\ufeff").lstrip()
    if not text:
        raise InputError(f"{name}: the file is empty")
    if text.startswith("["):
        yield from ((None, n, v) for n, v in _iter_array(fh, text, 1))
        return
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if not text.startswith("{"):
            # neither JSON Lines nor a pretty-printed document: refused on its first line,
            # never read whole (a 2 GB file of garbage took 8 GB of memory)
            raise InputError(f"{name}: not valid JSON ({exc})") from exc
        yield from ((None, None, v) for v in _json_documents(text + fh.read(), name))
        return
    yield 1, None, value
    for n, line in enumerate(lines, 2):
        if not line.strip():
            continue
        if line.startswith("\ufeff"):
            yield n, None, JOINED
            line = line.lstrip("\ufeff")
        try:
            yield n, None, json.loads(line)
        except json.JSONDecodeError as exc:
            if line.strip() in ("{", "["):  # a pretty-printed document joined to JSON Lines
                yield n, None, JOINED
                try:
                    yield from ((None, None, v) for v in _json_documents(line + fh.read(), name))
                except InputError as err:
                    raise ValueError(str(err)) from err
                return
            yield n, None, ValueError(f"not valid JSON ({exc.msg})")


def _entities(value: Any) -> Iterator[tuple[str, Any]]:
    """Split a parsed value into (kind, object): API pages, entity dicts, lists, objects."""
    if isinstance(value, list):
        for item in value:
            yield from _entities(item)
        return
    if not isinstance(value, dict):
        yield "junk", value
        return
    if isinstance(value.get("results"), list):
        yield from _entities(value["results"])
        return
    if "id" not in value and any(isinstance(v, list) for v in value.values()):
        # a dict of entity lists (works, authors, institutions, ...): institutions first
        keys = sorted(value, key=lambda k: k != "institutions")
        for key in keys:
            if isinstance(value[key], list):
                yield from _entities(value[key])
        return
    ident = str(value.get("id") or "")
    if "hits" in value and isinstance(value["hits"], dict):
        for hit in _as_list(value["hits"].get("hits")):
            yield "ror", hit
        return
    if ident.startswith("https://ror.org/") or "_source" in value:
        yield "ror", value
    elif "authorships" in value or "/W" in ident or ident.startswith("W"):
        yield "work", value
    elif "/I" in ident:
        yield "institution", value
    else:
        yield "other", value


# --------------------------------------------------------------------------------------------
# works


def _raw_strings(authorship: dict[str, Any]) -> list[str]:
    """The raw affiliation strings of an authorship, in every schema generation.

    ``raw_affiliation_strings`` (a list, since 2023), the ``raw_affiliation_string`` of each
    ``affiliations`` item (since 2024) and the older singular ``raw_affiliation_string``.
    """
    raw = [s for s in (clean(x) for x in _as_list(authorship.get("raw_affiliation_strings"))) if s]
    if not raw:
        for aff in _as_list(authorship.get("affiliations")):
            if isinstance(aff, dict) and clean(aff.get("raw_affiliation_string")):
                raw.append(clean(aff.get("raw_affiliation_string")) or "")
    if not raw:
        raw = [
            s for s in (clean(x) for x in _as_list(authorship.get("raw_affiliation_string"))) if s
        ]
    distinct = list(dict.fromkeys(raw))
    # fragments ("Japan", "Inage-ku") that are part of a longer string of the same author
    return [s for s in distinct if not any(s != o and s in o for o in distinct)]


def _inst_key(inst: dict[str, Any]) -> str:
    """The key of an authorship's institution: its OpenAlex id, else its name."""
    return _short_id(inst.get("id")) or clean(inst.get("display_name")) or ""


def _raw_for_institutions(
    authorship: dict[str, Any], insts: list[dict[str, Any]], raw: list[str]
) -> dict[str, str]:
    """The raw affiliation string of each institution of an authorship (by :func:`_inst_key`).

    From the ``affiliations`` list when the work has one (it links strings to institution
    ids; a fragment of one longer string of the author stands for that string); otherwise
    (works before 2024) the string that names the institution, or the author's only string.
    An institution left without a string is placed by its own coordinates, or by its name and
    country.
    """
    raw_for: dict[str, str] = {}
    if not raw:
        return raw_for
    for aff in _as_list(authorship.get("affiliations")):
        if isinstance(aff, dict):
            text = clean(aff.get("raw_affiliation_string"))
            if text and text not in raw:
                # a fragment ("Molecular Imaging Centre") of one whole string: the whole one
                whole = [t for t in raw if text in t]
                text = whole[0] if len(whole) == 1 else text
            for iid in _as_list(aff.get("institution_ids")):
                short = _short_id(iid)
                if text and short and short not in raw_for:
                    raw_for[short] = text
    for inst in insts:
        key = _inst_key(inst)
        if key in raw_for:
            continue
        name = (clean(inst.get("display_name")) or "").casefold()
        named = [t for t in raw if name and name in t.casefold()]
        if named:
            raw_for[key] = named[0]
        elif len(raw) == 1:
            raw_for[key] = raw[0]
    return raw_for


def _own_place(inst: dict[str, Any]) -> Institution | None:
    """An institution's own coordinates when the work carries them (OpenAlex ``geo``)."""
    geo = inst.get("geo")
    if isinstance(geo, list):
        geo = geo[0] if geo else None
    if not isinstance(geo, dict):
        return None
    lat, lon = _float(geo.get("latitude")), _float(geo.get("longitude"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Institution(
        name=clean(inst.get("display_name")),
        city=clean(geo.get("city")),
        country=country_code(geo.get("country_code")),
        lat=lat,
        lon=lon,
    )


def _emit_work(
    col: Collector, obj: dict[str, Any], where: dict[str, Any], lookup: Institutions
) -> None:
    """Turn one work into its rows (or reject it)."""
    wid = _short_id(obj.get("id"))
    if not wid:
        col.reject("work has no id", **where)
        return
    year = col.year(
        obj.get("publication_year") or obj.get("publication_date"),
        field="publication_year",
        record_id=wid,
        **where,
    )
    title = clean(obj.get("display_name") or obj.get("title"))
    if not col.document(
        wid,
        "article",
        year=year,
        doc_type=clean(obj.get("type")),
        title=title,
        source="openalex",
        doi=normalise_doi(obj.get("doi")),
    ):
        return
    if obj.get("is_authors_truncated") is True:
        listed = len(_as_list(obj.get("authorships")))
        col.warn(
            f"OpenAlex lists only the first {listed:,} authors of this work "
            "(is_authors_truncated); it is counted over the places of those authors only. "
            "Fetch the work by its id (/works/ID) to read every author",
            **where,
            record_id=wid,
        )
    _work_classes(col, wid, obj)
    work = _Work(col, wid, where, lookup)
    for i, authorship in enumerate(_as_list(obj.get("authorships"))):
        if not isinstance(authorship, dict):
            col.warn(f"authorship {i + 1} is not an object; ignored", **where, record_id=wid)
            continue
        _authorship(work, i, authorship)


@dataclass
class _Work:
    """A work whose people rows are being added, and what they are added with."""

    col: Collector
    wid: str
    #: line and record of the work, for the problems
    where: dict[str, Any]
    lookup: Institutions
    #: number of each address of the work (by institution or raw string), across its authors
    addresses: dict[str, int] = field(default_factory=dict)

    def seq(self, key: str) -> int:
        """The number of the address ``key`` (a new one when first met)."""
        return self.addresses.setdefault(key, len(self.addresses))

    def country(self, value: Any) -> str | None:
        """A country code given in the work, checked (and warned about) by the collector."""
        return self.col.country(value, record_id=self.wid, **self.where)


def _work_classes(col: Collector, wid: str, obj: dict[str, Any]) -> None:
    """Add a work's topics with their fields, and its level-0 concepts, each once."""
    seen_classes: set[tuple[str, str]] = set()

    def add_class(scheme: str, code: Any) -> None:
        text = clean(code)
        if text and (scheme, text) not in seen_classes:
            seen_classes.add((scheme, text))
            col.klass(wid, scheme, text)

    for topic in _as_list(obj.get("topics")):
        if isinstance(topic, dict):
            add_class("openalex_topic", topic.get("display_name"))
            add_class("openalex_field", (topic.get("field") or {}).get("display_name"))
    for concept in _as_list(obj.get("concepts")):
        if isinstance(concept, dict) and concept.get("level") in (0, "0"):
            add_class("openalex_concept", concept.get("display_name"))


def _authorship(work: _Work, i: int, authorship: dict[str, Any]) -> None:
    """Add the rows of the ``i``-th author: one per institution or raw affiliation string."""
    col, wid = work.col, work.wid
    author = authorship.get("author") or {}
    name = clean(author.get("display_name") or authorship.get("raw_author_name"))
    raw = _raw_strings(authorship)
    # an institution listed twice for one author (same id, or same name without id) is one
    # address of that author: one row, not two rows with the same key
    insts: list[dict[str, Any]] = []
    for inst in _as_list(authorship.get("institutions")):
        if isinstance(inst, dict) and all(_inst_key(inst) != _inst_key(x) for x in insts):
            insts.append(inst)
    raw_for = _raw_for_institutions(authorship, insts, raw)
    if insts:
        for inst in insts:
            _institution_person(work, i, name, inst, raw_for)
        # older works (no affiliations list): strings no institution was recognised in
        listed = "affiliations" in authorship
        for text in (t for t in raw if t not in raw_for.values() and not listed):
            col.person(wid, i, work.seq(f"raw:{text}"), "author", name=name, address=text)
    elif raw:
        countries = [work.country(x) for x in _as_list(authorship.get("countries"))]
        country = countries[0] if len(countries) == 1 else None
        for text in raw:
            seq = work.seq(f"raw:{text}")
            col.person(wid, i, seq, "author", name=name, address=text, country=country)
    else:
        col.person(wid, i, None, "author", name=name)


def _institution_person(
    work: _Work, i: int, name: str | None, inst: dict[str, Any], raw_for: dict[str, str]
) -> None:
    """Add the row of an author at one institution, placed by the lookup or its own coordinates."""
    iid = _inst_key(inst)
    org = clean(inst.get("display_name"))
    ror = _short_id(inst.get("ror"))
    country = work.country(inst.get("country_code"))
    found = work.lookup.find(_short_id(inst.get("id")), ror, org) or _own_place(inst)
    city = found.city if found else None
    address = raw_for.get(iid) or place_string(org, city, country)
    work.col.person(
        work.wid,
        i,
        work.seq(f"inst:{iid}"),
        "author",
        name=name,
        organisation=org,
        address=address,
        city=city,
        country=country or (found.country if found else None),
        lat=found.lat if found else None,
        lon=found.lon if found else None,
        precision="city" if found else None,
    )


@dataclass
class _Tally:
    """Counts kept while reading an OpenAlex file, for the records' numbers and the notes."""

    number: int = 0  # records so far (works, and values rejected as records)
    others: int = 0  # non-work objects ignored
    loaded: int = 0  # institutions with coordinates loaded into the lookup
    joined: int = 0  # joins between JSON documents (files joined with `cat`)

    def notes(self, col: Collector) -> None:
        """Add the file's notes to the account."""
        if self.joined:
            col.account.notes.append(
                f"{self.joined + 1:,} JSON documents joined in one file (exports joined with "
                "`cat`?) were read one after another"
            )
        if self.others:
            col.account.notes.append(
                f"{self.others:,} non-work objects (authors, concepts...) ignored"
            )
        if self.loaded:
            col.account.notes.append(f"{self.loaded:,} institutions with coordinates loaded")


def _works(
    fh: IO[str], name: str, col: Collector, lookup: Institutions, tally: _Tally
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """The works of a file with where each stands; other objects are loaded, counted or rejected."""
    for line, item, value in _json_values(fh, name):
        if value is JOINED:
            tally.joined += 1
            continue
        if isinstance(value, ValueError):
            tally.number += 1
            col.reject(str(value), line=line, record=tally.number)
            continue
        for kind, obj in _entities(value):
            if kind == "work":
                tally.number += 1
                yield obj, {"line": line, "record": item or tally.number}
            elif kind == "institution":
                tally.loaded += lookup.add_openalex(obj)
            elif kind == "ror":
                tally.loaded += lookup.add_ror(obj)
            elif kind == "junk":
                tally.number += 1
                col.reject("not a JSON object", line=line, record=tally.number)
            else:
                tally.others += 1


def iter_openalex(
    source: Source | str | Path,
    *,
    institutions: Institutions | None = None,
    collector: Collector | None = None,
) -> Iterator[Records]:
    """Stream the works of an OpenAlex file as chunks of Records.

    Accepts a JSON array of works, JSON Lines (snapshot files, one work per line), API result
    pages (``{"results": [...]}``) and dicts of entity lists; gzipped or not. Institution
    objects found in the file, and those in ``institutions``, give coordinates to the
    authorships' institutions (precision ``city``).
    """
    src, col = start(source, "openalex", collector)
    lookup = institutions if institutions is not None else Institutions()
    tally = _Tally()
    try:
        with open_text(src) as fh:
            for obj, where in _works(fh, src.name, col, lookup, tally):
                _emit_work(col, obj, where, lookup)
                if col.full:
                    yield col.flush()
    except (ValueError, *READ_ERRORS) as exc:
        if isinstance(exc, InputError):
            raise
        col.account.problem(f"reading stopped: {exc}")
    tally.notes(col)
    if col.has_rows():
        yield col.flush()


def read_openalex(path: str | Path, *, institutions: Institutions | None = None) -> ReadResult:
    """Read a whole OpenAlex works file (see :func:`iter_openalex`)."""
    return read_with(iter_openalex, path, "openalex", institutions=institutions)


# --------------------------------------------------------------------------------------------
# institutions files (lookups)


def institutions_in(src: Source, lookup: Institutions) -> tuple[int, int]:
    """Load one institutions file into ``lookup``; return (entries read, entries located)."""
    read = loaded = 0
    with open_text(src) as fh:
        if src.filename.lower().endswith((".csv", ".csv.gz")):
            reader = csv.DictReader(fh)
            for row in reader:
                read += 1
                inst = Institution(
                    name=clean(row.get("display_name") or row.get("name")),
                    city=clean(row.get("city")),
                    country=country_code(row.get("country_code")),
                    lat=_float(row.get("latitude")),
                    lon=_float(row.get("longitude")),
                )
                loaded += lookup.add(
                    inst, openalex_id=_short_id(row.get("id")), ror=_short_id(row.get("ror"))
                )
            return read, loaded
        for _line, _item, value in _json_values(fh, src.name):
            for kind, obj in _entities(value):
                if kind == "institution":
                    read += 1
                    loaded += lookup.add_openalex(obj)
                elif kind == "ror":
                    read += 1
                    loaded += lookup.add_ror(obj)
    return read, loaded


def load_institutions(
    sources: Iterable[Source | str | Path], lookup: Institutions | None = None
) -> Institutions:
    """Load institution coordinates from OpenAlex institutions files and ROR dumps."""
    lookup = lookup if lookup is not None else Institutions()
    for src in sources:
        institutions_in(src if isinstance(src, Source) else Source(Path(src)), lookup)
    return lookup
