"""The collaboration network's files and site view (issue 14 item 5): each file parsed back."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from report.test_browser import Watched, context  # noqa: F401  (the browser fixture)
from stclusters.errors import InputError
from stclusters.measure.links import link_strength
from stclusters.report import maps, network, write_site
from stclusters.results import ClusterRow, Link, Results

# (cluster id, name, economy, lat, lon, patents, articles)
_CLUSTERS = [
    (10, "Tokyo–Yokohama", "JP", 35.6, 139.7, 900.0, 800.0),
    (11, "San Jose, CA", "US", 37.3, -121.9, 700.0, 500.0),
    (12, "Fiji; Suva", "FJ", -18.1, 178.4, 1.0, 2.0),
    (13, "Apia", "WS", -13.8, -171.8, 1.0, 1.0),
    (14, "Osaka–Kyoto", "JP", 34.7, 135.5, 300.0, 400.0),
]


def _results() -> Results:
    ranking = [
        ClusterRow(
            cluster_id=cid,
            patents=pat,
            articles=art,
            primary_economy=econ,
            economies=(econ,),
            name=name,
            lat=lat,
            lon=lon,
            rank=i + 1,
            slug=f"c{cid}",
        )
        for i, (cid, name, econ, lat, lon, pat, art) in enumerate(_CLUSTERS)
    ]
    names = {c[0]: c[1] for c in _CLUSTERS}

    def link(a: int, b: int, p: float, ar: float, pw: int, aw: int) -> Link:
        return {
            "source": a,
            "target": b,
            "source_name": names[a],
            "target_name": names[b],
            "patents": p,
            "articles": ar,
            "patents_whole": pw,
            "articles_whole": aw,
        }

    links = [
        link(10, 14, 40.5, 30.25, 60, 41),
        link(10, 11, 12.0, 8.333333, 20, 11),
        link(12, 13, 0.5, 0.0, 1, 0),  # crosses the antimeridian
    ]
    return Results(
        ranking=ranking,
        all_clusters=ranking,
        profiles=[],
        footprints={},
        accounts={},
        edition=2024,
        top_n=5,
        links=links,
    )


@pytest.fixture()
def written(tmp_path: Path) -> tuple[Results, Path]:
    results = _results()
    network.write_network(results, tmp_path)
    return results, tmp_path


def test_links_csv_has_a_bom_and_reads_back(written: tuple[Results, Path]) -> None:
    results, folder = written
    raw = (folder / "links.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == network.LINKS_COLUMNS == tuple(Link.__annotations__)
    assert [r["source_name"] for r in rows] == ["Tokyo–Yokohama", "Tokyo–Yokohama", "Fiji; Suva"]
    assert network.read_links(folder) == results.links


def test_read_links_names_the_line_of_a_bad_value(written: tuple[Results, Path]) -> None:
    _, folder = written
    path = folder / "links.csv"
    text = path.read_text(encoding="utf-8-sig").replace("60,41", "sixty,41")
    path.write_text(text, encoding="utf-8-sig")
    with pytest.raises(InputError, match=r"links\.csv, line 2"):
        network.read_links(folder)
    path.write_text("source,target\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column"):
        network.read_links(folder)
    path.unlink()
    assert network.read_links(folder) == []


def _xyz(lon: float, lat: float) -> np.ndarray:
    la, lo = math.radians(lat), math.radians(lon)
    return np.array([math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)])


def test_links_geojson_are_great_circles_cut_at_the_antimeridian(
    written: tuple[Results, Path],
) -> None:
    results, folder = written
    data = json.loads((folder / "links.geojson").read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    features = data["features"]
    assert [f["properties"] for f in features] == results.links
    centres = {r.cluster_id: (r.lon, r.lat) for r in results.ranking}
    for f in features:
        geom = f["geometry"]
        pieces = [geom["coordinates"]] if geom["type"] == "LineString" else geom["coordinates"]
        a, b = centres[f["properties"]["source"]], centres[f["properties"]["target"]]
        assert pieces[0][0] == pytest.approx(list(a), abs=1e-5)
        assert pieces[-1][-1] == pytest.approx(list(b), abs=1e-5)
        normal = np.cross(_xyz(*a), _xyz(*b))
        normal /= np.linalg.norm(normal)
        for piece in pieces:
            assert len(piece) >= 2
            for lon, lat in piece:
                assert -180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0
                assert abs(float(_xyz(lon, lat) @ normal)) < 1e-5  # on the great circle
    by_pair = {(f["properties"]["source"], f["properties"]["target"]): f for f in features}
    pacific = by_pair[(12, 13)]["geometry"]
    assert pacific["type"] == "MultiLineString"
    first, second = pacific["coordinates"]
    assert abs(first[-1][0]) == 180.0 and second[0][0] == -first[-1][0]
    assert first[-1][1] == second[0][1]
    # Tokyo to San Jose goes over the Pacific, not across Asia and Europe
    assert by_pair[(10, 11)]["geometry"]["type"] == "MultiLineString"
    assert by_pair[(10, 14)]["geometry"]["type"] == "LineString"


def test_great_circle_steps_and_degenerate_ends() -> None:
    (piece,) = maps.great_circle(51.5, 0.0, 40.7, -74.0, step_deg=2.0)
    steps = [
        math.degrees(math.acos(min(1.0, float(_xyz(*p) @ _xyz(*q)))))
        for p, q in itertools.pairwise(piece)
    ]
    assert max(steps) <= 2.0 + 1e-9
    assert sum(steps) == pytest.approx(50.1, abs=0.2)  # London-New York, about 5,570 km
    (same,) = maps.great_circle(10.0, 10.0, 10.0, 10.0)
    assert same.tolist() == [[10.0, 10.0], [10.0, 10.0]]


def _tsv(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8")  # no byte-order mark: it would join the header
    return [line.split("\t") for line in text.splitlines()]


#: The columns a VOSviewer map file may have (VOSviewer Manual 1.6.18, section 4.1.1, and
#: app.vosviewer.com/docs/file-types/map-and-network-file-type): these names, and any number of
#: ``weight<label>`` and ``score<label>`` columns.
_VOS_COLUMNS = {
    "id", "label", "sublabel", "description", "url", "x", "y", "cluster", "weight",
    "normalized weight", "score", "red", "green", "blue",
}  # fmt: skip
_VOS_LABELLED = re.compile(r"(weight|score)<([^<>\t]+)>")


def _vos_field(field: str) -> str:
    """A field of a VOSviewer file as VOSviewer reads it: one holding a comma or a semicolon
    must be within double quotes (the manual, section 4), which are then not part of it."""
    if field.startswith('"') and field.endswith('"') and len(field) >= 2:
        return field[1:-1]
    assert "," not in field and ";" not in field, f"{field!r} must be within double quotes"
    return field


def check_vosviewer_files(
    folder: Path,
) -> tuple[list[dict[str, str]], list[tuple[int, int, float]]]:
    """Check ``vosviewer_map.txt`` and ``vosviewer_network.txt`` against VOSviewer's documented
    map and network file formats, column by column; return the map's items and the links."""
    raw = (folder / network.VOSVIEWER_MAP).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # it would become part of the first header
    lines = raw.decode("utf-8").split("\n")
    assert lines[-1] == "" and all(lines[:-1])  # one item per line, ending with a line break
    header = lines[0].split("\t")  # tab-separated (the manual allows tab, comma or semicolon)
    for name in header:
        assert name in _VOS_COLUMNS or _VOS_LABELLED.fullmatch(name), name
    assert len(set(header)) == len(header)
    assert "id" in header  # items need an id when a network file comes with the map
    assert ("x" in header) == ("y" in header)  # x and y are used together
    assert not {"weight", "normalized weight"} <= set(header)
    items = []
    for line in lines[1:-1]:
        cells = line.split("\t")
        assert len(cells) == len(header), line
        items.append({k: _vos_field(v) for k, v in zip(header, cells, strict=True)})
    ids = [int(item["id"]) for item in items]
    assert len(set(ids)) == len(ids) and all(i > 0 for i in ids)
    for item in items:
        assert 1 <= int(item["cluster"]) <= 1000  # an integer between 1 and 1000
        float(item["x"]), float(item["y"])
        for name, value in item.items():
            match = _VOS_LABELLED.fullmatch(name)
            if match and match[1] == "weight":
                assert float(value) >= 0, (name, value)  # a non-negative number
            elif match:
                float(value)
    edges = []
    pairs = set()
    for line in (folder / network.VOSVIEWER_NETWORK).read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        assert len(cells) in (2, 3), line  # sparse format, no header
        a, b = int(cells[0]), int(cells[1])
        strength = float(cells[2]) if len(cells) == 3 else 1.0
        assert a in ids and b in ids and a != b  # every id is an item of the map
        assert strength > 0  # a positive number
        assert frozenset((a, b)) not in pairs  # one line per pair (VOSviewer would add them)
        pairs.add(frozenset((a, b)))
        edges.append((a, b, strength))
    return items, edges


