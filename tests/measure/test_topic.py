"""Topic clusters (method.md "Topic clusters"): parsing, the documents' weights, the scaled
threshold, the accounts and the site's line; on the demo world, the hubs planted with a
specialisation lead the topic's ranking and the topic's totals are the field's share."""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from stclusters.config import Config, load_config
from stclusters.errors import ConfigError, InputError
from stclusters.inputs import register_tables
from stclusters.measure import counting
from stclusters.measure.accounts import check_accounts
from stclusters.measure.fields import technology_field
from stclusters.measure.topic import parse_topic
from stclusters.pipeline import compute, run
from stclusters.records import Records
from worlds import DEMO_SCALE, SMALL_CONFIG, small_world

# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "kind", "items"),
    [
        ("Digital communication", "field", ("4",)),
        ("digital COMMUNICATION", "field", ("4",)),
        ("4", "field", ("4",)),
        ("field:4;6", "field", ("4", "6")),
        ("Electrical engineering", "field", tuple(str(n) for n in range(1, 9))),
        ("H04L", "ipc", ("H04L",)),
        ("A01H;C12N15/82", "ipc", ("A01H", "C12N15/82")),
        ("cpc:C12N 15", "cpc", ("C12N15/",)),
        ("ipc:C12N 15/00", "ipc", ("C12N15/",)),
        ("science:1.2", "science", ("1.2",)),
        ("science:Natural sciences", "science", ("1",)),
        ("wos:Physics, Applied", "wos", ("physics, applied",)),
        ("asjc:17;2208", "asjc", ("17", "2208")),
        ("words:Graphene;solid  state battery", "words", ("graphene", "solid state battery")),
    ],
)
def test_the_syntax_reads_each_kind(text: str, kind: str, items: tuple[str, ...]) -> None:
    (part,) = parse_topic(text).parts
    assert (part.kind, part.items) == (kind, items)


def test_the_line_names_the_field_its_number_and_the_counting() -> None:
    assert parse_topic("Digital communication").line == (
        "Topic: Digital communication (WIPO field 4), fractional counting"
    )
    assert parse_topic("4", counting="whole").line.endswith("whole counting")


def test_a_part_per_layer_names_both_layers() -> None:
    assert parse_topic("Digital communication").layers == ("patent",)
    assert parse_topic("wos:Physics, Applied").layers == ("article",)
    assert parse_topic("4 + science:1.2").layers == ("patent", "article")
    assert parse_topic("words:graphene").layers == ("patent", "article")


@pytest.mark.parametrize(
    ("text", "listed"),
    [
        ("Digital comms", "4 Digital communication"),  # unknown field: the fields are listed
        ("ipc:", "kind one of field"),  # empty prefix
        ("ipc:;", "kind one of field"),
        ("", "kind one of field"),
        ("4 + ", "kind one of field"),
        ("ipc:Z99", "H04L 29/06"),
        ("color:red", "kinds: field, ipc, cpc, science, wos, asjc, words"),
        ("science:9.9", "1.2 Computer and information sciences"),
        ("wos:Underwater basket weaving", "wos_categories.csv"),
        ("asjc:1", "2 to 4 digits"),
    ],
)
def test_a_bad_topic_fails_with_what_is_allowed(text: str, listed: str) -> None:
    with pytest.raises(ConfigError, match="The 'topic' setting") as info:
        parse_topic(text)
    assert listed in str(info.value)


