"""Packaging: floors in pyproject.toml, exact pins in constraints.txt, licences, optional rasterio.

The installed project's metadata is read with :mod:`importlib.metadata`, so these tests check
the environment that ``make install`` built from ``constraints.txt``.
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import importlib.util
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from typer.testing import CliRunner

from stclusters.cli import app
from stclusters.config import Config, check_setting_files
from stclusters.errors import ConfigError
from stclusters.measure import population

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
#: Licences whose terms a program that imports the library must follow (strong copyleft); the
#: project is MIT. The Lesser GPL (pycountry) lets an MIT program import the library as it is.
STRONG_COPYLEFT = ("GPL", "GNU GENERAL PUBLIC LICENSE", "AFFERO")


def _requirements(*groups: str) -> list[Requirement]:
    """The requirements of ``dependencies`` ("") and of the named extras."""
    project = PYPROJECT["project"]
    out = []
    for group in groups:
        lines = project["dependencies"] if group == "" else project["optional-dependencies"][group]
        out += [Requirement(line) for line in lines]
    return [r for r in out if canonicalize_name(r.name) != "stclusters"]


def _constraints() -> dict[str, str]:
    """Name -> version of every pin of constraints.txt."""
    out = {}
    for raw in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"constraints.txt: {raw!r} is not an exact pin (name==version)"
            out[canonicalize_name(name)] = version
    return out


def test_dependencies_have_floors_not_pins() -> None:
    reqs = _requirements("", "raster", "dev")
    assert len(reqs) >= 20
    for req in reqs:
        ops = {spec.operator for spec in req.specifier}
        assert "==" not in ops and "~=" not in ops, f"{req}: pin it in constraints.txt instead"
        assert ">=" in ops, f"{req}: give the oldest release that works as a floor"


def test_constraints_pin_every_requirement_within_its_range() -> None:
    pins = _constraints()
    for req in _requirements("", "raster", "dev"):
        version = pins.get(canonicalize_name(req.name))
        assert version is not None, f"{req.name} is not pinned in constraints.txt"
        assert req.specifier.contains(version, prereleases=True), (
            f"constraints.txt pins {req.name}=={version}, outside pyproject.toml's {req.specifier}"
        )


def test_installed_versions_are_the_pinned_ones() -> None:
    """`make install` used constraints.txt: what is installed is what is pinned."""
    pins = _constraints()
    for req in _requirements("", "raster", "dev"):
        installed = md.version(req.name)
        assert installed == pins[canonicalize_name(req.name)], (
            f"{req.name} {installed} is installed but constraints.txt pins "
            f"{pins[canonicalize_name(req.name)]}: run `make clean install`"
        )


def _runtime_closure() -> Iterator[md.Distribution]:
    """The installed distributions that ``pip install stclusters`` (no extra) brings."""
    seen: set[str] = set()
    todo = ["stclusters"]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        dist = md.distribution(name)
        yield dist
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)


def _licence(dist: md.Distribution) -> str:
    """Every licence statement of a distribution's metadata, upper case."""
    meta = dist.metadata
    texts = [meta.get("License-Expression") or "", (meta.get("License") or "")[:200]]
    texts += [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return " | ".join(texts).upper()


def test_runtime_dependencies_are_not_strong_copyleft() -> None:
    dists = list(_runtime_closure())
    names = {canonicalize_name(d.metadata["Name"]) for d in dists}
    assert {"numpy", "scikit-learn", "anyascii", "duckdb"} <= names
    assert "unidecode" not in names  # GPL-2.0-or-later: replaced by anyascii (ISC)
    assert "rasterio" not in names  # the `raster` extra
    for dist in dists:
        text = _licence(dist).replace("LGPL", "").replace("LESSER GENERAL PUBLIC", "")
        assert not any(word in text for word in STRONG_COPYLEFT), (
            f"{dist.metadata['Name']} is licensed {_licence(dist)!r}, which an MIT project "
            "cannot depend on"
        )


def _imported_modules(folder: Path) -> dict[str, str]:
    """Top-level module -> first file of ``folder`` importing it (absolute imports)."""
    out: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                out.setdefault(name.split(".")[0], str(path.relative_to(REPO)))
    return out


def test_every_module_src_imports_is_declared() -> None:
    """A third-party import of src/ comes from a runtime dependency (rasterio: the raster extra;
    pandas and geopandas: the notebook extra; pyogrio: the gis extra)."""
    providers = md.packages_distributions()
    declared = {canonicalize_name(r.name) for r in _requirements("", "raster", "notebook", "gis")}
    for module, where in _imported_modules(REPO / "src" / "stclusters").items():
        if module in sys.stdlib_module_names or module in ("stclusters", "__future__"):
            continue
        dists = {canonicalize_name(d) for d in providers.get(module, [])}
        assert dists & declared, f"{where} imports {module}, which no dependency provides"


def test_rasterio_is_optional_in_src() -> None:
    """Only measure/population.py imports rasterio, inside the function that reads a raster."""
    for path in sorted((REPO / "src" / "stclusters").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level: imported by `import stclusters...`
            if isinstance(node, ast.Import | ast.ImportFrom):
                mod = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                assert not (mod or "").startswith("rasterio"), path


# --------------------------------------------------------------------------------------------
# a population raster without rasterio


@pytest.fixture
def no_rasterio(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make rasterio look uninstalled (``find_spec`` finds nothing, ``import`` fails)."""
    real = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> object:
        return None if name.split(".")[0] == "rasterio" else real(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    for name in [m for m in sys.modules if m.split(".")[0] == "rasterio"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "rasterio", None)


def _raster_config(tmp_path: Path) -> Config:
    raster = tmp_path / "pop.tif"
    raster.write_bytes(b"not read")
    return Config(population_source="raster", population_raster=str(raster))


@pytest.mark.usefixtures("no_rasterio")
def test_raster_without_rasterio_fails_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"pip install 'stclusters\[raster\]'"):
        check_setting_files(_raster_config(tmp_path))
    check_setting_files(Config())  # GeoNames populations need no rasterio


@pytest.mark.usefixtures("no_rasterio")
def test_reading_a_raster_without_rasterio_names_the_extra(tmp_path: Path) -> None:
    from shapely.geometry import box

    with pytest.raises(ConfigError, match=r"stclusters\[raster\]"):
        population.population_from_raster(box(0, 0, 1, 1), tmp_path / "pop.tif")


@pytest.mark.usefixtures("no_rasterio")
def test_cli_run_with_raster_without_rasterio_is_one_clear_message(tmp_path: Path) -> None:
    config = _raster_config(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "run",
            str(tmp_path / "inputs"),
            "--out",
            str(out),
            "--population-source",
            "raster",
            "--population-raster",
            str(config.population_raster),
        ],
    )
    assert result.exit_code != 0
    assert "pip install 'stclusters[raster]'" in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert not out.exists()


def test_require_rasterio_passes_when_installed() -> None:
    if importlib.util.find_spec("rasterio") is None:
        pytest.skip("rasterio (the raster extra) is not installed here")
    population.require_rasterio()


# --------------------------------------------------------------------------------------------
# the command line's default run with no extra installed

#: Run in a fresh interpreter: hide every module that `pip install stclusters` would not have
#: installed (argv[1], one per line), then run the command line with the arguments after it.
_WITHOUT_EXTRAS = """
import sys

hidden = set(sys.argv[1].split())
started = set(sys.modules)  # what site-packages' .pth files loaded before this script


class Hide:
    def __init__(self, inner):
        self.inner = inner

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in hidden:
            return None
        find = getattr(self.inner, "find_spec", None)
        return None if find is None else find(name, path, target)

    def __getattr__(self, attr):
        return getattr(self.inner, attr)


sys.meta_path[:] = [Hide(f) for f in sys.meta_path]
from stclusters.cli import app

try:
    app(sys.argv[2:], prog_name="stclusters")
finally:
    loaded = sorted({m.partition(".")[0] for m in set(sys.modules) - started} & hidden)
    print("LOADED-HIDDEN:", " ".join(loaded))
"""


def _base_closure() -> set[str]:
    """The distributions `pip install stclusters` installs: the runtime dependencies and
    theirs, without extras (as the installed metadata gives them)."""
    todo = [r.name for r in _requirements("")]
    seen: set[str] = set()
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = md.requires(name) or []
        except md.PackageNotFoundError:
            continue
        for line in requires:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


def test_the_default_run_needs_no_extra(tmp_path: Path) -> None:
    """`stclusters run` with its default outputs (tables, workbook, site, PDF profiles) works
    when only `pip install stclusters` is installed: every module of the extras (raster,
    notebook, gis) and of the dev tools is hidden; clusters.gpkg is skipped with a message
    naming the gis extra."""
    import subprocess

    from stclusters.records import write_records
    from worlds import small_world

    base = _base_closure()
    assert {"numpy", "duckdb", "xlsxwriter", "reportlab"} <= base
    hidden = {
        module
        for module, dists in md.packages_distributions().items()
        if module.isidentifier()
        and not {canonicalize_name(d) for d in dists} & (base | {"stclusters"})
    }
    assert {"pandas", "geopandas", "pyogrio", "rasterio", "openpyxl", "pytest"} <= hidden
    world = write_records(small_world(), tmp_path / "world")
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_EXTRAS, " ".join(sorted(hidden)), "run", str(world),
         "--out", str(out), "--min-points", "40"],
        capture_output=True, text=True, check=False, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    assert "LOADED-HIDDEN: \n" in done.stdout  # nothing hidden was imported after all
    for name in ("ranking.csv", "stclusters.xlsx", "memberships.parquet", "index.html"):
        assert (out / name).is_file(), name
    assert list((out / "profiles").glob("*.pdf"))
    assert not (out / "clusters.gpkg").exists()
    assert "stclusters[gis]" in " ".join(said.split())