def test_vosviewer_map_and_network_files(written: tuple[Results, Path]) -> None:
    results, folder = written
    check_vosviewer_files(folder)
    table = _tsv(folder / network.VOSVIEWER_MAP)
    header, items = table[0], table[1:]
    assert header == list(network.VOSVIEWER_MAP_COLUMNS)
    assert header[:2] == ["id", "label"] and "x" in header and "cluster" in header
    assert all(len(row) == len(header) for row in items)
    rows = [dict(zip(header, row, strict=True)) for row in items]
    assert [int(r["id"]) for r in rows] == [r.rank for r in results.ranking]
    # a label holding a comma or a semicolon is quoted, as the manual asks
    assert [r["label"] for r in rows] == [
        "Tokyo–Yokohama",
        '"San Jose, CA"',
        '"Fiji; Suva"',
        "Apia",
        "Osaka–Kyoto",
    ]
    clusters = [int(r["cluster"]) for r in rows]
    assert clusters == [1, 2, 3, 4, 1]  # primary economies, Japan twice
    assert all(1 <= c <= 1000 for c in clusters)
    for r, row in zip(results.ranking, rows, strict=True):
        assert float(row["x"]) == pytest.approx(r.lon) and float(row["y"]) == pytest.approx(r.lat)
        assert float(row["weight<Patents>"]) == r.patents
        assert float(row["weight<Articles>"]) == r.articles
    edges = _tsv(folder / network.VOSVIEWER_NETWORK)
    assert all(len(e) == 3 for e in edges)  # no header: id1, id2, strength
    rank = {r.cluster_id: r.rank for r in results.ranking}
    assert [(int(a), int(b), float(s)) for a, b, s in edges] == [
        (rank[k["source"]], rank[k["target"]], link_strength(k)) for k in results.links
    ]


