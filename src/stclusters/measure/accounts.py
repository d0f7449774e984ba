"""The run's accounts (method.md section 8): where every document, people row and share went."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stclusters._version import __version__
from stclusters.cluster.stage import LAYERS, Clustering
from stclusters.config import Config
from stclusters.measure import counting

__all__ = ["people_accounts", "run_accounts"]


def people_accounts(shares: counting.Shares, clustering: Clustering) -> dict[str, dict[str, Any]]:
    """Per layer: people rows of the current window by location outcome, and the documents'
    shares by outcome (clustered, noise, too coarse, unlocated) with their balance against the
    world total (0 when every share is accounted for). Needs table ``rows`` labelled
    (:func:`stclusters.measure.stage.label_rows`)."""
    con, world, rows = shares.con, shares.world, clustering.rows
    share_sums = counting.layer_share_sums(con)
    out: dict[str, dict[str, Any]] = {}
    for name in LAYERS:
        m = rows.current & rows.in_layer(name)
        acc: dict[str, Any] = {
            "rows": int(m.sum()),
            "located": int((m & rows.fine).sum()),
            "located_too_coarsely": int((m & rows.located & ~rows.fine).sum()),
            "not_located": int((m & ~rows.located).sum()),
        }
        docs_with_people = con.execute(
            "SELECT count(DISTINCT doc_id) FROM rows WHERE current AND layer = ?", [name]
        ).fetchall()
        s = share_sums.get(name, {})
        no_people = world[name] - int(docs_with_people[0][0])
        acc["shares"] = {k: round(v, 4) for k, v in sorted(s.items())}
        acc["documents_without_people"] = no_people
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
) -> dict[str, Any]:
    """The content of ``accounts.json``: version, settings, inputs, the filters' outcomes, world
    totals, geocoding, people, clustering, warnings and the run's fingerprint."""
    return {
        "stclusters_version": __version__,
        "edition": config.edition,
        "windows": {"patent": list(config.patent_years), "article": list(config.article_years)},
        "settings": config.to_dict(),
        "inputs": dict(inputs),
        "documents": shares.documents,
        "world_totals": shares.world,
        "previous_world_totals": shares.world_previous,
        "geocoding": dict(geocoding),
        "people": people_accounts(shares, clustering),
        "clustering": {
            **clustering.accounts,
            "clusters": len(clustering.members),
            "published": published,
        },
        "warnings": list(clustering.warnings),
        "fingerprint": fingerprint,
    }
