"""The given-coordinate addresses (inputs._given_addresses): the same table whether the rows are
joined to their documents or grouped by role (one source per layer)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stclusters import inputs
from stclusters.inputs import (
    Workspace,
    _given_addresses,
    _source_of_layers,
    open_inputs,
    wait_closed,
)
from stclusters.records import TABLES, Records, conform, content_checksum

_TEXT = st.sampled_from([None, "", " ", "Lyon", "lyon ", "1 Rue X", "O'Hare"])
_row = st.fixed_dictionaries(
    {
        "doc": st.integers(0, 5),
        "address": _TEXT,
        "city": _TEXT,
        "region": st.sampled_from([None, "IDF"]),
        "country": st.sampled_from([None, "FR", "DE"]),
        "lat": st.sampled_from([None, 1.0, 1.5, -3.25]),
        "lon": st.sampled_from([2.0, 2.5]),
        "precision": st.sampled_from(["city", "street", "country"]),
    }
)
_SOURCE = st.sampled_from([None, "wos", "pct", "it's"])


def _world(rows: list[dict[str, object]], sources: list[str | None]) -> Records:
    docs = [
        {"doc_id": f"d{i}", "layer": "patent" if i % 2 else "article", "source": sources[i]}
        for i in range(6)
    ]
    people = []
    for k, r in enumerate(rows):
        located = r["lat"] is not None
        people.append(
            {
                "doc_id": f"d{r['doc']}",
                "person_seq": k,
                "role": "inventor" if int(str(r["doc"])) % 2 else "author",
                **{f: r[f] for f in ("address", "city", "region", "country")},
                "lat": r["lat"],
                "lon": r["lon"] if located else None,
                "precision": r["precision"] if located else None,
            }
        )
    return Records.from_tables(documents=docs, people=people)


def _table(ws: Workspace, name: str) -> list[tuple[object, ...]]:
    rows = ws.con.execute(f"SELECT * FROM {name}").fetchall()
    return sorted(rows, key=repr)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(_row, max_size=30), st.lists(_SOURCE, min_size=6, max_size=6))
def test_grouping_by_role_gives_the_table_of_the_join(
    monkeypatch: pytest.MonkeyPatch,  # used in a context: undone after each example
    rows: list[dict[str, object]],
    sources: list[str | None],
) -> None:
    """Without the join to the documents (one source per layer), the same rows as with it."""
    with Workspace() as ws:
        open_inputs(_world(rows, sources), workspace=ws)
        by_layer = {
            layer: {s for i, s in enumerate(sources) if (i % 2 == 1) == (layer == "patent")}
            for layer in ("patent", "article")
        }
        found = _source_of_layers(ws.con)
        if all(len(s) == 1 for s in by_layer.values()):
            assert found == {layer: next(iter(s)) for layer, s in by_layer.items()}
        else:
            assert found is None
        _given_addresses(ws.con, people="people", out="fast")
        with monkeypatch.context() as m:
            m.setattr(inputs, "_source_of_layers", lambda con: None)
            _given_addresses(ws.con, people="people", out="joined")
        assert _table(ws, "fast") == _table(ws, "joined")
        n = ws.con.execute("SELECT coalesce(sum(rows), 0) FROM fast").fetchall()[0][0]
        assert n == sum(r["lat"] is not None for r in rows)


def test_files_read_have_the_checksum_of_their_records(samples_dir: Path) -> None:
    """Export files read in the run: the content checksum taken while validating them is the
    checksum of the records they were read into (the views of the workspace)."""
    with Workspace() as ws:
        tables = open_inputs([samples_dir / "wos"], workspace=ws)
        read = Records.from_tables(
            **{
                name: conform(ws.con.sql(f"SELECT * FROM {name}").to_arrow_table(), name)
                for name in TABLES
            }
        )
        assert tables.accounts["files_content_checksum"] == content_checksum(read)


def test_workspace_closes_in_the_background_after_a_success_and_at_once_after_a_failure() -> None:
    """A successful stage's workspace is freed while the next stage runs (wait_closed joins
    it, and then the spill folder is gone); after an error, before the error goes on."""
    with Workspace(memory_limit_gb=1) as workspace:
        workspace.con.execute("CREATE TABLE t AS SELECT range AS x FROM range(100000)")
        spill = Path(str(workspace._spill.name if workspace._spill else ""))
        assert spill.is_dir()
    wait_closed()
    assert not spill.exists()
    with pytest.raises(duckdb.Error):
        workspace.con.execute("SELECT 1")
    with pytest.raises(ZeroDivisionError), Workspace(memory_limit_gb=1) as workspace:
        spill = Path(str(workspace._spill.name if workspace._spill else ""))
        _ = 1 / 0
    assert not spill.exists()
