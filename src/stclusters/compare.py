"""Two editions compared: the clusters of two finished runs matched by where their output lies
(issue 15 item 3, ``stclusters compare OUT_A OUT_B``).

The runs' per-record tables (``memberships.parquet``: every located people row of a kept
document, its cluster, share and point) say where each cluster's output lies. A cluster's
*footprint* here is the set of grid cells (of side :data:`CELL_SHARE` x ``eps_km``, the same
grid for both runs) holding its members; the output of a cluster of one edition that lies in a
cell is credited to the clusters of the other edition holding members in that cell, in
proportion to their output there. A cluster is *linked* to the cluster of the other edition
holding more than :data:`LINK_SHARE` of its output (at most one, since the credits add up to at
most 1), and the links make groups: one cluster of each edition is a match, none of the earlier
edition an entrant, none of the later a leaver, several of the earlier and one of the later a
merge, one and several a split (several and several: regrouped). Parts holding less than
:data:`MINOR_SHARE` of the largest part of their edition in the group do not count for that:
they are *absorbed* (of the earlier edition) or *detached* (of the later one), so that a small
cluster on the edge of a large one does not make the large one a merge. Matching never uses the
runs' cluster ids, which each run numbers afresh.

Each cluster gets a stable key (:func:`cluster_key`) from its main place (the first city of its
name and its primary economy), so that a cluster keeps its identifier from edition to edition
whatever number a run gives it: a cluster of the later edition takes the key of the cluster of
the earlier edition it continues. The keys are written in ``comparison.csv`` only (adding them
to ``ranking.csv`` would change every run's outputs).

The result is written as ``comparison.csv`` (:data:`COMPARISON_COLUMNS`, docs/outputs.md) and
the page ``comparison.html`` (:mod:`stclusters.report.comparison`).
"""

from __future__ import annotations

import csv
import json
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from stclusters._outdir import MARKER, read_marker
from stclusters._sphere import EARTH_RADIUS_KM
from stclusters.csvfile import CSV_ENCODING, write_csv_rows
from stclusters.errors import InputError

__all__ = [
    "CELL_SHARE",
    "COMPARABLE_SETTINGS",
    "COMPARISON_COLUMNS",
    "COMPARISON_FILE",
    "LINK_SHARE",
    "Comparison",
    "Edition",
    "cluster_key",
    "compare_runs",
    "read_edition",
    "write_comparison",
]

#: The table written by :func:`write_comparison`.
COMPARISON_FILE = "comparison.csv"
#: Files a finished run holds that the comparison reads.
_RUN_FILES = ("accounts.json", "all_clusters.csv", "ranking.csv", "memberships.parquet")
#: Settings that two runs must share to be compared: what decides which documents count and how
#: clusters are drawn (the edition, and so the windows, may differ: that is the point).
COMPARABLE_SETTINGS: tuple[str, ...] = (
    "window_years",
    "patent_lag",
    "article_lag",
    "article_doc_types",
    "exclude_ssh_only",
    "cluster_precisions",
    "eps_km",
    "min_points",
    "merge_km",
    "topic",
    "topic_counting",
    "topic_min_points",
)
#: Side of the footprint grid's cells, as a share of ``eps_km`` (the clustering's radius: a
#: member lies within ``eps_km`` of a core point, so cells of half of it follow a cluster's
#: outline closely without leaving holes inside it).
CELL_SHARE = 0.5
#: A cluster is linked to the cluster of the other edition holding more than this share of its
#: output (more than half: so at most one).
LINK_SHARE = 0.5
#: km per degree of latitude.
_KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180.0

