"""Benchmark the readers: records per second per format, and memory as the input grows.

Generates synthetic exports (Web of Science plain text and tab-delimited, Scopus CSV, OpenAlex
JSON Lines, USPTO XML) in a temporary folder, then

* reads each with its streaming reader and prints records per second (median of ``--runs``);
* streams WoS plain-text files of growing size in a fresh process each and prints the peak
  resident memory, which stays flat because readers hand out chunks of records.

* with ``--table-world FOLDER``: writes the people of a records folder (``stclusters synth``)
  as a one-row-per-person Parquet table of ``--table-rows`` rows and prints the time of the
  plain-table reader beside pyarrow's own read of the same file (medians, and their ratio);
* with ``--exports FOLDER`` (files of benchmarks/make_exports.py): the peak resident memory of
  ``stclusters read`` and of the read stage of ``run`` on the first N records of each, for
  growing N (``--sizes``, ``--run-sizes``), each in a fresh process;
* with ``--validate FOLDER``: prints the wall and CPU time and peak memory of
  :func:`stclusters.records.validate` on that records folder (run it with
  ``PYTHONPATH=<older tree>/src`` for the figure before a change).

Run: ``.venv/bin/python benchmarks/bench_readers.py [--records 20000] [--runs 3]
[--table-world FOLDER [--table-rows 2100000]] [--validate FOLDER] [--only table,validate]``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from stclusters.readers import iter_openalex, iter_scopus, iter_uspto, iter_wos
from stclusters.readers._common import Collector, FileAccount, Source
from stclusters.records import Records

CITIES = [
    ("Zhengzhou 450001, Peoples R China", "Zhengzhou Univ"),
    ("Boston, MA 02115 USA", "Harvard Univ"),
    ("Tokyo 1138654, Japan", "Univ Tokyo"),
    ("Munich 80333, Germany", "Tech Univ Munich"),
    ("Cambridge CB2 1TN, England", "Univ Cambridge"),
]


def _wos_record(i: int, rng: random.Random) -> tuple[list[str], dict[str, str]]:
    n = rng.randint(1, 8)
    authors = [f"Author{i}_{k}, Name{k}" for k in range(n)]
    groups: list[tuple[list[str], str]] = []
    for k, author in enumerate(authors):
        city, org = CITIES[(i + k) % len(CITIES)]
        groups.append(([author], f"{org}, Dept {k % 3}, {city}"))
    c1 = [f"[{'; '.join(names)}] {addr}." for names, addr in groups]
    refs = [f"Ref{r} A, {2000 + r % 20}, J THING, V{r}, P{r}" for r in range(rng.randint(10, 40))]
    fields = {
        "PT": "J",
        "AU": authors,
        "AF": authors,
        "TI": f"A study of thing number {i}",
        "SO": "JOURNAL OF THINGS",
        "DT": "Article",
        "C1": c1,
        "CR": refs,
        "PY": str(2015 + i % 8),
        "DI": f"10.1000/bench.{i}",
        "WC": "Physics, Applied; Materials Science, Multidisciplinary",
        "SC": "Physics; Materials Science",
        "UT": f"WOS:{i:015d}",
    }
    lines: list[str] = []
    for tag, value in fields.items():
        values = value if isinstance(value, list) else [value]
        lines.append(f"{tag} {values[0]}")
        lines.extend(f"   {v}" for v in values[1:])
    lines.append("ER")
    tab = {k: "; ".join(v) if isinstance(v, list) else v for k, v in fields.items()}
    return lines, tab


def write_wos_plain(path: Path, n: int) -> None:
    rng = random.Random(1)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("FN Clarivate Analytics Web of Science\nVR 1.0\n")
        for i in range(n):
            lines, _ = _wos_record(i, rng)
            fh.write("\n".join(lines) + "\n\n")
        fh.write("EF\n")


def write_wos_tab(path: Path, n: int) -> None:
    rng = random.Random(1)
    header = ["PT", "AU", "AF", "TI", "SO", "DT", "C1", "CR", "PY", "DI", "WC", "SC", "UT"]
    with path.open("w", encoding="utf-8-sig") as fh:
        fh.write("\t".join(header) + "\n")
        for i in range(n):
            _, tab = _wos_record(i, rng)
            fh.write("\t".join(tab[h] for h in header) + "\t\n")


def write_scopus(path: Path, n: int) -> None:
    import csv

    rng = random.Random(2)
    header = ["Authors", "Title", "Year", "DOI", "Affiliations", "Authors with affiliations",
              "Document Type", "EID"]  # fmt: skip
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for i in range(n):
            k = rng.randint(1, 6)
            names = [f"Doe{j} J." for j in range(k)]
            affs = [f"Dept {j}, University {i % 50}, City {j}, Country" for j in range(2)]
            awa = "; ".join(f"{nm}, {affs[j % 2]}" for j, nm in enumerate(names))
            writer.writerow(
                [
                    "; ".join(names),
                    f"T{i}",
                    2020,
                    f"10.2000/{i}",
                    "; ".join(affs),
                    awa,
                    "Article",
                    f"2-s2.0-{i}",
                ]
            )


def write_openalex(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            work = {
                "id": f"https://openalex.org/W{i}",
                "doi": f"https://doi.org/10.3000/{i}",
                "publication_year": 2021,
                "type": "article",
                "authorships": [
                    {
                        "author": {"display_name": f"Author {k}"},
                        "institutions": [
                            {
                                "id": f"https://openalex.org/I{k}",
                                "display_name": f"Inst {k}",
                                "country_code": "US",
                            }
                        ],
                        "raw_affiliation_strings": [f"Inst {k}, Town, USA"],
                    }
                    for k in range(4)
                ],
            }
            fh.write(json.dumps(work) + "\n")


def write_uspto(path: Path, n: int) -> None:
    inventor = (
        "<inventor><addressbook><last-name>Doe</last-name><first-name>J</first-name>"
        "<address><city>Austin</city><state>TX</state><country>US</country></address>"
        "</addressbook></inventor>"
    )
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<!DOCTYPE us-patent-grant SYSTEM "us-patent-grant-v47-2022-02-17.dtd" [ ]>\n'
                "<us-patent-grant><us-bibliographic-data-grant><publication-reference>"
                f"<document-id><country>US</country><doc-number>{11000000 + i}</doc-number>"
                "<kind>B2</kind><date>20230404</date></document-id></publication-reference>"
                "<classifications-ipcr><classification-ipcr><section>A</section><class>61</class>"
                "<subclass>B</subclass><main-group>5</main-group><subgroup>145</subgroup>"
                "</classification-ipcr></classifications-ipcr>"
                f"<invention-title>T{i}</invention-title><us-parties><inventors>"
                + inventor
                * 3
                + "</inventors></us-parties></us-bibliographic-data-grant>"
                "<description>" + "<p>Long description text.</p>" * 50 + "</description>"
                "</us-patent-grant>\n"
            )


def _drain(chunks: Iterator[Records]) -> int:
    return sum(chunk.documents.num_rows for chunk in chunks)


def _rate(
    fn: Callable[..., Iterator[Records]], path: Path, fmt: str, runs: int
) -> tuple[int, float]:
    times = []
    count = 0
    for _ in range(runs):
        col = Collector(FileAccount(str(path), fmt))
        start = time.perf_counter()
        count = _drain(fn(Source(path), collector=col))
        times.append(time.perf_counter() - start)
    return count, count / statistics.median(times)


CHILD = """
import resource, sys
from stclusters.readers import iter_wos
n = sum(c.documents.num_rows for c in iter_wos(sys.argv[1]))
print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


