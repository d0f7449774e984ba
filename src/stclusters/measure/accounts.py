"""The run's accounts (method.md section 8): where every document, people row and share went."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stclusters._version import __version__
from stclusters.cluster.stage import LAYERS, Clustering
from stclusters.config import Config
from stclusters.errors import AccountsError
from stclusters.measure import counting

__all__ = [
    "DOCUMENT_OUTCOMES",
    "SENSITIVITY_ANALYSIS_SETTINGS",
    "TOPIC_SETTINGS",
    "check_accounts",
    "people_accounts",
    "recorded_settings",
    "run_accounts",
    "topic_accounts",
]

#: The settings of a topic run (the ``topic`` group of :class:`~stclusters.config.Config`).
TOPIC_SETTINGS = ("topic", "topic_counting", "topic_min_points")
#: The settings of the full sensitivity analysis, recorded only when it is made (likewise).
SENSITIVITY_ANALYSIS_SETTINGS = (
    "sensitivity_analysis",
    "sensitivity_grid",
    "sensitivity_bootstraps",
)


def recorded_settings(config: Config) -> dict[str, Any]:
    """The settings as the accounts and the fingerprint record them: every setting by content
    (:meth:`~stclusters.config.Config.by_content`), but the topic settings only in a topic run
    (so a run without topic records, and fingerprints, the same settings as before topics
    existed, and its outputs do not change)."""
    settings = config.by_content()
    if config.topic is None:
        for name in TOPIC_SETTINGS:
            settings.pop(name, None)
    if not config.sensitivity_analysis:
        for name in SENSITIVITY_ANALYSIS_SETTINGS:
            settings.pop(name, None)
    return settings


def topic_accounts(shares: counting.Shares, *, min_points: float) -> dict[str, Any] | None:
    """The ``topic`` entry of ``accounts.json`` (None without topic): the topic as given and
    as read, the line the site and profiles show, the counting, the layers it names (a layer
    it names nothing for is empty: ``empty_layers``), per layer the documents in and out of
    it and its share of the world output, and the ``min_points`` the clustering used."""
    topic = shares.topic
    if topic is None:
        return None
    world_all = shares.world_all or shares.world
    layers = {}
    for layer in LAYERS:
        acc = (shares.documents.get("layers") or {}).get(layer, {})
        whole = world_all.get(layer, 0)
        layers[layer] = {
            "documents_in_topic": int(acc.get("kept", 0)),
            "documents_outside_topic": int(acc.get("outside_topic", 0)),
            "world_output": round(float(shares.world[layer]), 6),
            "share_of_world_output": round(float(shares.world[layer]) / whole, 6) if whole else 0.0,
        }
    empty = [layer for layer in LAYERS if layer not in topic.layers]
    return {
        "given": topic.text,
        "label": topic.label,
        "line": topic.line,
        "counting": topic.counting,
        "layers": list(topic.layers),
        "empty_layers": empty,
        "note": (
            f"the topic names nothing for the {' and '.join(empty)} layer, which is left empty"
            if empty
            else ""
        ),
        "by_layer": layers,
        "min_points": min_points,
    }


#: The documents' shares by outcome: kind -> SQL condition on a current row of table ``rows``
#: (one outcome per row, in this order of precedence).
_SHARE_KINDS = {
    "clustered": "cluster >= 0",
    "noise": "cluster = -1",
    "too_coarse": "cluster IS NULL AND lat IS NOT NULL",
    "unlocated": "cluster IS NULL AND lat IS NULL",
}


def people_accounts(shares: counting.Shares, clustering: Clustering) -> dict[str, dict[str, Any]]:
    """Per layer: people rows of the current window by location outcome, and the documents'
    shares by outcome (clustered, noise, too coarse, unlocated) with their balance against the
    world total (0 when every share is accounted for). Needs table ``rows`` labelled
    (:func:`stclusters.measure.stage.label_rows`); one aggregate query over the rows."""
    con, world = shares.con, shares.world
    weighted = shares.topic is not None
    fine = clustering.fine()
    counts: dict[str, tuple[int, int, int, int]] = {}
    share_sums: dict[str, dict[str, float]] = {}
    # one pass over the rows: the counts by location outcome and the share sums by outcome
    # (a kind without rows has no sum and no key)
    for layer, n, fine_n, coarse, unlocated, *sums in con.execute(
        f"""
        SELECT layer, count(*),
            count(*) FILTER (WHERE {fine}),
            count(*) FILTER (WHERE lat IS NOT NULL AND NOT coalesce({fine}, FALSE)),
            count(*) FILTER (WHERE lat IS NULL),
            {", ".join(f"kahan_sum(share) FILTER (WHERE {w})" for w in _SHARE_KINDS.values())}
        FROM rows WHERE current GROUP BY layer
        """
    ).fetchall():
        counts[layer] = (int(n), int(fine_n), int(coarse), int(unlocated))
        share_sums[layer] = {
            kind: float(v) for kind, v in zip(_SHARE_KINDS, sums, strict=True) if v is not None
        }
    with_people = {
        layer: (w if weighted else n)
        for layer, n, w in con.execute(
            "SELECT d.layer, count(*), kahan_sum(d.weight) FROM docs d "
            "WHERE d.current AND d.doc_key IN (SELECT doc_key FROM rows WHERE current) "
            "GROUP BY d.layer"
        ).fetchall()
    }
    out: dict[str, dict[str, Any]] = {}
    for name in LAYERS:
        n, located, coarse, unlocated = counts.get(name, (0, 0, 0, 0))
        docs_with_people = with_people.get(name, 0)
        acc: dict[str, Any] = {
            "rows": n,
            "located": located,
            "located_too_coarsely": coarse,
            "not_located": unlocated,
        }
        s = share_sums.get(name, {})
        no_people = world[name] - docs_with_people
        acc["shares"] = {k: round(v, 4) for k, v in sorted(s.items())}
        acc["documents_without_people"] = round(no_people, 6) if weighted else no_people
        acc["shares_balance"] = round(sum(s.values()) + no_people - world[name], 6)
        out[name] = acc
    return out


def run_accounts(
    config: Config,
    *,
    inputs: Mapping[str, Any],
    geocoding: Mapping[str, Any],
    shares: counting.Shares,
    clustering: Clustering,
    published: int,
    fingerprint: str,
    geocode_overrides: Mapping[str, Any] | None = None,
    min_points: float | None = None,
) -> dict[str, Any]:
    """The content of ``accounts.json``: version, settings, inputs, the filters' outcomes, world
    totals, geocoding, the geocode overrides applied (null without the ``geocode_overrides``
    setting; :func:`stclusters.geocode.overrides.apply_overrides`), people, clustering,
    warnings and the run's fingerprint; in a topic run also ``topic`` (:func:`topic_accounts`;
    ``min_points`` is the one the clustering used)."""
    topic = topic_accounts(
        shares, min_points=config.min_points if min_points is None else min_points
    )
    extra = {} if topic is None else {"topic": topic}
    return {
        "stclusters_version": __version__,
        "edition": config.edition,
        "windows": {"patent": list(config.patent_years), "article": list(config.article_years)},
        **extra,
        "settings": recorded_settings(config),
        "inputs": dict(inputs),
        "documents": shares.documents,
        "world_totals": shares.world,
        "previous_world_totals": shares.world_previous,
        "geocoding": dict(geocoding),
        "geocode_overrides": dict(geocode_overrides) if geocode_overrides is not None else None,
        "people": people_accounts(shares, clustering),
        "clustering": {
            **clustering.accounts,
            "clusters": len(clustering.members),
            "published": published,
        },
        "warnings": list(clustering.warnings),
        "fingerprint": fingerprint,
    }


#: The outcomes a document read can have: read = the sum of these (method.md section 8).
DOCUMENT_OUTCOMES = (
    "kept",
    "outside_window",
    "no_year",
    "filtered_type",
    "filtered_field",
    "outside_topic",
)

#: How far a sum of fractional shares may stray from its whole (floating-point sums).
SHARE_TOLERANCE = 1e-6


def _documents_problems(documents: Mapping[str, Any]) -> list[str]:
    problems = []
    parts: list[tuple[str, Mapping[str, Any]]] = [
        (f"{layer} documents", acc) for layer, acc in (documents.get("layers") or {}).items()
    ]
    for file, by_layer in sorted((documents.get("files") or {}).items()):
        parts += [(f"{layer} documents of {file}", acc) for layer, acc in by_layer.items()]
    for what, acc in parts:
        total = sum(int(acc.get(k, 0)) for k in DOCUMENT_OUTCOMES)
        if int(acc.get("read", 0)) != total:
            problems.append(
                f"{what}: {acc.get('read')} read but {total} kept, outside the window, without "
                "a year or filtered"
            )
    return problems


def check_accounts(accounts: Mapping[str, Any]) -> None:
    """Check the identities of the run's accounts (method.md section 8), all at once.

    - documents, per layer and per input file: read = kept + outside the window + without a
      year + filtered by type + filtered by field;
    - people rows of the current window, per layer: rows = located + located too coarsely +
      not located;
    - shares, per layer: clustered + noise + too coarse + unlocated + documents without people
      = the world total (within :data:`SHARE_TOLERANCE` per document);
    - clustered points, per layer: points = clustered + noise;
    - geocode overrides: overrides = applied + unused, rows moved and ignored = their items.

    Raises
    ------
    AccountsError
        Naming every identity that broke (exit code 3).
    """
    problems = _documents_problems(accounts.get("documents") or {})
    world = accounts.get("world_totals") or {}
    for layer, acc in sorted((accounts.get("people") or {}).items()):
        parts = acc["located"] + acc["located_too_coarsely"] + acc["not_located"]
        if acc["rows"] != parts:
            problems.append(
                f"{layer} people rows: {acc['rows']} but {parts} located, located too coarsely "
                "or not located"
            )
        whole = max(int(world.get(layer, 0)), 1)
        if abs(float(acc["shares_balance"])) > SHARE_TOLERANCE * whole:
            problems.append(
                f"{layer} shares: {acc['shares_balance']} of a document unaccounted for "
                f"against the world total {world.get(layer)}"
            )
    for layer in LAYERS:
        acc = (accounts.get("clustering") or {}).get(layer)
        if acc and acc["points"] != acc["points_clustered"] + acc["points_noise"]:
            problems.append(
                f"{layer} points: {acc['points']} but {acc['points_clustered']} clustered and "
                f"{acc['points_noise']} noise"
            )
    problems += _overrides_problems(accounts.get("geocode_overrides"))
    if problems:
        raise AccountsError(problems)


def _overrides_problems(acc: Mapping[str, Any] | None) -> list[str]:
    """The identities of the geocode overrides: overrides = applied + unused; rows moved and
    ignored = the rows of the applied overrides of each action."""
    if not acc:
        return []
    problems = []
    if acc["overrides"] != acc["applied"] + acc["unused"]:
        problems.append(
            f"geocode overrides: {acc['overrides']} but {acc['applied']} applied and "
            f"{acc['unused']} unused"
        )
    for action, key in (("move", "rows_moved"), ("ignore", "rows_ignored")):
        rows = sum(int(i["rows"]) for i in acc["items"] if i["action"] == action)
        if acc[key] != rows:
            problems.append(f"geocode overrides: {key} {acc[key]} but the items give {rows}")
    return problems
