"""The run: read, filter, geocode, count, cluster, rank, name, profile, write (in that order).

:func:`run` keeps the accounts of every stage (method.md section 8) and writes the output folder
atomically: everything is built in a temporary folder beside the target, which then replaces it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from stclusters._outdir import check_folder, write_marker
from stclusters._sphere import chord, to_xyz, unique_points
from stclusters._version import __version__
from stclusters.config import Config
from stclusters.errors import InputError, ValidationError
from stclusters.measure import counting
from stclusters.measure.ranking import ClusterRow, economies_of, rank_clusters
from stclusters.records import MANIFEST, Records, content_checksum, read_manifest
from stclusters.records import validate as validate_records

__all__ = ["RunResult", "run"]

log = logging.getLogger("stclusters")

Reporter = Callable[[str], None]


@dataclass
class RunResult:
    """What a run produced."""

    out: Path
    ranking: list[ClusterRow]
    profiles: list[dict[str, Any]]
    accounts: dict[str, Any]
    seconds: float
    stage_seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class _Stage:
    say: Reporter
    times: dict[str, float]
    on_begin: Reporter | None = None
    name: str = ""
    start: float = 0.0

    def begin(self, name: str) -> None:
        self.name, self.start = name, time.perf_counter()
        if self.on_begin is not None:
            self.on_begin(name)

    def end(self, summary: str) -> None:
        seconds = time.perf_counter() - self.start
        self.times[self.name] = round(seconds, 3)
        line = f"{self.name}: {summary} ({seconds:.1f} s)"
        log.info(line)
        self.say(line)


def _load_inputs(
    inputs: Sequence[str | Path], *, fmt: str | None
) -> tuple[list[Path], Records | None, dict[str, Any]]:
    """Check records folders in place (they are scanned by DuckDB, never loaded whole) and read
    every other input through the readers into memory."""
    folders, others = [], []
    for item in inputs:
        path = Path(item)
        if path.is_dir() and (path / MANIFEST).exists():
            folders.append(path)
        else:
            others.append(item)
    accounts: dict[str, Any] = {"records_folders": [], "files": []}
    for folder in folders:
        read_manifest(folder)
        rows = validate_records(folder)
        accounts["records_folders"].append(
            {"path": str(folder), "content_checksum": content_checksum(folder), "rows": rows}
        )
    records = None
    if others:
        try:
            from stclusters.readers import read_inputs
        except ImportError as exc:  # pragma: no cover - readers are part of the package
            raise InputError(
                f"{others[0]}: not a records folder, and no readers are installed"
            ) from exc
        result = read_inputs([str(o) for o in others], format=fmt)
        records = result.records
        validate_records(records)
        accounts.update(result.to_dict())
    if not folders and records is None:
        raise InputError("no inputs given: name records folders or input files")
    return folders, records, accounts


def _register_inputs(
    con: duckdb.DuckDBPyConnection, folders: Sequence[Path], records: Records | None
) -> dict[str, int]:
    """Make the four canonical tables views over the folders' Parquet files and ``records``.

    Raises
    ------
    ValidationError
        When a document id occurs in more than one input.
    """
    for name in counting.TABLES:
        parts = []
        for folder in folders:
            quoted = str(folder / f"{name}.parquet").replace("'", "''")
            parts.append(f"SELECT * FROM read_parquet('{quoted}')")
        if records is not None:
            con.register(f"{name}_mem", records.table(name))
            parts.append(f"SELECT * FROM {name}_mem")
        con.execute(f"CREATE OR REPLACE VIEW {name} AS " + " UNION ALL BY NAME ".join(parts))
    if len(folders) + (records is not None) > 1:
        dup = con.execute(
            "SELECT count(*), any_value(doc_id) FROM "
            "(SELECT doc_id FROM documents GROUP BY doc_id HAVING count(*) > 1)"
        ).fetchall()[0]
        if dup[0]:
            raise ValidationError(
                [
                    f"documents: {dup[0]:,} doc_id value(s) occur in more than one input "
                    f"(for example {dup[1]}); give each document once"
                ],
                where="inputs",
            )
    return {
        name: int(con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])
        for name in counting.TABLES
    }


def _cluster_layers(
    layer_inputs: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    *,
    n: int,
    eps_km: float,
    min_points: float,
    merge_km: float,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Cluster each layer's weighted distinct points, merge; return every row's cluster.

    ``layer_inputs`` holds, per layer, the row indices, the distinct points, the index of each
    row's point and the points' weights. Rows outside every layer get -2, noise -1.
    """
    from stclusters.cluster import GeoDBSCAN, merge_labels

    groups = []
    for _idx, uniq, _inverse, weights in layer_inputs:
        if len(uniq):
            model = GeoDBSCAN(eps_km=eps_km, min_points=min_points)
            labels = np.asarray(model.fit(uniq, sample_weight=weights).labels_, dtype=np.int64)
        else:
            labels = np.empty(0, dtype=np.int64)
        groups.append((uniq, labels))
    merged = merge_labels(groups, merge_km=merge_km)
    cluster = np.full(n, -2, dtype=np.int64)
    for (idx, _uniq, inverse, _weights), new in zip(layer_inputs, merged, strict=True):
        cluster[idx] = new[inverse]
    return cluster, merged