#: One row per person of a records folder, with its document's columns and codes.
PERSON_TABLE = """
COPY (
  WITH p AS (SELECT * FROM read_parquet('{folder}/people.parquet') LIMIT {rows}),
  c AS (SELECT doc_id, string_agg(code, '; ') FILTER (WHERE scheme = 'ipc') AS ipc,
               string_agg(code, '; ') FILTER (WHERE scheme = 'wos') AS wos
        FROM read_parquet('{folder}/classes.parquet')
        WHERE doc_id IN (SELECT doc_id FROM p) GROUP BY doc_id)
  SELECT d.doc_id, d.layer, d.year, d.doc_type, d.title, p.person_seq, p.address_seq, p.name,
         p.organisation, p.address, p.city, p.region, p.postcode, p.country, p.lat, p.lon,
         p.precision, c.ipc, c.wos
  FROM p JOIN read_parquet('{folder}/documents.parquet') d USING (doc_id)
  LEFT JOIN c USING (doc_id)
  ORDER BY d.doc_id, p.person_seq, p.address_seq
) TO '{out}' (FORMAT parquet, COMPRESSION zstd)
"""


def bench_table(world: Path, folder: Path, *, rows: int, runs: int) -> None:
    """Print the plain-table reader's time beside pyarrow's read of the same file, for a
    Parquet file and the same rows as CSV."""
    import duckdb
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from stclusters.readers import iter_table

    path = folder / "people_table.parquet"
    csv = folder / "people_table.csv"
    con = duckdb.connect()
    con.execute("SET memory_limit = '2GB'")
    con.execute(PERSON_TABLE.format(folder=world, rows=rows, out=path))
    con.execute(f"COPY (SELECT * FROM read_parquet('{path}')) TO '{csv}' (HEADER)")
    con.close()
    n = pq.ParquetFile(path).metadata.num_rows
    readers = {path: lambda: pq.read_table(path), csv: lambda: pacsv.read_csv(csv)}
    for file, arrow_read in readers.items():
        arrow: list[tuple[float, float]] = []
        ours: list[tuple[float, float]] = []
        docs = 0
        for _ in range(runs):
            arrow.append(_timed(arrow_read))
            col = Collector(FileAccount(str(file), "table"))
            ours.append(_timed(lambda c=col, f=file: _drain(iter_table(Source(f), collector=c))))
            docs = col.account.records_kept
        kind = file.suffix[1:]
        size = file.stat().st_size / 1e6
        print(f"plain table, {kind}, {size:,.0f} MB, {n:,} rows ({docs:,} documents), "
              f"median of {runs} runs:")  # fmt: skip
        aw, ac = (statistics.median(x[i] for x in arrow) for i in (0, 1))
        ow, oc = (statistics.median(x[i] for x in ours) for i in (0, 1))
        print(f"  pyarrow read        wall {aw:7.2f} s   CPU {ac:7.2f} s")
        print(f"  stclusters reader   wall {ow:7.2f} s   CPU {oc:7.2f} s")
        print(f"  ratio               wall {ow / aw:7.1f} x   CPU {oc / ac:7.1f} x", flush=True)


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds (all threads of this process) of calling ``fn``."""
    import resource

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    c0, w0 = cpu(), time.perf_counter()
    fn()
    return time.perf_counter() - w0, cpu() - c0


def bench_validate(folder: Path, *, runs: int) -> None:
    """Print the wall and CPU time of validate() on a records folder, and the peak memory."""
    import resource

    from stclusters.records import validate

    walls, cpus = [], []
    counts: dict[str, int] = {}
    for _ in range(runs):
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        start = time.perf_counter()
        counts = validate(folder)
        walls.append(time.perf_counter() - start)
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        cpus.append(cpu1.ru_utime - cpu0.ru_utime + cpu1.ru_stime - cpu0.ru_stime)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = ", ".join(f"{k} {v:,}" for k, v in counts.items())
    print(f"validate {folder} ({rows}), median of {runs} runs:")
    print(f"  wall {statistics.median(walls):7.1f} s   CPU {statistics.median(cpus):7.1f} s   "
          f"peak RSS {peak:,.0f} MB")  # fmt: skip


RUN_READ = """
import resource, sys
from stclusters.inputs import Workspace, open_inputs
with Workspace(memory_limit_gb=2) as ws:
    tables = open_inputs(sys.argv[1:], workspace=ws)
