"""The docs match the tool: docs/outputs.md checked against a real run of the demo world
(issue 14, item 10).

Driven by the document, not by a copy of it: the list of files at the top of docs/outputs.md
must name every file of the output folder (and each file it names must be there); every table of
keys or columns must list exactly the keys of the file it documents; the ``accounts.json``
example is parsed and compared key by key with the demo's. The rules of the page are written in
the page itself (an HTML comment under the list of files).
"""

from __future__ import annotations

import csv
import fnmatch
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from stclusters.config import Config
from stclusters.pipeline import RunResult, run
from worlds import DEMO_SCALE

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo_world")]

ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = ROOT / "docs" / "outputs.md"
KEY_HEADERS = ("key", "column")


@pytest.fixture(scope="module")
def demo(demo_world: Path, tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    """The demo's run with its site, with the full sensitivity analysis on a small grid (so
    that sensitivity.csv and sensitivity_runs.csv are checked too)."""
    config = Config(
        min_points=Config().min_points * DEMO_SCALE,
        sensitivity_analysis=True,
        sensitivity_grid=3,
        sensitivity_bootstraps=2,
    )
    out = tmp_path_factory.mktemp("docs") / "out"
    return run([demo_world], out=out, config=config, write_site=True)


# --------------------------------------------------------------------------------------------
# reading the document


@dataclass
class Entry:
    """A line of the list of files: its name patterns and whether the file may be absent."""

    patterns: list[str]
    optional: bool
    line: str


@dataclass
class KeyTable:
    """A table of keys or columns: what it documents and its keys (key -> may be absent)."""

    section: str
    targets: list[str]
    extends: list[str]
    keys: dict[str, bool]


def _file_list(text: str) -> list[Entry]:
    """The entries of the fenced block that starts with ``OUT/``."""
    match = re.search(r"```\nOUT/\n(.*?)```", text, flags=re.S)
    assert match, "docs/outputs.md has no list of files (a fenced block starting with OUT/)"
    entries = []
    for line in match.group(1).splitlines():
        if not line.strip():
            continue
        names, _, description = line.strip().partition("  ")
        patterns = [n.strip().replace("<slug>", "*") for n in names.split(",") if n.strip()]
        entries.append(Entry(patterns, "only when" in description, line.strip()))
    return entries


def _names(cell: str) -> list[str]:
    """The backticked names of a table's first cell (`lat`, `lon` -> both)."""
    return re.findall(r"`([^`]+)`", cell)


def _key_tables(text: str) -> list[KeyTable]:
    """Every table whose first column is headed "key" or "column", with what it documents."""
    tables: list[KeyTable] = []
    section = ""
    schema: str | None = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section, schema = line[3:].strip(), None
        found = re.match(r"<!-- schema: (.*?) -->", line.strip())
        if found:
            schema = found.group(1)
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] in KEY_HEADERS:
            keys: dict[str, bool] = {}
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                row = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                optional = len(row) > 1 and "optional" in row[1]
                for name in _names(row[0]):
                    keys[name] = optional
                i += 1
            tokens = schema.split() if schema else _files_named(section)
            tables.append(
                KeyTable(
                    section=section,
                    targets=[t for t in tokens if not t.startswith("+")],
                    extends=[t[1:] for t in tokens if t.startswith("+")],
                    keys=keys,
                )
            )
            schema = None
            continue
        i += 1
    return tables


def _files_named(section: str) -> list[str]:
    """The file names a section's heading names ("ranking.csv, ranking.parquet",
    "vosviewer_*.txt")."""
    words = [w.strip("`,()") for w in section.split()]
    return [w for w in words if re.fullmatch(r"[\w.*<>/-]+\.\w+", w)]


def _heading_entries(text: str) -> list[Entry]:
    """Files named by a section's heading: documented there, whether or not the list at the
    top names them (the list is what must exist)."""
    entries = []
    for line in text.splitlines():
        if line.startswith("#"):
            names = [n.replace("<slug>", "*") for n in _files_named(line.lstrip("#"))]
            if names:
                entries.append(Entry(names, True, line))
    return entries


