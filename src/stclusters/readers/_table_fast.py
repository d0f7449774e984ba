"""The vectorised path of the plain-table reader: whole runs of well-formed rows, in Arrow.

:func:`stclusters.readers.table.iter_table` reads a one-row-per-person table in *units*: runs of
rows holding whole documents. A unit whose rows are all well formed (no value the row-by-row
reader would report, repair or reject) is turned into the four tables here with Arrow compute
functions, giving exactly the rows, numbering, accounts and chunk boundaries of the row-by-row
reader; any other unit raises :class:`Slow` and goes through that reader. Values that
:func:`~stclusters.readers._common.clean` would change in a way Arrow cannot copy exactly
(Unicode white space) are cleaned by that function itself, one by one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from stclusters._countries import iso_alpha2_codes
from stclusters.readers._common import Collector, clean, normalise_doi
from stclusters.readers._dialect import DECIMAL_COMMA, DECIMAL_POINT
from stclusters.records import LAYERS, PRECISIONS, SCHEMAS, YEAR_RANGE

__all__ = ["Slow", "clean_array", "fast_unit", "first_rows"]

#: Characters for which ``str.isspace`` holds, other than the space: a value holding one (or two
#: spaces in a row) is cleaned by :func:`clean` itself; any other value only loses the spaces
#: at its ends.
_ODD_SPACE = (
    r"[\t-\r\x1c-\x1f\x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}"
    r"\x{3000}]"
)
#: Numbers Python's float() and Arrow's cast read the same way.
_DECIMAL = r"^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"
_DIGITS = r"^[0-9]+$"
_DOI_PREFIX = r"(?i)^(?:https?://(?:dx\.)?doi\.org/|doi: *)"
_ISO = pa.array(sorted(iso_alpha2_codes()), pa.string())
_STR = pa.string()


class Slow(Exception):  # noqa: N818 - a signal, not an error
    """The unit holds a row the vectorised path does not take; read it row by row."""


def _true(mask: pa.Array | pa.ChunkedArray) -> np.ndarray[Any, Any]:
    """A boolean Arrow array as a NumPy array, null read as False."""
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def _suspects(arr: pa.StringArray) -> np.ndarray[Any, Any]:
    """Positions of the values that may hold white space other than single spaces: a byte
    below 0x20 or above 0x7f (every other white space character, in UTF-8) or two spaces in a
    row. One NumPy pass over the text bytes; a superset of the values :func:`clean` changes
    beyond their end spaces."""
    _, offsets_buf, data_buf = arr.buffers()
    n = len(arr)
    offsets = np.frombuffer(offsets_buf, dtype=np.int32, count=n + 1, offset=arr.offset * 4)
    if data_buf is None or n == 0 or offsets[-1] == offsets[0]:
        return np.zeros(0, dtype=np.int64)
    data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0] : offsets[-1]]
    odd = (data < 0x20) | (data > 0x7F)
    odd[:-1] |= (data[:-1] == 0x20) & (data[1:] == 0x20)
    where = np.flatnonzero(odd) + offsets[0]
    return np.unique(np.searchsorted(offsets, where, side="right") - 1)


def clean_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """:func:`clean` over a string array: the same text, with None for empty values.

    Every value loses the spaces at its ends in Arrow; the values that may hold other white
    space (:func:`_suspects`) are checked with Arrow's regular expressions, and the few that
    do are cleaned by :func:`clean` itself, one by one.
    """
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if arr.type != _STR:
        arr = arr.cast(_STR)
    trimmed = pc.ascii_trim(arr, " ")  # the byte of a space is never inside a character
    suspects = _suspects(arr)
    if len(suspects):
        some = arr.take(pa.array(suspects))
        odd = pc.or_(pc.match_substring(some, "  "), pc.match_substring_regex(some, _ODD_SPACE))
        if pc.any(odd).as_py():
            rows = suspects[_true(odd)]
            mask = np.zeros(len(arr), dtype=bool)
            mask[rows] = True
            fixed = [clean(v) for v in some.filter(odd).to_pylist()]
            trimmed = pc.replace_with_mask(trimmed, pa.array(mask), pa.array(fixed, _STR))
    result: pa.Array = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, _STR), trimmed)
    return result


def _text(t: pa.Table, name: str) -> pa.Array:
    """A column as cleaned text (nulls when absent); :class:`Slow` when it is not text."""
    if name not in t.column_names:
        return pa.nulls(t.num_rows, _STR)
    col = t.column(name)
    if col.type == pa.null():
        return pa.nulls(t.num_rows, _STR)
    if col.type not in (_STR, pa.large_string()):
        raise Slow
    return clean_array(col)


def _number(t: pa.Table, name: str) -> pa.Array:
    """A coordinate column as float64 (None for empty or NaN), read as ``float()`` reads it."""
    if name not in t.column_names:
        return pa.nulls(t.num_rows, pa.float64())
    col = t.column(name).combine_chunks()
    if col.type == pa.null():
        return pa.nulls(t.num_rows, pa.float64())
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        col = col.cast(_STR)
        # a decimal comma ("48,137") read as a point, as the row-by-row reader reads it
        col = pc.replace_substring_regex(col, DECIMAL_COMMA, DECIMAL_POINT)
        given = pc.and_(pc.is_valid(col), pc.not_equal(col, ""))
        if not _true(pc.match_substring_regex(col, _DECIMAL))[_true(given)].all():
            raise Slow
        col = pc.if_else(given, col, pa.scalar(None, _STR)).cast(pa.float64())
    elif pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
        col = col.cast(pa.float64())
    else:
        raise Slow
    out: pa.Array = pc.if_else(pc.is_nan(col), pa.scalar(None, pa.float64()), col)
    return out


def _present(t: pa.Table, name: str) -> np.ndarray[Any, Any]:
    """Rows where :func:`clean` of the raw value is not None (for the people columns)."""
    if name not in t.column_names:
        return np.zeros(t.num_rows, dtype=bool)
    col = t.column(name)
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        return _true(pc.is_valid(clean_array(col)))
    if col.type == pa.null():
        return np.zeros(t.num_rows, dtype=bool)
    return _true(pc.is_valid(col))


def _sequence(t: pa.Table, name: str) -> pa.Array:
    """A person_seq or address_seq column as int32 (None when empty); :class:`Slow` if unusual."""
    if name not in t.column_names:
        return pa.nulls(t.num_rows, pa.int32())
    col = t.column(name).combine_chunks()
    if col.type == pa.null():
        return pa.nulls(t.num_rows, pa.int32())
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        col = col.cast(_STR)
        given = pc.and_(pc.is_valid(col), pc.not_equal(col, ""))
        if not _true(pc.match_substring_regex(col, _DIGITS))[_true(given)].all():
            raise Slow
        col = pc.if_else(given, col, pa.scalar(None, _STR))
    elif not pa.types.is_integer(col.type):
        raise Slow
    ints = col.cast(pa.int64())
    if pc.any(pc.or_(pc.less(ints, 0), pc.greater(ints, 2**31 - 1))).as_py():
        raise Slow
    out: pa.Array = ints.cast(pa.int32())
    return out


def _years(heads: pa.Table) -> pa.Array:
    """``parse_year`` of the documents' ``year`` values (``heads``: their first rows)."""
    if "year" not in heads.column_names:
        return pa.nulls(heads.num_rows, pa.int16())
    col = heads.column("year").combine_chunks()
    if pa.types.is_integer(col.type):
        col = col.cast(_STR)
    elif not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        if col.type != pa.null():
            raise Slow
        return pa.nulls(heads.num_rows, pa.int16())
    text = clean_array(col)
    if _true(pc.match_substring_regex(text, r"^\p{Nd}{4}")).sum() != (
        _true(pc.match_substring_regex(text, r"^[0-9]{4}")).sum()
    ):
        raise Slow  # digits of other scripts: as Python reads them, row by row
    year = pc.utf8_slice_codeunits(text, 0, 4)
    year = pc.if_else(pc.match_substring_regex(text, r"^[0-9]{4}"), year, pa.scalar(None, _STR))
    num = year.cast(pa.int64())
    ok = _true(pc.and_(pc.greater_equal(num, YEAR_RANGE[0]), pc.less_equal(num, YEAR_RANGE[1])))
    if (ok != _true(pc.is_valid(text))).any():
        raise Slow  # a year that is not one: the row reader reports it as a per-record problem
    out: pa.Array = pc.if_else(pa.array(ok), num, pa.scalar(None, pa.int64())).cast(pa.int16())
    return out