def test_a_bad_topic_fails_when_the_settings_are_read(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no WIPO technology field"):
        load_config(overrides={"topic": "Digital comms"})
    toml = tmp_path / "settings.toml"
    toml.write_text('[topic]\ntopic = "ipc:"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="names nothing"):
        load_config(toml)
    with pytest.raises(ConfigError, match="topic_counting"):
        load_config(overrides={"topic": "4", "topic_counting": "half"})


def test_a_bad_topic_fails_before_any_work(tmp_path: Path) -> None:
    """The command line refuses the topic before reading the inputs or making the output."""
    from typer.testing import CliRunner

    from stclusters.cli import app

    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["run", str(tmp_path / "no-such-input"), "--out", str(out), "--topic", "ipc:"]
    )
    assert result.exit_code != 0
    assert "names nothing" in result.output and "kind one of field" in result.output
    assert not out.exists()


# ---------------------------------------------------------------- weights


def _patent(doc: str, codes: list[str], lat: float = 48.1, lon: float = 11.6) -> dict:
    return {
        "doc": {"doc_id": doc, "layer": "patent", "year": 2020},
        "people": [{"doc_id": doc, "person_seq": 0, "address_seq": 0, "role": "inventor"}],
        "classes": [{"doc_id": doc, "scheme": "ipc", "code": c} for c in codes],
    }


def _records(items: list[dict]) -> Records:
    return Records.from_tables(
        documents=[i["doc"] for i in items],
        people=[p for i in items for p in i["people"]],
        classes=[c for i in items for c in i["classes"]],
    )


CODES = [
    _patent("P1", ["H04L 29/06", "H04W 72/04", "G06F 3/041"]),  # 2 of 3 in field 4
    _patent("P2", ["G06F 3/041"]),  # 0 of 1
    _patent("P3", ["H04L0029060000", "H04L 29/06 A"]),  # one code in two notations: 2 of 2
    _patent("P4", []),  # no codes
    _patent("P5", ["C12N 15/82", "C12N 150/00", "A01H 5/00", "A61K 31/00"]),
]


def _weights(topic: str, counting_: str = "fractional") -> tuple[dict[str, float], dict]:
    con = duckdb.connect()
    register_tables(con, [], _records(CODES))
    shares = counting.count_shares(
        con, Config(topic=topic, topic_counting=counting_), is_ssh=lambda c, s: None
    )
    weights = dict(con.execute("SELECT doc_id, weight FROM docs").fetchall())
    return weights, {"world": shares.world, "documents": shares.documents, "con": con}


def test_fractional_weight_is_the_share_of_matching_codes() -> None:
    weights, got = _weights("Digital communication")
    assert weights == {"P1": 2 / 3, "P2": 0.0, "P3": 1.0, "P4": 0.0, "P5": 0.0}
    assert got["world"]["patent"] == pytest.approx(2 / 3 + 1, abs=1e-12)
    assert got["world"]["article"] == 0
    acc = got["documents"]["layers"]["patent"]
    assert (acc["kept"], acc["outside_topic"], acc["read"]) == (2, 3, 5)
    # each row's share is its document's weight (one inventor each)
    rows = dict(got["con"].execute("SELECT doc_id, share FROM rows").fetchall())
    assert rows == {"P1": pytest.approx(2 / 3), "P3": 1.0}


def test_whole_counting_takes_a_document_wholly_when_any_code_matches() -> None:
    weights, got = _weights("Digital communication", "whole")
    assert weights == {"P1": 1.0, "P2": 0.0, "P3": 1.0, "P4": 0.0, "P5": 0.0}
    assert got["world"]["patent"] == 2


def test_a_main_group_prefix_is_not_a_prefix_of_longer_groups() -> None:
    weights, _ = _weights("ipc:C12N 15")
    assert weights["P5"] == pytest.approx(1 / 4)  # C12N 15/82 only, not C12N 150/00
    weights, _ = _weights("A01H;C12N15/82")
    assert weights["P5"] == pytest.approx(2 / 4)
    weights, _ = _weights("C12N")
    assert weights["P5"] == pytest.approx(2 / 4)


def test_title_words_match_whole_words_in_any_case() -> None:
    items = [
        {
            "doc": {
                "doc_id": d,
                "layer": "article",
                "year": 2019,
                "doc_type": "Article",
                "title": t,
            },
            "people": [{"doc_id": d, "person_seq": 0, "address_seq": 0, "role": "author"}],
            "classes": [],
        }
        for d, t in [
            ("A1", "Graphene anodes"),
            ("A2", "Solid   state BATTERY design"),
            ("A3", "Graphenes"),
            ("A4", None),
        ]
    ]
    con = duckdb.connect()
    register_tables(con, [], _records(items))
    counting.count_shares(
        con, Config(topic="words:graphene;solid state battery"), is_ssh=lambda c, s: None
    )
    weights = dict(con.execute("SELECT doc_id, weight FROM docs").fetchall())
    assert weights == {"A1": 1.0, "A2": 1.0, "A3": 0.0, "A4": 0.0}


def test_without_topic_every_weight_is_one_and_nothing_is_outside_a_topic() -> None:
    con = duckdb.connect()
    register_tables(con, [], _records(CODES))
    shares = counting.count_shares(con, Config(), is_ssh=lambda c, s: None)
    assert con.execute("SELECT DISTINCT weight FROM docs").fetchall() == [(1.0,)]
    assert "outside_topic" not in shares.documents["layers"]["patent"]
    assert shares.world == {"patent": 5, "article": 0}
    assert isinstance(shares.world["patent"], int)


# ---------------------------------------------------------------- runs on the small world


def test_a_topic_run_scales_min_points_and_says_which_topic() -> None:
    full = compute(small_world(), config=SMALL_CONFIG)
    topic = compute(small_world(), config=SMALL_CONFIG.replace(topic="H04L"))
    acc = topic.accounts
    check_accounts(acc)
    t = acc["topic"]
    share = acc["world_totals"]["patent"] / full.accounts["world_totals"]["patent"]
    assert t["by_layer"]["patent"]["share_of_world_output"] == pytest.approx(share, abs=1e-6)
    assert t["min_points"] == pytest.approx(SMALL_CONFIG.min_points * share)
    assert t["line"] == "Topic: IPC codes H04L, fractional counting"
    assert t["empty_layers"] == ["article"] and "article layer" in t["note"]
    assert acc["world_totals"]["article"] == 0
    assert all(r.articles == 0 for r in topic.ranking)
    assert acc["settings"]["topic"] == "H04L"
    assert acc["fingerprint"] != full.accounts["fingerprint"]
    # a run without topic records no topic setting
    assert "topic" not in full.accounts and "topic" not in full.accounts["settings"]


def test_topic_min_points_is_used_as_given() -> None:
    cfg = SMALL_CONFIG.replace(topic="H04L", topic_min_points=7)
    assert compute(small_world(), config=cfg).accounts["topic"]["min_points"] == 7


def test_a_topic_that_holds_nothing_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="holds no document"):
        compute(small_world(), config=SMALL_CONFIG.replace(topic="Furniture, games"))


