"""Read the PatentsView bulk TSV tables (patents, inventors, locations, assignees, IPC, CPC)."""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import duckdb
import pyarrow as pa

from stclusters.errors import InputError
from stclusters.readers._common import Collector, FileAccount, ReadResult, Source, country_column
from stclusters.records import Records, conform

__all__ = ["TABLE_NAMES", "iter_patentsview", "patentsview_table", "read_patentsview"]

#: The PatentsView tables this reader uses (file names without .tsv); g_patent is required.
TABLE_NAMES = (
    "g_patent",
    "g_inventor_disambiguated",
    "g_location_disambiguated",
    "g_assignee_disambiguated",
    "g_ipc_at_issue",
    "g_cpc_current",
)
_NAME = re.compile(r"^(g_[a-z_]+?)(?:\.tsv)?(?:\.(?:zip|gz))?$")
BATCH = 50_000
#: The memory DuckDB may use for the joins and sorts of the tables; beyond it, it spills to the
#: reader's temporary folder. Without a limit DuckDB takes up to 80% of the machine's memory
#: for a full PatentsView dump (tens of millions of inventor and CPC rows, sorted by patent).
DUCKDB_MEMORY = "1GB"


def patentsview_table(filename: str) -> str | None:
    """The PatentsView table a file holds, from its name ("g_patent.tsv.zip" -> "g_patent")."""
    m = _NAME.match(filename.lower())
    if m and m.group(1) in TABLE_NAMES:
        return m.group(1)
    return None


def _local(src: Source, tmp: Path) -> Path:
    """A path DuckDB can read: zip archives (and zip members) are extracted to ``tmp``."""
    if src.member is not None:
        target = tmp / Path(src.member).name
        with zipfile.ZipFile(src.path) as zf, zf.open(src.member) as fin, target.open("wb") as fo:
            shutil.copyfileobj(fin, fo)
        return target
    if src.path.suffix.lower() == ".zip":
        with zipfile.ZipFile(src.path) as zf:
            names = [n for n in zf.namelist() if n.lower().endswith((".tsv", ".csv"))]
            if len(names) != 1:
                raise InputError(f"{src.name}: expected one .tsv file in the zip archive")
            target = tmp / Path(names[0]).name
            with zf.open(names[0]) as fin, target.open("wb") as fo:
                shutil.copyfileobj(fin, fo)
        return target
    return src.path


_READ = "read_csv('{path}', delim='\t', header=true, all_varchar=true, quote='\"', escape='\"')"
#: The raw country; :func:`country_column` reads it as an ISO 3166-1 code afterwards.
_COUNTRY = "nullif(trim({c}), '')"
_DOC_ID = (
    "'US-' || regexp_replace(upper(trim(patent_id)), '^([A-Z]*)0*([0-9]+)$', '\\1\\2') "
    "|| coalesce('-' || nullif(trim(wipo_kind), ''), '')"
)


def _batches(
    con: duckdb.DuckDBPyConnection, sql: str, name: str, col: Collector
) -> Iterator[Records]:
    reader = con.sql(sql).to_arrow_reader(BATCH)
    for batch in reader:
        table = country_column(
            conform(pa.Table.from_batches([batch]), name), col.account, name=name
        )
        yield Records(**{name: table})