#: The columns of comparison.csv, in order (docs/outputs.md describes each).
COMPARISON_COLUMNS: tuple[str, ...] = (
    "cluster_key",
    "status",
    "group",
    "cluster_id_a",
    "cluster_id_b",
    "name_a",
    "name_b",
    "key_a",
    "key_b",
    "primary_economy",
    "rank_a",
    "rank_b",
    "rank_change",
    "published_a",
    "published_b",
    "patents_a",
    "patents_b",
    "articles_a",
    "articles_b",
    "output_a",
    "output_b",
    "size_score_a",
    "size_score_b",
    "growth",
    "overlap_a",
    "overlap_b",
    "shared_output",
)

#: Order of the statuses in the table (then by rank).
STATUSES: tuple[str, ...] = (
    "matched",
    "merged",
    "split",
    "regrouped",
    "absorbed",
    "detached",
    "entrant",
    "leaver",
)
#: A part of a group holding less than this share of the output of its edition's largest part
#: is minor: a small cluster on the edge of a large one that the other edition draws inside it
#: (or apart from it) is *absorbed* (or *detached*), not a merge (or split) of the large one.
MINOR_SHARE = 0.1


@dataclass(frozen=True)
class Edition:
    """A finished run read for comparison (the clusters only: the records stay in Parquet).

    Attributes
    ----------
    folder
        The run's output folder.
    edition
        Its edition year.
    settings
        Its settings (``accounts.json``'s ``settings``).
    clusters
        Every cluster found (``all_clusters.csv``), by cluster id: ``rank``, ``name``,
        ``primary_economy``, ``patents``, ``articles``, ``size_score``, ``slug``,
        ``published`` and the stable ``key`` (:func:`cluster_key`).
    """

    folder: Path
    edition: int
    settings: Mapping[str, Any]
    clusters: Mapping[int, Mapping[str, Any]]

    @property
    def memberships(self) -> Path:
        """The run's per-record table."""
        return self.folder / "memberships.parquet"


@dataclass(frozen=True)
class Comparison:
    """Two editions compared (:func:`compare_runs`).

    Attributes
    ----------
    a, b
        The earlier and the later edition.
    rows
        One row per link between a cluster of A and one of B, and per entrant and leaver, with
        the keys of :data:`COMPARISON_COLUMNS`; sorted by status (:data:`STATUSES`), then rank
        in B, then rank in A.
    """

    a: Edition
    b: Edition
    rows: list[dict[str, Any]]

    def counts(self) -> dict[str, int]:
        """Outcomes over every cluster found: ``matched``, ``merges``, ``splits`` (groups; a
        regrouped group counts as both), ``entrants``, ``leavers``, and the minor parts
        ``absorbed`` and ``detached`` (rows)."""
        minor = ("absorbed", "detached")
        groups = {int(r["group"]): str(r["status"]) for r in self.rows if r["status"] not in minor}
        statuses = list(groups.values())
        rows = [str(r["status"]) for r in self.rows]
        return {
            "matched": statuses.count("matched"),
            "entrants": statuses.count("entrant"),
            "leavers": statuses.count("leaver"),
            "merges": statuses.count("merged") + statuses.count("regrouped"),
            "splits": statuses.count("split") + statuses.count("regrouped"),
            "absorbed": rows.count("absorbed"),
            "detached": rows.count("detached"),
        }


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.casefold()).strip("-")


def cluster_key(name: str, primary_economy: str) -> str:
    """The stable key of a cluster: its main city (the first of its name's en-dash-joined
    cities) and primary economy, as lower-case ASCII joined by hyphens.

    Examples
    --------
    >>> cluster_key("Tokyo–Yokohama", "JP")
    'tokyo-jp'
    >>> cluster_key("São Paulo", "BR")
    'sao-paulo-br'
    """
    main = name.split("–")[0].strip()
    return "-".join(p for p in (_slug(main) or "cluster", _slug(primary_economy)) if p)


def _not_run(folder: Path, why: str) -> InputError:
    return InputError(
        f"{folder}: {why}, so it is not a finished run that can be compared; give the output "
        "folder of a finished `stclusters run` (or run it again: an interrupted run leaves no "
        "marker)"
    )