def test_no_links_still_writes_every_file(tmp_path: Path) -> None:
    results = _results()
    empty = Results(**{**results.__dict__, "links": []})
    network.write_network(empty, tmp_path)
    assert network.read_links(tmp_path) == []
    assert json.loads((tmp_path / "links.geojson").read_text())["features"] == []
    assert (tmp_path / network.VOSVIEWER_NETWORK).read_text() == ""
    assert len(_tsv(tmp_path / network.VOSVIEWER_MAP)) == 1 + len(results.ranking)


def test_partners_of_a_cluster() -> None:
    links = _results().links
    partners = network.partners_of(links, 10, limit=5)
    assert [p["name"] for p in partners] == ["Osaka–Kyoto", "San Jose, CA"]
    assert network.partners_of(links, 10, limit=1)[0]["patents_whole"] == 60
    assert network.partners_of(links, 14, limit=5)[0]["name"] == "Tokyo–Yokohama"
    assert network.partners_of(links, 99, limit=5) == []


# --------------------------------------------------------------------------- the site


def _site_links(folder: Path, n: int) -> list[Link]:
    """Links between the first ``n`` clusters of a sample run, written as links.csv."""
    rows = json.loads((folder / "ranking.json").read_text(encoding="utf-8"))["rows"][:n]
    links: list[Link] = []
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            w = float(len(links) % 7 + 1)
            links.append(
                {
                    "source": min(a["cluster_id"], b["cluster_id"]),
                    "target": max(a["cluster_id"], b["cluster_id"]),
                    "source_name": a["name"] if a["cluster_id"] < b["cluster_id"] else b["name"],
                    "target_name": b["name"] if a["cluster_id"] < b["cluster_id"] else a["name"],
                    "patents": w,
                    "articles": w / 2,
                    "patents_whole": int(2 * w),
                    "articles_whole": int(w),
                }
            )
    links.sort(key=lambda k: (-link_strength(k), k["source"], k["target"]))
    network.write_links_csv(links, folder / network.LINKS_CSV)
    return links


@pytest.fixture(scope="module")
def network_site(site: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Link]]:
    """The report tests' sample site with a links.csv of 12 clusters (66 links) added."""
    folder = tmp_path_factory.mktemp("network-site") / "out"
    shutil.copytree(site, folder)
    links = _site_links(folder, 12)
    write_site(folder, pdf=False)
    return folder, links


