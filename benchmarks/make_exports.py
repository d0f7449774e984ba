"""Write the articles of a synthetic world out as real export formats, at any size.

Writes Web of Science plain text (``wos.txt``: PT/AU/AF/TI/SO/DT/C1/PY/WC/UT fields, C1 with the
authors of each address in brackets) and OpenAlex JSON Lines (``works.jsonl``: one work per
line with its authorships, institutions, raw affiliation strings and countries) from the
articles of a records folder written by ``stclusters synth``. With more records asked for than
the world has articles, the articles are repeated with a copy number in their ids (and DOIs), so
that every record is a distinct document. The world is read with DuckDB in batches and the
files are written as they go: memory does not grow with the number of records.

Run::

    .venv/bin/stclusters synth --scale 0.2 --out /tmp/world02
    .venv/bin/python benchmarks/make_exports.py --world /tmp/world02 --out /tmp/exports \\
        --records 1000000 [--formats wos,openalex] [--gzip]
"""

from __future__ import annotations

import argparse
import gzip
import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import duckdb

#: The query giving one row per author address of the first ``limit`` articles, in order.
ARTICLES = """
WITH docs AS (
  SELECT doc_id, year, title, doc_type, row_number() OVER (ORDER BY doc_id) - 1 AS n
  FROM read_parquet('{folder}/documents.parquet') WHERE layer = 'article'
  QUALIFY n < {limit}),
cats AS (
  SELECT doc_id, string_agg(code, '; ' ORDER BY code) AS wc
  FROM read_parquet('{folder}/classes.parquet')
  WHERE scheme = 'wos' AND doc_id IN (SELECT doc_id FROM docs) GROUP BY doc_id)
SELECT d.n, d.doc_id, d.year, d.title, d.doc_type, c.wc, p.person_seq AS p, p.address_seq AS a,
       p.name, p.organisation AS org, p.address, p.country
FROM docs d LEFT JOIN read_parquet('{folder}/people.parquet') p USING (doc_id)
LEFT JOIN cats c USING (doc_id)
ORDER BY d.n, p.person_seq, p.address_seq
"""
_PERSON = ("p", "a", "name", "org", "address", "country")


def articles(world: Path, *, records: int, batch: int = 20_000) -> Iterator[dict[str, Any]]:
    """``records`` articles of ``world`` (repeated with a copy number when it has fewer).

    Each is a dict with ``n`` (0..records-1), ``doc_id``, ``copy``, ``year``, ``title``,
    ``doc_type``, ``people`` (list of dicts p, a, name, org, address, country) and ``wc``.
    DuckDB sorts the rows (spilling to a temporary folder under a 2 GB memory limit).
    """
    spill = tempfile.TemporaryDirectory(prefix="stclusters-exports-")
    con = duckdb.connect()
    con.execute("SET memory_limit = '2GB'")
    con.execute("SET temp_directory = ?", [spill.name])
    con.execute("SET preserve_insertion_order = true")
    folder = str(world).replace("'", "''")
    total = con.execute(
        f"SELECT count(*) FROM read_parquet('{folder}/documents.parquet') WHERE layer = 'article'"
    ).fetchall()[0][0]
    if not total:
        raise SystemExit(f"{world}: the world has no articles")
    done = 0
    copy = 0
    while done < records:
        limit = min(total, records - done)
        reader = con.sql(ARTICLES.format(folder=folder, limit=limit)).to_arrow_reader(batch)
        current: dict[str, Any] | None = None
        for rb in reader:
            for row in rb.to_pylist():
                if current is None or current["_n"] != row["n"]:
                    if current is not None:
                        yield current
                    current = {k: row[k] for k in ("doc_id", "year", "title", "doc_type", "wc")}
                    current.update(_n=row["n"], n=done + row["n"], copy=copy, people=[])
                if row["p"] is not None or row["address"] is not None:
                    current["people"].append({k: row[k] for k in _PERSON})
        if current is not None:
            yield current
        done += limit
        copy += 1
    con.close()
    spill.cleanup()


def _ident(row: dict[str, Any]) -> str:
    return f"{row['doc_id']}-{row['copy']}" if row["copy"] else str(row["doc_id"])