print(tables.counts["documents"], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _export(exports: Path, name: str) -> Path:
    """The export file ``name`` of ``exports``, plain or gzipped (``name.gz``)."""
    for path in (exports / name, exports / f"{name}.gz"):
        if path.exists():
            return path
    raise SystemExit(f"{exports}: neither {name} nor {name}.gz (benchmarks/make_exports.py)")


def _prefix(path: Path, out: Path, records: int) -> int:
    """The first ``records`` records of a WoS plain-text or JSON Lines file (plain or
    gzipped), written as plain text to ``out``; returns the number written (fewer when the
    file holds fewer, or a gzipped file written in part ends before)."""
    import gzip

    wos = ".txt" in path.name
    done = 0
    gz = path.suffix == ".gz"
    with (
        gzip.open(path, "rt", encoding="utf-8") if gz else path.open(encoding="utf-8") as fin,
        out.open("w", encoding="utf-8") as fo,
    ):
        held: list[str] = []  # the lines of the record being copied
        try:
            for line in fin:
                if wos and line.startswith("EF"):
                    break
                held.append(line)
                if line.startswith("ER") if wos else line.endswith("\n"):
                    fo.writelines(held)
                    held = []
                    done += 1
                    if done >= records:
                        break
        except EOFError:  # a gzipped file whose writing was stopped: its whole records only
            pass
        if wos:
            fo.write("EF\n")
    return done


def _peak(cmd: list[str]) -> tuple[float, float, str]:
    """Peak resident memory (MB) and CPU seconds (user + system) of a command run in a fresh
    process (wall seconds are inflated on a shared machine; CPU seconds are the figure)."""
    out = subprocess.run(
        ["/usr/bin/time", "-f", "%M %U %S", *cmd], check=True, capture_output=True, text=True
    )
    peak, user, system = out.stderr.strip().splitlines()[-1].split()
    return int(peak) / 1024, float(user) + float(system), out.stdout


RUN_ARGS = ["--memory-limit-gb", "2", "--no-site", "--force"]


def bench_memory(
    exports: Path, sizes: list[int], *, run_sizes: list[int], full_sizes: list[int] = ()
) -> None:
    """Peak memory of ``stclusters read``, of the read stage of ``run`` and of a whole ``run``
    on growing inputs.

    ``exports`` holds ``wos.txt`` and ``works.jsonl`` (benchmarks/make_exports.py; gzipped or
    not); each size is their first records, written as plain text and read in a fresh process.
    ``full_sizes`` are run through ``stclusters run`` whole (``RUN_ARGS``: DuckDB limited to
    2 GB, no site).
    """
    cli = str(Path(sys.executable).with_name("stclusters"))
    print("peak resident memory, fresh process each (records: first N of the export files)")
    print(f"  {'format':11s} {'records':>10s} {'MB in':>8s} {'step':12s} {'peak RSS':>9s} "
          f"{'CPU s':>8s}")  # fmt: skip
    for name in ("wos.txt", "works.jsonl"):
        source = _export(exports, name)
        with tempfile.TemporaryDirectory(prefix="stclusters-bench-") as tmp:
            for n in sorted(set(sizes) | set(run_sizes) | set(full_sizes)):
                part = Path(tmp) / f"part{n}{Path(name).suffix}"
                got = _prefix(source, part, n)
                if got < n:
                    print(f"  {name:11s} {n:>10,}: the file holds only {got:,} records")
                    part.unlink()
                    break
                size = part.stat().st_size / 1e6
                steps = []
                if n in sizes:
                    steps.append(("read", [cli, "read", str(part), "--out", f"{tmp}/r", "--force"]))
                if n in run_sizes:
                    steps.append(("run: read", [sys.executable, "-c", RUN_READ, str(part)]))
                if n in full_sizes:
                    steps.append(("run", [cli, "run", str(part), "--out", f"{tmp}/o", *RUN_ARGS]))
                for label, cmd in steps:
                    peak, seconds, _ = _peak(cmd)
                    print(f"  {name:11s} {n:>10,} {size:8.0f} {label:12s} {peak:7.0f} MB "
                          f"{seconds:8.1f}", flush=True)  # fmt: skip
                    shutil.rmtree(f"{tmp}/r", ignore_errors=True)
                    shutil.rmtree(f"{tmp}/o", ignore_errors=True)
                part.unlink()


#: A synthetic PatentsView dump of ``{n}`` patents: 3 inventors, 1 assignee, 2 IPC and 4 CPC
#: rows per patent, 5,000 locations (the columns of the real tables that the reader uses).
PATENTSVIEW = {
    "g_patent": """SELECT (10000000 + i)::VARCHAR AS patent_id, 'utility' AS patent_type,
        (DATE '2015-01-06' + (i % 3000)::INTEGER)::VARCHAR AS patent_date,
        'Synthetic invention number ' || i AS patent_title, 'B2' AS wipo_kind,
        (1 + i % 30)::VARCHAR AS num_claims, '0' AS withdrawn, 'ipg.xml' AS filename
        FROM range({n}) t(i)""",
    "g_inventor_disambiguated": """SELECT (10000000 + i)::VARCHAR AS patent_id,
        s::VARCHAR AS inventor_sequence, 'inv-' || (i * 3 + s) AS inventor_id,
        'First' || s AS disambig_inventor_name_first, 'Last' || (i % 100000)
        AS disambig_inventor_name_last, 'M' AS gender_code,
        'loc-' || ((i * 7 + s * 13) % 5000) AS location_id
        FROM range({n}) t(i), range(3) u(s)""",
    "g_location_disambiguated": """SELECT 'loc-' || k AS location_id, 'City ' || k AS
        disambig_city, 'ST' AS disambig_state, (['US', 'JP', 'DE', 'CN', 'KR'])[1 + k % 5]
        AS disambig_country, (-60 + (k % 120))::VARCHAR AS latitude,
        (-170 + (k % 340))::VARCHAR AS longitude, '' AS county, '' AS state_fips,
        '' AS county_fips FROM range(5000) t(k)""",
    "g_assignee_disambiguated": """SELECT (10000000 + i)::VARCHAR AS patent_id,
        '0' AS assignee_sequence, 'as-' || (i % 20000) AS assignee_id,
        '' AS disambig_assignee_individual_name_first,
        '' AS disambig_assignee_individual_name_last,
        'Company ' || (i % 20000) AS disambig_assignee_organization, '2' AS assignee_type,
        'loc-' || (i % 5000) AS location_id FROM range({n}) t(i)""",
    "g_ipc_at_issue": """SELECT (10000000 + i)::VARCHAR AS patent_id, s::VARCHAR AS
        ipc_sequence, 'A' AS classification_level, (['A', 'B', 'G', 'H'])[1 + (i + s) % 4]
        AS section, lpad(((i + s) % 99 + 1)::VARCHAR, 2, '0') AS ipc_class, 'F' AS subclass,
        ((i * 3 + s) % 90 + 1)::VARCHAR AS main_group, '00' AS subgroup,
        'I' AS classification_value, 'B' AS classification_status,
        'H' AS classification_data_source, '2018-06-19' AS action_date,
        '2006-01-01' AS ipc_version_indicator FROM range({n}) t(i), range(2) u(s)""",
    "g_cpc_current": """SELECT (10000000 + i)::VARCHAR AS patent_id, s::VARCHAR AS
        cpc_sequence, 'H' AS cpc_section, 'H04' AS cpc_class, 'H04L' AS cpc_subclass,
        'H04L' || ((i + s) % 90 + 1) || '/' || lpad(((i * 7 + s) % 99)::VARCHAR, 2, '0')
        AS cpc_group, 'inventional' AS cpc_type FROM range({n}) t(i), range(4) u(s)""",
}


def write_patentsview(folder: Path, n: int) -> float:
    """Write a synthetic PatentsView dump of ``n`` patents (:data:`PATENTSVIEW`) as TSV files
    in ``folder``; returns their size in MB."""
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET memory_limit = '1GB'")
    for name, sql in PATENTSVIEW.items():
        out = str(folder / f"{name}.tsv").replace("'", "''")
        con.execute(f"COPY ({sql.format(n=n)}) TO '{out}' (HEADER, DELIMITER '\t')")
    con.close()
    return sum(p.stat().st_size for p in folder.iterdir()) / 1e6


def bench_patentsview(sizes: list[int]) -> None:
    """Peak memory and CPU seconds of ``stclusters read`` on synthetic PatentsView dumps of
    growing size (:func:`write_patentsview`), each in a fresh process."""
    cli = str(Path(sys.executable).with_name("stclusters"))
    print("PatentsView dumps (synthetic), stclusters read, fresh process each")
    print(f"  {'patents':>10s} {'MB in':>8s} {'peak RSS':>9s} {'CPU s':>8s}")
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="stclusters-bench-") as tmp:
            dump = Path(tmp) / "pv"
            size = write_patentsview(dump, n)
            peak, seconds, _ = _peak([cli, "read", str(dump), "--out", f"{tmp}/r", "--force"])
            print(f"  {n:>10,} {size:8.0f} {peak:7.0f} MB {seconds:8.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000, help="records per format")
    parser.add_argument("--runs", type=int, default=3, help="runs per format (median)")
    parser.add_argument("--table-world", type=Path, help="records folder for the table bench")
    parser.add_argument("--table-rows", type=int, default=2_100_000, help="rows of the table")
    parser.add_argument("--validate", type=Path, help="records folder to validate")
    parser.add_argument("--exports", type=Path, help="folder of make_exports.py's files")
    parser.add_argument("--sizes", default="250000,500000,1000000", help="records for read")
    parser.add_argument("--run-sizes", default="250000,1000000", help="records for run's read")
    parser.add_argument("--full-sizes", default="", help="records for a whole run")
    parser.add_argument("--patentsview", default="", help="patents of synthetic dumps to read")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated: formats,table,validate,memory,patentsview",
    )
    args = parser.parse_args()
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    if args.exports and (not only or "memory" in only):
        bench_memory(
            args.exports,
            [int(x) for x in args.sizes.split(",") if x],
            run_sizes=[int(x) for x in args.run_sizes.split(",") if x],
            full_sizes=[int(x) for x in args.full_sizes.split(",") if x],
        )
    if args.patentsview and (not only or "patentsview" in only):
        bench_patentsview([int(x) for x in args.patentsview.split(",") if x])
    if args.validate and (not only or "validate" in only):
        bench_validate(args.validate, runs=args.runs)
    if args.table_world and (not only or "table" in only):
        with tempfile.TemporaryDirectory(prefix="stclusters-bench-") as tmp:
            bench_table(args.table_world, Path(tmp), rows=args.table_rows, runs=args.runs)
    if only and "formats" not in only:
        return
    n = args.records
    with tempfile.TemporaryDirectory(prefix="stclusters-bench-") as tmp:
        folder = Path(tmp)
        cases = [
            ("wos plain text", write_wos_plain, "wos.txt", iter_wos, "wos"),
            ("wos tab-delimited", write_wos_tab, "wos_tab.txt", iter_wos, "wos"),
            ("scopus csv", write_scopus, "scopus.csv", iter_scopus, "scopus"),
            ("openalex jsonl", write_openalex, "works.jsonl", iter_openalex, "openalex"),
            ("uspto xml", write_uspto, "ipg.xml", iter_uspto, "uspto"),
        ]
        print(f"records per second, one core, median of {args.runs} runs ({n:,} records each)")
        for label, writer, name, fn, fmt in cases:
            path = folder / name
            writer(path, n)
            count, rate = _rate(fn, path, fmt, args.runs)
            size = path.stat().st_size / 1e6
            print(f"  {label:20s} {count:>8,} records  {size:7.1f} MB  {rate:>10,.0f} rec/s")
        print("peak resident memory while streaming WoS plain text (fresh process each):")
        for k in (1, 4, 16):
            path = folder / f"wos_{k}.txt"
            write_wos_plain(path, n * k // 4)
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(path)], check=True, capture_output=True, text=True
            ).stdout.split()
            size = path.stat().st_size / 1e6
            rss = int(out[1]) / 1024
            print(f"  {int(out[0]):>9,} records  {size:7.1f} MB  peak RSS {rss:6.0f} MB")
            path.unlink()


if __name__ == "__main__":
    main()