def test_index_draws_the_strongest_links_and_profiles_list_partners(
    network_site: tuple[Path, list[Link]],
) -> None:
    folder, links = network_site
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert html.count('class="netlink"') == network.SITE_LINKS
    assert 'id="show-links"' in html and 'id="links"' in html
    first = links[0]
    assert f'data-source="{first["source"]}" data-target="{first["target"]}"' in html
    assert (
        'data-source="{}" data-target="{}"'.format(links[-1]["source"], links[-1]["target"])
        in (html.split('id="links"')[0])
        or len(links) > network.SITE_LINKS
    )
    rows = json.loads((folder / "ranking.json").read_text(encoding="utf-8"))["rows"]
    profile = (folder / "profiles" / f"{rows[0]['slug']}.html").read_text(encoding="utf-8")
    partners = network.partners_of(links, rows[0]["cluster_id"], limit=network.SITE_PARTNERS)
    assert 'class="partners"' in profile
    for p in partners:
        assert p["name"].replace("&", "&amp;").replace("<", "&lt;") in profile
    # a site written before links existed has no network view
    bare = folder.parent / "bare"
    shutil.copytree(folder, bare)
    (bare / network.LINKS_CSV).unlink()
    write_site(bare, pdf=False)
    assert 'class="netlink"' not in (bare / "index.html").read_text(encoding="utf-8")


@pytest.mark.browser
def test_network_view_in_the_browser(
    context: Any,  # noqa: F811
    network_site: tuple[Path, list[Link]],
    artifacts: Path,
) -> None:
    folder, links = network_site
    shown = links[: network.SITE_LINKS]
    w = Watched(context)
    page = w.open(folder / "index.html")
    page.locator("#world").scroll_into_view_if_needed()
    paths = page.locator("#world path.netlink")
    assert paths.count() == len(shown)
    # hover a point of a link's line that no marker covers: the tip names both clusters
    point = page.evaluate(
        """() => {
          for (const p of document.querySelectorAll('#world path.netlink')) {
            const len = p.getTotalLength();
            for (const f of [0.5, 0.4, 0.6, 0.3, 0.7]) {
              const q = p.getPointAtLength(len * f).matrixTransform(p.getScreenCTM());
              if (document.elementFromPoint(q.x, q.y) === p) {
                return {x: q.x, y: q.y, source: p.dataset.source, target: p.dataset.target};
              }
            }
          }
          return null;
        }"""
    )
    assert point is not None, "no link line could be hovered"
    page.mouse.move(point["x"], point["y"])
    tip = page.locator("#tip")
    tip.wait_for(state="visible")
    link = next(
        k
        for k in shown
        if (str(k["source"]), str(k["target"])) == (point["source"], point["target"])
    )
    said = tip.inner_text()
    assert link["source_name"] in said and link["target_name"] in said
    assert f"{link['patents_whole']:,} whole" in said
    page.screenshot(path=str(artifacts / "index-network-hover.png"))
    # the table below the map names the two clusters of every link drawn
    cells = page.eval_on_selector_all(
        "#links tbody tr", "rows => rows.map(r => [r.cells[1].innerText, r.cells[2].innerText])"
    )
    assert cells == [[k["source_name"], k["target_name"]] for k in shown]
    # the toggle hides and shows the lines
    page.uncheck("#show-links")
    assert not paths.first.is_visible()
    page.check("#show-links")
    assert paths.first.is_visible()
    w.check()


def test_vosviewer_descriptions_are_escaped_html_and_quoted(tmp_path: Path) -> None:
    """VOSviewer reads a description as HTML and a comma as a separator: an economy name such
    as "Korea, Republic of" is quoted and "&" shows as written."""
    results = _results()
    names = {"JP": "Japan & Co, Ltd", "US": "United States", "FJ": "Fiji", "WS": "Samoa"}
    network.write_vosviewer(results.ranking, results.links, tmp_path, economy_names=names)
    items, edges = check_vosviewer_files(tmp_path)
    assert items[0]["description"] == "Rank 1. Primary economy: Japan &amp; Co, Ltd. Cluster id 10."
    assert items[1]["description"] == "Rank 2. Primary economy: United States. Cluster id 11."
    assert len(edges) == len(results.links)