def iter_patentsview(
    tables: Mapping[str, Source | str | Path], *, collector: Collector | None = None
) -> Iterator[Records]:
    """Stream the PatentsView tables as chunks of Records, joined in DuckDB (out of core).

    ``tables`` maps table names (see :data:`TABLE_NAMES`) to files (.tsv, .tsv.gz or .tsv.zip).
    Inventors get their location's coordinates (precision ``city``). Chunks are not
    self-contained: documents come first, then the people, applicants and classes of the
    documents kept.
    """
    srcs = {k: v if isinstance(v, Source) else Source(Path(v)) for k, v in tables.items()}
    if "g_patent" not in srcs:
        raise InputError(
            "PatentsView: the g_patent table is required (found "
            + ", ".join(sorted(srcs))
            + "); download g_patent.tsv.zip beside the other tables"
        )
    col = collector or Collector(FileAccount(srcs["g_patent"].name, "patentsview"))
    others = [s.name for k, s in sorted(srcs.items()) if k != "g_patent"]
    if others:
        col.account.notes.append("joined with " + ", ".join(others))
    with tempfile.TemporaryDirectory(prefix="stclusters-pv-") as tmpdir:
        con = duckdb.connect()
        spill = str(Path(tmpdir) / "spill").replace("'", "''")
        con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
        con.execute(f"SET temp_directory = '{spill}'")
        try:
            for name, src in srcs.items():
                path = _local(src, Path(tmpdir))
                try:
                    literal = str(path).replace("'", "''")
                    con.execute(
                        f"CREATE VIEW {name} AS SELECT * FROM " + _READ.format(path=literal)
                    )
                    con.execute(f"SELECT * FROM {name} LIMIT 0")
                except duckdb.Error as exc:
                    raise InputError(
                        f"{src.name}: cannot read as a PatentsView table ({exc})"
                    ) from exc
            yield from _documents(con, col)
            yield from _dependents(con, srcs, col)
        except duckdb.Error as exc:
            col.account.problem(f"reading stopped: {exc}")
        finally:
            con.close()
    if col.has_rows():
        yield col.flush()


def _documents(con: duckdb.DuckDBPyConnection, col: Collector) -> Iterator[Records]:
    sql = (
        f"SELECT row_number() OVER () + 1 AS line, trim(patent_id) AS pid, {_DOC_ID} AS doc_id, "
        "patent_type, patent_date, patent_title FROM g_patent"
    )
    dropped: list[str] = []
    reader = con.sql(sql).to_arrow_reader(BATCH)
    for batch in reader:
        for line, pid, doc_id, ptype, pdate, title in zip(*batch.to_pydict().values(), strict=True):
            if not pid:
                col.reject("row has no patent_id", line=int(line))
                continue
            year = col.year(pdate, field="patent_date", line=int(line), record_id=doc_id)
            if not col.document(
                doc_id,
                "patent",
                year=year,
                doc_type=ptype or None,
                title=title or None,
                source="patentsview",
            ):
                dropped.append(pid)
            if col.full:
                yield col.flush()
    if col.has_rows():
        yield col.flush()
    con.execute("CREATE TEMP TABLE dropped (pid VARCHAR)")
    if dropped:
        con.register("dropped_arrow", pa.table({"pid": dropped}))
        con.execute("INSERT INTO dropped SELECT pid FROM dropped_arrow")
    con.execute(
        f"CREATE TEMP TABLE kept AS SELECT trim(patent_id) AS pid, {_DOC_ID} AS doc_id "
        "FROM g_patent WHERE coalesce(trim(patent_id), '') <> '' "
        "AND trim(patent_id) NOT IN (SELECT pid FROM dropped)"
    )


