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
    (:func:`stclusters.measure.stage.label_rows`); one aggregate query over the rows."""
    con, world = shares.con, shares.world
    share_sums = counting.layer_share_sums(con)
    fine = clustering.fine()
    counts = {
        layer: (int(n), int(fine_n), int(coarse), int(unlocated))
        for layer, n, fine_n, coarse, unlocated in con.execute(
            f"""
            SELECT layer, count(*),
                count(*) FILTER (WHERE {fine}),
                count(*) FILTER (WHERE lat IS NOT NULL AND NOT coalesce({fine}, FALSE)),
                count(*) FILTER (WHERE lat IS NULL)
            FROM rows WHERE current GROUP BY layer
            """
        ).fetchall()
    }
    with_people = dict(
        con.execute(
            "SELECT layer, count(*) FROM (SELECT DISTINCT layer, doc_id FROM rows WHERE current) "
            "GROUP BY layer"
        ).fetchall()
    )
    out: dict[str, dict[str, Any]] = {}
    for name in LAYERS:
        n, located, coarse, unlocated = counts.get(name, (0, 0, 0, 0))
        docs_with_people = int(with_people.get(name, 0))
        acc: dict[str, Any] = {
            "rows": n,
            "located": located,
            "located_too_coarsely": coarse,
            "not_located": unlocated,
        }
        s = share_sums.get(name, {})
        no_people = world[name] - docs_with_people
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