def _read_clusters(folder: Path) -> dict[int, dict[str, Any]]:
    """Every cluster of ``all_clusters.csv`` (a few thousand rows at most), with the published
    flag from ``ranking.csv`` and the stable key (made unique in rank order)."""

    def rows(name: str) -> list[dict[str, str]]:
        with (folder / name).open(encoding=CSV_ENCODING, newline="") as fh:
            return list(csv.DictReader(fh))

    try:
        published = {int(r["cluster_id"]) for r in rows("ranking.csv")}
        out: dict[int, dict[str, Any]] = {}
        for r in rows("all_clusters.csv"):
            out[int(r["cluster_id"])] = {
                "rank": int(r["rank"]),
                "name": r["name"],
                "primary_economy": r["primary_economy"],
                "patents": float(r["patents"]),
                "articles": float(r["articles"]),
                "size_score": float(r["size_score"]),
                "slug": r.get("slug") or None,
            }
    except (KeyError, TypeError, ValueError) as exc:
        why = f"its all_clusters.csv or ranking.csv cannot be read ({exc})"
        raise _not_run(folder, why) from None
    seen: dict[str, int] = {}
    for cid in sorted(out, key=lambda c: out[c]["rank"]):
        c = out[cid]
        key = cluster_key(c["name"], c["primary_economy"])
        seen[key] = seen.get(key, 0) + 1
        c["key"] = key if seen[key] == 1 else f"{key}-{seen[key]}"
        c["published"] = cid in published
    return out


def read_edition(folder: str | Path) -> Edition:
    """Read a finished run for comparison.

    Parameters
    ----------
    folder
        The output folder of a finished ``stclusters run``.

    Returns
    -------
    Edition

    Raises
    ------
    InputError
        The folder is missing, was not written by a run (no ``run`` marker), or lacks a file a
        finished run holds (:data:`_RUN_FILES`): the message names the folder and the fix.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise _not_run(folder, "there is no such folder")
    kind = read_marker(folder)
    if kind in ("records", "world"):
        raise InputError(
            f"{folder}: it is a records folder (the input of a run), not a run's output; run "
            f"`stclusters run {folder} --out OUT` for each edition and compare the two OUT folders"
        )
    if kind != "run":
        raise _not_run(folder, f"it has no {MARKER} marker of a run")
    missing = [name for name in _RUN_FILES if not (folder / name).is_file()]
    if missing:
        raise _not_run(folder, "it lacks " + ", ".join(missing))
    try:
        accounts = json.loads((folder / "accounts.json").read_text(encoding="utf-8"))
        edition = int(accounts["edition"])
        settings = dict(accounts["settings"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _not_run(folder, f"its accounts.json cannot be read ({exc})") from None
    return Edition(folder, edition, settings, _read_clusters(folder))


def _check_comparable(a: Edition, b: Edition) -> None:
    """Refuse two runs whose clusters are not drawn the same way, or given in the wrong order."""
    differ = [
        f"{k} ({a.settings.get(k)!r} vs {b.settings.get(k)!r})"
        for k in COMPARABLE_SETTINGS
        if a.settings.get(k) != b.settings.get(k)
    ]
    if differ:
        raise InputError(
            f"{a.folder} and {b.folder} were run with different settings: "
            + ", ".join(differ)
            + "; their clusters cannot be compared. Run both editions with the same settings "
            "(only the edition may differ)"
        )
    if a.edition > b.edition:
        raise InputError(
            f"{a.folder} holds edition {a.edition}, later than {b.folder} (edition "
            f"{b.edition}); give the earlier edition first: stclusters compare {b.folder} "
            f"{a.folder}"
        )


_CELLS = """
SELECT cluster_id AS c, cast(floor((lat + 90) * {k} / {cell}) AS BIGINT) AS y,
       cast(floor((lon + 180) * {k} * cos(radians(
           (floor((lat + 90) * {k} / {cell}) + 0.5) * {cell} / {k} - 90)) / {cell}) AS BIGINT)
           AS x,
       sum(share) AS s