def _dois(values: pa.Array) -> pa.Array:
    """``normalise_doi`` of cleaned values (non-ASCII ones by that function itself)."""
    ascii_ = _true(pc.match_substring_regex(values, r"^[\x20-\x7e]*$")) | ~_true(
        pc.is_valid(values)
    )
    text = pc.replace_substring_regex(values, _DOI_PREFIX, "", max_replacements=1)
    text = pc.ascii_lower(pc.utf8_trim_whitespace(text))
    text = pc.if_else(pc.starts_with(text, "10."), text, pa.scalar(None, _STR))
    if not ascii_.all():
        other = ~ascii_
        fixed = [normalise_doi(v) for v in values.filter(pa.array(other)).to_pylist()]
        text = pc.replace_with_mask(text, pa.array(other), pa.array(fixed, _STR))
    return text


def first_rows(ids: pa.Array) -> np.ndarray[Any, Any]:
    """Positions where a new document starts (a doc_id unlike the row before)."""
    n = len(ids)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    start = np.ones(n, dtype=bool)
    if n > 1:
        same = _true(pc.equal(ids.slice(1), ids.slice(0, n - 1)))
        start[1:] = ~same
    return np.flatnonzero(start)


def _codes(
    t: pa.Table, first: np.ndarray[Any, Any], columns: dict[str, str]
) -> list[tuple[np.ndarray[Any, Any], str, pa.Array]]:
    """The ";"-separated codes of the first rows: (document index, scheme, code) per column.

    Each column's codes are cleaned, the empty ones dropped and each kept once per document,
    in their order (``dict.fromkeys`` of the row-by-row reader).
    """
    out = []
    heads = None
    for column, scheme in columns.items():
        if column not in t.column_names:
            continue
        if heads is None:
            present = [c for c in columns if c in t.column_names]
            heads = t.select(present).take(pa.array(first))
        values = _text(heads, column)
        parts = pc.split_pattern(values, ";")
        parent = pc.list_parent_indices(parts)
        code = clean_array(pc.list_flatten(parts))
        items = pa.table(
            {"doc": parent, "pos": pa.array(np.arange(len(code), dtype=np.int64)), "code": code}
        ).filter(pc.is_valid(code))
        if not items.num_rows:
            continue
        firsts = items.group_by(["doc", "code"], use_threads=False).aggregate([("pos", "min")])
        firsts = firsts.sort_by("pos_min")
        doc = firsts.column("doc").to_numpy()
        out.append(
            (np.asarray(doc, dtype=np.int64), scheme, firsts.column("code").combine_chunks())
        )
    return out