# --------------------------------------------------------------------------------------------
# reading the folder


def _files(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())


def _matches(entry: Entry, name: str) -> bool:
    for pattern in entry.patterns:
        if pattern.endswith("/") and name.startswith(pattern):
            return True
        if fnmatch.fnmatchcase(name, pattern) and name.count("/") == pattern.count("/"):
            return True
    return False


def _walk(value: Any, path: list[str]) -> list[Any]:
    """The values at ``path`` ("rows[]" steps into every item of a list)."""
    if not path:
        return [value]
    step, rest = path[0], path[1:]
    key = step.removesuffix("[]")
    inner = value.get(key) if isinstance(value, dict) else None
    if inner is None:
        return []
    if step.endswith("[]"):
        return [v for item in inner for v in _walk(item, rest)]
    return _walk(inner, rest)


def _keys_of(out: Path, target: str) -> list[set[str]]:
    """The key sets of a target: one per object it names (a CSV or Parquet file: its columns).

    Returns an empty list for files whose columns this test cannot read (their existence is
    checked by the list of files).
    """
    name, _, path = target.partition(":")
    file = out / name
    assert file.exists(), f"docs/outputs.md documents {name}, which the run did not write"
    if name.endswith(".csv"):
        with file.open(encoding="utf-8-sig", newline="") as fh:
            return [set(next(csv.reader(fh)))]
    if name.endswith(".parquet"):
        return [set(pq.read_schema(file).names)]
    if name.endswith((".json", ".geojson")):
        data = json.loads(file.read_text(encoding="utf-8"))
        if not path:
            path = "features[].properties" if name.endswith(".geojson") else ""
        objects = _walk(data, [p for p in path.split(".") if p])
        assert objects, f"{target}: nothing at that path in the run's {name}"
        return [set(o) for o in objects]
    return []


# --------------------------------------------------------------------------------------------
# the tests


def test_every_file_of_the_folder_is_documented_and_there(demo: RunResult) -> None:
    text = OUTPUTS.read_text(encoding="utf-8")
    entries = _file_list(text)
    files = _files(demo.out)
    documented = entries + _heading_entries(text)
    undocumented = [f for f in files if not any(_matches(e, f) for e in documented)]
    assert not undocumented, f"files of a run not in docs/outputs.md: {undocumented}"
    missing = [e.line for e in entries if not e.optional and not any(_matches(e, f) for f in files)]
    assert not missing, f"docs/outputs.md lists files a run does not write: {missing}"


def test_every_documented_key_and_column_is_the_runs(demo: RunResult) -> None:
    text = OUTPUTS.read_text(encoding="utf-8")
    tables = _key_tables(text)
    documented = {t: table for table in tables for t in table.targets}
    checked = 0
    for table in tables:
        assert table.targets, (
            f"docs/outputs.md, section {table.section!r}: a table of keys "
            "whose file is not named (name the file in the heading or a schema: comment)"
        )
        keys = dict(table.keys)
        for other in table.extends:
            keys.update(documented[other].keys)
        required = {k for k, optional in keys.items() if not optional}
        for target in table.targets:
            for real in _keys_of(demo.out, target):
                assert not real - set(keys), (
                    f"{target}: keys of the run not documented in docs/outputs.md "
                    f"({table.section}): {sorted(real - set(keys))}"
                )
                assert not required - real, (
                    f"{target}: keys documented in docs/outputs.md ({table.section}) that the "
                    f"run does not write: {sorted(required - real)}"
                )
                checked += 1
    assert checked >= 6  # ranking json/csv/parquet, all_clusters, profiles, run.json, ...


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _compare(example: Any, real: Any, where: str) -> list[str]:
    """Where the example differs from the real accounts (keys and JSON types)."""
    if real is None or example is None:
        return []  # a value that may be null
    if _json_kind(example) != _json_kind(real):
        return [f"{where}: {_json_kind(example)} in the example, {_json_kind(real)} in the run"]
    problems = []
    if isinstance(example, dict):
        partial = "..." in example
        shown = {k: v for k, v in example.items() if k != "..."}
        extra = sorted(set(shown) - set(real))
        problems += [f"{where}.{k}: in the example, not in the run" for k in extra]
        if not partial:
            problems += [
                f"{where}.{k}: in the run, not in the example" for k in set(real) - set(shown)
            ]
        for key in sorted(set(shown) & set(real)):
            problems += _compare(shown[key], real[key], f"{where}.{key}")
    elif isinstance(example, list) and example and real:
        problems += _compare(example[0], real[0], f"{where}[0]")
    return problems


