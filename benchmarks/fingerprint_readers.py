"""Print a fingerprint of what the readers make of every real sample and fault case.

For each file under ../shared/data/samples and ../shared/data/cases (and the reader tests' own
fixtures), read it alone with :func:`stclusters.readers.read_inputs` and print one block: the
Records' :func:`stclusters.records.content_checksum` (row-order independent), a SHA-256 of the
tables in row order (so a reordering shows too), and the accounts JSON with sorted keys. Files no
reader takes print the error instead. Then the same for tables made from those records (the
four canonical tables as CSV, a one-row-per-person CSV with some malformed rows added, and the
same from a small synthetic world), so the plain-table readers are exercised too. Run it before
and after a change to the readers and compare the two outputs with ``diff``: a pure refactor
leaves them identical.

Usage::

    .venv/bin/python benchmarks/fingerprint_readers.py > before.txt
    # ... change the readers ...
    .venv/bin/python benchmarks/fingerprint_readers.py > after.txt
    diff before.txt after.txt && echo identical
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from stclusters.errors import StclustersError
from stclusters.readers import read_inputs
from stclusters.records import TABLES, Records, content_checksum, read_records
from stclusters.synth import write_world

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO / ".." / "shared" / "data"
FOLDERS = (SHARED / "samples", SHARED / "cases", REPO / "tests" / "readers" / "data")


def ordered_digest(records: Records) -> str:
    """SHA-256 of every table's rows in their order (Arrow IPC stream of each table)."""
    digest = hashlib.sha256()
    for name in TABLES:
        sink = pa.BufferOutputStream()
        table = records.table(name).combine_chunks()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        digest.update(name.encode())
        digest.update(sink.getvalue().to_pybytes())
    return digest.hexdigest()


def fingerprint(path: Path, *, label: str) -> str:
    """One block of text: the checksums and accounts of reading ``path`` (file or folder)."""
    try:
        result = read_inputs([path])
    except StclustersError as exc:
        return f"== {label}\nerror {type(exc).__name__}: {exc}\n"
    accounts = json.dumps(result.to_dict(), sort_keys=True, ensure_ascii=False)
    return (
        f"== {label}\n"
        f"content {content_checksum(result.records)}\n"
        f"ordered {ordered_digest(result.records)}\n"
        f"counts {result.records.counts()}\n"
        f"accounts {accounts}\n"
    )


def inputs() -> list[tuple[Path, str]]:
    """Every file of the folders (sorted), then each folder whole, with a stable label."""
    out: list[tuple[Path, str]] = []
    for folder in FOLDERS:
        if not folder.is_dir():
            continue
        base = folder.resolve()
        files = sorted(p for p in base.rglob("*") if p.is_file() and p.suffix != ".md")
        out.extend((p, str(p.relative_to(base.parent))) for p in files)
        out.extend(
            (d, str(d.relative_to(base.parent)) + "/")
            for d in sorted({p.parent for p in files} | {base})
        )
    return out