FROM read_parquet(?) WHERE cluster_id IS NOT NULL AND share > 0
GROUP BY ALL
"""

_TOTALS = """
SELECT cluster_id, sum(share) FROM read_parquet(?) WHERE cluster_id IS NOT NULL GROUP BY ALL
"""

_CREDIT = """
WITH a AS ({cells_a}), b AS ({cells_b}),
at_a AS (SELECT y, x, sum(s) AS total FROM a GROUP BY ALL),
at_b AS (SELECT y, x, sum(s) AS total FROM b GROUP BY ALL)
SELECT a.c AS ca, b.c AS cb,
       sum(a.s * b.s / at_b.total) AS a_in_b,
       sum(b.s * a.s / at_a.total) AS b_in_a
FROM a JOIN b USING (y, x) JOIN at_a USING (y, x) JOIN at_b USING (y, x)
GROUP BY ALL
"""

_SHARED = """
SELECT a.cluster_id AS ca, b.cluster_id AS cb, sum(least(a.share, b.share)) AS shared
FROM read_parquet(?) a JOIN read_parquet(?) b
  ON a.layer = b.layer AND a.doc_id = b.doc_id
 AND a.person_seq IS NOT DISTINCT FROM b.person_seq
 AND a.address_seq IS NOT DISTINCT FROM b.address_seq
 AND a.lat = b.lat AND a.lon = b.lon
WHERE a.cluster_id IS NOT NULL AND b.cluster_id IS NOT NULL
GROUP BY ALL
"""


def _overlaps(
    a: Edition, b: Edition, *, cell_km: float, memory_limit_gb: float | None
) -> tuple[dict[tuple[int, int], tuple[float, float, float]], dict[int, float], dict[int, float]]:
    """Per pair of clusters (A, B) with common footprint cells: the share of A's output
    credited to B, of B's credited to A, and the output of people rows counted in both (same
    record, same point); and each run's output per cluster (from the same rows)."""
    con = duckdb.connect()
    try:
        con.execute("SET threads = 1")  # sums in one order: the same bytes on every run
        if memory_limit_gb is not None:
            con.execute(f"SET memory_limit = '{float(memory_limit_gb)}GB'")
        cells = _CELLS.format(k=repr(_KM_PER_DEGREE), cell=repr(cell_km))
        pa_, pb = str(a.memberships), str(b.memberships)
        credit = con.execute(_CREDIT.format(cells_a=cells, cells_b=cells), [pa_, pb]).fetchall()
        totals = [
            {int(c): float(t) for c, t in con.execute(_TOTALS, [path]).fetchall()}
            for path in (pa_, pb)
        ]
        shared = {
            (int(x), int(y)): float(s) for x, y, s in con.execute(_SHARED, [pa_, pb]).fetchall()
        }
    except duckdb.OutOfMemoryException:
        raise  # the command line names the limit and the setting
    except duckdb.Error as exc:
        raise InputError(
            f"{a.memberships} or {b.memberships} cannot be read ({exc}); run the editions again "
            "to rewrite them"
        ) from None
    finally:
        con.close()
    ta, tb = totals
    out = {}
    for x, y, ab, ba in credit:
        pair = (int(x), int(y))
        out[pair] = (
            float(ab) / ta[pair[0]] if ta.get(pair[0]) else 0.0,
            float(ba) / tb[pair[1]] if tb.get(pair[1]) else 0.0,
            shared.get(pair, 0.0),
        )
    return out, ta, tb