def test_the_site_shows_the_topic_line_on_every_page(tmp_path: Path) -> None:
    cfg = SMALL_CONFIG.replace(topic="Digital communication")
    out = run(small_world(), out=tmp_path / "out", config=cfg).out
    line = "Topic: Digital communication (WIPO field 4), fractional counting"
    pages = [out / "index.html", *sorted((out / "profiles").glob("*.html"))]
    pages += sorted((out / "profiles").glob("*.md"))
    assert len(pages) > 2
    for page in pages:
        assert line in page.read_text(encoding="utf-8"), page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Outside the topic" in index
    plain = run(small_world(), out=tmp_path / "plain", config=SMALL_CONFIG).out
    assert "Topic:" not in (plain / "index.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the demo world


def _field_shares(world: Path, years: tuple[int, int], field_number: int) -> dict[str, float]:
    """Per kept patent of the window, the share of its distinct codes in the field, computed
    here from the records folder's Parquet files and the concordance, apart from the SQL."""
    docs = pq.read_table(world / "documents.parquet", columns=["doc_id", "layer", "year"])
    kept = {
        d
        for d, layer, y in zip(*(docs[c].to_pylist() for c in docs.column_names), strict=True)
        if layer == "patent" and y is not None and years[0] <= y <= years[1]
    }
    classes = pq.read_table(world / "classes.parquet", columns=["doc_id", "scheme", "code"])
    codes: dict[str, set[str]] = defaultdict(set)
    for d, scheme, code in zip(
        *(classes[c].to_pylist() for c in classes.column_names), strict=True
    ):
        if d in kept and scheme in ("ipc", "cpc"):
            codes[d].add(code)
    out = {}
    for d, cs in codes.items():
        hits = [
            c for c in cs if (tf := technology_field(c)) is not None and tf.number == field_number
        ]
        out[d] = len(hits) / len(cs)
    return out


def _planted_topic_output(world: Path, shares: dict[str, float]) -> dict[str, float]:
    """Per hub of the world's truth (``truth_people.parquet``: the hub each people row was
    planted in), the topic's output planted there: each kept patent's field share split
    equally among its people rows. Computed from the truth, apart from the clustering."""
    truth = pq.read_table(world / "truth_people.parquet", columns=["doc_id", "hub"])
    rows: dict[str, list[str | None]] = defaultdict(list)
    for d, hub in zip(truth["doc_id"].to_pylist(), truth["hub"].to_pylist(), strict=True):
        if d in shares:
            rows[d].append(hub)
    out: dict[str, float] = defaultdict(float)
    for d, hubs in rows.items():
        for hub in hubs:
            if hub:
                out[hub] += shares[d] / len(hubs)
    return dict(out)


@pytest.mark.slow
@pytest.mark.xdist_group("demo_world")
def test_demo_topic_run_leads_with_the_specialised_hubs(demo_world: Path) -> None:
    base = Config().replace(min_points=Config().min_points * DEMO_SCALE)
    full = compute([demo_world], config=base)
    topic = compute([demo_world], config=base.replace(topic="Digital communication"))
    check_accounts(topic.accounts)

    # the topic's totals: the field's share of the full run's totals, computed apart
    shares = _field_shares(demo_world, base.patent_years, 4)
    expected = math.fsum(shares.values())
    assert topic.accounts["world_totals"]["patent"] == pytest.approx(expected, abs=1e-9)
    by_layer = topic.accounts["topic"]["by_layer"]["patent"]
    assert by_layer["share_of_world_output"] == pytest.approx(
        expected / full.accounts["world_totals"]["patent"], abs=1e-6
    )
    assert by_layer["documents_in_topic"] == sum(1 for s in shares.values() if s > 0)
    assert topic.accounts["world_totals"]["article"] == 0

    with (demo_world / "truth_hubs.csv").open(encoding="utf-8-sig") as fh:
        truth = list(csv.DictReader(fh))

    def hub_of(name: str) -> str | None:
        first = name.split("–")[0]
        return next((h["hub"] for h in truth if h["hub"].split("–")[0] == first), None)

    # the topic's ranking is led by the hubs in which the world planted the most output of the
    # field (the truth's people rows): the same ten, in the same order, with the same counts
    # to within 2% (a cluster's footprint is not its hub's planted extent)
    planted = _planted_topic_output(demo_world, shares)
    lead = sorted(planted, key=lambda h: (-planted[h], h))[:10]
    ranked = [r for r in topic.ranking if hub_of(r.name) is not None][:10]
    assert [hub_of(r.name) for r in ranked] == lead, (ranked, lead)
    for r in ranked:
        assert r.patents == pytest.approx(planted[str(hub_of(r.name))], rel=0.02), r

    # the hubs the world specialised in digital communication rise in the topic's ranking
    special = {
        row["hub"] for row in truth if "Digital communication" in row["top_fields"].split(";")
    }
    assert special, "the demo world specialises no hub in digital communication"

    # each specialised hub stands higher in the topic's ranking than in the full one, more
    # so than the other hubs (the largest hubs of every field stay near the top: Tokyo)
    full_rank = {hub_of(r.name): r.rank for r in full.all_clusters if hub_of(r.name)}
    rise = {
        hub: full_rank[hub] - r.rank
        for r in topic.ranking[:30]
        if (hub := hub_of(r.name)) in full_rank
    }
    rising = sorted(v for h, v in rise.items() if h in special)
    others = sorted(v for h, v in rise.items() if h not in special)
    assert rising and others, rise
    assert rising[len(rising) // 2] > max(0, others[len(others) // 2]), (rising, others)
    # a specialised hub keeps a larger share of its patents in the topic than the others
    full_patents = {hub_of(r.name): r.patents for r in full.all_clusters if hub_of(r.name)}
    kept = {
        hub: r.patents / full_patents[hub]
        for r in topic.ranking[:20]
        if (hub := hub_of(r.name)) in full_patents and full_patents[hub] > 0
    }
    inside = sorted(v for h, v in kept.items() if h in special)
    outside = sorted(v for h, v in kept.items() if h not in special)
    assert inside and outside, kept
    assert inside[len(inside) // 2] > 2 * outside[len(outside) // 2], (inside, outside)