def _accounts_example(text: str) -> Any:
    section = text[text.index("## accounts.json") :]
    block = re.search(r"```json\n(.*?)```", section, flags=re.S)
    assert block, "docs/outputs.md: no JSON example in the accounts.json section"
    return json.loads(block.group(1))


def test_accounts_example_is_the_runs_key_by_key(demo: RunResult) -> None:
    example = _accounts_example(OUTPUTS.read_text(encoding="utf-8"))
    real = json.loads((demo.out / "accounts.json").read_text(encoding="utf-8"))
    problems = _compare(example, real, "accounts")
    assert not problems, "docs/outputs.md's accounts.json example:\n" + "\n".join(problems)
    assert set(example) == set(real)  # every top-level key shown


def test_the_comparison_catches_what_it_should() -> None:
    """The checker itself: a made-up key, a missing key and a wrong type are found."""
    real = {"a": 1, "b": {"c": [1, 2], "d": "x"}}
    assert not _compare({"a": 2, "b": {"c": [3], "d": "y"}}, real, "r")
    assert not _compare({"a": 2, "b": {"...": "..."}}, real, "r")
    assert _compare({"a": 2, "b": {"c": [3]}}, real, "r") == [
        "r.b.d: in the run, not in the example"
    ]
    assert _compare({"a": 2, "z": 1, "b": {"...": "..."}}, real, "r")
    assert _compare({"a": "1", "b": {"...": "..."}}, real, "r")
    tables = _key_tables("## x.csv\n\n| column | meaning |\n|---|---|\n| `a`, `b` | . |\n")
    assert tables[0].targets == ["x.csv"] and tables[0].keys == {"a": False, "b": False}
    named = _files_named("`links.csv` and `links.geojson` (network)")
    assert named == ["links.csv", "links.geojson"]
    entry = _heading_entries("## vosviewer_*.txt\n")[0]
    assert _matches(entry, "vosviewer_map.txt") and not _matches(entry, "profiles/a.txt")


def test_method_and_readme_promise_what_the_run_writes(demo: RunResult) -> None:
    """Timings are in run.json (not accounts.json); the README's files and geocode's columns."""
    method = (ROOT / "docs" / "method.md").read_text(encoding="utf-8")
    accounts_section = method[method.index("## 8. Accounts") :].split("\n## ")[0]
    run_json = json.loads((demo.out / "run.json").read_text(encoding="utf-8"))
    accounts = (demo.out / "accounts.json").read_text(encoding="utf-8")
    assert "stage_seconds" in run_json and "seconds" not in accounts
    assert "run.json" in accounts_section
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| file | content |") :].split("\n\n")[0]
    files = _files(demo.out)
    first_cells = [row.split("|")[1] for row in table.splitlines()[2:]]
    for name in re.findall(r"`([^`]+)`", " ".join(first_cells).replace("<slug>", "*")):
        assert any(fnmatch.fnmatchcase(f, name) for f in files), f"README names {name}"
    from stclusters.geocode.stage import OUTPUT_COLUMNS

    for column in OUTPUT_COLUMNS:
        assert f"`{column}`" in readme, f"README does not document geocode's {column}"
