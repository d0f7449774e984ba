"""Print a fingerprint of what the readers make of every real sample and fault case.

For each file under ../shared/data/samples and ../shared/data/cases (and the reader tests' own
fixtures), read it alone with :func:`stclusters.readers.read_inputs` and print one block: the
Records' :func:`stclusters.records.content_checksum` (row-order independent), a SHA-256 of the
tables in row order (so a reordering shows too), and the accounts JSON with sorted keys; then
the same read in chunks of two documents. Files no reader takes print the error instead. Then
the same for tables made from those records (the four canonical tables as CSV, a
one-row-per-person CSV with some malformed rows added, and the same from a small synthetic
world) and for small hand-made inputs with the faults the readers account for, so that the
plain-table readers and the error paths are exercised too. Run it before and after a change to
the readers and compare the two outputs with ``diff``: a pure refactor leaves them identical.

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
import pyarrow.parquet as pq

from stclusters.errors import StclustersError
from stclusters.readers import ReadStream, read_inputs
from stclusters.records import TABLES, Records, concat_records, content_checksum, read_records
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
    """One block of text: the checksums and accounts of reading ``path`` (file or folder).

    Read with :func:`read_inputs`, then again in chunks of two documents (:class:`ReadStream`),
    so that the readers' chunk boundaries are exercised too.
    """
    try:
        result = read_inputs([path])
    except StclustersError as exc:
        return f"== {label}\nerror {type(exc).__name__}: {exc}\n"
    accounts = json.dumps(result.to_dict(), sort_keys=True, ensure_ascii=False)
    stream = ReadStream([path], chunk_docs=2)
    chunks = list(stream)
    chunked = concat_records(chunks)
    return (
        f"== {label}\n"
        f"content {content_checksum(result.records)}\n"
        f"ordered {ordered_digest(result.records)}\n"
        f"counts {result.records.counts()}\n"
        f"accounts {accounts}\n"
        f"chunks {len(chunks)} ordered {ordered_digest(chunked)}\n"
        f"chunked accounts {json.dumps(stream.to_dict(), sort_keys=True, ensure_ascii=False)}\n"
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


#: Small hand-made inputs with the faults the readers account for (one file or folder each).
CRAFTED: dict[str, str | bytes] = {
    "wos_faults.txt": (
        "FN Clarivate Analytics Web of Science\nVR 1.0\nTI stray field before any record\nER\n"
        "some text outside a record\n"
        "PT J\nAU Smith, J\n   Smith, J\n   Lee, K\nAF Smith, John\n   Smith, Jane\n   Lee, Kim\n"
        "TI Bad bytes \udc96 in a title\n   and in a continuation \udc97 too\nPY 20x5\n"
        "C1 [Smith, J] Univ A, Paris, France.\n   [Nobody, N] Univ B, Lyon, France.\n"
        "   Univ C, Nice, France.\nUT WOS:000000000000001\nER\n\n"
        "PT J\nAU Smith, J\n   Smith, J\nAF Smith, John\n   Smith, Jane\n"
        "C1 [Smith, J] Univ A, Paris, France.\n   [Smith, J] Univ B, Lyon, France.\n"
        "UT WOS:000000000000002\nER\n"
        "PT J\nAU Doe, J\n   Roe, R\nC1 Univ D, Berlin, Germany.\n   Univ E, Bonn, Germany.\n"
        "UT WOS:000000000000003\nER\n"
        "PT J\nAU Poe, P\n   Moe, M\nC1 Univ F, Rome, Italy.\nUT WOS:000000000000004\nER\n"
        "PT J\nAU Doe, J\nUT WOS:000000000000005\n"
        "PT J\nAU Poe, P\nUT WOS:000000000000006\nthis line is malformed\nER\n"
        "PT J\nAU Zoe, Z\nUT WOS:000000000000007\nEF\n"
        "FN Clarivate Analytics Web of Science\nVR 1.0\n"
        "PT J\nAU Noe, N\nUT WOS:000000000000008\nER\nPT J\nAU Xoe, X\nUT WOS:000000000000009\n"
    ).encode("utf-8", "surrogateescape"),
    "scopus_faults.csv": (
        b"Authors,Author full names,Title,Year,DOI,Affiliations,Authors with affiliations,"
        b"ASJC,Document Type,EID\n"
        b'A B.,,No EID,2020,,"Univ A, Paris, France","B A., Univ A, Paris, France",,Article,\n'
        b'"Bo A.; Cy D.",,Bad year,20x1,10.1/X,"Univ A, Paris, France; Univ B, Rome, Italy",'
        b'"Bo A., Univ A, Paris, France; Cy D., Univ B, Rome, Italy; Ed F., Univ B, Rome, Italy"'
        b",1700; 1702; 1700,Article,2-s2.0-1\n"
        b'"Bo A.; Cy D.",,Affiliations only,2021,,"Univ A, Paris, France; Univ A, Paris, France"'
        b",,,Article,2-s2.0-2\n"
        b'"Bo A.; Cy D.","Bo, Anna (123); Cy, Dan (456)",Names only,2021,,,,,Review,2-s2.0-3\n'
        b'"Bo A.; Cy D.","Bo, Anna (123); Cy, Dan (456)",One without,2022,,"Univ A, Paris, France",'
        b'"Bo A.; Cy D., Univ A, Paris, France",2200,Article,2-s2.0-4\n'
        b'"Bo A.; Cy D.",,Duplicate,2022,10.1/x,,,,Article,2-s2.0-5\n'
        b'"Bo A.; Cy D.",,Other names,2022,,"Univ A, Paris, France; Univ B, Rome, Italy",'
        b'"Xx Y., Univ A, Paris, France; Zz W., Univ B, Rome, Italy; Qq R., Univ B, Rome, Italy"'
        b",,Article,2-s2.0-6\n"
    ),
    "openalex_faults.jsonl": "\n".join(
        [
            '{"id": "https://openalex.org/W1", "display_name": "Work one", "publication_year":'
            ' 2021, "is_authors_truncated": true, "topics": [{"display_name": "T1", "field":'
            ' {"display_name": "F1"}}, {"display_name": "T1"}, "x"], "concepts": [{"level": 0,'
            ' "display_name": "C0"}, {"level": "1", "display_name": "C1"}], "authorships": ['
            '"not an object", {"author": {"display_name": "Ann"}, "institutions": [{"id":'
            ' "https://openalex.org/I1", "display_name": "Univ One", "country_code": "FR",'
            ' "geo": {"latitude": 48.8, "longitude": 2.3, "city": "Paris", "country_code":'
            ' "FR"}}], "raw_affiliation_strings": ["Univ One, Paris, France",'
            ' "Lab Two, Lyon, France"]}, {"raw_author_name": "Bob", "raw_affiliation_string":'
            ' "Somewhere, Oslo, Norway", "countries": ["NO"]}, {"author": {"display_name":'
            ' "Cy"}, "institutions": [], "countries": ["XX", "FR"], "raw_affiliation_strings":'
            ' ["Lab Three, Nice, France"]}, {"author": {}}]}',
            "{not json",
            '{"id": "", "display_name": "no id", "authorships": null}',
            "42",
            '{"id": "https://openalex.org/A1", "display_name": "an author"}',
            '{"id": "https://ror.org/0abc", "name": "Ror Univ", "locations": [{"geonames_details":'
            ' {"lat": 50.0, "lng": 8.0, "name": "Mainz", "country_code": "DE"}}]}',
            '{"id": "https://openalex.org/I9", "display_name": "Inst Nine", "geo": {"latitude":'
            ' 52.5, "longitude": 13.4, "city": "Berlin", "country_code": "DE"}}',
            '\ufeff{"id": "https://openalex.org/W2", "display_name": "Work two", "authorships":'
            ' [{"author": {"display_name": "Dee"}, "institutions": [{"id":'
            ' "https://openalex.org/I9", "display_name": "Inst Nine"}]}]}',
            '{"id": "https://openalex.org/W1", "display_name": "Work one again"}',
        ]
    ).encode(),
    "openalex_stopped.jsonl": (
        b'{"id": "https://openalex.org/W7", "display_name": "Before the break"}\n{\n  "id": oops\n'
    ),
    "canonical_faults/documents.csv": (
        b"doc_id,layer,year,title\nD1,patent,2020,One\n,patent,2020,No id\nD2,poem,2020,Bad\n"
        b"doc_id,layer,year,title\nD3,Article,2021,Three\nD1,patent,2020,Again\n"
    ),
    "canonical_faults/people.csv": (
        b"doc_id,person_seq,address_seq,role,name,country\nD1,0,0,inventor,Ann,JA\n"
        b"D2,0,0,inventor,Bob,FR\ndoc_id,person_seq,address_seq,role,name,country\n"
        b"D3,,0,author,Cy,UK\nD9,0,0,author,Dee,FR\n"
    ),
    "canonical_faults/classes.csv": b"doc_id,scheme,code\nD1,ipc,A01B\nD9,ipc,A01C\n",
    "canonical_bad_schema/documents.csv": b"doc_id,layer\nD1,patent\n",
    "canonical_bad_schema/classes.csv": b"doc_id,scheme\nD1,ipc\n",
    "table_reordered_header.csv": (
        b"doc_id,layer,name\nD1,patent,Ann\ndoc_id,name,layer\nD2,Bob,patent\n"
    ),
    "binary.dat": bytes(range(256)) * 4,
    "empty.txt": b"",
}


def _crafted(folder: Path) -> list[tuple[Path, str]]:
    """Write the :data:`CRAFTED` inputs under ``folder``; the inputs to read (files, folders).

    Two Parquet person tables are added: a good one and one without a doc_id column.
    """
    out: dict[Path, str] = {}
    folder.mkdir(parents=True)
    rows = [
        {"doc_id": "P1", "layer": "patent", "name": "Ann", "lat": 48.1, "lon": 11.5},
        {"doc_id": "P1", "layer": "patent", "name": "Bob", "city": "Ulm", "country": "DE"},
        {"doc_id": "A1", "layer": "article", "name": "Cy", "lat": 91.0, "lon": 0.0},
    ]
    pq.write_table(pa.Table.from_pylist(rows), folder / "table.parquet")
    pq.write_table(pa.table({"id": ["P1"], "layer": ["patent"]}), folder / "no_doc_id.parquet")
    for name in ("table.parquet", "no_doc_id.parquet"):
        out[folder / name] = f"crafted/{name}"
    for name, content in CRAFTED.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        top = folder / Path(name).parts[0]
        out[top] = f"crafted/{Path(name).parts[0]}" + ("/" if top.is_dir() else "")
    return list(out.items())


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
        derived += _crafted(tmp / "crafted")
        for path, label in derived:
            sys.stdout.write(fingerprint(path, label=label))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