def _address_numbers(
    doc: np.ndarray[Any, Any], address: pa.Array, free: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """The number of each row's address in its document, by first appearance (``free`` rows).

    Rows that are not ``free`` (an address_seq given, or no address) get -1.
    """
    out = np.full(len(doc), -1, dtype=np.int64)
    idx = np.flatnonzero(free)
    if not len(idx):
        return out
    items = pa.table(
        {"doc": pa.array(doc[idx]), "address": address.take(pa.array(idx)), "pos": pa.array(idx)}
    )
    firsts = items.group_by(["doc", "address"], use_threads=False).aggregate([("pos", "min")])
    firsts = firsts.sort_by("pos_min")
    fdoc = np.asarray(firsts.column("doc").to_numpy(), dtype=np.int64)
    start = np.ones(len(fdoc), dtype=bool)
    start[1:] = fdoc[1:] != fdoc[:-1]
    begin = np.maximum.accumulate(np.where(start, np.arange(len(fdoc)), 0))
    rank = pa.array(np.arange(len(fdoc)) - begin)
    numbered = firsts.append_column("rank", rank).select(["doc", "address", "rank"])
    joined = items.join(numbered, ["doc", "address"], use_threads=False).sort_by("pos")
    out[np.asarray(joined.column("pos").to_numpy(), dtype=np.int64)] = joined.column(
        "rank"
    ).to_numpy()
    return out


def fast_unit(
    t: pa.Table, col: Collector, *, kept_before: int, chunk_docs: int, class_columns: dict[str, str]
) -> tuple[dict[str, pa.Table], int]:
    """The four tables of a unit of whole documents, each row with the number of its chunk.

    Every check runs before the documents are admitted (duplicates counted) through ``col``,
    in their order. ``kept_before`` documents were kept before this unit; chunk ``c`` ends
    after the row that adds the ``(c + 1) * chunk_docs``-th kept document, as the row-by-row
    reader flushes. Returns the tables (with a ``__chunk`` column) and the documents kept.

    Raises
    ------
    Slow
        When a row is one the row-by-row reader would report, repair or reject (nothing has
        been admitted then).
    """
    n = t.num_rows
    ids = _text(t, "doc_id")
    if ids.null_count or pc.any(pc.is_in(ids, pa.array(["doc_id", "\ufeffdoc_id"]))).as_py():
        raise Slow
    first = first_rows(ids)
    doc_of_row = np.cumsum(np.isin(np.arange(n), first)) - 1
    at_first = pa.array(first)
    doc_columns = [c for c in ("layer", "doi", "year", "doc_type", "title", "source")
                   if c in t.column_names]  # fmt: skip
    # the documents' columns: their first rows (with doc_id, so that the table keeps its
    # rows when no other document column is given: a table without columns has no rows)
    heads = t.select([*doc_columns, "doc_id"]).take(at_first)
    layers = pc.utf8_lower(_text(heads, "layer"))
    if not _true(pc.is_in(layers, pa.array(LAYERS))).all():
        raise Slow
    dois = _dois(_text(heads, "doi"))
    first_ids = ids.take(at_first)
    docs = {
        "doc_id": first_ids,
        "layer": layers,
        "year": _years(heads),
        "doc_type": _text(heads, "doc_type"),
        "title": _text(heads, "title"),
        "source": pc.fill_null(_text(heads, "source"), "table"),
        "doi": dois,
        "file": pa.array([col.account.path] * len(first), _STR),
    }
    people, people_doc, people_first = _people(t, doc_of_row, first, layers, ids)
    codes = {
        "classes": _codes(t, first, class_columns),
        "applicants": _codes(t, first, {"applicants": "name"}),
    }
    kept = col.admit_many(first_ids.to_pylist(), layers.to_pylist(), dois.to_pylist())
    ordinal = kept_before + np.cumsum(kept)  # K of each document (1-based, global)
    doc_chunk = (ordinal - 1) // chunk_docs
    kd = np.flatnonzero(kept)
    tables = {"documents": pa.table({**{k: v.take(pa.array(kd)) for k, v in docs.items()},
                                     "__chunk": pa.array(doc_chunk[kd])})}  # fmt: skip
    keep = kept[people_doc]
    k = ordinal[people_doc]
    chunk = np.where(people_first, (k - 1) // chunk_docs, k // chunk_docs)
    tables["people"] = people.append_column("__chunk", pa.array(chunk)).filter(pa.array(keep))
    for name, found in codes.items():
        parts = []
        for doc, scheme, code in found:
            did = first_ids.take(pa.array(doc))
            cols = (
                {"doc_id": did, "scheme": pa.array([scheme] * len(doc), _STR), "code": code}
                if name == "classes"
                else {"doc_id": did, "name": code, "country": pa.nulls(len(doc), _STR)}
            )
            part = pa.table({**cols, "__chunk": pa.array(doc_chunk[doc]), "__doc": pa.array(doc)})
            parts.append(part.filter(pa.array(kept[doc])))
        tables[name] = _ordered(parts, name)
    return tables, len(kd)


def _ordered(parts: list[pa.Table], name: str) -> pa.Table:
    """The code tables of each column, ordered by document, then column, then code."""
    schema = SCHEMAS[name].append(pa.field("__chunk", pa.int64()))
    if not parts:
        return schema.empty_table()
    keyed = [p.append_column("__col", pa.array([i] * p.num_rows, pa.int64())) for i, p in
             enumerate(parts)]  # fmt: skip
    for i, p in enumerate(keyed):
        keyed[i] = p.append_column("__pos", pa.array(np.arange(p.num_rows, dtype=np.int64)))
    table = pa.concat_tables(keyed).sort_by([("__doc", "ascending"), ("__col", "ascending"),
                                              ("__pos", "ascending")])  # fmt: skip
    return table.select([*SCHEMAS[name].names, "__chunk"])


def _people(
    t: pa.Table,
    doc_of_row: np.ndarray[Any, Any],
    first: np.ndarray[Any, Any],
    layers: pa.Array,
    ids: pa.Array,
) -> tuple[pa.Table, np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The people rows of the rows that carry any people value, for every document.

    Returns the table (schema of ``people``), each row's document index and whether the row
    is its document's first.

    Raises
    ------
    Slow
        On coordinates, countries or numbers the row-by-row reader would report.
    """
    person_cols = ("name", "organisation", "address", "city", "region", "postcode", "country")
    values = {c: _text(t, c) for c in person_cols}
    lat, lon = _number(t, "lat"), _number(t, "lon")
    has = np.zeros(t.num_rows, dtype=bool)
    for c in person_cols:
        has |= _true(pc.is_valid(values[c]))
    has |= _present(t, "lat") | _present(t, "lon")
    rows = np.flatnonzero(has)
    take = pa.array(rows)
    doc = doc_of_row[rows]
    lat, lon = lat.take(take), lon.take(take)
    if not np.array_equal(_true(pc.is_valid(lat)), _true(pc.is_valid(lon))):
        raise Slow
    bad = pc.or_(
        pc.or_(pc.less(lat, -90), pc.greater(lat, 90)),
        pc.or_(pc.less(lon, -180), pc.greater(lon, 180)),
    )
    if _true(bad).any():
        raise Slow
    country = values["country"].take(take)
    if not _true(pc.or_(pc.is_null(country), pc.is_in(country, _ISO))).all():
        raise Slow
    precision = _text(t, "precision").take(take)
    precision = pc.if_else(pc.is_in(precision, pa.array(PRECISIONS)), precision, "city")
    precision = pc.if_else(pc.is_valid(lat), precision, pa.scalar(None, _STR))
    person_seq = _person_seq(_sequence(t, "person_seq").take(take), doc)
    patent = _true(pc.equal(layers, "patent"))[doc]
    city, region = values["city"].take(take), values["region"].take(take)
    joined = _joined([city, region, country], ", ")
    address = pc.coalesce(values["address"].take(take), joined)
    address = pc.if_else(pc.equal(address, ""), pa.scalar(None, _STR), address)
    given = _sequence(t, "address_seq").take(take)
    free = ~_true(pc.is_valid(given)) & _true(pc.is_valid(address))
    numbers = _address_numbers(doc, address, free & ~patent)
    seq = np.where(patent, person_seq, numbers)
    address_seq = pc.if_else(pc.is_valid(given), given, pa.array(seq.astype(np.int32), mask=~free))
    keys = pa.table({"doc": pa.array(doc), "p": pa.array(person_seq), "a": address_seq})
    if keys.group_by(["doc", "p", "a"], use_threads=False).aggregate([]).num_rows != len(rows):
        raise Slow
    table = pa.table(
        {
            "doc_id": ids.take(take),
            "person_seq": pa.array(person_seq.astype(np.int32)),
            "address_seq": address_seq,
            "role": pa.array(np.where(patent, "inventor", "author")).cast(_STR),
            "name": values["name"].take(take),
            "organisation": values["organisation"].take(take),
            "address": address,
            "city": city,
            "region": region,
            "postcode": values["postcode"].take(take),
            "country": country,
            "lat": lat,
            "lon": lon,
            "precision": precision,
        }
    )
    return table, doc, np.isin(rows, first)


def _joined(parts: list[pa.Array], sep: str) -> pa.Array:
    """The non-null parts of each row joined with ``sep`` ("" when every part is null).

    (Arrow's ``binary_join_element_wise`` with ``null_handling="skip"`` drops the rows whose
    parts are all null, so those rows are left out of the join.)
    """
    some = pc.is_valid(parts[0])
    for part in parts[1:]:
        some = pc.or_(some, pc.is_valid(part))
    out = pa.array([""] * len(parts[0]), _STR)
    if not pc.any(some).as_py():
        return out
    picked = [p.filter(some) for p in parts]
    joined = pc.binary_join_element_wise(*picked, pa.scalar(sep), null_handling="skip")
    result: pa.Array = pc.replace_with_mask(out, some, joined)
    return result


def _person_seq(given: pa.Array, doc: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Person numbers: the given ones, or 0, 1, 2... in row order within each document.

    A document whose rows give some numbers and not others is read row by row (:class:`Slow`).
    """
    valid = _true(pc.is_valid(given))
    n = len(doc)
    if not n:
        return np.zeros(0, dtype=np.int64)
    start = np.ones(n, dtype=bool)
    start[1:] = doc[1:] != doc[:-1]
    group = np.cumsum(start) - 1
    given_per_doc = np.bincount(group, weights=valid)
    rows_per_doc = np.bincount(group)
    if np.any((given_per_doc > 0) & (given_per_doc < rows_per_doc)):
        raise Slow
    begin = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    counted = np.arange(n) - begin
    values = np.asarray(pc.fill_null(given, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    return np.where(valid, values, counted)