def _dependents(
    con: duckdb.DuckDBPyConnection, srcs: Mapping[str, Source], col: Collector
) -> Iterator[Records]:
    has = set(srcs)
    if "g_inventor_disambiguated" in has:
        orphans = con.execute(
            "SELECT count(*) FROM g_inventor_disambiguated i WHERE trim(i.patent_id) NOT IN "
            "(SELECT trim(patent_id) FROM g_patent WHERE patent_id IS NOT NULL)"
        ).fetchall()
        if orphans and orphans[0][0]:
            col.account.problem(
                f"{orphans[0][0]:,} inventor row(s) whose patent_id is not in g_patent were ignored"
            )
        loc = "g_location_disambiguated" in has
        city = "l.disambig_city" if loc else "NULL"
        state = "l.disambig_state" if loc else "NULL"
        country = _COUNTRY.format(c="l.disambig_country") if loc else "NULL"
        lat = "TRY_CAST(l.latitude AS DOUBLE)" if loc else "NULL::DOUBLE"
        lon = "TRY_CAST(l.longitude AS DOUBLE)" if loc else "NULL::DOUBLE"
        join = (
            "LEFT JOIN g_location_disambiguated l ON l.location_id = i.location_id" if loc else ""
        )
        seq = (
            "CAST(row_number() OVER (PARTITION BY k.doc_id ORDER BY "
            "TRY_CAST(i.inventor_sequence AS INTEGER), i.inventor_id) - 1 AS INTEGER)"
        )
        ok = "lat0 BETWEEN -90 AND 90 AND lon0 BETWEEN -180 AND 180"
        sql = f"""
            WITH p AS (
              SELECT k.doc_id, {seq} AS person_seq,
                     nullif(trim(concat_ws(' ', i.disambig_inventor_name_first,
                                           i.disambig_inventor_name_last)), '') AS name,
                     nullif({city}, '') AS city, nullif({state}, '') AS region,
                     {country} AS country,
                     {lat} AS lat0, {lon} AS lon0
              FROM g_inventor_disambiguated i JOIN kept k ON k.pid = trim(i.patent_id) {join})
            SELECT doc_id, person_seq, person_seq AS address_seq, 'inventor' AS role, name,
                   nullif(concat_ws(', ', city, region, country), '') AS address,
                   city, region, country,
                   CASE WHEN {ok} THEN lat0 END AS lat,
                   CASE WHEN {ok} THEN lon0 END AS lon,
                   CASE WHEN {ok} THEN 'city' END AS precision
            FROM p ORDER BY doc_id, person_seq"""
        yield from _batches(con, sql, "people", col)
    if "g_assignee_disambiguated" in has:
        loc = "g_location_disambiguated" in has
        country = _COUNTRY.format(c="l.disambig_country") if loc else "NULL"
        join = (
            "LEFT JOIN g_location_disambiguated l ON l.location_id = a.location_id" if loc else ""
        )
        sql = f"""
            SELECT k.doc_id,
                   coalesce(nullif(trim(a.disambig_assignee_organization), ''),
                            nullif(trim(concat_ws(' ', a.disambig_assignee_individual_name_first,
                                   a.disambig_assignee_individual_name_last)), '')) AS name,
                   {country} AS country
            FROM g_assignee_disambiguated a JOIN kept k ON k.pid = trim(a.patent_id) {join}
            WHERE name IS NOT NULL
            ORDER BY k.doc_id, TRY_CAST(a.assignee_sequence AS INTEGER)"""
        yield from _batches(con, sql, "applicants", col)
    if "g_ipc_at_issue" in has:
        sql = """
            SELECT DISTINCT k.doc_id, 'ipc' AS scheme,
                   upper(trim(section)) || lpad(trim(ipc_class), 2, '0') || upper(trim(subclass))
                   || ' ' || coalesce(nullif(ltrim(trim(main_group), '0'), ''), '0') || '/'
                   || CASE WHEN length(trim(subgroup)) < 2 THEN lpad(trim(subgroup), 2, '0')
                           ELSE trim(subgroup) END AS code
            FROM g_ipc_at_issue c JOIN kept k ON k.pid = trim(c.patent_id)
            WHERE coalesce(trim(section), '') <> '' AND coalesce(trim(main_group), '') <> ''
            ORDER BY 1, 3"""
        yield from _batches(con, sql, "classes", col)
    if "g_cpc_current" in has:
        sql = r"""
            SELECT DISTINCT k.doc_id, 'cpc' AS scheme,
                   regexp_replace(upper(replace(trim(cpc_group), ' ', '')),
                                  '^([A-HY][0-9][0-9][A-Z])0*([0-9]+)/([0-9]+)$',
                                  '\1 \2/\3') AS code
            FROM g_cpc_current c JOIN kept k ON k.pid = trim(c.patent_id)
            WHERE regexp_full_match(upper(replace(trim(cpc_group), ' ', '')),
                                    '[A-HY][0-9][0-9][A-Z][0-9]+/[0-9]+')
            ORDER BY 1, 3"""
        yield from _batches(con, sql, "classes", col)


def read_patentsview(folder: str | Path) -> ReadResult:
    """Read the PatentsView tables found in ``folder`` (see :func:`iter_patentsview`)."""
    from stclusters.records import concat_records

    tables: dict[str, Source] = {}
    for path in sorted(Path(folder).iterdir()):
        name = patentsview_table(path.name)
        if name:
            tables[name] = Source(path)
    if not tables:
        raise InputError(f"{folder}: no PatentsView tables (g_patent.tsv, ...) found")
    acc = FileAccount(str(tables.get("g_patent", next(iter(tables.values()))).name), "patentsview")
    col = Collector(acc)
    records = concat_records(list(iter_patentsview(tables, collector=col)))
    return ReadResult(records, [acc], acc.duplicates_dropped)