#: One-row-per-person query over the four tables (classes and applicants "; "-joined).
PERSON_ROWS = """
SELECT d.doc_id, d.layer, d.year, d.doc_type, d.title, d.doi, d.source,
       p.person_seq, p.address_seq, p.name, p.organisation, p.address, p.city, p.region,
       p.postcode, p.country, p.lat, p.lon, p.precision,
       (SELECT string_agg(code, '; ' ORDER BY code) FROM classes c
         WHERE c.doc_id = d.doc_id AND c.scheme = 'ipc') AS ipc,
       (SELECT string_agg(code, '; ' ORDER BY code) FROM classes c
         WHERE c.doc_id = d.doc_id AND c.scheme = 'cpc') AS cpc,
       (SELECT string_agg(name, '; ' ORDER BY name) FROM applicants a
         WHERE a.doc_id = d.doc_id) AS applicants
FROM documents d LEFT JOIN people p USING (doc_id)
ORDER BY d.doc_id, p.person_seq NULLS LAST, p.address_seq NULLS LAST, p.name
"""
#: Malformed and edge rows appended to the person table (each exercises one check).
EDGE_ROWS = [
    {"doc_id": "", "layer": "patent", "name": "No Id"},
    {"doc_id": "EDGE-1", "layer": "poem", "name": "Bad Layer"},
    {"doc_id": "EDGE-2", "layer": "Article", "name": "A", "city": "Lyon", "country": "France"},
    {"doc_id": "EDGE-2", "layer": "article", "name": "B", "city": "Lyon", "country": "France"},
    {"doc_id": "EDGE-2", "layer": "article", "name": "B", "person_seq": "1", "address_seq": "0"},
    {"doc_id": "EDGE-3", "layer": "patent", "name": "C", "lat": "45.1", "country": "JA"},
    {"doc_id": "EDGE-3", "layer": "patent", "name": "D", "lat": "95", "lon": "3", "country": "DT"},
    {"doc_id": "EDGE-3", "layer": "patent", "name": "E", "lat": "48.1", "lon": "11.5"},
    {"doc_id": "EDGE-3", "layer": "patent", "name": "F", "lat": "1", "lon": "2", "precision": "x"},
    {
        "doc_id": "EDGE-3",
        "layer": "patent",
        "name": "G",
        "lat": "1",
        "lon": "2",
        "precision": "street",
    },
    {
        "doc_id": "EDGE-4",
        "layer": "patent",
        "year": "20x1",
        "ipc": "A01B; A01B;",
        "applicants": "X",
    },
    {"doc_id": "doc_id", "layer": "layer", "name": "name"},
    {
        "doc_id": "EDGE-5",
        "layer": "article",
        "person_seq": "nan",
        "address": "1 Main St",
        "country": "NY",
    },
]


#: Rows appended to the canonical tables: no doc_id, a bad layer, a row of a dropped document.
CANONICAL_EDGES = {
    "documents": [{"doc_id": "", "layer": "patent"}, {"doc_id": "EDGE-9", "layer": "poem"}],
    "people": [{"doc_id": "EDGE-9", "role": "author", "name": "Dropped"}],
    "classes": [{"doc_id": "EDGE-9", "scheme": "ipc", "code": "A01B"}],
}


def _as_text(table: pa.Table, extra: list[dict[str, str]]) -> pa.Table:
    """``table`` with every column as text, followed by the ``extra`` rows."""
    schema = pa.schema([(c, pa.string()) for c in table.column_names])
    rows = [{k: e.get(k) for k in table.column_names} for e in extra]
    return pa.concat_tables([table.cast(schema), pa.Table.from_pylist(rows, schema=schema)])


def _derived(records: Records, folder: Path, *, edges: bool) -> list[tuple[Path, str]]:
    """Write ``records`` as canonical CSV tables and as a person table; the inputs to read."""
    canonical = folder / "canonical"
    canonical.mkdir(parents=True)
    con = duckdb.connect()
    for name in TABLES:
        con.register(name, records.table(name))
        extra = CANONICAL_EDGES.get(name, []) if edges else []
        pacsv.write_csv(_as_text(records.table(name), extra), canonical / f"{name}.csv")
    person = con.sql(PERSON_ROWS).to_arrow_table()
    con.close()
    table = _as_text(person, EDGE_ROWS if edges else [])
    pacsv.write_csv(table, folder / "person_table.csv")
    return [
        (canonical, f"{folder.name}/canonical/"),
        (folder / "person_table.csv", f"{folder.name}/person_table.csv"),
    ]


def main() -> int:
    """Print the fingerprints; exit 1 when the shared data are absent."""
    logging.disable(logging.CRITICAL)
    if not (SHARED / "samples").is_dir():
        print(f"the shared samples are absent ({SHARED / 'samples'})", file=sys.stderr)
        return 1
    for path, label in inputs():
        sys.stdout.write(fingerprint(path, label=label))
    # A fixed folder: the documents' ``file`` column holds the path, so it is part of the output.
    tmp = Path(tempfile.gettempdir()) / "stclusters-fingerprint-readers"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        samples = read_inputs([SHARED / "samples"]).records
        derived = _derived(samples, tmp / "from_samples", edges=True)
        world = read_records(write_world(tmp / "world", scale=0.002, seed=0))
        derived += _derived(world, tmp / "from_world", edges=False)
        for path, label in derived:
            sys.stdout.write(fingerprint(path, label=label))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