def wos_record(row: dict[str, Any]) -> str:
    """One Web of Science plain-text record (ending with ``ER`` and a blank line)."""
    people = row["people"] or []
    names: list[str] = []
    for person in people:
        if person["name"] and person["name"] not in names:
            names.append(person["name"])
    by_address: dict[str, list[str]] = {}
    for person in people:
        if person["address"]:
            group = by_address.setdefault(person["address"], [])
            if person["name"] and person["name"] not in group:
                group.append(person["name"])
    lines = ["PT J"]
    if names:
        lines += [f"AU {names[0]}", *(f"   {n}" for n in names[1:])]
        lines += [f"AF {names[0]}", *(f"   {n}" for n in names[1:])]
    lines += [f"TI {row['title'] or 'Untitled'}", "SO JOURNAL OF SYNTHETIC RESULTS"]
    lines.append(f"DT {row['doc_type'] or 'Article'}")
    c1 = [f"[{'; '.join(group)}] {address}." for address, group in by_address.items()]
    if c1:
        lines += [f"C1 {c1[0]}", *(f"   {c}" for c in c1[1:])]
    if row["year"]:
        lines.append(f"PY {row['year']}")
    lines.append(f"DI 10.9999/synth.{_ident(row).lower()}")
    if row["wc"]:
        lines.append(f"WC {row['wc']}")
    lines += [f"UT WOS:{row['n']:015d}", "ER", ""]
    return "\n".join(lines) + "\n"


def openalex_work(row: dict[str, Any]) -> str:
    """One OpenAlex work as a line of JSON."""
    authorships: list[dict[str, Any]] = []
    for person in row["people"] or []:
        if authorships and authorships[-1]["_p"] == person["p"]:
            ship = authorships[-1]
        else:
            ship = {
                "_p": person["p"],
                "author_position": "first" if not authorships else "middle",
                "author": {"display_name": person["name"]},
                "institutions": [],
                "countries": [],
                "raw_affiliation_strings": [],
            }
            authorships.append(ship)
        if person["address"]:
            ship["raw_affiliation_strings"].append(person["address"])
            ship["institutions"].append(
                {"display_name": person["org"], "country_code": person["country"]}
            )
            if person["country"] and person["country"] not in ship["countries"]:
                ship["countries"].append(person["country"])
    for ship in authorships:
        del ship["_p"]
    work = {
        "id": f"https://openalex.org/W{row['n'] + 1}",
        "doi": f"https://doi.org/10.9999/synth.{_ident(row).lower()}",
        "title": row["title"],
        "publication_year": row["year"],
        "type": "article",
        "authorships": authorships,
    }
    return json.dumps(work, ensure_ascii=False) + "\n"


WRITERS = {"wos": ("wos.txt", wos_record), "openalex": ("works.jsonl", openalex_work)}


def write_exports(
    world: Path,
    out: Path,
    *,
    records: int,
    formats: tuple[str, ...] = ("wos", "openalex"),
    compress: bool = False,
) -> dict[str, Path]:
    """Write ``records`` articles of ``world`` into ``out`` in each of ``formats``.

    With ``compress`` the files are gzipped (``wos.txt.gz``, ``works.jsonl.gz``; level 1), as
    OpenAlex snapshots are distributed: 10 M records then take about 3 GB of disk rather
    than 25 GB. Returns the path of each file written, by format.
    """
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, TextIO] = {}
    paths: dict[str, Path] = {}
    try:
        for fmt in formats:
            name, _ = WRITERS[fmt]
            if compress:
                paths[fmt] = out / f"{name}.gz"
                # closed in the finally below, like the plain files
                files[fmt] = gzip.open(paths[fmt], "wt", encoding="utf-8", compresslevel=1)  # noqa: SIM115
            else:
                paths[fmt] = out / name
                files[fmt] = paths[fmt].open("w", encoding="utf-8")
        if "wos" in files:
            files["wos"].write("FN Clarivate Analytics Web of Science\nVR 1.0\n")
        for row in articles(world, records=records):
            for fmt, fh in files.items():
                fh.write(WRITERS[fmt][1](row))
        if "wos" in files:
            files["wos"].write("EF\n")
    finally:
        for fh in files.values():
            fh.close()
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--world", type=Path, required=True, help="records folder of synth")
    parser.add_argument("--out", type=Path, required=True, help="folder for the export files")
    parser.add_argument("--records", type=int, default=10_000_000, help="records per format")
    parser.add_argument("--formats", default="wos,openalex", help="comma-separated formats")
    parser.add_argument("--gzip", action="store_true", help="write gzipped files (level 1)")
    args = parser.parse_args()
    start = time.perf_counter()
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    paths = write_exports(
        args.world, args.out, records=args.records, formats=formats, compress=args.gzip
    )
    for fmt, path in paths.items():
        print(f"{fmt:9s} {path}  {path.stat().st_size / 1e6:9.1f} MB  {args.records:,} records")
    print(f"written in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