def _groups(
    a_ids: Sequence[int], b_ids: Sequence[int], links: set[tuple[int, int]]
) -> list[tuple[list[int], list[int]]]:
    """The connected groups of the links (union-find), each as (A ids, B ids)."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(n: tuple[str, int]) -> tuple[str, int]:
        while parent.setdefault(n, n) != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for x, y in links:
        parent[find(("a", x))] = find(("b", y))
    members: dict[tuple[str, int], tuple[list[int], list[int]]] = {}
    for cid in a_ids:
        members.setdefault(find(("a", cid)), ([], []))[0].append(cid)
    for cid in b_ids:
        members.setdefault(find(("b", cid)), ([], []))[1].append(cid)
    return list(members.values())


def _major(outputs: Sequence[float], ids: Sequence[int]) -> set[int]:
    """The parts of one side of a group holding at least :data:`MINOR_SHARE` of its largest."""
    top = max(outputs, default=0.0)
    return {i for i, o in zip(ids, outputs, strict=True) if o >= MINOR_SHARE * top}


def _status(n_a: int, n_b: int) -> str:
    if n_a == 0:
        return "entrant"
    if n_b == 0:
        return "leaver"
    if n_a == 1 and n_b == 1:
        return "matched"
    if n_b == 1:
        return "merged"
    return "split" if n_a == 1 else "regrouped"


def _row(
    ca: Mapping[str, Any] | None,
    cb: Mapping[str, Any] | None,
    overlap: tuple[float, float, float] | None,
) -> dict[str, Any]:
    """The columns of one row of the comparison that come from its two clusters (either may be
    None) and their overlap (A's output credited to B, B's to A, shared output)."""
    row: dict[str, Any] = {}
    for tag, c in (("a", ca), ("b", cb)):
        for k in ("name", "key", "rank", "published", "patents", "articles", "size_score"):
            row[f"{k}_{tag}"] = None if c is None else c[k]
        row[f"output_{tag}"] = None if c is None else _output(c)
    main = cb if cb is not None else ca
    row["primary_economy"] = None if main is None else main["primary_economy"]
    row["cluster_key"] = None if ca is None else ca["key"]
    both = ca is not None and cb is not None
    row["rank_change"] = ca["rank"] - cb["rank"] if ca is not None and cb is not None else None
    ab, ba, shared = overlap if overlap is not None else (0.0, 0.0, 0.0)
    row["overlap_a"] = ab if both else None
    row["overlap_b"] = ba if both else None
    row["shared_output"] = shared if both else None
    return row


def _later_keys(
    a: Edition,
    b: Edition,
    links: set[tuple[int, int]],
    pairs: Mapping[tuple[int, int], tuple[float, float, float]],
) -> dict[int, str]:
    """The stable key of every cluster of B: the key of the cluster of A it continues (each is
    the other's best link: A's cluster credits most of its output to it, and it most of its own
    to A's), else its own key, made unique (``-2``, ``-3`` ... in rank order) against the keys
    carried over and those of A's leavers."""
    best_b: dict[int, tuple[float, int]] = {}
    best_a: dict[int, tuple[float, int]] = {}
    for x, y in sorted(links):
        ab, ba, _ = pairs[(x, y)]
        if x not in best_b or ab > best_b[x][0]:
            best_b[x] = (ab, y)
        if y not in best_a or ba > best_a[y][0]:
            best_a[y] = (ba, x)
    keys = {y: str(a.clusters[x]["key"]) for y, (_, x) in best_a.items() if best_b[x][1] == y}
    linked_a = {x for x, _ in links}
    taken = set(keys.values()) | {str(c["key"]) for x, c in a.clusters.items() if x not in linked_a}
    for y in sorted(b.clusters, key=lambda c: b.clusters[c]["rank"]):
        if y in keys:
            continue
        base = str(b.clusters[y]["key"])
        key, n = base, 1
        while key in taken:
            n += 1
            key = f"{base}-{n}"
        keys[y] = key
        taken.add(key)
    return keys


def _output(c: Mapping[str, Any]) -> float:
    return float(c["patents"]) + float(c["articles"])


def compare_runs(
    out_a: str | Path, out_b: str | Path, *, memory_limit_gb: float | None = None
) -> Comparison:
    """Match the clusters of an earlier and a later edition's runs.

    Parameters
    ----------
    out_a, out_b
        Output folders of finished runs: the earlier edition, then the later one.
    memory_limit_gb
        DuckDB's memory limit while the per-record tables are read (None: DuckDB's default).

    Returns
    -------
    Comparison
        One row per link, entrant and leaver (see the module docstring for the rule).

    Raises
    ------
    InputError
        A folder is not a finished run (:func:`read_edition`), the runs' settings differ in
        one of :data:`COMPARABLE_SETTINGS`, or ``out_a`` holds the later edition.
    """
    a, b = read_edition(out_a), read_edition(out_b)
    _check_comparable(a, b)
    cell_km = CELL_SHARE * float(a.settings.get("eps_km") or 15.0)
    pairs, _, _ = _overlaps(a, b, cell_km=cell_km, memory_limit_gb=memory_limit_gb)
    links = {
        (x, y)
        for (x, y), (ab, ba, _) in pairs.items()
        if x in a.clusters and y in b.clusters and (ab > LINK_SHARE or ba > LINK_SHARE)
    }
    keys = _later_keys(a, b, links, pairs)
    groups = _groups(sorted(a.clusters), sorted(b.clusters), links)
    group_of = {x: g for g, (xs, _) in enumerate(groups) for x in xs}
    edges: dict[int, list[tuple[int | None, int | None]]] = {}
    for x, y in sorted(links):
        edges.setdefault(group_of[x], []).append((x, y))
    rows: list[dict[str, Any]] = []
    for index, (xs, ys) in enumerate(groups):
        out_a_total = sum(_output(a.clusters[x]) for x in xs)
        out_b_total = sum(_output(b.clusters[y]) for y in ys)
        growth = out_b_total / out_a_total - 1.0 if xs and ys and out_a_total > 0 else None
        singles: list[tuple[int | None, int | None]] = [(x, None) for x in xs]
        singles += [(None, y) for y in ys]
        major_a = _major([_output(a.clusters[x]) for x in xs], xs)
        major_b = _major([_output(b.clusters[y]) for y in ys], ys)
        status = _status(len(major_a), len(major_b))
        for ia, ib in edges.get(index, singles):
            ca = a.clusters[ia] if ia is not None else None
            cb = b.clusters[ib] if ib is not None else None
            row = _row(ca, cb, pairs.get((ia, ib)) if ia is not None and ib is not None else None)
            row["cluster_id_a"], row["cluster_id_b"] = ia, ib
            if cb is not None and ib is not None:
                row["cluster_key"] = keys[ib]
            row_status = status
            if ia is not None and ib is not None and ia not in major_a:
                row_status = "absorbed"
            elif ia is not None and ib is not None and ib not in major_b:
                row_status = "detached"
            row.update(status=row_status, group=index, growth=growth)
            rows.append(row)

    def order(r: Mapping[str, Any]) -> tuple[Any, ...]:
        big = 10**9
        return (
            STATUSES.index(r["status"]),
            r["rank_b"] if r["rank_b"] is not None else big,
            r["rank_a"] if r["rank_a"] is not None else big,
        )

    rows.sort(key=order)
    numbers: dict[int, int] = {}  # groups numbered 1, 2, ... in the order of the table
    for r in rows:
        r["group"] = numbers.setdefault(r["group"], len(numbers) + 1)
    return Comparison(a, b, rows)


def write_comparison(comparison: Comparison, folder: str | Path) -> Path:
    """Write ``comparison.csv`` (:data:`COMPARISON_COLUMNS`) into ``folder`` (created).

    Returns
    -------
    Path
        The file written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)

    def cell(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 6)
        return value

    rows = [{k: cell(r.get(k)) for k in COMPARISON_COLUMNS} for r in comparison.rows]
    return write_csv_rows(rows, folder / COMPARISON_FILE, columns=list(COMPARISON_COLUMNS))