def _fingerprint(config: Config, inputs: dict[str, Any]) -> str:
    blob = json.dumps({"config": config.to_dict(), "inputs": inputs}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def run(
    inputs: Sequence[str | Path] | Records,
    *,
    out: str | Path,
    config: Config | None = None,
    input_format: str | None = None,
    say: Reporter | None = None,
    on_stage: Reporter | None = None,
    write_site: bool = True,
    force: bool = False,
) -> RunResult:
    """Run the whole method on ``inputs`` and write the output folder ``out``.

    Parameters
    ----------
    inputs
        Records folders and input files (any format the readers know), or in-memory Records.
    out
        The output folder; replaced atomically when the run succeeds. Checked before any work:
        an existing file or folder that stclusters did not write is refused unless ``force``,
        and one that is, contains or lies inside an input always (see :mod:`stclusters._outdir`).
    config
        The settings (defaults of the method when None).
    input_format
        Force the reader format of the input files.
    say
        Receives one summary line per stage.
    on_stage
        Called with the name of each stage as it begins (for a progress display).
    write_site
        Also write the HTML site (index.html and profile pages).
    force
        Replace ``out`` even when stclusters did not write it (never when it holds an input).
    """
    from stclusters.cluster import footprints
    from stclusters.measure import classify
    from stclusters.measure.naming import MainPlaces, cluster_names, read_name_overrides
    from stclusters.measure.population import population_of
    from stclusters.measure.profiles import build_profiles
    from stclusters.measure.sensitivity import rank_ranges
    from stclusters.places import country_names, load_places

    config = config or Config()
    sources: list[str | Path] = [] if isinstance(inputs, Records) else list(inputs)
    sources += [p for p in (config.name_overrides, config.population_raster) if p]
    check_folder(out, kind="run", inputs=sources, force=force)  # before any work
    say = say or (lambda _line: None)
    overrides = read_name_overrides(config.name_overrides) if config.name_overrides else None
    raster = config.population_raster
    if config.population_source == "raster" and raster and not Path(raster).exists():
        raise InputError(
            f"The 'population_raster' setting names {raster}, which does not exist; "
            "give the path of a GeoTIFF population raster"
        )
    out = Path(out)
    t0 = time.perf_counter()
    times: dict[str, float] = {}
    stage = _Stage(say, times, on_stage)

    # ---- read
    stage.begin("read")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    spill: tempfile.TemporaryDirectory[str] | None = None
    if config.memory_limit_gb is not None:
        # removed when the run ends, whether it succeeds or not
        spill = tempfile.TemporaryDirectory(prefix="stclusters-spill-")
        con.execute(f"SET memory_limit = '{config.memory_limit_gb:g}GB'")
        con.execute(f"SET temp_directory = '{spill.name.replace(chr(39), chr(39) * 2)}'")
    if isinstance(inputs, Records):
        validate_records(inputs)
        folders: list[Path] = []
        in_memory: Records | None = inputs
        input_accounts = {
            "records_folders": [],
            "files": [],
            "in_memory": {"content_checksum": content_checksum(inputs), "rows": inputs.counts()},
        }
    else:
        folders, in_memory, input_accounts = _load_inputs(inputs, fmt=input_format)
    counts = _register_inputs(con, folders, in_memory)
    stage.end(f"{counts['documents']:,} documents, {counts['people']:,} people rows")

    # ---- geocode
    stage.begin("geocode")
    geocode_accounts: dict[str, Any] = {}
    missing = int(
        con.execute("SELECT count(*) FROM people WHERE lat IS NULL OR lon IS NULL").fetchall()[0][0]
    )
    if missing:
        try:
            from stclusters.geocode import geocode_records
        except ImportError:  # pragma: no cover - the geocoder is part of the package
            geocode_accounts = {"skipped": "no geocoder installed"}
        else:
            # the geocoder works on the records in memory: load them once, then scan the result
            loaded = Records.from_tables(
                **{
                    name: con.sql(f"SELECT * FROM {name}").to_arrow_table()
                    for name in counting.TABLES
                }
            )
            located, report = geocode_records(
                loaded,
                cache_dir=Path(config.cache_dir) if config.cache_dir else None,
                fuzzy_threshold=config.fuzzy_threshold,
            )
            del loaded
            _register_inputs(con, [], located)
            geocode_accounts = report.to_dict()
            # run-dependent figures go to the log, not to the (deterministic) accounts
            cache_hits = geocode_accounts.pop("cache_hits", 0)
            geocode_accounts.pop("geocoded_now", None)
            geocode_accounts.pop("seconds", None)
            log.info("geocoding cache hits: %s", cache_hits)
    stage.end(f"{missing:,} people rows without coordinates")

    # ---- filter and shares
    stage.begin("count")
    doc_accounts = counting.filter_documents(con, config, is_ssh=classify.is_ssh_code)
    counting.person_shares(con)
    world = counting.world_totals(con)
    world_prev = counting.world_totals(con, window="previous")
    rows = con.sql(
        "SELECT row_id, layer, current, previous, lat, lon, precision, share, country "
        "FROM rows ORDER BY row_id"
    ).to_arrow_table()
    stage.end(
        f"kept {world['patent']:,} patents and {world['article']:,} articles "
        f"({rows.num_rows:,} people rows)"
    )

    # ---- cluster
    stage.begin("cluster")
    n = rows.num_rows
    is_patent = np.asarray(
        pc.equal(rows.column("layer"), "patent").to_numpy(zero_copy_only=False), dtype=bool
    )
    in_layer = {"patent": is_patent, "article": ~is_patent}
    current = np.asarray(rows.column("current").to_numpy(zero_copy_only=False), dtype=bool)
    previous = np.asarray(rows.column("previous").to_numpy(zero_copy_only=False), dtype=bool)
    lat = rows.column("lat").to_numpy(zero_copy_only=False).astype(np.float64)
    lon = rows.column("lon").to_numpy(zero_copy_only=False).astype(np.float64)
    located = ~np.isnan(lat)
    fine_precision = pc.is_in(
        rows.column("precision"), value_set=pa.array(list(config.cluster_precisions))
    )
    fine = located & np.asarray(fine_precision.to_numpy(zero_copy_only=False), dtype=bool)
    layer_inputs: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    cluster_accounts: dict[str, Any] = {}
    warnings: list[str] = []
    for name in ("patent", "article"):
        idx = np.flatnonzero(fine & current & in_layer[name])
        uniq, inverse, weights = unique_points(lat[idx], lon[idx])
        layer_inputs.append((idx, uniq, inverse, weights))
        if weights.sum() < 10 * config.min_points:
            warnings.append(
                f"{name} layer: {int(weights.sum()):,} located points for min_points = "
                f"{config.min_points:g}; the data may be too small for this threshold "
                "(lower min_points for small data sets)"
            )
    cluster, merged = _cluster_layers(
        layer_inputs,
        n=n,
        eps_km=config.eps_km,
        min_points=config.min_points,
        merge_km=config.merge_km,
    )
    member_coords: dict[int, list[np.ndarray]] = {}
    for name, (idx, uniq, inverse, _w), new in zip(
        ("patent", "article"), layer_inputs, merged, strict=True
    ):
        for cid in np.unique(new[new >= 0]):
            member_coords.setdefault(int(cid), []).append(uniq[new == cid])
        w_in = int(np.count_nonzero(new[inverse] >= 0))
        cluster_accounts[name] = {
            "points": len(idx),
            "unique_coordinates": len(uniq),
            "points_clustered": w_in,
            "points_noise": len(idx) - w_in,
        }
    members = {cid: np.unique(np.vstack(parts), axis=0) for cid, parts in member_coords.items()}
    n_clusters = len(members)
    for w in warnings:
        log.warning(w)
        say(f"warning: {w}")
    stage.end(f"{n_clusters:,} clusters after merging")

    # ---- previous window: map rows to the current clusters (nearest member within footprint)
    cluster_prev = np.full(n, -2, dtype=np.int64)
    prev_mask = fine & previous
    if members and prev_mask.any() and world_prev["patent"] + world_prev["article"] > 0:
        from scipy.spatial import cKDTree

        all_members = np.vstack([members[c] for c in sorted(members)])
        owner = np.concatenate([np.full(len(members[c]), c) for c in sorted(members)])
        tree = cKDTree(to_xyz(all_members[:, 0], all_members[:, 1]))
        pidx = np.flatnonzero(prev_mask)
        dist, nearest = tree.query(to_xyz(lat[pidx], lon[pidx]))
        ok = dist <= chord(config.footprint_km)
        cluster_prev[pidx[ok]] = owner[nearest[ok]]

    # ---- names and location labels
    stage.begin("name")
    places = load_places(cache_dir=config.cache_dir)
    main = MainPlaces(places, min_population=config.name_min_population)
    loc_idx = np.flatnonzero(located & current)
    uniq_loc, inv_loc, _ = unique_points(lat[loc_idx], lon[loc_idx])
    main_of_unique = main.assign(to_xyz(uniq_loc[:, 0], uniq_loc[:, 1]), radius_km=config.eps_km)
    main_place = np.full(n, -1, dtype=np.int64)
    main_place[loc_idx] = main_of_unique[inv_loc]
    share = rows.column("share").to_numpy(zero_copy_only=False).astype(np.float64)
    unit = np.where(
        is_patent,
        1.0 / max(world["patent"], 1),
        1.0 / max(world["article"], 1),
    )
    weight = share * unit
    clustered = np.flatnonzero(cluster >= 0)
    by_place: dict[int, dict[int, float]] = {}
    order = np.lexsort((main_place[clustered], cluster[clustered]))
    keys = np.column_stack([cluster[clustered][order], main_place[clustered][order]])
    if len(keys):
        uk, start = np.unique(keys, axis=0, return_index=True)
        sums = np.add.reduceat(weight[clustered][order], start)
        for (cid, pidx_), s in zip(uk, sums, strict=True):
            by_place.setdefault(int(cid), {})[int(pidx_)] = float(s)
    names = cluster_names(
        by_place,
        places=places,
        max_cities=config.name_max_cities,
        min_share=config.name_min_share,
        overrides=overrides,
    )
    countries = country_names()

    # the location label of every located row, dictionary-encoded (codes into `vocab`):
    # its cluster's name, else its main city (fine rows), else its country (coarse rows)
    vocab: list[str] = []
    code_of: dict[str, int] = {}

    def code(label: str) -> int:
        if label not in code_of:
            code_of[label] = len(vocab)
            vocab.append(label)
        return code_of[label]

    loc_code = np.full(n, -1, dtype=np.int32)
    in_cluster = cluster >= 0
    cluster_code = np.full(max(names, default=-1) + 1, -1, dtype=np.int32)
    for cid, cname in names.items():
        cluster_code[cid] = code(cname)
    loc_code[in_cluster] = cluster_code[cluster[in_cluster]]
    by_city = located & current & ~in_cluster & fine
    city_places = np.unique(main_place[by_city])
    place_code = np.full(len(places), -1, dtype=np.int32)
    for i in city_places.tolist():
        place_code[i] = code(str(places.name[i]))
    loc_code[by_city] = place_code[main_place[by_city]]
    coarse = np.flatnonzero(located & current & ~fine)
    coarse_countries = rows.column("country").take(pa.array(coarse)).to_pylist()
    loc_code[coarse] = [code(countries.get(c, c)) if c else -1 for c in coarse_countries]
    del rows
    location_coords: dict[str, tuple[float, float]] = {}
    for i in city_places:
        location_coords[str(places.name[i])] = (float(places.lat[i]), float(places.lon[i]))
    stage.end(f"named {len(names):,} clusters")

    # ---- counts, economies, ranks
    stage.begin("rank")
    extra = pa.table(
        {
            "row_id": pa.array(np.arange(n, dtype=np.int64)),
            "cluster": pa.array(cluster, pa.int64(), mask=cluster < -1),
            "cluster_prev": pa.array(cluster_prev, pa.int64()),
            "loc_label": pa.DictionaryArray.from_arrays(
                pa.array(loc_code, pa.int32(), mask=loc_code < 0), pa.array(vocab, pa.string())
            ),
        }
    )
    con.register("extra_in", extra)
    con.execute(
        "CREATE OR REPLACE TABLE rows AS SELECT r.*, e.cluster, e.cluster_prev, "
        "e.loc_label::VARCHAR AS loc_label "
        "FROM rows r JOIN extra_in e USING (row_id) ORDER BY row_id"
    )
    per_cluster = counting.cluster_counts(con)
    econ_rows = con.execute(
        f"""
        SELECT cluster, country, kahan_sum(share / CASE WHEN layer = 'patent'
            THEN {max(world["patent"], 1)} ELSE {max(world["article"], 1)} END)
        FROM rows WHERE current AND cluster >= 0 AND country IS NOT NULL
        GROUP BY ALL ORDER BY ALL
        """
    ).fetchall()
    econ_shares: dict[int, dict[str, float]] = {}
    for cid, ctry, s in econ_rows:
        econ_shares.setdefault(int(cid), {})[ctry] = float(s)
    cluster_rows = []
    for cid in sorted(per_cluster):
        econ, primary, shares = economies_of(
            econ_shares.get(cid, {}), threshold=config.economy_share
        )
        pts = members[cid]
        xyz = to_xyz(pts[:, 0], pts[:, 1]).mean(axis=0)
        cluster_rows.append(
            ClusterRow(
                cluster_id=cid,
                patents=per_cluster[cid]["patent"],
                articles=per_cluster[cid]["article"],
                economies=econ,
                primary_economy=primary,
                economy_shares=shares,
                name=names[cid],
                lat=float(np.degrees(np.arctan2(xyz[2], np.hypot(xyz[0], xyz[1])))),
                lon=float(np.degrees(np.arctan2(xyz[1], xyz[0]))),
            )
        )
    for r in cluster_rows:
        location_coords[r.name] = (r.lat, r.lon)
    # population of the candidates for the top N (size score does not need it)
    wp, wa = max(world["patent"], 1), max(world["article"], 1)
    by_size = sorted(
        cluster_rows, key=lambda r: (-(r.patents / wp + r.articles / wa), r.cluster_id)
    )
    candidates = by_size[: config.top_n]
    if candidates:
        fp_coords = np.vstack([members[r.cluster_id] for r in candidates])
        fp_labels = np.concatenate(
            [np.full(len(members[r.cluster_id]), r.cluster_id) for r in candidates]
        )
        geoms = footprints(fp_coords, fp_labels, radius_km=config.footprint_km)
    else:
        geoms = {}
    pops = population_of(geoms, source=config.population_source, raster=config.population_raster)
    for r in candidates:
        r.population = pops.get(r.cluster_id, 0.0)
    top = rank_clusters(cluster_rows, world=world, top_n=config.top_n)
    # growth
    if world_prev["patent"] and world_prev["article"]:
        prev_counts = counting.cluster_counts(con, window="previous", label_column="cluster_prev")
        for r in top:
            pc_ = prev_counts.get(r.cluster_id)
            if not pc_:
                continue
            now = r.patents / wp + r.articles / wa
            before = pc_["patent"] / wp + pc_["article"] / wa
            r.growth = (now / before - 1.0) if before > 0 else None
    stage.end(f"top {len(top)} of {len(cluster_rows):,} clusters")

    # ---- sensitivity of the ranks to the clustering settings
    sensitivity: dict[int, dict[str, Any]] = {}
    if config.sensitivity:
        stage.begin("sensitivity")
        step = config.sensitivity_step
        variants = []
        settings_used = []
        for eps_f, mp_f in ((1 - step, 1), (1 + step, 1), (1, 1 - step), (1, 1 + step)):
            var, _ = _cluster_layers(
                layer_inputs,
                n=n,
                eps_km=config.eps_km * eps_f,
                min_points=config.min_points * mp_f,
                merge_km=config.merge_km,
            )
            variants.append(var)
            settings_used.append(
                f"eps_km {config.eps_km * eps_f:g}, min_points {config.min_points * mp_f:g}"
            )
        sensitivity = rank_ranges(
            cluster,
            variants,
            weight,
            clusters=[r.cluster_id for r in top],
            note="reruns with " + "; ".join(settings_used),
        )
        moved = sum(1 for v in sensitivity.values() if v["rank_min"] != v["rank_max"])
        stage.end(f"{moved} of {len(top)} published clusters change rank in 4 variant runs")

    # ---- profiles
    stage.begin("profile")
    tech_map, science_map = classify.field_maps(con)
    profiles = build_profiles(
        con,
        top,
        edition=config.edition,
        top=config.profile_top,
        top_fields=config.profile_top_fields,
        tech_fields=tech_map,
        science_fields=science_map,
        economy_names=countries,
        location_coords=location_coords,
    )
    for profile in profiles:
        profile["top_n"] = config.top_n
        profile["sensitivity"] = sensitivity.get(int(profile["cluster_id"]))
    stage.end(f"{len(profiles)} profiles")

    # ---- accounts
    share_sums = counting.layer_share_sums(con)
    people_accounts: dict[str, dict[str, Any]] = {}
    for name in ("patent", "article"):
        m = current & in_layer[name]
        people_accounts[name] = {
            "rows": int(m.sum()),
            "located": int((m & fine).sum()),
            "located_too_coarsely": int((m & located & ~fine).sum()),
            "not_located": int((m & ~located).sum()),
        }
        docs_with_people = con.execute(
            "SELECT count(DISTINCT doc_id) FROM rows WHERE current AND layer = ?", [name]
        ).fetchall()
        s = share_sums.get(name, {})
        no_people = world[name] - int(docs_with_people[0][0])
        shares_total = sum(s.values()) + no_people
        people_accounts[name]["shares"] = {k: round(v, 4) for k, v in sorted(s.items())}
        people_accounts[name]["documents_without_people"] = no_people
        people_accounts[name]["shares_balance"] = round(shares_total - world[name], 6)
    accounts: dict[str, Any] = {
        "stclusters_version": __version__,
        "edition": config.edition,
        "windows": {"patent": list(config.patent_years), "article": list(config.article_years)},
        "settings": config.to_dict(),
        "inputs": input_accounts,
        "documents": doc_accounts,
        "world_totals": world,
        "previous_world_totals": world_prev,
        "geocoding": geocode_accounts,
        "people": people_accounts,
        "clustering": {**cluster_accounts, "clusters": n_clusters, "published": len(top)},
        "warnings": warnings,
    }
    accounts["fingerprint"] = _fingerprint(config, input_accounts)

    # ---- write
    stage.begin("write")
    _write_outputs(
        out,
        ranking=top,
        all_clusters=sorted(cluster_rows, key=lambda r: r.rank),
        profiles=profiles,
        geoms=geoms,
        accounts=accounts,
        edition=config.edition,
        write_site=write_site,
    )
    stage.end(f"wrote {out}")
    con.close()
    if spill is not None:
        spill.cleanup()
    seconds = time.perf_counter() - t0
    return RunResult(
        out=out,
        ranking=top,
        profiles=profiles,
        accounts=accounts,
        seconds=seconds,
        stage_seconds=times,
    )


def _write_outputs(
    out: Path,
    *,
    ranking: list[ClusterRow],
    all_clusters: list[ClusterRow],
    profiles: list[dict[str, Any]],
    geoms: dict[int, Any],
    accounts: dict[str, Any],
    edition: int,
    write_site: bool,
) -> None:
    from stclusters.report.tables import write_tables

    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        write_marker(tmp, "run")
        write_tables(
            tmp,
            ranking=ranking,
            all_clusters=all_clusters,
            profiles=profiles,
            geoms=geoms,
            accounts=accounts,
            edition=edition,
        )
        if write_site:
            from stclusters.report import write_site as _write_site

            _write_site(tmp)
        tmp.chmod(0o755)
        if out.exists():
            trash = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            out.replace(trash / out.name)
            tmp.replace(out)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            tmp.replace(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
